// The emitter's handlers for the function frame, structured control
// (branches, loop renames, the OSR entry), calls, locals, globals and
// tables (see emitter.h).
#include <algorithm>
#include <cstring>

#include "jit/optimizing/emitter.h"
#include "runtime/exec_env.h"
#include "wasm/numeric.h"

namespace strata::jit::emit {

// --- misc ---

void Emitter::setDecoder(Decoder* d) {
  d_ = d;
  bodyEnd_ = d->module().functions[fn_->index - d->module().numImportedFuncs].bodyEnd;
}

// --- function ---

void Emitter::onFunctionStart(Control& c) {
  if (inlineDepth_) {
    // An inlined callee: inlineCall set up its locals and result registers.
    c.data.label = fnLabel_;
    c.data.merge = fnMerge_;
    if (options().meterFuel) chargeFuel();
    return;
  }
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
  uint32_t need = ft.callSlots();
  if (need) {
    x86::Gp t = cc_.newGpq("top");
    cc_.lea(t, x86::ptr(fp_, int32_t(need * 8)));
    cc_.cmp(t, x86::qword_ptr(ctx_, offsetof(JitContext, slotLimit)));
    cc_.ja(trapLabel(kStackExhausted));
  }
  uint32_t n = d_->numLocals();
  locals_.resize(n);
  localOffset_.resize(n);
  uint32_t slots = 0;
  for (uint32_t i = 0; i < n; ++i) {
    ValType t = d_->localType(i);
    localOffset_[i] = slots;
    slots += slotWidth(t);
    locals_[i] = newReg(t);
    if (isOsr()) {
      continue;  // loaded at the OSR loop's header
    } else if (i < ft.params.size()) {
      loadSlot(locals_[i], x86::qword_ptr(fp_, int32_t(localOffset_[i] * 8)));
    } else if (inXmm(t)) {
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
    // (asmjit's register allocator drops it) unless an outer loop's back
    // edge leads there: the register allocator sees only what can run,
    // which makes an OSR entry at least as good as the whole function.
    osrLabel_ = cc_.newLabel();
    cc_.jmp(osrLabel_);
  }
  fnLabel_ = cc_.newLabel();
  for (ValType t : ft.results) fnMerge_.push_back(newReg(t));
  c.data.label = fnLabel_;
  c.data.merge = fnMerge_;
  // (After an OSR entry's jump: entering at a loop is no call.)
  if (options().meterFuel) chargeFuel();
}

void Emitter::finish() {
  if (isOsr() && !osrBound_) throw Unsupported{"OSR loop not found in reachable code"};
  // Call sites whose callee tail-called: its callee runs on the same frame.
  for (const CallSite& site : callSites_) {
    cc_.bind(site.stub);
    cc_.cmp(calleeStatus_, imm(kTailCall));
    cc_.jne(site.failed);
    x86::Gp callee = cc_.newGpq(), caller = cc_.newGpq();
    cc_.mov(callee, x86::qword_ptr(ctx_, offsetof(JitContext, tailCallee)));
    cc_.mov(caller, x86::qword_ptr(ctx_, offsetof(JitContext, tailCaller)));
    invokeCallee(callee, caller)->setRet(0, calleeStatus_);
    cc_.test(calleeStatus_, calleeStatus_);
    cc_.jnz(site.stub);
    cc_.jmp(site.resume);
  }
  // Failure exits: each records the trace frames (an inlined callee's, then
  // this function's) and returns the status.
  for (auto& [inlined, e] : exits_) {
    const Function* callee = inlined;
    auto traceFrames = [&] {
      // (No ctx_ argument: it would have to stay live in every loop that
      // can reach an exit.)
      if (callee) callHelper((void*)&jitTraceFrame, {ptrImm(callee)}, false);
      callHelper((void*)&jitTraceFrame, {ptrImm(fn_)}, false);
    };
    for (uint32_t k = 0; k < kNumTrapCodes; ++k) {
      if (!e.trapUsed[k]) continue;
      cc_.bind(e.trap[k]);
      traceFrames();
      x86::Gp st = cc_.newGpq();
      cc_.mov(st.r32(), imm(k));
      cc_.ret(st);
    }
    if (e.calleeFailedUsed) {
      cc_.bind(e.calleeFailed);
      traceFrames();
      cc_.ret(calleeStatus_);
    }
    if (e.statusUsed) {
      cc_.bind(e.status);
      traceFrames();
      x86::Gp st = cc_.newGpq();
      cc_.mov(st, x86::qword_ptr(ctx_, offsetof(JitContext, status)));
      cc_.ret(st);
    }
  }
  cc_.endFunc();
  for (const JumpTable& t : jumpTables_) {
    cc_.align(AlignMode::kData, 4);
    cc_.bind(t.label);
    for (const Label& entry : t.entries) cc_.embedLabelDelta(entry, t.label, 4);
  }
  for (auto& [key, label] : constants_) {
    cc_.align(AlignMode::kData, 8);
    cc_.bind(label);
    if (key.second)
      cc_.embedUInt32(uint32_t(key.first));
    else
      cc_.embedUInt64(key.first);
  }
  for (auto& [key, label] : constants128_) {
    cc_.align(AlignMode::kData, 16);  // SSE memory operands
    cc_.bind(label);
    cc_.embedUInt64(key.first);
    cc_.embedUInt64(key.second);
  }
}

// --- structured control ---

void Emitter::onBlock(Control& c) {
  if (dead_.opened()) return;
  pre();
  materializeLocals();
  c.data.label = cc_.newLabel();
  c.data.renameDepth = renames_.size();
  for (uint32_t i = 0; i < c.sig.numResults(); ++i) c.data.merge.push_back(newReg(c.sig.result(i)));
}

void Emitter::onLoop(Control& c) {
  if (dead_.opened()) return;
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
  if (isOsr() && !inlineDepth_ && d_->opOffset() == osrLoop_) bindOsrEntry(c);  // not in an inlined copy of itself
  cc_.bind(c.data.label);
  if (options().interruptibleLoops) checkInterrupt();
  if (options().meterFuel) chargeFuel();
}

void Emitter::checkInterrupt() {
  // (Tried: the thread's limit as fs:[offset], no ctx_ register needed;
  // measured no better on sha256 and fib 15% slower.)
  cc_.cmp(x86::rsp, x86::qword_ptr(ctx_, offsetof(JitContext, stackLimit)));
  cc_.jb(trapLabel(kStackExhausted));
}

void Emitter::chargeFuel() {
  x86::Gp fuel = cc_.newGpq("fuel");
  cc_.mov(fuel, x86::qword_ptr(ctx_, offsetof(JitContext, fuel)));
  cc_.sub(x86::qword_ptr(fuel), imm(1));
  cc_.js(trapLabel(kOutOfFuel));
}

void Emitter::renameLoopLocals() {
  if (foreignModule_ || !wantsLoopRenames(locals_.size())) return;
  auto it = loopLocals_.find(uint32_t(d_->opOffset()));
  if (it == loopLocals_.end()) return;
  for (uint32_t i : it->second) {
    Val inner = newReg(locals_[i].type);
    moveInto(inner, locals_[i]);
    renames_.push_back({i, locals_[i]});
    locals_[i] = inner;
  }
}

void Emitter::syncLocalsTo(size_t depth, bool restore, bool emit) {
  for (size_t k = renames_.size(); k-- > depth;) {
    const Rename& r = renames_[k];
    if (emit) moveInto(r.outer, locals_[r.local]);
    if (restore) locals_[r.local] = r.outer;
  }
  if (restore) renames_.resize(depth);
}

void Emitter::bindOsrEntry(const Control& c) {
  if (!stack_.empty()) throw Unsupported{"OSR at a loop with values on the operand stack"};
  cc_.jmp(c.data.label);
  cc_.bind(osrLabel_);
  for (uint32_t i = 0; i < locals_.size(); ++i)
    loadSlot(locals_[i], x86::qword_ptr(fp_, int32_t(localOffset_[i] * 8)));
  osrBound_ = true;
}

void Emitter::onIf(Control& c) {
  if (dead_.opened()) return;
  pre(true);
  Cond cond = popCondition();
  materializeLocals();
  c.data.label = cc_.newLabel();
  c.data.elseLabel = cc_.newLabel();
  c.data.renameDepth = renames_.size();
  for (uint32_t i = 0; i < c.sig.numResults(); ++i) c.data.merge.push_back(newReg(c.sig.result(i)));
  uint32_t n = c.sig.numParams();
  c.data.params.assign(stack_.end() - n, stack_.end());
  jumpIf(cc_, cond.negated(), c.data.elseLabel);
}

void Emitter::onElse(Control& c, bool thenFallsThrough) {
  if (!dead_.reached(/*isEnd=*/false, &thenFallsThrough)) return;
  pre();
  if (thenFallsThrough) {
    moveTo(c.data.merge);
    cc_.jmp(c.data.label);
    c.data.reached = true;
  }
  cc_.bind(c.data.elseLabel);
  c.data.elseBound = true;
  stack_.resize(stackBase_ + c.height);
  stack_.insert(stack_.end(), c.data.params.begin(), c.data.params.end());
}

void Emitter::onEnd(Control& c, bool fallsThrough) {
  if (!dead_.reached(/*isEnd=*/true, &fallsThrough)) return;
  pre();
  if (c.kind == Op::Loop) {
    // Leaving the loop by its end: its locals back where the code
    // after it expects them.
    syncLocalsTo(c.data.renamesBefore, /*restore=*/true, /*emit=*/fallsThrough);
    uint32_t n = c.sig.numResults();
    if (!fallsThrough) {
      stack_.resize(stackBase_ + c.height);
      for (uint32_t i = 0; i < n; ++i) stack_.push_back(constVal(c.sig.result(i), 0));
      dead_.dead = true;
    } else {
      std::vector<Val> top(stack_.end() - n, stack_.end());
      stack_.resize(stackBase_ + c.height);
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
    stack_.resize(stackBase_ + c.height);
    stack_.insert(stack_.end(), c.data.params.begin(), c.data.params.end());
    moveTo(c.data.merge);
    c.data.reached = true;
  }
  cc_.bind(c.data.label);
  stack_.resize(stackBase_ + c.height);
  if (c.kind == Op::End) {
    if (inlineDepth_) {
      // The end of an inlined callee: its results are in fnMerge_, and the
      // code after the call is reached if the end is.
      inlineReached_ = c.data.reached || functionReached_;
      return;
    }
    if (c.data.reached || functionReached_) {
      uint32_t at = 0;
      for (size_t i = 0; i < fnMerge_.size(); ++i) {
        storeSlot(fnMerge_[i], x86::qword_ptr(fp_, int32_t(at * 8)));
        at += slotWidth(fnMerge_[i].type);
      }
      x86::Gp st = cc_.newGpq();
      cc_.xor_(st.r32(), st.r32());
      cc_.ret(st);
    }
    return;
  }
  for (uint32_t i = 0; i < c.sig.numResults(); ++i)
    stack_.push_back(c.data.reached ? c.data.merge[i] : constVal(c.sig.result(i), 0));
  if (!c.data.reached) dead_.dead = true;
}

void Emitter::onBr(Control& target) {
  if (!pre()) return;
  branchTo(target);
  dead_.dead = true;
}

void Emitter::onBrIf(Control& target) {
  if (!pre(true)) return;
  branchIf(popCondition(), target);
}

void Emitter::branchIf(const Cond& cond, Control& target) {
  if (target.data.merge.empty() && target.labelArity() == 0 && !needsSync(target)) {
    target.data.reached |= !target.isLoop();
    jumpIf(cc_, cond, target.data.label);
  } else {
    Label skip = cc_.newLabel();
    jumpIf(cc_, cond.negated(), skip);
    branchTo(target);
    cc_.bind(skip);
  }
}

void Emitter::onBrOnNull(Control& target) {
  if (!pre()) return;
  Val ref = pop();
  x86::Gp g = gpOf(ref);
  cc_.test(g, g);
  branchIf(Cond{x86::CondCode::kE, 0}, target);
  stack_.push_back(ref);
}

void Emitter::onBrOnNonNull(Control& target) {
  if (!pre()) return;
  Val ref = pop();
  x86::Gp g = gpOf(ref);
  stack_.push_back(ref);  // the branch carries it
  cc_.test(g, g);
  branchIf(Cond{x86::CondCode::kNE, 0}, target);
  pop();
}

void Emitter::onRefAsNonNull() {
  if (!pre()) return;
  Val ref = pop();
  x86::Gp g = gpOf(ref);
  cc_.test(g, g);
  cc_.jz(trapLabel(kNullReference));
  stack_.push_back(ref);
}

void Emitter::onBrTable(const std::vector<Control*>& targets, Control& def) {
  if (!pre()) return;
  Val index = pop();
  if (index.kind == Val::kConst) {
    uint32_t i = uint32_t(index.bits);
    branchTo(i < targets.size() ? *targets[i] : def);
    dead_.dead = true;
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
  uint32_t count = uint32_t(targets.size());
  if (count >= kJumpTableMin) {
    // A jump table: the index clamped to `count` (the default's entry),
    // then one indirect jump. Every stub is reached through the table only,
    // so the register allocator can give them all the jump's assignment.
    x86::Gp i = cc_.newGpq("brIndex"), limit = cc_.newGpq("brLimit");
    cc_.mov(i.r32(), idx.r32());
    cc_.mov(limit.r32(), imm(count));
    cc_.cmp(i.r32(), limit.r32());
    cc_.cmovae(i.r32(), limit.r32());
    JumpTable table{cc_.newLabel(), {}};
    JumpAnnotation* annotation = cc_.newJumpAnnotation();
    for (Control* t : targets) table.entries.push_back(stubFor(t));
    table.entries.push_back(stubFor(&def));
    for (Control* t : order) annotation->addLabel(stubs[t]);
    x86::Gp base = cc_.newGpq("brTable"), target = cc_.newGpq("brTarget");
    cc_.lea(base, x86::ptr(table.label));
    cc_.movsxd(target, x86::dword_ptr(base, i, 2));
    cc_.add(target, base);
    cc_.jmp(target, annotation);
    jumpTables_.push_back(std::move(table));
  } else {
    // Runs of equal targets, then a binary search over them.
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
      auto labelOf = [&](const Range& r) { return stubFor(r.target); };
      searchRanges(i32, ranges, 0, ranges.size(), labelOf);
    }
  }
  for (Control* t : order) {
    cc_.bind(stubs[t]);
    branchTo(*t);
  }
  dead_.dead = true;
}

void Emitter::threadJumpTables(CodeHolder& code) const {
  asmjit::CodeBuffer& text = code.textSection()->buffer();
  uint8_t* bytes = text.data();
  int64_t size = int64_t(text.size());
  // The destination of the jmp at `at`, or `at` if there is none.
  auto follow = [&](int64_t at) {
    for (int hops = 0; hops < 4; ++hops) {
      if (at + 5 <= size && bytes[at] == 0xE9) {
        int32_t rel;
        std::memcpy(&rel, bytes + at + 1, 4);
        at += 5 + int64_t(rel);
      } else if (at + 2 <= size && bytes[at] == 0xEB) {
        at += 2 + int64_t(int8_t(bytes[at + 1]));
      } else {
        break;
      }
      if (at < 0 || at >= size) return int64_t(-1);
    }
    return at;
  };
  for (const JumpTable& t : jumpTables_) {
    int64_t base = int64_t(code.labelOffset(t.label));
    for (size_t i = 0; i < t.entries.size(); ++i) {
      uint8_t* entry = bytes + base + int64_t(4 * i);
      int32_t delta;
      std::memcpy(&delta, entry, 4);
      int64_t target = follow(base + delta);
      if (target < 0 || target - base != int64_t(int32_t(target - base))) continue;
      delta = int32_t(target - base);
      std::memcpy(entry, &delta, 4);
    }
  }
}

void Emitter::onReturn() {
  if (!pre()) return;
  moveTo(fnMerge_);
  cc_.jmp(fnLabel_);
  markFunctionReached();
  dead_.dead = true;
}

void Emitter::onUnreachable() {
  if (!pre()) return;
  cc_.jmp(trapLabel(kUnreachable));
  dead_.dead = true;
}

// --- calls ---

void Emitter::onCall(uint32_t funcIndex) {
  if (!pre()) return;
  if (inlineCall(funcIndex)) return;
  const Module& m = d_->module();
  const FuncType& ft = m.funcType(funcIndex);
  storeArgs(ft);
  if (inst_->function(funcIndex) == fn_ && !isOsr()) {
    // Self-recursion: a direct call, no entry lookup. (Not from an OSR
    // entry, whose own entry point is the loop header.)
    InvokeNode* node;
    cc_.invoke(&node, funcNode_->label(), FuncSignatureT<uint64_t, void*, void*>(CallConvId::kHost));
    node->setArg(0, ctx_);
    node->setArg(1, fp_);
    finishCall(ft, node, callMayReturnTailCall(m, funcIndex));
    return;
  }
  emitCall(ft, directCallee(funcIndex), callMayReturnTailCall(m, funcIndex));
}

x86::Gp Emitter::directCallee(uint32_t funcIndex) {
  x86::Gp callee = cc_.newGpq("callee");
  if (funcIndex < d_->module().numImportedFuncs) {
    cc_.mov(callee, imm(uint64_t(uintptr_t(&inst_->importSlot(funcIndex)))));
    cc_.mov(callee, x86::qword_ptr(callee));
  } else {
    cc_.mov(callee, imm(uint64_t(uintptr_t(inst_->function(funcIndex)))));
  }
  return callee;
}

// Tail calls (see jit/jit.h): the arguments are in this frame already.
void Emitter::finishTailCall(x86::Gp callee) {
  cc_.mov(x86::qword_ptr(ctx_, offsetof(JitContext, tailCallee)), callee);
  x86::Gp caller = cc_.newGpq();
  cc_.mov(caller, imm(uint64_t(uintptr_t(inst_))));
  cc_.mov(x86::qword_ptr(ctx_, offsetof(JitContext, tailCaller)), caller);
  x86::Gp st = cc_.newGpq();
  cc_.mov(st.r32(), imm(kTailCall));
  cc_.ret(st);
  dead_.dead = true;
}

void Emitter::onReturnCall(uint32_t funcIndex) {
  if (!pre()) return;
  storeArgs(d_->module().funcType(funcIndex));
  finishTailCall(directCallee(funcIndex));
}

void Emitter::onReturnCallIndirect(uint32_t typeIndex, uint32_t table) {
  if (!pre()) return;
  Val index = pop();
  x86::Gp idx = gpOf(index);
  storeArgs(d_->module().types[typeIndex]);
  finishTailCall(callHelper((void*)&jitResolveIndirect,
                            {ctx_, ptrImm(inst_->table(table)), idx, u64Imm(d_->module().typeIds[typeIndex])}, true));
}

void Emitter::onReturnCallRef(uint32_t typeIndex) {
  if (!pre()) return;
  x86::Gp callee = gpOf(pop());
  cc_.test(callee, callee);
  cc_.jz(trapLabel(kNullFunctionReference));
  storeArgs(d_->module().types[typeIndex]);
  finishTailCall(callee);
}

void Emitter::onCallIndirect(uint32_t typeIndex, uint32_t table) {
  if (!pre()) return;
  const FuncType& ft = d_->module().types[typeIndex];
  Val index = pop();
  x86::Gp idx = gpOf(index);
  storeArgs(ft);
  x86::Gp callee = callHelper((void*)&jitResolveIndirect,
                              {ctx_, ptrImm(inst_->table(table)), idx, u64Imm(d_->module().typeIds[typeIndex])}, true);
  emitCall(ft, callee, /*mayTailCall=*/true);
}

namespace {
// Whether a function calls others than itself. Inlining such callees
// measured worse: more values live across the caller's loops, which
// asmjit's allocator then spills (sieve 10% slower). A function inlined
// into itself may call anything: once inlined, a recursive function makes
// half the calls (fib 1.6x faster, bintrees 8%).
struct CallsOthers : NullConsumer {
  uint32_t self = 0;
  bool calls = false;
  void onCall(uint32_t f) { calls |= f != self; }
  void onCallIndirect(uint32_t, uint32_t) { calls = true; }
  void onCallRef(uint32_t) { calls = true; }
};
}  // namespace

bool Emitter::inlineCall(uint32_t funcIndex) {
  // One level: an inlined body's own calls are calls (a recursive function
  // inlines one copy of itself, which halves its calls).
  if (inlineDepth_) return false;
  const Module& m = d_->module();
  bool acrossImport = funcIndex < m.numImportedFuncs;
  Function* callee = nullptr;
  if (!acrossImport)
    callee = inst_->function(funcIndex);
  else if (pins_ && funcIndex < pins_->slots.size())
    callee = pins_->slots[funcIndex];
  if (!callee) return false;
  Instance* calleeInst = callee->instance;
  const Module& cm = calleeInst->module();
  uint32_t defined = callee->index - cm.numImportedFuncs;
  const FunctionDecl& decl = cm.functions[defined];
  size_t size = decl.bodyEnd - decl.bodyBegin;
  if (size > kInlineMaxBytes || inlinedBytes_ + size > inlineBudget_) return false;
  // What the optimizing compiler leaves to other tiers is not inlined either.
  if (decl.usesTailCalls || decl.usesExceptions || decl.usesLegacyExceptions) return false;
  auto known = callsOthers_.find(callee);
  if (known == callsOthers_.end()) {
    CallsOthers check;
    check.self = callee->index;
    FunctionDecoder<CallsOthers> walk(cm, defined, check);
    walk.decode();
    known = callsOthers_.emplace(callee, check.calls).first;
  }
  if (known->second && callee != fn_) return false;
  inlinedBytes_ += size;
  ++tierStats(Tier::Optimized).inlinedCalls;
  if (acrossImport) ++tierStats(Tier::Optimized).inlinedImportCalls;
  // The callee's loops get their renames like the caller's (not in an OSR
  // entry, as for the caller: see compileOptimized). Renames are keyed by
  // module offset: not for another module's function.
  bool foreignModule = &cm != &fn_->instance->module();
  const FuncType& calleeType = callee->type;
  if (!isOsr() && !foreignModule && wantsLoopRenames(calleeType.params.size() + decl.locals.size()) &&
      !loopLocals_.count(uint32_t(decl.bodyBegin))) {
    for (auto& [offset, locals] : loopLocalsOf(cm, defined)) loopLocals_.emplace(offset, std::move(locals));
    loopLocals_[uint32_t(decl.bodyBegin)];  // walked
  }

  // The callee's frame is registers: its parameters are the arguments (the
  // caller's entries reading locals first become registers of their own,
  // since `locals_` is about to mean the callee's).
  const FuncType& ft = m.funcType(funcIndex);  // the call's type (an import's may be a supertype)
  materializeLocals();
  size_t n = ft.params.size();
  std::vector<Val> locals;
  for (size_t i = 0; i < n; ++i) locals.push_back(copyOf(stack_[stack_.size() - n + i]));
  stack_.resize(stack_.size() - n);
  std::vector<Val> args = locals;  // for the call made instead (acrossImport)
  for (ValType t : decl.locals) {
    Val v = newReg(t);
    moveInto(v, constVal(t, 0));
    locals.push_back(v);
  }
  std::vector<Val> results;
  for (ValType t : ft.results) results.push_back(newReg(t));

  // Across an import slot: the inlined body only while the slot holds the
  // callee (Function::uid), else the call below.
  Label viaSlot, join;
  x86::Gp slotFn;
  if (acrossImport) {
    viaSlot = cc_.newLabel();
    join = cc_.newLabel();
    slotFn = cc_.newGpq("slotfn");
    cc_.mov(slotFn, imm(uint64_t(uintptr_t(&inst_->importSlot(funcIndex)))));
    cc_.mov(slotFn, x86::qword_ptr(slotFn));
    x86::Mem uid = x86::qword_ptr(slotFn, int32_t(functionUidOffset()));
    if (callee->uid < (1ull << 31)) {
      cc_.cmp(uid, imm(int32_t(callee->uid)));
    } else {
      x86::Gp want = cc_.newGpq();
      cc_.mov(want, imm(callee->uid));
      cc_.cmp(uid, want);
    }
    cc_.jne(viaSlot);
  }

  Decoder* outer = d_;
  uint32_t outerBodyEnd = bodyEnd_, outerBase = stackBase_;
  Label outerLabel = fnLabel_;
  bool outerReached = functionReached_;
  std::vector<Val> outerLocals = std::move(locals_), outerMerge = std::move(fnMerge_);
  locals_ = std::move(locals);
  fnMerge_ = results;
  fnLabel_ = cc_.newLabel();
  functionReached_ = false;
  stackBase_ = uint32_t(stack_.size());
  bodyEnd_ = decl.bodyEnd;
  ++inlineDepth_;
  inlinedFn_ = callee;
  inst_ = calleeInst;
  foreignModule_ = foreignModule;
  foreignMemory_ = (calleeInst->numMemories() ? calleeInst->memory(0) : nullptr) != mem_;
  {
    Decoder inner(cm, defined, *this);
    d_ = &inner;
    inner.decode();
  }
  inst_ = fn_->instance;
  foreignModule_ = false;
  foreignMemory_ = false;
  inlinedFn_ = nullptr;
  --inlineDepth_;
  d_ = outer;
  bodyEnd_ = outerBodyEnd;
  stackBase_ = outerBase;
  fnLabel_ = outerLabel;
  functionReached_ = outerReached;
  locals_ = std::move(outerLocals);
  fnMerge_ = std::move(outerMerge);

  bool reached = inlineReached_;
  if (acrossImport) {
    // The call through the slot, its results into the same registers.
    if (reached) cc_.jmp(join);
    cc_.bind(viaSlot);
    dead_.dead = false;
    stack_.insert(stack_.end(), args.begin(), args.end());
    storeArgs(ft);
    emitCall(ft, slotFn, callMayReturnTailCall(m, funcIndex));
    moveTo(results);
    stack_.resize(stack_.size() - results.size());
    cc_.bind(join);
    reached = true;
  }
  for (size_t i = 0; i < results.size(); ++i)
    stack_.push_back(reached ? results[i] : constVal(ft.results[i], 0));
  // A callee that never returns (it always traps): what follows the call
  // is dead code.
  if (!reached) dead_.dead = true;
  return true;
}

// --- parametric ---

void Emitter::onDrop() {
  if (!pre()) return;
  stack_.pop_back();
}

void Emitter::onSelect(ValType t) {
  if (!pre(true)) return;
  // A comparison just before becomes the cmov's (or the branch's) flags.
  bool fused = stack_.back().kind == Val::kCmp && (isFloat(t) || !isFloat(ValType::fromCode(opInfo(pending_.op).operand)) ||
                                                   (pending_.op != Op::F32Eq && pending_.op != Op::F64Eq &&
                                                    pending_.op != Op::F32Ne && pending_.op != Op::F64Ne));
  if (stack_.back().kind == Val::kCmp && !fused) materializePending();
  Val cond = pop();
  Val b = pop();
  Val a = pop();
  if (cond.kind == Val::kConst) {
    stack_.push_back(cond.bits & 0xffffffffu ? a : b);
    return;
  }
  // Selected values are prepared before the flags are set: moves leave
  // them alone.
  Val r = copyOf(a);
  if (inXmm(r.type)) {
    Label skip = cc_.newLabel();
    if (fused) {
      jumpIf(cc_, emitCompare(), skip);
    } else {
      x86::Gp c = gpOf(cond);
      cc_.test(c.r32(), c.r32());
      cc_.jnz(skip);
    }
    moveInto(r, b);
    cc_.bind(skip);
  } else {
    x86::Gp bg = gpOf(b);
    x86::CondCode keep;
    if (fused) {
      keep = emitCompare().cc;
    } else {
      x86::Gp c = gpOf(cond);
      cc_.test(c.r32(), c.r32());
      keep = x86::CondCode::kNZ;
    }
    x86::CondCode useB = x86::negateCond(keep);
    if (r.gp.size() == 4)
      cc_.cmov(useB, r.gp, bg.r32());
    else
      cc_.cmov(useB, r.gp, bg.r64());
  }
  stack_.push_back(r);
}

// --- variables ---

void Emitter::onLocalGet(uint32_t i) {
  if (!pre()) return;
  pushLocal(i);
}

void Emitter::pushLocal(uint32_t i) {
  Val v;
  v.kind = Val::kLocal;
  v.local = i;
  v.type = locals_[i].type;
  stack_.push_back(v);
}

void Emitter::onLocalSet(uint32_t i) {
  if (!pre()) return;
  Val v = pop();
  setLocal(i, v);
}

void Emitter::onLocalTee(uint32_t i) {
  if (!pre()) return;
  Val v = pop();
  setLocal(i, v);
  if (v.kind == Val::kConst) {
    stack_.push_back(v);
  } else {
    pushLocal(i);
  }
}

void Emitter::onGlobalGet(uint32_t i) {
  if (!pre()) return;
  GlobalCell* cell = inst_->global(i);
  Val r = newReg(cell->type.type);
  x86::Gp p = cc_.newGpq();
  cc_.mov(p, imm(uint64_t(uintptr_t(&cell->value))));
  loadSlot(r, x86::qword_ptr(p));
  stack_.push_back(r);
}

void Emitter::onGlobalSet(uint32_t i) {
  if (!pre()) return;
  GlobalCell* cell = inst_->global(i);
  Val v = pop();
  x86::Gp p = cc_.newGpq();
  cc_.mov(p, imm(uint64_t(uintptr_t(&cell->value))));
  if (v.type == ValType::V128) {
    storeSlot(v, x86::xmmword_ptr(p));  // value then high: 16 bytes
  } else if (isFloat(v.type)) {
    // Keep 32-bit globals clean in their upper half (hosts read them).
    x86::Gp g = cc_.newGpq();
    xmmToGp(g, xmmOf(v), v.type == ValType::F32);
    cc_.mov(x86::qword_ptr(p), g);
  } else {
    cc_.mov(x86::qword_ptr(p), gpOf(v).r64());  // i32: upper half zero
  }
}

// --- tables and references ---

void Emitter::onTableGet(uint32_t t) {
  if (!pre()) return;
  x86::Gp idx = gpOf(pop());
  x86::Gp r = callHelper((void*)&jitTableGet, {ctx_, ptrImm(inst_->table(t)), idx}, true);
  pushGp(inst_->table(t)->type().elem, r);
}

void Emitter::onTableSet(uint32_t t) {
  if (!pre()) return;
  x86::Gp v = gpOf(pop());
  x86::Gp idx = gpOf(pop());
  callHelper((void*)&jitTableSet, {ctx_, ptrImm(inst_->table(t)), idx, v}, true);
}

void Emitter::onTableSize(uint32_t t) {
  if (!pre()) return;
  x86::Gp r = callHelper((void*)&jitTableSize, {ptrImm(inst_->table(t))}, false);
  pushGp(inst_->table(t)->type().indexType(), r);
}

void Emitter::onTableGrow(uint32_t t) {
  if (!pre()) return;
  x86::Gp n = gpOf(pop());
  x86::Gp init = gpOf(pop());
  x86::Gp r = callHelper((void*)&jitTableGrow, {ptrImm(inst_->table(t)), init, n}, false);
  pushGp(inst_->table(t)->type().indexType(), r);
}

void Emitter::onTableFill(uint32_t t) {
  if (!pre()) return;
  x86::Gp n = gpOf(pop()), v = gpOf(pop()), idx = gpOf(pop());
  callHelper((void*)&jitTableFill, {ctx_, ptrImm(inst_->table(t)), idx, v, n}, true);
}

void Emitter::onTableCopy(uint32_t dst, uint32_t src) {
  if (!pre()) return;
  x86::Gp n = gpOf(pop()), s = gpOf(pop()), d = gpOf(pop());
  callHelper((void*)&jitTableCopy, {ctx_, ptrImm(inst_->table(dst)), ptrImm(inst_->table(src)), d, s, n}, true);
}

void Emitter::onTableInit(uint32_t seg, uint32_t t) {
  if (!pre()) return;
  x86::Gp n = gpOf(pop()), s = gpOf(pop()), d = gpOf(pop());
  callHelper((void*)&jitTableInit, {ctx_, ptrImm(inst_), ptrImm(inst_->table(t)), u64Imm(seg), d, s, n}, true);
}

void Emitter::onElemDrop(uint32_t seg) {
  if (!pre()) return;
  callHelper((void*)&jitElemDrop, {ptrImm(inst_), u64Imm(seg)}, false);
}

void Emitter::onCallRef(uint32_t typeIndex) {
  if (!pre()) return;
  const FuncType& ft = d_->module().types[typeIndex];
  x86::Gp callee = gpOf(pop());
  cc_.test(callee, callee);
  cc_.jz(trapLabel(kNullFunctionReference));
  storeArgs(ft);
  emitCall(ft, callee, /*mayTailCall=*/true);
}

void Emitter::onRefNull(ValType t) {
  if (!pre()) return;
  stack_.push_back(constVal(t, 0));
}

void Emitter::onRefIsNull() {
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

void Emitter::onRefFunc(uint32_t f) {
  if (!pre()) return;
  stack_.push_back(constVal(ValType::FuncRef, uint64_t(uintptr_t(inst_->function(f)))));
}

}  // namespace strata::jit::emit
