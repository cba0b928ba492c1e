// The JIT's emitter (internal to jit/): the consumer of the validating
// decoder walk that drives asmjit's x86::Compiler, and the types it works
// with. Its handlers live in three files by concern:
//   emit_control.cpp    function frame, blocks/loops/branches (loop renames,
//                       the OSR entry), calls, locals, globals, tables
//   emit_values.cpp     the virtual operand stack, conditions, trap exits,
//                       helper calls
//   emit_operators.cpp  memory accesses and numeric operators
// compiler.cpp has the numeric helpers generated from opcodes.def and the
// compile driver. jit/README.md describes the code generation.
//
// Values. Every wasm local is one virtual register for the whole function
// (in functions with more than 10 locals, plus one inside each loop that
// uses it: loop renames).
// The operand stack is virtual: an entry is a constant, a reference to a
// local (local.get emits nothing until the local changes), a virtual
// register, or a pending comparison (fused into a following br_if/if).
// Constants fold: both operands constant -> the result is computed at
// compile time with the very expression of opcodes.def; a constant right
// operand becomes an immediate; constant addresses and offsets fold into
// the addressing mode [membase + index + offset].
//
// Control flow. A block/if has one virtual register per result, a loop one
// per parameter; branches move their values there (a parallel move) and
// jump. At block boundaries stack entries that read locals are copied out,
// so every label sees plain registers and constants.
//
// Numeric operators: the common ones are emitted inline; every other one
// (and any operator whose CPU feature is missing) calls a helper generated
// from its opcodes.def expression. Helpers never let an exception escape:
// see jit.h for how traps travel.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "jit/codegen.h"
#include "jit/jit.h"
#include "jit/jit_internal.h"
#include "runtime/instance.h"
#include "wasm/function_decoder.h"

namespace strata::jit::emit {

using namespace asmjit;

// A virtual operand-stack entry.
struct Val {
  enum Kind : uint8_t { kConst, kReg, kLocal, kCmp };
  Kind kind = kConst;
  ValType type = ValType::I32;
  uint64_t bits = 0;
  uint64_t high = 0;  // a v128 constant's bytes 8-15 (bits: 0-7)
  uint32_t local = 0;
  x86::Gp gp;
  x86::Xmm xmm;
};

class Emitter : public NullConsumer {
 public:
  struct ControlData {
    Label label;      // end of a block/if, header of a loop
    Label elseLabel;  // if: start of the else arm
    bool elseBound = false;
    bool reached = false;    // some branch targets `label`
    std::vector<Val> merge;  // registers the label's values arrive in
    std::vector<Val> params; // if: the parameters, for the else arm
    // How many loop renames (renames_) are in effect at the label: a branch
    // here first moves the locals renamed since back (syncLocalsTo).
    size_t renameDepth = 0;
    size_t renamesBefore = 0;  // loop: renames_ before its own
  };
  using Control = ControlEntry<ControlData>;
  using Decoder = FunctionDecoder<Emitter>;

  Emitter(x86::Compiler& cc, Function* fn, bool annotate, uint32_t osrLoop)
      : cc_(cc), fn_(fn), inst_(fn->instance), annotate_(annotate), osrLoop_(osrLoop) {
    if (inst_->numMemories()) {
      mem_ = inst_->memory(0);
      // A memory64's indices are not covered by the guard region.
      mem0Is64_ = mem_->type().is64;
      guarded_ = mem_->guarded() && !mem0Is64_;
    }
  }
  void setLoopLocals(std::unordered_map<uint32_t, std::vector<uint32_t>> m) { loopLocals_ = std::move(m); }
  void setInlineBudget(size_t bytes) { inlineBudget_ = bytes; }
  void setImportPins(const ImportPins* pins) { pins_ = pins; }
  void setDecoder(Decoder* d);

  struct Annotation {
    Label label;
    uint32_t wasmOffset;
    const char* name;
  };
  std::vector<Annotation> annotations;
  Label oobExit;
  bool hasOobExit = false;

  // --- function ---
  void onFunctionStart(Control& c);

  void finish();

