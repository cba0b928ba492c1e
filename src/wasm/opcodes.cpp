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

constexpr OpInfo kInvalidInfo = {"<invalid>", 0xffff, OpClass::Special, 0, 0, 0};

struct EncodingTables {
  std::array<Op, 256> single;
  std::array<Op, 32> prefixFC;
  EncodingTables() {
    single.fill(Op::Invalid);
    prefixFC.fill(Op::Invalid);
    for (uint32_t i = 0; i < kOpCount; ++i) {
      uint32_t enc = kOpInfo[i].encoding;
      if (enc < 0x100)
        single[enc] = static_cast<Op>(i);
      else if ((enc >> 8) == 0xfc)
        prefixFC[enc & 0xff] = static_cast<Op>(i);
    }
  }
};

const EncodingTables& tables() {
  static const EncodingTables t;
  return t;
}

}  // namespace

const OpInfo& opInfo(Op op) {
  auto i = static_cast<uint32_t>(op);
  return i < kOpCount ? kOpInfo[i] : kInvalidInfo;
}

Op opFromByte(uint8_t byte) { return tables().single[byte]; }

Op opFromPrefixed(uint8_t prefix, uint32_t sub) {
  if (prefix == 0xfc && sub < tables().prefixFC.size()) return tables().prefixFC[sub];
  return Op::Invalid;
}

}  // namespace strata
