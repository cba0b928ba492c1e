// The JIT tiers: wasm functions compiled to x86-64 with asmjit, by two
// compilers that consume the one validating decoder walk:
//   baseline    (jit/baseline/)   one pass, asmjit::x86::Assembler, linear
//                                 in the function's size: tens of MB/s
//   optimizing  (jit/optimizing/) asmjit::x86::Compiler's register
//                                 allocator: fast code, slow to make
// and the policy that moves functions between them and the interpreter
// (tiering.cpp): see jit/README.md.
//
// Calling convention of compiled code (Function::JitEntry), both tiers:
//   uint64_t entry(JitContext* ctx, Slot* fp, Function* self, Instance* caller)
// Arguments are in fp[0..params) and results go to fp[0..results), exactly
// like an interpreter frame, so the interpreter's do_call can call compiled
// code and compiled code can call interpreted functions (through
// jitCallBridge). `caller` is the calling instance.
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
// Tail calls (return_call*) in compiled code: the function moves the
// callee's arguments to its own frame, stores the callee (and its own
// instance, the callee's caller) in the context and returns kTailCall. The
// call site that called it then calls the tail callee on the same frame,
// and again if that one tail-calls, so a chain of tail calls runs in
// constant native and value stack (jit::run does the same for calls from
// C++). Only a function that executes a tail call returns kTailCall, so a
// direct call of a function of the same module without return_call* needs
// none of this (callMayReturnTailCall in codegen.h).
//
// Return value: 0, kTailCall, or one of TrapCode.
#pragma once

#include <atomic>
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
  kTailCall,     // not a trap: call JitContext::tailCallee on this frame
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
  kNullReference,
  kNullFunctionReference,
  kOutOfFuel,
  kNumTrapCodes
};
const char* trapMessage(uint32_t code);

// Per-thread state that compiled code reaches through its first argument.
// Plain data: compiled code addresses its fields with offsetof.
struct JitContext {
  uintptr_t stackLimit = 0;   // lowest native sp allowed on function entry
  Slot* slotLimit = nullptr;  // end of the current ExecEnv's value stack
  ExecEnv* env = nullptr;
  int64_t* fuel = nullptr;  // &env->fuel (ExecEnv::fuel), with fuel metering
  uint8_t* memBase = nullptr;  // unguarded memories only (refreshed by a helper)
  uint64_t memSize = 0;
  uint64_t status = 0;  // set by a helper that failed
  Function* tailCallee = nullptr;  // with kTailCall: the function to call next
  Instance* tailCaller = nullptr;  // ...and the instance that tail-called it
  // The thread's real stack limit. stackLimit is raised past every stack
  // pointer (kInterruptLimit) to interrupt the env running here
  // (ExecEnv::requestInterrupt): compiled code compares rsp with it at
  // every function entry and loop header, so the next one leaves through
  // its "call stack exhausted" exit, which jit::invoke reports as the
  // interrupt. No check costs more than that one compare.
  uintptr_t realStackLimit = 0;
};
constexpr uintptr_t kInterruptLimit = UINTPTR_MAX;
JitContext& threadContext();
std::exception_ptr& pendingException();

// The compiling tiers.
enum class Tier : uint8_t { Baseline, Optimized };
constexpr int kNumTiers = 2;
const char* tierName(Tier tier);

// How functions run:
//   Interp      the interpreter only
//   Baseline    every function compiled by the baseline compiler before it
//               first runs, and nothing else (for testing and measuring it)
//   Optimizing  every function compiled by the optimizing compiler before
//               it first runs
//   Jit         baseline before the first run; functions that stay hot in
//               baseline code are recompiled by the optimizing compiler
//               (in the background) and hot loops move there by OSR
//   Tiered      interpreted first; hot functions get baseline code, hot
//               baseline code optimized code, in the background; a running
//               loop moves up a tier by OSR at its header
enum class Mode { Interp, Baseline, Optimizing, Jit, Tiered };
const char* modeName(Mode mode);

struct Options {
  Mode mode = Mode::Interp;
  // Tiered: calls plus loop iterations before an interpreted function is
  // compiled by the baseline compiler.
  uint32_t threshold = kDefaultThreshold;
  // Jit and Tiered: calls plus loop iterations in baseline code before the
  // function is recompiled by the optimizing compiler.
  uint32_t optimizeThreshold = kDefaultOptimizeThreshold;
  // Background compile threads (Jit, Tiered), besides one that takes only
  // baseline compiles; 0 compiles on the thread that found the function
  // hot, at that moment (deterministic: for tests). The default leaves one
  // core to the program.
  uint32_t threads = defaultThreads();
  // The optimizing compiler gives up on a function larger than this many
  // bytes of wasm code (it stays in baseline code): its register allocator
  // is superlinear in the worst case.
  uint32_t optimizeMaxBytes = kDefaultOptimizeMaxBytes;
  // Bytes of compiled code the process may hold; past it, functions stay
  // in the tier they are in.
  uint64_t codeLimit = kDefaultCodeLimit;
  // Loop headers in compiled code check for interrupts
  // (ExecEnv::requestInterrupt), so that a loop without calls can be
  // stopped, and the interpreter counts loops and calls outside tiered mode
  // to check too. Function entries of compiled code always check (their
  // stack check). Off by default: the compare costs tight loops (sha256 10-15%, most workloads
  // 0-4%); the C APIs (wasm_runtime_terminate) and `strata run --timeout`
  // turn it on.
  bool interruptibleLoops = false;
  // Function entries and loop headers take a unit of ExecEnv::fuel, in
  // every tier, in code generated while this is set. Off by default (a
  // decrement per call and iteration); `strata run --fuel` and
  // wasm_runtime_set_instruction_count_limit turn it on.
  bool meterFuel = false;
  bool stats = false;
  bool dump = false;          // --dump-jit
  std::string dumpFunction;   // empty: every function
  bool perfMap = false;       // /tmp/perf-PID.map and a jitdump for perf inject
  // --compile-log: one CSV line per compile (tier, function, wasm bytes,
  // locals, compile microseconds, code bytes), for plots of compile time
  // against function size.
  std::string compileLog;
  // Testing: refuse to compile the function of this name (or index), as if
  // the JIT could not handle it. Also set by STRATA_JIT_REFUSE.
  std::string refuse;
  // Chosen by measurement: see jit/README.md.
  static constexpr uint32_t kDefaultThreshold = 500;
  static constexpr uint32_t kDefaultOptimizeThreshold = 10000;
  static constexpr uint32_t kDefaultOptimizeMaxBytes = 32 * 1024;
  static constexpr uint64_t kDefaultCodeLimit = uint64_t(1) << 30;
  static uint32_t defaultThreads();
};

