// The emitter's memory accesses and numeric operators: inline x86-64 for
// the common ones, generated helpers for the rest (see emitter.h).
#include <stdexcept>

#include <algorithm>
#include <cstring>

#include "jit/constant_division.h"
#include "jit/optimizing/emitter.h"
#include "runtime/exec_env.h"
#include "wasm/numeric.h"

namespace strata::jit::emit {

// --- memory ---

void Emitter::onLoad(Op op, MemArg m) {
  if (!pre()) return;
  Val addr = pop();
  const OpInfo& info = opInfo(op);
  ValType rt = ValType::fromCode(info.result);
  uint32_t size = accessSize(op);
  x86::Mem mem = address(addr, m.offset, size, m.memory);
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

void Emitter::onStore(Op op, MemArg m) {
  if (!pre()) return;
  Val v = pop();
  Val addr = pop();
  uint32_t size = accessSize(op);
  // Materialise the value before the address so the bounds check (if
  // any) sits right before the access.
  if (isFloat(v.type)) {
    x86::Xmm x = xmmOf(v);
    x86::Mem mem = address(addr, m.offset, size, m.memory);
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
  x86::Mem mem = address(addr, m.offset, size, m.memory);
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

void Emitter::onMemorySize(uint32_t memory) {
  if (!pre()) return;
  Memory* mem = inst_->memory(memory);
  x86::Gp r = callHelper((void*)&jitMemorySize, {ptrImm(mem)}, false);
  pushGp(mem->type().indexType(), r);
}

void Emitter::onMemoryGrow(uint32_t memory) {
  if (!pre()) return;
  Memory* mem = inst_->memory(memory);
  x86::Gp n = gpOf(pop());
  x86::Gp r = callHelper((void*)&jitMemoryGrow, {ptrImm(mem), n}, false);
  if (mem_ && !guarded_) refreshMemory();
  pushGp(mem->type().indexType(), r);
}

void Emitter::onMemoryInit(uint32_t seg, uint32_t memory) {
  if (!pre()) return;
  x86::Gp n = gpOf(pop()), s = gpOf(pop()), d = gpOf(pop());
  // The data segment and the memory packed into one argument (jitMemoryInit).
  callHelper((void*)&jitMemoryInit, {ctx_, ptrImm(inst_), u64Imm(uint64_t(memory) << 32 | seg), d, s, n}, true);
}

void Emitter::onDataDrop(uint32_t seg) {
  if (!pre()) return;
  callHelper((void*)&jitDataDrop, {ptrImm(inst_), u64Imm(seg)}, false);
}

void Emitter::onMemoryCopy(uint32_t dstMemory, uint32_t srcMemory) {
  if (!pre()) return;
  x86::Gp n = gpOf(pop()), s = gpOf(pop()), d = gpOf(pop());
  callHelper((void*)&jitMemoryCopy, {ctx_, ptrImm(inst_->memory(dstMemory)), ptrImm(inst_->memory(srcMemory)), d, s, n},
             true);
}

void Emitter::onMemoryFill(uint32_t memory) {
  if (!pre()) return;
  x86::Gp n = gpOf(pop()), v = gpOf(pop()), d = gpOf(pop());
  callHelper((void*)&jitMemoryFill, {ctx_, ptrImm(inst_->memory(memory)), d, v, n}, true);
}

x86::Gp Emitter::base() {
  if (!memBase_.isValid()) {
    memBase_ = cc_.newGpq("membase");
    BaseNode* saved = cc_.setCursor(prologueEnd_);
    cc_.mov(memBase_, imm(uint64_t(uintptr_t(mem_->base()))));
    prologueEnd_ = cc_.cursor();
    cc_.setCursor(saved == prologueEnd_->prev() ? prologueEnd_ : saved);
  }
  return memBase_;
}

x86::Mem Emitter::address(const Val& addr0, uint64_t offset, uint32_t size, uint32_t memory) {
  if (!isFastMemory(memory)) return objectCheckedAddress(addr0, offset, size, memory);
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

// last = index + offset + (size - 1), with the sum checked for wrapping
// (memory64), must be below the memory's current size; the access is then
// [base + last - (size - 1)]. Base and size are read from the Memory
// object at each access: either may change when the memory grows.
x86::Mem Emitter::objectCheckedAddress(const Val& addr0, uint64_t offset, uint32_t size, uint32_t memory) {
  Memory* mem = inst_->memory(memory);
  bool is64 = mem->type().is64;
  const Val& addr = resolve(addr0);
  x86::Gp last = cc_.newGpq("last");
  uint64_t extra = offset + (size - 1);
  if (extra < offset) {
    // Past 2^64 whatever the index: the access always traps.
    cc_.xor_(last, last);
    cc_.jmp(trapLabel(kOutOfBoundsMemory));
    return x86::ptr(last);
  }
  if (addr.kind == Val::kConst)
    cc_.mov(last, imm(is64 ? addr.bits : uint64_t(uint32_t(addr.bits))));
  else if (is64)
    cc_.mov(last, addr.gp.r64());
  else
    cc_.mov(last.r32(), addr.gp.r32());  // zero-extends
  if (extra) {
    if (extra < (1ull << 31)) {
      cc_.add(last, imm(int32_t(extra)));
    } else {
      x86::Gp t = cc_.newGpq();
      cc_.mov(t, imm(extra));
      cc_.add(last, t);
    }
    // A 32-bit index plus a 32-bit offset cannot wrap 64 bits.
    if (is64) cc_.jc(trapLabel(kOutOfBoundsMemory));
  }
  x86::Gp object = cc_.newGpq("memory"), base = cc_.newGpq("base");
  cc_.mov(object, imm(uint64_t(uintptr_t(mem))));
  cc_.cmp(last, x86::qword_ptr(object, int32_t(Memory::sizeOffset())));
  cc_.jae(trapLabel(kOutOfBoundsMemory));
  cc_.mov(base, x86::qword_ptr(object, int32_t(Memory::baseOffset())));
  return x86::ptr(base, last, 0, -int32_t(size - 1));
}

// --- numeric ---

void Emitter::onConst(ValType t, uint64_t bits) {
  if (!pre()) return;
  stack_.push_back(constVal(t, bits));
}

void Emitter::onUnary(Op op) {
  if (!pre(op == Op::I32Eqz)) return;
  const OpInfo& info = opInfo(op);
  ValType rt = ValType::fromCode(info.result);
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

void Emitter::onBinary(Op op) {
  if (!pre()) return;
  const OpInfo& info = opInfo(op);
  ValType rt = ValType::fromCode(info.result);
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

// --- numeric operators ---

void Emitter::emitHelper(Op op, int inputs) {
  const OpInfo& info = opInfo(op);
  ValType rt = ValType::fromCode(info.result);
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

x86::Gp Emitter::bitsOf(const Val& v0) {
  const Val& v = resolve(v0);
  if (!isFloat(v.type) || v.kind == Val::kConst) return gpOf(v);
  x86::Gp g = newGp(v.type);
  xmmToGp(g, v.xmm, v.type == ValType::F32);
  return g;
}

void Emitter::xmmToGp(x86::Gp g, x86::Xmm x, bool is32) {
  if (cpu_.sse41) {
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

void Emitter::pushBits(ValType t, x86::Gp g) {
  if (!isFloat(t)) return pushGp(t, g);
  Val r = newReg(t);
  if (t == ValType::F32)
    cc_.movd(r.xmm, g.r32());
  else
    cc_.movq(r.xmm, g);
  stack_.push_back(r);
}

bool Emitter::emitUnary(Op op) {
  const OpInfo& info = opInfo(op);
  ValType rt = ValType::fromCode(info.result);
  ValType at = ValType::fromCode(info.operand);
  Val a = stack_.back();
  if (cpu_.lacks(op)) return false;
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

bool Emitter::emitBinary(Op op) {
  const OpInfo& info = opInfo(op);
  ValType t = ValType::fromCode(info.operand);
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
      ValType rt = ValType::fromCode(info.result);
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
      x86::Gp r = destination(ValType::fromCode(info.result), a, {}, &out);
      x86::Gp R = wide ? r : r.r32();
      moveInto(regVal(ValType::fromCode(info.result), r), a);
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

void Emitter::emitDivision(Op op, bool wide) {
  Val b = pop(), a = pop();
  const Val& rb = resolve(b);
  bool isSigned = op == Op::I32DivS || op == Op::I64DivS || op == Op::I32RemS || op == Op::I64RemS;
  bool isRem = op == Op::I32RemS || op == Op::I64RemS || op == Op::I32RemU || op == Op::I64RemU;
  bool constB = rb.kind == Val::kConst;
  uint64_t bConst = wide ? rb.bits : uint64_t(uint32_t(rb.bits));
  bool minusOne = wide ? bConst == ~0ull : bConst == 0xffffffffu;
  if (constB && bConst != 0 && !(isSigned && minusOne)) {
    emitDivisionByConstant(a, bConst, wide, isSigned, isRem);
    return;
  }
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

// Division by a constant other than 0 (and -1, signed) without a `div`: the
// formulas and their sources are in jit/constant_division.h. Temporaries are
// 64-bit registers; a 32-bit value in one is zero-extended.
void Emitter::emitDivisionByConstant(const Val& a, uint64_t d, bool wide, bool isSigned, bool isRem) {
  const unsigned bits = wide ? 64 : 32;
  auto view = [wide](x86::Gp g) { return wide ? x86::Gp(g.r64()) : x86::Gp(g.r32()); };
  x86::Gp ag = gpOf(a);
  bool negative = isSigned && (wide ? int64_t(d) < 0 : int32_t(uint32_t(d)) < 0);
  uint64_t magnitude = negative ? (wide ? 0 - d : uint64_t(uint32_t(0 - uint32_t(d)))) : d;
  // The dividend as an unsigned value: a itself, or |a| and the sign mask.
  x86::Gp n = cc_.newGpq(), sign;
  cc_.mov(view(n), view(ag));
  if (isSigned) {
    sign = cc_.newGpq();
    cc_.mov(view(sign), view(ag));
    cc_.sar(view(sign), imm(bits - 1));
    cc_.xor_(view(n), view(sign));
    cc_.sub(view(n), view(sign));
  }
  // q = n / magnitude, unsigned.
  ConstantDivisor c = constantDivisor(magnitude, bits);
  x86::Gp q = cc_.newGpq();
  if (c.powerOfTwo) {
    cc_.mov(view(q), view(n));
    if (c.shift) cc_.shr(view(q), imm(c.shift));
  } else {
    x86::Gp lo = cc_.newGpq();
    cc_.mov(lo, imm(c.magic));
    cc_.mul(q, lo, n);  // q = the high half of magic * n
    if (wide) {
      x86::Gp t = cc_.newGpq();
      cc_.mov(t, n);
      cc_.sub(t, q);
      cc_.shr(t, imm(1));
      cc_.add(t, q);
      cc_.shr(t, imm(c.shift));
      q = t;
    }
  }
  if (isSigned) {
    // Truncation toward zero: the quotient takes the dividend's sign, and
    // flips for a negative divisor.
    cc_.xor_(view(q), view(sign));
    cc_.sub(view(q), view(sign));
    if (negative) cc_.neg(view(q));
  }
  ValType vt = wide ? ValType::I64 : ValType::I32;
  if (!isRem) {
    pushGp(vt, view(q));
    return;
  }
  // a - q * d (the same bits for signed and unsigned).
  x86::Gp r = cc_.newGpq();
  if (!isSigned && c.powerOfTwo && (d - 1) <= 0x7fffffffu) {
    cc_.mov(view(r), view(ag));
    cc_.and_(view(r), imm(int32_t(d - 1)));
    pushGp(vt, view(r));
    return;
  }
  x86::Gp product = cc_.newGpq();
  if (!wide || int64_t(d) == int64_t(int32_t(d))) {
    cc_.imul(view(product), view(q), imm(int32_t(d)));
  } else {
    cc_.mov(product, imm(d));
    cc_.imul(product, q);
  }
  cc_.mov(view(r), view(ag));
  cc_.sub(view(r), view(product));
  pushGp(vt, view(r));
}

}  // namespace strata::jit::emit
