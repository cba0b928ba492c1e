// The emitter's virtual operand stack, conditions (compare + branch
// fusion), trap exits and helper calls (see emitter.h).
#include <algorithm>
#include <cstring>

#include "jit/optimizing/emitter.h"
#include "runtime/exec_env.h"
#include "wasm/numeric.h"

namespace strata::jit::emit {

// --- virtual stack ---

Val Emitter::newReg(ValType t) {
  Val v;
  v.kind = Val::kReg;
  v.type = t;
  if (t == ValType::F32)
    v.xmm = cc_.newXmmSs();
  else if (t == ValType::F64)
    v.xmm = cc_.newXmmSd();
  else if (t == ValType::V128)
    v.xmm = cc_.newXmm();
  else
    v.gp = newGp(t);
  return v;
}

Val Emitter::constVal(ValType t, uint64_t bits) {
  Val v;
  v.kind = Val::kConst;
  v.type = t;
  if (t == ValType::I32 || t == ValType::F32) bits &= 0xffffffffu;
  v.bits = bits;
  return v;
}

Val Emitter::pop() {
  Val v = stack_.back();
  stack_.pop_back();
  return v;
}

void Emitter::pushGp(ValType t, x86::Gp g) {
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

x86::Gp Emitter::gpOf(const Val& v0) {
  const Val& v = resolve(v0);
  if (v.kind == Val::kReg) return v.gp;
  x86::Gp g = newGp(v.type);
  if (is64(v.type) && v.bits > 0xffffffffu)
    cc_.mov(g, imm(v.bits));
  else
    cc_.mov(g.r32(), imm(uint32_t(v.bits)));
  return g;
}

x86::Xmm Emitter::xmmOf(const Val& v0) {
  const Val& v = resolve(v0);
  if (v.kind == Val::kReg) return v.xmm;
  Val r = newReg(v.type);
  moveInto(r, v);
  return r.xmm;
}

void Emitter::moveInto(const Val& dst, const Val& src0) {
  const Val& src = resolve(src0);
  if (inXmm(dst.type)) {
    if (src.kind == Val::kConst) {
      if (src.bits == 0 && src.high == 0) {
        cc_.xorps(dst.xmm, dst.xmm);
      } else if (dst.type == ValType::V128) {
        cc_.movdqu(dst.xmm, constant(src));
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

Val Emitter::regVal(ValType t, x86::Gp g) {
  Val v;
  v.kind = Val::kReg;
  v.type = t;
  v.gp = g;
  return v;
}

int64_t Emitter::retarget(ValType t, std::initializer_list<Val> laterReads) {
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

x86::Gp Emitter::destination(ValType t, const Val& first, std::initializer_list<Val> laterReads, Val* out) {
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

x86::Xmm Emitter::floatDestination(ValType t, const Val& first, std::initializer_list<Val> laterReads, Val* out) {
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

x86::Mem Emitter::constant(const Val& v) {
  if (v.type == ValType::V128) {
    auto it = constants128_.find({v.bits, v.high});
    if (it == constants128_.end()) it = constants128_.emplace(std::make_pair(v.bits, v.high), cc_.newLabel()).first;
    return x86::xmmword_ptr(it->second);
  }
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

Val Emitter::copyOf(const Val& v) {
  Val r = newReg(v.type);
  moveInto(r, v);
  return r;
}

void Emitter::loadSlot(const Val& r, x86::Mem m) {
  switch (r.type.kind()) {
    case ValKind::F32: m.setSize(4); cc_.movss(r.xmm, m); break;
    case ValKind::F64: m.setSize(8); cc_.movsd(r.xmm, m); break;
    case ValKind::V128: m.setSize(16); cc_.movdqu(r.xmm, m); break;
    case ValKind::I32: m.setSize(4); cc_.mov(r.gp.r32(), m); break;
    default: m.setSize(8); cc_.mov(r.gp, m); break;
  }
}

void Emitter::storeSlot(const Val& v0, x86::Mem m) {
  const Val& v = resolve(v0);
  if (v.type == ValType::V128) {
    m.setSize(16);
    cc_.movdqu(m, xmmOf(v));
    return;
  }
  if (v.kind == Val::kConst) {
    m.setSize(8);
    if (int64_t(v.bits) == int64_t(int32_t(v.bits))) {
      cc_.mov(m, imm(int32_t(v.bits)));
    } else {
      cc_.mov(m, gpOf(v).r64());
    }
    return;
  }
  switch (v.type.kind()) {
    case ValKind::F32: m.setSize(4); cc_.movss(m, v.xmm); break;
    case ValKind::F64: m.setSize(8); cc_.movsd(m, v.xmm); break;
    case ValKind::I32: m.setSize(4); cc_.mov(m, v.gp.r32()); break;
    default: m.setSize(8); cc_.mov(m, v.gp.r64()); break;
  }
}

void Emitter::materializeLocals(int64_t onlyLocal) {
  for (Val& v : stack_) {
    if (v.kind == Val::kLocal && (onlyLocal < 0 || v.local == uint32_t(onlyLocal))) v = copyOf(v);
  }
}

void Emitter::setLocal(uint32_t i, const Val& v) {
  materializeLocals(i);
  if (v.kind == Val::kLocal && v.local == i) return;
  moveInto(locals_[i], v);
}

void Emitter::moveTo(const std::vector<Val>& dst) {
  size_t n = dst.size();
  if (!n) return;
  std::vector<Val> src(stack_.end() - n, stack_.end());
  bool overlap = false;
  for (size_t i = 0; i < n && !overlap; ++i) {
    const Val& s = resolve(src[i]);
    if (s.kind != Val::kReg) continue;
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      bool same = inXmm(s.type) ? (inXmm(dst[j].type) && s.xmm.id() == dst[j].xmm.id())
                                : (!inXmm(dst[j].type) && s.gp.id() == dst[j].gp.id());
      if (same) overlap = true;
    }
  }
  if (overlap)
    for (Val& s : src)
      if (s.kind != Val::kConst) s = copyOf(s);
  for (size_t i = 0; i < n; ++i) moveInto(dst[i], src[i]);
}

void Emitter::branchTo(Control& target) {
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

void Emitter::setPending(Op op, const Val& a, const Val& b) {
  pending_.op = op;
  pending_.a = a;
  pending_.b = b;
  pending_.negate = false;
  Val v;
  v.kind = Val::kCmp;
  v.type = ValType::I32;
  stack_.push_back(v);
}

bool Emitter::pre(bool consumesCondition) {
  if (dead_.dead) return false;
  if (annotate_) {
    Label l = cc_.newLabel();
    cc_.bind(l);
    annotations.push_back({l, uint32_t(d_->opOffset()), opNameAt(d_->module(), d_->opOffset())});
  }
  if (!consumesCondition && !stack_.empty() && stack_.back().kind == Val::kCmp) materializePending();
  return true;
}

void Emitter::materializePending() {
  stack_.pop_back();
  // The registers setcc writes are zeroed before the compare (after it an
  // xor would clobber the flags): setcc then writes the low byte of a
  // register that is already zero, and the register allocator sees a full
  // definition first rather than a partial write of an undefined value.
  Op op = pending_.op;
  bool parity = op == Op::F32Eq || op == Op::F64Eq || op == Op::F32Ne || op == Op::F64Ne;
  x86::Gp r = cc_.newGpd(), t;
  cc_.xor_(r, r);
  if (parity) {
    t = cc_.newGpd();
    cc_.xor_(t, t);
  }
  Cond c = emitCompare();
  cc_.set(c.cc, r.r8());
  if (c.parity == 1) {
    cc_.setnp(t.r8());
    cc_.and_(r.r8(), t.r8());
  } else if (c.parity == 2) {
    cc_.setp(t.r8());
    cc_.or_(r.r8(), t.r8());
  }
  pushGp(ValType::I32, r);
}


Cond Emitter::popCondition() {
  if (stack_.back().kind == Val::kCmp) {
    stack_.pop_back();
    return emitCompare();
  }
  Val v = pop();
  x86::Gp g = gpOf(v);
  cc_.test(g.r32(), g.r32());
  return Cond{x86::CondCode::kNE, 0};
}

Cond Emitter::emitCompare() {
  Op op = pending_.op;
  Val a = pending_.a, b = pending_.b;
  Cond c;
  const OpInfo& info = opInfo(op);
  ValType t = ValType::fromCode(info.operand);
  if (!isFloat(t)) {
    bool wide = t == ValType::I64;
    bool swapped = false;
    if (resolve(a).kind == Val::kConst && resolve(b).kind != Val::kConst) {
      std::swap(a, b);
      swapped = true;
    }
    c.cc = integerCondition(op);
    if (swapped) c.cc = x86::reverseCond(c.cc);
    x86::Gp ag = gpOf(a);
    const Val& rb = resolve(b);
    if (rb.kind == Val::kConst && (!wide || int64_t(rb.bits) == int64_t(int32_t(rb.bits)))) {
      if (rb.bits == 0 && (c.cc == x86::CondCode::kE || c.cc == x86::CondCode::kNE)) {
        wide ? cc_.test(ag, ag) : cc_.test(ag.r32(), ag.r32());
      } else {
        wide ? cc_.cmp(ag, imm(int32_t(rb.bits))) : cc_.cmp(ag.r32(), imm(int32_t(rb.bits)));
      }
    } else {
      x86::Gp bg = gpOf(b);
      wide ? cc_.cmp(ag, bg) : cc_.cmp(ag.r32(), bg.r32());
    }
  } else {
    FloatComparison fc = floatComparison(op);
    x86::Xmm ax = xmmOf(a), bx = xmmOf(b);
    if (fc.swapOperands) std::swap(ax, bx);
    t == ValType::F32 ? cc_.ucomiss(ax, bx) : cc_.ucomisd(ax, bx);
    c = fc.cond;
  }
  return pending_.negate ? c.negated() : c;
}

// --- traps ---

Label Emitter::trapLabel(uint32_t code) {
  Exits& e = exits();
  if (!e.trapUsed[code]) {
    e.trapUsed[code] = true;
    e.trap[code] = cc_.newLabel();
  }
  return e.trap[code];
}

void Emitter::checkStatus() {
  Exits& e = exits();
  if (!e.statusUsed) {
    e.statusUsed = true;
    e.status = cc_.newLabel();
  }
  cc_.cmp(x86::qword_ptr(ctx_, offsetof(JitContext, status)), imm(0));
  cc_.jne(e.status);
}

// --- helper calls ---

x86::Gp Emitter::callHelper(void* fn, std::initializer_list<Operand> args0, bool mayTrap) {
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

void Emitter::storeArgs(const FuncType& ft) {
  size_t n = ft.params.size();
  std::vector<uint32_t> at = slotOffsets(ft.params);
  for (size_t i = 0; i < n; ++i) storeSlot(stack_[stack_.size() - n + i], x86::qword_ptr(fp_, int32_t(at[i] * 8)));
  stack_.resize(stack_.size() - n);
  materializeLocals();  // not needed for correctness; keeps live ranges simple
}

void Emitter::emitCall(const FuncType& ft, x86::Gp callee, bool mayTailCall) {
  finishCall(ft, invokeCallee(callee, imm(uint64_t(uintptr_t(inst_)))), mayTailCall);
}

InvokeNode* Emitter::invokeCallee(x86::Gp callee, const Operand& caller) {
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
  caller.isImm() ? node->setArg(3, caller.as<Imm>()) : node->setArg(3, caller.as<x86::Gp>());
  return node;
}

void Emitter::finishCall(const FuncType& ft, InvokeNode* node, bool mayTailCall) {
  Exits& e = exits();
  if (!e.calleeFailedUsed) {
    e.calleeFailedUsed = true;
    e.calleeFailed = cc_.newLabel();
  }
  if (!calleeStatus_.isValid()) calleeStatus_ = cc_.newGpq("status");
  node->setRet(0, calleeStatus_);
  cc_.test(calleeStatus_, calleeStatus_);
  if (!mayTailCall) {
    cc_.jnz(e.calleeFailed);
  } else {
    CallSite site{cc_.newLabel(), cc_.newLabel(), e.calleeFailed};
    cc_.jnz(site.stub);
    cc_.bind(site.resume);
    callSites_.push_back(site);
  }
  if (mem_ && !guarded_) refreshMemory();
  std::vector<uint32_t> at = slotOffsets(ft.results);
  for (size_t i = 0; i < ft.results.size(); ++i) {
    Val r = newReg(ft.results[i]);
    loadSlot(r, x86::qword_ptr(fp_, int32_t(at[i] * 8)));
    stack_.push_back(r);
  }
}

}  // namespace strata::jit::emit
