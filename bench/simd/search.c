/* search: counts the lines of a text containing a word, n times: a byte
 * scan for the word's first letter (compare 16 bytes at a time), then a
 * comparison where it matches. Like grep -c on ASCII. */
#include "../workloads/bench.h"

#define SIZE (4 << 20)

static char text[SIZE];

/* Bytes equal to c in [p, p + len): the vectorisable inner loop. */
static uint32_t count_byte(const char* p, uint32_t len, char c) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < len; ++i) k += p[i] == c;
  return k;
}

static uint64_t run(uint32_t n) {
  static const char* words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "strata"};
  uint32_t seed = 99;
  uint32_t at = 0;
  while (at < SIZE - 16) {
    const char* w = words[rng_next(&seed) % 9];
    size_t len = strlen(w);
    memcpy(text + at, w, len);
    at += (uint32_t)len;
    text[at++] = (rng_next(&seed) % 12) == 0 ? '\n' : ' ';
  }
  while (at < SIZE) text[at++] = ' ';
  uint64_t h = 0;
  for (uint32_t rep = 0; rep < n; ++rep) {
    /* Lines containing "strata": scan line by line. */
    uint32_t lines = 0, start = 0, newlines = count_byte(text, SIZE, '\n');
    for (uint32_t i = 0; i < SIZE; ++i) {
      if (text[i] != '\n') continue;
      uint32_t len = i - start;
      if (count_byte(text + start, len, 's')) {
        for (uint32_t j = start; j + 6 <= i; ++j)
          if (memcmp(text + j, "strata", 6) == 0) {
            ++lines;
            break;
          }
      }
      start = i + 1;
    }
    h = mix64(h, lines);
    h = mix64(h, newlines);
    text[(rep * 4099) % SIZE] = 's';
  }
  return h;
}

BENCH_MAIN("search", 150)
