// The baseline compiler (internal to jit/): a single pass over a function
// body, in the style of V8's Liftoff, emitting x86-64 with
// asmjit::x86::Assembler directly. It is one more consumer of the
// validating decoder walk (wasm/function_decoder.h): no second walk, no
// intermediate representation, no register allocator beyond the operand
// stack's, so its cost is linear in the function's size.
//
// Frame: the interpreter's. Locals live from fp[0] up, then the operand
// stack, each value in one 8-byte slot and a v128 in two (slotWidth()), so
// an entry's slot is fixed by the types below it (Value::slot); a call's
// arguments are the top stack entries, so the callee's frame starts there
// (no copies), and its results come back in the same slots. Every tier can call every other,
// and any loop header whose operand stack is empty can be entered from an
// interpreter frame (OSR), because the locals are the whole state there.
//
// Values. An operand-stack entry is one of
//   kSlot   in its frame slot fp[locals + p]
//   kReg    in a register (a small pool of caller-saved registers)
//   kConst  a constant, folded into the instructions that use it
//   kLocal  a local.get not yet read (read directly from the local's slot)
//   kCmp    the flags of a comparison just emitted, for a br_if/if/select
//           that follows (cmp + jcc, no setcc)
// A register entry is spilled to its slot when the pool runs out (the
// deepest one first), before calls, and at control-flow joins: a block, a
// loop and an if spill the whole stack at their start, so what lies below
// them never changes inside; a branch stores its values in the target's
// slots. Locals are never cached in registers.
//
// Registers: r15 = JitContext*, r14 = fp, r13 = memory 0's base (guarded
// memories only: their base never moves); r11 and xmm15 are scratch; the
// pool is rax, rcx, rdx, rsi, rdi, r8-r10 and xmm0-xmm14. The native stack
// pointer does not move in the body (helper calls need no pushes), which
// is what lets the guard-region fault handler resume at the function's
// out-of-bounds exit.
//
// Counting (tiered modes): the function's entry and every loop header count
// down Function::jitCountdown; when it runs out, a runtime hook queues the
// optimizing compile and, at a loop header with an empty stack, may run the
// rest of the call in optimized code entered at that loop (OSR).
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "jit/baseline/fast_assembler.h"
#include "jit/codegen.h"
#include "jit/jit_internal.h"
#include "runtime/instance.h"
#include "wasm/function_decoder.h"

namespace strata::jit::baseline {

using namespace asmjit;
// The compiler's code labels (see FastAssembler); the constant pool keeps
// asmjit's.
using LocalLabel = FastAssembler::LocalLabel;

struct Value {
  enum Kind : uint8_t { kSlot, kReg, kConst, kLocal, kCmp };
  Kind kind = kSlot;
  ValType type = ValType::I32;
  uint8_t reg = 0;     // kReg: a general-purpose or xmm register id, by type
  uint32_t local = 0;  // kLocal
  uint64_t bits = 0;   // kConst (i32/f32: the low 32 bits; v128: bytes 0-7)
  uint64_t high = 0;   // kConst v128: bytes 8-15
  Cond cond;           // kCmp
  uint32_t slot = 0;   // the entry's frame slot (fp[slot], two for a v128), set by push()
};

struct Options {
  bool annotate = false;    // record wasm offsets for --dump-jit
  bool count = false;       // Jit, Tiered: count calls and loop iterations
  bool loopEntries = false; // Tiered: OSR entries for interpreter frames
  bool interruptibleLoops = false;  // jit::Options::interruptibleLoops
  bool meterFuel = false;           // jit::Options::meterFuel
};

class BaselineCompiler : public NullConsumer {
 public:
  struct ControlData {
    LocalLabel label;      // block/if: the end; loop: the header
    LocalLabel elseLabel;  // if: the else arm
    bool elseBound = false;
    bool reached = false;  // a branch goes to the end label
    int tryScope = -1;     // a try_table: its index in tries_
  };
  using Control = ControlEntry<ControlData>;
  using Decoder = FunctionDecoder<BaselineCompiler>;

  BaselineCompiler(FastAssembler& a, Function* fn, const Options& options);
  ~BaselineCompiler();
  BaselineCompiler(const BaselineCompiler&) = delete;
  BaselineCompiler& operator=(const BaselineCompiler&) = delete;
  void setDecoder(Decoder* d);

