/* sieve: the sieve of Eratosthenes over 4 million numbers, n times.
 * Measures byte loads and stores and tight loops. */
#include "bench.h"

#define LIMIT 4000000u

static uint8_t composite[LIMIT + 1];

/* Returns the number of primes <= limit, and in *largest the biggest one. */
static uint32_t sieve(uint32_t limit, uint32_t* largest) {
  for (uint32_t i = 0; i <= limit; ++i) composite[i] = 0;
  uint32_t count = 0;
  for (uint32_t i = 2; i <= limit; ++i) {
    if (composite[i]) continue;
    ++count;
    *largest = i;
    for (uint64_t j = (uint64_t)i * i; j <= limit; j += i) composite[j] = 1;
  }
  return count;
}

static uint64_t run(uint32_t n) {
  uint64_t h = 0;
  for (uint32_t rep = 0; rep < n; ++rep) {
    /* Vary the limit a little so no two repetitions are the same work. */
    uint32_t largest = 0;
    uint32_t count = sieve(LIMIT - (rep & 1023), &largest);
    h = mix64(h, count);
    h = mix64(h, largest);
  }
  return h;
}

BENCH_MAIN("sieve", 60)
