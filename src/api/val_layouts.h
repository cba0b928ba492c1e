// The two layouts of wasm_val_t. include/wasm_export.h's has Strata's v128
// member; include/wasm.h's is the standard C API's value. A file that
// includes both headers gets the first one's wasm_val_t, and the other
// header's functions that take arrays of values are renamed to entry points
// for that layout (see the two headers). Those entry points are defined in
// files that see the other wasm_val_t, so they name the layouts with these
// mirrors, which are checked against whichever wasm_val_t the including
// file has. Include after wasm_export.h or wasm.h.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

struct wasm_ref_t;

namespace strata {
namespace capi {

// wasm_export.h's wasm_val_t.
struct ExportVal {
  uint8_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    wasm_ref_t* ref;
    uintptr_t foreign;
    uint8_t v128[16];
  } of;
};

// wasm.h's wasm_val_t.
struct CApiVal {
  uint8_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    wasm_ref_t* ref;
    uintptr_t foreign;
  } of;
};

static_assert(offsetof(ExportVal, of) == offsetof(CApiVal, of) && sizeof(CApiVal) < sizeof(ExportVal),
              "a value's kind and first 8 bytes of `of` are at the same place in both layouts");

// One value in the other layout: the bytes both share (kind, padding and
// the first 8 bytes of `of`), the rest zero. Every kind but WASM_V128 fits
// in those bytes.
template <typename To, typename From>
To convertVal(const From& v) {
  To out;
  std::memset(&out, 0, sizeof out);
  std::memcpy(&out, &v, std::min(sizeof out, sizeof v));
  return out;
}

}  // namespace capi
}  // namespace strata

#if defined(STRATA_WASM_VAL_T_FROM_WASM_EXPORT_H)
static_assert(sizeof(wasm_val_t) == sizeof(strata::capi::ExportVal) &&
                  offsetof(wasm_val_t, of) == offsetof(strata::capi::ExportVal, of) &&
                  sizeof(wasm_val_t::of) == sizeof(strata::capi::ExportVal::of),
              "ExportVal mirrors wasm_export.h's wasm_val_t");
#elif defined(STRATA_WASM_VAL_T_FROM_WASM_H)
static_assert(sizeof(wasm_val_t) == sizeof(strata::capi::CApiVal) &&
                  offsetof(wasm_val_t, of) == offsetof(strata::capi::CApiVal, of) &&
                  sizeof(wasm_val_t::of) == sizeof(strata::capi::CApiVal::of),
              "CApiVal mirrors wasm.h's wasm_val_t");
#else
#error "include wasm_export.h or wasm.h before api/val_layouts.h"
#endif
