// Semantics of the numeric operators that are more than a C operator.
// Shared by the interpreter (expanded from opcodes.def) and used by the JIT
// as out-of-line helpers for the rare cases. Trapping operators throw Trap.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "runtime/objects.h"

namespace strata::num {

template <class To, class From>
inline To bitcast(From v) {
  static_assert(sizeof(To) == sizeof(From));
  To r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}

[[noreturn]] void trapIntegerDivideByZero();
[[noreturn]] void trapIntegerOverflow();
[[noreturn]] void trapInvalidConversion();

inline uint32_t clz(uint32_t a) { return a ? __builtin_clz(a) : 32; }
inline uint64_t clz(uint64_t a) { return a ? __builtin_clzll(a) : 64; }
inline uint32_t ctz(uint32_t a) { return a ? __builtin_ctz(a) : 32; }
inline uint64_t ctz(uint64_t a) { return a ? __builtin_ctzll(a) : 64; }
inline uint32_t popcnt(uint32_t a) { return __builtin_popcount(a); }
inline uint64_t popcnt(uint64_t a) { return __builtin_popcountll(a); }

// Rotations written so compilers emit a single rol/ror.
template <class T>
inline T rotl(T a, T b) {
  constexpr unsigned mask = sizeof(T) * 8 - 1;
  unsigned n = unsigned(b) & mask;
  return T((a << n) | (a >> ((0u - n) & mask)));
}
template <class T>
inline T rotr(T a, T b) {
  constexpr unsigned mask = sizeof(T) * 8 - 1;
  unsigned n = unsigned(b) & mask;
  return T((a >> n) | (a << ((0u - n) & mask)));
}

template <class T>
inline T divS(T a, T b) {
  using S = std::make_signed_t<T>;
  if (b == 0) trapIntegerDivideByZero();
  if (S(a) == std::numeric_limits<S>::min() && S(b) == -1) trapIntegerOverflow();
  return T(S(a) / S(b));
}
template <class T>
inline T divU(T a, T b) {
  if (b == 0) trapIntegerDivideByZero();
  return a / b;
}
template <class T>
inline T remS(T a, T b) {
  using S = std::make_signed_t<T>;
  if (b == 0) trapIntegerDivideByZero();
  if (S(b) == -1) return 0;  // INT_MIN % -1 overflows in C, is 0 in wasm
  return T(S(a) % S(b));
}
template <class T>
inline T remU(T a, T b) {
  if (b == 0) trapIntegerDivideByZero();
  return a % b;
}

// Sign-bit operations work on the bits so NaN payloads pass unchanged.
inline float fabs(float a) { return bitcast<float>(bitcast<uint32_t>(a) & 0x7fffffffu); }
inline double fabs(double a) { return bitcast<double>(bitcast<uint64_t>(a) & 0x7fffffffffffffffull); }
inline float fneg(float a) { return bitcast<float>(bitcast<uint32_t>(a) ^ 0x80000000u); }
inline double fneg(double a) { return bitcast<double>(bitcast<uint64_t>(a) ^ 0x8000000000000000ull); }
inline float fcopysign(float a, float b) {
  return bitcast<float>((bitcast<uint32_t>(a) & 0x7fffffffu) | (bitcast<uint32_t>(b) & 0x80000000u));
}
inline double fcopysign(double a, double b) {
  return bitcast<double>((bitcast<uint64_t>(a) & 0x7fffffffffffffffull) |
                         (bitcast<uint64_t>(b) & 0x8000000000000000ull));
}

// Rounding helpers: a NaN input must come out quiet, and libm returns a
// signalling NaN unchanged, so NaNs are quieted by an addition first.
template <class F> inline F fceil(F a) { return std::isnan(a) ? a + a : std::ceil(a); }
template <class F> inline F ffloor(F a) { return std::isnan(a) ? a + a : std::floor(a); }
template <class F> inline F ftrunc(F a) { return std::isnan(a) ? a + a : std::trunc(a); }
template <class F> inline F fnearest(F a) { return std::isnan(a) ? a + a : std::nearbyint(a); }
template <class F> inline F fsqrt(F a) { return std::sqrt(a); }

// min/max: NaN if either is NaN; -0 < +0. The NaN is the first NaN
// operand, quieted (as SSE arithmetic does): `a + b` would leave the choice
// between two NaNs to the C++ compiler, which may swap the operands of +,
// and the tiers (each with its own copy of this code) would disagree.
template <class F>
inline F fmin(F a, F b) {
  if (std::isnan(a)) return a + a;
  if (std::isnan(b)) return b + b;
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
template <class F>
inline F fmax(F a, F b) {
  if (std::isnan(a)) return a + a;
  if (std::isnan(b)) return b + b;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

// Float -> integer truncation. The range test is done in the float's own
// type against exactly representable bounds, so no rounding can sneak in.
template <class I, class F>
inline bool truncInRange(F a) {
  if constexpr (std::is_signed_v<I>) {
    // Truncation maps (-2^(N-1) - 1, 2^(N-1)) into range. When F can
    // represent -2^(N-1) - 1 (i32 from f64) values just below -2^(N-1)
    // still truncate into range; otherwise no F lies between the two.
    constexpr F lo = -F(std::numeric_limits<I>::max()) - F(1);  // -2^(N-1), exact
    if constexpr (std::numeric_limits<I>::digits < std::numeric_limits<F>::digits)
      return a > lo - F(1) && a < -lo;
    else
      return a >= lo && a < -lo;
  } else {
    constexpr F hi = F(std::numeric_limits<I>::max() / 2 + 1) * F(2);  // 2^N
    return a > F(-1) && a < hi;
  }
}

template <class I, class F>
inline std::make_unsigned_t<I> trunc(F a) {
  if (std::isnan(a)) trapInvalidConversion();
  if (!truncInRange<I>(a)) trapIntegerOverflow();
  return std::make_unsigned_t<I>(I(a));
}

template <class I, class F>
inline std::make_unsigned_t<I> truncSat(F a) {
  if (std::isnan(a)) return 0;
  if (!truncInRange<I>(a)) return std::make_unsigned_t<I>(a < 0 ? std::numeric_limits<I>::min() : std::numeric_limits<I>::max());
  return std::make_unsigned_t<I>(I(a));
}

}  // namespace strata::num
