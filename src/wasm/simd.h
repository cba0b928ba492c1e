// Semantics of the 128-bit SIMD operators (WebAssembly 2.0's fixed-width
// SIMD), defined once: opcodes.def names one of these functions per
// operator, the interpreter's handlers are expanded from those expressions,
// and the JIT calls the same expressions as out-of-line helpers for the
// operators it does not inline.
//
// A V128 is 16 bytes seen as lanes of any width; every lane access goes
// through memcpy, so the code is well defined for every lane type, and the
// simple lane loops compile to SSE instructions (the host compiler
// vectorises them). Lane 0 is the lowest-addressed lane, as in memory.
// Scalar float semantics (NaN handling, rounding, saturating conversions)
// are numeric.h's, lane by lane, so the SIMD and scalar operators agree.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "wasm/numeric.h"

namespace strata::simd {

struct alignas(16) V128 {
  uint8_t bytes[16];

  template <class T>
  static constexpr int lanes() {
    return int(16 / sizeof(T));
  }
  template <class T>
  T lane(int i) const {
    T v;
    std::memcpy(&v, bytes + i * sizeof(T), sizeof(T));
    return v;
  }
  template <class T>
  void setLane(int i, T v) {
    std::memcpy(bytes + i * sizeof(T), &v, sizeof(T));
  }
  bool operator==(const V128& o) const { return std::memcmp(bytes, o.bytes, 16) == 0; }
  bool operator!=(const V128& o) const { return !(*this == o); }
};
static_assert(sizeof(V128) == 16, "a v128 is 16 bytes");

// --- building blocks: apply a lane function to every lane ------------------

template <class T, class F>
inline V128 map(const V128& a, F f) {
  V128 r;
  for (int i = 0; i < V128::lanes<T>(); ++i) r.setLane<T>(i, T(f(a.lane<T>(i))));
  return r;
}
template <class T, class F>
inline V128 zip(const V128& a, const V128& b, F f) {
  V128 r;
  for (int i = 0; i < V128::lanes<T>(); ++i) r.setLane<T>(i, T(f(a.lane<T>(i), b.lane<T>(i))));
  return r;
}
// A lane mask: all ones where the predicate holds. The lanes are compared
// as a GCC/Clang vector (vector_size), whose comparison operators yield
// exactly that mask (-1 or 0 per lane, NaN unordered as in C): one SSE
// compare per operator wherever the interpreter inlines it, even inside its
// large dispatch function where the loop vectoriser gives up on the
// per-lane form.
template <class T>
struct LaneVector {
  typedef T type __attribute__((vector_size(16)));
};
template <class T, class F>
inline V128 compare(const V128& a, const V128& b, F f) {
  typename LaneVector<T>::type x, y;
  std::memcpy(&x, a.bytes, 16);
  std::memcpy(&y, b.bytes, 16);
  auto mask = f(x, y);
  static_assert(sizeof(mask) == 16, "a lane mask is 16 bytes");
  V128 r;
  std::memcpy(r.bytes, &mask, 16);
  return r;
}

// Comparisons: T's signedness (or float type) picks the comparison.
template <class T>
inline V128 eq(const V128& a, const V128& b) {
  return compare<T>(a, b, [](auto x, auto y) { return x == y; });
}
template <class T>
inline V128 ne(const V128& a, const V128& b) {
  return compare<T>(a, b, [](auto x, auto y) { return x != y; });
}
template <class T>
inline V128 lt(const V128& a, const V128& b) {
  return compare<T>(a, b, [](auto x, auto y) { return x < y; });
}
template <class T>
inline V128 gt(const V128& a, const V128& b) {
  return compare<T>(a, b, [](auto x, auto y) { return x > y; });
}
template <class T>
inline V128 le(const V128& a, const V128& b) {
  return compare<T>(a, b, [](auto x, auto y) { return x <= y; });
}
template <class T>
inline V128 ge(const V128& a, const V128& b) {
  return compare<T>(a, b, [](auto x, auto y) { return x >= y; });
}

// --- construction, lanes ------------------------------------------------------

template <class T, class S>
inline V128 splat(S scalar) {
  V128 r;
  T v = T(scalar);
  for (int i = 0; i < V128::lanes<T>(); ++i) r.setLane<T>(i, v);
  return r;
}
inline V128 fromBits(uint64_t lo, uint64_t hi) {
  V128 r;
  r.setLane<uint64_t>(0, lo);
  r.setLane<uint64_t>(1, hi);
  return r;
}
template <class T>
inline V128 replaceLane(V128 a, int lane, T v) {
  a.setLane<T>(lane, v);
  return a;
}
// i8x16.shuffle: lanes 0-15 pick from a, 16-31 from b. Table lookups
// into a then b, without a branch per lane (lanes are below 32: the
// validator checks).
inline V128 shuffle(const V128& a, const V128& b, const uint8_t lanes[16]) {
  uint8_t both[32];
  std::memcpy(both, a.bytes, 16);
  std::memcpy(both + 16, b.bytes, 16);
  V128 r;
  for (int i = 0; i < 16; ++i) r.bytes[i] = both[lanes[i] & 31];
  return r;
}
// i8x16.swizzle: an index of 16 or more gives 0 (the table's byte 16).
inline V128 swizzle(const V128& a, const V128& idx) {
  uint8_t table[17];
  std::memcpy(table, a.bytes, 16);
  table[16] = 0;
  V128 r;
  for (int i = 0; i < 16; ++i) r.bytes[i] = table[idx.bytes[i] < 16 ? idx.bytes[i] : 16];
  return r;
}

// --- bitwise ------------------------------------------------------------------

inline V128 vnot(const V128& a) { return map<uint64_t>(a, [](uint64_t x) { return ~x; }); }
inline V128 vand(const V128& a, const V128& b) { return zip<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x & y; }); }
inline V128 vandnot(const V128& a, const V128& b) {
  return zip<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x & ~y; });
}
inline V128 vor(const V128& a, const V128& b) { return zip<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x | y; }); }
inline V128 vxor(const V128& a, const V128& b) { return zip<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x ^ y; }); }
// v128.bitselect: bits of a where c is 1, of b where c is 0.
inline V128 bitselect(const V128& a, const V128& b, const V128& c) { return vor(vand(a, c), vandnot(b, c)); }
inline uint32_t anyTrue(const V128& a) { return (a.lane<uint64_t>(0) | a.lane<uint64_t>(1)) != 0; }
template <class T>
inline uint32_t allTrue(const V128& a) {
  for (int i = 0; i < V128::lanes<T>(); ++i)
    if (a.lane<T>(i) == 0) return 0;
  return 1;
}
// The top bit of each lane, lane i in bit i.
template <class T>
inline uint32_t bitmask(const V128& a) {
  using S = std::make_signed_t<T>;
  uint32_t r = 0;
  for (int i = 0; i < V128::lanes<T>(); ++i) r |= uint32_t(a.lane<S>(i) < 0) << i;
  return r;
}

