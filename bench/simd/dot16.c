/* dot16: dot products of 16-bit integer vectors (the inner step of
 * fixed-point audio and neural-network inference), n times. The SIMD build
 * is written with <wasm_simd128.h> (i32x4.dot_i16x8_s, four 32-bit lanes
 * of pairwise products); the scalar and native builds are the plain loop,
 * which the compiler vectorises natively (pmaddwd) and not for wasm. */
#include "../workloads/bench.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define LEN 4096
#define ROWS 64

static int16_t vec[LEN], mat[ROWS][LEN];

static int32_t dot(const int16_t* a, const int16_t* b) {
#ifdef __wasm_simd128__
  v128_t acc = wasm_i32x4_splat(0);
  for (int i = 0; i < LEN; i += 8)
    acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  return wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) + wasm_i32x4_extract_lane(acc, 2) +
         wasm_i32x4_extract_lane(acc, 3);
#else
  int32_t s = 0;
  for (int i = 0; i < LEN; ++i) s += (int32_t)a[i] * b[i];
  return s;
#endif
}

static uint64_t run(uint32_t n) {
  uint32_t seed = 2024;
  for (int i = 0; i < LEN; ++i) vec[i] = (int16_t)(rng_next(&seed) % 2001 - 1000);
  for (int r = 0; r < ROWS; ++r)
    for (int i = 0; i < LEN; ++i) mat[r][i] = (int16_t)(rng_next(&seed) % 2001 - 1000);
  uint64_t h = 0;
  for (uint32_t rep = 0; rep < n; ++rep) {
    for (int r = 0; r < ROWS; ++r) h = mix64(h, (uint32_t)dot(mat[r], vec));
    vec[rep % LEN] = (int16_t)(h & 0x3ff);
  }
  return h;
}

BENCH_MAIN("dot16", 30000)
