/* crc32: table-driven CRC-32 (the zlib/PNG polynomial, reflected, one byte
 * per step) over a 1 MiB buffer, n times; each round's CRC is written back
 * into the buffer so rounds depend on each other. Measures byte loads,
 * table lookups and shifts: the inner loop of every checksum and inflater. */
#include "bench.h"

#define BUF_SIZE (1u << 20)

static uint32_t table[256];
static uint8_t buf[BUF_SIZE];

static void make_table(void) {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
}

static uint32_t crc32(uint32_t crc, const uint8_t* p, uint32_t len) {
  crc = ~crc;
  for (uint32_t i = 0; i < len; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static uint64_t run(uint32_t n) {
  make_table();
  /* Known answer: CRC-32 of "123456789" is 0xcbf43926. */
  uint64_t h = mix64(0, crc32(0, (const uint8_t*)"123456789", 9) == 0xcbf43926u);
  uint32_t seed = 0x1234567;
  for (uint32_t i = 0; i < BUF_SIZE; ++i) buf[i] = (uint8_t)(rng_next(&seed) >> 7);
  for (uint32_t rep = 0; rep < n; ++rep) {
    uint32_t crc = crc32(rep, buf, BUF_SIZE);
    h = mix64(h, crc);
    uint32_t at = (rep * 2654435761u) % (BUF_SIZE - 4);
    buf[at] ^= (uint8_t)crc;
    buf[at + 1] ^= (uint8_t)(crc >> 8);
  }
  return h;
}

BENCH_MAIN("crc32", 300)
