// proc_exit from deep inside the call stack unwinds all of it.
#include <wasi/api.h>
#include <stdio.h>

__attribute__((noinline)) static int recurse(int n) {
  if (n == 0) {
    fflush(stdout);
    __wasi_proc_exit(77);
  }
  return recurse(n - 1) + 1;
}

int main(void) {
  printf("before\n");
  int r = recurse(1000);
  printf("not reached %d\n", r);
  return 0;
}