  // After the walk: trap exits, out-of-line stubs, the constant pool and
  // the frame size the prologue checks.
  void finish();

  // Offsets in the code, filled in by finish().
  LocalLabel entryLabel;
  LocalLabel oobExit;
  bool hasOobExit = false;
  struct LoopEntry {
    uint32_t loopOffset;  // module offset of the `loop` instruction
    LocalLabel entry;     // OSR entry: the prologue, then a jump to...
    LocalLabel header;    // ...the loop's header
  };
  std::vector<LoopEntry> loopEntries;
  struct Annotation {
    uint32_t codeOffset, wasmOffset;
    const char* name;
  };
  std::vector<Annotation> annotations;

  // --- the decoder's callbacks ---
  void onFunctionStart(Control& c);
  void onBlock(Control& c);
  void onLoop(Control& c);
  void onIf(Control& c);
  void onElse(Control& c, bool thenFallsThrough);
  void onEnd(Control& c, bool fallsThrough);
  void onBr(Control& target);
  void onBrIf(Control& target);
  void onBrTable(const std::vector<Control*>& targets, Control& def);
  void onReturn();
  void onUnreachable();
  void onCall(uint32_t funcIndex) { directCall(funcIndex, false); }
  void onCallIndirect(uint32_t typeIndex, uint32_t table) { indirectCall(typeIndex, table, false); }
  void onCallRef(uint32_t typeIndex) { refCall(typeIndex, false); }
  void onBrOnNull(Control& target);
  void onBrOnNonNull(Control& target);
  void onRefAsNonNull();
  // Tail calls: the callee in rdx, then emitTailCall (see jit/jit.h).
  void onReturnCall(uint32_t funcIndex) { directCall(funcIndex, true); }
  void onReturnCallIndirect(uint32_t typeIndex, uint32_t table) { indirectCall(typeIndex, table, true); }
  void onReturnCallRef(uint32_t typeIndex) { refCall(typeIndex, true); }
  // Exception handling (try_table, throw, throw_ref): the calls and throws
  // inside a try_table leave through its dispatcher, which asks jitCatch
  // and continues at the landing of the clause that takes the exception.
  // The legacy instructions are not compiled (jit/tiering.cpp leaves them
  // to the interpreter).
  void onTryTable(Control& c, const std::vector<CatchClause>& catches, const std::vector<Control*>& targets);
  void onThrow(uint32_t tag);
  void onThrowRef();
  template <class C>
  void onTry(C&) {
    throw std::runtime_error("the legacy try is not compiled");
  }
  void onDrop();
  void onSelect(ValType type);
  void onLocalGet(uint32_t i);
  void onLocalSet(uint32_t i);
  void onLocalTee(uint32_t i);
  void onGlobalGet(uint32_t i);
  void onGlobalSet(uint32_t i);
  void onTableGet(uint32_t t);
  void onTableSet(uint32_t t);
  void onTableSize(uint32_t t);
  void onTableGrow(uint32_t t);
  void onTableFill(uint32_t t);
  void onTableCopy(uint32_t dst, uint32_t src);
  void onTableInit(uint32_t seg, uint32_t t);
  void onElemDrop(uint32_t seg);
  void onRefNull(ValType t);
  void onRefIsNull();
  void onRefFunc(uint32_t f);
  void onLoad(Op op, MemArg m);
  void onStore(Op op, MemArg m);
  void onMemorySize(uint32_t memory);
  void onMemoryGrow(uint32_t memory);
  void onMemoryInit(uint32_t seg, uint32_t memory);
  void onDataDrop(uint32_t seg);
  void onMemoryCopy(uint32_t dstMemory, uint32_t srcMemory);
  void onMemoryFill(uint32_t memory);
  void onConst(ValType t, uint64_t bits);
  void onUnary(Op op);
  void onBinary(Op op);
  void onSimd(Op op, const SimdImmediate& si);  // baseline_simd.cpp