  // --- structured control ---
  // Dead code the decoder still reports is skipped (DeadCode, codegen.h).
  void onBlock(Control& c);
  void onLoop(Control& c);
  // Loop renames. Inside a loop, the locals it uses live in fresh virtual
  // registers, copied in at the loop's entry and back wherever control
  // leaves it. Asmjit's allocator gives a register to a virtual register
  // for its whole life or not at all; a local used all over a large
  // function competes with everything and ends up in memory, its loop copy
  // lives only in the loop and gets a register (matmul's inner loop kept
  // its counters on the stack without this).
  void renameLoopLocals();
  // With few locals each can keep a register of its own: renaming would
  // only add moves (and compile time). x86-64 has 14 general-purpose
  // registers for the allocator (and 16 xmm); some go to temporaries, the
  // memory base and the frame pointer.
  static bool wantsLoopRenames(size_t numLocals) { return numLocals > 10; }
  // The first walk (compiler.cpp): which locals each loop of a function
  // uses, by the loop's module offset (for the function and for each
  // callee inlined into it).
  static std::unordered_map<uint32_t, std::vector<uint32_t>> loopLocalsOf(const Module& module, uint32_t defined);
  // Before control goes to a label outside some loops: their locals back
  // into the registers the label expects. Undone newest first, so each
  // local ends in the register of its outermost rename past `depth`.
  void syncLocalsTo(size_t depth, bool restore, bool emit = true);
  bool needsSync(const Control& target) const { return renames_.size() != target.data.renameDepth; }
  // The OSR entry: the frame's locals into their registers. Only at a
  // loop entered with an empty operand stack (OSR is offered nowhere
  // else), so the locals are the whole state.
  void bindOsrEntry(const Control& c);
  static constexpr uint32_t kNoLoop = UINT32_MAX;
  bool isOsr() const { return osrLoop_ != kNoLoop; }
  void onIf(Control& c);
  void onElse(Control& c, bool thenFallsThrough);
  void onEnd(Control& c, bool fallsThrough);

  void onBr(Control& target);
  void onBrIf(Control& target);
  void onBrTable(const std::vector<Control*>& targets, Control& def);
  struct Range {
    uint32_t lo, hi;
    Control* target;
  };
  // A binary search over sorted index ranges, each jumping to
  // labelOf(range); the index is known to be below the last range's end.
  template <class LabelOf>
  void searchRanges(x86::Gp idx, const std::vector<Range>& r, size_t l, size_t h, LabelOf& labelOf) {
    if (h - l <= 3) {
      for (size_t i = l; i + 1 < h; ++i) {
        cc_.cmp(idx, imm(r[i].hi));
        cc_.jbe(labelOf(r[i]));
      }
      cc_.jmp(labelOf(r[h - 1]));
      return;
    }
    size_t m = (l + h) / 2;
    Label right = cc_.newLabel();
    cc_.cmp(idx, imm(r[m].lo));
    cc_.jae(right);
    searchRanges(idx, r, l, m, labelOf);
    cc_.bind(right);
    searchRanges(idx, r, m, h, labelOf);
  }
  void onReturn();
  void onUnreachable();
  // At every loop header, as at the entry: the stack check, which an
  // interrupt request makes fail (JitContext::realStackLimit).
  void checkInterrupt();
  // Fuel metering: a unit of the env's fuel per function entry (inlined
  // ones too) and loop iteration, as in the other tiers.
  void chargeFuel();

  // --- calls ---
  void onCall(uint32_t funcIndex);
  // Inlining: a call of a small function that calls no other function (it
  // may call itself), or of the function itself, is compiled in place (a
  // nested decoder walk of the callee with this emitter: its locals become
  // registers, its returns jumps to the end of the inlined body). No
  // frame, no status check, and the register allocator sees through the
  // call; the callee's own calls are calls like the caller's, on the same
  // frame pointer. False if it is not inlined.
  //
  // Across an import slot the callee is the function the slot held when
  // the compile was asked for (pins_), walked with its own instance's
  // globals, tables and memories (inst_). A slot can be re-pointed (hot
  // replacement, patchImports), so the inlined body runs only while the
  // slot still holds that function, compared by Function::uid (an address
  // can be reused); otherwise the call is made as a call.
  bool inlineCall(uint32_t funcIndex);
  static constexpr size_t kInlineMaxBytes = 500;  // callee body, in wasm bytes
  void onCallIndirect(uint32_t typeIndex, uint32_t table);
  void onCallRef(uint32_t typeIndex);
  void onBrOnNull(Control& target);
  void onBrOnNonNull(Control& target);
  void onRefAsNonNull();
  // Not compiled: jit/tiering.cpp leaves functions with tail calls to the
  // interpreter (FunctionDecl::usesTailCalls).
  // Tail calls: the arguments to this frame, the callee to the context,
  // and return kTailCall (see jit/jit.h).
  void onReturnCall(uint32_t funcIndex);
  void onReturnCallIndirect(uint32_t typeIndex, uint32_t table);
  void onReturnCallRef(uint32_t typeIndex);
  // Nor exception handling (FunctionDecl::usesExceptions).
  template <class C>
  void onTryTable(C&, const std::vector<CatchClause>&, const std::vector<C*>&) {
    throw std::runtime_error("try_table is not compiled");
  }
  void onThrow(uint32_t) { throw std::runtime_error("throw is not compiled"); }
  void onThrowRef() { throw std::runtime_error("throw_ref is not compiled"); }
  template <class C>
  void onTry(C&) {
    throw std::runtime_error("try is not compiled");
  }

