// Per-thread execution state: the operand/locals stack that interpreter
// frames live on, and the bound on nesting that turns runaway recursion into
// the trap "call stack exhausted" instead of a native stack overflow.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/objects.h"

namespace strata {

class ExecEnv {
 public:
  // Default: 1 MiB of value stack (128 Ki slots).
  static constexpr uint32_t kDefaultStackBytes = 1u << 20;
  explicit ExecEnv(uint32_t stackBytes = kDefaultStackBytes);
  ~ExecEnv();
  ExecEnv(const ExecEnv&) = delete;
  ExecEnv& operator=(const ExecEnv&) = delete;

  // Calls `f`: arguments from args, results returned, one slot per value
  // (a v128 two: see slotWidth()). Throws Trap.
  std::vector<Slot> call(Function* f, const std::vector<Slot>& args);
  // In-place form: arguments from slots[0] up, results there too; `slots`
  // must hold f->type.callSlots() slots.
  void call(Function* f, Slot* slots);

  // --- used by the execution tiers ---
  Slot* stackBase() { return stack_.get(); }
  Slot* stackLimit() { return stack_.get() + stackSlots_; }
  Slot* stackTop = nullptr;  // first free slot: re-entrant calls start here
  uint32_t callDepth = 0;    // wasm frames live on this env
  // The interpreter's innermost frame where a wasm exception may start
  // (a throw, or a call of host or compiled code): its function, frame and
  // code position, for the handler search (interp/interpreter.cpp). A null
  // throwIp: that frame has no handlers to try.
  Function* throwFn = nullptr;
  Slot* throwFp = nullptr;
  const uint8_t* throwIp = nullptr;
  static constexpr uint32_t kMaxCallDepth = 50000;
  // Host -> wasm re-entries consume native stack; bound them separately.
  uint32_t nativeDepth = 0;
  static constexpr uint32_t kMaxNativeDepth = 200;

  // --- interrupts: stopping running guest code from another thread ---
  // requestInterrupt makes code running on this env (or the next call on
  // it, if none runs) trap soon with interruptMessage(reason): every tier
  // checks `interrupt` at function entries and loop headers (the
  // interpreter in its countdown's slow path, every few hundred calls and
  // iterations; compiled code at each entry and back edge). The request
  // lasts until the outermost call on the env returns.
  enum InterruptReason : uint32_t { kNoInterrupt = 0, kTerminated = 1, kTimedOut = 2 };
  void requestInterrupt(InterruptReason reason);
  // An execution tier whose code does not poll `interrupt` itself gets
  // told of each request (the JIT; register once, before any request).
  using InterruptHook = void (*)(ExecEnv&);
  static void setInterruptHook(InterruptHook hook);
  static const char* interruptMessage(uint32_t reason);
  // Throws the Trap of a pending request.
  void checkInterrupt() const {
    if (uint32_t r = interrupt.load(std::memory_order_relaxed)) throw Trap(interruptMessage(r));
  }
  std::atomic<uint32_t> interrupt{kNoInterrupt};

  // --- host calls that block ---
  // A host call that waits (a WASI read on a pipe, poll_oneoff) waits on
  // interruptFd() beside what it waits for: requestInterrupt makes it
  // readable, so such a call ends with the request's trap as soon as guest
  // code would, instead of when its wait ends. An eventfd made on the first
  // wait (-1 if the system has none left); only the thread running the env
  // calls this, any thread may interrupt.
  int interruptFd();
  // Reads the eventfd empty after a wake-up.
  void drainInterruptFd();
  // The env of the innermost call running on this thread (null outside
  // calls): what a host function blocking for its guest waits with.
  static ExecEnv* current();

  // --- fuel: a bound on the work of the calls on this env ---
  // With fuel metering on (jit::Options::meterFuel, for code translated
  // or compiled after it is set), every function entry and every loop
  // iteration takes one unit, in every tier alike (an optimizing
  // compiler's inlined call included), and the one that finds none left
  // traps with "instruction limit exceeded". Units, not instructions: each
  // stands for at most one function body's or loop body's straight-line
  // instructions, so a guest with no fuel left cannot run on, and the same
  // program spends the same fuel in every tier. kUnlimitedFuel: no bound.
  static constexpr int64_t kUnlimitedFuel = INT64_MAX;
  int64_t fuel = kUnlimitedFuel;
  static constexpr const char* kOutOfFuelMessage = "instruction limit exceeded";
  // Takes one unit; throws the trap when there was none (the interpreter's
  // check; compiled code decrements JitContext::fuel in place).
  void chargeFuel() {
    if (--fuel < 0) {
      fuel = 0;
      throw Trap(kOutOfFuelMessage);
    }
  }

  // --- epoch deadlines (wasmtime's epoch interruption) ---
  // The embedder, or a timer thread of its own, advances a process-wide
  // epoch; the increment that reaches an env's deadline interrupts it with
  // kTimedOut ("execution timed out"), whether its code is running then
  // (it stops at the next function entry or loop header) or not (its next
  // call stops at once). That uses up the deadline: set it again before the
  // next call that needs one. Running code pays nothing for it: the
  // increment compares, not the guest. Any thread may call these.
  static uint64_t currentEpoch();
  static uint64_t incrementEpoch();  // returns the new epoch
  void setEpochDeadline(uint64_t ticksBeyondCurrent);
  void clearEpochDeadline();

  // Where a wasm-to-wasm call returns to (the interpreter's frame links):
  // the caller's code, frame and function, and the function it called (for
  // a trap's trace: the innermost function is the top frame's callee).
  struct CallFrame {
    const uint8_t* returnIp;
    Slot* fp;
    Function* function;
    Function* callee;
  };
  CallFrame* frames() { return frames_.get(); }

 private:
  std::unique_ptr<CallFrame[]> frames_;
  std::unique_ptr<Slot[]> stack_;
  uint32_t stackSlots_;
  std::atomic<int> interruptFd_{-1};
};

}  // namespace strata
