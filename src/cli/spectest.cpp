// Runner for spec test scripts: wast2json command scripts (see wabt's
// docs/wast2json.md) and S-expression scripts with binary modules (read by
// cli/wast_reader into the same command list). The "commands" are executed
// in order against a growing set of module instances: `module` makes the
// current instance (a `module_definition` only decodes, a
// `module_instance` instantiates a definition), `register` makes an
// instance importable by name, the assert_* commands check one behaviour
// each.
//
// Every command counts as passed, failed or skipped. A command can be
// skipped only for a reason outside the runtime's control: a text-format
// module, which a binary-only runtime cannot load, or garbage-collection
// types, which Strata does not implement yet (a module that needs them,
// and every command about that module, is skipped). Everything else that
// goes wrong is a failure, reported with the script line so it can be
// found in the script.

#include "cli/spectest.h"

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/host_spectest.h"
#include "cli/wast_reader.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "runtime/linker.h"
#include "wasm/module.h"

namespace strata {
namespace cli {

using nlohmann::json;

// ---------------------------------------------------------------------------
// Shared helpers

bool readFileBytes(const std::string& path, std::vector<uint8_t>* out, std::string* error) {
  // stdio rather than iostreams: errno then explains a failure reliably.
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    *error = std::strerror(errno);
    return false;
  }
  out->clear();
  uint8_t buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) out->insert(out->end(), buffer, buffer + n);
  // A directory opens fine on Linux; the read then fails with EISDIR.
  bool failed = std::ferror(file) != 0;
  int savedErrno = errno;
  std::fclose(file);
  if (failed) {
    *error = std::strerror(savedErrno);
    return false;
  }
  return true;
}

namespace {

std::string describeFloat(const char* prefix, bool negative, bool isNan, uint64_t payload,
                          double value, int digits) {
  char buf[64];
  if (isNan) {
    // The payload matters for nan:canonical / nan:arithmetic checks.
    std::snprintf(buf, sizeof buf, "%s:%snan:0x%" PRIx64, prefix, negative ? "-" : "", payload);
  } else {
    std::snprintf(buf, sizeof buf, "%s:%.*g", prefix, digits, value);
  }
  return buf;
}

}  // namespace

std::string describeValue(ValType type, Slot value) {
  char buf[64];
  switch (type.kind()) {
    case ValKind::I32:
      std::snprintf(buf, sizeof buf, "i32:%" PRIu32, static_cast<uint32_t>(value));
      return buf;
    case ValKind::I64:
      std::snprintf(buf, sizeof buf, "i64:%" PRIu64, static_cast<uint64_t>(value));
      return buf;
    case ValKind::F32: {
      uint32_t bits = static_cast<uint32_t>(value);
      float f;
      std::memcpy(&f, &bits, sizeof f);
      // 9 significant digits identify every float exactly.
      return describeFloat("f32", bits >> 31, std::isnan(f), bits & 0x7fffff, f, 9);
    }
    case ValKind::F64: {
      double d;
      std::memcpy(&d, &value, sizeof d);
      return describeFloat("f64", value >> 63, std::isnan(d), value & 0xfffffffffffffull, d, 17);
    }
    case ValKind::FuncRef:
      return value == 0 ? "funcref:null" : "funcref:non-null";
    case ValKind::ExnRef:
      return value == 0 ? "exnref:null" : "exnref:non-null";
    case ValKind::ExternRef:
      // Host references N are carried as the slot N + 1 (0 is null).
      if (value == 0) return "externref:null";
      std::snprintf(buf, sizeof buf, "externref:%" PRIu64, static_cast<uint64_t>(value - 1));
      return buf;
    case ValKind::V128:
      return describeValue(type, value, 0);
    case ValKind::AnyRef:
    case ValKind::Bottom:
      break;
  }
  return "?";
}

std::string describeValue(ValType type, Slot value, Slot high) {
  if (type != ValType::V128) return describeValue(type, value);
  // Four 32-bit lanes in hex, lane 0 first (the low bytes).
  char buf[64];
  std::snprintf(buf, sizeof buf, "v128:0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32, uint32_t(value),
                uint32_t(value >> 32), uint32_t(high), uint32_t(high >> 32));
  return buf;
}

namespace {

// ---------------------------------------------------------------------------
// Script values

// A problem with the script itself (a missing field, an unknown module
// name): the command fails with this message.
struct ScriptError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Something the runner cannot run: the command is skipped.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An argument or an expected result. A v128 is `bits` (bytes 0-7) and
// `high` (bytes 8-15), checked lane by lane as `laneBits`-wide lanes, each
// with its own kind (float lanes may expect a NaN pattern).
struct ScriptValue {
  enum class Kind { Exact, CanonicalNan, ArithmeticNan, NonNullRef, AnyNullRef, Either };
  ValType type = ValType::I32;
  Kind kind = Kind::Exact;
  Slot bits = 0;
  Slot high = 0;
  int laneBits = 0;        // v128: 8, 16, 32 or 64
  bool floatLanes = false;  // v128: f32 or f64 lanes
  std::vector<Kind> laneKinds;
  std::vector<ScriptValue> alternatives;  // Either: any one of these
};

// An action's value: a v128 takes both halves.
struct RawValue {
  Slot bits = 0;
  Slot high = 0;
};

ValType parseValType(const std::string& name) {
  if (name == "i32") return ValType::I32;
  if (name == "i64") return ValType::I64;
  if (name == "f32") return ValType::F32;
  if (name == "f64") return ValType::F64;
  if (name == "funcref") return ValType::FuncRef;
  if (name == "externref") return ValType::ExternRef;
  if (name == "exnref") return ValType::ExnRef;
  if (name == "v128") return ValType::V128;
  throw ScriptError("unknown value type \"" + name + "\"");
}

// wast2json writes numbers as unsigned decimal strings of the bit pattern.
uint64_t parseBits(const std::string& text, int width) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    throw ScriptError("bad number \"" + text + "\"");
  errno = 0;
  unsigned long long n = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || (width == 32 && n > 0xffffffffull))
    throw ScriptError("number out of range \"" + text + "\"");
  return n;
}

