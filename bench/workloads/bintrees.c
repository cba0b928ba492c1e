/* bintrees: allocate, walk and free complete binary trees through
 * malloc/free (the Computer Language Benchmarks Game's binary-trees, single
 * threaded): one long-lived tree of depth n, and for every depth d from 4 to
 * n, 2^(n - d + 4) short-lived trees of depth d. Measures the allocator
 * (wasi-libc's dlmalloc against the system malloc), pointer chasing and
 * recursion. */
#include "bench.h"

typedef struct Node {
  struct Node* left;
  struct Node* right;
} Node;

static Node* make(uint32_t depth) {
  Node* node = malloc(sizeof(Node));
  if (!node) exit(3);
  if (depth == 0) {
    node->left = node->right = NULL;
  } else {
    node->left = make(depth - 1);
    node->right = make(depth - 1);
  }
  return node;
}

static uint32_t check(const Node* node) {
  return node->left ? 1 + check(node->left) + check(node->right) : 1;
}

static void release(Node* node) {
  if (node->left) {
    release(node->left);
    release(node->right);
  }
  free(node);
}

static uint64_t run(uint32_t n) {
  const uint32_t min_depth = 4;
  uint32_t max_depth = n < min_depth + 2 ? min_depth + 2 : n;
  uint64_t h = 0;
  Node* stretch = make(max_depth + 1);
  h = mix64(h, check(stretch));
  release(stretch);
  Node* long_lived = make(max_depth);
  for (uint32_t d = min_depth; d <= max_depth; d += 2) {
    uint32_t iterations = 1u << (max_depth - d + min_depth);
    uint64_t total = 0;
    for (uint32_t i = 0; i < iterations; ++i) {
      Node* t = make(d);
      total += check(t);
      release(t);
    }
    h = mix64(h, total);
  }
  h = mix64(h, check(long_lived));
  release(long_lived);
  return h;
}

BENCH_MAIN("bintrees", 18)
