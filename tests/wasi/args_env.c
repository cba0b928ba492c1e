// args_*, environ_*, stdin/stdout/stderr pass-through, and the exit status
// of exit() with output still buffered (flushed before proc_exit).
#include "common.h"

#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) printf("argv[%d] = \"%s\"\n", i, argv[i]);
  for (char** e = environ; *e; ++e)
    if (strncmp(*e, "WASI_TEST", 9) == 0) printf("env %s\n", *e);

  // The raw calls agree with what libc made of them.
  __wasi_size_t count, size;
  CHECK("args_sizes_get", __wasi_args_sizes_get(&count, &size), SUCCESS);
  EXPECT("argc matches", (int)count == argc);
  char** raw = malloc(count * sizeof(char*));
  char* buf = malloc(size);
  CHECK("args_get", __wasi_args_get((uint8_t**)raw, (uint8_t*)buf), SUCCESS);
  EXPECT("args_get strings", count > 0 && strcmp(raw[count - 1], argv[argc - 1]) == 0);
  EXPECT("args_get buffer layout", raw[0] == buf && buf[size - 1] == 0);
  CHECK("environ_sizes_get", __wasi_environ_sizes_get(&count, &size), SUCCESS);
  raw = realloc(raw, (count + 1) * sizeof(char*));
  buf = realloc(buf, size + 1);
  CHECK("environ_get", __wasi_environ_get((uint8_t**)raw, (uint8_t*)buf), SUCCESS);
  EXPECT("environ count", count == 2);
  EXPECT("environ string", count == 2 && strcmp(raw[1], "WASI_TEST_B=x=y") == 0);

  // stdin passes through.
  char line[128];
  while (fgets(line, sizeof line, stdin)) printf("stdin: %s", line);
  fprintf(stderr, "to stderr\n");

  // Stdio descriptors: types and rights.
  __wasi_fdstat_t st;
  CHECK("fd_fdstat_get stdout", __wasi_fd_fdstat_get(1, &st), SUCCESS);
  EXPECT("stdout is not a tty here", !isatty(1));
  int fails = finish();
  printf("exiting with 42, this line has no newline");
  exit(fails ? 1 : 42);  // libc flushes stdout, then proc_exit(42)
}
