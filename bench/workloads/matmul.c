/* matmul: dense 200x200 double-precision matrix product, n times.
 * Measures f64 arithmetic and strided memory access. */
#include "bench.h"

#define DIM 200

static double a[DIM][DIM], b[DIM][DIM], c[DIM][DIM];

static uint64_t run(uint32_t n) {
  uint32_t seed = 12345;
  for (int i = 0; i < DIM; ++i)
    for (int j = 0; j < DIM; ++j) {
      a[i][j] = (double)(rng_next(&seed) % 1000) / 256.0 - 2.0;
      b[i][j] = (double)(rng_next(&seed) % 1000) / 512.0 - 1.0;
    }
  uint64_t h = 0;
  for (uint32_t rep = 0; rep < n; ++rep) {
    /* i-k-j order: the inner loop walks rows of b and c contiguously. */
    for (int i = 0; i < DIM; ++i) {
      for (int j = 0; j < DIM; ++j) c[i][j] = 0.0;
      for (int k = 0; k < DIM; ++k) {
        double aik = a[i][k];
        for (int j = 0; j < DIM; ++j) c[i][j] += aik * b[k][j];
      }
    }
    /* Feed the result back so every repetition depends on the last one. */
    double trace = 0.0;
    for (int i = 0; i < DIM; ++i) trace += c[i][i];
    h = mix64(h, f64_bits(trace));
    a[rep % DIM][(rep * 7) % DIM] = trace / 1e6;
  }
  return h;
}

BENCH_MAIN("matmul", 600)
