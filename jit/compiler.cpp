// The JIT compiler: a consumer of the shared validating decoder walk
// (wasm/function_decoder.h) that emits x86-64 through asmjit's
// x86::Compiler, whose register allocator maps our virtual registers to
// machine registers.
//
// Values. Every wasm local is one virtual register for the whole function.
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
#include <asmjit/x86.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <unordered_map>

#include "jit/jit.h"
#include "jit/jit_internal.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "wasm/function_decoder.h"
#include "wasm/numeric.h"

namespace strata::jit {

using namespace asmjit;

namespace {

// --- generic helpers generated from opcodes.def ------------------------------

#define CT_I32 uint32_t
#define CT_I64 uint64_t
#define CT_F32 float
#define CT_F64 double

template <class T>
inline T fromBits(uint64_t v) {
  if constexpr (sizeof(T) == 4) {
    return num::bitcast<T>(uint32_t(v));
  } else {
    return num::bitcast<T>(v);
  }
}
template <class T>
inline uint64_t toBits(T v) {
  if constexpr (sizeof(T) == 4) {
    return num::bitcast<uint32_t>(v);
  } else {
    return num::bitcast<uint64_t>(v);
  }
}

// uint64_t helper(a, b, ctx): a and b are the operands' bits; the result's
// bits come back zero-extended. Traps set ctx->status.
#define STRATA_JIT_UNARY_HELPER(Name, enc, text, Res, Opd, expr)           \
  uint64_t h_##Name(uint64_t a_, uint64_t, JitContext* ctx) {              \
    try {                                                                  \
      CT_##Opd a = fromBits<CT_##Opd>(a_);                                 \
      return toBits<CT_##Res>(CT_##Res(expr));                             \
    } catch (...) {                                                        \
      setPendingFromCurrent(ctx);                                          \
      return 0;                                                            \
    }                                                                      \
  }
#define STRATA_JIT_BINARY_HELPER(Name, enc, text, Res, Opd, expr)          \
  uint64_t h_##Name(uint64_t a_, uint64_t b_, JitContext* ctx) {           \
    try {                                                                  \
      CT_##Opd a = fromBits<CT_##Opd>(a_);                                 \
      CT_##Opd b = fromBits<CT_##Opd>(b_);                                 \
      return toBits<CT_##Res>(CT_##Res(expr));                             \
    } catch (...) {                                                        \
      setPendingFromCurrent(ctx);                                          \
      return 0;                                                            \
    }                                                                      \
  }
STRATA_UNARY_OPS(STRATA_JIT_UNARY_HELPER)
STRATA_BINARY_OPS(STRATA_JIT_BINARY_HELPER)
#undef STRATA_JIT_UNARY_HELPER
#undef STRATA_JIT_BINARY_HELPER

using NumericHelper = uint64_t (*)(uint64_t, uint64_t, JitContext*);

NumericHelper numericHelper(Op op) {
  switch (op) {
#define STRATA_CASE(Name, ...) \
  case Op::Name:               \
    return &h_##Name;
    STRATA_UNARY_OPS(STRATA_CASE)
    STRATA_BINARY_OPS(STRATA_CASE)
#undef STRATA_CASE
    default:
      return nullptr;
  }
}

// Operators whose helper can trap (the checked float->int truncations);
// division is inline.
bool helperMayTrap(Op op) {
  switch (op) {
    case Op::I32TruncF32S: case Op::I32TruncF32U: case Op::I32TruncF64S: case Op::I32TruncF64U:
    case Op::I64TruncF32S: case Op::I64TruncF32U: case Op::I64TruncF64S: case Op::I64TruncF64U:
    case Op::I32DivS: case Op::I32DivU: case Op::I32RemS: case Op::I32RemU:
    case Op::I64DivS: case Op::I64DivU: case Op::I64RemS: case Op::I64RemU:
      return true;
    default:
      return false;
  }
}

// Compile-time evaluation with the same expression; false if it traps.
bool fold(Op op, uint64_t a, uint64_t b, uint64_t* out) {
  NumericHelper h = numericHelper(op);
  if (!h) return false;
  JitContext scratch;
  uint64_t r = h(a, b, &scratch);
  if (scratch.status) {
    pendingException() = nullptr;
    return false;
  }
  *out = r;
  return true;
}

bool isFloat(ValType t) { return t == ValType::F32 || t == ValType::F64; }
bool is64(ValType t) { return t == ValType::I64 || t == ValType::F64 || isRefType(t); }

struct Unsupported {
  std::string what;
};

class ErrorRecorder : public ErrorHandler {
 public:
  Error error = kErrorOk;
  std::string message;
  void handleError(Error err, const char* msg, BaseEmitter*) override {
    if (error == kErrorOk) {
      error = err;
      message = msg;
    }
  }
};

// A virtual operand-stack entry.
struct Val {
  enum Kind : uint8_t { kConst, kReg, kLocal, kCmp };
  Kind kind = kConst;
  ValType type = ValType::I32;
  uint64_t bits = 0;
  uint32_t local = 0;
  x86::Gp gp;
  x86::Xmm xmm;
};

// A condition as x86 flags: cc, plus the parity twist of float (in)equality.
struct Cond {
  x86::CondCode cc = x86::CondCode::kNE;
  int parity = 0;  // 0 none; 1: true iff cc && !PF (feq); 2: true iff cc || PF (fne)
  Cond negated() const {
    Cond n;
    n.cc = x86::negateCond(cc);
    n.parity = parity == 1 ? 2 : parity == 2 ? 1 : 0;
    return n;
  }
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
      : cc_(cc), fn_(fn), inst_(*fn->instance), annotate_(annotate), osrLoop_(osrLoop) {
    const CpuInfo& cpu = CpuInfo::host();
    hasLzcnt_ = cpu.hasFeature(CpuFeatures::X86::kLZCNT);
    hasBmi_ = cpu.hasFeature(CpuFeatures::X86::kBMI);
    hasPopcnt_ = cpu.hasFeature(CpuFeatures::X86::kPOPCNT);
    hasSse41_ = cpu.hasFeature(CpuFeatures::X86::kSSE4_1);
    if (inst_.numMemories()) {
      mem_ = inst_.memory(0);
      guarded_ = mem_->guarded();
    }
  }
  void setLoopLocals(std::unordered_map<uint32_t, std::vector<uint32_t>> m) { loopLocals_ = std::move(m); }
  void setDecoder(Decoder* d) {
    d_ = d;
    bodyEnd_ = d->module().functions[fn_->index - d->module().numImportedFuncs].bodyEnd;
  }

  struct Annotation {
    Label label;
    uint32_t wasmOffset;
    const char* name;
  };
  std::vector<Annotation> annotations;
  Label oobExit;
  bool hasOobExit = false;

