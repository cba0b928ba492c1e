// Bad guest pointers and lengths give FAULT, never a host crash. Calls the
// imports directly (the <wasi/api.h> wrappers take C strings).
#include "common.h"

#define IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
IMPORT(fd_write) int raw_fd_write(int, int, int, int);
IMPORT(fd_read) int raw_fd_read(int, int, int, int);
IMPORT(args_get) int raw_args_get(int, int);
IMPORT(args_sizes_get) int raw_args_sizes_get(int, int);
IMPORT(environ_get) int raw_environ_get(int, int);
IMPORT(clock_time_get) int raw_clock_time_get(int, long long, int);
IMPORT(random_get) int raw_random_get(int, int);
IMPORT(path_open) int raw_path_open(int, int, int, int, int, long long, long long, int, int);
IMPORT(path_create_directory) int raw_path_create_directory(int, int, int);
IMPORT(path_symlink) int raw_path_symlink(int, int, int, int, int);
IMPORT(fd_prestat_dir_name) int raw_fd_prestat_dir_name(int, int, int);
IMPORT(fd_readdir) int raw_fd_readdir(int, int, int, long long, int);
IMPORT(poll_oneoff) int raw_poll_oneoff(int, int, int, int);
IMPORT(fd_filestat_get) int raw_fd_filestat_get(int, int);
IMPORT(fd_seek) int raw_fd_seek(int, long long, int, int);

static char scratch[64];

int main(void) {
  const unsigned mem = (unsigned)__builtin_wasm_memory_size(0) * 65536u;
  const int dir = preopen_fd("sandbox");
  const int s = (int)(uintptr_t)scratch;
  const int end = (int)mem;
  printf("memory ends at a page boundary: %s\n", mem % 65536 == 0 ? "yes" : "no");

  // iovec array out of bounds; iovec buffer out of bounds; result pointer out of bounds
  CHECK("fd_write iovs past the end", raw_fd_write(1, end - 4, 1, s), FAULT);
  CHECK("fd_write iovs wrapping", raw_fd_write(1, -8, 1, s), FAULT);
  int* iov = (int*)scratch;
  iov[0] = end - 2;  // 2 bytes left, 4 asked
  iov[1] = 4;
  CHECK("fd_write buffer past the end", raw_fd_write(1, s, 1, s + 16), FAULT);
  iov[0] = 0x7ffffff0;
  iov[1] = 0x7ffffff0;
  CHECK("fd_read huge buffer", raw_fd_read(0, s, 1, s + 16), FAULT);
  iov[0] = s + 32;
  iov[1] = 4;
  CHECK("fd_read result pointer past the end", raw_fd_read(0, s, 1, end - 3), FAULT);
  CHECK("fd_read result pointer at the very end", raw_fd_read(0, s, 1, -1), FAULT);
  CHECK("fd_write result pointer ok at end-4", raw_fd_write(1, s, 0, end - 4), SUCCESS);

  CHECK("args_sizes_get bad pointer", raw_args_sizes_get(end, s), FAULT);
  CHECK("args_get bad argv", raw_args_get(end - 1, s), FAULT);
  CHECK("args_get bad buffer", raw_args_get(s, end - 1), FAULT);
  CHECK("environ_get bad buffer", raw_environ_get(s, -1), FAULT);
  CHECK("clock_time_get bad pointer", raw_clock_time_get(0, 0, end - 7), FAULT);
  CHECK("random_get past the end", raw_random_get(end - 10, 11), FAULT);
  CHECK("random_get huge", raw_random_get(16, -16), FAULT);
  CHECK("random_get up to the last byte", raw_random_get(end - 10, 10), SUCCESS);
  CHECK("path_open path past the end", raw_path_open(dir, 0, end - 2, 5, 0, 0, 0, 0, s), FAULT);
  CHECK("path_open bad result pointer", raw_path_open(dir, 0, (int)(uintptr_t) "file.txt", 8, 0, 0, 0, 0, end),
        FAULT);
  CHECK("path with a NUL byte", raw_path_create_directory(dir, (int)(uintptr_t) "ab\0cd", 5), INVAL);
  CHECK("path_create_directory huge length", raw_path_create_directory(dir, 1024, -1), FAULT);
  CHECK("path_symlink bad target", raw_path_symlink(end, 4, dir, (int)(uintptr_t) "x", 1), FAULT);
  CHECK("fd_prestat_dir_name bad buffer", raw_fd_prestat_dir_name(dir, end - 3, 7), FAULT);
  CHECK("fd_readdir bad buffer", raw_fd_readdir(dir, end - 8, 64, 0, s), FAULT);
  CHECK("fd_readdir bad result pointer", raw_fd_readdir(dir, s, 64, 0, end), FAULT);
  CHECK("poll_oneoff bad subscriptions", raw_poll_oneoff(end - 40, s, 1, s + 60), FAULT);
  CHECK("poll_oneoff bad events", raw_poll_oneoff(s, end - 16, 1, s + 60), FAULT);
  CHECK("fd_filestat_get bad pointer", raw_fd_filestat_get(1, end - 32), FAULT);
  CHECK("fd_seek bad pointer", raw_fd_seek(1, 0, 1, end - 4), FAULT);
  CHECK("BADF comes before FAULT", raw_fd_seek(99, 0, 1, end - 4), BADF);
  return finish();
}
