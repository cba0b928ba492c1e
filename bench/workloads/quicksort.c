/* quicksort: sorts 1 Mi pseudo-random 32-bit keys, n times with different
 * data. Measures unpredictable branches, memory traffic and recursion. */
#include "bench.h"

#define COUNT (1u << 20)

static uint32_t keys[COUNT];

static void insertion_sort(uint32_t* a, int32_t lo, int32_t hi) {
  for (int32_t i = lo + 1; i <= hi; ++i) {
    uint32_t v = a[i];
    int32_t j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      --j;
    }
    a[j + 1] = v;
  }
}

/* Hoare partition around a median-of-three pivot; recurses into the smaller
 * half and loops on the larger so the depth stays logarithmic. */
static void quicksort(uint32_t* a, int32_t lo, int32_t hi) {
  while (hi - lo > 16) {
    int32_t mid = lo + (hi - lo) / 2;
    uint32_t x = a[lo], y = a[mid], z = a[hi];
    uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
    int32_t i = lo - 1, j = hi + 1;
    for (;;) {
      do ++i; while (a[i] < pivot);
      do --j; while (a[j] > pivot);
      if (i >= j) break;
      uint32_t t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    if (j - lo < hi - j) {
      quicksort(a, lo, j);
      lo = j + 1;
    } else {
      quicksort(a, j + 1, hi);
      hi = j;
    }
  }
  insertion_sort(a, lo, hi);
}

static uint64_t run(uint32_t n) {
  uint64_t h = 0;
  uint32_t seed = 0x9e3779b9;
  for (uint32_t rep = 0; rep < n; ++rep) {
    for (uint32_t i = 0; i < COUNT; ++i) keys[i] = rng_next(&seed);
    quicksort(keys, 0, (int32_t)COUNT - 1);
    uint32_t sorted = 1;
    for (uint32_t i = 1; i < COUNT; ++i) sorted &= keys[i - 1] <= keys[i];
    h = mix64(h, sorted);
    h = mix64(h, keys[0]);
    h = mix64(h, keys[COUNT / 2]);
    h = mix64(h, keys[COUNT - 1]);
  }
  return h;
}

BENCH_MAIN("quicksort", 9)