// A v128: {"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "4"]},
// float lanes possibly "nan:canonical" / "nan:arithmetic".
void parseV128(const json& j, ScriptValue* v) {
  std::string lane = j.at("lane_type").get<std::string>();
  if (lane.size() < 2 || (lane[0] != 'i' && lane[0] != 'f')) throw ScriptError("bad lane type \"" + lane + "\"");
  v->floatLanes = lane[0] == 'f';
  v->laneBits = std::atoi(lane.c_str() + 1);
  if (v->laneBits != 8 && v->laneBits != 16 && v->laneBits != 32 && v->laneBits != 64)
    throw ScriptError("bad lane type \"" + lane + "\"");
  const json& lanes = j.at("value");
  if (!lanes.is_array() || lanes.size() != size_t(128 / v->laneBits)) throw ScriptError("bad v128 lanes");
  uint8_t bytes[16] = {};
  for (size_t i = 0; i < lanes.size(); ++i) {
    std::string text = lanes[i].get<std::string>();
    ScriptValue::Kind kind = ScriptValue::Kind::Exact;
    uint64_t n = 0;
    if (text == "nan:canonical" || text == "nan:arithmetic") {
      if (!v->floatLanes) throw ScriptError("NaN pattern for an integer lane");
      kind = text == "nan:canonical" ? ScriptValue::Kind::CanonicalNan : ScriptValue::Kind::ArithmeticNan;
    } else {
      n = parseBits(text, v->laneBits == 64 ? 64 : 32);
      if (v->laneBits < 32 && n >> v->laneBits) throw ScriptError("lane out of range \"" + text + "\"");
    }
    v->laneKinds.push_back(kind);
    std::memcpy(bytes + i * (v->laneBits / 8), &n, size_t(v->laneBits / 8));
  }
  std::memcpy(&v->bits, bytes, 8);
  std::memcpy(&v->high, bytes + 8, 8);
}

// Reference types of the scripts' heap types that Strata has no values of:
// the garbage-collection hierarchy (any, eq, i31, struct, array, none) and
// host references, which live there.
bool isGcReferenceType(const std::string& name) {
  return name == "anyref" || name == "eqref" || name == "i31ref" || name == "structref" || name == "arrayref" ||
         name == "nullref" || name == "hostref";
}

ScriptValue parseValue(const json& j) {
  ScriptValue v;
  const std::string typeName = j.at("type").get<std::string>();
  if (typeName == "either") {
    v.kind = ScriptValue::Kind::Either;
    for (const json& alternative : j.at("values")) v.alternatives.push_back(parseValue(alternative));
    return v;
  }
  if (typeName == "refnull") {  // any null reference
    v.kind = ScriptValue::Kind::AnyNullRef;
    v.type = ValType::FuncRef;
    return v;
  }
  if (isGcReferenceType(typeName)) throw Unsupported("value of GC type " + typeName);
  // The bottom types' nulls are the nulls of their hierarchies.
  if (typeName == "nullfuncref" || typeName == "nullexternref" || typeName == "nullexnref") {
    v.type = typeName == "nullfuncref" ? ValType::FuncRef : typeName == "nullexternref" ? ValType::ExternRef : ValType::ExnRef;
    if (j.value("value", std::string()) != "null") throw ScriptError("a " + typeName + " can only be null");
    return v;
  }
  v.type = parseValType(typeName);
  if (v.type == ValType::V128) {
    parseV128(j, &v);
    return v;
  }
  bool hasValue = j.contains("value");
  std::string text = hasValue ? j.at("value").get<std::string>() : std::string();
  switch (v.type.kind()) {
    case ValKind::I32:
    case ValKind::I64:
    case ValKind::F32:
    case ValKind::F64:
      if (text == "nan:canonical") {
        v.kind = ScriptValue::Kind::CanonicalNan;
      } else if (text == "nan:arithmetic") {
        v.kind = ScriptValue::Kind::ArithmeticNan;
      } else {
        bool narrow = v.type == ValType::I32 || v.type == ValType::F32;
        v.bits = parseBits(text, narrow ? 32 : 64);
      }
      if (v.kind != ScriptValue::Kind::Exact && (v.type == ValType::I32 || v.type == ValType::I64))
        throw ScriptError("NaN pattern for an integer type");
      break;
    case ValKind::FuncRef:
    case ValKind::ExnRef:
      // Function references and exceptions cannot be named in JSON; an expected
      // `(ref.func)` comes without a value and means "any non-null".
      if (text == "null") {
        v.bits = 0;
      } else {
        v.kind = ScriptValue::Kind::NonNullRef;
      }
      break;
    case ValKind::ExternRef:
      if (text == "null") {
        v.bits = 0;
      } else if (!hasValue) {
        v.kind = ScriptValue::Kind::NonNullRef;
      } else {
        v.bits = parseBits(text, 64) + 1;  // host reference N -> slot N + 1
      }
      break;
    default:
      throw ScriptError("unsupported value type");
  }
  return v;
}