// --- integer arithmetic ---------------------------------------------------------
// T is the lane's unsigned type for wrapping operators and its signed type
// where the sign matters.

template <class T>
inline V128 add(const V128& a, const V128& b) {
  return zip<T>(a, b, [](T x, T y) { return T(x + y); });
}
template <class T>
inline V128 sub(const V128& a, const V128& b) {
  return zip<T>(a, b, [](T x, T y) { return T(x - y); });
}
template <class T>
inline V128 mul(const V128& a, const V128& b) {
  return zip<T>(a, b, [](T x, T y) { return T(x * y); });
}
template <class T>
inline V128 neg(const V128& a) {
  return map<T>(a, [](T x) { return T(T(0) - x); });
}
// abs of the most negative value is itself (wrapping).
template <class S>
inline V128 abs(const V128& a) {
  using U = std::make_unsigned_t<S>;
  return map<S>(a, [](S x) { return S(x < 0 ? U(0) - U(x) : U(x)); });
}
template <class T>
inline V128 min(const V128& a, const V128& b) {
  return zip<T>(a, b, [](T x, T y) { return x < y ? x : y; });
}
template <class T>
inline V128 max(const V128& a, const V128& b) {
  return zip<T>(a, b, [](T x, T y) { return x > y ? x : y; });
}
// Saturating add/sub, signed or unsigned by T.
template <class T>
inline T saturate(int64_t v) {
  if (v < int64_t(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (v > int64_t(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return T(v);
}
template <class T>
inline V128 addSat(const V128& a, const V128& b) {
  return zip<T>(a, b, [](T x, T y) { return saturate<T>(int64_t(x) + int64_t(y)); });
}
template <class T>
inline V128 subSat(const V128& a, const V128& b) {
  return zip<T>(a, b, [](T x, T y) { return saturate<T>(int64_t(x) - int64_t(y)); });
}
// Unsigned rounding average: (a + b + 1) / 2 without overflow.
template <class T>
inline V128 avgr(const V128& a, const V128& b) {
  return zip<T>(a, b, [](T x, T y) { return T((uint32_t(x) + uint32_t(y) + 1) >> 1); });
}
inline V128 popcnt(const V128& a) {
  return map<uint8_t>(a, [](uint8_t x) { return uint8_t(__builtin_popcount(x)); });
}
// i16x8.q15mulr_sat_s: rounding Q15 multiplication, saturated.
inline V128 q15mulrSat(const V128& a, const V128& b) {
  return zip<int16_t>(a, b, [](int16_t x, int16_t y) { return saturate<int16_t>((int32_t(x) * y + 0x4000) >> 15); });
}

// Shifts take the count modulo the lane width.
template <class T>
inline V128 shl(const V128& a, uint32_t count) {
  unsigned n = count & (sizeof(T) * 8 - 1);
  return map<T>(a, [n](T x) { return T(x << n); });
}
// Arithmetic right shift for a signed T, logical for an unsigned one.
template <class T>
inline V128 shr(const V128& a, uint32_t count) {
  unsigned n = count & (sizeof(T) * 8 - 1);
  return map<T>(a, [n](T x) { return T(x >> n); });
}

// --- narrowing and widening -------------------------------------------------------

// Wide signed lanes of a then b into narrow lanes, saturating to Narrow
// (signed or unsigned).
template <class Narrow, class WideS>
inline V128 narrow(const V128& a, const V128& b) {
  V128 r;
  constexpr int n = V128::lanes<WideS>();
  for (int i = 0; i < n; ++i) r.setLane<Narrow>(i, saturate<Narrow>(a.lane<WideS>(i)));
  for (int i = 0; i < n; ++i) r.setLane<Narrow>(n + i, saturate<Narrow>(b.lane<WideS>(i)));
  return r;
}
// The low or high half of a's Narrow lanes, each extended to Wide (sign or
// zero extension by Narrow's signedness).
template <class Wide, class Narrow, bool High>
inline V128 extend(const V128& a) {
  V128 r;
  constexpr int n = V128::lanes<Wide>();
  for (int i = 0; i < n; ++i) r.setLane<Wide>(i, Wide(a.lane<Narrow>(High ? n + i : i)));
  return r;
}
template <class Wide, class Narrow, bool High>
inline V128 extmul(const V128& a, const V128& b) {
  V128 r;
  constexpr int n = V128::lanes<Wide>();
  for (int i = 0; i < n; ++i) {
    int k = High ? n + i : i;
    r.setLane<Wide>(i, Wide(Wide(a.lane<Narrow>(k)) * Wide(b.lane<Narrow>(k))));
  }
  return r;
}
// Sums of adjacent Narrow lanes into Wide lanes.
template <class Wide, class Narrow>
inline V128 extaddPairwise(const V128& a) {
  V128 r;
  for (int i = 0; i < V128::lanes<Wide>(); ++i)
    r.setLane<Wide>(i, Wide(Wide(a.lane<Narrow>(2 * i)) + Wide(a.lane<Narrow>(2 * i + 1))));
  return r;
}
// i32x4.dot_i16x8_s: sums of products of adjacent signed 16-bit lanes
// (wrapping: only -32768 * -32768 twice overflows).
inline V128 dotI16x8(const V128& a, const V128& b) {
  V128 r;
  for (int i = 0; i < 4; ++i) {
    int64_t s = int64_t(a.lane<int16_t>(2 * i)) * b.lane<int16_t>(2 * i) +
                int64_t(a.lane<int16_t>(2 * i + 1)) * b.lane<int16_t>(2 * i + 1);
    r.setLane<uint32_t>(i, uint32_t(s));
  }
  return r;
}

// --- floating point ------------------------------------------------------------------

template <class F>
inline V128 fadd(const V128& a, const V128& b) {
  return zip<F>(a, b, [](F x, F y) { return x + y; });
}
template <class F>
inline V128 fsub(const V128& a, const V128& b) {
  return zip<F>(a, b, [](F x, F y) { return x - y; });
}
template <class F>
inline V128 fmul(const V128& a, const V128& b) {
  return zip<F>(a, b, [](F x, F y) { return x * y; });
}
template <class F>
inline V128 fdiv(const V128& a, const V128& b) {
  return zip<F>(a, b, [](F x, F y) { return x / y; });
}
template <class F>
inline V128 fmin(const V128& a, const V128& b) {
  return zip<F>(a, b, [](F x, F y) { return num::fmin(x, y); });
}
template <class F>
inline V128 fmax(const V128& a, const V128& b) {
  return zip<F>(a, b, [](F x, F y) { return num::fmax(x, y); });
}
// Pseudo-min/max: exactly `b < a ? b : a` and `a < b ? b : a` (what
// minps/maxps compute; NaNs and zeros follow from the comparison).
template <class F>
inline V128 pmin(const V128& a, const V128& b) {
  return zip<F>(a, b, [](F x, F y) { return y < x ? y : x; });
}
template <class F>
inline V128 pmax(const V128& a, const V128& b) {
  return zip<F>(a, b, [](F x, F y) { return x < y ? y : x; });
}
template <class F>
inline V128 fabs(const V128& a) {
  return map<F>(a, [](F x) { return num::fabs(x); });
}
template <class F>
inline V128 fneg(const V128& a) {
  return map<F>(a, [](F x) { return num::fneg(x); });
}
template <class F>
inline V128 fsqrt(const V128& a) {
  return map<F>(a, [](F x) { return num::fsqrt(x); });
}
template <class F>
inline V128 fceil(const V128& a) {
  return map<F>(a, [](F x) { return num::fceil(x); });
}
template <class F>
inline V128 ffloor(const V128& a) {
  return map<F>(a, [](F x) { return num::ffloor(x); });
}
template <class F>
inline V128 ftrunc(const V128& a) {
  return map<F>(a, [](F x) { return num::ftrunc(x); });
}
template <class F>
inline V128 fnearest(const V128& a) {
  return map<F>(a, [](F x) { return num::fnearest(x); });
}

// --- conversions -------------------------------------------------------------------------

// i32x4.trunc_sat_f32x4_s/u.
template <class I>
inline V128 truncSatF32(const V128& a) {
  V128 r;
  for (int i = 0; i < 4; ++i) r.setLane<uint32_t>(i, uint32_t(num::truncSat<I>(a.lane<float>(i))));
  return r;
}
// i32x4.trunc_sat_f64x2_s/u_zero: two lanes, the upper two zero.
template <class I>
inline V128 truncSatF64Zero(const V128& a) {
  V128 r = fromBits(0, 0);
  for (int i = 0; i < 2; ++i) r.setLane<uint32_t>(i, uint32_t(num::truncSat<I>(a.lane<double>(i))));
  return r;
}
// f32x4.convert_i32x4_s/u.
template <class I>
inline V128 convertToF32(const V128& a) {
  V128 r;
  for (int i = 0; i < 4; ++i) r.setLane<float>(i, float(a.lane<I>(i)));
  return r;
}
// f64x2.convert_low_i32x4_s/u.
template <class I>
inline V128 convertLowToF64(const V128& a) {
  V128 r;
  for (int i = 0; i < 2; ++i) r.setLane<double>(i, double(a.lane<I>(i)));
  return r;
}
inline V128 demoteZero(const V128& a) {
  V128 r = fromBits(0, 0);
  for (int i = 0; i < 2; ++i) r.setLane<float>(i, float(a.lane<double>(i)));
  return r;
}
inline V128 promoteLow(const V128& a) {
  V128 r;
  for (int i = 0; i < 2; ++i) r.setLane<double>(i, double(a.lane<float>(i)));
  return r;
}

// --- relaxed SIMD (Wasm 3.0) ----------------------------------------------------------------
// Each relaxed operator allows several results; Strata computes one of
// them, the same in every tier: the strict operator's where one exists
// (swizzle, trunc_sat, min/max, bitselect, q15mulr_sat), unfused
// multiply-add, and signed-by-signed dot products with wrapping sums.

// f32x4/f64x2.relaxed_madd: a * b + c; relaxed_nmadd: -(a * b) + c.
template <class F>
inline V128 madd(const V128& a, const V128& b, const V128& c, bool negate) {
  V128 r;
  for (int i = 0; i < V128::lanes<F>(); ++i) {
    // volatile: one rounding after the product, whatever the host
    // compiler's contraction setting (both results are allowed, but every
    // tier must agree).
    volatile F product = a.lane<F>(i) * b.lane<F>(i);
    F p = product;
    r.setLane<F>(i, (negate ? -p : p) + c.lane<F>(i));
  }
  return r;
}
// i16x8.relaxed_dot_i8x16_i7x16_s: sums of products of adjacent 8-bit
// lanes (b's lanes taken as signed too), wrapping to 16 bits.
inline V128 dotI8x16I7x16(const V128& a, const V128& b) {
  V128 r;
  for (int i = 0; i < 8; ++i) {
    int32_t s = int32_t(a.lane<int8_t>(2 * i)) * b.lane<int8_t>(2 * i) +
                int32_t(a.lane<int8_t>(2 * i + 1)) * b.lane<int8_t>(2 * i + 1);
    r.setLane<uint16_t>(i, uint16_t(s));
  }
  return r;
}
// i32x4.relaxed_dot_i8x16_i7x16_add_s: four adjacent products per lane,
// plus c's lane, wrapping.
inline V128 dotI8x16I7x16Add(const V128& a, const V128& b, const V128& c) {
  V128 r;
  for (int i = 0; i < 4; ++i) {
    int32_t s = 0;
    for (int k = 0; k < 4; ++k) s += int32_t(a.lane<int8_t>(4 * i + k)) * b.lane<int8_t>(4 * i + k);
    r.setLane<uint32_t>(i, uint32_t(s) + c.lane<uint32_t>(i));
  }
  return r;
}

// --- memory ------------------------------------------------------------------------------
// `p` points at the (bounds-checked) bytes the load reads.

inline V128 load(const uint8_t* p) {
  V128 r;
  std::memcpy(r.bytes, p, 16);
  return r;
}
// v128.loadNxM_s/u: M lanes of N bits, each extended to 2N bits.
template <class Wide, class Narrow>
inline V128 loadExtend(const uint8_t* p) {
  V128 r;
  for (int i = 0; i < V128::lanes<Wide>(); ++i) {
    Narrow v;
    std::memcpy(&v, p + i * sizeof(Narrow), sizeof v);
    r.setLane<Wide>(i, Wide(v));
  }
  return r;
}
template <class T>
inline V128 loadSplat(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return splat<T>(v);
}
template <class T>
inline V128 loadZero(const uint8_t* p) {
  V128 r = fromBits(0, 0);
  std::memcpy(r.bytes, p, sizeof(T));
  return r;
}

}  // namespace strata::simd
