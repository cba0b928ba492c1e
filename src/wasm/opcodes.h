// The dense opcode enumeration generated from opcodes.def, plus lookups
// from the binary encoding.
#pragma once

#include <array>
#include <cstdint>

#include "wasm/opcodes.def"

namespace strata {

enum class Op : uint16_t {
#define STRATA_OP_ENUM(Name, ...) Name,
  STRATA_SPECIAL_OPS(STRATA_OP_ENUM)
  STRATA_LOAD_OPS(STRATA_OP_ENUM)
  STRATA_STORE_OPS(STRATA_OP_ENUM)
  STRATA_UNARY_OPS(STRATA_OP_ENUM)
  STRATA_BINARY_OPS(STRATA_OP_ENUM)
#undef STRATA_OP_ENUM
  Invalid,
};

constexpr uint32_t kOpCount = static_cast<uint32_t>(Op::Invalid);

// What shape of typing rule an opcode follows; lets generic code (the
// validator, the translator) handle whole families at once.
enum class OpClass : uint8_t { Special, Load, Store, Unary, Binary };

struct OpInfo {
  const char* name;
  uint32_t encoding;   // single byte, or 0xfcNN for prefixed opcodes
  OpClass cls;
  uint8_t result;      // ValType encoding (Load/Unary/Binary), else 0
  uint8_t operand;     // ValType encoding of operands (Store/Unary/Binary)
  uint8_t maxAlign;    // log2 of natural alignment (Load/Store)
};

// The tables behind the lookups below (opcodes.cpp); inline because every
// decoded instruction goes through them.
namespace detail {
extern const OpInfo kOpInfo[];
extern const OpInfo kInvalidOpInfo;
extern const std::array<Op, 256> kSingleByteOps;
extern const std::array<Op, 32> kPrefixFCOps;
}  // namespace detail

inline const OpInfo& opInfo(Op op) {
  auto i = static_cast<uint32_t>(op);
  return i < kOpCount ? detail::kOpInfo[i] : detail::kInvalidOpInfo;
}
// Map an encoding to an opcode; Op::Invalid if there is none.
inline Op opFromByte(uint8_t byte) { return detail::kSingleByteOps[byte]; }
inline Op opFromPrefixed(uint8_t prefix, uint32_t sub) {
  return prefix == 0xfc && sub < 32 ? detail::kPrefixFCOps[sub] : Op::Invalid;
}

}  // namespace strata