std::string describeExpected(const ScriptValue& v) {
  if (v.kind == ScriptValue::Kind::Either) {
    std::string out = "(either";
    for (const ScriptValue& a : v.alternatives) out += " " + describeExpected(a);
    return out + ")";
  }
  if (v.kind == ScriptValue::Kind::AnyNullRef) return "ref.null";
  if (v.type == ValType::V128) {
    bool nans = false;
    for (ScriptValue::Kind k : v.laneKinds) nans |= k != ScriptValue::Kind::Exact;
    std::string out = describeValue(v.type, v.bits, v.high);
    if (nans) {
      out += " (lanes";
      for (ScriptValue::Kind k : v.laneKinds)
        out += k == ScriptValue::Kind::Exact ? " =" : k == ScriptValue::Kind::CanonicalNan ? " nan:canonical" : " nan:arithmetic";
      out += ")";
    }
    return out;
  }
  switch (v.kind) {
    case ScriptValue::Kind::Exact:
      return describeValue(v.type, v.bits);
    case ScriptValue::Kind::CanonicalNan:
      return std::string(valTypeName(v.type)) + ":nan:canonical";
    case ScriptValue::Kind::ArithmeticNan:
      return std::string(valTypeName(v.type)) + ":nan:arithmetic";
    case ScriptValue::Kind::NonNullRef:
      return std::string(valTypeName(v.type)) + ":non-null";
    case ScriptValue::Kind::AnyNullRef:
    case ScriptValue::Kind::Either:
      break;
  }
  return "?";
}

bool matches(const ScriptValue& expected, Slot got);

// Lane by lane: exact bits, or the lane's NaN pattern.
bool matchesV128(const ScriptValue& expected, const RawValue& got) {
  uint8_t want[16], have[16];
  std::memcpy(want, &expected.bits, 8);
  std::memcpy(want + 8, &expected.high, 8);
  std::memcpy(have, &got.bits, 8);
  std::memcpy(have + 8, &got.high, 8);
  size_t bytes = size_t(expected.laneBits / 8);
  for (size_t i = 0; i < expected.laneKinds.size(); ++i) {
    uint64_t w = 0, h = 0;
    std::memcpy(&w, want + i * bytes, bytes);
    std::memcpy(&h, have + i * bytes, bytes);
    ScriptValue lane;
    lane.type = expected.laneBits == 64 ? (expected.floatLanes ? ValType::F64 : ValType::I64)
                                        : (expected.floatLanes ? ValType::F32 : ValType::I32);
    lane.kind = expected.laneKinds[i];
    lane.bits = w;
    if (!matches(lane, h)) return false;
  }
  return true;
}

