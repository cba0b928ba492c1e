/* hashmap: an open-addressing hash map (linear probing, tombstones,
 * doubling when 3/4 full, rehashing into a fresh malloc'd table) from
 * 32-bit keys to 32-bit values, driven through n rounds of a mixed
 * workload: inserts, hits, misses, updates and deletes of pseudo-random
 * keys. Measures hashing, unpredictable memory accesses and branches. */
#include "bench.h"

#define EMPTY 0u
#define TOMBSTONE 1u /* keys 0 and 1 are reserved; the workload avoids them */

typedef struct {
  uint32_t* keys;
  uint32_t* values;
  uint32_t capacity; /* a power of two */
  uint32_t used;     /* live entries + tombstones */
  uint32_t live;
} Map;

static inline uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

static void map_init(Map* m, uint32_t capacity) {
  m->keys = calloc(capacity, sizeof(uint32_t));
  m->values = malloc(capacity * sizeof(uint32_t));
  if (!m->keys || !m->values) exit(3);
  m->capacity = capacity;
  m->used = m->live = 0;
}

static void map_free(Map* m) {
  free(m->keys);
  free(m->values);
}

static void map_put(Map* m, uint32_t key, uint32_t value);

static void map_grow(Map* m) {
  Map bigger;
  /* Only grow when live entries need it; otherwise just drop tombstones. */
  map_init(&bigger, m->live * 2 >= m->capacity ? m->capacity * 2 : m->capacity);
  for (uint32_t i = 0; i < m->capacity; ++i)
    if (m->keys[i] > TOMBSTONE) map_put(&bigger, m->keys[i], m->values[i]);
  map_free(m);
  *m = bigger;
}

static void map_put(Map* m, uint32_t key, uint32_t value) {
  if ((m->used + 1) * 4 > m->capacity * 3) map_grow(m);
  uint32_t mask = m->capacity - 1;
  uint32_t i = hash32(key) & mask;
  uint32_t grave = 0xffffffffu;
  for (;;) {
    uint32_t k = m->keys[i];
    if (k == key) {
      m->values[i] = value;
      return;
    }
    if (k == EMPTY) break;
    if (k == TOMBSTONE && grave == 0xffffffffu) grave = i;
    i = (i + 1) & mask;
  }
  if (grave != 0xffffffffu) {
    i = grave;
  } else {
    ++m->used;
  }
  m->keys[i] = key;
  m->values[i] = value;
  ++m->live;
}

/* Returns 1 and the value in *value if present. */
static int map_get(const Map* m, uint32_t key, uint32_t* value) {
  uint32_t mask = m->capacity - 1;
  for (uint32_t i = hash32(key) & mask;; i = (i + 1) & mask) {
    uint32_t k = m->keys[i];
    if (k == key) {
      *value = m->values[i];
      return 1;
    }
    if (k == EMPTY) return 0;
  }
}

static int map_remove(Map* m, uint32_t key) {
  uint32_t mask = m->capacity - 1;
  for (uint32_t i = hash32(key) & mask;; i = (i + 1) & mask) {
    uint32_t k = m->keys[i];
    if (k == key) {
      m->keys[i] = TOMBSTONE;
      --m->live;
      return 1;
    }
    if (k == EMPTY) return 0;
  }
}

static uint64_t run(uint32_t n) {
  uint64_t h = 0;
  for (uint32_t rep = 0; rep < n; ++rep) {
    Map m;
    map_init(&m, 16);
    uint32_t seed = 0x51ed270bu + rep;
    const uint32_t ops = 1u << 20;
    const uint32_t key_range = 1u << 19; /* about half the lookups miss */
    uint64_t found = 0, sum = 0, removed = 0;
    for (uint32_t op = 0; op < ops; ++op) {
      uint32_t r = rng_next(&seed);
      uint32_t key = 2 + (r >> 8) % key_range;
      uint32_t value;
      switch (r & 7) {
        case 0: case 1: case 2:
          map_put(&m, key, op);
          break;
        case 3:
          removed += map_remove(&m, key);
          break;
        default:
          if (map_get(&m, key, &value)) {
            ++found;
            sum += value;
          }
      }
    }
    h = mix64(h, found);
    h = mix64(h, sum);
    h = mix64(h, removed);
    h = mix64(h, m.live);
    h = mix64(h, m.capacity);
    map_free(&m);
  }
  return h;
}

BENCH_MAIN("hashmap", 24)
