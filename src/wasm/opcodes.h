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
  STRATA_SIMD_OPS(STRATA_OP_ENUM)
#undef STRATA_OP_ENUM
  Invalid,
};

constexpr uint32_t kOpCount = static_cast<uint32_t>(Op::Invalid);

// What shape of typing rule an opcode follows; lets generic code (the
// validator, the translator) handle whole families at once. The Simd
// classes are the 0xfd operators, one class per list of opcodes.def.
enum class OpClass : uint8_t {
  Special,
  Load,
  Store,
  Unary,
  Binary,
  SimdUnary,      // operand -> result (v128 ops, tests, splats)
  SimdBinary,     // v128 v128 -> v128
  SimdShift,      // v128 i32 -> v128
  SimdTernary,    // v128 v128 v128 -> v128
  SimdExtract,    // v128 -> scalar, lane immediate
  SimdReplace,    // v128 scalar -> v128, lane immediate
  SimdLoad,       // i32 -> v128, memarg
  SimdLoadLane,   // i32 v128 -> v128, memarg and lane
  SimdStoreLane,  // i32 v128, memarg and lane
  SimdSpecial,    // v128.store, v128.const, i8x16.shuffle
};

inline bool isSimdClass(OpClass c) { return c >= OpClass::SimdUnary; }

struct OpInfo {
  const char* name;
  uint32_t encoding;   // single byte, 0xfcNN or 0xfdNNNN for prefixed opcodes
  OpClass cls;
  uint8_t result;      // ValType encoding (Load/Unary/Binary, SIMD results), else 0
  uint8_t operand;     // ValType encoding of operands (Store/Unary/Binary, SIMD scalar operands)
  uint8_t maxAlign;    // log2 of natural alignment (Load/Store, SIMD memory ops)
  uint8_t lanes;       // SIMD lane operators: the lane count (the immediate is below it)
  uint8_t accessBytes; // SIMD memory operators: the bytes accessed
};

// The tables behind the lookups below (opcodes.cpp); inline because every
// decoded instruction goes through them.
namespace detail {
extern const OpInfo kOpInfo[];
extern const OpInfo kInvalidOpInfo;
extern const std::array<Op, 256> kSingleByteOps;
extern const std::array<Op, 32> kPrefixFCOps;
extern const std::array<Op, 0x120> kPrefixFDOps;
}  // namespace detail

inline const OpInfo& opInfo(Op op) {
  auto i = static_cast<uint32_t>(op);
  return i < kOpCount ? detail::kOpInfo[i] : detail::kInvalidOpInfo;
}
// The operand shape of a SIMD operator, by its class; every tier asks.
// Operands on the stack (v128.const none; the address counts):
inline int simdOperandCount(Op op) {
  switch (opInfo(op).cls) {
    case OpClass::SimdUnary: case OpClass::SimdExtract: case OpClass::SimdLoad: return 1;
    case OpClass::SimdTernary: return 3;
    default: return op == Op::V128Const ? 0 : 2;  // binary, shift, replace, lane load/store, store, shuffle
  }
}
// Accesses linear memory (its first operand is the address).
inline bool isSimdMemoryAccess(Op op) {
  OpClass c = opInfo(op).cls;
  return c == OpClass::SimdLoad || c == OpClass::SimdLoadLane || c == OpClass::SimdStoreLane || op == Op::V128Store;
}
// Writes linear memory and produces no value.
inline bool isSimdStore(Op op) { return opInfo(op).cls == OpClass::SimdStoreLane || op == Op::V128Store; }

// Map an encoding to an opcode; Op::Invalid if there is none.
inline Op opFromByte(uint8_t byte) { return detail::kSingleByteOps[byte]; }
inline Op opFromPrefixed(uint8_t prefix, uint32_t sub) {
  if (prefix == 0xfc) return sub < 32 ? detail::kPrefixFCOps[sub] : Op::Invalid;
  if (prefix == 0xfd) return sub < detail::kPrefixFDOps.size() ? detail::kPrefixFDOps[sub] : Op::Invalid;
  return Op::Invalid;
}
inline bool isSimd(Op op) { return isSimdClass(opInfo(op).cls); }

}  // namespace strata