// Set once, before any module runs.
void configure(const Options& options);
const Options& options();
// Options::codeLimit, at any time (code compiled already stays).
void setCodeLimit(uint64_t bytes);

// Compiles `f` now with `tier` (no-op if it has that tier's code) and
// makes it the function's entry unless it already has better code. False
// if the tier cannot compile it (the function keeps what it had; a warning
// is printed under --stats).
bool compile(Function* f, Tier tier);
// The same with the mode's first compiling tier (the optimizing one in
// Mode::Optimizing, else the baseline).
bool compile(Function* f);
// Whether `f` has code of `tier`.
bool hasCode(const Function* f, Tier tier);

// Frees what the JIT attached to `f` (compiled code of every tier), which
// is dying: the function release hook.
void releaseCode(Function* f);
// Bytes of compiled code currently allocated (asmjit's allocator).
size_t liveCodeBytes();

// Runs compiled `f` on `env` from C++ (the interpreter or ExecEnv::call).
// Throws Trap.
void invoke(ExecEnv& env, Function* f, Slot* fp, Instance* caller);

// Hook for the interpreter, called when `f` is about to run and has no
// interpreter code yet (its first call): in the modes that compile before
// the first run, compiles it (true if `f` now has a JIT entry); in tiered
// mode starts its countdown.
bool onFirstCall(Function* f);
// Tiered mode: `f`'s countdown ran out at a call: queue it for compilation.
void onHot(Function* f);
// Tiered mode: `f`'s countdown ran out at the header of the loop at module
// offset `loopOffset`, in an interpreter frame whose operand stack is empty
// there. Returns compiled code of `f` entered at that loop header with the
// locals taken from the frame (baseline code, or an optimized OSR entry if
// one is ready), or null (keep interpreting) after asking for it.
Function::JitEntry onHotLoop(Function* f, uint32_t loopOffset);
// Runs the rest of an interpreter frame `fp` of `f` in compiled code
// `entry` from onHotLoop (the locals are in fp[0..locals)); the results end
// up in fp[0..results). Throws Trap.
void invokeOsr(ExecEnv& env, Function* f, Function::JitEntry entry, Slot* fp);
// True in tiered mode (checked by the interpreter off its hot path).
extern bool g_tiered;
// True when the interpreter counts calls and loop iterations: in tiered
// mode (tier-up), and wherever interrupts are wanted (interruptibleLoops:
// the counters pace the interpreter's interrupt checks). Otherwise the
// interpreter's loops and calls do no bookkeeping.
extern bool g_interpreterCounts;
// Options::meterFuel, for the interpreter's translator.
extern bool g_meterFuel;

// What the JIT did so far (also printed by --stats).
struct Counters {
  uint64_t compiled[kNumTiers] = {};  // functions compiled, per tier
  uint64_t failed[kNumTiers] = {};    // compiles that failed (the function stays a tier lower)
  uint64_t tierUps[kNumTiers] = {};   // compiled because they got hot (into that tier)
  uint64_t osrEntries[kNumTiers] = {};  // running frames that moved into that tier at a loop header
  uint64_t osrTaken() const { return osrEntries[0] + osrEntries[1]; }
  // Call sites the optimizing compiler inlined; of them, across an import
  // slot (a function of another instance).
  uint64_t inlinedCalls = 0, inlinedImportCalls = 0;
};
Counters counters();
// Waits until the background compilers have nothing queued or running.
void waitForCompiles();

// --stats: starts sampling where the time goes (interpreter, each tier's
// code, the rest) with a profiling timer; printStats reports it.
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
// Called by compiled code whose callee returned a non-zero `status`: while
// it is kTailCall, calls the function the callee tail-called (on the same
// frame, `fp`). Returns what is left: 0 or a failure.
uint64_t jitFinishTailCalls(JitContext* ctx, Slot* fp, uint64_t status);

// Registers [begin, end) as JIT code of `tier` whose guard-region faults go
// to `oobExit`; unregisterCode forgets the range starting at `begin`.
bool registerCode(uintptr_t begin, uintptr_t end, uintptr_t oobExit, Tier tier);
void unregisterCode(uintptr_t begin);
void installSignalHandlers();

}  // namespace jit
}  // namespace strata
