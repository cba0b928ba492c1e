// Internals shared by the JIT's compilers and its runtime: the helpers
// compiled code calls, the compile result, what a function carries per
// tier, and the code memory.
#pragma once

#include <asmjit/core.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "jit/jit.h"

namespace strata {

class Instance;
class Memory;
class Table;

namespace jit {

// ExecEnv::requestInterrupt's hook (runtime.cpp): the threads running the
// env in compiled code trap at their next function entry or loop header.
void interruptCompiledCode(ExecEnv& env);

// Stores the exception being handled and marks ctx as trapped.
void setPendingFromCurrent(JitContext* ctx);

// A trap or exception leaves compiled code of `self` (its exits call this
// before they return the status): the function joins the trap's trace
// (Trap::trace), which jit::invoke attaches when it raises the trap.
uint64_t jitTraceFrame(const Function* self);

// Runtime helpers called from compiled code. All arguments and results are
// 64-bit; the ones that can trap set ctx->status (and never throw). Index
// operands and results are i32 or i64 as the table's or memory's type says
// (table64, memory64); of an i32 only the low half counts.
uint64_t jitResolveIndirect(JitContext* ctx, Table* table, uint64_t index, uint64_t sigId);
uint64_t jitTableGet(JitContext* ctx, Table* table, uint64_t index);
uint64_t jitTableSet(JitContext* ctx, Table* table, uint64_t index, uint64_t value);
uint64_t jitTableSize(Table* table);
uint64_t jitTableGrow(Table* table, uint64_t init, uint64_t n);
uint64_t jitTableFill(JitContext* ctx, Table* table, uint64_t index, uint64_t value, uint64_t n);
uint64_t jitTableCopy(JitContext* ctx, Table* dst, Table* src, uint64_t d, uint64_t s, uint64_t n);
uint64_t jitTableInit(JitContext* ctx, Instance* inst, Table* table, uint64_t seg, uint64_t d, uint64_t s, uint64_t n);
// table.init with the element segment and table packed into one argument
// (seg << 32 | table): the baseline compiler passes at most six, all in
// registers.
uint64_t jitTableInitPacked(JitContext* ctx, Instance* inst, uint64_t segAndTable, uint64_t d, uint64_t s, uint64_t n);
uint64_t jitElemDrop(Instance* inst, uint64_t seg);
uint64_t jitMemorySize(Memory* mem);
uint64_t jitMemoryGrow(Memory* mem, uint64_t delta);
// memory.init: the data segment and memory packed (memory << 32 | seg).
uint64_t jitMemoryInit(JitContext* ctx, Instance* inst, uint64_t segAndMemory, uint64_t d, uint64_t s, uint64_t n);
uint64_t jitDataDrop(Instance* inst, uint64_t seg);
uint64_t jitMemoryCopy(JitContext* ctx, Memory* dst, Memory* src, uint64_t d, uint64_t s, uint64_t n);
uint64_t jitMemoryFill(JitContext* ctx, Memory* mem, uint64_t d, uint64_t value, uint64_t n);
uint64_t jitRefreshMemory(JitContext* ctx, Memory* mem);

// Exception handling in compiled code (baseline tier). throw and throw_ref
// leave the new (or referenced) exception pending and return kPending, so
// it travels like a trap; a try_table's dispatcher asks jitCatch whether
// its clauses (a CatchTable in the code) take the pending exception: if
// one does, its values are written to the frame, the exception is no
// longer pending and the clause's index + 1 is returned, else 0.
struct CatchTable {
  Instance* instance;  // keeps an exnref (catch_ref) alive
  uint32_t count;
  uint32_t pad;
  struct Entry {
    const Tag* tag;      // null: any exception
    uint32_t valueSlot;  // the values from fp[valueSlot] up
    uint32_t refSlot;    // the exnref, or UINT32_MAX
  } entries[1];          // `count` of them
};
uint64_t jitThrow(JitContext* ctx, const std::shared_ptr<Tag>* tag, const Slot* values);
uint64_t jitThrowRef(JitContext* ctx, uint64_t exnref);
uint64_t jitCatch(JitContext* ctx, Slot* fp, const CatchTable* table);
// Jit and Tiered modes: baseline code's countdown ran out at its entry
// (loopOffset kAtEntry), at the header of a loop that is no OSR point
// (kNoOsrPoint), or at the header of the loop at module offset loopOffset,
// whose frame is fp (the locals in fp[0..locals), the operand stack empty).
// Queues the optimizing compile; once optimized code exists, may run the
// rest of the call there. Returns kKeepRunning to go on in baseline code,
// else the status of the call, which ran to its end.
constexpr uint64_t kKeepRunning = UINT64_MAX;
constexpr uint32_t kAtEntry = UINT32_MAX;
constexpr uint32_t kNoOsrPoint = UINT32_MAX - 1;
constexpr uint32_t kNoLoop = UINT32_MAX;
uint64_t jitCountdownHook(JitContext* ctx, Slot* fp, Function* f, uint64_t loopOffset);

struct CodeAnnotation {
  uint32_t codeOffset;
  uint32_t wasmOffset;
  const char* name;
};

// Where a running frame can enter compiled code at a loop header (module
// offset of the `loop`): baseline code has an entry for each of its loops,
// an optimized OSR entry is compiled for one.
struct LoopEntry {
  uint32_t loopOffset;
  void* address;
};

struct CompileResult {
  void* entry = nullptr;  // null on failure
  std::string error;
  size_t codeSize = 0;
  size_t wasmBytes = 0;
  uintptr_t oobExit = 0;  // where a guard-region fault in this code goes
  std::vector<CodeAnnotation> annotations;
  std::vector<LoopEntry> loopEntries;
};

// Code memory (asmjit's JitRuntime, dual-mapped: W^X). Compilers assemble
// into their own CodeHolder (in parallel) and copy the result in with
// addCode, which serializes on the allocator. Fails with
// kErrorTooLarge past Options::codeLimit.
const asmjit::Environment& codeEnvironment();
asmjit::Error addCode(void** entry, asmjit::CodeHolder* code);

// The two compilers. Each compile is independent (its own CodeHolder), so
// compile threads run them in parallel.
// count: count calls and loop iterations towards the optimizing compile;
// loopEntries: an entry at each loop with an empty operand stack, for
// interpreter frames (LoopEntry).
CompileResult compileBaseline(Function* f, bool annotate, bool count, bool loopEntries);
//
// The wasm functions an instance's import slots held when an optimizing
// compile was asked for, with their instances pinned until the compile
// ends. Taken on a thread where they are known to be alive (one running
// the instance, or its embedder's), so that a background compile may look
// inside them (inline them) even if a slot is re-pointed or the group
// freed meanwhile; the code it inlines them into checks at each call that
// the slot still holds that function (Function::uid).
struct ImportPins {
  std::vector<Function*> slots;  // per import slot; null: a host function
  std::vector<std::shared_ptr<Instance>> instances;
  // Empty when the importer imports no wasm function (no allocation).
  static std::shared_ptr<const ImportPins> take(Instance& importer);
};
// With osrLoop (a `loop` instruction's module offset; kNoLoop for none)
// the code is an OSR entry: it loads every local from fp[0..) and starts
// at that loop's header, which must have an empty operand stack. `pins`
// may be null (nothing is inlined across import slots).
CompileResult compileOptimized(Function* f, bool annotate, uint32_t osrLoop, const ImportPins* pins);

// One compiled version of a function, immutable once published.
struct TierCode {
  Tier tier = Tier::Baseline;
  Function::JitEntry entry = nullptr;
  size_t codeSize = 0;
  std::vector<LoopEntry> loops;
  const LoopEntry* loop(uint32_t loopOffset) const {
    for (const LoopEntry& e : loops)
      if (e.loopOffset == loopOffset) return &e;
    return nullptr;
  }
};

// An optimized OSR entry for one loop, compiled when a frame stays in that
// loop in baseline code. A list per function that only grows (readers walk
// it without a lock).
struct OsrCode {
  uint32_t loopOffset = 0;
  std::atomic<Function::JitEntry> entry{nullptr};
  std::atomic<bool> failed{false};
  OsrCode* next = nullptr;
};

// What the JIT attached to a function (Function::jitCode).
struct FunctionCode {
  std::atomic<OsrCode*> osr{nullptr};
  std::atomic<TierCode*> code[kNumTiers] = {};
  std::atomic<bool> queued[kNumTiers] = {};
  std::atomic<bool> failed[kNumTiers] = {};
  std::atomic<bool> compiling[kNumTiers] = {};
  // Baseline code's countdown to the optimizing compile (calls and loop
  // iterations), apart from Function::jitCountdown: interpreter frames
  // still running keep theirs, to move into baseline code soon.
  std::atomic<int32_t> optimizeCountdown{0};
  uint32_t osrCount = 0;  // OSR entries asked for (under tiering.cpp's OSR lock)
};
// Made on first need; null for host functions.
FunctionCode* functionCode(Function* f);
const TierCode* tierCode(const Function* f, Tier tier);

// The live compiled code holding pc (code_ranges.cpp): its out-of-bounds
// exit and tier. Async-signal-safe.
bool findCode(uintptr_t pc, uintptr_t* oobExit, Tier* tier);

// True on a background compile thread. Async-signal-safe.
bool onCompileThread();

// Disassembles (Zydis) with wasm annotations to `out`.
void dumpCode(std::FILE* out, const std::string& name, const CompileResult& r);
// --perf-map: names the code for perf (/tmp/perf-PID.map and a jitdump).
void announceCode(uintptr_t address, size_t size, const std::string& name);

// Statistics (printed by --stats), per tier.
struct TierStats {
  std::atomic<uint64_t> compiled{0}, failed{0}, compileNs{0}, codeBytes{0}, wasmBytes{0}, tierUps{0}, osrEntries{0};
  std::atomic<uint64_t> inlinedCalls{0}, inlinedImportCalls{0};  // call sites inlined (optimizing tier)
};
TierStats& tierStats(Tier tier);
// Compile time by function size (bytes of wasm code): buckets of powers
// of 4 from 64 bytes, for the README's table of compile speed.
constexpr int kSizeBuckets = 8;
int sizeBucket(size_t wasmBytes);
struct BucketStats {
  std::atomic<uint64_t> functions{0}, bytes{0}, ns{0};
};
BucketStats& bucketStats(Tier tier, int bucket);

}  // namespace jit
}  // namespace strata
