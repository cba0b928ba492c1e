// The start-up benchmark's program (see measure_startup.sh).
#include <stdio.h>

int main(void) {
  printf("hello, world\n");
  return 0;
}
