// Runtime objects: functions, tables, memories and globals. Instances own
// what they define and share what they import (an imported memory is the
// exporter's Memory object, not a copy), so everything that can be
// imported is reference counted.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "wasm/types.h"

namespace strata {

class Instance;
struct Function;
struct InterpCode;
namespace jit {
struct FunctionCode;
}

// One operand: every wasm value except v128 fits in 64 bits. i32/f32 live in
// the low half. References are pointers (funcref: Function*) or opaque host
// values (externref); 0 is null. A v128 takes two consecutive slots (its
// bytes in memory order; see slotWidth() in wasm/types.h).
using Slot = uint64_t;

struct Module;

// One wasm function a trap went through on its way out. The module keeps
// the names readable after the instance is gone; `instance` is only for
// embedders that compare it with instances they hold.
struct TraceFrame {
  std::shared_ptr<const Module> module;
  const Instance* instance = nullptr;
  uint32_t funcIndex = 0;
  // Where in the module the function's code starts (the tiers record
  // functions, not instructions).
  uint32_t codeOffset = 0;
};

// A wasm trap or a runtime error raised while running guest code. The
// message is the spec's wording ("integer divide by zero").
class Trap : public std::runtime_error {
 public:
  explicit Trap(const std::string& message) : std::runtime_error(message) {}
  // The wasm functions the trap unwound, innermost first, as the tiers add
  // them while it propagates (addFrame); a callee the optimizing compiler
  // inlined is listed too, a tail call replaces its caller's frame.
  // The innermost kMaxTraceFrames are kept, the rest only counted.
  std::vector<TraceFrame> trace;
  uint64_t omittedFrames = 0;
  static constexpr size_t kMaxTraceFrames = 100;
  void addFrame(const Function* f);
};

// An exception tag (exception handling). Its identity tells exceptions
// apart: a catch clause names a tag, and imports share the exporter's.
// The parameters of its type (canonical form, no results) are the values
// an exception of the tag carries.
struct Tag {
  FuncType type;
  uint32_t sigId = 0;
  std::string name;  // its first export's name, for messages; may be empty
};

// An exception: its tag and its values (slots, a v128 taking two). An
// exnref is a pointer to one; throw_ref throws the same object again.
struct ExceptionObject : std::enable_shared_from_this<ExceptionObject> {
  std::shared_ptr<const Tag> tag;
  std::vector<Slot> values;
};

// A wasm exception in flight (throw, throw_ref). Everything that does not
// handle exceptions sees a Trap (traces, the JIT's status returns, host
// boundaries pass it on as they pass traps; uncaught, it ends the call
// with "uncaught wasm exception"); only exception handlers catch it, and
// they never catch a trap.
class WasmException : public Trap {
 public:
  explicit WasmException(std::shared_ptr<ExceptionObject> e)
      : Trap(e->tag && !e->tag->name.empty() ? "uncaught wasm exception (tag " + e->tag->name + ")"
                                              : "uncaught wasm exception"),
        exception(std::move(e)) {}
  std::shared_ptr<ExceptionObject> exception;
};

// Failure to instantiate because an import does not fit ("unknown import",
// "incompatible import type").
class LinkError : public std::runtime_error {
 public:
  explicit LinkError(const std::string& message) : std::runtime_error(message) {}
};

// Host function: reads its arguments from the slots from slots[0] up and
// writes its results there (FuncType::paramSlots()/resultSlots(): a v128
// takes two). May throw Trap.
using HostCallback = void (*)(void* env, Instance* caller, Slot* slots);

struct Function {
  FuncType type;
  uint32_t sigId = 0;
  // The owning instance of a wasm function (and its index in that
  // instance's function space); null for host functions.
  Instance* instance = nullptr;
  uint32_t index = 0;
  // Host functions only.
  HostCallback host = nullptr;
  void* hostEnv = nullptr;
  // --- how it runs: what the execution tiers attach ---
  // The runtime never looks inside; each tier frees what it attached
  // through its release hook (addFunctionReleaseHook) when the function
  // dies with its instance.
  //
  // Interpreter code (interp/), translated on the first call.
  std::atomic<InterpCode*> interpCode{nullptr};
  // Interpreter code a tier-up replaced (a list through
  // InterpCode::retiredNext): frames that were running it finish on it, so
  // it lives as long as the function. Pushed at the front, never changed
  // after: the exception unwinder reads it without a lock.
  std::atomic<InterpCode*> retiredInterpCode{nullptr};
  // The entry every caller uses once the function is compiled (jit/), null
  // while it runs in the interpreter: the best code any tier has made so
  // far. Arguments in fp[0..params), results to fp[0..results), exactly
  // like an interpreter frame; returns 0, or a nonzero trap status (see
  // jit/jit.h). Published with a release store once the code is ready; the
  // interpreter's do_call checks it.
  using JitEntry = uint64_t (*)(void* ctx, Slot* fp, Function* self, Instance* caller);
  std::atomic<JitEntry> jitEntry{nullptr};
  // Tiered modes: calls and loop iterations left before the function moves
  // up a tier; afterwards, how long until the code asks again (see
  // jit/jit.h). Counted down by the interpreter and by baseline code; the
  // interpreter also checks for interrupts when it runs out, in every mode
  // (ExecEnv::requestInterrupt).
  std::atomic<int32_t> jitCountdown{0};
  // Everything else the JIT tiers attached: each tier's code, OSR entries,
  // compile state (jit/tiering.h).
  std::atomic<jit::FunctionCode*> jitCode{nullptr};
  // An identity never given to another function of the process, even
  // after this one is freed (an address can be reused): what compiled code
  // that inlined a function through an import slot compares the slot's
  // current function with, to know the inlined body is still the callee.
  const uint64_t uid = nextUid();