  // --- parametric ---
  void onDrop();
  void onSelect(ValType t);

  // --- variables ---
  void onLocalGet(uint32_t i);
  void pushLocal(uint32_t i);
  void onLocalSet(uint32_t i);
  void onLocalTee(uint32_t i);
  void onGlobalGet(uint32_t i);
  void onGlobalSet(uint32_t i);

  // --- tables and references ---
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

  // --- memory ---
  void onLoad(Op op, MemArg m);
  void onStore(Op op, MemArg m);
  void onMemorySize(uint32_t memory);
  void onMemoryGrow(uint32_t memory);
  void onMemoryInit(uint32_t seg, uint32_t memory);
  void onDataDrop(uint32_t seg);
  void onMemoryCopy(uint32_t dstMemory, uint32_t srcMemory);
  void onMemoryFill(uint32_t memory);

  // --- numeric ---
  void onConst(ValType t, uint64_t bits);
  void onUnary(Op op);
  void onBinary(Op op);
  void onSimd(Op op, const SimdImmediate& si);  // emit_simd.cpp

 private:
  // --- virtual stack ---
  // i32 (and f32 bits) live in 32-bit virtual registers, written only by
  // 32-bit instructions: their upper halves are zero, and spill slots are
  // written and read at one width (no store-forwarding stalls).
  x86::Gp newGp(ValType t) { return t == ValType::I32 || t == ValType::F32 ? cc_.newGpd() : cc_.newGpq(); }
  Val newReg(ValType t);
  static Val constVal(ValType t, uint64_t bits);
  Val pop();
  void pushGp(ValType t, x86::Gp g);
  const Val& resolve(const Val& v) const { return v.kind == Val::kLocal ? locals_[v.local] : v; }
  // The value in a general-purpose register (64-bit view; i32 values have
  // their upper half zero).
  x86::Gp gpOf(const Val& v0);
  x86::Xmm xmmOf(const Val& v0);
  // dst (a register value) = src.
  void moveInto(const Val& dst, const Val& src0);
  static Val regVal(ValType t, x86::Gp g);
  // The local that the next instruction (a local.set/tee) stores this
  // instruction's result to, if writing it now is safe: `laterReads` are
  // operands read after the destination is first written.
  int64_t retarget(ValType t, std::initializer_list<Val> laterReads);
  // Where an instruction computing from `first` should put its result: the
  // local the next instruction stores it to, `first` itself if it is a
  // temporary (computed in place), or a fresh register. *out is what to push.
  x86::Gp destination(ValType t, const Val& first, std::initializer_list<Val> laterReads, Val* out);
  x86::Xmm floatDestination(ValType t, const Val& first, std::initializer_list<Val> laterReads, Val* out);
  // A float constant in the function's constant pool.
  x86::Mem constant(const Val& v);
  // --- SIMD (emit_simd.cpp) ---
  struct SimdPool;
  Val constV128(const uint8_t bytes[16]);
  // Where a v128 result computed from `first` goes (see floatDestination),
  // with `first` already there.
  x86::Xmm simdDestination(const Val& first, std::initializer_list<Val> laterReads, Val* out);
  bool simdInline(Op op, const SimdImmediate& si);
  void simdCall(Op op, const SimdImmediate& si);
  x86::Gp checkedAddress(const Val& addr, uint64_t offset, uint32_t size, uint32_t memory);
  Val copyOf(const Val& v);
  void loadSlot(const Val& r, x86::Mem m);
  void storeSlot(const Val& v0, x86::Mem m);
  // Entries reading a local become registers of their own (before the
  // local changes, and at block boundaries).
  void materializeLocals(int64_t onlyLocal = -1);
  void setLocal(uint32_t i, const Val& v);
  // Moves the top values into `dst` registers (a parallel move: a source
  // may be one of the destinations, as with loop parameters).
  void moveTo(const std::vector<Val>& dst);
  void markFunctionReached() { functionReached_ = true; }
  void branchTo(Control& target);
  // Branches to target if `cond` holds (the flags are set).
  void branchIf(const Cond& cond, Control& target);

