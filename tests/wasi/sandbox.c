// Escape attempts: every one must be refused (NOTCAPABLE), whether paths
// are resolved with openat2 or by the component walk. The harness checks
// that nothing outside the sandbox changed.
#include "common.h"

#include <errno.h>

#define FOLLOW __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW

int main(void) {
  int dir = preopen_fd("sandbox");
  __wasi_fd_t fd, sub;
  __wasi_filestat_t st;
  char buf[64];
  __wasi_size_t n;

  // --- '..' and absolute paths ---
  CHECK("open ../outside/secret.txt", open_at(dir, "../outside/secret.txt", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("open ..", open_at(dir, "..", FOLLOW, __WASI_OFLAGS_DIRECTORY, 0, &fd), NOTCAPABLE);
  CHECK("open sub/../..", open_at(dir, "sub/../..", FOLLOW, __WASI_OFLAGS_DIRECTORY, 0, &fd), NOTCAPABLE);
  CHECK("open sub/../../outside/secret.txt", open_at(dir, "sub/../../outside/secret.txt", FOLLOW, 0, 0, &fd),
        NOTCAPABLE);
  CHECK("open ./sub/./../../outside", open_at(dir, "./sub/./../../outside", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("open /etc/passwd", open_at(dir, "/etc/passwd", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("open //etc/passwd", open_at(dir, "//etc/passwd", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("open . (allowed)", open_at(dir, ".", FOLLOW, __WASI_OFLAGS_DIRECTORY, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("open sub/.. (allowed)", open_at(dir, "sub/..", FOLLOW, __WASI_OFLAGS_DIRECTORY, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("create ../newdir", __wasi_path_create_directory(dir, "../newdir"), NOTCAPABLE);
  CHECK("CREAT ../created.txt", open_at(dir, "../created.txt", FOLLOW, __WASI_OFLAGS_CREAT, 0, &fd), NOTCAPABLE);
  CHECK("filestat ../outside", __wasi_path_filestat_get(dir, 0, "../outside", &st), NOTCAPABLE);
  CHECK("unlink ../outside/secret.txt", __wasi_path_unlink_file(dir, "../outside/secret.txt"), NOTCAPABLE);
  CHECK("remove_directory ../outside", __wasi_path_remove_directory(dir, "../outside"), NOTCAPABLE);
  CHECK("readlink ../outside", __wasi_path_readlink(dir, "../x", (uint8_t*)buf, sizeof buf, &n), NOTCAPABLE);
  CHECK("set_times ../outside/secret.txt",
        __wasi_path_filestat_set_times(dir, 0, "../outside/secret.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOTCAPABLE);

  // --- a directory fd is a capability of its own: no '..' out of it ---
  CHECK("open sub", open_at(dir, "sub", FOLLOW, __WASI_OFLAGS_DIRECTORY, 0, &sub), SUCCESS);
  CHECK("open .. from sub", open_at(sub, "../file.txt", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("open inner.txt from sub", open_at(sub, "inner.txt", FOLLOW, 0, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);

  // --- symlinks that lead outside (made by the host) ---
  CHECK("open link_out", open_at(dir, "link_out", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("open link_out not following", open_at(dir, "link_out", 0, 0, 0, &fd), LOOP);
  CHECK("open link_abs", open_at(dir, "link_abs", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("open link_dir_out/secret.txt", open_at(dir, "link_dir_out/secret.txt", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("open link_dir_out/secret.txt no-follow", open_at(dir, "link_dir_out/secret.txt", 0, 0, 0, &fd), NOTCAPABLE);
  CHECK("open chain1 (chain of 3 out)", open_at(dir, "chain1", FOLLOW, __WASI_OFLAGS_DIRECTORY, 0, &fd), NOTCAPABLE);
  CHECK("open chain1/secret.txt", open_at(dir, "chain1/secret.txt", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("open sub/upup/outside/secret.txt", open_at(dir, "sub/upup/outside/secret.txt", FOLLOW, 0, 0, &fd),
        NOTCAPABLE);
  CHECK("open sub/up/file.txt (stays inside)", open_at(dir, "sub/up/file.txt", FOLLOW, 0, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("filestat link_out following", __wasi_path_filestat_get(dir, FOLLOW, "link_out", &st), NOTCAPABLE);
  CHECK("filestat link_out itself", __wasi_path_filestat_get(dir, 0, "link_out", &st), SUCCESS);
  EXPECT("it is a symlink", st.filetype == __WASI_FILETYPE_SYMBOLIC_LINK);
  CHECK("set_times link_out following",
        __wasi_path_filestat_set_times(dir, FOLLOW, "link_out", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOTCAPABLE);
  CHECK("readlink link_out (reading is fine)", __wasi_path_readlink(dir, "link_out", (uint8_t*)buf, sizeof buf, &n),
        SUCCESS);
  CHECK("CREAT through link_out", open_at(dir, "link_out", FOLLOW, __WASI_OFLAGS_CREAT, 0, &fd), NOTCAPABLE);
  CHECK("CREAT through link_newfile_out", open_at(dir, "link_newfile_out", FOLLOW, __WASI_OFLAGS_CREAT, 0, &fd),
        NOTCAPABLE);
  CHECK("mkdir through link_dir_out", __wasi_path_create_directory(dir, "link_dir_out/newdir"), NOTCAPABLE);
  CHECK("link following link_out", __wasi_path_link(dir, FOLLOW, "link_out", dir, "stolen"), NOTCAPABLE);
  CHECK("link ../outside/secret.txt", __wasi_path_link(dir, 0, "../outside/secret.txt", dir, "stolen"), NOTCAPABLE);
  CHECK("unlink through link_dir_out", __wasi_path_unlink_file(dir, "link_dir_out/secret.txt"), NOTCAPABLE);

  // --- symlinks made by the guest ---
  CHECK("guest symlink to an absolute path", __wasi_path_symlink("/etc", dir, "g_abs"), NOTCAPABLE);
  CHECK("guest symlink ../outside (made, but ...)", __wasi_path_symlink("../outside", dir, "g_out"), SUCCESS);
  CHECK("... not followed", open_at(dir, "g_out/secret.txt", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("guest chain g1 -> g2", __wasi_path_symlink("g2", dir, "g1"), SUCCESS);
  CHECK("guest chain g2 -> sub/g3", __wasi_path_symlink("sub/g3", dir, "g2"), SUCCESS);
  CHECK("guest chain sub/g3 -> ../../outside", __wasi_path_symlink("../../outside", dir, "sub/g3"), SUCCESS);
  CHECK("guest chain followed", open_at(dir, "g1/secret.txt", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("guest chain as last component", open_at(dir, "g1", FOLLOW, __WASI_OFLAGS_DIRECTORY, 0, &fd), NOTCAPABLE);
  CHECK("guest symlink . then ..", __wasi_path_symlink("./sub/..", dir, "g_dot"), SUCCESS);
  CHECK("g_dot/file.txt (inside)", open_at(dir, "g_dot/file.txt", FOLLOW, 0, 0, &fd), SUCCESS);
  __wasi_fd_close(fd);
  CHECK("g_dot/../outside", open_at(dir, "g_dot/../outside/secret.txt", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  CHECK("guest self loop", __wasi_path_symlink("gloop", dir, "gloop"), SUCCESS);
  CHECK("guest loop followed", open_at(dir, "gloop", FOLLOW, 0, 0, &fd), LOOP);

  // --- renames across the boundary ---
  CHECK("rename out via ..", __wasi_path_rename(dir, "file.txt", dir, "../outside/stolen.txt"), NOTCAPABLE);
  CHECK("rename in via ..", __wasi_path_rename(dir, "../outside/secret.txt", dir, "got.txt"), NOTCAPABLE);
  CHECK("rename out via a host symlink", __wasi_path_rename(dir, "file.txt", dir, "link_dir_out/stolen.txt"),
        NOTCAPABLE);
  CHECK("rename out via a guest symlink", __wasi_path_rename(dir, "file.txt", dir, "g_out/stolen.txt"), NOTCAPABLE);
  CHECK("rename in via a guest symlink", __wasi_path_rename(dir, "g_out/secret.txt", dir, "got.txt"), NOTCAPABLE);
  CHECK("rename a dir out", __wasi_path_rename(dir, "sub", dir, "../sub"), NOTCAPABLE);
  CHECK("rename from sub fd to ..", __wasi_path_rename(sub, "inner.txt", sub, "../inner.txt"), NOTCAPABLE);
  CHECK("rename the symlink itself (inside)", __wasi_path_rename(dir, "g_out", dir, "g_out2"), SUCCESS);
  CHECK("still not followed", open_at(dir, "g_out2/secret.txt", FOLLOW, 0, 0, &fd), NOTCAPABLE);
  __wasi_fd_close(sub);

  // --- and through libc ---
  errno = 0;
  FILE* f = fopen("../outside/secret.txt", "r");
  EXPECT("fopen ../outside/secret.txt fails", f == NULL);
  f = fopen("sandbox/../outside/secret.txt", "r");
  EXPECT("fopen sandbox/../outside/secret.txt fails", f == NULL);
  f = fopen("sandbox/link_out", "r");
  EXPECT("fopen sandbox/link_out fails", f == NULL);
  f = fopen("sandbox/file.txt", "r");
  EXPECT("fopen sandbox/file.txt works", f != NULL && fgets(buf, sizeof buf, f) && strcmp(buf, "hello\n") == 0);
  return finish();
}
