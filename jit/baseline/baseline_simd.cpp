// The baseline compiler's SIMD operators (see baseline_compiler.h): v128
// values live in xmm registers and two frame slots; the sequences are
// jit/simd_codegen.h's, shared with the optimizing compiler, and every
// operator without one (on this CPU) calls its helper (jit/simd_helpers.h).
#include <stdexcept>

#include <cstring>

#include "jit/baseline/baseline_compiler.h"
#include "jit/simd_codegen.h"
#include "jit/simd_helpers.h"

namespace strata::jit::baseline {

namespace {
const x86::Gp kScratch = x86::r11;
const x86::Xmm kScratchXmm = x86::xmm15;

bool isScalarLane(ValType t) { return t == ValType::I32 || t == ValType::I64; }
}  // namespace

// The constant pool as simd_x86 takes it.
struct BaselineCompiler::SimdPool {
  BaselineCompiler& c;
  x86::Mem v128(uint64_t lo, uint64_t hi) { return c.constant128(lo, hi); }
};

int BaselineCompiler::pinReg(uint32_t pos) {
  int r = toReg(pos);
  (inXmm(stack_[pos].type) ? xmmOwner_ : gpOwner_)[r] = kTemp;
  return r;
}

void BaselineCompiler::pushConst128(const uint8_t bytes[16]) {
  Value v;
  v.kind = Value::kConst;
  v.type = ValType::V128;
  std::memcpy(&v.bits, bytes, 8);
  std::memcpy(&v.high, bytes + 8, 8);
  push(v);
}

void BaselineCompiler::onSimd(Op op, const SimdImmediate& si) {
  if (!pre()) return;
  if (!simdInline(op, si)) simdCall(op, si);
}

bool BaselineCompiler::simdInline(Op op, const SimdImmediate& si) {
  using namespace simd_x86;
  const OpInfo& info = opInfo(op);
  SimdPool pool{*this};
  const uint32_t h = height();
  switch (info.cls) {
    case OpClass::SimdBinary: {
      if (binaryForm(op).inst == Inst::kIdNone || (binaryForm(op).sse41 && !cpu_.sse41)) {
        if (op != Op::I8x16Swizzle || !cpu_.ssse3) return false;
      }
      int a = pinReg(h - 2), b = pinReg(h - 1);
      if (op == Op::I8x16Swizzle)
        swizzle(a_, cpu_, xmm(a), xmm(b), kScratchXmm, pool);
      else
        binary(a_, cpu_, op, xmm(a), xmm(b), kScratchXmm);
      pop(), pop();
      pushReg(ValType::V128, a);
      return true;
    }
    case OpClass::SimdTernary: {  // bitselect and laneselect; the others by helper
      if (!isBitselect(op)) return false;
      int a = pinReg(h - 3), b = pinReg(h - 2), c = pinReg(h - 1);
      bitselect(a_, xmm(a), xmm(b), xmm(c), kScratchXmm);
      pop(), pop(), pop();
      pushReg(ValType::V128, a);
      return true;
    }
    case OpClass::SimdShift: {
      if (!hasShift(op)) return false;
      if (top().kind == Value::kConst) {
        uint32_t count = uint32_t(top().bits);
        pop();
        int a = pinReg(h - 2);
        shiftByConstant(a_, op, xmm(a), count);
        pop();
        pushReg(ValType::V128, a);
        return true;
      }
      int a = pinReg(h - 2);
      loadInto(kScratch.id(), h - 1);  // the count, masked in the scratch register
      shiftByRegister(a_, op, xmm(a), kScratch, kScratchXmm);
      pop(), pop();
      pushReg(ValType::V128, a);
      return true;
    }
    case OpClass::SimdUnary: {
      ValType operand = ValType::fromCode(info.operand), result = ValType::fromCode(info.result);
      if (operand == ValType::V128 && result == ValType::V128) {
        int a = pinReg(h - 1);
        if (!unary(a_, cpu_, op, xmm(a), kScratchXmm, pool)) {
          xmmOwner_[a] = int(h - 1);  // unpinned: the helper path takes it from here
          return false;
        }
        pop();
        pushReg(ValType::V128, a);
        return true;
      }
      if (result == ValType::V128) {  // a splat
        if (isFloat(operand)) {
          int a = pinReg(h - 1);
          splatFloat(a_, op, xmm(a));
          pop();
          pushReg(ValType::V128, a);
        } else {
          int g = pinReg(h - 1);
          int x = allocXmm();
          splatGp(a_, op, xmm(x), x86::gpq(g));
          pop();
          pushReg(ValType::V128, x);
        }
        return true;
      }
      // A test or bitmask: v128 -> i32.
      int a = pinReg(h - 1);
      if (op == Op::I8x16Bitmask || op == Op::I16x8Bitmask || op == Op::I32x4Bitmask || op == Op::I64x2Bitmask) {
        int g = allocGp();
        bitmask(a_, op, x86::gpq(g), xmm(a), kScratchXmm);
        pop();
        pushReg(ValType::I32, g);
        return true;
      }
      if (!testToFlags(a_, cpu_, op, xmm(a), kScratchXmm, kScratch)) {
        xmmOwner_[a] = int(h - 1);
        return false;
      }
      pop();
      // The flags, for a br_if/if/select to consume (or setcc).
      Value v;
      v.kind = Value::kCmp;
      v.cond = Cond{testIsTrueOnZero(op) ? x86::CondCode::kE : x86::CondCode::kNE, 0};
      push(v);
      return true;
    }
    case OpClass::SimdExtract: {
      ValType result = ValType::fromCode(info.result);
      int a = pinReg(h - 1);
      if (isFloat(result)) {
        int x = allocXmm();
        extractFloat(a_, op, si.lane, xmm(x), xmm(a));
        pop();
        pushReg(result, x);
        return true;
      }
      int g = allocGp();
      if (!extractGp(a_, cpu_, op, si.lane, x86::gpq(g), xmm(a), kScratchXmm)) {
        gpOwner_[g] = kFree;
        xmmOwner_[a] = int(h - 1);
        return false;
      }
      pop();
      pushReg(result, g);
      return true;
    }
    case OpClass::SimdReplace: {
      ValType scalar = ValType::fromCode(info.operand);
      if (isScalarLane(scalar) && op != Op::I16x8ReplaceLane && !cpu_.sse41) return false;
      if (op == Op::F32x4ReplaceLane && !cpu_.sse41) return false;
      int a = pinReg(h - 2), s = pinReg(h - 1);
      if (isFloat(scalar))
        replaceFloat(a_, cpu_, op, si.lane, xmm(a), xmm(s));
      else
        replaceGp(a_, cpu_, op, si.lane, xmm(a), x86::gpq(s));
      pop(), pop();
      pushReg(ValType::V128, a);
      return true;
    }
    case OpClass::SimdLoad:
      return simdLoadInline(op, si.mem);
    case OpClass::SimdSpecial:
      if (op == Op::V128Const) {
        pushConst128(si.bytes);
        return true;
      }
      if (op == Op::V128Store) {
        int x = pinReg(h - 1);
        x86::Mem mem = address(h - 2, si.mem.offset, 16, si.mem.memory);
        mem.setSize(16);
        a_.movdqu(mem, xmm(x));
        releaseAddressTemp();
        pop(), pop();
        return true;
      }
      {  // i8x16.shuffle
        if (!cpu_.ssse3) return false;
        int a = pinReg(h - 2), b = pinReg(h - 1);
        shuffle(a_, cpu_, xmm(a), xmm(b), kScratchXmm, si.bytes, pool);
        pop(), pop();
        pushReg(ValType::V128, a);
        return true;
      }
    case OpClass::SimdLoadLane: {
      if ((op == Op::V128Load32Lane || op == Op::V128Load8Lane) && !cpu_.sse41) return false;
      int v = pinReg(h - 1);
      x86::Mem mem = address(h - 2, si.mem.offset, info.accessBytes, si.mem.memory);
      mem.setSize(info.accessBytes);
      loadLane(a_, cpu_, op, si.lane, xmm(v), mem);
      releaseAddressTemp();
      pop(), pop();
      pushReg(ValType::V128, v);
      return true;
    }
    case OpClass::SimdStoreLane: {
      if (op == Op::V128Store8Lane && !cpu_.sse41) return false;
      int v = pinReg(h - 1);
      x86::Mem mem = address(h - 2, si.mem.offset, info.accessBytes, si.mem.memory);
      mem.setSize(info.accessBytes);
      // r11 may be in the address (unguarded memories): a free register
      // holds the 16-bit lane instead.
      int g = allocGp();
      storeLane(a_, cpu_, op, si.lane, mem, xmm(v), x86::gpq(g), kScratchXmm);
      gpOwner_[g] = kFree;
      releaseAddressTemp();
      pop(), pop();
      return true;
    }
    default:
      return false;
  }
}

bool BaselineCompiler::simdLoadInline(Op op, MemArg m) {
  bool plain = op == Op::V128Load || op == Op::V128Load32Zero || op == Op::V128Load64Zero ||
               op == Op::V128Load32Splat || op == Op::V128Load64Splat;
  bool extend = op == Op::V128Load8x8S || op == Op::V128Load8x8U || op == Op::V128Load16x4S ||
                op == Op::V128Load16x4U || op == Op::V128Load32x2S || op == Op::V128Load32x2U;
  if (!plain && !(extend && cpu_.sse41)) return false;
  uint32_t pos = height() - 1;
  x86::Mem mem = address(pos, m.offset, opInfo(op).accessBytes, m.memory);
  int x = allocXmm();
  x86::Xmm r = xmm(x);
  mem.setSize(opInfo(op).accessBytes);
  switch (op) {
    case Op::V128Load: a_.movdqu(r, mem); break;
    case Op::V128Load32Zero: a_.movd(r, mem); break;
    case Op::V128Load64Zero: a_.movq(r, mem); break;
    case Op::V128Load32Splat: a_.movd(r, mem); a_.pshufd(r, r, imm(0)); break;
    case Op::V128Load64Splat: a_.movq(r, mem); a_.punpcklqdq(r, r); break;
    case Op::V128Load8x8S: a_.pmovsxbw(r, mem); break;
    case Op::V128Load8x8U: a_.pmovzxbw(r, mem); break;
    case Op::V128Load16x4S: a_.pmovsxwd(r, mem); break;
    case Op::V128Load16x4U: a_.pmovzxwd(r, mem); break;
    case Op::V128Load32x2S: a_.pmovsxdq(r, mem); break;
    default: a_.pmovzxdq(r, mem); break;
  }
  releaseAddressTemp();
  pop();
  pushReg(ValType::V128, x);
  return true;
}

// The helper path: operands in their frame slots, the helper writes the
// result into the slot of the first (memory operators get the checked
// host address instead of the address operand).
void BaselineCompiler::simdCall(Op op, const SimdImmediate& si) {
  const OpInfo& info = opInfo(op);
  SimdHelper fn = simdHelper(op);
  if (!fn) throw Unsupported{info.name};
  int inputs = simdOperandCount(op);
  bool memory = isSimdMemoryAccess(op);
  bool store = isSimdStore(op);
  uint32_t base = height() - uint32_t(inputs);
  for (uint32_t p = base; p < height(); ++p) materialize(p);
  spillRegisters();
  if (memory) {
    // The host address in r11 (nothing below touches it). A guarded
    // memory is not checked by address(): the guard region's fault is the
    // trap only in compiled code, and this access is the helper's.
    if (guarded_ && isFastMemory(si.mem.memory)) {
      loadInto(kScratch.id(), base);  // the i32 index, zero-extended
      if (si.mem.offset) {
        a_.mov(x86::eax, imm(si.mem.offset));
        a_.add(kScratch, x86::rax);
      }
      a_.lea(x86::rax, x86::ptr(kScratch, int32_t(info.accessBytes)));
      a_.mov(x86::rcx, imm(uint64_t(uintptr_t(mem_->byteSizeAddress()))));
      a_.cmp(x86::rax, x86::qword_ptr(x86::rcx));
      a_.ja(trapLabel(kOutOfBoundsMemory));
      a_.add(kScratch, x86::r13);  // the memory's base
    } else {
      x86::Mem mem = address(base, si.mem.offset, info.accessBytes, si.mem.memory);
      a_.lea(kScratch, mem);
      releaseAddressTemp();
    }
  }
  // out, a, b, c in rdi, rsi, rdx, rcx; the lane in r8.
  auto slotAddress = [&](const x86::Gp& r, uint32_t pos) { a_.lea(r, stackSlot(pos)); };
  if (store)
    a_.mov(x86::rdi, kScratch);
  else
    a_.lea(x86::rdi, frameSlot(slotAtHeight(base)));
  const x86::Gp args[] = {x86::rsi, x86::rdx, x86::rcx};
  int next = 0;
  if (memory && !store) a_.mov(args[next++], kScratch);
  for (uint32_t p = base + (memory ? 1 : 0); p < height(); ++p) slotAddress(args[next++], p);
  if (op == Op::I8x16Shuffle) {  // the lane indices, from the constant pool
    uint64_t lo, hi;
    std::memcpy(&lo, si.bytes, 8);
    std::memcpy(&hi, si.bytes + 8, 8);
    a_.lea(args[next++], constant128(lo, hi));
  }
  a_.mov(x86::r8, imm(uint64_t(si.lane)));
  a_.mov(x86::rax, imm(uint64_t(uintptr_t(fn))));
  a_.call(x86::rax);
  for (int i = 0; i < inputs; ++i) pop();
  if (!store) pushSlot(ValType::fromCode(info.result));
}

}  // namespace strata::jit::baseline