  // --- function ---
  void onFunctionStart(Control& c) {
    const FuncType& ft = d_->functionType();
    FuncNode* f = cc_.addFunc(FuncSignatureT<uint64_t, void*, void*, void*, void*>(CallConvId::kHost));
    funcNode_ = f;
    ctx_ = cc_.newGpq("ctx");
    fp_ = cc_.newGpq("fp");
    f->setArg(0, ctx_);
    f->setArg(1, fp_);
    // Native and value stack limits: "call stack exhausted".
    cc_.cmp(x86::rsp, x86::qword_ptr(ctx_, offsetof(JitContext, stackLimit)));
    cc_.jb(trapLabel(kStackExhausted));
    if (mem_ && guarded_) {
      // The guard-region fault handler resumes at oobExit. Asmjit's register
      // allocator drops blocks nothing jumps to, so give the exit a jump
      // that is never taken: cmp of two user-space addresses cannot
      // overflow.
      hasOobExit = true;
      oobExit = trapLabel(kOutOfBoundsMemory);
      cc_.jo(oobExit);
    }
    uint32_t need = uint32_t(std::max(ft.params.size(), ft.results.size()));
    if (need) {
      x86::Gp t = cc_.newGpq("top");
      cc_.lea(t, x86::ptr(fp_, int32_t(need * 8)));
      cc_.cmp(t, x86::qword_ptr(ctx_, offsetof(JitContext, slotLimit)));
      cc_.ja(trapLabel(kStackExhausted));
    }
    uint32_t n = d_->numLocals();
    locals_.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      ValType t = d_->localType(i);
      locals_[i] = newReg(t);
      if (isOsr()) {
        continue;  // loaded at the OSR loop's header
      } else if (i < ft.params.size()) {
        loadSlot(locals_[i], x86::qword_ptr(fp_, int32_t(i * 8)));
      } else if (isFloat(t)) {
        cc_.xorps(locals_[i].xmm, locals_[i].xmm);
      } else {
        cc_.xor_(locals_[i].gp.r32(), locals_[i].gp.r32());
      }
    }
    if (mem_ && !guarded_) refreshMemory();
    // The memory base register is set up here on first use (see base()).
    prologueEnd_ = cc_.cursor();
    if (isOsr()) {
      // Straight to the loop header; the code before it is unreachable
      // (asmjit's register allocator drops it) unless an outer loop's
      // back edge leads there.
      osrLabel_ = cc_.newLabel();
      cc_.jmp(osrLabel_);
    }
    fnLabel_ = cc_.newLabel();
    for (ValType t : ft.results) fnMerge_.push_back(newReg(t));
    c.data.label = fnLabel_;
    c.data.merge = fnMerge_;
  }

  void finish() {
    if (isOsr() && !osrBound_) throw Unsupported{"OSR loop not found in reachable code"};
    // Trap exits: return the code.
    for (uint32_t k = 0; k < kNumTrapCodes; ++k) {
      if (!trapUsed_[k]) continue;
      cc_.bind(trapLabels_[k]);
      x86::Gp st = cc_.newGpq();
      cc_.mov(st.r32(), imm(k));
      cc_.ret(st);
    }
    if (statusUsed_) {
      cc_.bind(statusExit_);
      x86::Gp st = cc_.newGpq();
      cc_.mov(st, x86::qword_ptr(ctx_, offsetof(JitContext, status)));
      cc_.ret(st);
    }
    cc_.endFunc();
    for (auto& [key, label] : constants_) {
      cc_.align(AlignMode::kData, 8);
      cc_.bind(label);
      if (key.second)
        cc_.embedUInt32(uint32_t(key.first));
      else
        cc_.embedUInt64(key.first);
    }
  }

  // --- structured control ---
  // Dead code: after br/br_table/return/unreachable, or after the end of a
  // block nothing reaches, the decoder may still report instructions (it
  // tracks reachability per block for validation). Everything up to the
  // enclosing live block's else/end is skipped; deadDepth_ counts blocks
  // opened in dead code.
  void onBlock(Control& c) {
    if (dead_) {
      ++deadDepth_;
      return;
    }
    pre();
    materializeLocals();
    c.data.label = cc_.newLabel();
    c.data.renameDepth = renames_.size();
    for (uint32_t i = 0; i < c.sig.numResults(); ++i) c.data.merge.push_back(newReg(c.sig.result(i)));
  }
  void onLoop(Control& c) {
    if (dead_) {
      ++deadDepth_;
      return;
    }
    pre();
    materializeLocals();
    c.data.label = cc_.newLabel();
    uint32_t n = c.sig.numParams();
    for (uint32_t i = 0; i < n; ++i) c.data.merge.push_back(newReg(c.sig.param(i)));
    moveTo(c.data.merge);
    for (uint32_t i = 0; i < n; ++i) stack_[stack_.size() - n + i] = c.data.merge[i];
    c.data.renamesBefore = renames_.size();
    renameLoopLocals();
    c.data.renameDepth = renames_.size();
    if (isOsr() && d_->opOffset() == osrLoop_) bindOsrEntry(c);
    cc_.bind(c.data.label);
  }
  // Inside a loop, the locals it uses live in fresh virtual registers,
  // copied in at the loop's entry and back wherever control leaves it.
  // Asmjit's allocator gives a register to a virtual register for its
  // whole life or not at all; a local used all over a large function
  // competes with everything and ends up in memory, its loop copy lives
  // only in the loop and gets a register (matmul's inner loop kept its
  // counters on the stack without this).
  // With few locals each can keep a register of its own: renaming would
  // only add moves (and compile time). x86-64 has 14 general-purpose
  // registers for the allocator (and 16 xmm); some go to temporaries, the
  // memory base and the frame pointer.
  static bool wantsLoopRenames(size_t numLocals) { return numLocals > 10; }
  void renameLoopLocals() {
    if (!wantsLoopRenames(locals_.size())) return;
    auto it = loopLocals_.find(uint32_t(d_->opOffset()));
    if (it == loopLocals_.end()) return;
    for (uint32_t i : it->second) {
      Val inner = newReg(locals_[i].type);
      moveInto(inner, locals_[i]);
      renames_.push_back({i, locals_[i]});
      locals_[i] = inner;
    }
  }
  // Before control goes to a label outside some loops: their locals back
  // into the registers the label expects. Undone newest first, so each
  // local ends in the register of its outermost rename past `depth`.
  void syncLocalsTo(size_t depth, bool restore, bool emit = true) {
    for (size_t k = renames_.size(); k-- > depth;) {
      const Rename& r = renames_[k];
      if (emit) moveInto(r.outer, locals_[r.local]);
      if (restore) locals_[r.local] = r.outer;
    }
    if (restore) renames_.resize(depth);
  }
  bool needsSync(const Control& target) const { return renames_.size() != target.data.renameDepth; }
  // The OSR entry: the interpreter frame's locals into their registers.
  // Only at a loop entered with an empty operand stack (the interpreter
  // offers OSR nowhere else), so the locals are the whole state.
  void bindOsrEntry(const Control& c) {
    if (!stack_.empty()) throw Unsupported{"OSR at a loop with values on the operand stack"};
    cc_.jmp(c.data.label);
    cc_.bind(osrLabel_);
    for (uint32_t i = 0; i < locals_.size(); ++i) loadSlot(locals_[i], x86::qword_ptr(fp_, int32_t(i * 8)));
    osrBound_ = true;
  }
  bool isOsr() const { return osrLoop_ != UINT32_MAX; }
  void onIf(Control& c) {
    if (dead_) {
      ++deadDepth_;
      return;
    }
    pre(true);
    Cond cond = popCondition();
    materializeLocals();
    c.data.label = cc_.newLabel();
    c.data.elseLabel = cc_.newLabel();
    c.data.renameDepth = renames_.size();
    for (uint32_t i = 0; i < c.sig.numResults(); ++i) c.data.merge.push_back(newReg(c.sig.result(i)));
    uint32_t n = c.sig.numParams();
    c.data.params.assign(stack_.end() - n, stack_.end());
    branchIf(cond.negated(), c.data.elseLabel);
  }
  void onElse(Control& c, bool thenFallsThrough) {
    if (dead_ && deadDepth_) return;
    thenFallsThrough = thenFallsThrough && !dead_;
    dead_ = false;
    pre();
    if (thenFallsThrough) {
      moveTo(c.data.merge);
      cc_.jmp(c.data.label);
      c.data.reached = true;
    }
    cc_.bind(c.data.elseLabel);
    c.data.elseBound = true;
    stack_.resize(c.height);
    stack_.insert(stack_.end(), c.data.params.begin(), c.data.params.end());
  }
  void onEnd(Control& c, bool fallsThrough) {
    if (dead_ && deadDepth_) {
      --deadDepth_;
      return;
    }
    fallsThrough = fallsThrough && !dead_;
    dead_ = false;
    pre();
    if (c.kind == Op::Loop) {
      // Leaving the loop by its end: its locals back where the code
      // after it expects them.
      syncLocalsTo(c.data.renamesBefore, /*restore=*/true, /*emit=*/fallsThrough);
      uint32_t n = c.sig.numResults();
      if (!fallsThrough) {
        stack_.resize(c.height);
        for (uint32_t i = 0; i < n; ++i) stack_.push_back(constVal(c.sig.result(i), 0));
        dead_ = true;
      } else {
        std::vector<Val> top(stack_.end() - n, stack_.end());
        stack_.resize(c.height);
        stack_.insert(stack_.end(), top.begin(), top.end());
      }
      return;
    }
    if (fallsThrough) {
      moveTo(c.data.merge);
      c.data.reached = true;
    }
    if (c.kind == Op::If && !c.data.elseBound) {
      // The missing else arm passes the parameters through.
      if (fallsThrough) cc_.jmp(c.data.label);
      cc_.bind(c.data.elseLabel);
      stack_.resize(c.height);
      stack_.insert(stack_.end(), c.data.params.begin(), c.data.params.end());
      moveTo(c.data.merge);
      c.data.reached = true;
    }
    cc_.bind(c.data.label);
    stack_.resize(c.height);
    if (c.kind == Op::End) {
      if (c.data.reached || functionReached_) {
        for (size_t i = 0; i < fnMerge_.size(); ++i) storeSlot(fnMerge_[i], x86::qword_ptr(fp_, int32_t(i * 8)));
        x86::Gp st = cc_.newGpq();
        cc_.xor_(st.r32(), st.r32());
        cc_.ret(st);
      }
      return;
    }
    for (uint32_t i = 0; i < c.sig.numResults(); ++i)
      stack_.push_back(c.data.reached ? c.data.merge[i] : constVal(c.sig.result(i), 0));
    if (!c.data.reached) dead_ = true;
  }

  void onBr(Control& target) {
    if (!pre()) return;
    branchTo(target);
    dead_ = true;
  }
  void onBrIf(Control& target) {
    if (!pre(true)) return;
    Cond cond = popCondition();
    if (target.data.merge.empty() && target.labelArity() == 0 && !needsSync(target)) {
      target.data.reached |= !target.isLoop();
      branchIf(cond, target.data.label);
    } else {
      Label skip = cc_.newLabel();
      branchIf(cond.negated(), skip);
      branchTo(target);
      cc_.bind(skip);
    }
  }
  void onBrTable(const std::vector<Control*>& targets, Control& def) {
    if (!pre()) return;
    Val index = pop();
    if (index.kind == Val::kConst) {
      uint32_t i = uint32_t(index.bits);
      branchTo(i < targets.size() ? *targets[i] : def);
      dead_ = true;
      return;
    }
    x86::Gp idx = gpOf(index);
    // One stub per distinct target: its value moves, then the jump.
    std::unordered_map<Control*, Label> stubs;
    std::vector<Control*> order;
    auto stubFor = [&](Control* t) {
      auto it = stubs.find(t);
      if (it != stubs.end()) return it->second;
      Label l = cc_.newLabel();
      stubs.emplace(t, l);
      order.push_back(t);
      return l;
    };
    // Runs of equal targets, then a binary search over them (asmjit's
    // register allocator cannot be trusted with indirect jumps through a
    // table: it asserts on some jump annotations).
    uint32_t count = uint32_t(targets.size());
    std::vector<Range> ranges;
    for (uint32_t i = 0; i < count; ++i) {
      if (!ranges.empty() && ranges.back().target == targets[i])
        ranges.back().hi = i;
      else
        ranges.push_back({i, i, targets[i]});
    }
    x86::Gp i32 = idx.r32();
    if (ranges.empty()) {
      cc_.jmp(stubFor(&def));
    } else {
      cc_.cmp(i32, imm(count));
      cc_.jae(stubFor(&def));
      searchRanges(i32, ranges, 0, ranges.size(), stubFor);
    }
    for (Control* t : order) {
      cc_.bind(stubs[t]);
      branchTo(*t);
    }
    dead_ = true;
  }
  struct Range {
    uint32_t lo, hi;
    Control* target;
  };
  template <class StubFor>
  void searchRanges(x86::Gp idx, const std::vector<Range>& r, size_t l, size_t h, StubFor& stubFor) {
    if (h - l <= 3) {
      for (size_t i = l; i + 1 < h; ++i) {
        cc_.cmp(idx, imm(r[i].hi));
        cc_.jbe(stubFor(r[i].target));
      }
      cc_.jmp(stubFor(r[h - 1].target));
      return;
    }
    size_t m = (l + h) / 2;
    Label right = cc_.newLabel();
    cc_.cmp(idx, imm(r[m].lo));
    cc_.jae(right);
    searchRanges(idx, r, l, m, stubFor);
    cc_.bind(right);
    searchRanges(idx, r, m, h, stubFor);
  }
  void onReturn() {
    if (!pre()) return;
    moveTo(fnMerge_);
    cc_.jmp(fnLabel_);
    markFunctionReached();
    dead_ = true;
  }
  void onUnreachable() {
    if (!pre()) return;
    cc_.jmp(trapLabel(kUnreachable));
    dead_ = true;
  }

  // --- calls ---
  void onCall(uint32_t funcIndex) {
    if (!pre()) return;
    const Module& m = d_->module();
    const FuncType& ft = m.funcType(funcIndex);
    storeArgs(ft);
    if (inst_.function(funcIndex) == fn_ && !isOsr()) {
      // Self-recursion: a direct call, no entry lookup. (Not from an OSR
      // entry, whose own entry point is the loop header.)
      InvokeNode* node;
      cc_.invoke(&node, funcNode_->label(), FuncSignatureT<uint64_t, void*, void*>(CallConvId::kHost));
      node->setArg(0, ctx_);
      node->setArg(1, fp_);
      finishCall(ft, node);
      return;
    }
    x86::Gp callee = cc_.newGpq("callee");
    if (funcIndex < m.numImportedFuncs) {
      cc_.mov(callee, imm(uint64_t(uintptr_t(&inst_.importSlot(funcIndex)))));
      cc_.mov(callee, x86::qword_ptr(callee));
    } else {
      cc_.mov(callee, imm(uint64_t(uintptr_t(inst_.function(funcIndex)))));
    }
    emitCall(ft, callee);
  }
  void onCallIndirect(uint32_t typeIndex, uint32_t table) {
    if (!pre()) return;
    const FuncType& ft = d_->module().types[typeIndex];
    Val index = pop();
    x86::Gp idx = gpOf(index);
    storeArgs(ft);
    x86::Gp callee = callHelper((void*)&jitResolveIndirect,
                                {ctx_, ptrImm(inst_.table(table)), idx, u64Imm(canonicalSignatureId(ft))}, true);
    emitCall(ft, callee);
  }

  // --- parametric ---
  void onDrop() {
    if (!pre()) return;
    stack_.pop_back();
  }
  void onSelect(ValType t) {
    if (!pre()) return;
    Val cond = pop();
    Val b = pop();
    Val a = pop();
    if (cond.kind == Val::kConst) {
      stack_.push_back(cond.bits & 0xffffffffu ? a : b);
      return;
    }
    x86::Gp c = gpOf(cond);
    Val r = copyOf(a);
    if (isFloat(r.type)) {
      Label skip = cc_.newLabel();
      cc_.test(c.r32(), c.r32());
      cc_.jnz(skip);
      moveInto(r, b);
      cc_.bind(skip);
    } else {
      x86::Gp bg = gpOf(b);
      cc_.test(c.r32(), c.r32());
      if (r.gp.size() == 4)
        cc_.cmovz(r.gp, bg.r32());
      else
        cc_.cmovz(r.gp, bg.r64());
    }
    stack_.push_back(r);
  }

  // --- variables ---
  void onLocalGet(uint32_t i) {
    if (!pre()) return;
    pushLocal(i);
  }
  void pushLocal(uint32_t i) {
    Val v;
    v.kind = Val::kLocal;
    v.local = i;
    v.type = locals_[i].type;
    stack_.push_back(v);
  }
  void onLocalSet(uint32_t i) {
    if (!pre()) return;
    Val v = pop();
    setLocal(i, v);
  }
  void onLocalTee(uint32_t i) {
    if (!pre()) return;
    Val v = pop();
    setLocal(i, v);
    if (v.kind == Val::kConst) {
      stack_.push_back(v);
    } else {
      pushLocal(i);
    }
  }
  void onGlobalGet(uint32_t i) {
    if (!pre()) return;
    GlobalCell* cell = inst_.global(i);
    Val r = newReg(cell->type.type);
    x86::Gp p = cc_.newGpq();
    cc_.mov(p, imm(uint64_t(uintptr_t(&cell->value))));
    loadSlot(r, x86::qword_ptr(p));
    stack_.push_back(r);
  }
  void onGlobalSet(uint32_t i) {
    if (!pre()) return;
    GlobalCell* cell = inst_.global(i);
    Val v = pop();
    x86::Gp p = cc_.newGpq();
    cc_.mov(p, imm(uint64_t(uintptr_t(&cell->value))));
    if (isFloat(v.type)) {
      // Keep 32-bit globals clean in their upper half (hosts read them).
      x86::Gp g = cc_.newGpq();
      xmmToGp(g, xmmOf(v), v.type == ValType::F32);
      cc_.mov(x86::qword_ptr(p), g);
    } else {
      cc_.mov(x86::qword_ptr(p), gpOf(v).r64());  // i32: upper half zero
    }
  }

  // --- tables and references ---
  void onTableGet(uint32_t t) {
    if (!pre()) return;
    x86::Gp idx = gpOf(pop());
    x86::Gp r = callHelper((void*)&jitTableGet, {ctx_, ptrImm(inst_.table(t)), idx}, true);
    pushGp(inst_.table(t)->type().elem, r);
  }
  void onTableSet(uint32_t t) {
    if (!pre()) return;
    x86::Gp v = gpOf(pop());
    x86::Gp idx = gpOf(pop());
    callHelper((void*)&jitTableSet, {ctx_, ptrImm(inst_.table(t)), idx, v}, true);
  }
  void onTableSize(uint32_t t) {
    if (!pre()) return;
    x86::Gp r = callHelper((void*)&jitTableSize, {ptrImm(inst_.table(t))}, false);
    pushGp(ValType::I32, r);
  }
  void onTableGrow(uint32_t t) {
    if (!pre()) return;
    x86::Gp n = gpOf(pop());
    x86::Gp init = gpOf(pop());
    x86::Gp r = callHelper((void*)&jitTableGrow, {ptrImm(inst_.table(t)), init, n}, false);
    pushGp(ValType::I32, r);
  }
  void onTableFill(uint32_t t) {
    if (!pre()) return;
    x86::Gp n = gpOf(pop()), v = gpOf(pop()), idx = gpOf(pop());
    callHelper((void*)&jitTableFill, {ctx_, ptrImm(inst_.table(t)), idx, v, n}, true);
  }
  void onTableCopy(uint32_t dst, uint32_t src) {
    if (!pre()) return;
    x86::Gp n = gpOf(pop()), s = gpOf(pop()), d = gpOf(pop());
    callHelper((void*)&jitTableCopy, {ctx_, ptrImm(inst_.table(dst)), ptrImm(inst_.table(src)), d, s, n}, true);
  }
  void onTableInit(uint32_t seg, uint32_t t) {
    if (!pre()) return;
    x86::Gp n = gpOf(pop()), s = gpOf(pop()), d = gpOf(pop());
    callHelper((void*)&jitTableInit, {ctx_, ptrImm(&inst_), ptrImm(inst_.table(t)), u64Imm(seg), d, s, n}, true);
  }
  void onElemDrop(uint32_t seg) {
    if (!pre()) return;
    callHelper((void*)&jitElemDrop, {ptrImm(&inst_), u64Imm(seg)}, false);
  }
  void onRefNull(ValType t) {
    if (!pre()) return;
    stack_.push_back(constVal(t, 0));
  }
  void onRefIsNull() {
    if (!pre()) return;
    Val v = pop();
    if (v.kind == Val::kConst) {
      stack_.push_back(constVal(ValType::I32, v.bits == 0));
      return;
    }
    x86::Gp g = gpOf(v);
    x86::Gp r = cc_.newGpd();
    cc_.xor_(r, r);
    cc_.test(g, g);
    cc_.setz(r.r8());
    pushGp(ValType::I32, r);
  }
  void onRefFunc(uint32_t f) {
    if (!pre()) return;
    stack_.push_back(constVal(ValType::FuncRef, uint64_t(uintptr_t(inst_.function(f)))));
  }

  // --- memory ---
  void onLoad(Op op, MemArg m) {
    if (!pre()) return;
    Val addr = pop();
    const OpInfo& info = opInfo(op);
    ValType rt = ValType(info.result);
    uint32_t size = accessSize(op);
    x86::Mem mem = address(addr, m.offset, size);
    Val r = newReg(rt);
    x86::Gp g = r.gp;
    switch (op) {
      case Op::I32Load: mem.setSize(4); cc_.mov(g.r32(), mem); break;
      case Op::I64Load: mem.setSize(8); cc_.mov(g, mem); break;
      case Op::F32Load: mem.setSize(4); cc_.movss(r.xmm, mem); break;
      case Op::F64Load: mem.setSize(8); cc_.movsd(r.xmm, mem); break;
      case Op::I32Load8S: mem.setSize(1); cc_.movsx(g.r32(), mem); break;
      case Op::I32Load8U: case Op::I64Load8U: mem.setSize(1); cc_.movzx(g.r32(), mem); break;
      case Op::I32Load16S: mem.setSize(2); cc_.movsx(g.r32(), mem); break;
      case Op::I32Load16U: case Op::I64Load16U: mem.setSize(2); cc_.movzx(g.r32(), mem); break;
      case Op::I64Load8S: mem.setSize(1); cc_.movsx(g, mem); break;
      case Op::I64Load16S: mem.setSize(2); cc_.movsx(g, mem); break;
      case Op::I64Load32S: mem.setSize(4); cc_.movsxd(g, mem); break;
      case Op::I64Load32U: mem.setSize(4); cc_.mov(g.r32(), mem); break;
      default: throw Unsupported{info.name};
    }
    stack_.push_back(r);
  }
  void onStore(Op op, MemArg m) {
    if (!pre()) return;
    Val v = pop();
    Val addr = pop();
    uint32_t size = accessSize(op);
    // Materialise the value before the address so the bounds check (if
    // any) sits right before the access.
    if (isFloat(v.type)) {
      x86::Xmm x = xmmOf(v);
      x86::Mem mem = address(addr, m.offset, size);
      mem.setSize(size);
      if (size == 4)
        cc_.movss(mem, x);
      else
        cc_.movsd(mem, x);
      return;
    }
    bool useImm = v.kind == Val::kConst && (size < 8 || int64_t(v.bits) == int64_t(int32_t(v.bits)));
    x86::Gp g;
    if (!useImm) g = gpOf(v);
    x86::Mem mem = address(addr, m.offset, size);
    mem.setSize(size);
    if (useImm) {
      int64_t value = size == 1 ? int8_t(v.bits) : size == 2 ? int16_t(v.bits) : int32_t(v.bits);
      cc_.mov(mem, imm(value));
      return;
    }
    switch (size) {
      case 1: cc_.mov(mem, g.r8()); break;
      case 2: cc_.mov(mem, g.r16()); break;
      case 4: cc_.mov(mem, g.r32()); break;
      default: cc_.mov(mem, g); break;
    }
  }
  void onMemorySize() {
    if (!pre()) return;
    x86::Gp r = callHelper((void*)&jitMemorySize, {ptrImm(mem_)}, false);
    pushGp(ValType::I32, r);
  }
  void onMemoryGrow() {
    if (!pre()) return;
    x86::Gp n = gpOf(pop());
    x86::Gp r = callHelper((void*)&jitMemoryGrow, {ptrImm(mem_), n}, false);
    if (!guarded_) refreshMemory();
    pushGp(ValType::I32, r);
  }
  void onMemoryInit(uint32_t seg) {
    if (!pre()) return;
    x86::Gp n = gpOf(pop()), s = gpOf(pop()), d = gpOf(pop());
    callHelper((void*)&jitMemoryInit, {ctx_, ptrImm(&inst_), u64Imm(seg), d, s, n}, true);
  }
  void onDataDrop(uint32_t seg) {
    if (!pre()) return;
    callHelper((void*)&jitDataDrop, {ptrImm(&inst_), u64Imm(seg)}, false);
  }
  void onMemoryCopy() {
    if (!pre()) return;
    x86::Gp n = gpOf(pop()), s = gpOf(pop()), d = gpOf(pop());
    callHelper((void*)&jitMemoryCopy, {ctx_, ptrImm(mem_), d, s, n}, true);
  }
  void onMemoryFill() {
    if (!pre()) return;
    x86::Gp n = gpOf(pop()), v = gpOf(pop()), d = gpOf(pop());
    callHelper((void*)&jitMemoryFill, {ctx_, ptrImm(mem_), d, v, n}, true);
  }

  // --- numeric ---
  void onConst(ValType t, uint64_t bits) {
    if (!pre()) return;
    stack_.push_back(constVal(t, bits));
  }
  void onUnary(Op op) {
    if (!pre(op == Op::I32Eqz)) return;
    const OpInfo& info = opInfo(op);
    ValType rt = ValType(info.result);
    if (stack_.back().kind == Val::kConst) {
      uint64_t r;
      if (fold(op, stack_.back().bits, 0, &r)) {
        stack_.pop_back();
        stack_.push_back(constVal(rt, r));
        return;
      }
    }
    if (op == Op::I32Eqz || op == Op::I64Eqz) {
      if (stack_.back().kind == Val::kCmp) {
        pending_.negate = !pending_.negate;
        return;
      }
      Val a = pop();
      setPending(op == Op::I32Eqz ? Op::I32Eq : Op::I64Eq, a, constVal(a.type, 0));
      return;
    }
    if (!emitUnary(op)) emitHelper(op, 1);
  }
  void onBinary(Op op) {
    if (!pre()) return;
    const OpInfo& info = opInfo(op);
    ValType rt = ValType(info.result);
    Val& b = stack_[stack_.size() - 1];
    Val& a = stack_[stack_.size() - 2];
    if (a.kind == Val::kConst && b.kind == Val::kConst) {
      uint64_t r;
      if (fold(op, a.bits, b.bits, &r)) {
        stack_.pop_back();
        stack_.pop_back();
        stack_.push_back(constVal(rt, r));
        return;
      }
    }
    if (isCompare(op)) {
      Val bv = pop();
      Val av = pop();
      setPending(op, av, bv);
      return;
    }
    if (!emitBinary(op)) emitHelper(op, 2);
  }

 private:
  // --- virtual stack ---
  // i32 (and f32 bits) live in 32-bit virtual registers, written only by
  // 32-bit instructions: their upper halves are zero, and spill slots are
  // written and read at one width (no store-forwarding stalls).
  x86::Gp newGp(ValType t) { return t == ValType::I32 || t == ValType::F32 ? cc_.newGpd() : cc_.newGpq(); }
  Val newReg(ValType t) {
    Val v;
    v.kind = Val::kReg;
    v.type = t;
    if (t == ValType::F32)
      v.xmm = cc_.newXmmSs();
    else if (t == ValType::F64)
      v.xmm = cc_.newXmmSd();
    else
      v.gp = newGp(t);
    return v;
  }
  static Val constVal(ValType t, uint64_t bits) {
    Val v;
    v.kind = Val::kConst;
    v.type = t;
    if (t == ValType::I32 || t == ValType::F32) bits &= 0xffffffffu;
    v.bits = bits;
    return v;
  }
  Val pop() {
    Val v = stack_.back();
    stack_.pop_back();
    return v;
  }
  void pushGp(ValType t, x86::Gp g) {
    if (t == ValType::I32 && g.size() == 8) {
      x86::Gp d = cc_.newGpd();
      cc_.mov(d, g.r32());
      g = d;
    }
    Val v;
    v.kind = Val::kReg;
    v.type = t;
    v.gp = g;
    stack_.push_back(v);
  }
  const Val& resolve(const Val& v) const { return v.kind == Val::kLocal ? locals_[v.local] : v; }
  // The value in a general-purpose register (64-bit view; i32 values have
  // their upper half zero).
  x86::Gp gpOf(const Val& v0) {
    const Val& v = resolve(v0);
    if (v.kind == Val::kReg) return v.gp;
    x86::Gp g = newGp(v.type);
    if (is64(v.type) && v.bits > 0xffffffffu)
      cc_.mov(g, imm(v.bits));
    else
      cc_.mov(g.r32(), imm(uint32_t(v.bits)));
    return g;
  }
  x86::Xmm xmmOf(const Val& v0) {
    const Val& v = resolve(v0);
    if (v.kind == Val::kReg) return v.xmm;
    Val r = newReg(v.type);
    moveInto(r, v);
    return r.xmm;
  }
  // dst (a register value) = src.
  void moveInto(const Val& dst, const Val& src0) {
    const Val& src = resolve(src0);
    if (isFloat(dst.type)) {
      if (src.kind == Val::kConst) {
        if (src.bits == 0) {
          cc_.xorps(dst.xmm, dst.xmm);
        } else if (dst.type == ValType::F32) {
          cc_.movss(dst.xmm, constant(src));
        } else {
          cc_.movsd(dst.xmm, constant(src));
        }
      } else if (src.xmm.id() != dst.xmm.id()) {
        cc_.movaps(dst.xmm, src.xmm);
      }
      return;
    }
    if (src.kind == Val::kConst) {
      if (is64(dst.type) && src.bits > 0xffffffffu)
        cc_.mov(dst.gp, imm(src.bits));
      else
        cc_.mov(dst.gp.r32(), imm(uint32_t(src.bits)));
    } else if (src.gp.id() != dst.gp.id()) {
      if (dst.gp.size() == 4)
        cc_.mov(dst.gp, src.gp.r32());
      else
        cc_.mov(dst.gp, src.gp.r64());
    }
  }
  static Val regVal(ValType t, x86::Gp g) {
    Val v;
    v.kind = Val::kReg;
    v.type = t;
    v.gp = g;
    return v;
  }
  // The local that the next instruction (a local.set/tee) stores this
  // instruction's result to, if writing it now is safe: `laterReads` are
  // operands read after the destination is first written.
  int64_t retarget(ValType t, std::initializer_list<Val> laterReads) {
    const Module& m = d_->module();
    const uint8_t* p = m.bytes.data() + d_->offset();
    const uint8_t* end = m.bytes.data() + bodyEnd_;
    if (p >= end || (*p != 0x21 && *p != 0x22)) return -1;
    uint32_t index = 0, shift = 0;
    ++p;
    for (;;) {
      if (p >= end || shift > 28) return -1;
      uint8_t byte = *p++;
      index |= uint32_t(byte & 0x7f) << shift;
      shift += 7;
      if (!(byte & 0x80)) break;
    }
    if (index >= locals_.size() || locals_[index].type != t) return -1;
    for (const Val& v : laterReads)
      if (v.kind == Val::kLocal && v.local == index) return -1;
    materializeLocals(index);
    return index;
  }
  // Where an instruction computing from `first` should put its result: the
  // local the next instruction stores it to, `first` itself if it is a
  // temporary (computed in place), or a fresh register. *out is what to push.
  x86::Gp destination(ValType t, const Val& first, std::initializer_list<Val> laterReads, Val* out) {
    int64_t local = retarget(t, laterReads);
    if (local >= 0) {
      out->kind = Val::kLocal;
      out->local = uint32_t(local);
      out->type = t;
      return locals_[local].gp;
    }
    if (first.kind == Val::kReg) {
      *out = first;
      return first.gp;
    }
    *out = regVal(t, newGp(t));
    return out->gp;
  }
  x86::Xmm floatDestination(ValType t, const Val& first, std::initializer_list<Val> laterReads, Val* out) {
    int64_t local = retarget(t, laterReads);
    if (local >= 0) {
      out->kind = Val::kLocal;
      out->local = uint32_t(local);
      out->type = t;
      return locals_[local].xmm;
    }
    if (first.kind == Val::kReg) {
      *out = first;
      return first.xmm;
    }
    *out = newReg(t);
    return out->xmm;
  }
  // A float constant in the function's constant pool.
  x86::Mem constant(const Val& v) {
    bool f32 = v.type == ValType::F32;
    auto key = std::make_pair(v.bits, f32);
    auto it = constants_.find(key);
    Label l;
    if (it == constants_.end()) {
      l = cc_.newLabel();
      constants_.emplace(key, l);
    } else {
      l = it->second;
    }
    return f32 ? x86::dword_ptr(l) : x86::qword_ptr(l);
  }
  Val copyOf(const Val& v) {
    Val r = newReg(v.type);
    moveInto(r, v);
    return r;
  }
  void loadSlot(const Val& r, x86::Mem m) {
    switch (r.type) {
      case ValType::F32: m.setSize(4); cc_.movss(r.xmm, m); break;
      case ValType::F64: m.setSize(8); cc_.movsd(r.xmm, m); break;
      case ValType::I32: m.setSize(4); cc_.mov(r.gp.r32(), m); break;
      default: m.setSize(8); cc_.mov(r.gp, m); break;
    }
  }
  void storeSlot(const Val& v0, x86::Mem m) {
    const Val& v = resolve(v0);
    if (v.kind == Val::kConst) {
      m.setSize(8);
      if (int64_t(v.bits) == int64_t(int32_t(v.bits))) {
        cc_.mov(m, imm(int32_t(v.bits)));
      } else {
        cc_.mov(m, gpOf(v).r64());
      }
      return;
    }
    switch (v.type) {
      case ValType::F32: m.setSize(4); cc_.movss(m, v.xmm); break;
      case ValType::F64: m.setSize(8); cc_.movsd(m, v.xmm); break;
      case ValType::I32: m.setSize(4); cc_.mov(m, v.gp.r32()); break;
      default: m.setSize(8); cc_.mov(m, v.gp.r64()); break;
    }
  }
  // Entries reading a local become registers of their own (before the
  // local changes, and at block boundaries).
  void materializeLocals(int64_t onlyLocal = -1) {
    for (Val& v : stack_) {
      if (v.kind == Val::kLocal && (onlyLocal < 0 || v.local == uint32_t(onlyLocal))) v = copyOf(v);
    }
  }
  void setLocal(uint32_t i, const Val& v) {
    materializeLocals(i);
    if (v.kind == Val::kLocal && v.local == i) return;
    moveInto(locals_[i], v);
  }
  // Moves the top values into `dst` registers (a parallel move: a source
  // may be one of the destinations, as with loop parameters).
  void moveTo(const std::vector<Val>& dst) {
    size_t n = dst.size();
    if (!n) return;
    std::vector<Val> src(stack_.end() - n, stack_.end());
    bool overlap = false;
    for (size_t i = 0; i < n && !overlap; ++i) {
      const Val& s = resolve(src[i]);
      if (s.kind != Val::kReg) continue;
      for (size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        bool same = isFloat(s.type) ? (isFloat(dst[j].type) && s.xmm.id() == dst[j].xmm.id())
                                    : (!isFloat(dst[j].type) && s.gp.id() == dst[j].gp.id());
        if (same) overlap = true;
      }
    }
    if (overlap)
      for (Val& s : src)
        if (s.kind != Val::kConst) s = copyOf(s);
    for (size_t i = 0; i < n; ++i) moveInto(dst[i], src[i]);
  }
  void markFunctionReached() { functionReached_ = true; }
  void branchTo(Control& target) {
    if (target.kind == Op::End) {
      moveTo(fnMerge_);
      // The function's Control is the outermost; remember it was reached.
      target.data.reached = true;
      cc_.jmp(fnLabel_);
      return;
    }
    moveTo(target.data.merge);
    syncLocalsTo(target.data.renameDepth, /*restore=*/false);
    if (!target.isLoop()) target.data.reached = true;
    cc_.jmp(target.data.label);
  }

  // --- conditions ---
  struct Pending {
    Op op = Op::I32Eq;
    Val a, b;
    bool negate = false;
  } pending_;
  static bool isCompare(Op op) {
    switch (op) {
#define STRATA_CASE(Name, ...) case Op::Name:
      STRATA_COMPARE_OPS(STRATA_CASE)
#undef STRATA_CASE
      return true;
      default:
        return false;
    }
  }
  void setPending(Op op, const Val& a, const Val& b) {
    pending_.op = op;
    pending_.a = a;
    pending_.b = b;
    pending_.negate = false;
    Val v;
    v.kind = Val::kCmp;
    v.type = ValType::I32;
    stack_.push_back(v);
  }
  // Every callback starts here: annotation, and a pending comparison that
  // the callback does not consume becomes a 0/1 value.
  bool pre(bool consumesCondition = false) {
    if (dead_) return false;
    if (annotate_) {
      Label l = cc_.newLabel();
      cc_.bind(l);
      annotations.push_back({l, uint32_t(d_->opOffset()), opNameAt(d_->opOffset())});
    }
    if (!consumesCondition && !stack_.empty() && stack_.back().kind == Val::kCmp) {
      stack_.pop_back();
      Cond c = emitCompare();
      x86::Gp r = cc_.newGpd();
      materializeCond(c, r);
      pushGp(ValType::I32, r);
    }
    return true;
  }
  const char* opNameAt(size_t offset) {
    const uint8_t* p = d_->module().bytes.data() + offset;
    Op op = opFromByte(p[0]);
    if (p[0] == 0xfc) {
      uint32_t sub = 0, shift = 0;
      const uint8_t* q = p + 1;
      do {
        sub |= uint32_t(*q & 0x7f) << shift;
        shift += 7;
      } while (*q++ & 0x80 && shift < 35);
      op = opFromPrefixed(0xfc, sub);
    }
    return op == Op::Invalid ? "?" : opInfo(op).name;
  }
  void materializeCond(const Cond& c, x86::Gp r) {
    if (c.parity == 0) {
      cc_.set(c.cc, r.r8());
      cc_.movzx(r.r32(), r.r8());
      return;
    }
    x86::Gp t = cc_.newGpq();
    cc_.set(c.cc, r.r8());
    if (c.parity == 1) {
      cc_.setnp(t.r8());
      cc_.and_(r.r8(), t.r8());
    } else {
      cc_.setp(t.r8());
      cc_.or_(r.r8(), t.r8());
    }
    cc_.movzx(r.r32(), r.r8());
  }
  // Pops a branch condition: the pending comparison, or value != 0.
  Cond popCondition() {
    if (stack_.back().kind == Val::kCmp) {
      stack_.pop_back();
      return emitCompare();
    }
    Val v = pop();
    x86::Gp g = gpOf(v);
    cc_.test(g.r32(), g.r32());
    return Cond{x86::CondCode::kNE, 0};
  }
  void branchIf(const Cond& c, const Label& target) {
    if (c.parity == 0) {
      cc_.j(c.cc, target);
    } else if (c.parity == 1) {
      Label skip = cc_.newLabel();
      cc_.jp(skip);
      cc_.j(c.cc, target);
      cc_.bind(skip);
    } else {
      cc_.jp(target);
      cc_.j(c.cc, target);
    }
  }
  // Emits the pending comparison's cmp/ucomis; returns the condition.
  Cond emitCompare() {
    Op op = pending_.op;
    Val a = pending_.a, b = pending_.b;
    Cond c;
    const OpInfo& info = opInfo(op);
    ValType t = ValType(info.operand);
    using CC = x86::CondCode;
    if (!isFloat(t)) {
      bool wide = t == ValType::I64;
      bool swapped = false;
      if (resolve(a).kind == Val::kConst && resolve(b).kind != Val::kConst) {
        std::swap(a, b);
        swapped = true;
      }
      switch (op) {
        case Op::I32Eq: case Op::I64Eq: c.cc = CC::kE; break;
        case Op::I32Ne: case Op::I64Ne: c.cc = CC::kNE; break;
        case Op::I32LtS: case Op::I64LtS: c.cc = CC::kL; break;
        case Op::I32LtU: case Op::I64LtU: c.cc = CC::kB; break;
        case Op::I32GtS: case Op::I64GtS: c.cc = CC::kG; break;
        case Op::I32GtU: case Op::I64GtU: c.cc = CC::kA; break;
        case Op::I32LeS: case Op::I64LeS: c.cc = CC::kLE; break;
        case Op::I32LeU: case Op::I64LeU: c.cc = CC::kBE; break;
        case Op::I32GeS: case Op::I64GeS: c.cc = CC::kGE; break;
        case Op::I32GeU: case Op::I64GeU: c.cc = CC::kAE; break;
        default: throw Unsupported{"compare"};
      }
      if (swapped) c.cc = x86::reverseCond(c.cc);
      x86::Gp ag = gpOf(a);
      const Val& rb = resolve(b);
      if (rb.kind == Val::kConst && (!wide || int64_t(rb.bits) == int64_t(int32_t(rb.bits)))) {
        if (rb.bits == 0 && (c.cc == CC::kE || c.cc == CC::kNE)) {
          wide ? cc_.test(ag, ag) : cc_.test(ag.r32(), ag.r32());
        } else {
          wide ? cc_.cmp(ag, imm(int32_t(rb.bits))) : cc_.cmp(ag.r32(), imm(int32_t(rb.bits)));
        }
      } else {
        x86::Gp bg = gpOf(b);
        wide ? cc_.cmp(ag, bg) : cc_.cmp(ag.r32(), bg.r32());
      }
    } else {
      bool f32 = t == ValType::F32;
      x86::Xmm ax = xmmOf(a), bx = xmmOf(b);
      auto ucomi = [&](x86::Xmm x, x86::Xmm y) { f32 ? cc_.ucomiss(x, y) : cc_.ucomisd(x, y); };
      switch (op) {
        case Op::F32Eq: case Op::F64Eq: ucomi(ax, bx); c = Cond{CC::kE, 1}; break;
        case Op::F32Ne: case Op::F64Ne: ucomi(ax, bx); c = Cond{CC::kNE, 2}; break;
        case Op::F32Lt: case Op::F64Lt: ucomi(bx, ax); c = Cond{CC::kA, 0}; break;
        case Op::F32Gt: case Op::F64Gt: ucomi(ax, bx); c = Cond{CC::kA, 0}; break;
        case Op::F32Le: case Op::F64Le: ucomi(bx, ax); c = Cond{CC::kAE, 0}; break;
        case Op::F32Ge: case Op::F64Ge: ucomi(ax, bx); c = Cond{CC::kAE, 0}; break;
        default: throw Unsupported{"compare"};
      }
    }
    return pending_.negate ? c.negated() : c;
  }

  // --- traps ---
  Label trapLabel(uint32_t code) {
    if (!trapUsed_[code]) {
      trapUsed_[code] = true;
      trapLabels_[code] = cc_.newLabel();
    }
    return trapLabels_[code];
  }
  void checkStatus() {
    if (!statusUsed_) {
      statusUsed_ = true;
      statusExit_ = cc_.newLabel();
    }
    cc_.cmp(x86::qword_ptr(ctx_, offsetof(JitContext, status)), imm(0));
    cc_.jne(statusExit_);
  }

  // --- helper calls ---
  Operand ptrImm(const void* p) { return imm(uint64_t(uintptr_t(p))); }
  Operand u64Imm(uint64_t v) { return imm(v); }
  x86::Gp callHelper(void* fn, std::initializer_list<Operand> args0, bool mayTrap) {
    // Helpers take 64-bit arguments: widen 32-bit registers first (before
    // the call node, which is where the arguments must be ready).
    std::vector<Operand> args(args0);
    for (Operand& a : args) {
      if (a.isReg() && a.as<x86::Gp>().size() == 4) {
        x86::Gp w = cc_.newGpq();
        cc_.mov(w.r32(), a.as<x86::Gp>());
        a = w;
      }
    }
    FuncSignatureBuilder sig(CallConvId::kHost);
    sig.setRetT<uint64_t>();
    for (size_t i = 0; i < args.size(); ++i) sig.addArgT<uint64_t>();
    InvokeNode* node;
    cc_.invoke(&node, imm(uint64_t(uintptr_t(fn))), sig);
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].isImm())
        node->setArg(i, args[i].as<Imm>());
      else
        node->setArg(i, args[i].as<x86::Gp>());
    }
    x86::Gp r = cc_.newGpq();
    node->setRet(0, r);
    if (mayTrap) checkStatus();
    return r;
  }
  void refreshMemory() { callHelper((void*)&jitRefreshMemory, {ctx_, ptrImm(mem_)}, false); }

  // Arguments go to fp[0..params): the callee's frame starts at our fp.
  void storeArgs(const FuncType& ft) {
    size_t n = ft.params.size();
    for (size_t i = 0; i < n; ++i) storeSlot(stack_[stack_.size() - n + i], x86::qword_ptr(fp_, int32_t(i * 8)));
    stack_.resize(stack_.size() - n);
    materializeLocals();  // not needed for correctness; keeps live ranges simple
  }
  void emitCall(const FuncType& ft, x86::Gp callee) {
    x86::Gp target = cc_.newGpq("target");
    Label have = cc_.newLabel();
    // Function::jitEntry, or the bridge for interpreted and host callees.
    cc_.mov(target, x86::qword_ptr(callee, int32_t(jitEntryOffset())));
    cc_.test(target, target);
    cc_.jnz(have);
    cc_.mov(target, imm(uint64_t(uintptr_t(&jitCallBridge))));
    cc_.bind(have);
    InvokeNode* node;
    cc_.invoke(&node, target, FuncSignatureT<uint64_t, void*, void*, void*, void*>(CallConvId::kHost));
    node->setArg(0, ctx_);
    node->setArg(1, fp_);
    node->setArg(2, callee);
    node->setArg(3, imm(uint64_t(uintptr_t(&inst_))));
    finishCall(ft, node);
  }
  void finishCall(const FuncType& ft, InvokeNode* node) {
    x86::Gp st = cc_.newGpq("status");
    node->setRet(0, st);
    Label ok = cc_.newLabel();
    cc_.test(st, st);
    cc_.jz(ok);
    cc_.ret(st);
    cc_.bind(ok);
    if (mem_ && !guarded_) refreshMemory();
    for (size_t i = 0; i < ft.results.size(); ++i) {
      Val r = newReg(ft.results[i]);
      loadSlot(r, x86::qword_ptr(fp_, int32_t(i * 8)));
      stack_.push_back(r);
    }
  }

  // --- memory ---
  static uint32_t accessSize(Op op) {
    switch (op) {
#define STRATA_SIZE(Name, enc, text, T, MemT, align) \
  case Op::Name:                                     \
    return sizeof(MemT);
      STRATA_LOAD_OPS(STRATA_SIZE)
      STRATA_STORE_OPS(STRATA_SIZE)
#undef STRATA_SIZE
      default:
        return 0;
    }
  }
  // The guarded memory's base (it never moves), loaded once in the
  // prologue when the function first needs it.
  x86::Gp base() {
    if (!memBase_.isValid()) {
      memBase_ = cc_.newGpq("membase");
      BaseNode* saved = cc_.setCursor(prologueEnd_);
      cc_.mov(memBase_, imm(uint64_t(uintptr_t(mem_->base()))));
      prologueEnd_ = cc_.cursor();
      cc_.setCursor(saved == prologueEnd_->prev() ? prologueEnd_ : saved);
    }
    return memBase_;
  }
  // [membase + index + offset]; with an unguarded memory, a bounds check
  // first.
  x86::Mem address(const Val& addr0, uint32_t offset, uint32_t size) {
    const Val& addr = resolve(addr0);
    if (guarded_) {
      if (addr.kind == Val::kConst) {
        uint64_t ea = uint64_t(uint32_t(addr.bits)) + offset;
        if (ea < (1ull << 31)) return x86::ptr(base(), int32_t(ea));
        x86::Gp t = cc_.newGpq();
        cc_.mov(t, imm(ea));
        return x86::ptr(base(), t);
      }
      x86::Gp idx = addr.gp;
      if (offset < (1u << 31)) return x86::ptr(base(), idx.r64(), 0, int32_t(offset));
      x86::Gp t = cc_.newGpq(), i = cc_.newGpq();
      cc_.mov(t.r32(), imm(offset));
      cc_.mov(i.r32(), idx.r32());  // zero-extended, in a 64-bit register of its own
      cc_.add(t, i);
      return x86::ptr(base(), t);
    }
    // Explicit check: ea + size <= memSize, in 64 bits (no overflow).
    x86::Gp ea = cc_.newGpq("ea");
    if (addr.kind == Val::kConst) {
      cc_.mov(ea, imm(uint64_t(uint32_t(addr.bits)) + offset));
    } else {
      cc_.mov(ea.r32(), addr.gp.r32());
      if (offset) {
        x86::Gp o = cc_.newGpq();
        cc_.mov(o.r32(), imm(offset));
        cc_.add(ea, o);
      }
    }
    x86::Gp end = cc_.newGpq();
    cc_.lea(end, x86::ptr(ea, int32_t(size)));
    cc_.cmp(end, x86::qword_ptr(ctx_, offsetof(JitContext, memSize)));
    cc_.ja(trapLabel(kOutOfBoundsMemory));
    x86::Gp base = cc_.newGpq();
    cc_.mov(base, x86::qword_ptr(ctx_, offsetof(JitContext, memBase)));
    return x86::ptr(base, ea);
  }

  // --- numeric operators ---
  // Generic: call the opcodes.def helper with the operands' bits.
  void emitHelper(Op op, int inputs) {
    const OpInfo& info = opInfo(op);
    ValType rt = ValType(info.result);
    x86::Gp args[2];
    Val vals[2];
    for (int i = inputs; i-- > 0;) vals[i] = pop();
    for (int i = 0; i < inputs; ++i) args[i] = bitsOf(vals[i]);
    x86::Gp zero;
    if (inputs == 1) {
      zero = cc_.newGpq();
      cc_.xor_(zero.r32(), zero.r32());
      args[1] = zero;
    }
    x86::Gp r = callHelper((void*)numericHelper(op), {args[0], args[1], ctx_}, helperMayTrap(op));
    pushBits(rt, r);
  }
  x86::Gp bitsOf(const Val& v0) {
    const Val& v = resolve(v0);
    if (!isFloat(v.type) || v.kind == Val::kConst) return gpOf(v);
    x86::Gp g = newGp(v.type);
    xmmToGp(g, v.xmm, v.type == ValType::F32);
    return g;
  }
  // Moves float bits to a general register through a stack slot. A direct
  // movd/movq is what we want, but this asmjit's register allocator, when it
  // has spilled the xmm source, rewrites the source to the spill slot and
  // the encoder then picks the MMX form (`movq mm0, [rsp+8]`): the gp
  // destination is never written. Float-to-bits moves are rare enough in
  // hot code that the extra store and load do not matter.
  void xmmToGp(x86::Gp g, x86::Xmm x, bool is32) {
    if (hasSse41_) {
      // pextr has no memory form for its xmm source, so a spilled source is
      // reloaded into a register, never rewritten.
      if (is32)
        cc_.pextrd(g.r32(), x, imm(0));
      else
        cc_.pextrq(g.r64(), x, imm(0));
      return;
    }
    x86::Mem slot = cc_.newStack(8, 8);
    if (is32) {
      slot.setSize(4);
      cc_.movss(slot, x);
      cc_.mov(g.r32(), slot);
    } else {
      slot.setSize(8);
      cc_.movsd(slot, x);
      cc_.mov(g.r64(), slot);
    }
  }
  void pushBits(ValType t, x86::Gp g) {
    if (!isFloat(t)) return pushGp(t, g);
    Val r = newReg(t);
    if (t == ValType::F32)
      cc_.movd(r.xmm, g.r32());
    else
      cc_.movq(r.xmm, g);
    stack_.push_back(r);
  }

  bool emitUnary(Op op) {
    const OpInfo& info = opInfo(op);
    ValType rt = ValType(info.result);
    ValType at = ValType(info.operand);
    Val a = stack_.back();
    switch (op) {
      case Op::I32Clz: case Op::I64Clz:
        if (!hasLzcnt_) return false;
        break;
      case Op::I32Ctz: case Op::I64Ctz:
        if (!hasBmi_) return false;
        break;
      case Op::I32Popcnt: case Op::I64Popcnt:
        if (!hasPopcnt_) return false;
        break;
      case Op::F32Ceil: case Op::F32Floor: case Op::F32Trunc: case Op::F32Nearest:
      case Op::F64Ceil: case Op::F64Floor: case Op::F64Trunc: case Op::F64Nearest:
        if (!hasSse41_) return false;
        break;
      default: break;
    }
    switch (op) {
      case Op::I32Clz: case Op::I32Ctz: case Op::I32Popcnt:
      case Op::I64Clz: case Op::I64Ctz: case Op::I64Popcnt:
      case Op::I32Extend8S: case Op::I32Extend16S:
      case Op::I64Extend8S: case Op::I64Extend16S: case Op::I64Extend32S:
      case Op::I64ExtendI32S: case Op::I64ExtendI32U: case Op::I32WrapI64: {
        pop();
        x86::Gp s = gpOf(a);
        x86::Gp r = newGp(rt);
        switch (op) {
          case Op::I32Clz: cc_.lzcnt(r.r32(), s.r32()); break;
          case Op::I32Ctz: cc_.tzcnt(r.r32(), s.r32()); break;
          case Op::I32Popcnt: cc_.popcnt(r.r32(), s.r32()); break;
          case Op::I64Clz: cc_.lzcnt(r, s.r64()); break;
          case Op::I64Ctz: cc_.tzcnt(r, s.r64()); break;
          case Op::I64Popcnt: cc_.popcnt(r, s.r64()); break;
          case Op::I32Extend8S: cc_.movsx(r.r32(), s.r8()); break;
          case Op::I32Extend16S: cc_.movsx(r.r32(), s.r16()); break;
          case Op::I64Extend8S: cc_.movsx(r.r64(), s.r8()); break;
          case Op::I64Extend16S: cc_.movsx(r.r64(), s.r16()); break;
          case Op::I64Extend32S: case Op::I64ExtendI32S: cc_.movsxd(r.r64(), s.r32()); break;
          default: cc_.mov(r.r32(), s.r32()); break;  // extend_u, wrap: zero-extend
        }
        pushGp(rt, r);
        return true;
      }
      case Op::F32Abs: case Op::F32Neg: case Op::F64Abs: case Op::F64Neg: {
        pop();
        x86::Gp g = bitsOf(a);
        bool f32 = at == ValType::F32;
        x86::Gp r = newGp(at);
        cc_.mov(r, f32 ? x86::Gp(g.r32()) : x86::Gp(g.r64()));
        bool neg = op == Op::F32Neg || op == Op::F64Neg;
        if (f32) {
          neg ? cc_.xor_(r.r32(), imm(int32_t(0x80000000u))) : cc_.and_(r.r32(), imm(0x7fffffff));
        } else {
          neg ? cc_.btc(r, imm(63)) : cc_.btr(r, imm(63));
        }
        pushBits(rt, r);
        return true;
      }
      case Op::F32Sqrt: case Op::F64Sqrt:
      case Op::F32Ceil: case Op::F32Floor: case Op::F32Trunc: case Op::F32Nearest:
      case Op::F64Ceil: case Op::F64Floor: case Op::F64Trunc: case Op::F64Nearest:
      case Op::F32DemoteF64: case Op::F64PromoteF32: {
        pop();
        x86::Xmm s = xmmOf(a);
        Val r = newReg(rt);
        switch (op) {
          case Op::F32Sqrt: cc_.sqrtss(r.xmm, s); break;
          case Op::F64Sqrt: cc_.sqrtsd(r.xmm, s); break;
          case Op::F32Nearest: cc_.roundss(r.xmm, s, imm(8)); break;
          case Op::F32Floor: cc_.roundss(r.xmm, s, imm(9)); break;
          case Op::F32Ceil: cc_.roundss(r.xmm, s, imm(10)); break;
          case Op::F32Trunc: cc_.roundss(r.xmm, s, imm(11)); break;
          case Op::F64Nearest: cc_.roundsd(r.xmm, s, imm(8)); break;
          case Op::F64Floor: cc_.roundsd(r.xmm, s, imm(9)); break;
          case Op::F64Ceil: cc_.roundsd(r.xmm, s, imm(10)); break;
          case Op::F64Trunc: cc_.roundsd(r.xmm, s, imm(11)); break;
          case Op::F32DemoteF64: cc_.cvtsd2ss(r.xmm, s); break;
          default: cc_.cvtss2sd(r.xmm, s); break;
        }
        stack_.push_back(r);
        return true;
      }
      case Op::F32ConvertI32S: case Op::F32ConvertI32U: case Op::F32ConvertI64S:
      case Op::F64ConvertI32S: case Op::F64ConvertI32U: case Op::F64ConvertI64S: {
        pop();
        x86::Gp s = gpOf(a);
        Val r = newReg(rt);
        cc_.xorps(r.xmm, r.xmm);
        bool f32 = rt == ValType::F32;
        // u32 values are zero-extended in their register: convert as i64.
        x86::Gp src = s;
        if (op == Op::F32ConvertI32U || op == Op::F64ConvertI32U) {
          // Convert as i64, zero-extended into a 64-bit register of its
          // own: a 64-bit view of a 32-bit register could be rewritten by
          // the register allocator to an 8-byte read of its 4-byte spill
          // slot.
          src = cc_.newGpq();
          cc_.mov(src.r32(), s.r32());
        } else if (op == Op::F32ConvertI32S || op == Op::F64ConvertI32S) {
          src = s.r32();
        }
        f32 ? cc_.cvtsi2ss(r.xmm, src) : cc_.cvtsi2sd(r.xmm, src);
        stack_.push_back(r);
        return true;
      }
      case Op::I32ReinterpretF32: case Op::I64ReinterpretF64:
      case Op::F32ReinterpretI32: case Op::F64ReinterpretI64: {
        pop();
        if (a.kind == Val::kConst) {
          stack_.push_back(constVal(rt, a.bits));
          return true;
        }
        if (isFloat(rt)) {
          x86::Gp g = gpOf(a);
          Val r = newReg(rt);
          rt == ValType::F32 ? cc_.movd(r.xmm, g.r32()) : cc_.movq(r.xmm, g);
          stack_.push_back(r);
        } else {
          pushGp(rt, bitsOf(a));
        }
        return true;
      }
      default:
        return false;
    }
  }

  bool emitBinary(Op op) {
    const OpInfo& info = opInfo(op);
    ValType t = ValType(info.operand);
    bool wide = t == ValType::I64;
    switch (op) {
      case Op::I32Add: case Op::I32Sub: case Op::I32Mul: case Op::I32And: case Op::I32Or: case Op::I32Xor:
      case Op::I64Add: case Op::I64Sub: case Op::I64Mul: case Op::I64And: case Op::I64Or: case Op::I64Xor: {
        Val b = pop(), a = pop();
        bool commutative = op != Op::I32Sub && op != Op::I64Sub;
        if (commutative && resolve(a).kind == Val::kConst) std::swap(a, b);
        // Prefer computing in place into a temporary operand.
        if (commutative && a.kind != Val::kReg && b.kind == Val::kReg) std::swap(a, b);
        const Val rb = resolve(b);
        bool useImm = rb.kind == Val::kConst && (!wide || int64_t(rb.bits) == int64_t(int32_t(rb.bits)));
        Imm bi = imm(int32_t(rb.bits));
        x86::Gp bg;
        if (!useImm) bg = gpOf(b);
        ValType rt = ValType(info.result);
        if ((op == Op::I32Add || op == Op::I64Add) && !useImm && a.kind != Val::kReg) {
          // Three-operand add: lea (a 32-bit lea zero-extends).
          x86::Gp ag = gpOf(a);
          Val out;
          x86::Gp r = destination(rt, a, {}, &out);
          cc_.lea(r, x86::ptr(ag.r64(), bg.r64()));
          stack_.push_back(out);
          return true;
        }
        Val out;
        x86::Gp r = destination(rt, a, {b}, &out);
        x86::Gp R = wide ? r : r.r32();
        x86::Gp B = useImm ? x86::Gp() : (wide ? bg : bg.r32());
        if ((op == Op::I32Mul || op == Op::I64Mul) && useImm) {
          x86::Gp ag = gpOf(a);
          cc_.imul(R, wide ? ag : ag.r32(), bi);
          stack_.push_back(out);
          return true;
        }
        moveInto(regVal(rt, r), a);
        auto emit = [&](auto&& b) {
          switch (op) {
            case Op::I32Add: case Op::I64Add: cc_.add(R, b); break;
            case Op::I32Sub: case Op::I64Sub: cc_.sub(R, b); break;
            case Op::I32Mul: case Op::I64Mul: cc_.imul(R, b); break;
            case Op::I32And: case Op::I64And: cc_.and_(R, b); break;
            case Op::I32Or: case Op::I64Or: cc_.or_(R, b); break;
            default: cc_.xor_(R, b); break;
          }
        };
        if (useImm)
          emit(bi);
        else
          emit(B);
        stack_.push_back(out);
        return true;
      }
      case Op::I32Shl: case Op::I32ShrS: case Op::I32ShrU: case Op::I32Rotl: case Op::I32Rotr:
      case Op::I64Shl: case Op::I64ShrS: case Op::I64ShrU: case Op::I64Rotl: case Op::I64Rotr: {
        Val b = pop(), a = pop();
        const Val rb = resolve(b);
        x86::Gp c;
        if (rb.kind != Val::kConst) {
          c = cc_.newGpd();
          cc_.mov(c, rb.gp.r32());
        }
        Val out;
        x86::Gp r = destination(ValType(info.result), a, {}, &out);
        x86::Gp R = wide ? r : r.r32();
        moveInto(regVal(ValType(info.result), r), a);
        auto emit = [&](auto&& cnt) {
          switch (op) {
            case Op::I32Shl: case Op::I64Shl: cc_.shl(R, cnt); break;
            case Op::I32ShrS: case Op::I64ShrS: cc_.sar(R, cnt); break;
            case Op::I32ShrU: case Op::I64ShrU: cc_.shr(R, cnt); break;
            case Op::I32Rotl: case Op::I64Rotl: cc_.rol(R, cnt); break;
            default: cc_.ror(R, cnt); break;
          }
        };
        if (rb.kind == Val::kConst)
          emit(imm(int(rb.bits & (wide ? 63 : 31))));
        else
          emit(c.r8());
        stack_.push_back(out);
        return true;
      }
      case Op::I32DivS: case Op::I32DivU: case Op::I32RemS: case Op::I32RemU:
      case Op::I64DivS: case Op::I64DivU: case Op::I64RemS: case Op::I64RemU:
        emitDivision(op, wide);
        return true;
      case Op::F32Add: case Op::F32Sub: case Op::F32Mul: case Op::F32Div:
      case Op::F64Add: case Op::F64Sub: case Op::F64Mul: case Op::F64Div: {
        Val b = pop(), a = pop();
        bool commutative = op == Op::F32Add || op == Op::F64Add || op == Op::F32Mul || op == Op::F64Mul;
        if (commutative && a.kind != Val::kReg && b.kind == Val::kReg) std::swap(a, b);
        bool f32 = t == ValType::F32;
        const Val rb = resolve(b);
        x86::Mem bm;
        x86::Xmm bx;
        bool useMem = rb.kind == Val::kConst;
        if (useMem)
          bm = constant(rb);
        else
          bx = rb.xmm;
        Val out;
        x86::Xmm r = floatDestination(t, a, {b}, &out);
        Val rv = regVal(t, x86::Gp());
        rv.xmm = r;
        moveInto(rv, a);
        auto emit = [&](auto&& src) {
          switch (op) {
            case Op::F32Add: case Op::F64Add: f32 ? cc_.addss(r, src) : cc_.addsd(r, src); break;
            case Op::F32Sub: case Op::F64Sub: f32 ? cc_.subss(r, src) : cc_.subsd(r, src); break;
            case Op::F32Mul: case Op::F64Mul: f32 ? cc_.mulss(r, src) : cc_.mulsd(r, src); break;
            default: f32 ? cc_.divss(r, src) : cc_.divsd(r, src); break;
          }
        };
        if (useMem)
          emit(bm);
        else
          emit(bx);
        stack_.push_back(out);
        return true;
      }
      case Op::F32Copysign: case Op::F64Copysign: {
        Val b = pop(), a = pop();
        x86::Gp ag = bitsOf(a), bg = bitsOf(b);
        bool f32 = t == ValType::F32;
        x86::Gp r = newGp(t), s = newGp(t);
        cc_.mov(r, f32 ? x86::Gp(ag.r32()) : x86::Gp(ag.r64()));
        cc_.mov(s, f32 ? x86::Gp(bg.r32()) : x86::Gp(bg.r64()));
        if (f32) {
          cc_.and_(r.r32(), imm(0x7fffffff));
          cc_.and_(s.r32(), imm(int32_t(0x80000000u)));
          cc_.or_(r.r32(), s.r32());
        } else {
          cc_.btr(r, imm(63));
          cc_.shr(s, imm(63));
          cc_.shl(s, imm(63));
          cc_.or_(r, s);
        }
        pushBits(t, r);
        return true;
      }
      default:
        return false;
    }
  }

  void emitDivision(Op op, bool wide) {
    Val b = pop(), a = pop();
    const Val& rb = resolve(b);
    bool isSigned = op == Op::I32DivS || op == Op::I64DivS || op == Op::I32RemS || op == Op::I64RemS;
    bool isRem = op == Op::I32RemS || op == Op::I64RemS || op == Op::I32RemU || op == Op::I64RemU;
    bool constB = rb.kind == Val::kConst;
    uint64_t bConst = wide ? rb.bits : uint64_t(uint32_t(rb.bits));
    bool minusOne = wide ? bConst == ~0ull : bConst == 0xffffffffu;
    x86::Gp bg = gpOf(b);
    x86::Gp B = wide ? bg : bg.r32();
    if (!constB || bConst == 0) {
      cc_.test(B, B);
      cc_.jz(trapLabel(kDivideByZero));
    }
    ValType vt = wide ? ValType::I64 : ValType::I32;
    x86::Gp lo = newGp(vt), hi = newGp(vt);
    x86::Gp L = lo, H = hi;
    x86::Gp ag = gpOf(a);
    Label done = cc_.newLabel();
    x86::Gp result = newGp(vt);
    if (isSigned && (!constB || minusOne)) {
      Label normal = cc_.newLabel();
      cc_.cmp(B, imm(-1));
      cc_.jne(normal);
      if (isRem) {
        cc_.xor_(result.r32(), result.r32());  // (a 32-bit write of a 64-bit temp: not spilled here)
      } else {
        // INT_MIN / -1 overflows.
        if (wide) {
          x86::Gp m = cc_.newGpq();
          cc_.mov(m, imm(int64_t(INT64_MIN)));
          cc_.cmp(ag, m);
        } else {
          cc_.cmp(ag.r32(), imm(int32_t(INT32_MIN)));
        }
        cc_.je(trapLabel(kIntegerOverflow));
        cc_.mov(result, wide ? x86::Gp(ag.r64()) : x86::Gp(ag.r32()));
        cc_.neg(result);
      }
      cc_.jmp(done);
      cc_.bind(normal);
    }
    cc_.mov(L, wide ? ag : ag.r32());
    if (isSigned) {
      wide ? cc_.cqo(hi, lo) : cc_.cdq(hi.r32(), lo.r32());
      cc_.idiv(H, L, B);
    } else {
      cc_.xor_(hi.r32(), hi.r32());
      cc_.div(H, L, B);
    }
    cc_.mov(result, isRem ? H : L);
    cc_.bind(done);
    pushGp(wide ? ValType::I64 : ValType::I32, result);
  }

  static size_t jitEntryOffset() {
    static const size_t off = [] {
      alignas(Function) static char buf[sizeof(Function)];
      Function* f = reinterpret_cast<Function*>(buf);
      return size_t(reinterpret_cast<char*>(&f->jitEntry) - buf);
    }();
    return off;
  }

  x86::Compiler& cc_;
  Function* fn_;
  Instance& inst_;
  bool annotate_;
  uint32_t osrLoop_;  // OSR entry at this loop, or UINT32_MAX
  Label osrLabel_;
  bool osrBound_ = false;
  Decoder* d_ = nullptr;
  Memory* mem_ = nullptr;
  bool guarded_ = false;
  bool hasLzcnt_ = false, hasBmi_ = false, hasPopcnt_ = false, hasSse41_ = false;
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
  bool trapUsed_[kNumTrapCodes] = {};
  Label trapLabels_[kNumTrapCodes];
  bool statusUsed_ = false;
  Label statusExit_;
  bool dead_ = false;
  uint32_t deadDepth_ = 0;
  std::map<std::pair<uint64_t, bool>, Label> constants_;
  uint32_t bodyEnd_ = 0;
};

}  // namespace