 private:
  // --- frame slots (baseline_values.cpp) ---
  x86::Mem localSlot(uint32_t i, uint32_t size = 8) const;
  x86::Mem stackSlot(uint32_t pos, uint32_t size = 8) const;
  static x86::Mem frameSlot(uint32_t slot, uint32_t size = 8);
  // The slot of the entry a push at `height` would get.
  uint32_t slotAtHeight(uint32_t height) const {
    return height == 0 ? localSlots_ : stack_[height - 1].slot + slotWidth(stack_[height - 1].type);
  }
  // Copies `width` slots in memory, through a scratch register.
  void copySlots(const x86::Mem& dst, const x86::Mem& src, uint32_t width);
  uint32_t height() const { return uint32_t(stack_.size()); }
  Value& top(uint32_t fromTop = 0) { return stack_[stack_.size() - 1 - fromTop]; }

  // --- registers ---
  static constexpr int kFree = -1;
  static constexpr int kNotInPool = -2;
  // Handed out for an instruction's result (or reserved by it) before the
  // result is on the stack: not free, and no entry to spill.
  static constexpr int kTemp = -3;
  static x86::Gp gp(int id, ValType t) { return is64(t) ? x86::Gp(x86::gpq(id)) : x86::Gp(x86::gpd(id)); }
  static x86::Xmm xmm(int id) { return x86::xmm(id); }
  x86::Gp gpOf(const Value& v) const { return gp(v.reg, v.type); }
  // A free pool register, spilling the deepest register entry if none is.
  int allocGp();
  int allocXmm();
  // Makes register `id` free (its entry moves to another register or is
  // spilled), for instructions that need it: division (rax, rdx), shifts (rcx).
  void evictGp(int id);
  void freeReg(const Value& v);
  void claim(uint32_t pos);  // the entry at pos now owns its register

  // --- the operand stack ---
  void push(const Value& v);
  void pushReg(ValType t, int reg);
  void pushConst(ValType t, uint64_t bits);
  void pushSlot(ValType t);
  void pop();  // drops the top entry, freeing its register
  // Entry pos into its slot (kSlot), or into a register (kReg).
  void spill(uint32_t pos);
  void materialize(uint32_t pos);
  // Every entry from pos up into its slot; constants too if `constants`
  // (where control flow joins, a label expects all its values in slots).
  void materializeFrom(uint32_t pos, bool constants = false);
  void spillRegisters();
  // Entry pos into a register of its type's kind (general-purpose or xmm).
  int toReg(uint32_t pos);
  // Before a local is written: entries still reading it get its value.
  void detachLocal(uint32_t i);
  // The top entry as a source operand of an integer instruction: a
  // register, a memory operand, or (constants that fit in 32 bits) an
  // immediate.
  Operand gpSource(uint32_t pos, bool allowImm = true);
  Operand xmmSource(uint32_t pos);
  // Where a result computed from `pos` (an operand) can go: its register
  // if it owns one, else a fresh register.
  int resultGp(uint32_t pos);
  int resultXmm(uint32_t pos);
  // Stores entry pos (any kind but kCmp) to dst; reads it into register
  // `reg` (a general-purpose or xmm register by the entry's type) without
  // touching the flags; loadBits reads any entry's bits into a
  // general-purpose register.
  void storeValue(uint32_t pos, x86::Mem dst);
  void loadInto(int reg, uint32_t pos);
  void loadBits(x86::Gp r, uint32_t pos);

  // --- conditions ---
  bool pre(bool consumesCondition = false);
  void annotate();  // --dump-jit: the wasm instruction at this code offset
  // The flags of `entry at pos == 0` as the new top (a kCmp), popping it.
  void testZero(uint32_t pos);
  void materializeCondition();
  Cond popCondition();

  // --- frame ---
  void emitPrologue(bool patchFrameSize);
  // A block's or if's end label, made when the first branch needs it.
  LocalLabel labelOf(Control& c);

  // --- control ---
  // Moves the label's values (the top arity entries) into the slots the
  // label expects and jumps there.
  void moveBranchValues(const Control& target);
  void branchTo(Control& target);
  // Branches to target if `cond` holds (the flags are set).
  void branchIf(const Cond& cond, Control& target);
  void emitReturn();
  void countDown(uint32_t loopOffset);

