// A WASI reactor (-mexec-model=reactor): `strata run --invoke add` must run
// _initialize (libc set-up and constructors) before calling add.
#include <stdio.h>

static int initialized;
__attribute__((constructor)) static void init(void) { initialized = 42; }

__attribute__((export_name("add"))) int add(int a, int b) {
  printf("add called, initialized = %d\n", initialized);
  fflush(stdout);
  return a + b;
}
