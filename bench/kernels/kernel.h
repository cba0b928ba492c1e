/* Shared by the benchmark kernels. The kernels are freestanding C: no libc,
 * so the very same source compiles to a wasm module with nothing to import
 * and to a native object linked with native_main.c. Each kernel defines
 *
 *     KERNEL_ENTRY uint64_t run(uint32_t n);
 *
 * which does an amount of work that grows with n and returns a checksum of
 * everything it computed, so that (a) the optimizer cannot drop the work
 * and (b) the interpreter's answer can be checked against native code. */
#ifndef STRATA_BENCH_KERNEL_H
#define STRATA_BENCH_KERNEL_H

#include <stdint.h> /* the compiler's own freestanding header */

#ifdef __wasm__
#define KERNEL_ENTRY __attribute__((export_name("run")))
#else
#define KERNEL_ENTRY
#endif

/* xorshift32: a tiny deterministic generator for input data. */
static inline uint32_t rng_next(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

/* Folds v into the running checksum h (the splitmix64 finalizer). */
static inline uint64_t mix64(uint64_t h, uint64_t v) {
  uint64_t z = h + v + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The bit pattern of a double, for checksumming float results exactly. */
static inline uint64_t f64_bits(double d) {
  union {
    double d;
    uint64_t u;
  } u;
  u.d = d;
  return u.u;
}

#endif
