#include "lz.h"

#include <stdlib.h>
#include <string.h>

#define WINDOW 65536
#define MIN_MATCH 3
#define MAX_MATCH (255 + MIN_MATCH)
#define HASH_BITS 15
#define MAX_CHAIN 64

uint32_t lz_crc32(const uint8_t* data, size_t n) {
  static uint32_t table[256];
  static int ready;
  if (!ready) {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    ready = 1;
  }
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

static void put32(uint8_t* p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static uint32_t get32(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t lz_bound(size_t n) { return 8 + n + n / 8 + 1 + 4; }

static uint32_t hash3(const uint8_t* p) {
  uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
  return (v * 2654435761u) >> (32 - HASH_BITS);
}

size_t lz_compress(const uint8_t* in, size_t n, uint8_t* out) {
  int32_t* head = malloc(sizeof(int32_t) << HASH_BITS);
  int32_t* prev = malloc(sizeof(int32_t) * WINDOW);
  for (size_t i = 0; i < (1u << HASH_BITS); ++i) head[i] = -1;
  memcpy(out, "SLZ1", 4);
  put32(out + 4, (uint32_t)n);
  size_t o = 8, flagPos = 0;
  int items = 8;
  size_t i = 0;
  while (i < n) {
    if (items == 8) {
      flagPos = o++;
      out[flagPos] = 0;
      items = 0;
    }
    size_t bestLen = 0, bestDist = 0;
    if (i + MIN_MATCH <= n) {
      uint32_t h = hash3(in + i);
      int32_t cand = head[h];
      size_t maxLen = n - i < MAX_MATCH ? n - i : MAX_MATCH;
      for (int chain = 0; cand >= 0 && i - (size_t)cand <= WINDOW && chain < MAX_CHAIN; ++chain) {
        size_t len = 0;
        while (len < maxLen && in[cand + len] == in[i + len]) ++len;
        if (len > bestLen) {
          bestLen = len;
          bestDist = i - (size_t)cand;
          if (len == maxLen) break;
        }
        cand = prev[cand % WINDOW];
      }
    }
    size_t advance = bestLen >= MIN_MATCH ? bestLen : 1;
    if (bestLen >= MIN_MATCH) {
      out[flagPos] |= (uint8_t)(1u << items);
      out[o++] = (uint8_t)(bestDist - 1);
      out[o++] = (uint8_t)((bestDist - 1) >> 8);
      out[o++] = (uint8_t)(bestLen - MIN_MATCH);
    } else {
      out[o++] = in[i];
    }
    ++items;
    for (size_t k = 0; k < advance; ++k, ++i) {
      if (i + MIN_MATCH <= n) {
        uint32_t h = hash3(in + i);
        prev[i % WINDOW] = head[h];
        head[h] = (int32_t)i;
      }
    }
  }
  put32(out + o, lz_crc32(in, n));
  o += 4;
  free(head);
  free(prev);
  return o;
}

long long lz_original_size(const uint8_t* in, size_t n) {
  if (n < 12 || memcmp(in, "SLZ1", 4) != 0) return -1;
  return get32(in + 4);
}

int lz_decompress(const uint8_t* in, size_t n, uint8_t* out, size_t outSize) {
  if (lz_original_size(in, n) != (long long)outSize) return -1;
  size_t p = 8, o = 0;
  const size_t end = n - 4;
  while (o < outSize) {
    if (p >= end) return -1;
    uint8_t flags = in[p++];
    for (int k = 0; k < 8 && o < outSize; ++k) {
      if (flags & (1u << k)) {
        if (p + 3 > end) return -1;
        size_t dist = ((size_t)in[p] | (size_t)in[p + 1] << 8) + 1;
        size_t len = (size_t)in[p + 2] + MIN_MATCH;
        p += 3;
        if (dist > o || len > outSize - o) return -1;
        for (size_t j = 0; j < len; ++j, ++o) out[o] = out[o - dist];
      } else {
        if (p >= end) return -1;
        out[o++] = in[p++];
      }
    }
  }
  if (p != end) return -1;
  return lz_crc32(out, outSize) == get32(in + end) ? 0 : -1;
}