bool matches(const ScriptValue& expected, Slot got) {
  // i32/f32 live in the low half of a slot; the upper half is unspecified.
  const bool narrow = expected.type == ValType::I32 || expected.type == ValType::F32;
  if (narrow) got = static_cast<uint32_t>(got);
  switch (expected.kind) {
    case ScriptValue::Kind::Exact:
      return got == expected.bits;
    case ScriptValue::Kind::NonNullRef:
      return got != 0;
    case ScriptValue::Kind::AnyNullRef:
      return got == 0;
    case ScriptValue::Kind::Either:
      return false;  // matchesResult() handles alternatives
    case ScriptValue::Kind::CanonicalNan:
      // Exponent all ones, only the quiet bit of the fraction set; any sign.
      return narrow ? (got & 0x7fffffffu) == 0x7fc00000u
                    : (got & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
    case ScriptValue::Kind::ArithmeticNan:
      // Exponent all ones and the quiet bit set; any payload and sign.
      return narrow ? (got & 0x7fc00000u) == 0x7fc00000u
                    : (got & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
  }
  return false;
}

// Script values carry their hierarchy's type (funcref, externref, exnref):
// a reference result matches by hierarchy, whatever its exact type.
bool sameValueKind(ValType scriptType, ValType type) {
  return scriptType.isRef() ? scriptType.kind() == type.kind() : scriptType == type;
}

// One result against one expected value (or pattern, or set of
// alternatives).
bool matchesResult(const ScriptValue& expected, ValType type, const RawValue& got) {
  switch (expected.kind) {
    case ScriptValue::Kind::Either:
      for (const ScriptValue& alternative : expected.alternatives)
        if (matchesResult(alternative, type, got)) return true;
      return false;
    case ScriptValue::Kind::AnyNullRef:
      return type.isRef() && got.bits == 0;
    default:
      if (!sameValueKind(expected.type, type)) return false;
      return type == ValType::V128 ? matchesV128(expected, got) : matches(expected, got.bits);
  }
}

std::string joinValues(const std::vector<ValType>& types, const std::vector<RawValue>& values) {
  std::string out;
  for (size_t i = 0; i < values.size() && i < types.size(); ++i) {
    if (i > 0) out += ' ';
    out += describeValue(types[i], values[i].bits, values[i].high);
  }
  return out.empty() ? "()" : out;
}

// The spec's reference interpreter accepts an error whose message starts
// with the expected text; so do we.
bool messageMatches(const std::string& got, const std::string& expected) {
  return got.compare(0, expected.size(), expected) == 0;
}

// ---------------------------------------------------------------------------
// The runner

enum class Status { Pass, Fail, Skip };

struct Outcome {
  Status status = Status::Pass;
  std::string detail;  // why it failed or was skipped; a note for a pass
};

Outcome pass(std::string note = {}) { return {Status::Pass, std::move(note)}; }
Outcome fail(std::string why) { return {Status::Fail, std::move(why)}; }
Outcome skip(std::string why) { return {Status::Skip, std::move(why)}; }

// What an invoke or get produced.
struct ActionResult {
  bool trapped = false;
  std::string trapMessage;
  std::vector<ValType> types;
  std::vector<RawValue> values;
};

class ScriptRunner {
 public:
  ScriptRunner(std::string dir, std::string scriptName, bool verbose, bool linker)
      : dir_(std::move(dir)),
        scriptName_(std::move(scriptName)),
        verbose_(verbose),
        linker_(linker),
        spectest_(makeSpectestModule()),
        spectestResolver_(spectest_) {
    registry_["spectest"] = Exporter{nullptr, &spectest_};
    linkRegistry_.addResolver(&spectestResolver_);
  }

  // Commands of this script to skip: line -> why (SpecTestOptions::
  // supersededPath).
  void setSuperseded(std::map<std::string, std::string> byLine) { superseded_ = std::move(byLine); }

  // Runs the commands; "module_bytes" fields index `modules`.
  void run(const json& commands, std::vector<std::vector<uint8_t>> modules = {}) {
    modules_ = std::move(modules);
    for (const json& command : commands) runOne(command);
  }

  // Prints the summary; returns the exit status.
  int finish() const {
    if (notes_ > 0)
      std::cout << notes_ << " passed with a different message than the script expects\n";
    std::cout << passed_ << " passed, " << failed_ << " failed, " << skipped_ << " skipped\n";
    return failed_ == 0 ? 0 : 1;
  }

 private:
  // Where imports come from: a registered instance or a host module.
  struct Exporter {
    std::shared_ptr<Instance> instance;
    const HostModule* host = nullptr;
  };

  void runOne(const json& command) {
    std::string where = scriptName_ + ":" + lineOf(command);
    std::string what = "command";
    Outcome outcome;
    try {
      what = describeCommand(command);
      if (verbose_) std::cout << where << ": running " << what << std::endl;
      auto superseded = superseded_.find(lineOf(command));
      outcome = superseded != superseded_.end() ? skip("superseded: " + superseded->second) : execute(command);
    } catch (const Unsupported& e) {
      outcome = skip(e.what());
    } catch (const ScriptError& e) {
      outcome = fail(e.what());
    } catch (const json::exception& e) {
      outcome = fail(std::string("malformed command: ") + e.what());
    } catch (const std::exception& e) {
      outcome = fail(std::string("unexpected exception: ") + e.what());
    }
    switch (outcome.status) {
      case Status::Pass:
        ++passed_;
        if (!outcome.detail.empty()) {
          ++notes_;
          std::cout << where << ": note: " << what << ": " << outcome.detail << '\n';
        }
        break;
      case Status::Fail:
        ++failed_;
        std::cout << where << ": " << what << ": " << outcome.detail << '\n';
        break;
      case Status::Skip:
        ++skipped_;
        if (verbose_) std::cout << where << ": skipped " << what << ": " << outcome.detail << '\n';
        break;
    }
  }

  static std::string lineOf(const json& command) {
    if (command.is_object() && command.contains("line") && command["line"].is_number_integer())
      return std::to_string(command["line"].get<long long>());
    return "?";
  }

  std::string describeCommand(const json& command) const {
    std::string type = command.at("type").get<std::string>();
    if (command.contains("action")) return type + " " + describeAction(command["action"]);
    if (type == "register") return "register \"" + command.at("as").get<std::string>() + "\"";
    if (command.contains("filename")) return type + " " + command["filename"].get<std::string>();
    return type;
  }

  static std::string describeAction(const json& action) {
    std::string out = action.at("type").get<std::string>();
    if (action.contains("module")) out += " " + action["module"].get<std::string>();
    out += " \"" + action.at("field").get<std::string>() + "\"";
    if (action.contains("args")) {
      out += " (";
      bool first = true;
      for (const json& arg : action["args"]) {
        if (!first) out += ' ';
        first = false;
        try {
          out += describeExpected(parseValue(arg));
        } catch (const std::exception&) {
          out += arg.dump();  // still say what was there
        }
      }
      out += ")";
    }
    return out;
  }

  Outcome execute(const json& command) {
    const std::string type = command.at("type").get<std::string>();
    if (type == "module") return doModule(command);
    if (type == "module_definition") return doModuleDefinition(command);
    if (type == "module_instance") return doModuleInstance(command);
    if (type == "assert_exception") return doAssertException(command);
    if (type == "register") return doRegister(command);
    if (type == "action") return doAction(command);
    if (type == "assert_return") return doAssertReturn(command);
    if (type == "assert_trap") return doAssertTrap(command, /*exhaustion=*/false);
    if (type == "assert_exhaustion") return doAssertTrap(command, /*exhaustion=*/true);
    if (type == "assert_invalid" || type == "assert_malformed") return doAssertInvalid(command);
    if (type == "assert_unlinkable") return doAssertUnlinkable(command);
    if (type == "assert_uninstantiable") return doAssertUninstantiable(command);
    return fail("unknown command type \"" + type + "\"");
  }

  // --- modules -------------------------------------------------------------

  static bool isTextModule(const json& command) {
    return command.value("module_type", std::string("binary")) == "text";
  }

  // Reads and decodes the command's module: a file of a wast2json script,
  // or bytes of an S-expression script. Throws DecodeError.
  std::shared_ptr<const Module> decodeFile(const json& command) const {
    if (command.contains("module_bytes")) {
      size_t index = command["module_bytes"].get<size_t>();
      if (index >= modules_.size()) throw ScriptError("no module bytes #" + std::to_string(index));
      return decodeModule(modules_[index]);
    }
    std::string path = dir_ + command.at("filename").get<std::string>();
    std::vector<uint8_t> bytes;
    std::string error;
    if (!readFileBytes(path, &bytes, &error)) throw ScriptError("cannot read " + path + ": " + error);
    return decodeModule(std::move(bytes));
  }

  // A module refused only for a proposal Strata does not implement yet is
  // skipped, as is everything done with it.
  static bool isSkippedFeature(const DecodeError& e) { return e.unsupportedFeature == "gc"; }

  // Finds every import among the registered modules. Throws LinkError
  // "unknown import" when a module or one of its exports is missing.
  std::vector<Extern> resolveImports(const Module& module) {
    std::vector<Extern> externs;
    externs.reserve(module.imports.size());
    for (const Import& import : module.imports) {
      Extern ext;
      auto it = registry_.find(import.module);
      bool found = false;
      if (it != registry_.end()) {
        found = it->second.host ? it->second.host->find(import.name, &ext)
                                : it->second.instance->findExport(import.name, &ext);
      }
      if (!found) throw LinkError("unknown import \"" + import.module + "\".\"" + import.name + "\"");
      externs.push_back(std::move(ext));
    }
    return externs;
  }

  std::shared_ptr<Instance> instantiate(const std::shared_ptr<const Module>& module) {
    if (linker_) return instantiateLinked(module);
    return Instance::instantiate(module, resolveImports(*module), env_);
  }

  // --linker: the module is a root of the multi-module linker; a name
  // registered with `register` is a registered module whose instance every
  // later root shares (InstanceGroup::Options::shared). Load-time link
  // errors and instantiation errors are both LinkErrors.
  std::shared_ptr<Instance> instantiateLinked(const std::shared_ptr<const Module>& module) {
    std::string error;
    ModuleNode* node = linkRegistry_.loadRoot(module, "(module)", &error);
    if (!node) throw LinkError(error);
    InstanceGroup::Options options;
    options.shared = linkedGroups_;
    options.runInitialize = false;  // no WASI conventions in spec scripts
    std::shared_ptr<InstanceGroup> group;
    try {
      group = InstanceGroup::instantiate(linkRegistry_, node, env_, options);
    } catch (...) {
      linkRegistry_.releaseRoot(node);
      throw;
    }
    linkedRoots_[group->root()] = {node, group};
    return std::shared_ptr<Instance>(group, group->root());  // alive as long as its group
  }

  // A module that fails to load must not leave its predecessor as the
  // target of the commands that follow: they would test the wrong module.
  // Forgets the current instance and the one called `name`.
  void startInstanceCommand(const std::string& name) {
    current_.reset();
    currentSkipped_ = false;
    if (!name.empty()) {
      named_.erase(name);
      skippedNames_.erase(name);
    }
  }
  // The commands about the instance being made are skipped.
  void markSkipped(const std::string& name) {
    currentSkipped_ = true;
    if (!name.empty()) skippedNames_.insert(name);
  }
  // Instantiates `module` as the current instance (and `name`).
  Outcome instantiateAsCurrent(const std::shared_ptr<const Module>& module, const std::string& name) {
    std::shared_ptr<Instance> instance;
    try {
      instance = instantiate(module);
    } catch (const LinkError& e) {
      return fail(std::string("link error: ") + e.what());
    } catch (const Trap& e) {
      return fail(std::string("instantiation trapped: ") + e.what());
    }
    current_ = instance;
    if (!name.empty()) named_[name] = instance;
    return pass();
  }

  Outcome doModule(const json& command) {
    std::string name = command.value("name", std::string());
    startInstanceCommand(name);
    if (isTextModule(command)) return skip("text-format module");
    std::shared_ptr<const Module> module;
    try {
      module = decodeFile(command);
    } catch (const DecodeError& e) {
      if (!isSkippedFeature(e)) return fail("module does not decode: " + e.toString());
      markSkipped(name);
      return skip(e.message);
    }
    return instantiateAsCurrent(module, name);
  }

  // `(module definition [$M] binary ...)`: decoded and validated now,
  // instantiated by `module_instance`.
  Outcome doModuleDefinition(const json& command) {
    std::string name = command.value("name", std::string());
    Definition definition;
    Outcome outcome = pass();
    try {
      definition.module = decodeFile(command);
    } catch (const DecodeError& e) {
      definition.skipReason = isSkippedFeature(e) ? e.message : std::string();
      outcome = isSkippedFeature(e) ? skip(e.message) : fail("module does not decode: " + e.toString());
    }
    lastDefinition_ = definition;
    if (!name.empty()) definitions_[name] = definition;
    return outcome;
  }

  // The definition an instance command names, or the last one. Throws
  // Unsupported for a skipped definition.
  std::shared_ptr<const Module> definitionFor(const json& instanceCommand) const {
    std::string name = instanceCommand.value("module", std::string());
    const Definition* d = &lastDefinition_;
    if (!name.empty()) {
      auto it = definitions_.find(name);
      if (it == definitions_.end()) throw ScriptError("no module definition " + name);
      d = &it->second;
    }
    if (!d->skipReason.empty()) throw Unsupported(d->skipReason);
    if (!d->module) throw ScriptError("the module definition failed to decode");
    return d->module;
  }

  // `(module instance [$I] [$M])`: the new current instance.
  Outcome doModuleInstance(const json& command) {
    std::string name = command.value("name", std::string());
    startInstanceCommand(name);
    std::shared_ptr<const Module> module;
    try {
      module = definitionFor(command);
    } catch (const Unsupported&) {
      markSkipped(name);
      throw;
    }
    return instantiateAsCurrent(module, name);
  }

  // The module of an assert_unlinkable / assert_uninstantiable: its own
  // bytes, or the definition its `(module instance)` names.
  std::shared_ptr<const Module> assertedModule(const json& command) const {
    if (command.contains("instance")) return definitionFor(command["instance"]);
    return decodeFile(command);
  }

  Outcome doRegister(const json& command) {
    std::shared_ptr<Instance> instance = instanceNamed(command.value("name", std::string()));
    const std::string as = command.at("as").get<std::string>();
    registry_[as] = Exporter{instance, nullptr};
    if (linker_) {
      auto it = linkedRoots_.find(instance.get());
      if (it == linkedRoots_.end()) throw ScriptError("register: the instance was not made by the linker");
      std::string error;
      if (!linkRegistry_.registerModule(as, it->second.node, &error)) throw ScriptError("register: " + error);
      it->second.group->alias(as);
      linkedGroups_[as] = it->second.group;
    }
    return pass();
  }

  // The instance called `name`, or the current one for an empty name.
  std::shared_ptr<Instance> instanceNamed(const std::string& name) const {
    if (name.empty() ? currentSkipped_ : skippedNames_.count(name) > 0)
      throw Unsupported("the module was skipped");
    if (name.empty()) {
      if (!current_) throw ScriptError("no current module (the last module command failed?)");
      return current_;
    }
    auto it = named_.find(name);
    if (it == named_.end() || !it->second) throw ScriptError("no module named " + name + " (it failed to load?)");
    return it->second;
  }

  // --- actions -------------------------------------------------------------

  ActionResult perform(const json& action) {
    std::shared_ptr<Instance> instance = instanceNamed(action.value("module", std::string()));
    const std::string type = action.at("type").get<std::string>();
    const std::string field = action.at("field").get<std::string>();
    ActionResult result;

    if (type == "get") {
      Extern ext;
      if (!instance->findExport(field, &ext) || ext.kind != ExternKind::Global || !ext.global)
        throw ScriptError("no exported global \"" + field + "\"");
      result.types = {ext.global->type.type};
      result.values = {RawValue{ext.global->value, ext.global->high}};
      return result;
    }
    if (type != "invoke") throw ScriptError("unknown action type \"" + type + "\"");

    Function* function = instance->exportedFunction(field);
    if (!function) throw ScriptError("no exported function \"" + field + "\"");
    const FuncType& signature = function->type;

    const json& jsonArgs = action.at("args");
    if (jsonArgs.size() != signature.params.size())
      throw ScriptError("function takes " + std::to_string(signature.params.size()) + " arguments, script passes " +
                        std::to_string(jsonArgs.size()));
    std::vector<Slot> args;
    for (size_t i = 0; i < jsonArgs.size(); ++i) {
      ScriptValue arg = parseValue(jsonArgs[i]);
      ValType param = signature.params[i];
      if (!sameValueKind(arg.type, param) || arg.kind != ScriptValue::Kind::Exact || (!arg.bits && !param.defaultable()))
        throw ScriptError("argument " + std::to_string(i) + " does not fit parameter type " +
                          valTypeName(signature.params[i]));
      args.push_back(arg.bits);
      if (arg.type == ValType::V128) args.push_back(arg.high);  // two slots
    }

    result.types = signature.results;
    Slot* topBefore = env_.stackTop;
    try {
      std::vector<Slot> slots = env_.call(function, args);
      size_t at = 0;
      for (ValType t : signature.results) {
        RawValue v;
        v.bits = at < slots.size() ? slots[at] : 0;
        if (t == ValType::V128) v.high = at + 1 < slots.size() ? slots[at + 1] : 0;
        result.values.push_back(v);
        at += slotWidth(t);
      }
    } catch (const Trap& trap) {
      result.trapped = true;
      result.trapMessage = trap.what();
    }
    checkEnvReset(topBefore);
    if (!result.trapped && result.values.size() != signature.results.size())
      throw ScriptError("call returned " + std::to_string(result.values.size()) + " values for " +
                        std::to_string(signature.results.size()) + " results");
    return result;
  }

  // One ExecEnv serves the whole script, so after each call (trapped or
  // not) it must be back where it started. Said once per script: it is a
  // runtime bug that later failures would only echo.
  void checkEnvReset(Slot* topBefore) {
    if (envWarned_) return;
    if (env_.callDepth != 0 || env_.nativeDepth != 0 || env_.stackTop != topBefore) {
      envWarned_ = true;
      std::cout << scriptName_ << ": warning: ExecEnv not reset after a call (callDepth " << env_.callDepth
                << ", nativeDepth " << env_.nativeDepth << ", stackTop "
                << (env_.stackTop == topBefore ? "restored" : "moved") << ")\n";
    }
  }

  Outcome doAction(const json& command) {
    ActionResult result = perform(command.at("action"));
    if (result.trapped) return fail("trapped: " + result.trapMessage);
    return pass();
  }

  Outcome doAssertReturn(const json& command) {
    const json& jsonExpected = command.at("expected");
    std::vector<ScriptValue> expected;
    for (const json& e : jsonExpected) expected.push_back(parseValue(e));

    ActionResult result = perform(command.at("action"));
    if (result.trapped) return fail("expected " + describeAll(expected) + ", trapped: " + result.trapMessage);

    bool ok = result.values.size() == expected.size();
    for (size_t i = 0; ok && i < expected.size(); ++i) ok = matchesResult(expected[i], result.types[i], result.values[i]);
    if (ok) return pass();
    return fail("expected " + describeAll(expected) + ", got " + joinValues(result.types, result.values));
  }

  static std::string describeAll(const std::vector<ScriptValue>& values) {
    std::string out;
    for (const ScriptValue& v : values) out += (out.empty() ? "" : " ") + describeExpected(v);
    return out.empty() ? "()" : out;
  }

  Outcome doAssertTrap(const json& command, bool exhaustion) {
    const std::string text = command.value("text", std::string());
    if (command.contains("filename") || command.contains("module_bytes")) {
      // Older scripts write `assert_trap (module ...)`; it means the same
      // as assert_uninstantiable.
      return doAssertUninstantiable(command);
    }
    ActionResult result = perform(command.at("action"));
    if (!result.trapped)
      return fail("expected trap \"" + text + "\", got " + joinValues(result.types, result.values));
    if (exhaustion && !messageMatches(result.trapMessage, "call stack exhausted"))
      return fail("expected trap \"call stack exhausted\", got trap \"" + result.trapMessage + "\"");
    if (!messageMatches(result.trapMessage, text))
      return pass("expected trap \"" + text + "\", got trap \"" + result.trapMessage + "\"");
    return pass();
  }

  // The action must end in an uncaught wasm exception (exception handling
  // is not implemented yet: any other outcome fails).
  Outcome doAssertException(const json& command) {
    ActionResult result = perform(command.at("action"));
    if (result.trapped && messageMatches(result.trapMessage, "uncaught wasm exception")) return pass();
    if (result.trapped) return fail("expected an uncaught exception, trapped: " + result.trapMessage);
    return fail("expected an uncaught exception, got " + joinValues(result.types, result.values));
  }

  Outcome doAssertInvalid(const json& command) {
    const std::string text = command.value("text", std::string());
    if (isTextModule(command)) return skip("text-format module");
    try {
      decodeFile(command);
    } catch (const DecodeError& e) {
      if (isSkippedFeature(e)) return skip(e.message);
      if (!messageMatches(e.message, text))
        return pass("expected \"" + text + "\", got \"" + e.toString() + "\"");
      return pass();
    }
    return fail("expected decode error \"" + text + "\", but the module decoded");
  }

  Outcome doAssertUnlinkable(const json& command) {
    const std::string text = command.value("text", std::string());
    if (isTextModule(command)) return skip("text-format module");
    std::shared_ptr<const Module> module;
    try {
      module = assertedModule(command);
    } catch (const DecodeError& e) {
      if (isSkippedFeature(e)) return skip(e.message);
      return fail("expected link error \"" + text + "\", module does not decode: " + e.toString());
    }
    try {
      instantiate(module);
    } catch (const LinkError& e) {
      if (!messageMatches(e.what(), text))
        return pass("expected link error \"" + text + "\", got \"" + e.what() + "\"");
      return pass();
    } catch (const Trap& e) {
      return fail("expected link error \"" + text + "\", instantiation trapped: " + e.what());
    }
    return fail("expected link error \"" + text + "\", but the module linked");
  }

  Outcome doAssertUninstantiable(const json& command) {
    const std::string text = command.value("text", std::string());
    if (isTextModule(command)) return skip("text-format module");
    std::shared_ptr<const Module> module;
    try {
      module = assertedModule(command);
    } catch (const DecodeError& e) {
      if (isSkippedFeature(e)) return skip(e.message);
      return fail("expected trap \"" + text + "\", module does not decode: " + e.toString());
    }
    // The instance is dropped, not registered; what its initialisation
    // wrote to imported tables and memories stays, as the spec requires.
    try {
      instantiate(module);
    } catch (const Trap& e) {
      if (!messageMatches(e.what(), text)) return pass("expected trap \"" + text + "\", got \"" + e.what() + "\"");
      return pass();
    } catch (const LinkError& e) {
      return fail("expected trap \"" + text + "\", got link error: " + e.what());
    }
    return fail("expected trap \"" + text + "\", but instantiation succeeded");
  }

  // The spectest host module as an ImportResolver of the linker.
  class SpectestResolver : public ImportResolver {
   public:
    explicit SpectestResolver(const HostModule& host) : host_(host) {}
    bool providesModule(const std::string& name) const override { return name == "spectest"; }
    bool resolve(const Module&, const Import& import, Extern* out, std::string* error) override {
      if (host_.find(import.name, out) && out->kind == import.kind) return true;
      *error = "unknown import \"spectest\".\"" + import.name + "\"";
      return false;
    }

   private:
    const HostModule& host_;
  };
  struct LinkedRoot {
    ModuleNode* node;
    std::shared_ptr<InstanceGroup> group;
  };

  // A `module_definition`: its module, or why it was skipped.
  struct Definition {
    std::shared_ptr<const Module> module;
    std::string skipReason;
  };

  const std::string dir_;  // the script's folder, with a trailing slash
  const std::string scriptName_;
  const bool verbose_;
  const bool linker_;
  HostModule spectest_;
  SpectestResolver spectestResolver_;
  ModuleRegistry linkRegistry_;                                     // --linker
  std::map<std::string, std::shared_ptr<InstanceGroup>> linkedGroups_;  // by `register` name
  std::map<Instance*, LinkedRoot> linkedRoots_;
  ExecEnv env_;
  std::map<std::string, Exporter> registry_;                   // by `register` name
  std::map<std::string, std::shared_ptr<Instance>> named_;     // by `$name`
  std::shared_ptr<Instance> current_;                          // the last module
  bool currentSkipped_ = false;                                // ... was skipped
  std::set<std::string> skippedNames_;                         // skipped `$name`s
  std::map<std::string, Definition> definitions_;              // by `$name`
  Definition lastDefinition_;
  std::vector<std::vector<uint8_t>> modules_;                  // S-expression scripts' bytes
  std::map<std::string, std::string> superseded_;  // by line
  bool envWarned_ = false;
  int passed_ = 0, failed_ = 0, skipped_ = 0, notes_ = 0;
};

std::string baseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string dirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string("./") : path.substr(0, slash + 1);
}

// Reports a script that cannot be run at all, in the usual summary form so
// tools that read the last line still see a failure.
int scriptFailure(const std::string& path, const std::string& why) {
  std::cout << path << ": " << why << "\n0 passed, 1 failed, 0 skipped\n";
  return 1;
}

}  // namespace

