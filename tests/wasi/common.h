// Shared helpers of the WASI test programs: raw preview1 calls through
// <wasi/api.h> so every errno is checked exactly, and a line per check.
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int g_failures;

static const char* errno_name(int e) {
  switch (e) {
    case __WASI_ERRNO_SUCCESS: return "SUCCESS";
    case __WASI_ERRNO_ACCES: return "ACCES";
    case __WASI_ERRNO_BADF: return "BADF";
    case __WASI_ERRNO_EXIST: return "EXIST";
    case __WASI_ERRNO_FAULT: return "FAULT";
    case __WASI_ERRNO_INVAL: return "INVAL";
    case __WASI_ERRNO_ISDIR: return "ISDIR";
    case __WASI_ERRNO_LOOP: return "LOOP";
    case __WASI_ERRNO_NAMETOOLONG: return "NAMETOOLONG";
    case __WASI_ERRNO_NOENT: return "NOENT";
    case __WASI_ERRNO_NOSYS: return "NOSYS";
    case __WASI_ERRNO_NOTDIR: return "NOTDIR";
    case __WASI_ERRNO_NOTEMPTY: return "NOTEMPTY";
    case __WASI_ERRNO_NOTSOCK: return "NOTSOCK";
    case __WASI_ERRNO_NOTSUP: return "NOTSUP";
    case __WASI_ERRNO_PERM: return "PERM";
    case __WASI_ERRNO_SPIPE: return "SPIPE";
    case __WASI_ERRNO_XDEV: return "XDEV";
    case __WASI_ERRNO_NOTCAPABLE: return "NOTCAPABLE";
    default: {
      static char buf[16];
      snprintf(buf, sizeof buf, "errno%d", e);
      return buf;
    }
  }
}

// CHECK(what, call, EXPECTED): prints "ok   what -> EXPECTED" or a FAIL line.
#define CHECK(what, call, want) check_errno(what, (call), __WASI_ERRNO_##want, __LINE__)
static int check_errno(const char* what, int got, int want, int line) {
  if (got == want) {
    printf("ok   %s -> %s\n", what, errno_name(want));
    return 1;
  }
  printf("FAIL %s (line %d): got %s, ", what, line, errno_name(got));
  printf("want %s\n", errno_name(want));
  ++g_failures;
  return 0;
}

// EXPECT(what, condition): a value check.
#define EXPECT(what, cond) expect_true(what, (cond), #cond, __LINE__)
static int expect_true(const char* what, int ok, const char* text, int line) {
  if (ok) {
    printf("ok   %s\n", what);
    return 1;
  }
  printf("FAIL %s (line %d): %s\n", what, line, text);
  ++g_failures;
  return 0;
}

static int finish(void) {
  printf("%s\n", g_failures ? "FAILED" : "all passed");
  return g_failures ? 1 : 0;
}

// The fd of the preopened directory the guest calls `name`, or -1.
static int preopen_fd(const char* name) {
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) break;
    char buf[256];
    if (ps.u.dir.pr_name_len >= sizeof buf) continue;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t*)buf, ps.u.dir.pr_name_len) != 0) continue;
    buf[ps.u.dir.pr_name_len] = 0;
    if (strcmp(buf, name) == 0) return (int)fd;
  }
  return -1;
}

#define RIGHTS_ALL ((__wasi_rights_t)0x3fffffff)

// path_open with every right; *fd receives the new descriptor.
static __wasi_errno_t open_at(int dir, const char* path, __wasi_lookupflags_t lookup, __wasi_oflags_t oflags,
                              __wasi_fdflags_t fdflags, __wasi_fd_t* fd) {
  return __wasi_path_open((__wasi_fd_t)dir, lookup, path, oflags, RIGHTS_ALL, RIGHTS_ALL, fdflags, fd);
}

static __wasi_errno_t write_str(__wasi_fd_t fd, const char* s, __wasi_size_t* n) {
  __wasi_ciovec_t iov = {(const uint8_t*)s, strlen(s)};
  return __wasi_fd_write(fd, &iov, 1, n);
}