// --- compile driver ------------------------------------------------------------

namespace {

// The first walk: which locals each loop uses (nested loops' uses count for
// the loops around them), for the emitter's loop renames.
class LoopLocals : public NullConsumer {
 public:
  using Decoder = FunctionDecoder<LoopLocals>;
  void setDecoder(Decoder* d) { d_ = d; }
  void onFunctionStart(Control&) { open_.push_back(kNotLoop); }
  void onBlock(Control&) { open_.push_back(kNotLoop); }
  void onIf(Control&) { open_.push_back(kNotLoop); }
  void onLoop(Control&) {
    uint32_t offset = uint32_t(d_->opOffset());
    result[offset];  // a loop that uses no local still gets an entry
    open_.push_back(offset);
    loops_.push_back(offset);
  }
  void onEnd(Control&, bool) {
    uint32_t closed = open_.back();
    open_.pop_back();
    if (closed == kNotLoop) return;
    loops_.pop_back();
    std::vector<uint32_t>& used = result[closed];
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    if (!loops_.empty()) {
      std::vector<uint32_t>& outer = result[loops_.back()];
      outer.insert(outer.end(), used.begin(), used.end());
    }
  }
  void onLocalGet(uint32_t i) { use(i); }
  void onLocalSet(uint32_t i) { use(i); }
  void onLocalTee(uint32_t i) { use(i); }

