/* strparse: formats 2 MiB of log-like text records, then parses them back:
 *
 *   id=123456 user="fox_quick" ts=1700000123 price=1234.56 tags=[wasm,jit,io] ok=true
 *
 * splitting lines and key=value fields, parsing integers and fixed-point
 * decimals, unescaping and hashing quoted strings, and counting list items;
 * n rounds with different records. The formatting and parsing are written
 * here (no printf or strtol in the loop), so both sides run the same code.
 * Measures byte-at-a-time scanning, branches on characters and small
 * string copies. */
#include "bench.h"

#define TEXT_SIZE (2u << 20)

static char text[TEXT_SIZE + 256];

static const char* const words[] = {"fox", "quick", "brown", "lazy", "dog", "wasm", "jit", "interp",
                                    "tier", "stack", "heap", "page", "trap", "call", "loop", "br"};
#define NWORDS (sizeof words / sizeof words[0])

static char* put_str(char* p, const char* s) {
  while (*s) *p++ = *s++;
  return p;
}

static char* put_uint(char* p, uint32_t v) {
  char tmp[10];
  int len = 0;
  do {
    tmp[len++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (len) *p++ = tmp[--len];
  return p;
}

/* Fills text with whole records; returns its length. */
static uint32_t generate(uint32_t seed) {
  char* p = text;
  char* end = text + TEXT_SIZE;
  uint32_t id = seed % 1000;
  while (p < end) {
    uint32_t r = rng_next(&seed);
    p = put_str(p, "id=");
    p = put_uint(p, id++);
    p = put_str(p, " user=\"");
    p = put_str(p, words[r % NWORDS]);
    *p++ = (r & 0x100) ? '_' : '\\';
    if (!(r & 0x100)) *p++ = '"'; /* an escaped quote inside the string */
    p = put_str(p, words[(r >> 4) % NWORDS]);
    p = put_str(p, "\" ts=");
    p = put_uint(p, 1700000000u + (r >> 12));
    p = put_str(p, " price=");
    p = put_uint(p, (r >> 9) % 100000);
    *p++ = '.';
    *p++ = (char)('0' + (r >> 3) % 10);
    *p++ = (char)('0' + (r >> 17) % 10);
    p = put_str(p, " tags=[");
    uint32_t ntags = r >> 29;
    for (uint32_t t = 0; t < ntags; ++t) {
      if (t) *p++ = ',';
      p = put_str(p, words[(r >> (2 * t + 5)) % NWORDS]);
    }
    p = put_str(p, (r & 0x200) ? "] ok=true\n" : "] ok=false\n");
  }
  return (uint32_t)(p - text);
}

typedef struct {
  uint64_t ids, ts, cents, string_hash, tags, oks, fields, lines, bad;
} Totals;

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Parses one value starting at p (after '='), accumulating into t; returns
 * the position after it. */
static const char* parse_value(const char* key, uint32_t keylen, const char* p, Totals* t) {
  if (*p == '"') { /* a string with \-escapes */
    char buf[64];
    uint32_t len = 0;
    ++p;
    while (*p != '"') {
      char c = *p++;
      if (c == '\\') c = *p++;
      if (len < sizeof buf) buf[len++] = c;
    }
    ++p;
    uint32_t fnv = 2166136261u;
    for (uint32_t i = 0; i < len; ++i) fnv = (fnv ^ (uint8_t)buf[i]) * 16777619u;
    t->string_hash += fnv;
    return p;
  }
  if (*p == '[') {
    ++p;
    if (*p != ']') {
      ++t->tags;
      for (; *p != ']'; ++p)
        if (*p == ',') ++t->tags;
    }
    return p + 1;
  }
  if (is_digit(*p)) {
    uint64_t v = 0;
    while (is_digit(*p)) v = v * 10 + (uint64_t)(*p++ - '0');
    if (*p == '.') { /* fixed point, two decimals */
      ++p;
      uint32_t frac = 0, digits = 0;
      while (is_digit(*p)) {
        if (digits++ < 2) frac = frac * 10 + (uint32_t)(*p - '0');
        ++p;
      }
      while (digits++ < 2) frac *= 10;
      t->cents += v * 100 + frac;
    } else if (keylen == 2 && key[0] == 'i' && key[1] == 'd') {
      t->ids += v;
    } else {
      t->ts ^= v;
    }
    return p;
  }
  if (p[0] == 't' && p[1] == 'r' && p[2] == 'u' && p[3] == 'e') {
    ++t->oks;
    return p + 4;
  }
  if (p[0] == 'f' && p[1] == 'a' && p[2] == 'l' && p[3] == 's' && p[4] == 'e') return p + 5;
  ++t->bad;
  while (*p != ' ' && *p != '\n') ++p;
  return p;
}

static void parse(const char* p, const char* end, Totals* t) {
  while (p < end) {
    ++t->lines;
    while (*p != '\n') {
      while (*p == ' ') ++p;
      const char* key = p;
      while (*p != '=') ++p;
      uint32_t keylen = (uint32_t)(p - key);
      ++p;
      p = parse_value(key, keylen, p, t);
      ++t->fields;
    }
    ++p;
  }
}

static uint64_t run(uint32_t n) {
  uint64_t h = 0;
  for (uint32_t rep = 0; rep < n; ++rep) {
    uint32_t len = generate(0x2545f491u + rep * 7919u);
    Totals t;
    memset(&t, 0, sizeof t);
    parse(text, text + len, &t);
    h = mix64(h, len);
    h = mix64(h, t.ids);
    h = mix64(h, t.ts);
    h = mix64(h, t.cents);
    h = mix64(h, t.string_hash);
    h = mix64(h, t.tags);
    h = mix64(h, t.oks);
    h = mix64(h, t.fields);
    h = mix64(h, t.lines);
    h = mix64(h, t.bad);
  }
  return h;
}

BENCH_MAIN("strparse", 200)
