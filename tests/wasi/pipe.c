// stdin is a pipe holding "abc" (see CMakeLists.txt): seeking fails with
// SPIPE, poll_oneoff reports the bytes waiting, and reading gets them.
#include "common.h"

int main(void) {
  __wasi_fdstat_t fs;
  CHECK("fd_fdstat_get stdin", __wasi_fd_fdstat_get(0, &fs), SUCCESS);
  EXPECT("a pipe has no WASI file type", fs.fs_filetype == __WASI_FILETYPE_UNKNOWN);
  __wasi_filesize_t pos;
  CHECK("fd_seek on a pipe", __wasi_fd_seek(0, 0, __WASI_WHENCE_CUR, &pos), SPIPE);
  CHECK("fd_tell on a pipe", __wasi_fd_tell(0, &pos), SPIPE);
  __wasi_subscription_t sub;
  __wasi_event_t ev;
  __wasi_size_t n;
  memset(&sub, 0, sizeof sub);
  sub.u.tag = __WASI_EVENTTYPE_FD_READ;
  sub.u.u.fd_read.file_descriptor = 0;
  CHECK("poll_oneoff on the pipe", __wasi_poll_oneoff(&sub, &ev, 1, &n), SUCCESS);
  EXPECT("3 bytes waiting", n == 1 && ev.fd_readwrite.nbytes == 3);
  char buf[8] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  CHECK("fd_read", __wasi_fd_read(0, &iov, 1, &n), SUCCESS);
  EXPECT("read abc", n == 3 && strcmp(buf, "abc") == 0);
  CHECK("fd_pread on a pipe", __wasi_fd_pread(0, &iov, 1, 0, &n), SPIPE);
  return finish();
}
