#include "wasm/opcodes.h"

#include <array>

#include "wasm/types.h"

namespace strata {
namespace {

constexpr uint8_t vt(ValType t) { return static_cast<uint8_t>(t); }
#define I32 vt(ValType::I32)
#define I64 vt(ValType::I64)
#define F32 vt(ValType::F32)
#define F64 vt(ValType::F64)

}  // namespace

namespace detail {

constexpr OpInfo kOpInfo[] = {
#define SPECIAL(Name, enc, text, imm) {text, enc, OpClass::Special, 0, 0, 0},
#define LOAD(Name, enc, text, Res, MemT, align) {text, enc, OpClass::Load, Res, 0, align},
#define STORE(Name, enc, text, Opd, MemT, align) {text, enc, OpClass::Store, 0, Opd, align},
#define UNARY(Name, enc, text, Res, Opd, expr) {text, enc, OpClass::Unary, Res, Opd, 0},
#define BINARY(Name, enc, text, Res, Opd, expr) {text, enc, OpClass::Binary, Res, Opd, 0},
    STRATA_SPECIAL_OPS(SPECIAL) STRATA_LOAD_OPS(LOAD) STRATA_STORE_OPS(STORE)
        STRATA_UNARY_OPS(UNARY) STRATA_BINARY_OPS(BINARY)
#undef SPECIAL
#undef LOAD
#undef STORE
#undef UNARY
#undef BINARY
};
#undef I32
#undef I64
#undef F32
#undef F64
static_assert(sizeof(kOpInfo) / sizeof(kOpInfo[0]) == kOpCount, "opcode table out of sync");

constexpr OpInfo kInvalidOpInfo = {"<invalid>", 0xffff, OpClass::Special, 0, 0, 0};

namespace {
// Encoding -> opcode, built at compile time from the same list.
template <size_t N>
constexpr std::array<Op, N> opsByEncoding(bool prefixed) {
  std::array<Op, N> t{};
  for (Op& op : t) op = Op::Invalid;
  for (uint32_t i = 0; i < kOpCount; ++i) {
    uint32_t enc = kOpInfo[i].encoding;
    if (!prefixed && enc < 0x100) t[enc] = static_cast<Op>(i);
    if (prefixed && (enc >> 8) == 0xfc && (enc & 0xff) < N) t[enc & 0xff] = static_cast<Op>(i);
  }
  return t;
}
}  // namespace

constexpr std::array<Op, 256> kSingleByteOps = opsByEncoding<256>(false);
constexpr std::array<Op, 32> kPrefixFCOps = opsByEncoding<32>(true);

}  // namespace detail
}  // namespace strata
