// Differential test of the tiers: runs every export of a module in the
// interpreter, with every function compiled by the baseline compiler, with
// every function compiled by the optimizing compiler, and tiered with
// everything hot almost at once and compiled on the spot (every loop moves
// interpreter -> baseline -> optimized by OSR), each on a fresh instance,
// and compares what happened: results, traps, the values passed to the
// fuzzing-support log imports, and the final memory.
// Meant for modules from binaryen's `wasm-opt -ttf` (see run_difftest.sh).
//
//   strata-jit-difftest FILE.wasm...   exit 0 iff every file agrees
//   strata-jit-difftest --compile-only[=baseline|optimized] [--compile-log=CSV]
//                       [--no-budget] FILE.wasm...
//       compiles every function (imports resolved to dummies) with both
//       compilers, or one, and prints --stats: compile speed and code size
//       on real modules; --compile-log writes a line per function (see
//       strata run --compile-log), --no-budget lifts the optimizing
//       compiler's size budget (to measure what it would cost)
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "jit/jit.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "wasm/module.h"

namespace strata {
namespace {

struct Log {
  std::vector<std::string> lines;
};

struct LogFunction {
  Log* log;
  ValType type;
};

void logCallback(void* env, Instance*, Slot* slots) {
  auto* f = static_cast<LogFunction*>(env);
  char buf[64];
  uint64_t v = slots[0];
  if (f->type == ValType::I32 || f->type == ValType::F32) v &= 0xffffffffu;
  if (f->type == ValType::V128)
    std::snprintf(buf, sizeof buf, "log v128 0x%016" PRIx64 "%016" PRIx64, uint64_t(slots[1]), v);
  else
    std::snprintf(buf, sizeof buf, "log %s 0x%" PRIx64, valTypeName(f->type).c_str(), v);
  f->log->lines.push_back(buf);
}

// Any NaN is as good as another (wasm NaN payloads are not deterministic
// across implementations, nor between an inline SSE instruction and the
// C++ expression of the same operator).
uint64_t canonicalF64(uint64_t v) {
  bool nan = (v & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (v & 0xfffffffffffffull);
  return nan ? 0x7ff8000000000000ull : v;
}
uint32_t canonicalF32(uint32_t v) { return (v & 0x7f800000u) == 0x7f800000u && (v & 0x7fffffu) ? 0x7fc00000u : v; }
// A v128's lanes may be floats of either width: a 64-bit half that is an
// f64 NaN, and each 32-bit quarter that is an f32 NaN, are made canonical
// (an integer lane with those bits is too, on both sides alike).
uint64_t canonicalV128Half(uint64_t v) {
  v = canonicalF64(v);
  return uint64_t(canonicalF32(uint32_t(v))) | (uint64_t(canonicalF32(uint32_t(v >> 32))) << 32);
}

std::string describe(const FuncType& type, const std::vector<Slot>& results) {
  std::ostringstream out;
  size_t at = 0;
  for (ValType t : type.results) {
    if (at >= results.size()) break;
    Slot v = results[at];
    if (t == ValType::V128) {
      out << " v128:0x" << std::hex << canonicalV128Half(results[at + 1]) << ":" << canonicalV128Half(v);
      at += 2;
      continue;
    }
    if (t == ValType::F32) {
      v = canonicalF32(uint32_t(v));
    } else if (t == ValType::F64) {
      v = canonicalF64(v);
    } else if (isRefType(t)) {
      v = v != 0;  // references: only null-ness is comparable across instances
    }
    out << " " << valTypeName(t) << ":0x" << std::hex << v;
    ++at;
  }
  return out.str();
}

// How runAll runs the module: interpreted, every function compiled by one
// compiler before it runs, or tiered with everything hot almost at once
// and compiled on the spot: the call counts 1, the first loop header 2,
// so a call's first loop is entered by OSR at its first iteration, and
// the same again from baseline to optimized code.
enum class Tier { Interp, Baseline, Optimizing, Tiered };
const char* tierName(Tier tier) {
  switch (tier) {
    case Tier::Interp: return "interp";
    case Tier::Baseline: return "baseline";
    case Tier::Optimizing: return "optimizing";
    default: return "tiered";
  }
}

void configureTier(Tier tier) {
  jit::Options options;
  options.stats = true;  // compile failures are reported with their reason
  if (tier == Tier::Tiered) {
    options.mode = jit::Mode::Tiered;
    options.threshold = 2;
    options.optimizeThreshold = 2;
    options.threads = 0;
  }
  jit::configure(options);
}

// Runs the module's exports in order; returns the transcript.
std::string runAll(const std::shared_ptr<const Module>& module, Tier tier, std::string* error) {
  configureTier(tier);
  Log log;
  std::vector<std::unique_ptr<LogFunction>> logFns;
  std::vector<Extern> imports;
  for (const Import& imp : module->imports) {
    if (imp.kind != ExternKind::Func || imp.module != "fuzzing-support") {
      *error = "unsupported import " + imp.module + "." + imp.name;
      return "";
    }
    const FuncType& ft = module->types[imp.typeIndex];
    if (ft.params.size() != 1 || !ft.results.empty()) {
      *error = "unsupported import " + imp.name;
      return "";
    }
    logFns.push_back(std::make_unique<LogFunction>(LogFunction{&log, ft.params[0]}));
    Extern ext;
    ext.kind = ExternKind::Func;
    ext.func = makeHostFunction(ft, logCallback, logFns.back().get());
    imports.push_back(ext);
  }
  std::ostringstream out;
  ExecEnv env;
  std::shared_ptr<Instance> inst;
  try {
    inst = Instance::instantiate(module, imports, env);
  } catch (const std::exception& e) {
    out << "instantiate: " << e.what() << "\n";
    return out.str();
  }
  if (tier == Tier::Baseline || tier == Tier::Optimizing) {
    jit::Tier compiler = tier == Tier::Baseline ? jit::Tier::Baseline : jit::Tier::Optimized;
    for (uint32_t i = module->numImportedFuncs; i < module->funcTypes.size(); ++i) {
      // What the JIT tiers leave to the interpreter by design: those
      // functions run interpreted, called from and calling compiled code.
      const FunctionDecl& decl = module->functions[i - module->numImportedFuncs];
      if (decl.usesLegacyExceptions || (decl.usesExceptions && compiler == jit::Tier::Optimized)) continue;
      if (!jit::compile(inst->function(i), compiler)) {
        *error = std::string("the ") + jit::tierName(compiler) + " compiler cannot compile " + module->functionName(i);
        return "";
      }
    }
  }
  for (const Export& e : module->exports) {
    if (e.kind != ExternKind::Func) continue;
    Function* f = inst->function(e.index);
    std::vector<Slot> args(f->type.paramSlots(), 0);
    out << e.name << ":";
    log.lines.clear();
    try {
      std::vector<Slot> results = env.call(f, args);
      out << describe(f->type, results);
    } catch (const Trap& t) {
      out << " trap " << t.what();
    }
    for (const std::string& l : log.lines) out << "\n  " << l;
    out << "\n";
  }
  if (inst->numMemories()) {
    Memory* m = inst->memory(0);
    uint64_t h = 1469598103934665603ull;
    for (uint64_t i = 0; i < m->byteSize(); ++i) h = (h ^ m->base()[i]) * 1099511628211ull;
    out << "memory " << m->byteSize() << " bytes, hash 0x" << std::hex << h << "\n";
  }
  return out.str();
}

void noop(void*, Instance*, Slot*) {}

// Instantiates with every import stubbed and compiles every function.
int compileOnly(const std::string& path, const std::vector<jit::Tier>& tiers) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    auto module = decodeModule(std::move(bytes));
    std::vector<Extern> imports;
    for (const Import& imp : module->imports) {
      Extern ext;
      ext.kind = imp.kind;
      switch (imp.kind) {
        case ExternKind::Func:
          ext.func = makeHostFunction(module->types[imp.typeIndex], noop, nullptr);
          break;
        case ExternKind::Memory:
          ext.memory = Memory::create(imp.memory);
          break;
        case ExternKind::Table:
          ext.table = std::make_shared<Table>(imp.table, 0);
          break;
        case ExternKind::Global:
          ext.global = std::make_shared<GlobalCell>();
          ext.global->type = imp.global;
          break;
        case ExternKind::Tag:
          ext.tag = std::make_shared<Tag>();
          ext.tag->type = module->types[imp.typeIndex];
          ext.tag->sigId = module->typeIds[imp.typeIndex];
          break;
      }
      imports.push_back(ext);
    }
    // Instantiation without running a start function: drop it.
    auto copy = std::make_shared<Module>(*module);
    copy->hasStart = false;
    ExecEnv env;
    auto inst = Instance::instantiate(copy, imports, env);
    for (jit::Tier tier : tiers)
      for (uint32_t i = copy->numImportedFuncs; i < copy->funcTypes.size(); ++i) jit::compile(inst->function(i), tier);
  } catch (const DecodeError& e) {
    std::cout << path << ": " << e.toString() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cout << path << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int check(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::shared_ptr<const Module> module;
  try {
    module = decodeModule(std::move(bytes));
  } catch (const DecodeError& e) {
    std::cout << path << ": skipped (" << e.toString() << ")\n";
    return 0;
  }
  std::string error;
  std::string a = runAll(module, Tier::Interp, &error);
  if (!error.empty()) {
    std::cout << path << ": skipped (" << error << ")\n";
    return 0;
  }
  for (Tier tier : {Tier::Baseline, Tier::Optimizing, Tier::Tiered}) {
    const char* name = tierName(tier);
    std::string b = runAll(module, tier, &error);
    if (!error.empty()) {
      std::cout << path << ": FAILED (" << name << "): " << error << "\n";
      return 1;
    }
    if (a != b) {
      std::cout << path << ": FAILED: tiers differ\n--- interp\n" << a << "--- " << name << "\n" << b;
      return 1;
    }
  }
  std::cout << path << ": ok\n";
  return 0;
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: strata-jit-difftest FILE.wasm...\n";
    return 2;
  }
  strata::configureTier(strata::Tier::Interp);
  strata::jit::installSignalHandlers();
  int failed = 0;
  std::string first = argv[1];
  if (first.rfind("--compile-only", 0) == 0) {
    std::vector<strata::jit::Tier> tiers;
    if (first != "--compile-only=optimized") tiers.push_back(strata::jit::Tier::Baseline);
    if (first != "--compile-only=baseline") tiers.push_back(strata::jit::Tier::Optimized);
    strata::jit::Options options = strata::jit::options();
    int i = 2;
    for (; i < argc && std::string(argv[i]).rfind("--", 0) == 0; ++i) {
      std::string flag = argv[i];
      if (flag.rfind("--compile-log=", 0) == 0) {
        options.compileLog = flag.substr(14);
      } else if (flag == "--no-budget") {
        options.optimizeMaxBytes = UINT32_MAX;
      } else {
        std::cerr << "unknown option " << flag << "\n";
        return 2;
      }
    }
    strata::jit::configure(options);
    for (; i < argc; ++i) failed += strata::compileOnly(argv[i], tiers);
    strata::jit::printStats(std::cout);
    return failed ? 1 : 0;
  }
  for (int i = 1; i < argc; ++i) failed += strata::check(argv[i]);
  strata::jit::Counters c = strata::jit::counters();
  std::cout << argc - 1 << " modules, " << failed << " failed; JIT: " << c.compiled[0] << " baseline and "
            << c.compiled[1] << " optimized compiles; OSR entries taken (tiered runs): " << c.osrEntries[0]
            << " into baseline code, " << c.osrEntries[1] << " into optimized code\n";
  return failed ? 1 : 0;
}
