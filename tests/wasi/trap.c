// A trap ends the program with status 1 and "Exception: ..." on stdout.
#include <stdio.h>

int main(void) {
  printf("about to trap\n");
  fflush(stdout);
  __builtin_trap();
}
