// fd_* functions: success and error paths. Run with --map-dir=sandbox::DIR.
#include "common.h"

static __wasi_filestat_t stat_fd(__wasi_fd_t fd) {
  __wasi_filestat_t st;
  memset(&st, 0, sizeof st);
  __wasi_errno_t e = __wasi_fd_filestat_get(fd, &st);
  if (e) printf("fd_filestat_get failed: %d\n", e);
  return st;
}

static int read_exact(__wasi_fd_t fd, char* buf, size_t len) {
  __wasi_iovec_t iov = {(uint8_t*)buf, len};
  __wasi_size_t n = 0;
  return __wasi_fd_read(fd, &iov, 1, &n) == 0 && n == len;
}

static int cmp_str(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

// Names of the entries of `dir` (without . and ..), read `bufLen` bytes at a
// time by cookie, sorted and joined with spaces.
static void list_dir(__wasi_fd_t dir, size_t bufLen, char* out) {
  static uint8_t buf[4096];
  char* names[64];
  int count = 0;
  __wasi_dircookie_t cookie = 0;
  for (;;) {
    __wasi_size_t used = 0;
    if (__wasi_fd_readdir(dir, buf, bufLen, cookie, &used) != 0) break;
    size_t pos = 0;
    int progressed = 0;
    while (pos + sizeof(__wasi_dirent_t) <= used) {
      __wasi_dirent_t d;
      memcpy(&d, buf + pos, sizeof d);
      if (pos + sizeof d + d.d_namlen > used) break;  // cut off: ask again from its cookie
      char* name = malloc(d.d_namlen + 1);
      memcpy(name, buf + pos + sizeof d, d.d_namlen);
      name[d.d_namlen] = 0;
      if (strcmp(name, ".") && strcmp(name, "..") && count < 64) names[count++] = name;
      cookie = d.d_next;
      pos += sizeof d + d.d_namlen;
      progressed = 1;
    }
    if (used < bufLen || !progressed) break;
  }
  qsort(names, count, sizeof names[0], cmp_str);
  out[0] = 0;
  for (int i = 0; i < count; ++i) {
    strcat(out, i ? " " : "");
    strcat(out, names[i]);
    free(names[i]);
  }
}

int main(void) {
  int dir = preopen_fd("sandbox");
  EXPECT("preopen 'sandbox' found", dir >= 3);

  // --- prestat ---
  __wasi_prestat_t ps;
  CHECK("fd_prestat_get preopen", __wasi_fd_prestat_get(dir, &ps), SUCCESS);
  EXPECT("prestat is a dir named sandbox", ps.tag == __WASI_PREOPENTYPE_DIR && ps.u.dir.pr_name_len == 7);
  CHECK("fd_prestat_get stdout", __wasi_fd_prestat_get(1, &ps), BADF);
  CHECK("fd_prestat_get closed fd", __wasi_fd_prestat_get(99, &ps), BADF);
  char name[8];
  CHECK("fd_prestat_dir_name short buffer", __wasi_fd_prestat_dir_name(dir, (uint8_t*)name, 3), NAMETOOLONG);
  CHECK("fd_prestat_dir_name not a preopen", __wasi_fd_prestat_dir_name(2, (uint8_t*)name, 8), BADF);

  // --- write, read, seek, tell ---
  __wasi_fd_t fd;
  CHECK("path_open work.txt CREAT|TRUNC", open_at(dir, "work.txt", 0, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0, &fd),
        SUCCESS);
  __wasi_size_t n = 0;
  CHECK("fd_write", write_str(fd, "hello world\n", &n), SUCCESS);
  EXPECT("fd_write wrote 12 bytes", n == 12);
  __wasi_filesize_t pos = 0;
  CHECK("fd_tell", __wasi_fd_tell(fd, &pos), SUCCESS);
  EXPECT("fd_tell is 12", pos == 12);
  CHECK("fd_seek SET 0", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), SUCCESS);
  CHECK("fd_seek negative", __wasi_fd_seek(fd, -1, __WASI_WHENCE_SET, &pos), INVAL);
  CHECK("fd_seek bad whence", __wasi_fd_seek(fd, 0, 3, &pos), INVAL);
  char buf[64] = {0};
  EXPECT("fd_read 5 bytes: hello", read_exact(fd, buf, 5) && memcmp(buf, "hello", 5) == 0);
  CHECK("fd_seek CUR +1", __wasi_fd_seek(fd, 1, __WASI_WHENCE_CUR, &pos), SUCCESS);
  EXPECT("position 6", pos == 6);
  // Two iovecs in one read.
  char a[3], b[3];
  __wasi_iovec_t iovs[2] = {{(uint8_t*)a, 3}, {(uint8_t*)b, 3}};
  CHECK("fd_read two iovecs", __wasi_fd_read(fd, iovs, 2, &n), SUCCESS);
  EXPECT("scattered into both", n == 6 && memcmp(a, "wor", 3) == 0 && memcmp(b, "ld\n", 3) == 0);
  CHECK("fd_read at EOF", __wasi_fd_read(fd, iovs, 1, &n), SUCCESS);
  EXPECT("EOF reads 0 bytes", n == 0);
  __wasi_iovec_t piov = {(uint8_t*)buf, 5};
  CHECK("fd_pread at 6", __wasi_fd_pread(fd, &piov, 1, 6, &n), SUCCESS);
  EXPECT("fd_pread got world", n == 5 && memcmp(buf, "world", 5) == 0);
  __wasi_ciovec_t wiov = {(const uint8_t*)"J", 1};
  CHECK("fd_pwrite at 0", __wasi_fd_pwrite(fd, &wiov, 1, 0, &n), SUCCESS);
  CHECK("fd_tell after pread/pwrite", __wasi_fd_tell(fd, &pos), SUCCESS);
  EXPECT("pread/pwrite leave the position alone", pos == 12);
  CHECK("fd_pread at 0", __wasi_fd_pread(fd, &piov, 1, 0, &n), SUCCESS);
  EXPECT("fd_pwrite changed the first byte", memcmp(buf, "Jello", 5) == 0);
  CHECK("fd_seek END -1", __wasi_fd_seek(fd, -1, __WASI_WHENCE_END, &pos), SUCCESS);
  EXPECT("END -1 is 11", pos == 11);
  CHECK("fd_sync", __wasi_fd_sync(fd), SUCCESS);
  CHECK("fd_datasync", __wasi_fd_datasync(fd), SUCCESS);

  // --- fdstat ---
  __wasi_fdstat_t fs;
  CHECK("fd_fdstat_get", __wasi_fd_fdstat_get(fd, &fs), SUCCESS);
  EXPECT("regular file, no flags", fs.fs_filetype == __WASI_FILETYPE_REGULAR_FILE && fs.fs_flags == 0);
  EXPECT("has read and write rights",
         (fs.fs_rights_base & (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE)) ==
             (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE));
  CHECK("fd_fdstat_get preopen", __wasi_fd_fdstat_get(dir, &fs), SUCCESS);
  EXPECT("preopen is a directory", fs.fs_filetype == __WASI_FILETYPE_DIRECTORY);
  CHECK("fd_fdstat_set_flags APPEND", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), SUCCESS);
  CHECK("fd_fdstat_get", __wasi_fd_fdstat_get(fd, &fs), SUCCESS);
  EXPECT("APPEND is set", fs.fs_flags == __WASI_FDFLAGS_APPEND);
  CHECK("fd_seek SET 0", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), SUCCESS);
  CHECK("fd_write in append mode", write_str(fd, "+", &n), SUCCESS);
  __wasi_filestat_t st = stat_fd(fd);
  EXPECT("append wrote at the end", st.size == 13);
  CHECK("fd_fdstat_set_flags none", __wasi_fd_fdstat_set_flags(fd, 0), SUCCESS);
  CHECK("fd_fdstat_set_flags unknown bit", __wasi_fd_fdstat_set_flags(fd, 0x100), INVAL);
  CHECK("fd_fdstat_set_flags closed fd", __wasi_fd_fdstat_set_flags(99, 0), BADF);

  // --- filestat ---
  CHECK("fd_filestat_get", __wasi_fd_filestat_get(fd, &st), SUCCESS);
  EXPECT("filestat: regular, 13 bytes, 1 link",
         st.filetype == __WASI_FILETYPE_REGULAR_FILE && st.size == 13 && st.nlink == 1);
  CHECK("fd_filestat_set_size 4", __wasi_fd_filestat_set_size(fd, 4), SUCCESS);
  EXPECT("size is 4", stat_fd(fd).size == 4);
  CHECK("fd_filestat_set_times", __wasi_fd_filestat_set_times(fd, 1000000000000000000ull, 1500000000123456789ull,
                                                               __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM),
        SUCCESS);
  st = stat_fd(fd);
  EXPECT("times were set", st.atim == 1000000000000000000ull && st.mtim == 1500000000123456789ull);
  CHECK("fd_filestat_set_times MTIM_NOW", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), SUCCESS);
  st = stat_fd(fd);
  EXPECT("mtim is now, atim kept", st.mtim > 1600000000000000000ull && st.atim == 1000000000000000000ull);
  CHECK("fd_filestat_set_times ATIM|ATIM_NOW",
        __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW), INVAL);
  CHECK("fd_allocate", __wasi_fd_allocate(fd, 0, 100), SUCCESS);
  EXPECT("allocate grew the file to 100", stat_fd(fd).size == 100);
  CHECK("fd_allocate zero length", __wasi_fd_allocate(fd, 0, 0), INVAL);
  CHECK("fd_advise SEQUENTIAL", __wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_SEQUENTIAL), SUCCESS);
  CHECK("fd_advise DONTNEED", __wasi_fd_advise(fd, 0, 100, __WASI_ADVICE_DONTNEED), SUCCESS);
  CHECK("fd_advise bad advice", __wasi_fd_advise(fd, 0, 0, 9), INVAL);

  // --- rights ---
  CHECK("fd_fdstat_get", __wasi_fd_fdstat_get(fd, &fs), SUCCESS);
  CHECK("fd_fdstat_set_rights drop FD_WRITE",
        __wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE, fs.fs_rights_inheriting),
        SUCCESS);
  CHECK("fd_write without the right", write_str(fd, "x", &n), NOTCAPABLE);
  CHECK("fd_fdstat_set_rights cannot add", __wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base, 0), NOTCAPABLE);

  // --- renumber, close ---
  __wasi_fd_t fd2;
  CHECK("path_open second.txt", open_at(dir, "second.txt", 0, __WASI_OFLAGS_CREAT, 0, &fd2), SUCCESS);
  CHECK("fd_renumber", __wasi_fd_renumber(fd, fd2), SUCCESS);
  EXPECT("the target now is work.txt", stat_fd(fd2).size == 100);
  CHECK("fd_close the renumbered source", __wasi_fd_close(fd), BADF);
  CHECK("fd_renumber to a closed fd", __wasi_fd_renumber(fd2, 99), BADF);
  CHECK("fd_renumber from a closed fd", __wasi_fd_renumber(99, fd2), BADF);
  CHECK("fd_close", __wasi_fd_close(fd2), SUCCESS);
  CHECK("fd_close again", __wasi_fd_close(fd2), BADF);
  CHECK("fd_read closed", __wasi_fd_read(fd2, iovs, 1, &n), BADF);
  CHECK("fd_write closed", write_str(fd2, "x", &n), BADF);
  CHECK("fd_pread closed", __wasi_fd_pread(fd2, &piov, 1, 0, &n), BADF);
  CHECK("fd_pwrite closed", __wasi_fd_pwrite(fd2, &wiov, 1, 0, &n), BADF);
  CHECK("fd_seek closed", __wasi_fd_seek(fd2, 0, __WASI_WHENCE_SET, &pos), BADF);
  CHECK("fd_tell closed", __wasi_fd_tell(fd2, &pos), BADF);
  CHECK("fd_sync closed", __wasi_fd_sync(fd2), BADF);
  CHECK("fd_datasync closed", __wasi_fd_datasync(fd2), BADF);
  CHECK("fd_fdstat_get closed", __wasi_fd_fdstat_get(fd2, &fs), BADF);
  CHECK("fd_fdstat_set_rights closed", __wasi_fd_fdstat_set_rights(fd2, 0, 0), BADF);
  CHECK("fd_filestat_get closed", __wasi_fd_filestat_get(fd2, &st), BADF);
  CHECK("fd_filestat_set_size closed", __wasi_fd_filestat_set_size(fd2, 0), BADF);
  CHECK("fd_filestat_set_times closed", __wasi_fd_filestat_set_times(fd2, 0, 0, 0), BADF);
  CHECK("fd_allocate closed", __wasi_fd_allocate(fd2, 0, 1), BADF);
  CHECK("fd_advise closed", __wasi_fd_advise(fd2, 0, 0, 0), BADF);
  CHECK("fd_readdir closed", __wasi_fd_readdir(fd2, (uint8_t*)buf, sizeof buf, 0, &n), BADF);

  // --- directories ---
  CHECK("path_create_directory rd", __wasi_path_create_directory(dir, "rd"), SUCCESS);
  const char* files[] = {"rd/alpha", "rd/bravo", "rd/charlie", "rd/delta-with-a-longer-name", "rd/echo"};
  for (int i = 0; i < 5; ++i) {
    CHECK("path_open CREAT in rd", open_at(dir, files[i], 0, __WASI_OFLAGS_CREAT, 0, &fd), SUCCESS);
    __wasi_fd_close(fd);
  }
  __wasi_fd_t rd;
  CHECK("path_open rd DIRECTORY", open_at(dir, "rd", 0, __WASI_OFLAGS_DIRECTORY, 0, &rd), SUCCESS);
  char list[512];
  list_dir(rd, 4096, list);
  printf("readdir one call: %s\n", list);
  list_dir(rd, 40, list);
  printf("readdir 40 bytes at a time: %s\n", list);
  list_dir(rd, 24, list);
  printf("readdir 24 bytes at a time: %s\n", list);
  CHECK("fd_readdir past the end", __wasi_fd_readdir(rd, (uint8_t*)buf, sizeof buf, 1000, &n), SUCCESS);
  EXPECT("nothing past the end", n == 0);
  CHECK("fd_readdir on a file", (open_at(dir, "rd/alpha", 0, 0, 0, &fd),
                                 __wasi_fd_readdir(fd, (uint8_t*)buf, sizeof buf, 0, &n)), NOTDIR);
  __wasi_fd_close(fd);
  CHECK("fd_read on a directory", __wasi_fd_read(rd, iovs, 1, &n), NOTCAPABLE);
  // With write rights and without DIRECTORY, a directory still opens as a
  // directory (path_ops.c checks every combination); it cannot be written.
  CHECK("path_open a directory with write rights", open_at(dir, "rd", 0, 0, 0, &fd), SUCCESS);
  CHECK("fd_write to that directory", write_str(fd, "x", &n), NOTCAPABLE);
  __wasi_fd_close(fd);
  CHECK("fd_close rd", __wasi_fd_close(rd), SUCCESS);

  // --- stdio ---
  CHECK("fd_write to stdout", write_str(1, "written with fd_write\n", &n), SUCCESS);
  return finish();
}
