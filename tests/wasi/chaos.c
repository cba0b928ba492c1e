// Random calls of every WASI function (but proc_exit) with random, often
// invalid, arguments: pointers near and past the end of memory, huge
// lengths, bad fds, hostile paths. The host must answer each with an errno
// and never crash; the harness checks nothing outside the sandbox changed.
// Deterministic (fixed seed). Never touches fds 1 and 2 so the output stays
// checkable.
#include "common.h"

#define IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
typedef long long i64;
IMPORT(args_get) int w_args_get(int, int);
IMPORT(args_sizes_get) int w_args_sizes_get(int, int);
IMPORT(environ_get) int w_environ_get(int, int);
IMPORT(environ_sizes_get) int w_environ_sizes_get(int, int);
IMPORT(clock_res_get) int w_clock_res_get(int, int);
IMPORT(clock_time_get) int w_clock_time_get(int, i64, int);
IMPORT(fd_advise) int w_fd_advise(int, i64, i64, int);
IMPORT(fd_allocate) int w_fd_allocate(int, i64, i64);
IMPORT(fd_close) int w_fd_close(int);
IMPORT(fd_datasync) int w_fd_datasync(int);
IMPORT(fd_fdstat_get) int w_fd_fdstat_get(int, int);
IMPORT(fd_fdstat_set_flags) int w_fd_fdstat_set_flags(int, int);
IMPORT(fd_fdstat_set_rights) int w_fd_fdstat_set_rights(int, i64, i64);
IMPORT(fd_filestat_get) int w_fd_filestat_get(int, int);
IMPORT(fd_filestat_set_size) int w_fd_filestat_set_size(int, i64);
IMPORT(fd_filestat_set_times) int w_fd_filestat_set_times(int, i64, i64, int);
IMPORT(fd_pread) int w_fd_pread(int, int, int, i64, int);
IMPORT(fd_prestat_get) int w_fd_prestat_get(int, int);
IMPORT(fd_prestat_dir_name) int w_fd_prestat_dir_name(int, int, int);
IMPORT(fd_pwrite) int w_fd_pwrite(int, int, int, i64, int);
IMPORT(fd_read) int w_fd_read(int, int, int, int);
IMPORT(fd_readdir) int w_fd_readdir(int, int, int, i64, int);
IMPORT(fd_renumber) int w_fd_renumber(int, int);
IMPORT(fd_seek) int w_fd_seek(int, i64, int, int);
IMPORT(fd_sync) int w_fd_sync(int);
IMPORT(fd_tell) int w_fd_tell(int, int);
IMPORT(fd_write) int w_fd_write(int, int, int, int);
IMPORT(path_create_directory) int w_path_create_directory(int, int, int);
IMPORT(path_filestat_get) int w_path_filestat_get(int, int, int, int, int);
IMPORT(path_filestat_set_times) int w_path_filestat_set_times(int, int, int, int, i64, i64, int);
IMPORT(path_link) int w_path_link(int, int, int, int, int, int, int);
IMPORT(path_open) int w_path_open(int, int, int, int, int, i64, i64, int, int);
IMPORT(path_readlink) int w_path_readlink(int, int, int, int, int, int);
IMPORT(path_remove_directory) int w_path_remove_directory(int, int, int);
IMPORT(path_rename) int w_path_rename(int, int, int, int, int, int);
IMPORT(path_symlink) int w_path_symlink(int, int, int, int, int);
IMPORT(path_unlink_file) int w_path_unlink_file(int, int, int);
IMPORT(poll_oneoff) int w_poll_oneoff(int, int, int, int);
IMPORT(proc_raise) int w_proc_raise(int);
IMPORT(random_get) int w_random_get(int, int);
IMPORT(sched_yield) int w_sched_yield(void);
IMPORT(sock_accept) int w_sock_accept(int, int, int);
IMPORT(sock_recv) int w_sock_recv(int, int, int, int, int, int);
IMPORT(sock_send) int w_sock_send(int, int, int, int, int);
IMPORT(sock_shutdown) int w_sock_shutdown(int, int);

static uint64_t state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (uint32_t)(state >> 16);
}

// Calls get pointers into the first 4 KiB; the rest absorbs what the host
// writes past them (random_get of up to 4 KiB, a long directory listing).
static uint8_t scratch[65536];
#define SCRATCH_USED 4096
static unsigned mem_end;

