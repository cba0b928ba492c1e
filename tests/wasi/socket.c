// sock_* on a preopened socket: stdin is a listening TCP socket (see
// socket_test.py), which the guest accepts on, then talks over.
#include "common.h"

int main(void) {
  __wasi_fdstat_t fs;
  CHECK("fdstat of stdin", __wasi_fd_fdstat_get(0, &fs), SUCCESS);
  EXPECT("stdin is a stream socket", fs.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM);
  __wasi_fd_t conn;
  CHECK("sock_accept bad flags", __wasi_sock_accept(0, __WASI_FDFLAGS_APPEND, &conn), INVAL);
  CHECK("sock_accept", __wasi_sock_accept(0, 0, &conn), SUCCESS);

  // Wait until the peer's message is there.
  __wasi_subscription_t sub;
  __wasi_event_t ev;
  __wasi_size_t nevents;
  memset(&sub, 0, sizeof sub);
  sub.userdata = 9;
  sub.u.tag = __WASI_EVENTTYPE_FD_READ;
  sub.u.u.fd_read.file_descriptor = conn;
  CHECK("poll_oneoff on the socket", __wasi_poll_oneoff(&sub, &ev, 1, &nevents), SUCCESS);
  EXPECT("readable", nevents == 1 && ev.userdata == 9 && ev.error == 0);

  char buf[16] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, 4};
  __wasi_size_t n = 0;
  __wasi_roflags_t roflags = 0;
  CHECK("sock_recv PEEK", __wasi_sock_recv(conn, &iov, 1, __WASI_RIFLAGS_RECV_PEEK, &n, &roflags), SUCCESS);
  EXPECT("peeked ping", n == 4 && memcmp(buf, "ping", 4) == 0);
  memset(buf, 0, sizeof buf);
  CHECK("sock_recv WAITALL", __wasi_sock_recv(conn, &iov, 1, __WASI_RIFLAGS_RECV_WAITALL, &n, &roflags), SUCCESS);
  EXPECT("received ping", n == 4 && memcmp(buf, "ping", 4) == 0 && roflags == 0);
  CHECK("sock_recv bad flags", __wasi_sock_recv(conn, &iov, 1, 4, &n, &roflags), INVAL);
  __wasi_ciovec_t out = {(const uint8_t*)"pong", 4};
  CHECK("sock_send", __wasi_sock_send(conn, &out, 1, 0, &n), SUCCESS);
  EXPECT("sent 4 bytes", n == 4);
  CHECK("fd_write works on a socket too", write_str(conn, "!", &n), SUCCESS);
  CHECK("sock_shutdown bad how", __wasi_sock_shutdown(conn, 0), INVAL);
  CHECK("sock_shutdown WR", __wasi_sock_shutdown(conn, __WASI_SDFLAGS_WR), SUCCESS);
  CHECK("sock_recv after the peer closed", __wasi_sock_recv(conn, &iov, 1, 0, &n, &roflags), SUCCESS);
  EXPECT("end of stream", n == 0);
  CHECK("sock_accept on an accepted socket (no right)", __wasi_sock_accept(conn, 0, (__wasi_fd_t*)&n), NOTCAPABLE);
  CHECK("fd_close", __wasi_fd_close(conn), SUCCESS);
  CHECK("sock_send closed", __wasi_sock_send(conn, &out, 1, 0, &n), BADF);
  return finish();
}
