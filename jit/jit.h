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
  uint32_t threshold = 1000;  // tiered: calls before a function is compiled
  uint32_t threads = 1;       // tiered: background compile threads
  bool stats = false;
  bool dump = false;          // --dump-jit
  std::string dumpFunction;   // empty: every function
  bool perfMap = false;
  // Testing: refuse to compile the function of this name (or index), as if
  // the JIT could not handle it. Also set by STRATA_JIT_REFUSE.
  std::string refuse;
};

// Set once, before any module runs.
void configure(const Options& options);
const Options& options();


// Compiles `f` now (no-op if compiled). False if the JIT cannot compile
// it: the function stays interpreted (a warning is printed under --stats).
bool compile(Function* f);

// Runs compiled `f` on `env` from C++ (the interpreter or ExecEnv::call).
// Throws Trap.
void invoke(ExecEnv& env, Function* f, Slot* fp, Instance* caller);

// Hook for the interpreter, called when `f` is about to run and has no
// interpreter code yet (its first call): in jit mode compiles it. In tiered
// mode it starts the call countdown, and compiles at once a function with
// a loop entered from outside the interpreter (`fromOutside`: the host or
// compiled code), since without OSR a long-running loop entered once
// would otherwise never leave the interpreter. True if `f` now has a JIT
// entry.
bool onFirstCall(Function* f, bool fromOutside = false);
// Tiered mode: `f`'s countdown ran out.
void onHot(Function* f);
// True in tiered mode (checked by the interpreter off its hot path).
extern bool g_tiered;

// Prints the --stats report; waits for pending background compiles first.
void printStats(std::ostream& out);
// Stops background compile threads (after the program ran).
void shutdown();

// Called by compiled code to run a callee that has no JIT entry (host
// functions, interpreted functions).
uint64_t jitCallBridge(JitContext* ctx, Slot* fp, Function* callee, Instance* caller);

// Registers [begin, end) as JIT code whose guard-region faults go to `oobExit`.
void registerCode(uintptr_t begin, uintptr_t end, uintptr_t oobExit);
void installSignalHandlers();

}  // namespace jit
}  // namespace strata
