/* The smallest useful guest: two exported functions, no imports, no libc.
 * Built by CMake into build/samples/hello/hello.wasm; run with
 *
 *     strata run --invoke fib build/samples/hello/hello.wasm 20
 *     strata run --invoke add build/samples/hello/hello.wasm 2 40
 */
#include <stdint.h>

__attribute__((export_name("add"))) int32_t add(int32_t a, int32_t b) { return a + b; }

/* Recursive on purpose: a sample that makes real wasm calls. */
__attribute__((export_name("fib"))) int32_t fib(int32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