  // --- conditions ---
  struct Pending {
    Op op = Op::I32Eq;
    Val a, b;
    bool negate = false;
  } pending_;
  void setPending(Op op, const Val& a, const Val& b);
  // Every callback starts here: annotation, and a pending comparison that
  // the callback does not consume becomes a 0/1 value.
  bool pre(bool consumesCondition = false);
  // The pending comparison (on top) as a 0/1 value.
  void materializePending();
  // Pops a branch condition: the pending comparison, or value != 0.
  Cond popCondition();
  // Emits the pending comparison's cmp/ucomis; returns the condition.
  Cond emitCompare();

  // --- traps ---
  Label trapLabel(uint32_t code);
  void checkStatus();

  // --- helper calls ---
  Operand ptrImm(const void* p) { return imm(uint64_t(uintptr_t(p))); }
  Operand u64Imm(uint64_t v) { return imm(v); }
  x86::Gp callHelper(void* fn, std::initializer_list<Operand> args0, bool mayTrap);
  void refreshMemory() { callHelper((void*)&jitRefreshMemory, {ctx_, ptrImm(mem_)}, false); }

  // Arguments go to fp[0..params): the callee's frame starts at our fp.
  void storeArgs(const FuncType& ft);
  void emitCall(const FuncType& ft, x86::Gp callee, bool mayTailCall);
  void finishCall(const FuncType& ft, InvokeNode* node, bool mayTailCall);

  // --- memory ---
  // The guarded memory's base (it never moves), loaded once in the
  // prologue when the function first needs it.
  x86::Gp base();
  // [membase + index + offset] of `memory`; with an unguarded memory 0, a
  // bounds check first against the context's copy of its size. Other
  // memories and memory64s are always bounds-checked, against the Memory
  // object (objectCheckedAddress), as in the baseline compiler.
  x86::Mem address(const Val& addr0, uint64_t offset, uint32_t size, uint32_t memory);
  x86::Mem objectCheckedAddress(const Val& addr0, uint64_t offset, uint32_t size, uint32_t memory);
  // Memory 0 with i32 indices takes address()'s fast paths.
  bool isFastMemory(uint32_t memory) const { return memory == 0 && !mem0Is64_ && !foreignMemory_; }

  // --- numeric operators ---
  // Generic: call the opcodes.def helper with the operands' bits.
  void emitHelper(Op op, int inputs);
  x86::Gp bitsOf(const Val& v0);
  // Moves float bits to a general register through a stack slot. A direct
  // movd/movq is what we want, but this asmjit's register allocator, when it
  // has spilled the xmm source, rewrites the source to the spill slot and
  // the encoder then picks the MMX form (`movq mm0, [rsp+8]`): the gp
  // destination is never written. Float-to-bits moves are rare enough in
  // hot code that the extra store and load do not matter.
  void xmmToGp(x86::Gp g, x86::Xmm x, bool is32);
  void pushBits(ValType t, x86::Gp g);

  bool emitUnary(Op op);
  bool emitBinary(Op op);
  void emitDivision(Op op, bool wide);
  void emitDivisionByConstant(const Val& a, uint64_t d, bool wide, bool isSigned, bool isRem);

