/* mandelbrot: the Mandelbrot set on an n x n grid over [-1.5,0.5] x [-1,1],
 * at most 50 iterations per point, as a 1-bit image (the Computer Language
 * Benchmarks Game program, scalar). Measures dependent f64 multiply-add
 * chains and a data-dependent loop exit. */
#include "bench.h"

static uint64_t run(uint32_t n) {
  uint64_t h = 0;
  uint32_t inside = 0;
  const double limit2 = 4.0;
  for (uint32_t y = 0; y < n; ++y) {
    double ci = 2.0 * y / n - 1.0;
    uint64_t row = 0; /* the row's bits, folded 64 at a time */
    uint32_t bits = 0;
    for (uint32_t x = 0; x < n; ++x) {
      double cr = 2.0 * x / n - 1.5;
      double zr = 0, zi = 0, tr = 0, ti = 0;
      int i = 0;
      for (; i < 50 && tr + ti <= limit2; ++i) {
        zi = 2.0 * zr * zi + ci;
        zr = tr - ti + cr;
        tr = zr * zr;
        ti = zi * zi;
      }
      uint32_t in = tr + ti <= limit2;
      inside += in;
      row = row << 1 | in;
      if (++bits == 64) {
        h = mix64(h, row);
        row = 0;
        bits = 0;
      }
    }
    h = mix64(h, row);
  }
  return mix64(h, inside);
}

BENCH_MAIN("mandelbrot", 4000)
