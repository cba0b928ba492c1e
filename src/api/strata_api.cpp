// The public C++ API (include/strata/strata.hpp) on top of the runtime's
// internal classes. Everything here is translation: public values to stack
// slots and back, internal exceptions to strata::Error / strata::Trap.

// The internal headers come first, on purpose. The public classes live in
// the inline namespace strata::api, so once strata.hpp is included a
// qualified name like strata::Module is ambiguous between the runtime's
// Module and the public one. The aliases below name the runtime's classes
// while only they are visible; the rest of this file uses rt:: for the
// runtime and the unqualified names for the public API.
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "runtime/objects.h"
#include "wasm/module.h"
#include "wasm/types.h"

namespace rt {
using Module = ::strata::Module;
using Instance = ::strata::Instance;
using Trap = ::strata::Trap;
using LinkError = ::strata::LinkError;
using DecodeError = ::strata::DecodeError;
using ExecEnv = ::strata::ExecEnv;
using Function = ::strata::Function;
using FuncType = ::strata::FuncType;
using ValType = ::strata::ValType;
using Slot = ::strata::Slot;
using ExternKind = ::strata::ExternKind;
using ::strata::decodeModule;
using ::strata::externKindName;
}  // namespace rt

#include "strata/strata.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace strata {
inline namespace api {

namespace {

ValueKind kindOf(rt::ValType type) {
  switch (type.kind()) {
    case strata::ValKind::I32: return ValueKind::I32;
    case strata::ValKind::I64: return ValueKind::I64;
    case strata::ValKind::F32: return ValueKind::F32;
    case strata::ValKind::F64: return ValueKind::F64;
    case strata::ValKind::FuncRef: return ValueKind::FuncRef;
    case strata::ValKind::ExternRef: return ValueKind::ExternRef;
    case strata::ValKind::V128: return ValueKind::V128;
    default:
      throw Error("a value type the C++ API does not know");
  }
}

std::string signatureOf(const std::vector<Value>& values) {
  std::string s = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ' ';
    s += kindName(values[i].kind());
  }
  return s + ")";
}

std::string signatureOf(const std::vector<rt::ValType>& types) {
  std::string s = "(";
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) s += ' ';
    s += kindName(kindOf(types[i]));
  }
  return s + ")";
}

}  // namespace

// ---------------------------------------------------------------- Value

const char* kindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::I32: return "i32";
    case ValueKind::I64: return "i64";
    case ValueKind::F32: return "f32";
    case ValueKind::F64: return "f64";
    case ValueKind::FuncRef: return "funcref";
    case ValueKind::ExternRef: return "externref";
    case ValueKind::V128: return "v128";
  }
  return "?";
}

Value Value::f32(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return Value(ValueKind::F32, bits);
}

Value Value::f64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return Value(ValueKind::F64, bits);
}

static void expectKind(const Value& v, ValueKind want) {
  if (v.kind() != want)
    throw Error(std::string("value is ") + kindName(v.kind()) + ", not " + kindName(want));
}

int32_t Value::asI32() const {
  expectKind(*this, ValueKind::I32);
  return static_cast<int32_t>(static_cast<uint32_t>(bits_));
}

int64_t Value::asI64() const {
  expectKind(*this, ValueKind::I64);
  return static_cast<int64_t>(bits_);
}