  Function() = default;
  Function(const Function&) = delete;
  Function& operator=(const Function&) = delete;
  ~Function();
  bool isHost() const { return host != nullptr; }

 private:
  static uint64_t nextUid();
};

// A tail call the interpreter leaves to its compiled caller (jit/jit.h):
// the callee, already with its arguments in the frame, and the instance of
// the function that tail-called it.
struct TailCallOut {
  Function* callee = nullptr;
  Instance* caller = nullptr;
};

// Whether a reference value (a slot: 0 is null, a function reference its
// Function*) belongs to `type`, a reference type in canonical form: what a
// host passing references into typed places must be checked against, since
// compiled code trusts the static type (call_ref does not check the
// signature).
inline bool referenceFits(Slot value, ValType type) {
  if (!value) return type.nullable();
  uint32_t h = type.heapType();
  if (h == heap::NoFunc || h == heap::NoExtern || h == heap::NoExn) return false;
  // throw_ref dereferences an exnref: a host cannot make one, and one it
  // got back is not taken on trust either.
  if (type.kind() == ValKind::ExnRef) return false;
  if (type.kind() != ValKind::FuncRef || heap::isAbstract(h)) return true;
  return reinterpret_cast<const Function*>(value)->sigId == (h & heap::kIndexMask);
}

// Execution tiers register what frees the code they attach to a function;
// ~Function runs every hook. Register before any function dies (at static
// initialisation, or in a tier's set-up).
using FunctionReleaseHook = void (*)(Function*);
void addFunctionReleaseHook(FunctionReleaseHook hook);

// Makes a host function object.
std::shared_ptr<Function> makeHostFunction(FuncType type, HostCallback callback, void* env);

// A per-instance import slot: the callee (its entry and its instance travel
// together in one Function*). Linking, re-linking and tier-up patch the slot
// with one atomic store while code may be running; callers load it once per
// call.
using ImportSlot = std::atomic<Function*>;

// What an embedder allows memories and tables beyond their modules' own
// maximums (Instance::Hooks::limits, the C API's resource limits): a
// memory or table created larger fails the instantiation; growth past them
// fails as growth past the module's maximum does (memory.grow and
// table.grow return -1). `allow`, when set, is asked about each growth the
// limits let through and may refuse it; it must not throw (a throw
// refuses too). Shared by every memory and table made under it.
struct ResourceLimits {
  uint64_t maxMemoryPages = UINT64_MAX;    // per memory
  uint64_t maxTableElements = UINT64_MAX;  // per table
  // Instances alive in the process (Instance::liveCount) once this one
  // exists: a runtime-wide bound, checked by every instantiation that
  // carries these limits.
  uint64_t maxInstances = UINT64_MAX;
  enum class Kind { Memory, Table };
  std::function<bool(Kind kind, uint64_t current, uint64_t desired)> allow;

