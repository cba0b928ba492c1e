/* lz: an LZ77 compressor in the style of LZ4 (greedy matching through a
 * hash table of 4-byte sequences, literal runs and back-references with
 * varint lengths) and its decompressor, round-tripping a 1 MiB buffer of
 * generated text n times. The decompressed data is compared with the input.
 * Measures unaligned loads, hashing, unpredictable branches and byte copies. */
#include "bench.h"

#define IN_SIZE (1u << 20)
#define HASH_BITS 14
#define MIN_MATCH 4
#define MAX_OFFSET 65535u

static uint8_t input[IN_SIZE];
static uint8_t packed[IN_SIZE + IN_SIZE / 64 + 64];
static uint8_t unpacked[IN_SIZE];
static uint32_t head[1u << HASH_BITS];

static inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static inline uint32_t hash4(uint32_t v) { return (v * 2654435761u) >> (32 - HASH_BITS); }

static uint8_t* put_varint(uint8_t* out, uint32_t v) {
  while (v >= 0x80) {
    *out++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *out++ = (uint8_t)v;
  return out;
}

static const uint8_t* get_varint(const uint8_t* in, uint32_t* v) {
  uint32_t r = 0;
  int shift = 0;
  uint8_t b;
  do {
    b = *in++;
    r |= (uint32_t)(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  *v = r;
  return in;
}

/* A stream of sequences: varint literal count, the literals, varint
 * (match length - MIN_MATCH + 1), 2-byte little-endian offset. A match
 * length field of 0 (and no offset) ends the stream. */
static uint32_t compress(const uint8_t* in, uint32_t len, uint8_t* out) {
  uint8_t* o = out;
  for (uint32_t i = 0; i < (1u << HASH_BITS); ++i) head[i] = 0xffffffffu;
  uint32_t anchor = 0, pos = 0;
  while (pos + MIN_MATCH <= len) {
    uint32_t v = load32(in + pos);
    uint32_t h = hash4(v);
    uint32_t cand = head[h];
    head[h] = pos;
    if (cand != 0xffffffffu && pos - cand <= MAX_OFFSET && load32(in + cand) == v) {
      uint32_t mlen = MIN_MATCH;
      while (pos + mlen < len && in[cand + mlen] == in[pos + mlen]) ++mlen;
      o = put_varint(o, pos - anchor);
      memcpy(o, in + anchor, pos - anchor);
      o += pos - anchor;
      o = put_varint(o, mlen - MIN_MATCH + 1);
      uint32_t off = pos - cand;
      *o++ = (uint8_t)off;
      *o++ = (uint8_t)(off >> 8);
      /* Index a position near the end of the match, as LZ4 does. */
      if (pos + mlen + MIN_MATCH <= len) head[hash4(load32(in + pos + mlen - 2))] = pos + mlen - 2;
      pos += mlen;
      anchor = pos;
    } else {
      ++pos;
    }
  }
  o = put_varint(o, len - anchor);
  memcpy(o, in + anchor, len - anchor);
  o += len - anchor;
  *o++ = 0;
  return (uint32_t)(o - out);
}

static uint32_t decompress(const uint8_t* in, uint8_t* out) {
  uint8_t* o = out;
  for (;;) {
    uint32_t lits, mlen;
    in = get_varint(in, &lits);
    memcpy(o, in, lits);
    o += lits;
    in += lits;
    in = get_varint(in, &mlen);
    if (mlen == 0) break;
    mlen += MIN_MATCH - 1;
    uint32_t off = (uint32_t)in[0] | (uint32_t)in[1] << 8;
    in += 2;
    /* Byte by byte: source and destination overlap when off < mlen. */
    const uint8_t* src = o - off;
    for (uint32_t i = 0; i < mlen; ++i) o[i] = src[i];
    o += mlen;
  }
  return (uint32_t)(o - out);
}

/* Text from a small vocabulary: compressible like prose or source code. */
static void make_input(uint32_t seed) {
  static const char* const words[] = {
      "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "wasm ", "module ",
      "function ", "memory ", "table ", "global ", "export ", "import ", "i32.add ", "local.get ",
      "br_if ", "call ", "return ", "\n", "{ ", "} ", "(", ") ", "; ", "0", "1", "2", "3", "42 "};
  const uint32_t nwords = sizeof words / sizeof words[0];
  uint32_t pos = 0;
  while (pos < IN_SIZE) {
    uint32_t r = rng_next(&seed);
    if ((r & 15) == 0) { /* some noise so not everything matches */
      input[pos++] = (uint8_t)(r >> 8);
      continue;
    }
    const char* w = words[(r >> 4) % nwords];
    while (*w && pos < IN_SIZE) input[pos++] = (uint8_t)*w++;
  }
}

static uint64_t run(uint32_t n) {
  uint64_t h = 0;
  for (uint32_t rep = 0; rep < n; ++rep) {
    make_input(0xc0ffee + rep);
    uint32_t size = compress(input, IN_SIZE, packed);
    uint32_t back = decompress(packed, unpacked);
    int same = back == IN_SIZE && memcmp(input, unpacked, IN_SIZE) == 0;
    h = mix64(h, size);
    h = mix64(h, (uint64_t)same);
    h = mix64(h, packed[size / 2]);
  }
  return h;
}

BENCH_MAIN("lz", 100)
