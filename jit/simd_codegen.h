// The x86 instruction sequences of the SIMD operators, for both compilers
// (the baseline compiler's Assembler and the optimizing compiler's
// Compiler are both asmjit x86 emitters, so one template serves both).
//
// The callers keep their own operand stacks; these functions only emit.
// Conventions:
//   - `dst` holds the first v128 operand and receives the result;
//     `b`, `c` are further v128 operands (registers: a 128-bit SSE memory
//     operand must be 16-byte aligned, frame slots are not);
//   - `tmp` is an xmm register the sequence may clobber;
//   - `pool` makes 16-byte constants: pool.v128(low, high) -> x86::Mem;
//   - every function returns false, having emitted nothing, when the
//     operator has no sequence here or needs an instruction set extension
//     the CPU lacks: the caller then calls the operator's helper
//     (simd_helpers.h), which is always right.
// The sequences compute exactly the spec's results; where a NaN result's
// payload is not determined by the spec, they produce what the hardware
// produces (an arithmetic NaN), as the scalar float operators do.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "jit/codegen.h"
#include "wasm/opcodes.h"

namespace strata::jit::simd_x86 {

using asmjit::Imm;
using asmjit::x86::Gp;
using asmjit::x86::Mem;
using asmjit::x86::Xmm;
namespace Inst = asmjit::x86::Inst;

// Lane masks repeated over the 16 bytes.
constexpr uint64_t repeat32(uint32_t v) { return uint64_t(v) | (uint64_t(v) << 32); }
constexpr uint64_t repeat8(uint8_t v) { return 0x0101010101010101ull * v; }

// --- binary operators: dst = op(dst, b) --------------------------------------

struct BinaryForm {
  asmjit::InstId inst = Inst::kIdNone;
  bool sse41 = false;    // the instruction is SSE4.1
  bool swap = false;     // op(a, b) = inst(b, a)
  bool invert = false;   // op(a, b) = ~inst(...)
  int cmpPredicate = -1; // cmpps/cmppd predicate immediate
};

// op(a, b) = op(b, a), bit for bit (for floats up to which input NaN is
// returned, which the spec leaves open): a caller may compute into b's
// register instead of copying a.
inline bool commutative(Op op) {
  switch (op) {
    case Op::I8x16Add: case Op::I16x8Add: case Op::I32x4Add: case Op::I64x2Add:
    case Op::I8x16AddSatS: case Op::I8x16AddSatU: case Op::I16x8AddSatS: case Op::I16x8AddSatU:
    case Op::I16x8Mul: case Op::I32x4Mul:
    case Op::I8x16MinU: case Op::I8x16MaxU: case Op::I16x8MinS: case Op::I16x8MaxS:
    case Op::I8x16MinS: case Op::I8x16MaxS: case Op::I16x8MinU: case Op::I16x8MaxU:
    case Op::I32x4MinS: case Op::I32x4MaxS: case Op::I32x4MinU: case Op::I32x4MaxU:
    case Op::I8x16AvgrU: case Op::I16x8AvgrU: case Op::I32x4DotI16x8S:
    case Op::V128And: case Op::V128Or: case Op::V128Xor:
    case Op::I8x16Eq: case Op::I16x8Eq: case Op::I32x4Eq: case Op::I64x2Eq:
    case Op::I8x16Ne: case Op::I16x8Ne: case Op::I32x4Ne: case Op::I64x2Ne:
    case Op::F32x4Add: case Op::F32x4Mul: case Op::F64x2Add: case Op::F64x2Mul:
    case Op::F32x4Eq: case Op::F32x4Ne: case Op::F64x2Eq: case Op::F64x2Ne:
      return true;
    default:
      return false;
  }
}

inline BinaryForm binaryForm(Op op) {
  switch (op) {
    case Op::I8x16Add: return {Inst::kIdPaddb};
    case Op::I16x8Add: return {Inst::kIdPaddw};
    case Op::I32x4Add: return {Inst::kIdPaddd};
    case Op::I64x2Add: return {Inst::kIdPaddq};
    case Op::I8x16Sub: return {Inst::kIdPsubb};
    case Op::I16x8Sub: return {Inst::kIdPsubw};
    case Op::I32x4Sub: return {Inst::kIdPsubd};
    case Op::I64x2Sub: return {Inst::kIdPsubq};
    case Op::I8x16AddSatS: return {Inst::kIdPaddsb};
    case Op::I8x16AddSatU: return {Inst::kIdPaddusb};
    case Op::I8x16SubSatS: return {Inst::kIdPsubsb};
    case Op::I8x16SubSatU: return {Inst::kIdPsubusb};
    case Op::I16x8AddSatS: return {Inst::kIdPaddsw};
    case Op::I16x8AddSatU: return {Inst::kIdPaddusw};
    case Op::I16x8SubSatS: return {Inst::kIdPsubsw};
    case Op::I16x8SubSatU: return {Inst::kIdPsubusw};
    case Op::I16x8Mul: return {Inst::kIdPmullw};
    case Op::I32x4Mul: return {Inst::kIdPmulld, true};
    case Op::I8x16MinU: return {Inst::kIdPminub};
    case Op::I8x16MaxU: return {Inst::kIdPmaxub};
    case Op::I16x8MinS: return {Inst::kIdPminsw};
    case Op::I16x8MaxS: return {Inst::kIdPmaxsw};
    case Op::I8x16MinS: return {Inst::kIdPminsb, true};
    case Op::I8x16MaxS: return {Inst::kIdPmaxsb, true};
    case Op::I16x8MinU: return {Inst::kIdPminuw, true};
    case Op::I16x8MaxU: return {Inst::kIdPmaxuw, true};
    case Op::I32x4MinS: return {Inst::kIdPminsd, true};
    case Op::I32x4MaxS: return {Inst::kIdPmaxsd, true};
    case Op::I32x4MinU: return {Inst::kIdPminud, true};
    case Op::I32x4MaxU: return {Inst::kIdPmaxud, true};
    case Op::I8x16AvgrU: return {Inst::kIdPavgb};
    case Op::I16x8AvgrU: return {Inst::kIdPavgw};
    case Op::I32x4DotI16x8S: return {Inst::kIdPmaddwd};
    case Op::I8x16NarrowI16x8S: return {Inst::kIdPacksswb};
    case Op::I8x16NarrowI16x8U: return {Inst::kIdPackuswb};
    case Op::I16x8NarrowI32x4S: return {Inst::kIdPackssdw};
    case Op::I16x8NarrowI32x4U: return {Inst::kIdPackusdw, true};
    case Op::V128And: return {Inst::kIdPand};
    case Op::V128Or: return {Inst::kIdPor};
    case Op::V128Xor: return {Inst::kIdPxor};
    case Op::V128Andnot: return {Inst::kIdPandn, false, true};  // pandn x, y = ~x & y
    // Integer comparisons: eq and signed gt exist; lt swaps, ne/le/ge invert.
    case Op::I8x16Eq: return {Inst::kIdPcmpeqb};
    case Op::I16x8Eq: return {Inst::kIdPcmpeqw};
    case Op::I32x4Eq: return {Inst::kIdPcmpeqd};
    case Op::I64x2Eq: return {Inst::kIdPcmpeqq, true};
    case Op::I8x16Ne: return {Inst::kIdPcmpeqb, false, false, true};
    case Op::I16x8Ne: return {Inst::kIdPcmpeqw, false, false, true};
    case Op::I32x4Ne: return {Inst::kIdPcmpeqd, false, false, true};
    case Op::I64x2Ne: return {Inst::kIdPcmpeqq, true, false, true};
    case Op::I8x16GtS: return {Inst::kIdPcmpgtb};
    case Op::I16x8GtS: return {Inst::kIdPcmpgtw};
    case Op::I32x4GtS: return {Inst::kIdPcmpgtd};
    case Op::I8x16LtS: return {Inst::kIdPcmpgtb, false, true};
    case Op::I16x8LtS: return {Inst::kIdPcmpgtw, false, true};
    case Op::I32x4LtS: return {Inst::kIdPcmpgtd, false, true};
    case Op::I8x16LeS: return {Inst::kIdPcmpgtb, false, false, true};   // ~(a > b)
    case Op::I16x8LeS: return {Inst::kIdPcmpgtw, false, false, true};
    case Op::I32x4LeS: return {Inst::kIdPcmpgtd, false, false, true};
    case Op::I8x16GeS: return {Inst::kIdPcmpgtb, false, true, true};    // ~(b > a)
    case Op::I16x8GeS: return {Inst::kIdPcmpgtw, false, true, true};
    case Op::I32x4GeS: return {Inst::kIdPcmpgtd, false, true, true};
    // Floats. cmpps predicates: 0 eq, 1 lt, 2 le, 4 neq (true for NaN).
    case Op::F32x4Add: return {Inst::kIdAddps};
    case Op::F32x4Sub: return {Inst::kIdSubps};
    case Op::F32x4Mul: return {Inst::kIdMulps};
    case Op::F32x4Div: return {Inst::kIdDivps};
    case Op::F64x2Add: return {Inst::kIdAddpd};
    case Op::F64x2Sub: return {Inst::kIdSubpd};
    case Op::F64x2Mul: return {Inst::kIdMulpd};
    case Op::F64x2Div: return {Inst::kIdDivpd};
    // pmin(a, b) = b < a ? b : a = minps(b, a); pmax(a, b) = a < b ? b : a = maxps(b, a).
    case Op::F32x4Pmin: return {Inst::kIdMinps, false, true};
    case Op::F32x4Pmax: return {Inst::kIdMaxps, false, true};
    case Op::F64x2Pmin: return {Inst::kIdMinpd, false, true};
    case Op::F64x2Pmax: return {Inst::kIdMaxpd, false, true};
    case Op::F32x4Eq: return {Inst::kIdCmpps, false, false, false, 0};
    case Op::F32x4Ne: return {Inst::kIdCmpps, false, false, false, 4};
    case Op::F32x4Lt: return {Inst::kIdCmpps, false, false, false, 1};
    case Op::F32x4Le: return {Inst::kIdCmpps, false, false, false, 2};
    case Op::F32x4Gt: return {Inst::kIdCmpps, false, true, false, 1};
    case Op::F32x4Ge: return {Inst::kIdCmpps, false, true, false, 2};
    case Op::F64x2Eq: return {Inst::kIdCmppd, false, false, false, 0};
    case Op::F64x2Ne: return {Inst::kIdCmppd, false, false, false, 4};
    case Op::F64x2Lt: return {Inst::kIdCmppd, false, false, false, 1};
    case Op::F64x2Le: return {Inst::kIdCmppd, false, false, false, 2};
    case Op::F64x2Gt: return {Inst::kIdCmppd, false, true, false, 1};
    case Op::F64x2Ge: return {Inst::kIdCmppd, false, true, false, 2};
    default: return {};
  }
}

// The VEX (AVX) form of an SSE instruction, found by name once
// ("paddd" -> "vpaddd"); kIdNone if there is none.
inline asmjit::InstId avxFormOf(asmjit::InstId sse) {
  static const std::vector<asmjit::InstId> table = [] {
    std::vector<asmjit::InstId> t(Inst::_kIdCount, Inst::kIdNone);
    for (asmjit::InstId id = 1; id < Inst::_kIdCount; ++id) {
      asmjit::String name;
      if (asmjit::InstAPI::instIdToString(asmjit::Arch::kX64, id, name) != asmjit::kErrorOk) continue;
      std::string vex = std::string("v") + name.data();
      t[id] = asmjit::InstAPI::stringToInstId(asmjit::Arch::kX64, vex.data(), vex.size());
    }
    return t;
  }();
  return sse < table.size() ? table[sse] : Inst::kIdNone;
}

// All ones in `x` (pcmpeqd x, x).
template <class E>
void allOnes(E& e, const Xmm& x) {
  e.pcmpeqd(x, x);
}

template <class E>
bool binary(E& e, const CpuSupport& cpu, Op op, const Xmm& dst, const Xmm& b, const Xmm& tmp) {
  BinaryForm f = binaryForm(op);
  if (f.inst == Inst::kIdNone || (f.sse41 && !cpu.sse41)) return false;
  auto emit = [&](const Xmm& x, const Xmm& y) {
    if (f.cmpPredicate >= 0)
      e.emit(f.inst, x, y, Imm(f.cmpPredicate));
    else
      e.emit(f.inst, x, y);
  };
  if (f.swap) {
    e.movaps(tmp, b);
    emit(tmp, dst);
    e.movaps(dst, tmp);
  } else {
    emit(dst, b);
  }
  if (f.invert) {
    allOnes(e, tmp);
    e.pxor(dst, tmp);
  }
  return true;
}

// dst = vex(x, y) (with the form's comparison predicate and inversion).
template <class E>
void emitVexBinary(E& e, const BinaryForm& f, asmjit::InstId vex, const Xmm& dst, const Xmm& x,
                   const asmjit::Operand& y, const Xmm& tmp) {
  if (f.cmpPredicate >= 0)
    e.emit(vex, dst, x, y, Imm(f.cmpPredicate));
  else
    e.emit(vex, dst, x, y);
  if (f.invert) {
    e.vpcmpeqd(tmp, tmp, tmp);
    e.vpxor(dst, dst, tmp);
  }
}

// dst = op(a, b) in three operands: one VEX instruction where the CPU has
// AVX (no copy of `a`, whichever registers these are); otherwise `a` is
// copied into dst (which must then not be b) and binary() does the rest.
template <class E>
bool binary3(E& e, const CpuSupport& cpu, Op op, const Xmm& dst, const Xmm& a, const Xmm& b, const Xmm& tmp) {
  BinaryForm f = binaryForm(op);
  if (f.inst == Inst::kIdNone || (f.sse41 && !cpu.sse41)) return false;
  asmjit::InstId vex = cpu.avx ? avxFormOf(f.inst) : Inst::kIdNone;
  if (vex == Inst::kIdNone) {
    if (dst.id() != a.id()) e.movaps(dst, a);
    return binary(e, cpu, op, dst, b, tmp);
  }
  if (f.swap)
    emitVexBinary(e, f, vex, dst, b, a, tmp);
  else
    emitVexBinary(e, f, vex, dst, a, b, tmp);
  return true;
}

// The same with b a 16-byte constant in memory (VEX forms take unaligned
// memory operands); false, having emitted nothing, without AVX or when
// the instruction's operands are swapped (the memory operand must be last).
template <class E>
bool binary3(E& e, const CpuSupport& cpu, Op op, const Xmm& dst, const Xmm& a, const Mem& b, const Xmm& tmp) {
  BinaryForm f = binaryForm(op);
  if (f.inst == Inst::kIdNone || (f.sse41 && !cpu.sse41) || f.swap || !cpu.avx) return false;
  asmjit::InstId vex = avxFormOf(f.inst);
  if (vex == Inst::kIdNone) return false;
  emitVexBinary(e, f, vex, dst, a, b, tmp);
  return true;
}

// --- unary operators: dst = op(dst) --------------------------------------------

template <class E, class Pool>
bool unary(E& e, const CpuSupport& cpu, Op op, const Xmm& dst, const Xmm& tmp, Pool& pool) {
  switch (op) {
    case Op::V128Not:
      allOnes(e, tmp);
      e.pxor(dst, tmp);
      return true;
    case Op::F32x4Abs: e.andps(dst, pool.v128(repeat32(0x7fffffffu), repeat32(0x7fffffffu))); return true;
    case Op::F32x4Neg: e.xorps(dst, pool.v128(repeat32(0x80000000u), repeat32(0x80000000u))); return true;
    case Op::F64x2Abs: e.andpd(dst, pool.v128(0x7fffffffffffffffull, 0x7fffffffffffffffull)); return true;
    case Op::F64x2Neg: e.xorpd(dst, pool.v128(0x8000000000000000ull, 0x8000000000000000ull)); return true;
    case Op::F32x4Sqrt: e.sqrtps(dst, dst); return true;
    case Op::F64x2Sqrt: e.sqrtpd(dst, dst); return true;
    case Op::I8x16Neg:
    case Op::I16x8Neg:
    case Op::I32x4Neg:
    case Op::I64x2Neg: {
      asmjit::InstId sub = op == Op::I8x16Neg   ? Inst::kIdPsubb
                           : op == Op::I16x8Neg ? Inst::kIdPsubw
                           : op == Op::I32x4Neg ? Inst::kIdPsubd
                                                : Inst::kIdPsubq;
      e.pxor(tmp, tmp);
      e.emit(sub, tmp, dst);
      e.movaps(dst, tmp);
      return true;
    }
    case Op::F32x4ConvertI32x4S: e.cvtdq2ps(dst, dst); return true;
    case Op::F64x2ConvertLowI32x4S: e.cvtdq2pd(dst, dst); return true;
    case Op::F64x2PromoteLowF32x4: e.cvtps2pd(dst, dst); return true;
    case Op::F32x4DemoteF64x2Zero: e.cvtpd2ps(dst, dst); return true;  // upper lanes zeroed
    default:
      break;
  }
  if (!cpu.sse41) return false;
  switch (op) {
    // roundps/roundpd immediates: 0 nearest even, 1 down, 2 up, 3 toward zero.
    case Op::F32x4Nearest: e.roundps(dst, dst, Imm(0)); return true;
    case Op::F32x4Floor: e.roundps(dst, dst, Imm(1)); return true;
    case Op::F32x4Ceil: e.roundps(dst, dst, Imm(2)); return true;
    case Op::F32x4Trunc: e.roundps(dst, dst, Imm(3)); return true;
    case Op::F64x2Nearest: e.roundpd(dst, dst, Imm(0)); return true;
    case Op::F64x2Floor: e.roundpd(dst, dst, Imm(1)); return true;
    case Op::F64x2Ceil: e.roundpd(dst, dst, Imm(2)); return true;
    case Op::F64x2Trunc: e.roundpd(dst, dst, Imm(3)); return true;
    case Op::I8x16Abs: e.pabsb(dst, dst); return true;  // SSSE3, implied by SSE4.1
    case Op::I16x8Abs: e.pabsw(dst, dst); return true;
    case Op::I32x4Abs: e.pabsd(dst, dst); return true;
    // Widening: the low half with pmovsx/pmovzx; the high half first moved down.
    case Op::I16x8ExtendLowI8x16S: e.pmovsxbw(dst, dst); return true;
    case Op::I16x8ExtendLowI8x16U: e.pmovzxbw(dst, dst); return true;
    case Op::I32x4ExtendLowI16x8S: e.pmovsxwd(dst, dst); return true;
    case Op::I32x4ExtendLowI16x8U: e.pmovzxwd(dst, dst); return true;
    case Op::I64x2ExtendLowI32x4S: e.pmovsxdq(dst, dst); return true;
    case Op::I64x2ExtendLowI32x4U: e.pmovzxdq(dst, dst); return true;
    case Op::I16x8ExtendHighI8x16S: e.pshufd(dst, dst, Imm(0xee)); e.pmovsxbw(dst, dst); return true;
    case Op::I16x8ExtendHighI8x16U: e.pshufd(dst, dst, Imm(0xee)); e.pmovzxbw(dst, dst); return true;
    case Op::I32x4ExtendHighI16x8S: e.pshufd(dst, dst, Imm(0xee)); e.pmovsxwd(dst, dst); return true;
    case Op::I32x4ExtendHighI16x8U: e.pshufd(dst, dst, Imm(0xee)); e.pmovzxwd(dst, dst); return true;
    case Op::I64x2ExtendHighI32x4S: e.pshufd(dst, dst, Imm(0xee)); e.pmovsxdq(dst, dst); return true;
    case Op::I64x2ExtendHighI32x4U: e.pshufd(dst, dst, Imm(0xee)); e.pmovzxdq(dst, dst); return true;
    default:
      return false;
  }
}

// --- v128.bitselect: dst = (dst & c) | (b & ~c) -------------------------------

// The ternary operators computed as bitselect: v128.bitselect and the
// relaxed laneselects (Strata's choice among their allowed results). The
// other ternary operators (relaxed madd, dot-add) go through helpers.
inline bool isBitselect(Op op) {
  return op == Op::V128Bitselect || op == Op::I8x16RelaxedLaneselect || op == Op::I16x8RelaxedLaneselect ||
         op == Op::I32x4RelaxedLaneselect || op == Op::I64x2RelaxedLaneselect;
}

template <class E>
void bitselect(E& e, const Xmm& dst, const Xmm& b, const Xmm& c, const Xmm& tmp) {
  e.pand(dst, c);
  e.movaps(tmp, c);
  e.pandn(tmp, b);
  e.por(dst, tmp);
}

// --- shifts by a count in a general-purpose register or a constant --------------

inline asmjit::InstId shiftInst(Op op) {
  switch (op) {
    case Op::I16x8Shl: return Inst::kIdPsllw;
    case Op::I32x4Shl: return Inst::kIdPslld;
    case Op::I64x2Shl: return Inst::kIdPsllq;
    case Op::I16x8ShrU: return Inst::kIdPsrlw;
    case Op::I32x4ShrU: return Inst::kIdPsrld;
    case Op::I64x2ShrU: return Inst::kIdPsrlq;
    case Op::I16x8ShrS: return Inst::kIdPsraw;
    case Op::I32x4ShrS: return Inst::kIdPsrad;
    default: return Inst::kIdNone;  // i8x16 shifts and i64x2.shr_s: no such instruction
  }
}
inline uint32_t shiftMask(Op op) {
  switch (op) {
    case Op::I16x8Shl: case Op::I16x8ShrU: case Op::I16x8ShrS: return 15;
    case Op::I32x4Shl: case Op::I32x4ShrU: case Op::I32x4ShrS: return 31;
    default: return 63;
  }
}
inline bool hasShift(Op op) { return shiftInst(op) != Inst::kIdNone; }

template <class E>
void shiftByConstant(E& e, Op op, const Xmm& dst, uint32_t count) {
  e.emit(shiftInst(op), dst, Imm(count & shiftMask(op)));
}
// `count` is clobbered (masked); `tmp` receives it.
template <class E>
void shiftByRegister(E& e, Op op, const Xmm& dst, const Gp& count, const Xmm& tmp) {
  e.and_(count.r32(), Imm(shiftMask(op)));
  e.movd(tmp, count.r32());
  e.emit(shiftInst(op), dst, tmp);
}

// --- splats: dst = every lane the scalar -----------------------------------------

// From a general-purpose register (i8x16, i16x8, i32x4, i64x2).
template <class E>
void splatGp(E& e, Op op, const Xmm& dst, const Gp& src) {
  switch (op) {
    case Op::I8x16Splat:
      e.movd(dst, src.r32());
      e.punpcklbw(dst, dst);
      e.pshuflw(dst, dst, Imm(0));
      e.pshufd(dst, dst, Imm(0));
      break;
    case Op::I16x8Splat:
      e.movd(dst, src.r32());
      e.pshuflw(dst, dst, Imm(0));
      e.pshufd(dst, dst, Imm(0));
      break;
    case Op::I32x4Splat:
      e.movd(dst, src.r32());
      e.pshufd(dst, dst, Imm(0));
      break;
    default:  // I64x2Splat
      e.movq(dst, src.r64());
      e.punpcklqdq(dst, dst);
      break;
  }
}
// From the float in the low lane of dst (f32x4, f64x2).
template <class E>
void splatFloat(E& e, Op op, const Xmm& dst) {
  if (op == Op::F32x4Splat)
    e.shufps(dst, dst, Imm(0));
  else
    e.unpcklpd(dst, dst);
}

// --- lanes ------------------------------------------------------------------------

// Extraction to a general-purpose register; false without a sequence.
template <class E>
bool extractGp(E& e, const CpuSupport& cpu, Op op, uint32_t lane, const Gp& dst, const Xmm& src, const Xmm& tmp) {
  switch (op) {
    case Op::I32x4ExtractLane:
      if (lane == 0) {
        e.movd(dst.r32(), src);
      } else {
        e.pshufd(tmp, src, Imm(lane));
        e.movd(dst.r32(), tmp);
      }
      return true;
    case Op::I64x2ExtractLane:
      if (lane == 0) {
        e.movq(dst.r64(), src);
      } else {
        e.pshufd(tmp, src, Imm(0xee));
        e.movq(dst.r64(), tmp);
      }
      return true;
    case Op::I16x8ExtractLaneU:
      e.pextrw(dst.r32(), src, Imm(lane));
      return true;
    case Op::I16x8ExtractLaneS:
      e.pextrw(dst.r32(), src, Imm(lane));
      e.movsx(dst.r32(), dst.r16());
      return true;
    case Op::I8x16ExtractLaneU:
    case Op::I8x16ExtractLaneS:
      if (!cpu.sse41) return false;
      e.pextrb(dst.r32(), src, Imm(lane));
      if (op == Op::I8x16ExtractLaneS) e.movsx(dst.r32(), dst.r8());
      return true;
    default:
      return false;
  }
}
// f32x4/f64x2 extraction: the lane to the low lane of dst.
template <class E>
void extractFloat(E& e, Op op, uint32_t lane, const Xmm& dst, const Xmm& src) {
  if (op == Op::F32x4ExtractLane)
    e.pshufd(dst, src, Imm(lane));
  else
    e.pshufd(dst, src, Imm(lane == 0 ? 0x44 : 0xee));
}

// Replacement from a general-purpose register.
template <class E>
bool replaceGp(E& e, const CpuSupport& cpu, Op op, uint32_t lane, const Xmm& dst, const Gp& src) {
  switch (op) {
    case Op::I16x8ReplaceLane: e.pinsrw(dst, src.r32(), Imm(lane)); return true;
    case Op::I8x16ReplaceLane: if (!cpu.sse41) return false; e.pinsrb(dst, src.r32(), Imm(lane)); return true;
    case Op::I32x4ReplaceLane: if (!cpu.sse41) return false; e.pinsrd(dst, src.r32(), Imm(lane)); return true;
    case Op::I64x2ReplaceLane: if (!cpu.sse41) return false; e.pinsrq(dst, src.r64(), Imm(lane)); return true;
    default: return false;
  }
}
// Replacement from the float in the low lane of src.
template <class E>
bool replaceFloat(E& e, const CpuSupport& cpu, Op op, uint32_t lane, const Xmm& dst, const Xmm& src) {
  if (op == Op::F64x2ReplaceLane) {
    if (lane == 0)
      e.movsd(dst, src);  // register form: the low 64 bits only
    else
      e.unpcklpd(dst, src);
    return true;
  }
  if (!cpu.sse41) return false;
  e.insertps(dst, src, Imm(lane << 4));
  return true;
}

// --- lanes from and to memory ------------------------------------------------------

// v128.loadN_lane: the lane of dst replaced from `mem` (sized to the lane).
template <class E>
bool loadLane(E& e, const CpuSupport& cpu, Op op, uint32_t lane, const Xmm& dst, const Mem& mem) {
  switch (op) {
    case Op::V128Load64Lane:
      lane == 0 ? e.movlps(dst, mem) : e.movhps(dst, mem);
      return true;
    case Op::V128Load16Lane:
      e.pinsrw(dst, mem, Imm(lane));
      return true;
    case Op::V128Load32Lane:
      if (!cpu.sse41) return false;
      e.pinsrd(dst, mem, Imm(lane));
      return true;
    case Op::V128Load8Lane:
      if (!cpu.sse41) return false;
      e.pinsrb(dst, mem, Imm(lane));
      return true;
    default:
      return false;
  }
}

// v128.storeN_lane: the lane of src written to `mem`; `scratch` a
// general-purpose register, `tmp` an xmm one.
template <class E>
bool storeLane(E& e, const CpuSupport& cpu, Op op, uint32_t lane, const Mem& mem, const Xmm& src, const Gp& scratch,
               const Xmm& tmp) {
  switch (op) {
    case Op::V128Store64Lane:
      lane == 0 ? e.movlps(mem, src) : e.movhps(mem, src);
      return true;
    case Op::V128Store32Lane:
      if (lane == 0) {
        e.movd(mem, src);
      } else {
        e.pshufd(tmp, src, Imm(lane));
        e.movd(mem, tmp);
      }
      return true;
    case Op::V128Store16Lane:
      e.pextrw(scratch.r32(), src, Imm(lane));
      e.mov(mem, scratch.r16());
      return true;
    case Op::V128Store8Lane:
      if (!cpu.sse41) return false;
      e.pextrb(mem, src, Imm(lane));
      return true;
    default:
      return false;
  }
}

// --- tests: the result in the flags ------------------------------------------------

// any_true / all_true: sets the flags so that `NE` means true; false
// without a sequence. `scratch` is a general-purpose register.
template <class E>
bool testToFlags(E& e, const CpuSupport& cpu, Op op, const Xmm& src, const Xmm& tmp, const Gp& scratch) {
  switch (op) {
    case Op::V128AnyTrue:
      if (cpu.sse41) {
        e.ptest(src, src);  // ZF = all zero
      } else {
        e.pxor(tmp, tmp);
        e.pcmpeqb(tmp, src);
        e.pmovmskb(scratch.r32(), tmp);
        e.cmp(scratch.r32(), Imm(0xffff));
      }
      return true;
    case Op::I8x16AllTrue:
    case Op::I16x8AllTrue:
    case Op::I32x4AllTrue:
    case Op::I64x2AllTrue: {
      asmjit::InstId eq = op == Op::I8x16AllTrue   ? Inst::kIdPcmpeqb
                          : op == Op::I16x8AllTrue ? Inst::kIdPcmpeqw
                          : op == Op::I32x4AllTrue ? Inst::kIdPcmpeqd
                                                   : Inst::kIdPcmpeqq;
      if (op == Op::I64x2AllTrue && !cpu.sse41) return false;
      // A zero lane shows as a set mask bit: true when no bit is set.
      e.pxor(tmp, tmp);
      e.emit(eq, tmp, src);
      e.pmovmskb(scratch.r32(), tmp);
      e.cmp(scratch.r32(), Imm(0));
      return true;  // the caller reads E as "all true"
    }
    default:
      return false;
  }
}
// Whether testToFlags's "true" condition is E (all_true) rather than NE.
inline bool testIsTrueOnZero(Op op) { return op != Op::V128AnyTrue; }
// any_true without SSE4.1 compares against 0xffff (all bytes zero): true
// is NE there too.

template <class E>
bool bitmask(E& e, Op op, const Gp& dst, const Xmm& src, const Xmm& tmp) {
  switch (op) {
    case Op::I8x16Bitmask: e.pmovmskb(dst.r32(), src); return true;
    case Op::I32x4Bitmask: e.movmskps(dst.r32(), src); return true;
    case Op::I64x2Bitmask: e.movmskpd(dst.r32(), src); return true;
    case Op::I16x8Bitmask:
      // Saturating packs keep each lane's sign in a byte.
      e.movaps(tmp, src);
      e.packsswb(tmp, tmp);
      e.pmovmskb(dst.r32(), tmp);
      e.movzx(dst.r32(), dst.r8());
      return true;
    default:
      return false;
  }
}

// --- shuffles ------------------------------------------------------------------------

// i8x16.shuffle with constant lanes (SSSE3's pshufb).
template <class E, class Pool>
bool shuffle(E& e, const CpuSupport& cpu, const Xmm& dst, const Xmm& b, const Xmm& tmp, const uint8_t lanes[16],
             Pool& pool) {
  if (!cpu.ssse3) return false;
  uint8_t fromA[16], fromB[16];
  bool anyA = false, anyB = false;
  for (int i = 0; i < 16; ++i) {
    fromA[i] = lanes[i] < 16 ? lanes[i] : 0x80;  // 0x80: a zero byte
    fromB[i] = lanes[i] >= 16 ? uint8_t(lanes[i] - 16) : 0x80;
    anyA |= lanes[i] < 16;
    anyB |= lanes[i] >= 16;
  }
  auto mask = [&](const uint8_t* m) {
    uint64_t lo, hi;
    std::memcpy(&lo, m, 8);
    std::memcpy(&hi, m + 8, 8);
    return pool.v128(lo, hi);
  };
  if (!anyB) {
    e.pshufb(dst, mask(fromA));
  } else if (!anyA) {
    e.movaps(dst, b);
    e.pshufb(dst, mask(fromB));
  } else {
    e.pshufb(dst, mask(fromA));
    e.movaps(tmp, b);
    e.pshufb(tmp, mask(fromB));
    e.por(dst, tmp);
  }
  return true;
}

// i8x16.swizzle: indices of 16 or more pick 0; pshufb does that for
// indices with the top bit set, so indices 16-127 are pushed up there.
template <class E, class Pool>
bool swizzle(E& e, const CpuSupport& cpu, const Xmm& dst, const Xmm& idx, const Xmm& tmp, Pool& pool) {
  if (!cpu.ssse3) return false;
  e.movaps(tmp, idx);
  e.paddusb(tmp, pool.v128(repeat8(0x70), repeat8(0x70)));
  e.pshufb(dst, tmp);
  return true;
}

}  // namespace strata::jit::simd_x86
