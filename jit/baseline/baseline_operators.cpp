// The baseline compiler's memory accesses and numeric operators: the common
// ones inline, the rest through the helpers generated from opcodes.def (see
// baseline_compiler.h).
#include <stdexcept>

#include "jit/baseline/baseline_compiler.h"

namespace strata::jit::baseline {


namespace {
const x86::Gp kCtx = x86::r15;
const x86::Gp kMemBase = x86::r13;
const x86::Gp kScratch = x86::r11;

bool fitsInt32(int64_t v) { return v == int64_t(int32_t(v)); }
constexpr int kRax = 0, kRcx = 1, kRdx = 2;
}  // namespace

// --- memory ---

x86::Mem BaselineCompiler::address(uint32_t pos, uint64_t offset, uint32_t size, uint32_t memory) {
  if (!isFastMemory(memory)) return checkedAddress(pos, offset, size, memory);
  const Value& v = stack_[pos];
  if (guarded_) {
    // [membase + zero-extended index + offset]: anything past the memory
    // lands in the guard region, whose fault is the trap.
    if (v.kind == Value::kConst) {
      uint64_t ea = uint64_t(uint32_t(v.bits)) + offset;
      if (ea < (1ull << 31)) return x86::ptr(kMemBase, int32_t(ea));
      a_.mov(kScratch, imm(ea));
      return x86::ptr(kMemBase, kScratch);
    }
    x86::Gp index = x86::gpq(toReg(pos));  // i32 registers are zero-extended
    if (offset < (1u << 31)) return x86::ptr(kMemBase, index, 0, int32_t(offset));
    a_.mov(kScratch.r32(), imm(offset));
    a_.add(kScratch, index);
    return x86::ptr(kMemBase, kScratch);
  }
  // Unguarded (no reservation): ea + size <= memSize, in 64 bits.
  if (v.kind == Value::kConst) {
    a_.mov(kScratch, imm(uint64_t(uint32_t(v.bits)) + offset));
  } else {
    a_.mov(kScratch.r32(), x86::gpd(toReg(pos)));
    if (offset) {
      int t = allocGp();
      a_.mov(x86::gpd(t), imm(offset));
      a_.add(kScratch, x86::gpq(t));
      gpOwner_[t] = kFree;
    }
  }
  addressTemp_ = allocGp();
  x86::Gp t = x86::gpq(addressTemp_);
  a_.lea(t, x86::ptr(kScratch, int32_t(size)));
  a_.cmp(t, x86::qword_ptr(kCtx, int32_t(offsetof(JitContext, memSize))));
  a_.ja(trapLabel(kOutOfBoundsMemory));
  a_.mov(t, x86::qword_ptr(kCtx, int32_t(offsetof(JitContext, memBase))));
  return x86::ptr(t, kScratch);
}

// last = index + offset + (size - 1), with the sum checked for wrapping
// (memory64), must be below the memory's current size; the access is then
// [base + last - (size - 1)]. Base and size are read from the Memory
// object at each access: either may change when the memory grows.
x86::Mem BaselineCompiler::checkedAddress(uint32_t pos, uint64_t offset, uint32_t size, uint32_t memory) {
  Memory* mem = inst_.memory(memory);
  bool is64 = mem->type().is64;
  const Value& v = stack_[pos];
  uint64_t extra = offset + (size - 1);
  if (extra < offset) {
    // Past 2^64 whatever the index: the access always traps.
    a_.jmp(trapLabel(kOutOfBoundsMemory));
    return x86::ptr(kScratch);
  }
  if (v.kind == Value::kConst)
    a_.mov(kScratch, imm(is64 ? v.bits : uint64_t(uint32_t(v.bits))));
  else if (is64)
    a_.mov(kScratch, x86::gpq(toReg(pos)));
  else
    a_.mov(kScratch.r32(), x86::gpd(toReg(pos)));  // zero-extends
  addressTemp_ = allocGp();
  x86::Gp t = x86::gpq(addressTemp_);
  if (extra) {
    if (extra < (1ull << 31)) {
      a_.add(kScratch, imm(int32_t(extra)));
    } else {
      a_.mov(t, imm(extra));
      a_.add(kScratch, t);
    }
    // A 32-bit index plus a 32-bit offset cannot wrap 64 bits.
    if (is64) a_.jc(trapLabel(kOutOfBoundsMemory));
  }
  a_.mov(t, imm(uint64_t(uintptr_t(mem))));
  a_.cmp(kScratch, x86::qword_ptr(t, int32_t(Memory::sizeOffset())));
  a_.jae(trapLabel(kOutOfBoundsMemory));
  a_.mov(t, x86::qword_ptr(t, int32_t(Memory::baseOffset())));
  return x86::ptr(t, kScratch, 0, -int32_t(size - 1));
}

void BaselineCompiler::releaseAddressTemp() {
  if (addressTemp_ >= 0) gpOwner_[addressTemp_] = kFree;
  addressTemp_ = -1;
}

void BaselineCompiler::onLoad(Op op, MemArg m) {
  if (!pre()) return;
  uint32_t pos = height() - 1;
  ValType rt = ValType::fromCode(opInfo(op).result);
  x86::Mem mem = address(pos, m.offset, accessSize(op), m.memory);
  if (isFloat(rt)) {
    int x = allocXmm();
    if (rt == ValType::F32) {
      mem.setSize(4);
      a_.movss(xmm(x), mem);
    } else {
      mem.setSize(8);
      a_.movsd(xmm(x), mem);
    }
    releaseAddressTemp();
    pop();
    pushReg(rt, x);
    return;
  }
  // The result reuses the address's register when it has one.
  int r = stack_[pos].kind == Value::kReg ? stack_[pos].reg : allocGp();
  x86::Gp g = x86::gpq(r);
  switch (op) {
    case Op::I32Load: mem.setSize(4); a_.mov(g.r32(), mem); break;
    case Op::I64Load: mem.setSize(8); a_.mov(g, mem); break;
    case Op::I32Load8S: mem.setSize(1); a_.movsx(g.r32(), mem); break;
    case Op::I32Load8U: case Op::I64Load8U: mem.setSize(1); a_.movzx(g.r32(), mem); break;
    case Op::I32Load16S: mem.setSize(2); a_.movsx(g.r32(), mem); break;
    case Op::I32Load16U: case Op::I64Load16U: mem.setSize(2); a_.movzx(g.r32(), mem); break;
    case Op::I64Load8S: mem.setSize(1); a_.movsx(g, mem); break;
    case Op::I64Load16S: mem.setSize(2); a_.movsx(g, mem); break;
    case Op::I64Load32S: mem.setSize(4); a_.movsxd(g, mem); break;
    case Op::I64Load32U: mem.setSize(4); a_.mov(g.r32(), mem); break;
    default: throw Unsupported{opInfo(op).name};
  }
  releaseAddressTemp();
  pop();
  pushReg(rt, r);
}

void BaselineCompiler::onStore(Op op, MemArg m) {
  if (!pre()) return;
  uint32_t vpos = height() - 1, apos = height() - 2;
  uint32_t size = accessSize(op);
  const Value& v = stack_[vpos];
  if (isFloat(v.type)) {
    int x = toReg(vpos);
    x86::Mem mem = address(apos, m.offset, size, m.memory);
    mem.setSize(size);
    size == 4 ? a_.movss(mem, xmm(x)) : a_.movsd(mem, xmm(x));
  } else {
    bool useImm = v.kind == Value::kConst && (size < 8 || fitsInt32(int64_t(v.bits)));
    uint64_t bits = v.bits;
    int g = useImm ? -1 : toReg(vpos);
    x86::Mem mem = address(apos, m.offset, size, m.memory);
    mem.setSize(size);
    if (useImm) {
      int64_t value = size == 1 ? int8_t(bits) : size == 2 ? int16_t(bits) : int32_t(bits);
      a_.mov(mem, imm(value));
    } else {
      switch (size) {
        case 1: a_.mov(mem, x86::gpb(g)); break;
        case 2: a_.mov(mem, x86::gpw(g)); break;
        case 4: a_.mov(mem, x86::gpd(g)); break;
        default: a_.mov(mem, x86::gpq(g)); break;
      }
    }
  }
  releaseAddressTemp();
  pop(), pop();
}

void BaselineCompiler::onMemorySize(uint32_t memory) {
  if (!pre()) return;
  Memory* mem = inst_.memory(memory);
  callHelper((const void*)&jitMemorySize, {ptr(mem)}, false);
  pushReg(mem->type().indexType(), kRax);
}

void BaselineCompiler::onMemoryGrow(uint32_t memory) {
  if (!pre()) return;
  Memory* mem = inst_.memory(memory);
  callHelper((const void*)&jitMemoryGrow, {ptr(mem), entry(height() - 1)}, false);
  pop();
  pushReg(mem->type().indexType(), kRax);
  refreshMemory();
}

void BaselineCompiler::onMemoryInit(uint32_t seg, uint32_t memory) {
  if (!pre()) return;
  uint32_t h = height();
  // Seven arguments would not fit the six argument registers: the helper
  // takes the data segment and the memory as one packed immediate.
  callHelper((const void*)&jitMemoryInit,
             {ctxArg(), ptr(&inst_), imm64(uint64_t(memory) << 32 | seg), entry(h - 3), entry(h - 2), entry(h - 1)},
             true);
  pop(), pop(), pop();
}

void BaselineCompiler::onDataDrop(uint32_t seg) {
  if (!pre()) return;
  callHelper((const void*)&jitDataDrop, {ptr(&inst_), imm64(seg)}, false);
}

void BaselineCompiler::onMemoryCopy(uint32_t dstMemory, uint32_t srcMemory) {
  if (!pre()) return;
  uint32_t h = height();
  callHelper((const void*)&jitMemoryCopy,
             {ctxArg(), ptr(inst_.memory(dstMemory)), ptr(inst_.memory(srcMemory)), entry(h - 3), entry(h - 2),
              entry(h - 1)},
             true);
  pop(), pop(), pop();
}

void BaselineCompiler::onMemoryFill(uint32_t memory) {
  if (!pre()) return;
  uint32_t h = height();
  callHelper((const void*)&jitMemoryFill, {ctxArg(), ptr(inst_.memory(memory)), entry(h - 3), entry(h - 2), entry(h - 1)},
             true);
  pop(), pop(), pop();
}

// --- numeric ---

void BaselineCompiler::onConst(ValType t, uint64_t bits) {
  if (!pre()) return;
  pushConst(t, bits);
}

void BaselineCompiler::onUnary(Op op) {
  bool eqz = op == Op::I32Eqz || op == Op::I64Eqz;
  if (!pre(eqz)) return;
  ValType rt = ValType::fromCode(opInfo(op).result);
  if (top().kind == Value::kConst) {
    uint64_t r;
    if (fold(op, top().bits, 0, &r)) {
      pop();
      pushConst(rt, r);
      return;
    }
  }
  if (eqz) {
    if (top().kind == Value::kCmp) {
      top().cond = top().cond.negated();
      return;
    }
    testZero(height() - 1);
    return;
  }
  if (!emitUnary(op)) emitNumericHelper(op, 1);
}

void BaselineCompiler::onBinary(Op op) {
  if (!pre()) return;
  ValType rt = ValType::fromCode(opInfo(op).result);
  const Value& b = top();
  const Value& a = top(1);
  if (a.kind == Value::kConst && b.kind == Value::kConst) {
    uint64_t r;
    if (fold(op, a.bits, b.bits, &r)) {
      pop(), pop();
      pushConst(rt, r);
      return;
    }
  }
  if (isCompare(op)) return compare(op);
  if (!emitBinary(op)) emitNumericHelper(op, 2);
}

void BaselineCompiler::compare(Op op) {
  ValType t = ValType::fromCode(opInfo(op).operand);
  uint32_t pa = height() - 2, pb = height() - 1;
  Value v;
  v.kind = Value::kCmp;
  if (isFloat(t)) {
    FloatComparison fc = floatComparison(op);
    if (fc.swapOperands) std::swap(pa, pb);
    int x = toReg(pa);
    Operand src = xmmSource(pb);
    bool f32 = t == ValType::F32;
    if (src.isReg())
      f32 ? a_.ucomiss(xmm(x), src.as<x86::Xmm>()) : a_.ucomisd(xmm(x), src.as<x86::Xmm>());
    else
      f32 ? a_.ucomiss(xmm(x), src.as<x86::Mem>()) : a_.ucomisd(xmm(x), src.as<x86::Mem>());
    v.cond = fc.cond;
  } else {
    x86::CondCode cc = integerCondition(op);
    if (stack_[pa].kind == Value::kConst) {
      std::swap(pa, pb);
      cc = x86::reverseCond(cc);
    }
    Operand bs = gpSource(pb);
    const Value& va = stack_[pa];
    if (bs.isImm() && bs.as<Imm>().value() == 0 && (cc == x86::CondCode::kE || cc == x86::CondCode::kNE) &&
        va.kind == Value::kReg) {
      a_.test(gpOf(va), gpOf(va));
    } else if (va.kind == Value::kReg || bs.isMem()) {
      x86::Gp ag = gp(toReg(pa), t);
      if (bs.isImm())
        a_.cmp(ag, bs.as<Imm>());
      else if (bs.isReg())
        a_.cmp(ag, bs.as<x86::Gp>());
      else
        a_.cmp(ag, bs.as<x86::Mem>());
    } else {
      Operand as = gpSource(pa, false);  // a slot or a local
      if (bs.isImm())
        a_.cmp(as.as<x86::Mem>(), bs.as<Imm>());
      else
        a_.cmp(as.as<x86::Mem>(), bs.as<x86::Gp>());
    }
    v.cond = Cond{cc, 0};
  }
  pop(), pop();
  push(v);
}

void BaselineCompiler::emitNumericHelper(Op op, int inputs) {
  ValType rt = ValType::fromCode(opInfo(op).result);
  uint32_t h = height();
  const void* fn = (const void*)numericHelper(op);
  if (inputs == 1)
    callHelper(fn, {entry(h - 1), imm64(0), ctxArg()}, helperMayTrap(op));
  else
    callHelper(fn, {entry(h - 2), entry(h - 1), ctxArg()}, helperMayTrap(op));
  for (int i = 0; i < inputs; ++i) pop();
  if (isFloat(rt)) {
    int x = allocXmm();
    rt == ValType::F32 ? a_.movd(xmm(x), x86::eax) : a_.movq(xmm(x), x86::rax);
    pushReg(rt, x);
  } else {
    pushReg(rt, kRax);
  }
}

bool BaselineCompiler::emitUnary(Op op) {
  const OpInfo& info = opInfo(op);
  ValType rt = ValType::fromCode(info.result);
  ValType at = ValType::fromCode(info.operand);
  uint32_t pos = height() - 1;
  if (cpu_.lacks(op)) return false;
  switch (op) {
    case Op::I32Clz: case Op::I32Ctz: case Op::I32Popcnt:
    case Op::I64Clz: case Op::I64Ctz: case Op::I64Popcnt:
    case Op::I32Extend8S: case Op::I32Extend16S:
    case Op::I64Extend8S: case Op::I64Extend16S: case Op::I64Extend32S:
    case Op::I64ExtendI32S: case Op::I64ExtendI32U: case Op::I32WrapI64: {
      int r = resultGp(pos);
      x86::Gp q = x86::gpq(r), d = x86::gpd(r);
      switch (op) {
        case Op::I32Clz: a_.lzcnt(d, d); break;
        case Op::I32Ctz: a_.tzcnt(d, d); break;
        case Op::I32Popcnt: a_.popcnt(d, d); break;
        case Op::I64Clz: a_.lzcnt(q, q); break;
        case Op::I64Ctz: a_.tzcnt(q, q); break;
        case Op::I64Popcnt: a_.popcnt(q, q); break;
        case Op::I32Extend8S: a_.movsx(d, x86::gpb(r)); break;
        case Op::I32Extend16S: a_.movsx(d, x86::gpw(r)); break;
        case Op::I64Extend8S: a_.movsx(q, x86::gpb(r)); break;
        case Op::I64Extend16S: a_.movsx(q, x86::gpw(r)); break;
        case Op::I64Extend32S: case Op::I64ExtendI32S: a_.movsxd(q, d); break;
        default: a_.mov(d, d); break;  // extend_u, wrap: zero the upper half
      }
      pop();
      pushReg(rt, r);
      return true;
    }
    case Op::F32Abs: case Op::F32Neg: case Op::F64Abs: case Op::F64Neg: {
      int x = resultXmm(pos);
      bool neg = op == Op::F32Neg || op == Op::F64Neg;
      if (at == ValType::F32) {
        a_.movd(kScratch.r32(), xmm(x));
        neg ? a_.xor_(kScratch.r32(), imm(int32_t(0x80000000u))) : a_.and_(kScratch.r32(), imm(0x7fffffff));
        a_.movd(xmm(x), kScratch.r32());
      } else {
        a_.movq(kScratch, xmm(x));
        neg ? a_.btc(kScratch, imm(63)) : a_.btr(kScratch, imm(63));
        a_.movq(xmm(x), kScratch);
      }
      pop();
      pushReg(rt, x);
      return true;
    }
    case Op::F32Sqrt: case Op::F64Sqrt:
    case Op::F32Ceil: case Op::F32Floor: case Op::F32Trunc: case Op::F32Nearest:
    case Op::F64Ceil: case Op::F64Floor: case Op::F64Trunc: case Op::F64Nearest:
    case Op::F32DemoteF64: case Op::F64PromoteF32: {
      int x = resultXmm(pos);
      x86::Xmm r = xmm(x);
      switch (op) {
        case Op::F32Sqrt: a_.sqrtss(r, r); break;
        case Op::F64Sqrt: a_.sqrtsd(r, r); break;
        case Op::F32Nearest: a_.roundss(r, r, imm(8)); break;
        case Op::F32Floor: a_.roundss(r, r, imm(9)); break;
        case Op::F32Ceil: a_.roundss(r, r, imm(10)); break;
        case Op::F32Trunc: a_.roundss(r, r, imm(11)); break;
        case Op::F64Nearest: a_.roundsd(r, r, imm(8)); break;
        case Op::F64Floor: a_.roundsd(r, r, imm(9)); break;
        case Op::F64Ceil: a_.roundsd(r, r, imm(10)); break;
        case Op::F64Trunc: a_.roundsd(r, r, imm(11)); break;
        case Op::F32DemoteF64: a_.cvtsd2ss(r, r); break;
        default: a_.cvtss2sd(r, r); break;
      }
      pop();
      pushReg(rt, x);
      return true;
    }
    case Op::F32ConvertI32S: case Op::F32ConvertI32U: case Op::F32ConvertI64S:
    case Op::F64ConvertI32S: case Op::F64ConvertI32U: case Op::F64ConvertI64S: {
      // u32 converts as the zero-extended i64.
      bool wideSource = op == Op::F32ConvertI64S || op == Op::F64ConvertI64S || op == Op::F32ConvertI32U ||
                        op == Op::F64ConvertI32U;
      loadBits(wideSource ? kScratch : kScratch.r32(), pos);
      if (op == Op::F32ConvertI32U || op == Op::F64ConvertI32U) a_.mov(kScratch.r32(), kScratch.r32());
      pop();
      int x = allocXmm();
      a_.xorps(xmm(x), xmm(x));
      x86::Gp src = wideSource ? kScratch : kScratch.r32();
      rt == ValType::F32 ? a_.cvtsi2ss(xmm(x), src) : a_.cvtsi2sd(xmm(x), src);
      pushReg(rt, x);
      return true;
    }
    case Op::I32ReinterpretF32: case Op::I64ReinterpretF64:
    case Op::F32ReinterpretI32: case Op::F64ReinterpretI64: {
      if (isFloat(rt)) {
        int g = toReg(pos);
        int x = allocXmm();
        rt == ValType::F32 ? a_.movd(xmm(x), x86::gpd(g)) : a_.movq(xmm(x), x86::gpq(g));
        pop();
        pushReg(rt, x);
      } else {
        int r = allocGp();
        loadBits(x86::gpq(r), pos);
        pop();
        pushReg(rt, r);
      }
      return true;
    }
    default:
      return false;
  }
}

bool BaselineCompiler::emitBinary(Op op) {
  const OpInfo& info = opInfo(op);
  ValType t = ValType::fromCode(info.operand);
  uint32_t pa = height() - 2, pb = height() - 1;
  switch (op) {
    case Op::I32Add: case Op::I32Sub: case Op::I32Mul: case Op::I32And: case Op::I32Or: case Op::I32Xor:
    case Op::I64Add: case Op::I64Sub: case Op::I64Mul: case Op::I64And: case Op::I64Or: case Op::I64Xor: {
      bool commutative = op != Op::I32Sub && op != Op::I64Sub;
      // Compute in place into a register operand; constants on the right.
      // (Only the roles swap: an entry's position is where its slot is.)
      uint32_t first = pa, second = pb;
      if (commutative && (stack_[pa].kind == Value::kConst ||
                          (stack_[pa].kind != Value::kReg && stack_[pb].kind == Value::kReg)))
        std::swap(first, second);
      int r = resultGp(first);
      x86::Gp R = gp(r, t);
      Operand b = gpSource(second);
      bool isMul = op == Op::I32Mul || op == Op::I64Mul;
      if (isMul) {
        if (b.isImm())
          a_.imul(R, R, b.as<Imm>());
        else if (b.isMem())
          a_.imul(R, b.as<x86::Mem>());
        else
          a_.imul(R, b.as<x86::Gp>());
      } else {
        InstId id;
        switch (op) {
          case Op::I32Add: case Op::I64Add: id = x86::Inst::kIdAdd; break;
          case Op::I32Sub: case Op::I64Sub: id = x86::Inst::kIdSub; break;
          case Op::I32And: case Op::I64And: id = x86::Inst::kIdAnd; break;
          case Op::I32Or: case Op::I64Or: id = x86::Inst::kIdOr; break;
          default: id = x86::Inst::kIdXor; break;
        }
        a_.alu(id, R, b);
      }
      pop(), pop();
      pushReg(ValType::fromCode(info.result), r);
      return true;
    }
    case Op::I32Shl: case Op::I32ShrS: case Op::I32ShrU: case Op::I32Rotl: case Op::I32Rotr:
    case Op::I64Shl: case Op::I64ShrS: case Op::I64ShrU: case Op::I64Rotl: case Op::I64Rotr:
      emitShift(op);
      return true;
    case Op::I32DivS: case Op::I32DivU: case Op::I32RemS: case Op::I32RemU:
    case Op::I64DivS: case Op::I64DivU: case Op::I64RemS: case Op::I64RemU:
      emitDivision(op);
      return true;
    case Op::F32Add: case Op::F32Sub: case Op::F32Mul: case Op::F32Div:
    case Op::F64Add: case Op::F64Sub: case Op::F64Mul: case Op::F64Div: {
      bool commutative = op == Op::F32Add || op == Op::F64Add || op == Op::F32Mul || op == Op::F64Mul;
      uint32_t first = pa, second = pb;
      if (commutative && stack_[pa].kind != Value::kReg && stack_[pb].kind == Value::kReg) std::swap(first, second);
      int x = resultXmm(first);
      Operand b = xmmSource(second);
      bool f32 = t == ValType::F32;
      InstId id;
      switch (op) {
        case Op::F32Add: case Op::F64Add: id = f32 ? x86::Inst::kIdAddss : x86::Inst::kIdAddsd; break;
        case Op::F32Sub: case Op::F64Sub: id = f32 ? x86::Inst::kIdSubss : x86::Inst::kIdSubsd; break;
        case Op::F32Mul: case Op::F64Mul: id = f32 ? x86::Inst::kIdMulss : x86::Inst::kIdMulsd; break;
        default: id = f32 ? x86::Inst::kIdDivss : x86::Inst::kIdDivsd; break;
      }
      a_.emit(id, xmm(x), b);
      pop(), pop();
      pushReg(t, x);
      return true;
    }
    case Op::F32Copysign: case Op::F64Copysign: {
      bool f32 = t == ValType::F32;
      int r = allocGp();
      x86::Gp R = f32 ? x86::Gp(x86::gpd(r)) : x86::Gp(x86::gpq(r));
      x86::Gp S = f32 ? x86::Gp(kScratch.r32()) : x86::Gp(kScratch);
      loadBits(R, pa);
      loadBits(S, pb);
      if (f32) {
        a_.and_(R, imm(0x7fffffff));
        a_.and_(S, imm(int32_t(0x80000000u)));
      } else {
        a_.btr(R, imm(63));
        a_.shr(S, imm(63));
        a_.shl(S, imm(63));
      }
      a_.or_(R, S);
      pop(), pop();
      int x = allocXmm();
      f32 ? a_.movd(xmm(x), R) : a_.movq(xmm(x), R);
      gpOwner_[r] = kFree;
      pushReg(t, x);
      return true;
    }
    default:
      return false;
  }
}

void BaselineCompiler::emitShift(Op op) {
  ValType t = ValType::fromCode(opInfo(op).operand);
  uint32_t pa = height() - 2, pb = height() - 1;
  InstId id;
  switch (op) {
    case Op::I32Shl: case Op::I64Shl: id = x86::Inst::kIdShl; break;
    case Op::I32ShrS: case Op::I64ShrS: id = x86::Inst::kIdSar; break;
    case Op::I32ShrU: case Op::I64ShrU: id = x86::Inst::kIdShr; break;
    case Op::I32Rotl: case Op::I64Rotl: id = x86::Inst::kIdRol; break;
    default: id = x86::Inst::kIdRor; break;
  }
  if (stack_[pb].kind == Value::kConst) {
    int r = resultGp(pa);
    a_.shift(id, gp(r, t), imm(int(stack_[pb].bits & (is64(t) ? 63 : 31))));
    pop(), pop();
    pushReg(t, r);
    return;
  }
  // A variable count goes in cl (the hardware masks it like wasm does).
  evictGp(kRcx);
  gpOwner_[kRcx] = kTemp;
  int r = resultGp(pa);
  loadInto(kRcx, pb);
  a_.emit(id, gp(r, t), x86::cl);
  pop(), pop();
  gpOwner_[kRcx] = kFree;
  pushReg(t, r);
}

void BaselineCompiler::emitDivision(Op op) {
  ValType t = ValType::fromCode(opInfo(op).operand);
  bool wide = t == ValType::I64;
  bool isSigned = op == Op::I32DivS || op == Op::I64DivS || op == Op::I32RemS || op == Op::I64RemS;
  bool isRem = op == Op::I32RemS || op == Op::I64RemS || op == Op::I32RemU || op == Op::I64RemU;
  uint32_t pa = height() - 2, pb = height() - 1;
  const Value& b = stack_[pb];
  bool constB = b.kind == Value::kConst;
  uint64_t bits = wide ? b.bits : uint64_t(uint32_t(b.bits));
  if (constB && bits == 0) {
    a_.jmp(trapLabel(kDivideByZero));
    pop(), pop();
    pushConst(t, 0);  // never used: the code after the jump is unreachable
    return;
  }
  if (constB && !isSigned && (bits & (bits - 1)) == 0) {
    // Unsigned division by a power of two: a shift or a mask.
    int r = resultGp(pa);
    if (isRem) {
      if (wide && !fitsInt32(int64_t(bits - 1))) {
        a_.mov(kScratch, imm(bits - 1));
        a_.and_(gp(r, t), kScratch);
      } else {
        a_.and_(gp(r, t), imm(int32_t(bits - 1)));
      }
    } else if (bits > 1) {
      a_.shr(gp(r, t), imm(__builtin_ctzll(bits)));
    }
    pop(), pop();
    pushReg(t, r);
    return;
  }
  evictGp(kRax);
  gpOwner_[kRax] = kTemp;
  evictGp(kRdx);
  gpOwner_[kRdx] = kTemp;
  // The divisor: a register, a slot, a local, or a constant in r11.
  Operand divisor;
  if (constB) {
    a_.mov(wide ? kScratch : kScratch.r32(), imm(bits));
    divisor = wide ? kScratch : kScratch.r32();
  } else {
    divisor = gpSource(pb, false);
  }
  if (!constB) {
    if (divisor.isReg())
      a_.test(divisor.as<x86::Gp>(), divisor.as<x86::Gp>());
    else
      a_.cmp(divisor.as<x86::Mem>(), imm(0));
    a_.jz(trapLabel(kDivideByZero));
  }
  x86::Gp rax = wide ? x86::Gp(x86::rax) : x86::Gp(x86::eax);
  loadInto(kRax, pa);
  LocalLabel done = a_.newLocalLabel();
  if (isSigned && (!constB || bits == (wide ? ~0ull : 0xffffffffull))) {
    // x / -1 overflows for the minimum; x % -1 is 0 (idiv would fault).
    LocalLabel normal = a_.newLocalLabel();
    if (divisor.isReg())
      a_.cmp(divisor.as<x86::Gp>(), imm(-1));
    else
      a_.cmp(divisor.as<x86::Mem>(), imm(-1));
    a_.jne(normal);
    if (isRem) {
      a_.xor_(x86::edx, x86::edx);
    } else {
      if (wide) {
        a_.mov(x86::rdx, imm(int64_t(INT64_MIN)));
        a_.cmp(x86::rax, x86::rdx);
      } else {
        a_.cmp(x86::eax, imm(int32_t(INT32_MIN)));
      }
      a_.je(trapLabel(kIntegerOverflow));
      a_.neg(rax);
    }
    a_.jmp(done);
    a_.bind(normal);
  }
  if (isSigned) {
    wide ? a_.cqo() : a_.cdq();
    if (divisor.isReg())
      a_.idiv(divisor.as<x86::Gp>());
    else
      a_.idiv(divisor.as<x86::Mem>());
  } else {
    a_.xor_(x86::edx, x86::edx);
    if (divisor.isReg())
      a_.div(divisor.as<x86::Gp>());
    else
      a_.div(divisor.as<x86::Mem>());
  }
  a_.bind(done);
  pop(), pop();
  int result = isRem ? kRdx : kRax;
  gpOwner_[isRem ? kRax : kRdx] = kFree;
  gpOwner_[result] = kFree;
  pushReg(t, result);
}

}  // namespace strata::jit::baseline
