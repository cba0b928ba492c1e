// The division-by-constant formulas of jit/constant_division.h against the
// hardware's division, on the divisors and dividends where such formulas
// go wrong: near powers of two, the largest values, and random ones. The
// compiled code is checked end to end by tests/wast/constant_division.wast.
#include <gtest/gtest.h>

#include <initializer_list>
#include <random>
#include <vector>

#include "jit/constant_division.h"

using strata::jit::divideByConstant;

namespace {

std::vector<uint64_t> interestingDivisors(unsigned bits, std::mt19937_64& rng) {
  std::vector<uint64_t> ds;
  uint64_t mask = bits == 32 ? 0xffffffffu : ~uint64_t(0);
  for (uint64_t d = 1; d <= 1000; ++d) ds.push_back(d);
  for (unsigned k = 1; k < bits; ++k) {
    uint64_t p = uint64_t(1) << k;
    for (int64_t delta = -3; delta <= 3; ++delta) ds.push_back((p + uint64_t(delta)) & mask);
  }
  for (uint64_t d = mask; d > mask - 8; --d) ds.push_back(d);
  for (int i = 0; i < 2000; ++i) ds.push_back(rng() & mask >> (rng() % bits));
  std::vector<uint64_t> out;
  for (uint64_t d : ds)
    if (d != 0) out.push_back(d);
  return out;
}

std::vector<uint64_t> interestingDividends(unsigned bits, uint64_t d, std::mt19937_64& rng) {
  uint64_t mask = bits == 32 ? 0xffffffffu : ~uint64_t(0);
  std::vector<uint64_t> ns = {0, 1, d - 1, d, d + 1, mask, mask - 1, mask / 2, mask / 2 + 1};
  for (uint64_t m = 1; m < 6; ++m) {  // around multiples of d, where rounding errors show
    ns.push_back(d * m - 1);
    ns.push_back(d * m);
  }
  uint64_t top = mask - mask % d;  // the largest multiple of d
  ns.push_back(top);
  ns.push_back(top - 1);
  for (int i = 0; i < 64; ++i) ns.push_back(rng());
  for (uint64_t& n : ns) n &= mask;
  return ns;
}

void checkWidth(unsigned bits) {
  std::mt19937_64 rng(bits);
  for (uint64_t d : interestingDivisors(bits, rng))
    for (uint64_t n : interestingDividends(bits, d, rng))
      ASSERT_EQ(divideByConstant(n, d, bits), n / d) << bits << "-bit " << n << " / " << d;
}

}  // namespace

TEST(ConstantDivision, Unsigned32MatchesHardwareDivision) { checkWidth(32); }

TEST(ConstantDivision, Unsigned64MatchesHardwareDivision) { checkWidth(64); }

TEST(ConstantDivision, EveryDividendOfSmallDivisors32) {
  // Exhaustive over one large band of 32-bit dividends, for divisors whose
  // reciprocal needs the most precision.
  for (uint64_t d : {3u, 7u, 10u, 641u, 0x7fffffffu, 0x80000001u, 0xfffffffbu})
    for (uint64_t n = 0xffffffffu; n > 0xffffffffu - (1u << 20); --n)
      ASSERT_EQ(divideByConstant(n, d, 32), n / d) << n << " / " << d;
}
