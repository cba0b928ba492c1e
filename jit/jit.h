// The JIT tier: wasm functions compiled to x86-64 with asmjit.
//
// Calling convention of compiled code (Function::JitEntry):
//   uint64_t entry(JitContext* ctx, Slot* fp, Function* self, Instance* caller)
// Arguments are in fp[0..params) and results go to fp[0..results), exactly
// like an interpreter frame, so the interpreter's do_call can call compiled
// code and compiled code can call interpreted functions (through
// jitCallBridge). A compiled function loads its parameters into registers
// on entry, so its callees reuse the same fp: JIT-to-JIT calls never grow
// the value stack.
//
// Traps and exceptions. C++ exceptions never unwind through JIT frames:
// asmjit code has no unwind info. Every runtime helper that compiled code
// calls catches everything, stores the exception (pendingException()) and
// reports a status; compiled code then returns that status to its caller
// at once, so a trap travels up the chain of JIT frames as a return value
// until it reaches the C++ entry (jit::invoke), which clears it and throws
// the Trap (or rethrows the stored exception) in C++ land. A fault in a
// guard region (SIGSEGV/SIGBUS at a pc inside JIT code) is redirected by
// the signal handler to the faulting function's "out of bounds memory
// access" exit, which returns like any other trap.
//
// Return value: 0, or one of TrapCode.
#pragma once

#include <cstdint>
#include <exception>
#include <iosfwd>
#include <string>

#include "runtime/objects.h"

namespace strata {

class ExecEnv;

namespace jit {

enum TrapCode : uint32_t {
  kOk = 0,
  kPending = 1,  // the exception is in pendingException()
  kUnreachable,
  kDivideByZero,
  kIntegerOverflow,
  kInvalidConversion,
  kOutOfBoundsMemory,
  kStackExhausted,
  kUndefinedElement,
  kUninitializedElement,
  kIndirectCallTypeMismatch,
  kOutOfBoundsTable,
  kNumTrapCodes
};
const char* trapMessage(uint32_t code);

// Per-thread state that compiled code reaches through its first argument.
// Plain data: compiled code addresses its fields with offsetof.
struct JitContext {
  uintptr_t stackLimit = 0;   // lowest native sp allowed on function entry
  Slot* slotLimit = nullptr;  // end of the current ExecEnv's value stack
  ExecEnv* env = nullptr;
  uint8_t* memBase = nullptr;  // unguarded memories only (refreshed by a helper)
  uint64_t memSize = 0;
  uint64_t status = 0;  // set by a helper that failed
};
JitContext& threadContext();
std::exception_ptr& pendingException();

enum class Mode { Interp, Jit, Tiered };

struct Options {
  Mode mode = Mode::Interp;
  // Tiered: calls plus loop iterations before a function is compiled
  // (chosen by measurement: see jit/README.md).
  uint32_t threshold = kDefaultThreshold;
  // Tiered: background compile threads; 0 compiles on the thread that found
  // the function hot, at that moment (deterministic: for tests).
  uint32_t threads = 1;
  bool stats = false;
  bool dump = false;          // --dump-jit
  std::string dumpFunction;   // empty: every function
  bool perfMap = false;
  // Testing: refuse to compile the function of this name (or index), as if
  // the JIT could not handle it. Also set by STRATA_JIT_REFUSE.
  std::string refuse;
  static constexpr uint32_t kDefaultThreshold = 1000;
};

// Set once, before any module runs.
void configure(const Options& options);
const Options& options();


// Compiles `f` now (no-op if compiled). False if the JIT cannot compile
// it: the function stays interpreted (a warning is printed under --stats).
bool compile(Function* f);

// Frees the compiled code of `f` (its entry and OSR entries), which is
// dying: called by ~Function.
void releaseCode(Function* f);
// Bytes of compiled code currently allocated (asmjit's allocator).
size_t liveCodeBytes();

// Runs compiled `f` on `env` from C++ (the interpreter or ExecEnv::call).
// Throws Trap.
void invoke(ExecEnv& env, Function* f, Slot* fp, Instance* caller);

// Hook for the interpreter, called when `f` is about to run and has no
// interpreter code yet (its first call): in jit mode compiles it (true if
// `f` now has a JIT entry); in tiered mode starts its countdown.
bool onFirstCall(Function* f);
// Tiered mode: `f`'s countdown ran out at a call: queue it for compilation.
void onHot(Function* f);
// Tiered mode: `f`'s countdown ran out at the header of the loop at module
// offset `loopOffset`, in an interpreter frame whose operand stack is empty
// there. Asks for (or, once compiled, returns) an OSR entry: compiled code
// of `f` that starts at that loop header with the locals taken from the
// frame and runs the rest of the call. Null: keep interpreting.
Function::JitEntry onHotLoop(Function* f, uint32_t loopOffset);
// Runs OSR entry `entry` of `f` on the interpreter frame `fp` (the locals
// are in fp[0..locals)); the results end up in fp[0..results). Throws Trap.
void invokeOsr(ExecEnv& env, Function* f, Function::JitEntry entry, Slot* fp);
// True in tiered mode (checked by the interpreter off its hot path).
extern bool g_tiered;

// What the JIT did so far (also printed by --stats).
struct Counters {
  uint64_t compiled = 0;    // functions compiled (OSR entries not included)
  uint64_t failed = 0;      // compiles that failed: those stay interpreted
  uint64_t tierUps = 0;     // tiered: compiled because they got hot
  uint64_t osrCompiled = 0; // OSR entries compiled
  uint64_t osrEntries = 0;  // times a running interpreter frame entered one
};
Counters counters();
// Waits until the background compilers have nothing queued or running.
void waitForCompiles();

// --stats: starts sampling where the time goes (interpreter, compiled code,
// the rest) with a profiling timer; printStats reports it.
void startProfiling();
// Prints the --stats report; waits for pending background compiles first.
void printStats(std::ostream& out);
// Drops queued compiles of `instance` and waits for one being compiled, so
// that the caller's reference is the last: an embedder's deinstantiate
// must not leave the instance to die later on a compile thread.
void cancelCompiles(const Instance* instance);
// Stops background compile threads (after the program ran).
void shutdown();

// Called by compiled code to run a callee that has no JIT entry (host
// functions, interpreted functions).
uint64_t jitCallBridge(JitContext* ctx, Slot* fp, Function* callee, Instance* caller);

// Registers [begin, end) as JIT code whose guard-region faults go to
// `oobExit`; unregisterCode forgets the range starting at `begin`.
bool registerCode(uintptr_t begin, uintptr_t end, uintptr_t oobExit);
void unregisterCode(uintptr_t begin);
void installSignalHandlers();

}  // namespace jit
}  // namespace strata