// A wast2json script is a JSON object; anything else (including an empty
// file: a script of no commands) is read as an S-expression script.
bool isSExpressionScript(const std::vector<uint8_t>& bytes) {
  for (uint8_t b : bytes) {
    if (b == ' ' || b == '\t' || b == '\n' || b == '\r') continue;
    return b != '{';
  }
  return true;
}

int runSpecTestScript(const SpecTestOptions& options) {
  std::vector<uint8_t> bytes;
  std::string error;
  if (!readFileBytes(options.jsonPath, &bytes, &error)) return scriptFailure(options.jsonPath, "cannot read: " + error);

  json commands;
  WastScript wast;
  std::string scriptName = baseName(options.jsonPath);
  if (isSExpressionScript(bytes)) {
    try {
      wast = readWastScript(std::string(bytes.begin(), bytes.end()));
    } catch (const WastSyntaxError& e) {
      return scriptFailure(options.jsonPath + ":" + std::to_string(e.line) + ":" + std::to_string(e.column),
                           "syntax error: " + e.message);
    }
    commands = std::move(wast.commands);
  } else {
    json script = json::parse(bytes.begin(), bytes.end(), /*callback=*/nullptr, /*allow_exceptions=*/false);
    if (script.is_discarded()) return scriptFailure(options.jsonPath, "not a valid JSON document");
    if (!script.is_object() || !script.contains("commands") || !script["commands"].is_array())
      return scriptFailure(options.jsonPath, "not a wast2json script (no \"commands\" array)");
    // Name failures after the .wast, which is what a reader has open.
    if (script.contains("source_filename") && script["source_filename"].is_string())
      scriptName = baseName(script["source_filename"].get<std::string>());
    commands = std::move(script["commands"]);
  }

  std::map<std::string, std::string> superseded;
  if (!options.supersededPath.empty()) {
    std::vector<uint8_t> list;
    if (!readFileBytes(options.supersededPath, &list, &error))
      return scriptFailure(options.supersededPath, "cannot read: " + error);
    // "SCRIPT:LINE reason", '#' comments.
    std::istringstream lines(std::string(list.begin(), list.end()));
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#') continue;
      size_t colon = line.find(':'), space = line.find(' ');
      if (colon == std::string::npos || space == std::string::npos || colon > space) continue;
      if (line.compare(0, colon, scriptName) == 0)
        superseded[line.substr(colon + 1, space - colon - 1)] = line.substr(space + 1);
    }
  }

  try {
    ScriptRunner runner(dirName(options.jsonPath), scriptName, options.verbose, options.linker);
    runner.setSuperseded(std::move(superseded));
    runner.run(commands, std::move(wast.modules));
    return runner.finish();
  } catch (const std::exception& e) {
    // Only setting up the spectest module can get here (memory allocation).
    return scriptFailure(options.jsonPath, std::string("cannot set up the runner: ") + e.what());
  }
}

}  // namespace cli
}  // namespace strata