  // Whether a memory or table may grow from `current` to `desired`.
  bool allowsGrowth(Kind kind, uint64_t current, uint64_t desired) const;
};

class Memory {
 public:
  // Throws std::runtime_error if the memory cannot be allocated.
  static std::shared_ptr<Memory> create(const MemoryType& type,
                                        std::shared_ptr<const ResourceLimits> limits = nullptr);
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  uint8_t* base() const { return base_; }
  uint64_t byteSize() const { return size_; }
  // Where the size lives, for compiled code that checks an access against
  // the current size (it changes with memory.grow).
  const uint64_t* byteSizeAddress() const { return &size_; }
  // Where compiled code that holds a Memory* reads its base and size.
  static size_t baseOffset() { return offsetof(Memory, base_); }
  static size_t sizeOffset() { return offsetof(Memory, size_); }
  uint64_t pages() const { return size_ / limits::kPageSize; }
  const MemoryType& type() const { return type_; }
  // True when the whole 8 GiB guard reservation is in place, so any
  // base + u32 + u32 access lands in mapped or PROT_NONE pages.
  bool guarded() const { return guarded_; }
  // memory.grow: the old size in pages, or -1 if it cannot grow.
  int64_t grow(uint64_t deltaPages);
  // Growth by the host past the declared maximum (the C API's app heap,
  // as WAMR adds it): the maximum rises by the same number of pages, so
  // the guest may still grow as far beyond its size as it declared.
  int64_t growWithMaximum(uint64_t deltaPages);
  // Guarded memories that die leave their 8 GiB reservation in a small
  // pool for the next memory (memory.cpp): this unmaps the pooled ones
  // (address space under RLIMIT_AS, a forked child). Returns how many.
  static size_t releasePooledReservations();

 private:
  Memory() = default;
  MemoryType type_;
  std::shared_ptr<const ResourceLimits> limits_;
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;      // accessible bytes
  uint64_t reserved_ = 0;  // mapped bytes (accessible + PROT_NONE)
  bool guarded_ = false;
};

class Table {
 public:
  Table(const TableType& type, Slot init, std::shared_ptr<const ResourceLimits> limits = nullptr);
  const TableType& type() const { return type_; }
  uint64_t size() const { return elems_.size(); }
  Slot* data() { return elems_.data(); }
  // An element read or written while another thread may re-point it (a
  // hot replacement, InstanceGroup::replace, while calls run): acquire and
  // release, which on x86 are plain moves, as compiled code does them.
  Slot load(uint64_t i) const { return __atomic_load_n(&elems_[i], __ATOMIC_ACQUIRE); }
  void store(uint64_t i, Slot value) { __atomic_store_n(&elems_[i], value, __ATOMIC_RELEASE); }
  // table.grow: the old size, or -1 if it cannot grow.
  int64_t grow(uint64_t delta, Slot init);

 private:
  TableType type_;
  std::shared_ptr<const ResourceLimits> limits_;
  std::vector<Slot> elems_;
};

struct GlobalCell {
  GlobalType type;
  Slot value = 0;
  Slot high = 0;  // a v128's upper half: `value` then `high` are its 16 bytes
};
static_assert(offsetof(GlobalCell, high) == offsetof(GlobalCell, value) + sizeof(Slot),
              "a v128 global's bytes are contiguous");

// An importable or exportable thing.
struct Extern {
  ExternKind kind = ExternKind::Func;
  std::shared_ptr<Function> func;
  std::shared_ptr<Table> table;
  std::shared_ptr<Memory> memory;
  std::shared_ptr<GlobalCell> global;
  std::shared_ptr<Tag> tag;
};

}  // namespace strata
