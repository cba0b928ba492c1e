/* Native driver for one benchmark kernel: `kernel-native N` runs run(N) and
 * prints the checksum in the format `strata run --invoke run` uses for an
 * i64 result, so bench/run_kernels.py can compare the two outputs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t run(uint32_t n);

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s N\n", argv[0]);
    return 2;
  }
  uint32_t n = (uint32_t)strtoul(argv[1], NULL, 0);
  printf("0x%llx:i64\n", (unsigned long long)run(n));
  return 0;
}