  // --- calls and helpers ---
  void emitCall(const FuncType& ft, uint32_t argBase, bool mayTailCall);
  void directCall(uint32_t funcIndex, bool tail);
  void indirectCall(uint32_t typeIndex, uint32_t table, bool tail);
  void refCall(uint32_t typeIndex, bool tail);
  // The callee (Function*) into rdx: direct, through the import slot, or
  // resolved from a table or a reference (these pop their operand).
  void loadDirectCallee(uint32_t funcIndex);
  void loadIndirectCallee(uint32_t typeIndex, uint32_t table);
  void loadRefCallee();
  void emitTailCall(const FuncType& ft, uint32_t argBase);
  // Calls a runtime helper with up to 6 64-bit arguments (registers,
  // immediates, or stack entries by position: see Arg) after spilling
  // every register entry; its result is in rax.
  struct Arg {
    enum Kind { kImm, kEntry, kCtx, kFp } kind;
    uint64_t imm = 0;
    uint32_t pos = 0;
  };
  static Arg imm64(uint64_t v) { return {Arg::kImm, v, 0}; }
  static Arg ptr(const void* p) { return {Arg::kImm, uint64_t(uintptr_t(p)), 0}; }
  static Arg entry(uint32_t pos) { return {Arg::kEntry, 0, pos}; }
  static Arg ctxArg() { return {Arg::kCtx, 0, 0}; }
  void callHelper(const void* fn, std::initializer_list<Arg> args, bool mayTrap);
  void checkStatus();
  void refreshMemory();
  // The same without spilling the stack, keeping `keep` (OSR entries).
  void refreshMemoryKeeping(x86::Gp keep);

  // --- traps ---
  LocalLabel trapLabel(uint32_t code);
  void checkInterrupt();
  // Fuel metering: takes a unit of the env's fuel (JitContext::fuel), or
  // leaves through the kOutOfFuel exit when there is none.
  void chargeFuel();

  // --- memory ---
  // The operand for an access of `size` bytes of `memory` at entry
  // addrPos + offset. Memory 0 with 32-bit indices is addressed from
  // r13 in its guard region, or bounds-checked against the context's copy
  // of its size; other memories and memory64s are always bounds-checked,
  // against the Memory object (checkedAddress). A checked access holds a
  // temporary register until releaseAddressTemp().
  x86::Mem address(uint32_t addrPos, uint64_t offset, uint32_t size, uint32_t memory);
  x86::Mem checkedAddress(uint32_t addrPos, uint64_t offset, uint32_t size, uint32_t memory);
  // Memory 0 takes address()'s fast paths.
  bool isFastMemory(uint32_t memory) const { return memory == 0 && !mem0Is64_; }
  bool mem0Is64_ = false;
  void releaseAddressTemp();
  int addressTemp_ = -1;

  // --- SIMD (baseline_simd.cpp) ---
  struct SimdPool;
  // An operand in a register the following code may not lose: its entry
  // keeps it, but no allocation spills it (until the entry is popped).
  int pinReg(uint32_t pos);
  void pushConst128(const uint8_t bytes[16]);
  bool simdInline(Op op, const SimdImmediate& si);
  bool simdLoadInline(Op op, MemArg m);
  void simdCall(Op op, const SimdImmediate& si);

  // --- numeric (baseline_operators.cpp) ---
  bool emitUnary(Op op);
  bool emitBinary(Op op);
  void emitDivision(Op op);
  void emitShift(Op op);
  void emitNumericHelper(Op op, int inputs);
  void compare(Op op);
  x86::Mem constant(uint64_t bits, bool f32);
  x86::Mem constant128(uint64_t lo, uint64_t hi);

  FastAssembler& a_;
  Function* fn_;
  Instance& inst_;
  Options options_;
  Decoder* d_ = nullptr;
  Memory* mem_ = nullptr;
  bool guarded_ = false;
  const CpuSupport& cpu_ = CpuSupport::host();

  uint32_t numLocals_ = 0;
  std::vector<uint32_t> localOffset_;  // each local's slot
  uint32_t localSlots_ = 0, paramSlots_ = 0;
  uint32_t maxSlots_ = 0;  // the frame's slots: locals and the deepest stack
  std::vector<Value> stack_;
  // Entries below stable_ are in their slots or constants: nothing
  // changes them, so spilling the stack at a block start looks only above.
  uint32_t stable_ = 0;
  std::vector<uint32_t> localReaders_;  // kLocal entries per local
  int gpOwner_[16];
  int xmmOwner_[16];

  DeadCode dead_;

