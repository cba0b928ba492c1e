/* sgemm: single-precision matrix product C = A * B (256 x 256), n times.
 * The i-k-j order makes the inner loop a contiguous multiply-add over
 * rows: four f32 lanes per SIMD instruction. */
#include "../workloads/bench.h"

#define DIM 256

static float a[DIM][DIM], b[DIM][DIM], c[DIM][DIM];

static uint64_t run(uint32_t n) {
  uint32_t seed = 777;
  for (int i = 0; i < DIM; ++i)
    for (int j = 0; j < DIM; ++j) {
      a[i][j] = (float)(rng_next(&seed) % 1000) / 512.0f - 1.0f;
      b[i][j] = (float)(rng_next(&seed) % 1000) / 1024.0f - 0.5f;
    }
  uint64_t h = 0;
  for (uint32_t rep = 0; rep < n; ++rep) {
    for (int i = 0; i < DIM; ++i) {
      for (int j = 0; j < DIM; ++j) c[i][j] = 0.0f;
      for (int k = 0; k < DIM; ++k) {
        float aik = a[i][k];
        for (int j = 0; j < DIM; ++j) c[i][j] += aik * b[k][j];
      }
    }
    float trace = 0.0f;
    for (int i = 0; i < DIM; ++i) trace += c[i][i];
    uint32_t bits;
    memcpy(&bits, &trace, 4);
    h = mix64(h, bits);
    a[rep % DIM][(rep * 7) % DIM] = trace / 1e6f;
  }
  return h;
}

BENCH_MAIN("sgemm", 600)
