/* spectral: the spectral norm of the infinite matrix
 * A(i,j) = 1 / ((i+j)(i+j+1)/2 + i + 1), truncated to n x n, by ten steps of
 * the power method on A^T A (the Computer Language Benchmarks Game
 * program). Measures f64 division and multiply-add chains in nested loops. */
#include "bench.h"

static double a(uint32_t i, uint32_t j) { return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1); }

static void mul_av(uint32_t n, const double* v, double* av) {
  for (uint32_t i = 0; i < n; ++i) {
    double sum = 0;
    for (uint32_t j = 0; j < n; ++j) sum += a(i, j) * v[j];
    av[i] = sum;
  }
}

static void mul_atv(uint32_t n, const double* v, double* atv) {
  for (uint32_t i = 0; i < n; ++i) {
    double sum = 0;
    for (uint32_t j = 0; j < n; ++j) sum += a(j, i) * v[j];
    atv[i] = sum;
  }
}

static void mul_atav(uint32_t n, const double* v, double* out, double* tmp) {
  mul_av(n, v, tmp);
  mul_atv(n, tmp, out);
}

static uint64_t run(uint32_t n) {
  double* u = malloc(n * sizeof(double));
  double* v = malloc(n * sizeof(double));
  double* tmp = malloc(n * sizeof(double));
  if (!u || !v || !tmp) exit(3);
  for (uint32_t i = 0; i < n; ++i) u[i] = 1.0;
  for (int i = 0; i < 10; ++i) {
    mul_atav(n, u, v, tmp);
    mul_atav(n, v, u, tmp);
  }
  double vbv = 0, vv = 0;
  for (uint32_t i = 0; i < n; ++i) {
    vbv += u[i] * v[i];
    vv += v[i] * v[i];
  }
  double norm = __builtin_sqrt(vbv / vv);
  /* 1.274224... for large n; the checksum has every bit of it. */
  uint64_t h = mix64(0, f64_bits(norm));
  h = mix64(h, f64_bits(u[n / 2]));
  free(u);
  free(v);
  free(tmp);
  return h;
}

BENCH_MAIN("spectral", 4000)
