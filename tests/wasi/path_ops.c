// path_* functions: success and error paths. Run with --map-dir=sandbox::DIR
// on the fixture of run_wasi_test.sh.
#include "common.h"

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

static int dir;

static __wasi_filestat_t stat_path(const char* path, int follow) {
  __wasi_filestat_t st;
  memset(&st, 0, sizeof st);
  __wasi_path_filestat_get(dir, follow ? FOLLOW : 0, path, &st);
  return st;
}

static int file_is(const char* path, const char* content) {
  __wasi_fd_t fd;
  if (open_at(dir, path, FOLLOW, 0, 0, &fd)) return 0;
  char buf[256];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf - 1};
  __wasi_size_t n = 0;
  __wasi_fd_read(fd, &iov, 1, &n);
  __wasi_fd_close(fd);
  buf[n] = 0;
  return strcmp(buf, content) == 0;
}

int main(void) {
  dir = preopen_fd("sandbox");
  __wasi_fd_t fd, sub;
  __wasi_size_t n;
  __wasi_fdstat_t fs;

  // --- path_open: oflags ---
  CHECK("open existing file", open_at(dir, "file.txt", FOLLOW, 0, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  EXPECT("file.txt reads hello", file_is("file.txt", "hello\n"));
  CHECK("open missing file", open_at(dir, "nope", FOLLOW, 0, 0, &fd), NOENT);
  CHECK("open missing dir component", open_at(dir, "nodir/x", FOLLOW, 0, 0, &fd), NOENT);
  CHECK("open through a file", open_at(dir, "file.txt/x", FOLLOW, 0, 0, &fd), NOTDIR);
  CHECK("open file with trailing slash", open_at(dir, "file.txt/", FOLLOW, 0, 0, &fd), NOTDIR);
  CHECK("open file with DIRECTORY", open_at(dir, "file.txt", FOLLOW, __WASI_OFLAGS_DIRECTORY, 0, &fd), NOTDIR);
  CHECK("CREAT|EXCL existing", open_at(dir, "file.txt", FOLLOW, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &fd),
        EXIST);
  CHECK("CREAT|EXCL new", open_at(dir, "new.txt", FOLLOW, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &fd), SUCCESS);
  CHECK("write new.txt", write_str(fd, "some text", &n), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("CREAT existing keeps content", open_at(dir, "new.txt", FOLLOW, __WASI_OFLAGS_CREAT, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  EXPECT("content kept", file_is("new.txt", "some text"));
  CHECK("TRUNC", open_at(dir, "new.txt", FOLLOW, __WASI_OFLAGS_TRUNC, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  EXPECT("TRUNC emptied it", stat_path("new.txt", 0).size == 0);
  CHECK("CREAT with trailing slash", open_at(dir, "newdir/", FOLLOW, __WASI_OFLAGS_CREAT, 0, &fd), ISDIR);
  // A directory opened without DIRECTORY, with rights to read and write:
  // a directory descriptor with directory rights (as open(".") does).
  CHECK("open a directory with all rights", open_at(dir, "sub", FOLLOW, 0, 0, &fd), SUCCESS);
  CHECK("fdstat of it", __wasi_fd_fdstat_get(fd, &fs), SUCCESS);
  EXPECT("it is a directory", fs.fs_filetype == __WASI_FILETYPE_DIRECTORY);
  EXPECT("without file rights", !(fs.fs_rights_base & (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_READ)));
  EXPECT("with directory rights", (fs.fs_rights_base & __WASI_RIGHTS_PATH_OPEN) != 0);
  __wasi_fd_close(fd);
  CHECK("open \".\" with the preopen's rights", __wasi_path_open(dir, FOLLOW, ".", 0, RIGHTS_ALL, RIGHTS_ALL, 0, &fd),
        SUCCESS);
  CHECK("readdir of it", __wasi_fd_readdir(fd, (uint8_t*)&fs, sizeof fs, 0, &n), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("open a directory read-only", __wasi_path_open(dir, FOLLOW, "sub", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd),
        SUCCESS);
  __wasi_fd_close(fd);
  CHECK("open a directory write-only", __wasi_path_open(dir, FOLLOW, "sub", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd),
        SUCCESS);
  __wasi_fd_close(fd);
  CHECK("open a directory with DIRECTORY and write rights",
        __wasi_path_open(dir, FOLLOW, "sub", __WASI_OFLAGS_DIRECTORY, RIGHTS_ALL, RIGHTS_ALL, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("open a directory APPEND", open_at(dir, "sub", FOLLOW, 0, __WASI_FDFLAGS_APPEND, &fd), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("TRUNC a directory", open_at(dir, "sub", FOLLOW, __WASI_OFLAGS_TRUNC, 0, &fd), ISDIR);
  CHECK("CREAT an existing directory", open_at(dir, "sub", FOLLOW, __WASI_OFLAGS_CREAT, 0, &fd), ISDIR);
  CHECK("CREAT|EXCL an existing directory", open_at(dir, "sub", FOLLOW, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &fd),
        EXIST);
  CHECK("unknown oflags bit", open_at(dir, "file.txt", FOLLOW, 0x10, 0, &fd), INVAL);

  // --- path_open: fdflags ---
  CHECK("open APPEND", open_at(dir, "new.txt", FOLLOW, 0, __WASI_FDFLAGS_APPEND, &fd), SUCCESS);
  write_str(fd, "ab", &n);
  write_str(fd, "cd", &n);
  CHECK("fdstat APPEND", __wasi_fd_fdstat_get(fd, &fs), SUCCESS);
  EXPECT("APPEND reported", fs.fs_flags == __WASI_FDFLAGS_APPEND);
  __wasi_fd_close(fd);
  EXPECT("appended", file_is("new.txt", "abcd"));
  CHECK("open NONBLOCK", open_at(dir, "new.txt", FOLLOW, 0, __WASI_FDFLAGS_NONBLOCK, &fd), SUCCESS);
  __wasi_fd_fdstat_get(fd, &fs);
  EXPECT("NONBLOCK reported", fs.fs_flags == __WASI_FDFLAGS_NONBLOCK);
  __wasi_fd_close(fd);
  CHECK("open DSYNC", open_at(dir, "new.txt", FOLLOW, 0, __WASI_FDFLAGS_DSYNC, &fd), SUCCESS);
  __wasi_fd_fdstat_get(fd, &fs);
  EXPECT("DSYNC reported", fs.fs_flags == __WASI_FDFLAGS_DSYNC);
  __wasi_fd_close(fd);
  CHECK("open SYNC", open_at(dir, "new.txt", FOLLOW, 0, __WASI_FDFLAGS_SYNC, &fd), SUCCESS);
  __wasi_fd_fdstat_get(fd, &fs);
  EXPECT("SYNC reported", fs.fs_flags == __WASI_FDFLAGS_SYNC);
  __wasi_fd_close(fd);
  CHECK("open RSYNC", open_at(dir, "new.txt", FOLLOW, 0, __WASI_FDFLAGS_RSYNC, &fd), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("open read-only rights", __wasi_path_open(dir, FOLLOW, "new.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd), SUCCESS);
  CHECK("write on a read-only fd", write_str(fd, "x", &n), NOTCAPABLE);
  __wasi_fd_close(fd);

  // --- symlinks in the last component ---
  CHECK("open symlink, following", open_at(dir, "link_in", FOLLOW, 0, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("open symlink, not following", open_at(dir, "link_in", 0, 0, 0, &fd), LOOP);
  CHECK("open a symlink loop", open_at(dir, "loop1", FOLLOW, 0, 0, &fd), LOOP);
  CHECK("open through sub/up (.. inside)", open_at(dir, "sub/up/file.txt", FOLLOW, 0, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);

  // --- directories as fds ---
  CHECK("open sub DIRECTORY", open_at(dir, "sub", FOLLOW, __WASI_OFLAGS_DIRECTORY, 0, &sub), SUCCESS);
  __wasi_fd_fdstat_get(sub, &fs);
  EXPECT("sub is a directory", fs.fs_filetype == __WASI_FILETYPE_DIRECTORY);
  CHECK("open relative to sub", open_at(sub, "inner.txt", FOLLOW, 0, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("path_open on a file fd", open_at(1, "x", FOLLOW, 0, 0, &fd), NOTDIR);
  CHECK("path_open on a closed fd", open_at(99, "x", FOLLOW, 0, 0, &fd), BADF);

  // --- path_create_directory ---
  CHECK("create_directory", __wasi_path_create_directory(dir, "d1"), SUCCESS);
  CHECK("create_directory existing", __wasi_path_create_directory(dir, "d1"), EXIST);
  CHECK("create_directory over a file", __wasi_path_create_directory(dir, "file.txt"), EXIST);
  CHECK("create_directory missing parent", __wasi_path_create_directory(dir, "nodir/d2"), NOENT);
  CHECK("create_directory under a file", __wasi_path_create_directory(dir, "file.txt/d"), NOTDIR);
  CHECK("create_directory nested", __wasi_path_create_directory(dir, "d1/d2/"), SUCCESS);
  CHECK("create_directory closed fd", __wasi_path_create_directory(99, "x"), BADF);

  // --- path_filestat_get / set_times ---
  __wasi_filestat_t st;
  CHECK("filestat_get file", __wasi_path_filestat_get(dir, 0, "file.txt", &st), SUCCESS);
  EXPECT("file: regular, 6 bytes", st.filetype == __WASI_FILETYPE_REGULAR_FILE && st.size == 6);
  CHECK("filestat_get symlink", __wasi_path_filestat_get(dir, 0, "link_in", &st), SUCCESS);
  EXPECT("not following: a symlink", st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
  CHECK("filestat_get symlink, following", __wasi_path_filestat_get(dir, FOLLOW, "link_in", &st), SUCCESS);
  EXPECT("following: the file", st.filetype == __WASI_FILETYPE_REGULAR_FILE && st.size == 6);
  CHECK("filestat_get dir", __wasi_path_filestat_get(dir, 0, "sub", &st), SUCCESS);
  EXPECT("dir: directory", st.filetype == __WASI_FILETYPE_DIRECTORY);
  CHECK("filestat_get missing", __wasi_path_filestat_get(dir, 0, "nope", &st), NOENT);
  CHECK("filestat_get through a file", __wasi_path_filestat_get(dir, 0, "file.txt/x", &st), NOTDIR);
  CHECK("filestat_get file with slash", __wasi_path_filestat_get(dir, 0, "file.txt/", &st), NOTDIR);
  CHECK("set_times", __wasi_path_filestat_set_times(dir, 0, "new.txt", 0, 1234567890000000000ull, __WASI_FSTFLAGS_MTIM),
        SUCCESS);
  EXPECT("mtim set", stat_path("new.txt", 0).mtim == 1234567890000000000ull);
  CHECK("set_times ATIM_NOW", __wasi_path_filestat_set_times(dir, 0, "new.txt", 0, 0, __WASI_FSTFLAGS_ATIM_NOW), SUCCESS);
  CHECK("set_times bad flags", __wasi_path_filestat_set_times(dir, 0, "new.txt", 0, 0,
                                                              __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW), INVAL);
  CHECK("set_times missing", __wasi_path_filestat_set_times(dir, 0, "nope", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOENT);
  CHECK("set_times via symlink", __wasi_path_filestat_set_times(dir, FOLLOW, "link_in", 0, 1000000000ull,
                                                                __WASI_FSTFLAGS_MTIM), SUCCESS);
  EXPECT("target's mtim set", stat_path("file.txt", 0).mtim == 1000000000ull);

  // --- path_link ---
  CHECK("link", __wasi_path_link(dir, 0, "file.txt", dir, "hard.txt"), SUCCESS);
  EXPECT("two links now", stat_path("file.txt", 0).nlink == 2 && file_is("hard.txt", "hello\n"));
  CHECK("link onto existing", __wasi_path_link(dir, 0, "file.txt", dir, "hard.txt"), EXIST);
  CHECK("link missing source", __wasi_path_link(dir, 0, "nope", dir, "hard2.txt"), NOENT);
  CHECK("link a directory", __wasi_path_link(dir, 0, "sub", dir, "subhard"), PERM);
  CHECK("link into a missing dir", __wasi_path_link(dir, 0, "file.txt", dir, "nodir/x"), NOENT);
  CHECK("link across fds", __wasi_path_link(dir, 0, "file.txt", sub, "hard3.txt"), SUCCESS);
  CHECK("link following a symlink", __wasi_path_link(dir, FOLLOW, "link_in", dir, "hard4.txt"), SUCCESS);
  EXPECT("it linked the target", stat_path("hard4.txt", 0).filetype == __WASI_FILETYPE_REGULAR_FILE);
  CHECK("link closed fd", __wasi_path_link(99, 0, "file.txt", dir, "x"), BADF);

  // --- path_symlink / path_readlink ---
  CHECK("symlink", __wasi_path_symlink("file.txt", dir, "sym2"), SUCCESS);
  char buf[64];
  memset(buf, 0, sizeof buf);
  CHECK("readlink", __wasi_path_readlink(dir, "sym2", (uint8_t*)buf, sizeof buf, &n), SUCCESS);
  EXPECT("readlink gives file.txt", n == 8 && memcmp(buf, "file.txt", 8) == 0);
  CHECK("readlink short buffer", __wasi_path_readlink(dir, "sym2", (uint8_t*)buf, 4, &n), SUCCESS);
  EXPECT("truncated to 4", n == 4);
  CHECK("readlink a file", __wasi_path_readlink(dir, "file.txt", (uint8_t*)buf, sizeof buf, &n), INVAL);
  CHECK("readlink missing", __wasi_path_readlink(dir, "nope", (uint8_t*)buf, sizeof buf, &n), NOENT);
  CHECK("symlink onto existing", __wasi_path_symlink("file.txt", dir, "sym2"), EXIST);
  CHECK("symlink in a missing dir", __wasi_path_symlink("file.txt", dir, "nodir/s"), NOENT);
  CHECK("dangling symlink", __wasi_path_symlink("not-yet", dir, "dangling"), SUCCESS);
  CHECK("CREAT through a dangling symlink", open_at(dir, "dangling", FOLLOW, __WASI_OFLAGS_CREAT, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("the target now exists", __wasi_path_filestat_get(dir, 0, "not-yet", &st), SUCCESS);

  // --- path_rename ---
  CHECK("rename", __wasi_path_rename(dir, "hard.txt", dir, "sub/moved.txt"), SUCCESS);
  EXPECT("moved", file_is("sub/moved.txt", "hello\n"));
  CHECK("rename missing", __wasi_path_rename(dir, "nope", dir, "x"), NOENT);
  CHECK("rename dir over a non-empty dir", __wasi_path_rename(dir, "d1", dir, "nonempty"), NOTEMPTY);
  CHECK("rename file over a dir", __wasi_path_rename(dir, "new.txt", dir, "d1"), ISDIR);
  CHECK("rename dir over a file", __wasi_path_rename(dir, "d1", dir, "new.txt"), NOTDIR);
  CHECK("rename file with trailing slash", __wasi_path_rename(dir, "new.txt/", dir, "x"), NOTDIR);
  CHECK("rename into a missing dir", __wasi_path_rename(dir, "new.txt", dir, "nodir/x"), NOENT);
  CHECK("rename dir", __wasi_path_rename(dir, "d1", dir, "d1renamed"), SUCCESS);
  CHECK("rename across fds", __wasi_path_rename(sub, "moved.txt", dir, "back.txt"), SUCCESS);
  CHECK("rename closed fd", __wasi_path_rename(99, "a", dir, "b"), BADF);

  // --- path_remove_directory / path_unlink_file ---
  CHECK("remove_directory non-empty", __wasi_path_remove_directory(dir, "nonempty"), NOTEMPTY);
  CHECK("remove_directory a file", __wasi_path_remove_directory(dir, "file.txt"), NOTDIR);
  CHECK("remove_directory missing", __wasi_path_remove_directory(dir, "nope"), NOENT);
  CHECK("remove_directory nested", __wasi_path_remove_directory(dir, "d1renamed/d2"), SUCCESS);
  CHECK("remove_directory", __wasi_path_remove_directory(dir, "d1renamed"), SUCCESS);
  CHECK("unlink_file", __wasi_path_unlink_file(dir, "back.txt"), SUCCESS);
  CHECK("unlink_file again", __wasi_path_unlink_file(dir, "back.txt"), NOENT);
  CHECK("unlink_file a dir", __wasi_path_unlink_file(dir, "sub"), ISDIR);
  CHECK("unlink_file a dir with slash", __wasi_path_unlink_file(dir, "sub/"), ISDIR);
  CHECK("unlink_file file with slash", __wasi_path_unlink_file(dir, "file.txt/"), NOTDIR);
  CHECK("unlink_file a symlink (not its target)", __wasi_path_unlink_file(dir, "sym2"), SUCCESS);
  EXPECT("target kept", file_is("file.txt", "hello\n"));
  CHECK("unlink_file closed fd", __wasi_path_unlink_file(99, "x"), BADF);
  CHECK("unlink_file on a file fd", __wasi_path_unlink_file(1, "x"), NOTDIR);
  CHECK("empty path", __wasi_path_unlink_file(dir, ""), NOENT);
  __wasi_fd_close(sub);
  return finish();
}
