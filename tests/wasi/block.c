// block read | block sleep SECONDS: a guest that waits in a host call, for
// the interrupt tests (interrupt_test.sh): `read` reads stdin to its end,
// `sleep` sleeps (poll_oneoff). Either prints what it did when it returns.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "read") == 0) {
    char buf[256];
    long total = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) total += n;
    printf("read %ld bytes\n", total);
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "sleep") == 0) {
    sleep((unsigned)atoi(argv[2]));
    printf("slept %s s\n", argv[2]);
    return 0;
  }
  fprintf(stderr, "usage: block read | block sleep SECONDS\n");
  return 2;
}
