/* Shared by the benchmark workloads (bench/workloads/NAME.c).
 *
 * Each workload is an ordinary C program with main(), compiled from the same
 * source with the same clang -O2 twice: to wasm32-wasi (against wasi-libc)
 * and natively (against the system libc). It is run as
 *
 *     NAME [N]        natively
 *     strata run NAME.wasm [N]
 *
 * where N scales the amount of work (each workload has a default that takes
 * about 0.5-1 s natively). It prints one line
 *
 *     NAME N=<n> checksum: 0x<16 hex digits>
 *
 * folding in everything it computed, so that (a) the optimizer cannot drop
 * the work and (b) a wrong result on any runtime is caught by comparing
 * checksums with the native run (bench/run.py does).
 *
 * Results must not depend on the libc: no libm calls (their last bits differ
 * between libcs; __builtin_sqrt is one instruction on both sides), no
 * floating-point printf, no rand(). Float results enter the checksum as bit
 * patterns; the build uses -ffp-contract=off so no FMA changes them. */
#ifndef STRATA_BENCH_H
#define STRATA_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

/* N from argv[1] (decimal or 0x hex), else `def`. Exits with status 2 on a
 * malformed argument. */
static inline uint32_t bench_arg(int argc, char** argv, uint32_t def) {
  if (argc < 2) return def;
  char* end = NULL;
  unsigned long v = strtoul(argv[1], &end, 0);
  if (argc > 2 || end == argv[1] || *end != '\0' || v > 0xffffffffu) {
    fprintf(stderr, "usage: %s [N]   (default N=%u)\n", argv[0], (unsigned)def);
    exit(2);
  }
  return (uint32_t)v;
}

/* Prints the result line bench/run.py looks for. */
static inline int bench_report(const char* name, uint32_t n, uint64_t checksum) {
  printf("%s N=%u checksum: 0x%016llx\n", name, (unsigned)n, (unsigned long long)checksum);
  return fflush(stdout) == 0 ? 0 : 1;
}

/* main() of a workload whose work is `uint64_t run(uint32_t n)`. */
#define BENCH_MAIN(name, default_n)                  \
  int main(int argc, char** argv) {                  \
    uint32_t n = bench_arg(argc, argv, (default_n)); \
    return bench_report(name, n, run(n));            \
  }

#endif
