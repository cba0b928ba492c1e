// Integer division by a constant as multiplication: a `div` costs 25-90
// cycles on current x86 cores, a multiply 3-4. Compilers do the same for
// `x / 10` (printf-style number formatting, hashing, modular indices all
// divide by constants), so wasm built from C keeps these divisions and
// leaves them to the engine.
//
// The 32-bit quotients use Lemire, Kaser and Kurz's 64-bit reciprocal
// ("Faster Remainder by Direct Computation", 2019, theorem 1 with F = 64):
// M = floor((2^64 - 1) / d) + 1 and q = (M * n) >> 64, exact for every
// 32-bit n and 2 <= d < 2^32; one `mul` of the zero-extended dividend.
// 64-bit quotients use Granlund and Montgomery's "multiply and add" form
// ("Division by Invariant Integers using Multiplication", 1994, figure 4.1;
// Hacker's Delight 10-8): with L = ceil(log2 d) and
// m = floor(2^64 * (2^L - d) / d) + 1, t = mulhi(m, n) and
// q = (t + ((n - t) >> 1)) >> (L - 1), exact for every 64-bit n.
// Powers of two are shifts and masks. Signed division divides |n| by |d|
// and restores the sign (INT_MIN / -1 and division by zero keep the
// compilers' checked path). tests/unit/constant_division_test.cpp checks
// the formulas against the hardware's division.
#pragma once

#include <cstdint>

namespace strata::jit {

struct ConstantDivisor {
  bool powerOfTwo = false;
  unsigned shift = 0;   // powerOfTwo: log2 d; 64-bit multiply: L - 1
  uint64_t magic = 0;   // the multiplier (32 bit: M; 64 bit: m)
};

inline unsigned log2Ceil(uint64_t d) {
  unsigned l = 0;
  while (l < 64 && (uint64_t(1) << l) < d) ++l;
  return l;
}

// d >= 1, given as an unsigned value of `bits` (32 or 64) bits.
inline ConstantDivisor constantDivisor(uint64_t d, unsigned bits) {
  ConstantDivisor c;
  if ((d & (d - 1)) == 0) {
    c.powerOfTwo = true;
    c.shift = log2Ceil(d);
    return c;
  }
  if (bits == 32) {
    c.magic = ~uint64_t(0) / d + 1;
    return c;
  }
  unsigned l = log2Ceil(d);  // 2^(l-1) < d < 2^l, l <= 64
  unsigned __int128 twoL = (unsigned __int128)1 << l;
  c.magic = uint64_t((((unsigned __int128)1 << 64) * (twoL - d)) / d + 1);
  c.shift = l - 1;
  return c;
}

// The formulas in C++, for the tests (the compilers emit the same steps).
inline uint64_t mulHigh64(uint64_t a, uint64_t b) { return uint64_t(((unsigned __int128)a * b) >> 64); }

inline uint64_t divideByConstant(uint64_t n, uint64_t d, unsigned bits) {
  ConstantDivisor c = constantDivisor(d, bits);
  if (c.powerOfTwo) return n >> c.shift;
  if (bits == 32) return mulHigh64(c.magic, n);
  uint64_t t = mulHigh64(c.magic, n);
  return (t + ((n - t) >> 1)) >> c.shift;
}

}  // namespace strata::jit
