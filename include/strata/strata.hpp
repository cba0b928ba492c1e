// Strata's public C++ API: load a WebAssembly module, instantiate it and
// call its exports.
//
//   strata::Runtime runtime;
//   strata::Module module = strata::Module::fromFile("fib.wasm");
//   strata::Instance instance(runtime, module);
//   std::vector<strata::Value> out = instance.call("fib", {strata::Value::i32(20)});
//   int32_t r = out[0].asI32();
//
// Failures are exceptions: strata::Error for anything the embedder can fix
// (a malformed or invalid module, an unknown export, wrong arguments) and
// strata::Trap, a subclass, when guest code traps at run time.
//
// This header is self-contained: it exposes none of the runtime's internal
// headers, so the runtime can change without breaking embedders' builds.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

// What libstrata.so exports (it is built with hidden visibility otherwise).
// Exception classes need it too, so that a throw inside the library is
// caught by type in the embedder.
#if defined(__GNUC__) || defined(__clang__)
#define STRATA_API __attribute__((visibility("default")))
#else
#define STRATA_API
#endif

namespace strata {
// The runtime's internals also live in namespace strata and have classes
// called Module, Instance and Trap. The public classes sit in an inline
// namespace so that embedders still write strata::Module while the two sets
// of classes get distinct linker names (no ODR clash inside libstrata).
inline namespace api {

// A module that cannot be loaded or used as asked. what() is one line, e.g.
// "error at offset 0x1f: unexpected end" or "unknown export \"fib\"".
class STRATA_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Guest code trapped. what() is the specification's wording, e.g.
// "integer divide by zero" or "out of bounds memory access".
class STRATA_API Trap : public Error {
 public:
  explicit Trap(const std::string& message) : Error(message) {}
};

enum class ValueKind : uint8_t { I32, I64, F32, F64, FuncRef, ExternRef, V128 };

// "i32", "i64", "f32", "f64", "funcref", "externref" or "v128".
STRATA_API const char* kindName(ValueKind kind);

// One WebAssembly value. Floats are kept as raw bits so that NaN payloads
// survive a round trip through the API unchanged.
class STRATA_API Value {
 public:
  Value() = default;  // i32 0

  static Value i32(int32_t v) { return Value(ValueKind::I32, static_cast<uint32_t>(v)); }
  static Value i64(int64_t v) { return Value(ValueKind::I64, static_cast<uint64_t>(v)); }
  static Value f32(float v);
  static Value f64(double v);
  static Value f32Bits(uint32_t bits) { return Value(ValueKind::F32, bits); }
  static Value f64Bits(uint64_t bits) { return Value(ValueKind::F64, bits); }
  // An externref is an opaque host pointer that guest code can only pass
  // around; nullptr is ref.null extern.
  static Value externref(void* ref) {
    return Value(ValueKind::ExternRef, reinterpret_cast<uintptr_t>(ref));
  }
  // ref.null func. Non-null funcrefs cannot be made by hand: they come back
  // from calls and stay valid while the instance that made them is alive.
  static Value nullFuncref() { return Value(ValueKind::FuncRef, 0); }
  // A v128 from its bytes 0-7 (`low`) and 8-15 (`high`), little-endian:
  // lane 0 of every shape is in the low bits of `low`.
  static Value v128(uint64_t low, uint64_t high) {
    Value v(ValueKind::V128, low);
    v.high_ = high;
    return v;
  }

  ValueKind kind() const { return kind_; }
  // The accessors throw Error when the value has another kind.
  int32_t asI32() const;
  int64_t asI64() const;
  float asF32() const;
  double asF64() const;
  void* asExternref() const;
  // A v128's upper 64 bits (bits() has the lower); throws for other kinds.
  uint64_t v128High() const;
  // True for a null funcref or externref; false for every number.
  bool isNull() const { return (kind_ == ValueKind::FuncRef || kind_ == ValueKind::ExternRef) && bits_ == 0; }
  // The raw bits: the integer, the IEEE encoding of a float (in the low 32
  // bits for f32), the reference, or a v128's lower 64 bits.
  uint64_t bits() const { return bits_; }

  // Same kind and same bits (so NaNs with equal payloads compare equal).
  bool operator==(const Value& o) const { return kind_ == o.kind_ && bits_ == o.bits_ && high_ == o.high_; }
  bool operator!=(const Value& o) const { return !(*this == o); }

  // For messages and logs: integers in hex like the CLI ("0xc:i32"),
  // floats with enough digits to read back exactly ("0.1:f64", "nan:f32"),
  // references as "null:funcref" or a hex address.
  std::string toString() const;

 private:
  friend class Instance;  // builds non-null funcrefs from call results
  Value(ValueKind kind, uint64_t bits) : kind_(kind), bits_(bits) {}
  ValueKind kind_ = ValueKind::I32;
  uint64_t bits_ = 0;
  uint64_t high_ = 0;  // v128 only
};

struct RuntimeConfig {
  // Size of the operand and locals stack that wasm frames live on; deep
  // recursion traps with "call stack exhausted" when it runs out.
  uint32_t stackBytes = 1u << 20;
};

// Execution state for running guest code: owns the wasm stack. A Runtime
// and everything instantiated on it must be used by one thread at a time;
// use one Runtime per thread for parallel execution.
class STRATA_API Runtime {
 public:
  explicit Runtime(const RuntimeConfig& config = RuntimeConfig());
  ~Runtime();
  Runtime(Runtime&&) noexcept;
  Runtime& operator=(Runtime&&) noexcept;
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

 private:
  friend class Instance;
  struct Impl;
  // Shared with the instances made on this runtime, which need its stack
  // for every call and so keep it alive.
  std::shared_ptr<Impl> impl_;
};

// A decoded and fully validated module. Immutable; copies are cheap and
// share the same decoded code.
class STRATA_API Module {
 public:
  // Throws Error with the decoder's message ("error at offset 0x1f: ...").
  static Module fromBytes(std::vector<uint8_t> bytes);
  static Module fromBytes(const uint8_t* data, size_t size);
  // Throws Error if the file cannot be read or does not decode.
  static Module fromFile(const std::string& path);

  ~Module();
  Module(const Module&);
  Module& operator=(const Module&);
  Module(Module&&) noexcept;
  Module& operator=(Module&&) noexcept;

  // Names of the exported functions, in export order.
  std::vector<std::string> exportedFunctions() const;

 private:
  friend class Instance;
  struct Impl;
  explicit Module(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

// A module instantiated on a runtime: its own memory, tables and globals.
class STRATA_API Instance {
 public:
  // Runs the module's initialisation (segments, then the start function).
  // Throws Error if the module has imports, which this API cannot supply
  // yet, or Trap if initialisation traps.
  Instance(Runtime& runtime, const Module& module);
  ~Instance();
  Instance(Instance&&) noexcept;
  Instance& operator=(Instance&&) noexcept;
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Calls the exported function `name`. Throws Error if there is no such
  // function export or the arguments do not match its parameter types,
  // and Trap if the call traps (the instance stays usable afterwards).
  std::vector<Value> call(const std::string& name, const std::vector<Value>& args);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace api
}  // namespace strata
