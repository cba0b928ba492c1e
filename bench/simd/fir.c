/* fir: a 32-tap FIR filter (an audio low-pass) over a signal of floats,
 * n times. The tap loop is outside, the sample loop inside and contiguous:
 * vectorisable without reassociating any sum. */
#include "../workloads/bench.h"

#define TAPS 32
#define LEN (1 << 16)

static float x[LEN + TAPS], y[LEN], coef[TAPS];

static uint64_t run(uint32_t n) {
  uint32_t seed = 4242;
  for (int i = 0; i < LEN + TAPS; ++i) x[i] = (float)((int32_t)(rng_next(&seed) % 2001) - 1000) / 1000.0f;
  for (int k = 0; k < TAPS; ++k) coef[k] = 1.0f / (float)(TAPS + k);
  uint64_t h = 0;
  for (uint32_t rep = 0; rep < n; ++rep) {
    for (int i = 0; i < LEN; ++i) y[i] = 0.0f;
    for (int k = 0; k < TAPS; ++k) {
      float ck = coef[k];
      for (int i = 0; i < LEN; ++i) y[i] += ck * x[i + k];
    }
    uint32_t bits;
    memcpy(&bits, &y[rep % LEN], 4);
    h = mix64(h, bits);
    x[rep % LEN] = y[(rep * 13) % LEN];  /* feed back: every pass depends on the last */
  }
  for (int i = 0; i < LEN; i += 256) {
    uint32_t bits;
    memcpy(&bits, &y[i], 4);
    h = mix64(h, bits);
  }
  return h;
}

BENCH_MAIN("fir", 4000)