static const char* paths[] = {
    "file.txt", "sub", "sub/inner.txt", "new", "new/x", "..", "../outside", "../outside/secret.txt",
    "/etc/passwd", "link_out", "link_dir_out/secret.txt", "chain1", "chain1/secret.txt", "sub/upup/outside",
    "sub/up/file.txt", "loop1", ".", "sub/..", "sub/../..", "a/b/c", "g", "g/secret.txt", "nonempty",
    "nonempty/x", "file.txt/", "sub/", "link_newfile_out", "r1", "r2"};
static const char* targets[] = {"../outside", "/etc", "file.txt", "sub/upup", "g", "..", "nonexistent", "sub"};
#define COUNT(a) (int)(sizeof(a) / sizeof((a)[0]))

// Out of bounds, anywhere from the end of memory to 2^32.
static int oob(void) { return (int)(mem_end + rnd() % (0u - mem_end)); }
// A pointer: mostly into scratch, sometimes into the last page (which
// nothing else uses, see main) right up to its end, or out of bounds.
// Never into the program's own data: the host may write there.
static int ptr(void) {
  switch (rnd() % 8) {
    case 0: return (int)(mem_end - (rnd() % 64));
    case 1: return oob();
    case 2: return (int)(mem_end - 65536 + rnd() % 65536);
    default: return (int)(uintptr_t)(scratch + rnd() % SCRATCH_USED);
  }
}
static int len(void) {
  switch (rnd() % 6) {
    case 0: return (int)rnd();
    case 1: return 0;
    default: return (int)(rnd() % 64);
  }
}
static i64 wide(void) {
  switch (rnd() % 4) {
    case 0: return (i64)(((uint64_t)rnd() << 32) | rnd());
    case 1: return -(i64)(rnd() % 100);
    default: return rnd() % 4096;
  }
}
// A descriptor other than 1 and 2 (stdout, stderr).
static int fd(void) {
  static const int fds[] = {0, 3, 3, 3, 4, 5, 6, 7, 8, 99, -1};
  return fds[rnd() % COUNT(fds)];
}
// A descriptor to close, renumber or cut the rights of: the preopen (3)
// only near the end, so most calls have a directory to work in.
static int iteration;
static int victim(void) {
  static const int fds[] = {0, 4, 5, 6, 7, 8, 99, -1};
  return iteration > 19000 && rnd() % 4 == 0 ? 3 : fds[rnd() % COUNT(fds)];
}
// A path argument: a pointer and length, mostly a real one.
static void path(int* p, int* l) {
  if (rnd() % 6 == 0) {
    *p = ptr();
    *l = len();
    return;
  }
  const char* s = paths[rnd() % COUNT(paths)];
  *p = (int)(uintptr_t)s;
  *l = (int)strlen(s);
}
// Fills scratch with plausible iovecs and subscriptions.
static void fill_scratch(void) {
  for (size_t i = 0; i < SCRATCH_USED; i += 4) {
    uint32_t v = rnd() % 3 ? (uint32_t)(uintptr_t)(scratch + 2048 + rnd() % 1024) : (uint32_t)oob();
    if (i % 8 == 4) v = rnd() % 3 ? rnd() % 512 : rnd();
    memcpy(scratch + i, &v, 4);
  }
}

