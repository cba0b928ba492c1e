// The SIMD helpers (see simd_helpers.h), expanded from opcodes.def.
#include "jit/simd_helpers.h"

#include <cstring>

#include "wasm/simd.h"
#include "wasm/unaligned.h"

namespace strata::jit {

namespace {


// C types of wasm value types, as in the interpreter.
#define CT_I32 uint32_t
#define CT_I64 uint64_t
#define CT_F32 float
#define CT_F64 double
#define CT_V128 simd::V128

#define STRATA_UNARY_HELPER(Name, enc, text, Res, Opd, expr)           \
  void help##Name(void* out, const void* pa, const void*, const void*, uint64_t) { \
    CT_##Opd a = rd<CT_##Opd>(pa);                                     \
    wr<CT_##Res>(out, CT_##Res(expr));                                 \
  }
STRATA_SIMD_UNARY_OPS(STRATA_UNARY_HELPER)
#undef STRATA_UNARY_HELPER

#define STRATA_BINARY_HELPER(Name, enc, text, expr)                           \
  void help##Name(void* out, const void* pa, const void* pb, const void*, uint64_t) { \
    simd::V128 a = rd<simd::V128>(pa), b = rd<simd::V128>(pb);                \
    wr<simd::V128>(out, expr);                                                \
  }
STRATA_SIMD_BINARY_OPS(STRATA_BINARY_HELPER)
#undef STRATA_BINARY_HELPER

#define STRATA_SHIFT_HELPER(Name, enc, text, expr)                            \
  void help##Name(void* out, const void* pa, const void* pb, const void*, uint64_t) { \
    simd::V128 a = rd<simd::V128>(pa);                                        \
    uint32_t b = rd<uint32_t>(pb);                                            \
    wr<simd::V128>(out, expr);                                                \
  }
STRATA_SIMD_SHIFT_OPS(STRATA_SHIFT_HELPER)
#undef STRATA_SHIFT_HELPER

#define STRATA_TERNARY_HELPER(Name, enc, text, expr)                                       \
  void help##Name(void* out, const void* pa, const void* pb, const void* pc, uint64_t) {   \
    simd::V128 a = rd<simd::V128>(pa), b = rd<simd::V128>(pb), c = rd<simd::V128>(pc);     \
    wr<simd::V128>(out, expr);                                                             \
  }
STRATA_SIMD_TERNARY_OPS(STRATA_TERNARY_HELPER)
#undef STRATA_TERNARY_HELPER

#define STRATA_EXTRACT_HELPER(Name, enc, text, Res, LaneT, lanes)                      \
  void help##Name(void* out, const void* pa, const void*, const void*, uint64_t lane) { \
    wr<CT_##Res>(out, CT_##Res(rd<simd::V128>(pa).lane<LaneT>(int(lane))));            \
  }
STRATA_SIMD_EXTRACT_OPS(STRATA_EXTRACT_HELPER)
#undef STRATA_EXTRACT_HELPER

#define STRATA_REPLACE_HELPER(Name, enc, text, Opd, LaneT, lanes)                       \
  void help##Name(void* out, const void* pa, const void* pb, const void*, uint64_t lane) { \
    simd::V128 a = rd<simd::V128>(pa);                                                  \
    a.setLane<LaneT>(int(lane), LaneT(rd<CT_##Opd>(pb)));                               \
    wr<simd::V128>(out, a);                                                             \
  }
STRATA_SIMD_REPLACE_OPS(STRATA_REPLACE_HELPER)
#undef STRATA_REPLACE_HELPER

#define STRATA_LOAD_HELPER(Name, enc, text, bytes, align, expr)                  \
  void help##Name(void* out, const void* pa, const void*, const void*, uint64_t) { \
    const uint8_t* p = static_cast<const uint8_t*>(pa);                          \
    wr<simd::V128>(out, expr);                                                   \
  }
STRATA_SIMD_LOAD_OPS(STRATA_LOAD_HELPER)
#undef STRATA_LOAD_HELPER

#define STRATA_LOAD_LANE_HELPER(Name, enc, text, LaneT, lanes, align)                   \
  void help##Name(void* out, const void* pa, const void* pb, const void*, uint64_t lane) { \
    simd::V128 v = rd<simd::V128>(pb);                                                  \
    v.setLane<LaneT>(int(lane), rd<LaneT>(pa));                                         \
    wr<simd::V128>(out, v);                                                             \
  }
STRATA_SIMD_LOAD_LANE_OPS(STRATA_LOAD_LANE_HELPER)
#undef STRATA_LOAD_LANE_HELPER

#define STRATA_STORE_LANE_HELPER(Name, enc, text, LaneT, lanes, align)                  \
  void help##Name(void* out, const void* pa, const void*, const void*, uint64_t lane) { \
    wr<LaneT>(out, rd<simd::V128>(pa).lane<LaneT>(int(lane)));                          \
  }
STRATA_SIMD_STORE_LANE_OPS(STRATA_STORE_LANE_HELPER)
#undef STRATA_STORE_LANE_HELPER

void helpV128Store(void* out, const void* pa, const void*, const void*, uint64_t) { std::memcpy(out, pa, 16); }

// c points at the 16 lane indices (a constant of the compiled code).
void helpI8x16Shuffle(void* out, const void* pa, const void* pb, const void* pc, uint64_t) {
  simd::V128 a = rd<simd::V128>(pa), b = rd<simd::V128>(pb);
  wr<simd::V128>(out, simd::shuffle(a, b, static_cast<const uint8_t*>(pc)));
}

}  // namespace

SimdHelper simdHelper(Op op) {
  switch (op) {
#define STRATA_HELPER_CASE(Name, ...) \
  case Op::Name:                      \
    return &help##Name;
    STRATA_SIMD_UNARY_OPS(STRATA_HELPER_CASE)
    STRATA_SIMD_BINARY_OPS(STRATA_HELPER_CASE)
    STRATA_SIMD_SHIFT_OPS(STRATA_HELPER_CASE)
    STRATA_SIMD_TERNARY_OPS(STRATA_HELPER_CASE)
    STRATA_SIMD_EXTRACT_OPS(STRATA_HELPER_CASE)
    STRATA_SIMD_REPLACE_OPS(STRATA_HELPER_CASE)
    STRATA_SIMD_LOAD_OPS(STRATA_HELPER_CASE)
    STRATA_SIMD_LOAD_LANE_OPS(STRATA_HELPER_CASE)
    STRATA_SIMD_STORE_LANE_OPS(STRATA_HELPER_CASE)
#undef STRATA_HELPER_CASE
    case Op::V128Store:
      return &helpV128Store;
    case Op::I8x16Shuffle:
      return &helpI8x16Shuffle;
    default:
      return nullptr;
  }
}

}  // namespace strata::jit
