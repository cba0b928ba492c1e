// Clocks, poll_oneoff, random_get, sched_yield, proc_raise, sock_* on
// descriptors that are not sockets, and a raw proc_exit at the end.
#include "common.h"

// Not declared by this wasi-libc any more, still a preview1 function.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) int raw_proc_raise(int);

int main(void) {
  __wasi_timestamp_t t, t2, res;
  // --- clocks: every id ---
  const char* names[] = {"REALTIME", "MONOTONIC", "PROCESS_CPUTIME_ID", "THREAD_CPUTIME_ID"};
  for (int id = 0; id < 4; ++id) {
    char what[64];
    snprintf(what, sizeof what, "clock_res_get %s", names[id]);
    CHECK(what, __wasi_clock_res_get(id, &res), SUCCESS);
    EXPECT("resolution is positive and at most 1 ms", res > 0 && res <= 1000000);
    snprintf(what, sizeof what, "clock_time_get %s", names[id]);
    CHECK(what, __wasi_clock_time_get(id, 1, &t), SUCCESS);
  }
  CHECK("clock_res_get bad id", __wasi_clock_res_get(4, &res), INVAL);
  CHECK("clock_time_get bad id", __wasi_clock_time_get(99, 0, &t), INVAL);
  __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 0, &t);
  EXPECT("realtime is after 2020", t > 1577836800ull * 1000000000ull);
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t);
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t2);
  EXPECT("monotonic does not go back", t2 >= t);

  // --- poll_oneoff ---
  __wasi_subscription_t subs[4];
  __wasi_event_t events[4];
  __wasi_size_t nevents = 0;
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 11;
  subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subs[0].u.u.clock.timeout = 20 * 1000000ull;  // 20 ms
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t);
  CHECK("poll_oneoff relative clock", __wasi_poll_oneoff(subs, events, 1, &nevents), SUCCESS);
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t2);
  EXPECT("one clock event with its userdata", nevents == 1 && events[0].userdata == 11 &&
                                                  events[0].type == __WASI_EVENTTYPE_CLOCK && events[0].error == 0);
  EXPECT("slept at least 20 ms", t2 - t >= 20 * 1000000ull);
  subs[0].u.u.clock.timeout = t2 + 10 * 1000000ull;
  subs[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
  CHECK("poll_oneoff absolute clock", __wasi_poll_oneoff(subs, events, 1, &nevents), SUCCESS);
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &t);
  EXPECT("woke after the deadline", nevents == 1 && t >= subs[0].u.u.clock.timeout);
  subs[0].u.u.clock.timeout = 1;  // long past
  CHECK("poll_oneoff past deadline", __wasi_poll_oneoff(subs, events, 1, &nevents), SUCCESS);
  EXPECT("fires at once", nevents == 1 && events[0].userdata == 11);

  // stdin is a regular file holding "line one\nline two\n"; stdout a file too.
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 1;
  subs[0].u.tag = __WASI_EVENTTYPE_FD_READ;
  subs[0].u.u.fd_read.file_descriptor = 0;
  subs[1].userdata = 2;
  subs[1].u.tag = __WASI_EVENTTYPE_FD_WRITE;
  subs[1].u.u.fd_write.file_descriptor = 1;
  subs[2].userdata = 3;
  subs[2].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[2].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subs[2].u.u.clock.timeout = 5000000000ull;  // 5 s: must not be waited for
  CHECK("poll_oneoff fd read+write", __wasi_poll_oneoff(subs, events, 3, &nevents), SUCCESS);
  int saw_read = 0, saw_write = 0, saw_clock = 0;
  for (__wasi_size_t i = 0; i < nevents; ++i) {
    if (events[i].userdata == 1 && events[i].type == __WASI_EVENTTYPE_FD_READ &&
        events[i].fd_readwrite.nbytes == 18)
      saw_read = 1;
    if (events[i].userdata == 2 && events[i].type == __WASI_EVENTTYPE_FD_WRITE) saw_write = 1;
    if (events[i].userdata == 3) saw_clock = 1;
  }
  EXPECT("stdin readable with 18 bytes", saw_read);
  EXPECT("stdout writable", saw_write);
  EXPECT("the 5 s clock did not fire", !saw_clock);
  subs[0].u.u.fd_read.file_descriptor = 99;
  CHECK("poll_oneoff bad fd", __wasi_poll_oneoff(subs, events, 1, &nevents), SUCCESS);
  EXPECT("event carries BADF", nevents == 1 && events[0].error == __WASI_ERRNO_BADF && events[0].userdata == 1);
  CHECK("poll_oneoff no subscriptions", __wasi_poll_oneoff(subs, events, 0, &nevents), INVAL);
  subs[0].u.tag = 7;
  CHECK("poll_oneoff bad tag", __wasi_poll_oneoff(subs, events, 1, &nevents), INVAL);
  subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[0].u.u.clock.id = 42;
  subs[0].u.u.clock.flags = 0;
  CHECK("poll_oneoff bad clock id", __wasi_poll_oneoff(subs, events, 1, &nevents), SUCCESS);
  EXPECT("event carries INVAL", nevents == 1 && events[0].error == __WASI_ERRNO_INVAL);

  // --- random, yield, raise ---
  uint8_t r1[64], r2[64];
  memset(r1, 0, sizeof r1);
  memset(r2, 0, sizeof r2);
  CHECK("random_get", __wasi_random_get(r1, sizeof r1), SUCCESS);
  CHECK("random_get again", __wasi_random_get(r2, sizeof r2), SUCCESS);
  EXPECT("random bytes differ", memcmp(r1, r2, sizeof r1) != 0);
  CHECK("random_get zero bytes", __wasi_random_get(r1, 0), SUCCESS);
  CHECK("sched_yield", __wasi_sched_yield(), SUCCESS);
  CHECK("proc_raise", raw_proc_raise(15), NOSYS);

  // --- sockets: none here ---
  __wasi_fd_t fd;
  __wasi_size_t n;
  __wasi_roflags_t roflags;
  uint8_t buf[8];
  __wasi_iovec_t iov = {buf, sizeof buf};
  __wasi_ciovec_t ciov = {buf, sizeof buf};
  CHECK("sock_accept on stdin (a file)", __wasi_sock_accept(0, 0, &fd), NOTSOCK);
  CHECK("sock_recv on stdin", __wasi_sock_recv(0, &iov, 1, 0, &n, &roflags), NOTSOCK);
  CHECK("sock_send on stdout", __wasi_sock_send(1, &ciov, 1, 0, &n), NOTSOCK);
  CHECK("sock_shutdown on stdout", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR), NOTSOCK);
  CHECK("sock_accept closed fd", __wasi_sock_accept(99, 0, &fd), BADF);
  CHECK("sock_recv closed fd", __wasi_sock_recv(99, &iov, 1, 0, &n, &roflags), BADF);
  CHECK("sock_send closed fd", __wasi_sock_send(99, &ciov, 1, 0, &n), BADF);
  CHECK("sock_shutdown closed fd", __wasi_sock_shutdown(99, __WASI_SDFLAGS_WR), BADF);

  int fails = finish();
  fflush(stdout);
  __wasi_proc_exit(fails ? 1 : 5);
}
