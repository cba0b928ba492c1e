/* blur: a 3x3 Gaussian blur (weights 1 2 1 / 2 4 2 / 1 2 1, over 16) of an
 * 8-bit grayscale image, n passes. Vectorisable integer image processing:
 * 16-bit sums of neighbouring rows and columns, a shift. */
#include "../workloads/bench.h"

#define W 1024
#define H 768

static uint8_t img[H][W], out[H][W];

/* One output row from three input rows, in two vectorisable loops: the
 * vertical 1-2-1 sums of each column, then the horizontal 1-2-1 of those
 * (written as three shifted streams, which compilers vectorise). */
static void blur_row(const uint8_t* restrict up, const uint8_t* restrict mid, const uint8_t* restrict down,
                     uint8_t* restrict dst) {
  uint16_t col[W];
  for (int x = 0; x < W; ++x) col[x] = (uint16_t)(up[x] + 2 * mid[x] + down[x]);
  const uint16_t* left = col;
  const uint16_t* centre = col + 1;
  const uint16_t* right = col + 2;
  for (int x = 0; x < W - 2; ++x) dst[x + 1] = (uint8_t)((uint16_t)(left[x] + 2 * centre[x] + right[x]) >> 4);
}

static uint64_t run(uint32_t n) {
  uint32_t seed = 12345;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) img[y][x] = (uint8_t)rng_next(&seed);
  uint64_t h = 0;
  for (uint32_t pass = 0; pass < n; ++pass) {
    for (int y = 1; y < H - 1; ++y) blur_row(img[y - 1], img[y], img[y + 1], out[y]);
    /* The result is the next pass's input, edges kept. */
    for (int y = 1; y < H - 1; ++y) memcpy(&img[y][1], &out[y][1], W - 2);
    h = mix64(h, img[pass % H][(pass * 31) % W]);
  }
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; x += 64) h = mix64(h, img[y][x]);
  return h;
}

BENCH_MAIN("blur", 4000)
