// The baseline compiler's function frame (prologue, epilogue, OSR entries,
// counting), structured control, calls, variables and tables (see
// baseline_compiler.h).
#include <cstring>

#include "jit/baseline/baseline_compiler.h"

namespace strata::jit::baseline {

namespace {
const x86::Gp kCtx = x86::r15;
const x86::Gp kFp = x86::r14;
const x86::Gp kMemBase = x86::r13;
const x86::Gp kScratch = x86::r11;

int32_t ctxField(size_t offset) { return int32_t(offset); }
}  // namespace

// --- function ---

// The prologue: callee-saved registers, the pinned ones, the two stack
// checks ("call stack exhausted"), the memory base. The entry has it
// inline; the OSR entries share one copy (osrPrologue_, in finish()), which
// goes on to the loop header whose address is in rax. The frame size is
// not known until the end of the walk: the entry's check is patched in
// finish().
void BaselineCompiler::emitPrologue(bool patchFrameSize) {
  // Three pushes on top of the return address: the body runs with rsp
  // 16-byte aligned, ready for calls.
  a_.push(kCtx);
  a_.push(kFp);
  a_.push(kMemBase);
  a_.mov(kCtx, x86::rdi);
  a_.mov(kFp, x86::rsi);
  a_.cmp(x86::rsp, x86::qword_ptr(kCtx, ctxField(offsetof(JitContext, stackLimit))));
  a_.jb(trapLabel(kStackExhausted));
  // A placeholder that needs a 32-bit displacement, patched later.
  a_.lea(kScratch, x86::ptr(kFp, patchFrameSize ? INT32_MAX : int32_t(8 * maxSlots_)));
  if (patchFrameSize) frameCheckAt_ = a_.offset() - 4;
  a_.cmp(kScratch, x86::qword_ptr(kCtx, ctxField(offsetof(JitContext, slotLimit))));
  a_.ja(trapLabel(kStackExhausted));
  if (mem_ && guarded_) a_.mov(kMemBase, imm(uint64_t(uintptr_t(mem_->base()))));
}

void BaselineCompiler::onFunctionStart(Control&) {
  numLocals_ = d_->numLocals();
  localReaders_.assign(numLocals_, 0);
  localOffset_.clear();
  uint32_t slot = 0;
  for (ValType t : d_->localTypes()) {
    localOffset_.push_back(slot);  // slotOffsets(), into the reused vector
    slot += slotWidth(t);
  }
  localSlots_ = slotCount(d_->localTypes());
  paramSlots_ = d_->functionType().paramSlots();
  maxSlots_ = localSlots_;
  entryLabel = a_.newLocalLabel();
  epilogue_ = a_.newLocalLabel();
  failed_ = a_.newLocalLabel();
  a_.bind(entryLabel);
  emitPrologue(/*patchFrameSize=*/true);
  if (mem_ && guarded_) {
    // The guard-region fault handler resumes here.
    hasOobExit = true;
    oobExit = trapLabel(kOutOfBoundsMemory);
  }
  refreshMemory();
  // Zero the declared locals' slots.
  uint32_t n = localSlots_ - paramSlots_;
  if (n > 16) {
    a_.lea(x86::rdi, frameSlot(paramSlots_));
    a_.mov(x86::ecx, imm(n));
    a_.xor_(x86::eax, x86::eax);
    a_.rep().stosq();
  } else if (n) {
    a_.xor_(x86::eax, x86::eax);
    for (uint32_t s = paramSlots_; s < localSlots_; ++s) a_.mov(frameSlot(s), x86::rax);
  }
  if (options_.count) countDown(kAtEntry);
  if (options_.meterFuel) chargeFuel();
}

// At every loop header, as in the prologue: the stack check, which an
// interrupt request makes fail (JitContext::realStackLimit).
void BaselineCompiler::checkInterrupt() {
  a_.cmp(x86::rsp, x86::qword_ptr(kCtx, ctxField(offsetof(JitContext, stackLimit))));
  a_.jb(trapLabel(kStackExhausted));
}

void BaselineCompiler::chargeFuel() {
  a_.mov(kScratch, x86::qword_ptr(kCtx, ctxField(offsetof(JitContext, fuel))));
  a_.sub(x86::qword_ptr(kScratch), imm(1));
  a_.js(trapLabel(kOutOfFuel));
}

void BaselineCompiler::countDown(uint32_t loopOffset) {
  CountStub s{a_.newLocalLabel(), a_.newLocalLabel(), loopOffset};
  a_.mov(kScratch, imm(uint64_t(uintptr_t(&functionCode(fn_)->optimizeCountdown))));
  a_.sub(x86::dword_ptr(kScratch), imm(1));
  a_.jle(s.stub);
  a_.bind(s.resume);
  countStubs_.push_back(s);
}

void BaselineCompiler::finish() {
  // Counting stubs: the runtime hook decides (queue the optimizing compile,
  // maybe run the rest of this call in optimized code entered at this loop:
  // then its status is this call's). They share the call (countHook).
  LocalLabel countHook = a_.newLocalLabel();
  for (const CountStub& s : countStubs_) {
    a_.bind(s.stub);
    a_.mov(x86::ecx, imm(s.loopOffset));
    a_.call(countHook);
    a_.cmp(x86::rax, imm(-1));
    a_.jne(epilogue_);
    a_.jmp(s.resume);
  }
  if (!countStubs_.empty()) {
    a_.bind(countHook);
    a_.sub(x86::rsp, imm(8));  // aligned for the call again
    a_.mov(x86::rdi, kCtx);
    a_.mov(x86::rsi, kFp);
    a_.mov(x86::rdx, imm(uint64_t(uintptr_t(fn_))));
    a_.mov(x86::rax, imm(uint64_t(uintptr_t(&jitCountdownHook))));
    a_.call(x86::rax);
    a_.add(x86::rsp, imm(8));
    a_.ret();
  }
  for (const TryScope& t : tries_) {
    // A call or throw in the try_table failed (status in eax): a trap goes
    // on; a pending exception may be taken by a clause.
    LocalLabel passOn = a_.newLocalLabel();
    LocalLabel outer = t.parent >= 0 ? tries_[size_t(t.parent)].dispatch : failed_;
    a_.bind(t.dispatch);
    a_.cmp(x86::eax, imm(kPending));
    a_.jne(outer);
    a_.mov(x86::rdi, kCtx);
    a_.mov(x86::rsi, kFp);
    a_.lea(x86::rdx, t.table);
    a_.mov(x86::rax, imm(uint64_t(uintptr_t(&jitCatch))));
    a_.call(x86::rax);
    for (size_t k = 0; k < t.landings.size(); ++k) {
      a_.cmp(x86::eax, imm(k + 1));
      a_.je(t.landings[k]);
    }
    a_.bind(passOn);
    a_.mov(x86::eax, imm(kPending));
    a_.jmp(outer);
  }
  for (const CallStub& s : callStubs_) {
    // A call site's way out (status in eax): a tail call of the callee is
    // made on the callee's frame; what is left is 0 (go on) or a failure.
    a_.bind(s.stub);
    a_.lea(x86::rsi, frameSlot(s.frameSlot));
    a_.call(finishTailCalls_);
    a_.test(x86::eax, x86::eax);
    a_.j(x86::CondCode::kZ, s.resume);
    a_.jmp(s.fail);
  }
  if (!callStubs_.empty()) {
    // The call sites' stubs share this way to jitFinishTailCalls (rsi: the
    // callee frame; entered by a call, so the stack is as at a helper's
    // entry).
    a_.bind(finishTailCalls_);
    a_.mov(x86::rdi, kCtx);
    a_.mov(x86::edx, x86::eax);
    a_.mov(x86::rax, imm(uint64_t(uintptr_t(&jitFinishTailCalls))));
    a_.jmp(x86::rax);
  }
  if (callStubUsed_) {
    // Every call goes through here (callee in rdx, its frame in rsi): the
    // callee's entry, or the bridge to interpreted and host functions,
    // entered by a jump so that it returns to the call site.
    a_.bind(callStub_);
    a_.mov(x86::rdi, kCtx);
    a_.mov(x86::rcx, imm(uint64_t(uintptr_t(&inst_))));
    a_.mov(x86::rax, x86::qword_ptr(x86::rdx, int32_t(jitEntryOffset())));
    a_.test(x86::rax, x86::rax);
    LocalLabel bridge = a_.newLocalLabel();
    a_.jz(bridge);
    a_.jmp(x86::rax);
    a_.bind(bridge);
    a_.mov(x86::rax, imm(uint64_t(uintptr_t(&jitCallBridge))));
    a_.jmp(x86::rax);
  }
  for (uint32_t k = 0; k < kNumTrapCodes; ++k) {
    if (!trapUsed_[k]) continue;
    a_.bind(trapLabels_[k]);
    a_.mov(x86::eax, imm(k));
    a_.jmp(failed_);
  }
  if (statusUsed_) {
    a_.bind(statusExit_);
    a_.mov(x86::rax, x86::qword_ptr(kCtx, ctxField(offsetof(JitContext, status))));
  }
  // Every failure (status in rax) adds this function to the trap's trace
  // on its way out. The stack is as at the epilogue: 16-byte aligned.
  a_.bind(failed_);
  a_.push(x86::rax);
  a_.sub(x86::rsp, imm(8));
  a_.mov(x86::rdi, imm(uint64_t(uintptr_t(fn_))));
  a_.mov(x86::rax, imm(uint64_t(uintptr_t(&jitTraceFrame))));
  a_.call(x86::rax);
  a_.add(x86::rsp, imm(8));
  a_.pop(x86::rax);
  a_.bind(epilogue_);
  a_.pop(kMemBase);
  a_.pop(kFp);
  a_.pop(kCtx);
  a_.ret();
  // OSR entries: the interpreter frame's locals are where this code keeps
  // them, so entering a loop header needs only the prologue, shared.
  if (!loopEntries.empty()) {
    LocalLabel prologue = a_.newLocalLabel();
    for (const LoopEntry& e : loopEntries) {
      a_.bind(e.entry);
      a_.lea(x86::rax, e.header);
      a_.jmp(prologue);
    }
    a_.bind(prologue);
    emitPrologue(/*patchFrameSize=*/false);
    refreshMemoryKeeping(x86::rax);
    a_.jmp(x86::rax);
  }
  if (!constants128_.empty()) {
    a_.align(AlignMode::kData, 16);
    for (auto& [bits, label] : constants128_) {
      a_.bind(label);
      a_.embedUInt64(bits.first);
      a_.embedUInt64(bits.second);
    }
  }
  if (!constants32_.empty() || !constants64_.empty()) {
    a_.align(AlignMode::kData, 8);
    for (auto& [bits, label] : constants64_) {
      a_.bind(label);
      a_.embedUInt64(bits);
    }
    for (auto& [bits, label] : constants32_) {
      a_.bind(label);
      a_.embedUInt32(uint32_t(bits));
    }
  }
  // The try_tables' catch tables (CatchTable), read by jitCatch.
  if (!tries_.empty()) a_.align(AlignMode::kData, 8);
  for (const TryScope& t : tries_) {
    a_.bind(t.table);
    a_.embedUInt64(uint64_t(uintptr_t(&inst_)));
    a_.embedUInt32(uint32_t(t.entries.size()));
    a_.embedUInt32(0);
    for (const CatchTable::Entry& e : t.entries) {
      a_.embedUInt64(uint64_t(uintptr_t(e.tag)));
      a_.embedUInt32(e.valueSlot);
      a_.embedUInt32(e.refSlot);
    }
  }
  int32_t frameBytes = int32_t(8 * maxSlots_);
  std::memcpy(a_.bufferData() + frameCheckAt_, &frameBytes, 4);
}

LocalLabel BaselineCompiler::labelOf(Control& c) {
  if (!c.data.label.isValid()) c.data.label = a_.newLocalLabel();
  return c.data.label;
}

// --- structured control ---

void BaselineCompiler::onBlock(Control& c) {
  if (dead_.opened()) return;
  pre();
  materializeFrom(0);
  // Its end label is made by the first branch there (labelOf).
}

void BaselineCompiler::onLoop(Control& c) {
  if (dead_.opened()) return;
  pre();
  // Back edges store the parameters in their slots: they are there at the
  // header, constants included.
  materializeFrom(0);
  materializeFrom(height() - c.sig.numParams(), /*constants=*/true);
  c.data.label = a_.newLocalLabel();
  a_.bind(c.data.label);
  if (options_.interruptibleLoops) checkInterrupt();
  if (options_.meterFuel) chargeFuel();
  // A loop entered with an empty stack is an OSR point: the interpreter
  // may jump in here, and hot baseline code may leave for optimized code.
  bool osrPoint = height() == 0;
  uint32_t offset = uint32_t(d_->opOffset());
  if (options_.count) countDown(osrPoint ? offset : kNoOsrPoint);
  if (osrPoint && options_.loopEntries) loopEntries.push_back({offset, a_.newLocalLabel(), c.data.label});
}

void BaselineCompiler::onIf(Control& c) {
  if (dead_.opened()) return;
  pre(true);
  Cond cond = popCondition();
  // Plain moves: the flags survive. The else arm finds the parameters in
  // their slots.
  materializeFrom(0);
  materializeFrom(height() - c.sig.numParams(), /*constants=*/true);
  c.data.elseLabel = a_.newLocalLabel();
  jit::jumpIf(a_, cond.negated(), c.data.elseLabel);
}

void BaselineCompiler::onElse(Control& c, bool thenFallsThrough) {
  if (!dead_.reached(/*isEnd=*/false, &thenFallsThrough)) return;
  pre();
  if (thenFallsThrough) {
    materializeFrom(c.height, /*constants=*/true);
    a_.jmp(labelOf(c));
    c.data.reached = true;
  }
  a_.bind(c.data.elseLabel);
  c.data.elseBound = true;
  while (height() > c.height) pop();
  // The parameters are in their slots (spilled at the if).
  for (uint32_t i = 0; i < c.sig.numParams(); ++i) pushSlot(c.sig.param(i));
  stable_ = height();
}

void BaselineCompiler::onEnd(Control& c, bool fallsThrough) {
  if (c.data.tryScope >= 0) activeTry_ = tries_[size_t(c.data.tryScope)].parent;
  if (!dead_.reached(/*isEnd=*/true, &fallsThrough)) return;
  pre();
  uint32_t n = c.sig.numResults();
  if (c.kind == Op::End) {  // the function
    if (fallsThrough) emitReturn();
    return;
  }
  if (c.kind == Op::Loop) {
    // Nothing branches to a loop's end: its results are simply on top.
    if (!fallsThrough) {
      while (height() > c.height) pop();
      for (uint32_t i = 0; i < n; ++i) pushConst(c.sig.result(i), 0);
      dead_.dead = true;
    }
    return;
  }
  if (fallsThrough) {
    materializeFrom(c.height, /*constants=*/true);
    c.data.reached = true;
  }
  if (c.kind == Op::If && !c.data.elseBound) {
    // The missing else arm passes the parameters (in their slots) through.
    if (fallsThrough) a_.jmp(labelOf(c));
    a_.bind(c.data.elseLabel);
    c.data.reached = true;
  }
  if (c.data.label.isValid()) a_.bind(c.data.label);
  while (height() > c.height) pop();
  for (uint32_t i = 0; i < n; ++i) {
    if (c.data.reached)
      pushSlot(c.sig.result(i));
    else
      pushConst(c.sig.result(i), 0);
  }
  if (!c.data.reached) dead_.dead = true;
  stable_ = height();  // results in their slots, or constants
}

void BaselineCompiler::moveBranchValues(const Control& target) {
  // The top `arity` entries go to the target's slots, in ascending order:
  // a destination is never above its source, so no source is overwritten
  // before it is read. The compile-time stack is left as it is (a br_if
  // falls through with the same entries).
  uint32_t arity = target.labelArity();
  uint32_t from = height() - arity;
  uint32_t dst = slotAtHeight(target.height);  // then the label's types lay the values out
  for (uint32_t i = 0; i < arity; ++i) {
    storeValue(from + i, frameSlot(dst));
    dst += slotWidth(target.labelType(i));
  }
}

void BaselineCompiler::branchTo(Control& target) {
  if (target.kind == Op::End) return emitReturn();
  moveBranchValues(target);
  if (!target.isLoop()) target.data.reached = true;
  a_.jmp(labelOf(target));
}

void BaselineCompiler::emitReturn() {
  // Results go to the slots from fp[0] up, where locals live, in ascending
  // order: result i's stack slot is at or above its destination, so no
  // stack source is overwritten before it is read (a v128 moves as one
  // 16-byte value), but a result reading a local below its destination
  // would be: it goes through its own stack slot first.
  const std::vector<ValType>& results = d_->functionType().results;
  uint32_t r = uint32_t(results.size());
  uint32_t from = height() - r;
  // Result i goes to slot dst (the widths of the results before it).
  auto clobbered = [&](uint32_t i, uint32_t dst) {
    const Value& v = stack_[from + i];
    return v.kind == Value::kLocal && localOffset_[v.local] < dst;
  };
  for (uint32_t i = 0, dst = 0; i < r; dst += slotWidth(results[i++]))
    if (clobbered(i, dst)) storeValue(from + i, stackSlot(from + i));
  for (uint32_t i = 0, dst = 0; i < r; dst += slotWidth(results[i++])) {
    const Value& v = stack_[from + i];
    uint32_t width = slotWidth(results[i]);
    if (clobbered(i, dst)) {
      copySlots(frameSlot(dst, 8 * width), stackSlot(from + i, 8 * width), width);
    } else if (!(v.kind == Value::kLocal && localOffset_[v.local] == dst)) {
      storeValue(from + i, frameSlot(dst));
    }
  }
  a_.xor_(x86::eax, x86::eax);
  a_.pop(kMemBase);
  a_.pop(kFp);
  a_.pop(kCtx);
  a_.ret();
}

void BaselineCompiler::onBr(Control& target) {
  if (!pre()) return;
  branchTo(target);
  dead_.dead = true;
}

void BaselineCompiler::onBrIf(Control& target) {
  if (!pre(true)) return;
  if (top().kind == Value::kConst) {
    bool taken = uint32_t(top().bits) != 0;
    pop();
    if (taken) {
      branchTo(target);
      dead_.dead = true;
    }
    return;
  }
  branchIf(popCondition(), target);
}

void BaselineCompiler::branchIf(const Cond& cond, Control& target) {
  if (target.kind != Op::End && target.labelArity() == 0) {
    if (!target.isLoop()) target.data.reached = true;
    jit::jumpIf(a_, cond, labelOf(target));
    return;
  }
  LocalLabel skip = a_.newLocalLabel();
  jit::jumpIf(a_, cond.negated(), skip);
  branchTo(target);
  a_.bind(skip);
}

// The reference is tested in its slot: the branch's value moves cannot
// disturb it, and it stays there for the path that keeps it.
void BaselineCompiler::onBrOnNull(Control& target) {
  if (!pre()) return;
  uint32_t pos = height() - 1;
  ValType t = top().type;
  materialize(pos);
  pop();
  a_.cmp(stackSlot(pos), imm(0));
  branchIf(Cond{x86::CondCode::kE, 0}, target);
  pushSlot(t);
}

void BaselineCompiler::onBrOnNonNull(Control& target) {
  if (!pre()) return;
  uint32_t pos = height() - 1;
  materialize(pos);
  a_.cmp(stackSlot(pos), imm(0));
  branchIf(Cond{x86::CondCode::kNE, 0}, target);
  pop();
}

void BaselineCompiler::onRefAsNonNull() {
  if (!pre()) return;
  uint32_t pos = height() - 1;
  materialize(pos);
  a_.cmp(stackSlot(pos), imm(0));
  a_.jz(trapLabel(kNullReference));
}

void BaselineCompiler::onBrTable(const std::vector<Control*>& targets, Control& def) {
  if (!pre()) return;
  if (top().kind == Value::kConst) {
    uint32_t i = uint32_t(top().bits);
    pop();
    branchTo(i < targets.size() ? *targets[i] : def);
    dead_.dead = true;
    return;
  }
  // The values go to their own slots first: then registers are free to
  // clobber, and each target either finds them in place or copies them.
  uint32_t arity = def.labelArity();
  uint32_t index = height() - 1;
  uint32_t from = index - arity;
  for (uint32_t p = from; p < index; ++p) materialize(p);
  Operand src = gpSource(index, /*allowImm=*/false);
  src.isReg() ? a_.mov(kScratch.r32(), src.as<x86::Gp>().r32()) : a_.mov(kScratch.r32(), src.as<x86::Mem>());
  pop();
  std::unordered_map<Control*, LocalLabel> stubs;
  std::vector<Control*> order;
  auto destination = [&](Control* t) -> LocalLabel {
    if (t->kind != Op::End && (arity == 0 || t->height == from)) {
      if (!t->isLoop()) t->data.reached = true;
      return labelOf(*t);
    }
    auto it = stubs.find(t);
    if (it != stubs.end()) return it->second;
    LocalLabel l = a_.newLocalLabel();
    stubs.emplace(t, l);
    order.push_back(t);
    return l;
  };
  LocalLabel table = a_.newLocalLabel();
  uint32_t count = uint32_t(targets.size());
  a_.cmp(kScratch.r32(), imm(count));
  a_.jae(destination(&def));
  a_.lea(x86::rax, table);
  a_.movsxd(x86::rdx, x86::dword_ptr(x86::rax, kScratch, 2));
  a_.add(x86::rax, x86::rdx);
  a_.jmp(x86::rax);
  a_.align(AlignMode::kCode, 4);
  a_.bind(table);
  for (Control* t : targets) a_.embedLabelDelta(destination(t), table);
  for (Control* t : order) {
    a_.bind(stubs[t]);
    branchTo(*t);
  }
  dead_.dead = true;
}

void BaselineCompiler::onReturn() {
  if (!pre()) return;
  emitReturn();
  dead_.dead = true;
}

void BaselineCompiler::onUnreachable() {
  if (!pre()) return;
  a_.jmp(trapLabel(kUnreachable));
  dead_.dead = true;
}

// --- calls ---

void BaselineCompiler::emitCall(const FuncType& ft, uint32_t argBase, bool mayTailCall) {
  // The callee (Function*) is in rdx; the arguments are in their slots,
  // which is where the callee's frame starts. The rest of the sequence is
  // the function's call stub (finish()).
  if (!callStubUsed_) {
    callStubUsed_ = true;
    callStub_ = a_.newLocalLabel();
  }
  uint32_t frame = slotAtHeight(argBase);
  a_.lea(x86::rsi, frameSlot(frame));  // the callee frame: the first argument's slot
  a_.call(callStub_);
  a_.test(x86::eax, x86::eax);  // statuses are small
  if (!mayTailCall) {
    a_.jnz(failLabel());
  } else {
    if (callStubs_.empty()) finishTailCalls_ = a_.newLocalLabel();
    CallStub site{a_.newLocalLabel(), a_.newLocalLabel(), frame, failLabel()};
    a_.j(x86::CondCode::kNZ, site.stub);
    a_.bind(site.resume);
    callStubs_.push_back(site);
  }
  while (height() > argBase) pop();
  for (ValType t : ft.results) pushSlot(t);
  refreshMemory();
}

// Calls and tail calls differ only in their last step (emitCall or
// emitTailCall): the arguments go to their slots, the callee to rdx.
void BaselineCompiler::directCall(uint32_t funcIndex, bool tail) {
  if (!pre()) return;
  const FuncType& ft = d_->module().funcType(funcIndex);
  uint32_t argBase = height() - uint32_t(ft.params.size());
  materializeFrom(argBase, /*constants=*/true);
  spillRegisters();
  loadDirectCallee(funcIndex);
  tail ? emitTailCall(ft, argBase) : emitCall(ft, argBase, callMayReturnTailCall(d_->module(), funcIndex));
}

void BaselineCompiler::indirectCall(uint32_t typeIndex, uint32_t table, bool tail) {
  if (!pre()) return;
  const FuncType& ft = d_->module().types[typeIndex];
  uint32_t argBase = height() - 1 - uint32_t(ft.params.size());
  materializeFrom(argBase, /*constants=*/true);
  loadIndirectCallee(typeIndex, table);
  tail ? emitTailCall(ft, argBase) : emitCall(ft, argBase, /*mayTailCall=*/true);
}

void BaselineCompiler::refCall(uint32_t typeIndex, bool tail) {
  if (!pre()) return;
  const FuncType& ft = d_->module().types[typeIndex];
  uint32_t argBase = height() - 1 - uint32_t(ft.params.size());
  materializeFrom(argBase, /*constants=*/true);
  spillRegisters();
  loadRefCallee();
  tail ? emitTailCall(ft, argBase) : emitCall(ft, argBase, /*mayTailCall=*/true);
}

void BaselineCompiler::loadDirectCallee(uint32_t funcIndex) {
  if (funcIndex < d_->module().numImportedFuncs) {
    // The import slot: whatever it holds when the call runs.
    a_.mov(x86::rdx, imm(uint64_t(uintptr_t(&inst_.importSlot(funcIndex)))));
    a_.mov(x86::rdx, x86::qword_ptr(x86::rdx));
  } else {
    a_.mov(x86::rdx, imm(uint64_t(uintptr_t(inst_.function(funcIndex)))));
  }
}

void BaselineCompiler::loadIndirectCallee(uint32_t typeIndex, uint32_t table) {
  uint32_t index = height() - 1;
  callHelper((const void*)&jitResolveIndirect,
             {ctxArg(), ptr(inst_.table(table)), entry(index), imm64(d_->module().typeIds[typeIndex])}, true);
  pop();
  a_.mov(x86::rdx, x86::rax);
}

void BaselineCompiler::loadRefCallee() {
  a_.mov(x86::rdx, stackSlot(height() - 1));
  pop();
  a_.test(x86::rdx, x86::rdx);
  a_.jz(trapLabel(kNullFunctionReference));
}

// Tail calls. The arguments are in their slots from argBase up; they move
// down to slot 0, this function's frame, which becomes the callee's (in
// ascending order: each source is at or above its destination).
void BaselineCompiler::emitTailCall(const FuncType& ft, uint32_t argBase) {
  uint32_t from = slotAtHeight(argBase), n = ft.paramSlots();
  if (from != 0)
    for (uint32_t k = 0; k < n; ++k) {
      a_.mov(x86::rax, frameSlot(from + k));
      a_.mov(frameSlot(k), x86::rax);
    }
  a_.mov(x86::qword_ptr(kCtx, ctxField(offsetof(JitContext, tailCallee))), x86::rdx);
  a_.mov(x86::rax, imm(uint64_t(uintptr_t(&inst_))));
  a_.mov(x86::qword_ptr(kCtx, ctxField(offsetof(JitContext, tailCaller))), x86::rax);
  a_.mov(x86::eax, imm(kTailCall));
  a_.jmp(epilogue_);
  while (height() > argBase) pop();
  dead_.dead = true;
}

// --- parametric ---

void BaselineCompiler::onDrop() {
  if (!pre()) return;
  pop();
}

void BaselineCompiler::onSelect(ValType t) {
  if (!pre(true)) return;
  if (top().kind == Value::kConst) {
    bool first = uint32_t(top().bits) != 0;
    pop();
    if (!first) {
      // Keep b: move it down over a.
      uint32_t b = height() - 1;
      Value v = stack_[b];
      if (v.kind == Value::kSlot) {
        toReg(b);  // its slot is about to become a's position
        v = stack_[b];
      }
      stack_.pop_back();
      if (v.kind == Value::kLocal) --localReaders_[v.local];
      pop();
      push(v);
    } else {
      pop();
    }
    return;
  }
  uint32_t a = height() - 3, b = height() - 2;
  bool flags = top().kind == Value::kCmp && (inXmm(t) || top().cond.parity == 0);
  if (!flags && top().kind == Value::kCmp) materializeCondition();
  if (inXmm(t)) {
    int r = resultXmm(a);
    Operand bs = xmmSource(b);
    LocalLabel keep = a_.newLocalLabel();
    if (flags) {
      Cond c = top().cond;
      jit::jumpIf(a_, c, keep);
    } else {
      Operand cs = gpSource(height() - 1, false);
      cs.isReg() ? a_.test(cs.as<x86::Gp>(), cs.as<x86::Gp>()) : a_.cmp(cs.as<x86::Mem>(), imm(0));
      a_.jnz(keep);
    }
    if (bs.isReg())
      a_.movaps(xmm(r), bs.as<x86::Xmm>());
    else
      t == ValType::F32 ? a_.movss(xmm(r), bs.as<x86::Mem>()) : a_.movsd(xmm(r), bs.as<x86::Mem>());
    a_.bind(keep);
    pop(), pop(), pop();
    pushReg(t, r);
    return;
  }
  int r = resultGp(a);
  Operand bs = gpSource(b, /*allowImm=*/false);
  x86::CondCode cc;
  if (flags) {
    cc = x86::negateCond(top().cond.cc);
  } else {
    Operand cs = gpSource(height() - 1, false);
    cs.isReg() ? a_.test(cs.as<x86::Gp>(), cs.as<x86::Gp>()) : a_.cmp(cs.as<x86::Mem>(), imm(0));
    cc = x86::CondCode::kZ;
  }
  if (bs.isReg())
    a_.cmov(cc, gp(r, t), bs.as<x86::Gp>());
  else
    a_.cmov(cc, gp(r, t), bs.as<x86::Mem>());
  pop(), pop(), pop();
  pushReg(t, r);
}

// --- variables ---

void BaselineCompiler::onLocalGet(uint32_t i) {
  if (!pre()) return;
  Value v;
  v.kind = Value::kLocal;
  v.type = d_->localType(i);
  v.local = i;
  push(v);
}

void BaselineCompiler::onLocalSet(uint32_t i) {
  if (!pre()) return;
  const Value& v = top();
  if (v.kind == Value::kLocal && v.local == i) return pop();
  detachLocal(i);
  storeValue(height() - 1, localSlot(i));
  pop();
}

void BaselineCompiler::onLocalTee(uint32_t i) {
  if (!pre()) return;
  const Value& v = top();
  if (v.kind == Value::kLocal && v.local == i) return;
  detachLocal(i);
  storeValue(height() - 1, localSlot(i));
}

void BaselineCompiler::onGlobalGet(uint32_t i) {
  if (!pre()) return;
  GlobalCell* cell = inst_.global(i);
  ValType t = cell->type.type;
  a_.mov(kScratch, imm(uint64_t(uintptr_t(&cell->value))));
  if (t == ValType::V128) {
    int r = allocXmm();
    a_.movdqu(xmm(r), x86::xmmword_ptr(kScratch));  // value then high: 16 bytes
    pushReg(t, r);
  } else if (isFloat(t)) {
    int r = allocXmm();
    t == ValType::F32 ? a_.movss(xmm(r), x86::dword_ptr(kScratch)) : a_.movsd(xmm(r), x86::qword_ptr(kScratch));
    pushReg(t, r);
  } else {
    int r = allocGp();
    a_.mov(gp(r, t), x86::ptr(kScratch, 0, is64(t) ? 8 : 4));
    pushReg(t, r);
  }
}

void BaselineCompiler::onGlobalSet(uint32_t i) {
  if (!pre()) return;
  GlobalCell* cell = inst_.global(i);
  ValType t = cell->type.type;
  uint32_t pos = height() - 1;
  // Hosts read a global as a whole slot: 32-bit values keep the upper
  // half zero.
  if (t == ValType::V128) {
    int r = toReg(pos);
    a_.mov(kScratch, imm(uint64_t(uintptr_t(&cell->value))));
    a_.movdqu(x86::xmmword_ptr(kScratch), xmm(r));
  } else if (isFloat(t)) {
    int r = toReg(pos);
    a_.mov(kScratch, imm(uint64_t(uintptr_t(&cell->value))));
    if (t == ValType::F32) {
      a_.movss(x86::dword_ptr(kScratch), xmm(r));
      a_.mov(x86::dword_ptr(kScratch, 4), imm(0));
    } else {
      a_.movsd(x86::qword_ptr(kScratch), xmm(r));
    }
  } else {
    int r = toReg(pos);  // a 32-bit register's upper half is zero
    a_.mov(kScratch, imm(uint64_t(uintptr_t(&cell->value))));
    a_.mov(x86::qword_ptr(kScratch), x86::gpq(r));
  }
  pop();
}

// --- tables and references ---

void BaselineCompiler::onTableGet(uint32_t t) {
  if (!pre()) return;
  callHelper((const void*)&jitTableGet, {ctxArg(), ptr(inst_.table(t)), entry(height() - 1)}, true);
  pop();
  pushReg(inst_.table(t)->type().elem, 0);
}

void BaselineCompiler::onTableSet(uint32_t t) {
  if (!pre()) return;
  uint32_t h = height();
  callHelper((const void*)&jitTableSet, {ctxArg(), ptr(inst_.table(t)), entry(h - 2), entry(h - 1)}, true);
  pop(), pop();
}

void BaselineCompiler::onTableSize(uint32_t t) {
  if (!pre()) return;
  callHelper((const void*)&jitTableSize, {ptr(inst_.table(t))}, false);
  pushReg(inst_.table(t)->type().indexType(), 0);
}

void BaselineCompiler::onTableGrow(uint32_t t) {
  if (!pre()) return;
  uint32_t h = height();
  callHelper((const void*)&jitTableGrow, {ptr(inst_.table(t)), entry(h - 2), entry(h - 1)}, false);
  pop(), pop();
  pushReg(inst_.table(t)->type().indexType(), 0);
}

void BaselineCompiler::onTableFill(uint32_t t) {
  if (!pre()) return;
  uint32_t h = height();
  callHelper((const void*)&jitTableFill, {ctxArg(), ptr(inst_.table(t)), entry(h - 3), entry(h - 2), entry(h - 1)},
             true);
  pop(), pop(), pop();
}

void BaselineCompiler::onTableCopy(uint32_t dst, uint32_t src) {
  if (!pre()) return;
  uint32_t h = height();
  callHelper((const void*)&jitTableCopy,
             {ctxArg(), ptr(inst_.table(dst)), ptr(inst_.table(src)), entry(h - 3), entry(h - 2), entry(h - 1)},
             true);
  pop(), pop(), pop();
}

void BaselineCompiler::onTableInit(uint32_t seg, uint32_t t) {
  if (!pre()) return;
  uint32_t h = height();
  // Seven arguments do not fit the six argument registers: the helper
  // takes the element segment and the table as one packed immediate.
  callHelper((const void*)&jitTableInitPacked,
             {ctxArg(), ptr(&inst_), imm64(uint64_t(seg) << 32 | t), entry(h - 3), entry(h - 2), entry(h - 1)}, true);
  pop(), pop(), pop();
}

void BaselineCompiler::onElemDrop(uint32_t seg) {
  if (!pre()) return;
  callHelper((const void*)&jitElemDrop, {ptr(&inst_), imm64(seg)}, false);
}

// --- exception handling ---

// The landings come first (jumped over): each finds the clause's values in
// the slots from the try_table's height up, where jitCatch wrote them, with
// everything below in its slot (the stack is materialized here, and the
// body cannot change what lies below it), and branches to the label.
void BaselineCompiler::onTryTable(Control& c, const std::vector<CatchClause>& catches,
                                  const std::vector<Control*>& targets) {
  if (dead_.opened()) return;
  pre();
  materializeFrom(0, /*constants=*/true);
  TryScope scope;
  scope.dispatch = a_.newLocalLabel();
  scope.table = a_.newLocalLabel();
  scope.parent = activeTry_;
  LocalLabel body = a_.newLocalLabel();
  a_.jmp(body);
  std::vector<Value> saved = stack_;
  const Module& m = d_->module();
  for (size_t i = 0; i < catches.size(); ++i) {
    const CatchClause& clause = catches[i];
    while (height() > c.height) stack_.pop_back();  // all in slots: nothing to free
    CatchTable::Entry e{nullptr, slotAtHeight(c.height), UINT32_MAX};
    LocalLabel landing = a_.newLocalLabel();
    a_.bind(landing);
    if (!clause.catchesAll()) {
      e.tag = inst_.tag(clause.tag);
      for (ValType t : m.types[m.tagTypes[clause.tag]].params) pushSlot(t);
    }
    if (clause.withRef()) {
      e.refSlot = slotAtHeight(height());
      pushSlot(ValType::ExnRef);
    }
    branchTo(*targets[i]);
    stack_ = saved;
    scope.landings.push_back(landing);
    scope.entries.push_back(e);
  }
  a_.bind(body);
  c.data.tryScope = int(tries_.size());
  activeTry_ = c.data.tryScope;
  tries_.push_back(std::move(scope));
}

void BaselineCompiler::onThrow(uint32_t tag) {
  if (!pre()) return;
  const FuncType& ft = d_->module().types[d_->module().tagTypes[tag]];
  uint32_t argBase = height() - uint32_t(ft.params.size());
  materializeFrom(argBase, /*constants=*/true);
  spillRegisters();
  a_.mov(x86::rdi, kCtx);
  a_.mov(x86::rsi, imm(uint64_t(uintptr_t(&inst_.sharedTag(tag)))));
  a_.lea(x86::rdx, frameSlot(slotAtHeight(argBase)));
  a_.mov(x86::rax, imm(uint64_t(uintptr_t(&jitThrow))));
  a_.call(x86::rax);
  a_.jmp(failLabel());
  while (height() > argBase) pop();
  dead_.dead = true;
}

void BaselineCompiler::onThrowRef() {
  if (!pre()) return;
  uint32_t pos = height() - 1;
  materialize(pos);
  spillRegisters();
  a_.mov(x86::rdi, kCtx);
  a_.mov(x86::rsi, stackSlot(pos));
  a_.mov(x86::rax, imm(uint64_t(uintptr_t(&jitThrowRef))));
  a_.call(x86::rax);
  a_.jmp(failLabel());
  pop();
  dead_.dead = true;
}

void BaselineCompiler::onRefNull(ValType t) {
  if (!pre()) return;
  pushConst(t, 0);
}

void BaselineCompiler::onRefIsNull() {
  if (!pre()) return;
  if (top().kind == Value::kConst) {
    uint64_t isNull = top().bits == 0;
    pop();
    pushConst(ValType::I32, isNull);
    return;
  }
  testZero(height() - 1);
}

void BaselineCompiler::onRefFunc(uint32_t f) {
  if (!pre()) return;
  pushConst(ValType::FuncRef, uint64_t(uintptr_t(inst_.function(f))));
}

}  // namespace strata::jit::baseline