float Value::asF32() const {
  expectKind(*this, ValueKind::F32);
  uint32_t bits = static_cast<uint32_t>(bits_);
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

double Value::asF64() const {
  expectKind(*this, ValueKind::F64);
  double v;
  std::memcpy(&v, &bits_, sizeof v);
  return v;
}

void* Value::asExternref() const {
  expectKind(*this, ValueKind::ExternRef);
  return reinterpret_cast<void*>(static_cast<uintptr_t>(bits_));
}

uint64_t Value::v128High() const {
  expectKind(*this, ValueKind::V128);
  return high_;
}

std::string Value::toString() const {
  if (isNull()) return std::string("null:") + kindName(kind_);
  char buf[64];
  switch (kind_) {
    case ValueKind::F32:
      // 9 and 17 significant digits are enough to round-trip every float.
      std::snprintf(buf, sizeof buf, "%.9g:f32", static_cast<double>(asF32()));
      break;
    case ValueKind::F64:
      std::snprintf(buf, sizeof buf, "%.17g:f64", asF64());
      break;
    case ValueKind::V128:
      std::snprintf(buf, sizeof buf, "0x%016llx%016llx:v128", static_cast<unsigned long long>(high_),
                    static_cast<unsigned long long>(bits_));
      break;
    default:
      std::snprintf(buf, sizeof buf, "0x%llx:%s", static_cast<unsigned long long>(bits_), kindName(kind_));
  }
  return buf;
}

// ---------------------------------------------------------------- Runtime

struct Runtime::Impl {
  explicit Impl(uint32_t stackBytes) : env(stackBytes) {}
  rt::ExecEnv env;
};

Runtime::Runtime(const RuntimeConfig& config) {
  // A stack too small for even one frame would make every call trap with a
  // confusing "call stack exhausted"; reject it up front instead.
  if (config.stackBytes < 4096) throw Error("RuntimeConfig::stackBytes must be at least 4096");
  impl_ = std::make_shared<Impl>(config.stackBytes);
}
Runtime::~Runtime() = default;
Runtime::Runtime(Runtime&&) noexcept = default;
Runtime& Runtime::operator=(Runtime&&) noexcept = default;

// ---------------------------------------------------------------- Module

struct Module::Impl {
  std::shared_ptr<const rt::Module> module;
};

Module::Module(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Module::~Module() = default;
Module::Module(const Module&) = default;
Module& Module::operator=(const Module&) = default;
Module::Module(Module&&) noexcept = default;
Module& Module::operator=(Module&&) noexcept = default;

Module Module::fromBytes(std::vector<uint8_t> bytes) {
  try {
    return Module(std::make_shared<const Impl>(Impl{rt::decodeModule(std::move(bytes))}));
  } catch (const rt::DecodeError& e) {
    throw Error(e.toString());
  }
}

Module Module::fromBytes(const uint8_t* data, size_t size) {
  return fromBytes(std::vector<uint8_t>(data, data + size));
}

Module Module::fromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open '" + path + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error("cannot read '" + path + "'");
  return fromBytes(std::move(bytes));
}

std::vector<std::string> Module::exportedFunctions() const {
  std::vector<std::string> names;
  for (const auto& e : impl_->module->exports)
    if (e.kind == rt::ExternKind::Func) names.push_back(e.name);
  return names;
}

// ---------------------------------------------------------------- Instance

struct Instance::Impl {
  // Declared first so it is destroyed last: the instance's functions must
  // never outlive the stack they run on.
  std::shared_ptr<Runtime::Impl> runtime;
  std::shared_ptr<rt::Instance> instance;
};

Instance::Instance(Runtime& runtime, const Module& module) {
  const rt::Module& m = *module.impl_->module;
  if (!m.imports.empty()) {
    const auto& imp = m.imports.front();
    throw Error("module imports \"" + imp.module + "\" \"" + imp.name + "\" (" + rt::externKindName(imp.kind) +
                "), but the C++ API cannot provide imports yet");
  }
  auto impl = std::make_unique<Impl>();
  impl->runtime = runtime.impl_;
  try {
    impl->instance = rt::Instance::instantiate(module.impl_->module, {}, impl->runtime->env);
  } catch (const rt::Trap& e) {
    throw Trap(e.what());
  } catch (const std::runtime_error& e) {
    // LinkError, or a memory that could not be allocated.
    throw Error(e.what());
  }
  impl_ = std::move(impl);
}

Instance::~Instance() = default;
Instance::Instance(Instance&&) noexcept = default;
Instance& Instance::operator=(Instance&&) noexcept = default;

std::vector<Value> Instance::call(const std::string& name, const std::vector<Value>& args) {
  if (!impl_) throw Error("call on a moved-from strata::Instance");
  const rt::Module& m = impl_->instance->module();
  const auto* exp = m.findExport(name);
  if (!exp) throw Error("unknown export \"" + name + "\"");
  if (exp->kind != rt::ExternKind::Func)
    throw Error("export \"" + name + "\" is a " + rt::externKindName(exp->kind) + ", not a function");
  rt::Function* f = impl_->instance->function(exp->index);
  const rt::FuncType& type = f->type;

  // Check the whole signature before converting, so the message can show
  // both sides.
  bool match = args.size() == type.params.size();
  // References must also fit the exact type (non-nullable, a function type).
  for (size_t i = 0; match && i < args.size(); ++i)
    match = args[i].kind() == kindOf(type.params[i]) &&
            (!type.params[i].isRef() || strata::referenceFits(args[i].bits(), type.params[i]));
  if (!match)
    throw Error("\"" + name + "\" expects " + signatureOf(type.params) + " but was called with " +
                signatureOf(args));

  // Slot encoding (runtime/objects.h): 32-bit values in the low half,
  // references as the pointer value, 0 for null.
  std::vector<rt::Slot> slots;
  slots.reserve(type.paramSlots());
  for (const Value& v : args) {
    slots.push_back(v.bits());
    if (v.kind() == ValueKind::V128) slots.push_back(v.v128High());  // two slots
  }

  std::vector<rt::Slot> out;
  try {
    out = impl_->runtime->env.call(f, slots);
  } catch (const rt::Trap& e) {
    throw Trap(e.what());
  }

  std::vector<Value> results;
  results.reserve(type.results.size());
  size_t at = 0;
  for (rt::ValType t : type.results) {
    ValueKind k = kindOf(t);
    rt::Slot bits = out.at(at);
    // The runtime does not promise clean upper halves for 32-bit values.
    if (k == ValueKind::I32 || k == ValueKind::F32) bits &= 0xffffffffu;
    results.push_back(k == ValueKind::V128 ? Value::v128(bits, out.at(at + 1)) : Value(k, bits));
    at += ::strata::slotWidth(t);
  }
  return results;
}

}  // namespace api
}  // namespace strata
