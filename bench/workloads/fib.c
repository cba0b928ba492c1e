/* fib: naive doubly recursive Fibonacci. Measures call and return overhead:
 * almost every instruction executed is part of a call sequence. */
#include "bench.h"

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static uint64_t run(uint32_t n) { return mix64(0, fib(n)); }

BENCH_MAIN("fib", 43)
