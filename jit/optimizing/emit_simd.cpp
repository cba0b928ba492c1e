// The emitter's SIMD operators: v128 values are xmm virtual registers;
// the instruction sequences are jit/simd_codegen.h's (shared with the
// baseline compiler), and every operator without one on this CPU calls its
// helper (jit/simd_helpers.h) on operands spilled to the native stack.
#include <stdexcept>

#include <cstring>

#include "jit/optimizing/emitter.h"
#include "jit/simd_codegen.h"
#include "jit/simd_helpers.h"

namespace strata::jit::emit {

// The constant pool as simd_x86 takes it.
struct Emitter::SimdPool {
  Emitter& e;
  x86::Mem v128(uint64_t lo, uint64_t hi) {
    Val v;
    v.type = ValType::V128;
    v.bits = lo;
    v.high = hi;
    return e.constant(v);
  }
};

Val Emitter::constV128(const uint8_t bytes[16]) {
  Val v;
  v.kind = Val::kConst;
  v.type = ValType::V128;
  std::memcpy(&v.bits, bytes, 8);
  std::memcpy(&v.high, bytes + 8, 8);
  return v;
}

x86::Xmm Emitter::simdDestination(const Val& first, std::initializer_list<Val> laterReads, Val* out) {
  x86::Xmm d = floatDestination(ValType::V128, first, laterReads, out);
  const Val& src = resolve(first);
  if (!(src.kind == Val::kReg && src.xmm.id() == d.id())) {
    Val dst;
    dst.kind = Val::kReg;
    dst.type = ValType::V128;
    dst.xmm = d;
    moveInto(dst, first);
  }
  return d;
}

void Emitter::onSimd(Op op, const SimdImmediate& si) {
  if (!pre()) return;
  if (!simdInline(op, si)) simdCall(op, si);
}

bool Emitter::simdInline(Op op, const SimdImmediate& si) {
  using namespace simd_x86;
  const OpInfo& info = opInfo(op);
  const CpuSupport& cpu = CpuSupport::host();
  SimdPool pool{*this};
  switch (info.cls) {
    case OpClass::SimdBinary: {
      bool swizzleOp = op == Op::I8x16Swizzle;
      BinaryForm f = binaryForm(op);
      if (swizzleOp ? !cpu.ssse3 : (f.inst == Inst::kIdNone || (f.sse41 && !cpu.sse41))) return false;
      Val b = pop(), a = pop();
      // A commutative operator computes into whichever operand is a
      // temporary: a local or a constant would need a copy.
      if (commutative(op) && a.kind != Val::kReg && b.kind == Val::kReg) std::swap(a, b);
      // A constant second operand of a commutative operator goes last,
      // where AVX can read it from the constant pool.
      if (commutative(op) && resolve(a).kind == Val::kConst && resolve(b).kind != Val::kConst) std::swap(a, b);
      Val out;
      x86::Xmm tmp = cc_.newXmm();
      if (!swizzleOp && cpu.avx && resolve(b).kind == Val::kConst && !binaryForm(op).swap &&
          avxFormOf(binaryForm(op).inst) != Inst::kIdNone) {
        x86::Xmm ax = xmmOf(a);
        x86::Xmm d = floatDestination(ValType::V128, a, {b}, &out);
        binary3(cc_, cpu, op, d, ax, constant(resolve(b)), tmp);
        stack_.push_back(out);
        return true;
      }
      x86::Xmm bx = xmmOf(b);
      if (!swizzleOp && cpu.avx && avxFormOf(binaryForm(op).inst) != Inst::kIdNone) {
        // Three operands: the result in a register of its own (or a's
        // when a is a temporary that dies here), a read where it is.
        x86::Xmm ax = xmmOf(a);
        x86::Xmm d = floatDestination(ValType::V128, a, {b}, &out);
        binary3(cc_, cpu, op, d, ax, bx, tmp);
        stack_.push_back(out);
        return true;
      }
      x86::Xmm d = simdDestination(a, {b}, &out);
      if (swizzleOp)
        swizzle(cc_, cpu, d, bx, tmp, pool);
      else
        binary(cc_, cpu, op, d, bx, tmp);
      stack_.push_back(out);
      return true;
    }
    case OpClass::SimdTernary: {  // bitselect and laneselect; the others by helper
      if (!isBitselect(op)) return false;
      Val c = pop(), b = pop(), a = pop();
      x86::Xmm bx = xmmOf(b), cx = xmmOf(c);
      Val out;
      x86::Xmm d = simdDestination(a, {b, c}, &out);
      bitselect(cc_, d, bx, cx, cc_.newXmm());
      stack_.push_back(out);
      return true;
    }
    case OpClass::SimdShift: {
      if (!hasShift(op)) return false;
      Val count = pop(), a = pop();
      Val out;
      x86::Xmm d = simdDestination(a, {count}, &out);
      if (count.kind == Val::kConst) {
        shiftByConstant(cc_, op, d, uint32_t(count.bits));
      } else {
        x86::Gp g = cc_.newGpd();
        cc_.mov(g, gpOf(count).r32());
        shiftByRegister(cc_, op, d, g, cc_.newXmm());
      }
      stack_.push_back(out);
      return true;
    }
    case OpClass::SimdUnary: {
      ValType operand = ValType::fromCode(info.operand), result = ValType::fromCode(info.result);
      if (operand == ValType::V128 && result == ValType::V128) {
        // Into a register of its own (a copy, or the next local.set's
        // local): if there is no sequence the helper still finds the
        // operand on the stack, and the copy is only a wasted move.
        Val a = stack_.back();
        Val out;
        x86::Xmm d = simdDestination(a, {}, &out);
        if (!unary(cc_, cpu, op, d, cc_.newXmm(), pool)) return false;
        pop();
        stack_.push_back(out);
        return true;
      }
      if (result == ValType::V128) {  // a splat
        Val a = pop();
        Val r = newReg(ValType::V128);
        if (isFloat(operand)) {
          moveInto(r, a);  // the float in the low lane
          splatFloat(cc_, op, r.xmm);
        } else {
          splatGp(cc_, op, r.xmm, gpOf(a).r64());
        }
        stack_.push_back(r);
        return true;
      }
      // v128 -> i32: a bitmask, or a test whose result is a truth value.
      Val a = stack_.back();
      x86::Xmm x = xmmOf(a);
      x86::Xmm tmp = cc_.newXmm();
      if (op == Op::I8x16Bitmask || op == Op::I16x8Bitmask || op == Op::I32x4Bitmask || op == Op::I64x2Bitmask) {
        pop();
        x86::Gp g = cc_.newGpd();
        bitmask(cc_, op, g.r64(), x, tmp);
        pushGp(ValType::I32, g);
        return true;
      }
      x86::Gp scratch = cc_.newGpd();
      if (op == Op::I64x2AllTrue && !cpu.sse41) return false;
      if (!testToFlags(cc_, cpu, op, x, tmp, scratch)) return false;
      pop();
      x86::Gp g = cc_.newGpd();
      cc_.set(testIsTrueOnZero(op) ? x86::CondCode::kE : x86::CondCode::kNE, g.r8());
      cc_.movzx(g, g.r8());
      pushGp(ValType::I32, g);
      return true;
    }
    case OpClass::SimdExtract: {
      ValType result = ValType::fromCode(info.result);
      if (isFloat(result)) {
        Val a = pop();
        Val r = newReg(result);
        extractFloat(cc_, op, si.lane, r.xmm, xmmOf(a));
        stack_.push_back(r);
        return true;
      }
      if ((op == Op::I8x16ExtractLaneS || op == Op::I8x16ExtractLaneU) && !cpu.sse41) return false;
      Val a = pop();
      x86::Gp g = newGp(result);
      extractGp(cc_, cpu, op, si.lane, g.r64(), xmmOf(a), cc_.newXmm());
      pushGp(result, g);
      return true;
    }
    case OpClass::SimdReplace: {
      ValType scalar = ValType::fromCode(info.operand);
      if (op != Op::I16x8ReplaceLane && op != Op::F64x2ReplaceLane && !cpu.sse41) return false;
      Val s = pop(), a = pop();
      Val out;
      if (isFloat(scalar)) {
        x86::Xmm sx = xmmOf(s);
        x86::Xmm d = simdDestination(a, {s}, &out);
        replaceFloat(cc_, cpu, op, si.lane, d, sx);
      } else {
        x86::Gp g = gpOf(s);
        x86::Xmm d = simdDestination(a, {s}, &out);
        replaceGp(cc_, cpu, op, si.lane, d, g.r64());
      }
      stack_.push_back(out);
      return true;
    }
    case OpClass::SimdLoad: {
      bool plain = op == Op::V128Load || op == Op::V128Load32Zero || op == Op::V128Load64Zero ||
                   op == Op::V128Load32Splat || op == Op::V128Load64Splat;
      bool extend = !plain && op != Op::V128Load8Splat && op != Op::V128Load16Splat;
      if (!plain && !(extend && cpu.sse41)) return false;
      Val addr = pop();
      x86::Mem mem = address(addr, si.mem.offset, info.accessBytes, si.mem.memory);
      mem.setSize(info.accessBytes);
      Val r = newReg(ValType::V128);
      x86::Xmm x = r.xmm;
      switch (op) {
        case Op::V128Load: cc_.movdqu(x, mem); break;
        case Op::V128Load32Zero: cc_.movd(x, mem); break;
        case Op::V128Load64Zero: cc_.movq(x, mem); break;
        case Op::V128Load32Splat: cc_.movd(x, mem); cc_.pshufd(x, x, imm(0)); break;
        case Op::V128Load64Splat: cc_.movq(x, mem); cc_.punpcklqdq(x, x); break;
        case Op::V128Load8x8S: cc_.pmovsxbw(x, mem); break;
        case Op::V128Load8x8U: cc_.pmovzxbw(x, mem); break;
        case Op::V128Load16x4S: cc_.pmovsxwd(x, mem); break;
        case Op::V128Load16x4U: cc_.pmovzxwd(x, mem); break;
        case Op::V128Load32x2S: cc_.pmovsxdq(x, mem); break;
        default: cc_.pmovzxdq(x, mem); break;
      }
      stack_.push_back(r);
      return true;
    }
    case OpClass::SimdSpecial:
      if (op == Op::V128Const) {
        stack_.push_back(constV128(si.bytes));
        return true;
      }
      if (op == Op::V128Store) {
        Val v = pop(), addr = pop();
        x86::Xmm x = xmmOf(v);  // before the address: the check sits right before the store
        x86::Mem mem = address(addr, si.mem.offset, 16, si.mem.memory);
        mem.setSize(16);
        cc_.movdqu(mem, x);
        return true;
      }
      if (!cpu.ssse3) return false;
      {
        Val b = pop(), a = pop();
        x86::Xmm bx = xmmOf(b);
        Val out;
        x86::Xmm d = simdDestination(a, {b}, &out);
        shuffle(cc_, cpu, d, bx, cc_.newXmm(), si.bytes, pool);
        stack_.push_back(out);
        return true;
      }
    case OpClass::SimdLoadLane: {
      if ((op == Op::V128Load32Lane || op == Op::V128Load8Lane) && !cpu.sse41) return false;
      Val v = pop(), addr = pop();
      Val out;
      x86::Xmm d = simdDestination(v, {addr}, &out);
      x86::Mem mem = address(addr, si.mem.offset, info.accessBytes, si.mem.memory);
      mem.setSize(info.accessBytes);
      loadLane(cc_, cpu, op, si.lane, d, mem);
      stack_.push_back(out);
      return true;
    }
    case OpClass::SimdStoreLane: {
      if (op == Op::V128Store8Lane && !cpu.sse41) return false;
      Val v = pop(), addr = pop();
      x86::Xmm x = xmmOf(v);
      x86::Mem mem = address(addr, si.mem.offset, info.accessBytes, si.mem.memory);
      mem.setSize(info.accessBytes);
      storeLane(cc_, cpu, op, si.lane, mem, x, cc_.newGpd(), cc_.newXmm());
      return true;
    }
    default:
      return false;
  }
}

// The helper path: each operand in a 16-byte native stack slot, the result
// written to another; memory operators pass the checked host address.
void Emitter::simdCall(Op op, const SimdImmediate& si) {
  const OpInfo& info = opInfo(op);
  SimdHelper fn = simdHelper(op);
  if (!fn) throw Unsupported{info.name};
  int inputs = simdOperandCount(op);
  bool memory = isSimdMemoryAccess(op);
  bool store = isSimdStore(op);
  std::vector<Val> ops(stack_.end() - inputs, stack_.end());
  stack_.resize(stack_.size() - size_t(inputs));
  // Operands (after a memory operator's address) to the native stack.
  std::vector<Operand> args;
  x86::Mem out = cc_.newStack(16, 16);
  x86::Gp outPtr = cc_.newGpq();
  if (memory) {
    x86::Gp p = checkedAddress(ops[0], si.mem.offset, info.accessBytes, si.mem.memory);
    if (store) {
      args.push_back(p);
    } else {
      cc_.lea(outPtr, out);
      args.push_back(outPtr);
      args.push_back(p);
    }
  } else {
    cc_.lea(outPtr, out);
    args.push_back(outPtr);
  }
  for (size_t i = memory ? 1 : 0; i < ops.size(); ++i) {
    x86::Mem slot = cc_.newStack(16, 16);
    storeSlot(ops[i], slot);
    x86::Gp ptr = cc_.newGpq();
    cc_.lea(ptr, slot);
    args.push_back(ptr);
  }
  if (op == Op::I8x16Shuffle) {  // the lane indices, from the constant pool
    x86::Gp lanes = cc_.newGpq();
    cc_.lea(lanes, constant(constV128(si.bytes)));
    args.push_back(lanes);
  }
  while (args.size() < 4) args.push_back(imm(0));
  args.push_back(imm(uint64_t(si.lane)));
  callHelper((void*)fn, {args[0], args[1], args[2], args[3], args[4]}, false);
  if (store) return;
  Val r = newReg(ValType::fromCode(info.result));
  loadSlot(r, out);
  stack_.push_back(r);
}

// The host address of an access of `size` bytes, checked against the
// memory's current size also when it is guarded (the guard region's fault
// is the trap only inside compiled code; the helper's access is outside).
x86::Gp Emitter::checkedAddress(const Val& addr0, uint64_t offset, uint32_t size, uint32_t memory) {
  x86::Gp p = cc_.newGpq("addr");
  if (!guarded_ || !isFastMemory(memory)) {
    cc_.lea(p, address(addr0, offset, size, memory));
    return p;
  }
  const Val& addr = resolve(addr0);
  if (addr.kind == Val::kConst) {
    cc_.mov(p, imm(uint64_t(uint32_t(addr.bits)) + offset));
  } else {
    cc_.mov(p.r32(), addr.gp.r32());
    if (offset) {
      x86::Gp o = cc_.newGpq();
      cc_.mov(o.r32(), imm(offset));
      cc_.add(p, o);
    }
  }
  x86::Gp end = cc_.newGpq(), limit = cc_.newGpq();
  cc_.lea(end, x86::ptr(p, int32_t(size)));
  cc_.mov(limit, imm(uint64_t(uintptr_t(mem_->byteSizeAddress()))));
  cc_.cmp(end, x86::qword_ptr(limit));
  cc_.ja(trapLabel(kOutOfBoundsMemory));
  cc_.add(p, base());
  return p;
}

}  // namespace strata::jit::emit
