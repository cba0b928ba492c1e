/* The start-up benchmark's program (bench/startup.sh): a WASI hello world,
 * so what is measured is the runtime's own start-up, instantiation of a
 * wasi-libc program, one fd_write and proc_exit. */
#include <stdio.h>

int main(void) {
  puts("Hello, world!");
  return 0;
}
