#include "wasm/opcodes.h"

#include <array>

#include "wasm/types.h"

namespace strata {
namespace {

// The value types' binary codes (ValType::fromCode reads them back).
#define I32 uint8_t(0x7f)
#define I64 uint8_t(0x7e)
#define F32 uint8_t(0x7d)
#define F64 uint8_t(0x7c)
#define V128 uint8_t(0x7b)

}  // namespace

namespace detail {

constexpr OpInfo kOpInfo[] = {
#define SPECIAL(Name, enc, text, imm) {text, enc, OpClass::Special, 0, 0, 0, 0, 0},
#define LOAD(Name, enc, text, Res, MemT, align) {text, enc, OpClass::Load, Res, 0, align, 0, sizeof(MemT)},
#define STORE(Name, enc, text, Opd, MemT, align) {text, enc, OpClass::Store, 0, Opd, align, 0, sizeof(MemT)},
#define UNARY(Name, enc, text, Res, Opd, expr) {text, enc, OpClass::Unary, Res, Opd, 0, 0, 0},
#define BINARY(Name, enc, text, Res, Opd, expr) {text, enc, OpClass::Binary, Res, Opd, 0, 0, 0},
#define SIMD_UNARY(Name, enc, text, Res, Opd, expr) {text, enc, OpClass::SimdUnary, Res, Opd, 0, 0, 0},
#define SIMD_BINARY(Name, enc, text, expr) {text, enc, OpClass::SimdBinary, V128, V128, 0, 0, 0},
#define SIMD_SHIFT(Name, enc, text, expr) {text, enc, OpClass::SimdShift, V128, I32, 0, 0, 0},
#define SIMD_TERNARY(Name, enc, text, expr) {text, enc, OpClass::SimdTernary, V128, V128, 0, 0, 0},
#define SIMD_EXTRACT(Name, enc, text, Res, LaneT, lanes) {text, enc, OpClass::SimdExtract, Res, V128, 0, lanes, 0},
#define SIMD_REPLACE(Name, enc, text, Opd, LaneT, lanes) {text, enc, OpClass::SimdReplace, V128, Opd, 0, lanes, 0},
#define SIMD_LOAD(Name, enc, text, bytes, align, expr) {text, enc, OpClass::SimdLoad, V128, 0, align, 0, bytes},
#define SIMD_LOAD_LANE(Name, enc, text, LaneT, lanes, align) \
  {text, enc, OpClass::SimdLoadLane, V128, V128, align, lanes, sizeof(LaneT)},
#define SIMD_STORE_LANE(Name, enc, text, LaneT, lanes, align) \
  {text, enc, OpClass::SimdStoreLane, 0, V128, align, lanes, sizeof(LaneT)},
// v128.store (memarg immediate) has no result; v128.const and i8x16.shuffle
// give a v128.
#define SIMD_SPECIAL(Name, enc, text, imm) \
  {text, enc, OpClass::SimdSpecial, #imm[0] == 'M' ? uint8_t(0) : V128, 0, uint8_t(#imm[0] == 'M' ? 4 : 0), 0, 16},
    STRATA_SPECIAL_OPS(SPECIAL) STRATA_LOAD_OPS(LOAD) STRATA_STORE_OPS(STORE)
        STRATA_UNARY_OPS(UNARY) STRATA_BINARY_OPS(BINARY)
        STRATA_SIMD_UNARY_OPS(SIMD_UNARY) STRATA_SIMD_BINARY_OPS(SIMD_BINARY) STRATA_SIMD_SHIFT_OPS(SIMD_SHIFT)
        STRATA_SIMD_TERNARY_OPS(SIMD_TERNARY) STRATA_SIMD_EXTRACT_OPS(SIMD_EXTRACT)
        STRATA_SIMD_REPLACE_OPS(SIMD_REPLACE) STRATA_SIMD_LOAD_OPS(SIMD_LOAD)
        STRATA_SIMD_LOAD_LANE_OPS(SIMD_LOAD_LANE) STRATA_SIMD_STORE_LANE_OPS(SIMD_STORE_LANE)
        STRATA_SIMD_SPECIAL_OPS(SIMD_SPECIAL)
#undef SPECIAL
#undef LOAD
#undef STORE
#undef UNARY
#undef BINARY
#undef SIMD_UNARY
#undef SIMD_BINARY
#undef SIMD_SHIFT
#undef SIMD_TERNARY
#undef SIMD_EXTRACT
#undef SIMD_REPLACE
#undef SIMD_LOAD
#undef SIMD_LOAD_LANE
#undef SIMD_STORE_LANE
#undef SIMD_SPECIAL
};
#undef I32
#undef I64
#undef F32
#undef F64
#undef V128
static_assert(sizeof(kOpInfo) / sizeof(kOpInfo[0]) == kOpCount, "opcode table out of sync");

constexpr OpInfo kInvalidOpInfo = {"<invalid>", 0xffff, OpClass::Special, 0, 0, 0, 0, 0};

namespace {
// Encoding -> opcode, built at compile time from the same list.
// prefix 0: single-byte encodings; 0xfc: 0xfcNN; 0xfd: 0xfdNNNN.
template <size_t N>
constexpr std::array<Op, N> opsByEncoding(uint32_t prefix) {
  std::array<Op, N> t{};
  for (Op& op : t) op = Op::Invalid;
  for (uint32_t i = 0; i < kOpCount; ++i) {
    uint32_t enc = kOpInfo[i].encoding;
    if (prefix == 0 && enc < 0x100) t[enc] = static_cast<Op>(i);
    if (prefix == 0xfc && (enc >> 8) == 0xfc && (enc & 0xff) < N) t[enc & 0xff] = static_cast<Op>(i);
    if (prefix == 0xfd && (enc >> 16) == 0xfd && (enc & 0xffff) < N) t[enc & 0xffff] = static_cast<Op>(i);
  }
  return t;
}
}  // namespace

constexpr std::array<Op, 256> kSingleByteOps = opsByEncoding<256>(0);
constexpr std::array<Op, 32> kPrefixFCOps = opsByEncoding<32>(0xfc);
constexpr std::array<Op, 0x120> kPrefixFDOps = opsByEncoding<0x120>(0xfd);

}  // namespace detail
}  // namespace strata