  x86::Compiler& cc_;
  Function* fn_;
  // The instance whose code is being walked: fn_'s, or an inlined
  // callee's (inlineCall).
  Instance* inst_;
  const ImportPins* pins_ = nullptr;
  // While an inlined callee whose memory 0 is not fn_'s is walked:
  // address()'s fast paths serve only fn_'s memory 0.
  bool foreignMemory_ = false;
  bool foreignModule_ = false;  // the inlined callee's module is not fn_'s (no loop renames: offsets differ)
  bool annotate_;
  uint32_t osrLoop_;  // OSR entry at this loop (module offset), or kNoLoop
  Label osrLabel_;
  bool osrBound_ = false;
  Decoder* d_ = nullptr;
  Memory* mem_ = nullptr;
  bool guarded_ = false;
  bool mem0Is64_ = false;
  const CpuSupport& cpu_ = CpuSupport::host();
  x86::Gp ctx_, fp_, memBase_;
  FuncNode* funcNode_ = nullptr;
  BaseNode* prologueEnd_ = nullptr;
  std::vector<Val> locals_;
  // Loop renames in effect, outermost first: local, and its register
  // outside the loop.
  struct Rename {
    uint32_t local;
    Val outer;
  };
  std::vector<Rename> renames_;
  // The locals each loop uses (keyed by the loop's module offset), from a
  // walk before this one (LoopLocals).
  std::unordered_map<uint32_t, std::vector<uint32_t>> loopLocals_;
  std::vector<Val> stack_;
  std::vector<Val> fnMerge_;
  Label fnLabel_;
  bool functionReached_ = false;
  // While an inlined callee is walked: its operand stack starts at
  // stackBase_ of stack_ (the decoder's heights are the callee's).
  int inlineDepth_ = 0;
  uint32_t stackBase_ = 0;
  bool inlineReached_ = false;
  // Bytes of wasm inlined so far, and the most this function may inline
  // (set by the compile driver: the register allocator's cost grows faster
  // than the function).
  size_t inlinedBytes_ = 0;
  size_t inlineBudget_ = 0;
  std::unordered_map<const Function*, bool> callsOthers_;  // callee -> calls other functions
  // The failure exits (out of line: the normal paths fall through), one
  // set per function whose code fails there, so that a trap's trace lists
  // an inlined callee before this function: this function (key null) or a
  // callee inlined into it. Each exit records the frames and returns the
  // status: a trap code, a failed helper's ctx->status, or the nonzero
  // status of a call (a trap or exit unwinding), in calleeStatus_.
  struct Exits {
    bool trapUsed[kNumTrapCodes] = {};
    Label trap[kNumTrapCodes];
    bool statusUsed = false;
    Label status;
    bool calleeFailedUsed = false;
    Label calleeFailed;
  };
  std::map<const Function*, Exits> exits_;
  const Function* inlinedFn_ = nullptr;  // the callee being inlined, if any
  Exits& exits() { return exits_[inlinedFn_]; }
  x86::Gp calleeStatus_;
  // A call site's way out when the status is not 0: a tail call of the
  // callee is made there, on the same frame; anything else fails.
  struct CallSite {
    Label stub, resume, failed;
  };
  std::vector<CallSite> callSites_;
  void finishTailCall(x86::Gp callee);
  // Calls `callee` on this frame (its entry, or the bridge), from `caller`
  // (an instance pointer, immediate or register): the status is the
  // node's return value.
  InvokeNode* invokeCallee(x86::Gp callee, const Operand& caller);
  x86::Gp directCallee(uint32_t funcIndex);
  DeadCode dead_;
  std::map<std::pair<uint64_t, bool>, Label> constants_;
  std::map<std::pair<uint64_t, uint64_t>, Label> constants128_;  // v128, 16-byte aligned
  std::vector<uint32_t> localOffset_;  // each local's frame slot (OSR entries, parameters)
  // br_table: with this many targets or more, a jump table (emitted after
  // the function, with the constants) instead of a binary search.
  static constexpr uint32_t kJumpTableMin = 4;
  struct JumpTable {
    Label label;
    std::vector<Label> entries;  // one per index, then the default
  };
  std::vector<JumpTable> jumpTables_;

 public:
  // After finalize(): a jump-table entry that lands on a plain jmp (a
  // target's stub with no value moves to make: the register allocator needs
  // the stub, the jump does not) is redirected to where that jmp goes, so a
  // dispatch costs one indirect jump instead of two jumps.
  void threadJumpTables(CodeHolder& code) const;

 private:
  uint32_t bodyEnd_ = 0;
};

}  // namespace strata::jit::emit