  std::unordered_map<uint32_t, std::vector<uint32_t>> result;

 private:
  static constexpr uint32_t kNotLoop = UINT32_MAX;
  void use(uint32_t i) {
    if (!loops_.empty()) result[loops_.back()].push_back(i);
  }
  Decoder* d_ = nullptr;
  std::vector<uint32_t> open_;   // per open block: its loop offset or kNotLoop
  std::vector<uint32_t> loops_;  // the open loops
};

}  // namespace

CompileResult compileFunction(Function* f, JitRuntime& rt, bool annotate, uint32_t osrLoop) {
  CompileResult result;
  Instance& inst = *f->instance;
  const Module& module = inst.module();
  uint32_t defined = f->index - module.numImportedFuncs;
  const FunctionDecl& decl = module.functions[defined];
  result.wasmBytes = decl.bodyEnd - decl.bodyBegin;

  CodeHolder code;
  code.init(rt.environment());
  ErrorRecorder errors;
  code.setErrorHandler(&errors);
  x86::Compiler cc(&code);
  Emitter emitter(cc, f, annotate, osrLoop);
  try {
    if (Emitter::wantsLoopRenames(f->type.params.size() + decl.locals.size())) {
      LoopLocals loops;
      FunctionDecoder<LoopLocals> first(module, defined, loops);
      loops.setDecoder(&first);
      first.decode();
      emitter.setLoopLocals(std::move(loops.result));
    }
    FunctionDecoder<Emitter> decoder(module, defined, emitter);
    emitter.setDecoder(&decoder);
    decoder.decode();
    emitter.finish();
  } catch (const Unsupported& u) {
    result.error = "unsupported: " + u.what;
    return result;
  } catch (const DecodeError& e) {
    result.error = "decode error: " + e.message;
    return result;
  }
  if (errors.error == kErrorOk) cc.finalize();
  if (errors.error != kErrorOk) {
    if (std::getenv("STRATA_JIT_DEBUG")) {
      String sb;
      Formatter::formatNodeList(sb, FormatOptions(), &cc);
      std::fprintf(stderr, "%s\n", sb.data());
    }
    result.error = std::string("asmjit: ") + errors.message;
    return result;
  }
  void* entry = nullptr;
  Error err = rt.add(&entry, &code);
  if (err != kErrorOk) {
    result.error = std::string("asmjit: ") + DebugUtils::errorAsString(err);
    return result;
  }
  result.entry = entry;
  result.codeSize = code.codeSize();
  if (emitter.hasOobExit) result.oobExit = uintptr_t(entry) + code.labelOffsetFromBase(emitter.oobExit);
  if (annotate) {
    for (const auto& a : emitter.annotations)
      result.annotations.push_back({uint32_t(code.labelOffsetFromBase(a.label)), a.wasmOffset, a.name});
  }
  return result;
}

}  // namespace strata::jit