  LocalLabel epilogue_;
  LocalLabel failed_;  // a failure's way to the epilogue: records the trace frame
  LocalLabel callStub_;
  bool callStubUsed_ = false;
  LocalLabel statusExit_;  // the status is in ctx->status
  bool statusUsed_ = false;
  LocalLabel trapLabels_[kNumTrapCodes];
  bool trapUsed_[kNumTrapCodes] = {};
  size_t frameCheckAt_ = 0;  // where the prologue's frame size goes

  // Out-of-line code emitted by finish().
  struct CountStub {
    LocalLabel stub, resume;
    uint32_t loopOffset;  // or kAtEntry, kNoOsrPoint (see jitCountdownHook)
  };
  std::vector<CountStub> countStubs_;
  // A call site's way out when the status is not 0: a tail call of the
  // callee is made on the same frame (jitFinishTailCalls); anything else
  // fails.
  struct CallStub {
    LocalLabel stub, resume;
    uint32_t frameSlot;  // the callee frame's first slot
    LocalLabel fail;     // where any other status goes (failLabel())
  };
  std::vector<CallStub> callStubs_;
  LocalLabel finishTailCalls_;  // the call sites' stubs' way to jitFinishTailCalls
  // The try_tables: each one's dispatcher (entered with the status in eax),
  // its catch table and the landings of its clauses; `parent` is the
  // enclosing try_table or -1.
  struct TryScope {
    LocalLabel dispatch, table;
    std::vector<LocalLabel> landings;
    std::vector<CatchTable::Entry> entries;
    int parent = -1;
  };
  std::vector<TryScope> tries_;
  int activeTry_ = -1;
  // Where a failed call or a throw goes: the innermost try_table's
  // dispatcher, or the function's exit.
  LocalLabel failLabel() { return activeTry_ >= 0 ? tries_[size_t(activeTry_)].dispatch : failed_; }
  std::unordered_map<uint64_t, asmjit::Label> constants32_, constants64_;
  // The vectors above that every function fills: their storage is reused
  // by the next compile on this thread (one function after another would
  // otherwise be mostly malloc and free, as in the decoder).
  struct Scratch {
    std::vector<Value> stack;
    std::vector<uint32_t> localReaders, localOffset;
    std::vector<CountStub> countStubs;
    std::vector<CallStub> callStubs;
  };
  static Scratch& scratch();
  void swapScratch();
  std::map<std::pair<uint64_t, uint64_t>, asmjit::Label> constants128_;
};

// --- inline: the operand stack, on every instruction's path ---

inline void BaselineCompiler::freeReg(const Value& v) {
  if (v.kind != Value::kReg) return;
  (inXmm(v.type) ? xmmOwner_ : gpOwner_)[v.reg] = kFree;
}

inline void BaselineCompiler::claim(uint32_t pos) {
  const Value& v = stack_[pos];
  if (v.kind == Value::kReg) (inXmm(v.type) ? xmmOwner_ : gpOwner_)[v.reg] = int(pos);
}

inline void BaselineCompiler::push(const Value& v) {
  uint32_t slot = slotAtHeight(height());
  stack_.push_back(v);
  stack_.back().slot = slot;
  if (v.kind == Value::kLocal) ++localReaders_[v.local];
  claim(height() - 1);
  uint32_t end = slot + slotWidth(v.type);
  if (end > maxSlots_) maxSlots_ = end;
}

inline void BaselineCompiler::pushReg(ValType t, int reg) {
  Value v;
  v.kind = Value::kReg;
  v.type = t;
  v.reg = uint8_t(reg);
  push(v);
}

inline void BaselineCompiler::pushConst(ValType t, uint64_t bits) {
  Value v;
  v.kind = Value::kConst;
  v.type = t;
  v.bits = is64(t) ? bits : bits & 0xffffffffu;
  push(v);
}

inline void BaselineCompiler::pushSlot(ValType t) {
  Value v;
  v.kind = Value::kSlot;
  v.type = t;
  push(v);
}

inline void BaselineCompiler::pop() {
  const Value& v = stack_.back();
  freeReg(v);
  if (v.kind == Value::kLocal) --localReaders_[v.local];
  stack_.pop_back();
  if (stable_ > height()) stable_ = height();
}

inline bool BaselineCompiler::pre(bool consumesCondition) {
  if (dead_.dead) return false;
  if (options_.annotate) annotate();
  if (!consumesCondition && !stack_.empty() && top().kind == Value::kCmp) materializeCondition();
  return true;
}

}  // namespace strata::jit::baseline