int main(void) {
  // A page of our own at the end: malloc (sbrk) only grows past it.
  __builtin_wasm_memory_grow(0, 1);
  mem_end = (unsigned)__builtin_wasm_memory_size(0) * 65536u;
  int calls = 0, ok = 0;
  for (int i = 0; i < 20000; ++i) {
    iteration = i;
    if (i % 64 == 0) fill_scratch();
    int p1, l1, p2, l2, r = 0;
    switch (rnd() % 45) {
      case 0: r = w_args_get(ptr(), ptr()); break;
      case 1: r = w_args_sizes_get(ptr(), ptr()); break;
      case 2: r = w_environ_get(ptr(), ptr()); break;
      case 3: r = w_environ_sizes_get(ptr(), ptr()); break;
      case 4: r = w_clock_res_get(rnd() % 6, ptr()); break;
      case 5: r = w_clock_time_get(rnd() % 6, wide(), ptr()); break;
      case 6: r = w_fd_advise(fd(), wide(), wide(), rnd() % 8); break;
      case 7: r = w_fd_allocate(fd(), rnd() % 100000, rnd() % 100000); break;  // no disk filling
      case 8: r = w_fd_close(victim()); break;
      case 9: r = w_fd_datasync(fd()); break;
      case 10: r = w_fd_fdstat_get(fd(), ptr()); break;
      case 11: r = w_fd_fdstat_set_flags(fd(), rnd() % 32 & ~16); break;
      case 12: r = w_fd_fdstat_set_rights(victim(), wide(), wide()); break;
      case 13: r = w_fd_filestat_get(fd(), ptr()); break;
      case 14: r = w_fd_filestat_set_size(fd(), wide()); break;
      case 15: r = w_fd_filestat_set_times(fd(), wide(), wide(), rnd() % 20); break;
      case 16: r = w_fd_pread(fd(), ptr(), rnd() % 4, wide(), ptr()); break;
      case 17: r = w_fd_prestat_get(fd(), ptr()); break;
      case 18: r = w_fd_prestat_dir_name(fd(), ptr(), len()); break;
      case 19: r = w_fd_pwrite(fd(), ptr(), rnd() % 4, wide(), ptr()); break;
      case 20: r = w_fd_read(fd(), ptr(), rnd() % 4, ptr()); break;
      case 21: r = w_fd_readdir(fd(), ptr(), len(), wide(), ptr()); break;
      case 22: {  // never onto stdout/stderr
        int a = victim(), b = victim();
        r = w_fd_renumber(a, b);
        break;
      }
      case 23: r = w_fd_seek(fd(), wide(), rnd() % 4, ptr()); break;
      case 24: r = w_fd_sync(fd()); break;
      case 25: r = w_fd_tell(fd(), ptr()); break;
      case 26: r = w_fd_write(fd(), ptr(), rnd() % 4, ptr()); break;
      case 27: path(&p1, &l1); r = w_path_create_directory(fd(), p1, l1); break;
      case 28: path(&p1, &l1); r = w_path_filestat_get(fd(), rnd() % 2, p1, l1, ptr()); break;
      case 29: path(&p1, &l1); r = w_path_filestat_set_times(fd(), rnd() % 2, p1, l1, wide(), wide(), rnd() % 16); break;
      case 30: path(&p1, &l1); path(&p2, &l2); r = w_path_link(fd(), rnd() % 2, p1, l1, fd(), p2, l2); break;
      case 31:
        path(&p1, &l1);
        r = w_path_open(fd(), rnd() % 2, p1, l1, rnd() % 16, (i64)rnd() << (rnd() % 8), -1, rnd() % 32 & ~16, ptr());
        break;
      case 32: path(&p1, &l1); r = w_path_readlink(fd(), p1, l1, ptr(), len(), ptr()); break;
      case 33: path(&p1, &l1); r = w_path_remove_directory(fd(), p1, l1); break;
      case 34: path(&p1, &l1); path(&p2, &l2); r = w_path_rename(fd(), p1, l1, fd(), p2, l2); break;
      case 35: {
        const char* t = targets[rnd() % COUNT(targets)];
        path(&p2, &l2);
        r = w_path_symlink((int)(uintptr_t)t, rnd() % 5 ? (int)strlen(t) : len(), fd(), p2, l2);
        break;
      }
      case 36: path(&p1, &l1); r = w_path_unlink_file(fd(), p1, l1); break;
      case 37: {  // clock subscriptions with short timeouts only, or a bad count
        __wasi_subscription_t* s = (__wasi_subscription_t*)(scratch + 1024);
        int n = 1 + rnd() % 3;
        for (int k = 0; k < n; ++k) {
          memset(&s[k], 0, sizeof s[k]);
          s[k].u.tag = __WASI_EVENTTYPE_CLOCK;
          s[k].u.u.clock.id = rnd() % 5;
          s[k].u.u.clock.timeout = rnd() % 1000;
          s[k].u.u.clock.flags = rnd() % 2;
        }
        r = rnd() % 4 ? w_poll_oneoff((int)(uintptr_t)s, ptr(), n, ptr()) : w_poll_oneoff(ptr(), ptr(), 0, ptr());
        break;
      }
      case 38: r = w_proc_raise(rnd() % 32); break;
      case 39: r = w_random_get(ptr(), len() % 4096); break;
      case 40: r = w_sched_yield(); break;
      case 41: r = w_sock_accept(fd(), rnd() % 8, ptr()); break;
      case 42: r = w_sock_recv(fd(), ptr(), rnd() % 4, rnd() % 4, ptr(), ptr()); break;
      case 43: r = w_sock_send(fd(), ptr(), rnd() % 4, rnd() % 2, ptr()); break;
      case 44: r = w_sock_shutdown(fd(), rnd() % 4); break;
    }
    ++calls;
    if (r == 0) ++ok;
    if (r < 0 || r > 76) {
      printf("call %d returned %d, not an errno\n", i, r);
      return 1;
    }
  }
  printf("%d calls answered with an errno (%s succeeded)\n", calls, ok > 100 ? "many" : "few");
  return 0;
}
