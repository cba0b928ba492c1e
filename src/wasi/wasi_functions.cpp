// The wasi_snapshot_preview1 functions. Each one reads its arguments from
// the slots (i32s from the low 32 bits), checks every guest pointer against
// the caller's memory 0 before touching it, and returns a WASI errno.

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "wasi/wasi.h"
#include "wasi/wasi_abi.h"

namespace strata {
namespace wasi {
namespace {

// One call: the context, the guest memory and the argument slots.
struct Call {
  WasiContext& ctx;
  uint8_t* mem;
  uint64_t memSize;
  Slot* s;

  uint32_t u32(int i) const { return static_cast<uint32_t>(s[i]); }
  uint64_t u64(int i) const { return s[i]; }
  bool ok(uint32_t ptr, uint64_t len) const { return uint64_t{ptr} + len <= memSize; }
  template <typename T>
  bool store(uint32_t ptr, T value) {
    if (!ok(ptr, sizeof value)) return false;
    std::memcpy(mem + ptr, &value, sizeof value);
    return true;
  }
  template <typename T>
  T load(uint32_t ptr) const {  // callers check ok() first
    T value;
    std::memcpy(&value, mem + ptr, sizeof value);
    return value;
  }
  // A guest string (path); false if out of bounds.
  bool string(uint32_t ptr, uint32_t len, std::string* out) const {
    if (!ok(ptr, len)) return false;
    out->assign(reinterpret_cast<const char*>(mem + ptr), len);
    return true;
  }
};

using E = uint16_t;

// The entry for `fd` if it exists and has all of `need`.
E getFd(Call& c, uint32_t fd, uint64_t need, FdEntry** out) {
  FdEntry* e = c.ctx.fd(fd);
  if (!e) return errno_::BADF;
  if ((e->rightsBase & need) != need) return errno_::NOTCAPABLE;
  *out = e;
  return errno_::SUCCESS;
}

E hostError() { return errnoFromHost(errno); }

// --- waiting, interruptibly ---
// A call that may block (a read of a pipe, a terminal or a socket, an
// accept, poll_oneoff) waits in ppoll with the exec env's interrupt
// eventfd beside its own descriptors: wasm_runtime_terminate, --timeout or
// an epoch deadline then end the guest with their trap during the wait, as
// they would in guest code, instead of after it.

// Throws the trap of a pending interrupt request. seq_cst: this load comes
// after interruptFd() made the eventfd, requestInterrupt's store of the
// request before its load of the eventfd, so one of the two sees the other.
void trapIfInterrupted(ExecEnv& env) {
  if (uint32_t r = env.interrupt.load(std::memory_order_seq_cst)) throw Trap(ExecEnv::interruptMessage(r));
}

// After a wait woke on the eventfd: its request's trap, or nothing if the
// request was dropped meanwhile (the eventfd is read empty either way).
void wokenByInterrupt(ExecEnv& env) {
  env.drainInterruptFd();
  trapIfInterrupted(env);
}

// Waits until `fd` is ready for `events`, unless its reads and writes do
// not block (regular files, directories, O_NONBLOCK descriptors) or no
// exec env runs this call. Returns false with errno if ppoll failed.
bool waitReady(const FdEntry& e, short events) {
  if (e.type == filetype::REGULAR_FILE || e.type == filetype::DIRECTORY) return true;
  ExecEnv* env = ExecEnv::current();
  if (!env) return true;
  int flags = ::fcntl(e.hostFd, F_GETFL);
  if (flags < 0 || (flags & O_NONBLOCK)) return true;
  int wake = env->interruptFd();
  if (wake < 0) return true;
  trapIfInterrupted(*env);
  for (;;) {
    struct pollfd p[2] = {{e.hostFd, events, 0}, {wake, POLLIN, 0}};
    int ready = ::ppoll(p, 2, nullptr, nullptr);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    if (p[1].revents) wokenByInterrupt(*env);
    if (p[0].revents) return true;
  }
}

uint64_t toNs(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void writeFilestat(Call& c, uint32_t ptr, const struct stat& st) {
  uint8_t buf[64] = {};
  auto put64 = [&](size_t off, uint64_t v) { std::memcpy(buf + off, &v, 8); };
  put64(0, st.st_dev);
  put64(8, st.st_ino);
  buf[16] = filetypeFromMode(st.st_mode);
  put64(24, st.st_nlink);
  put64(32, static_cast<uint64_t>(st.st_size));
  put64(40, toNs(st.st_atim));
  put64(48, toNs(st.st_mtim));
  put64(56, toNs(st.st_ctim));
  std::memcpy(c.mem + ptr, buf, sizeof buf);
}

// Guest iovecs (buf u32, len u32) as host iovecs, bounds-checked.
E readIovecs(Call& c, uint32_t iovs, uint32_t count, std::vector<struct iovec>* out) {
  if (count > 1024) return errno_::INVAL;
  if (!c.ok(iovs, uint64_t{count} * 8)) return errno_::FAULT;
  out->resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t buf = c.load<uint32_t>(iovs + i * 8);
    uint32_t len = c.load<uint32_t>(iovs + i * 8 + 4);
    if (!c.ok(buf, len)) return errno_::FAULT;
    (*out)[i].iov_base = c.mem + buf;
    (*out)[i].iov_len = len;
  }
  return errno_::SUCCESS;
}

// A path argument resolved inside the sandbox; closes what it opened.
struct Resolved {
  int dirFd = -1;
  bool owns = false;
  std::string name;
  bool trailingSlash = false;
  ~Resolved() {
    if (owns) ::close(dirFd);
  }
  const char* c() const { return name.c_str(); }
};

E resolve(Call& c, uint32_t fd, uint64_t need, uint32_t pathPtr, uint32_t pathLen, bool follow, Resolved* r) {
  FdEntry* dir;
  if (E err = getFd(c, fd, 0, &dir)) return err;
  std::string path;
  if (!c.string(pathPtr, pathLen, &path)) return errno_::FAULT;
  if (dir->type != filetype::DIRECTORY) return errno_::NOTDIR;
  if ((dir->rightsBase & need) != need) return errno_::NOTCAPABLE;
  return c.ctx.resolvePath(*dir, path, follow, &r->dirFd, &r->owns, &r->name, &r->trailingSlash);
}

// A trailing slash demands a directory.
E checkTrailingSlash(const Resolved& r) {
  if (!r.trailingSlash) return errno_::SUCCESS;
  struct stat st;
  if (::fstatat(r.dirFd, r.c(), &st, AT_SYMLINK_NOFOLLOW) != 0) return hostError();
  return S_ISDIR(st.st_mode) ? errno_::SUCCESS : errno_::NOTDIR;
}

bool clockId(uint32_t id, clockid_t* out) {
  switch (id) {
    case 0: *out = CLOCK_REALTIME; return true;
    case 1: *out = CLOCK_MONOTONIC; return true;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
  }
}

E makeTimes(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec ts[2]) {
  if (flags & ~0xfu) return errno_::INVAL;
  if ((flags & fstflags::ATIM) && (flags & fstflags::ATIM_NOW)) return errno_::INVAL;
  if ((flags & fstflags::MTIM) && (flags & fstflags::MTIM_NOW)) return errno_::INVAL;
  auto one = [](uint64_t t, bool set, bool now, struct timespec* out) {
    out->tv_sec = 0;
    out->tv_nsec = now ? UTIME_NOW : set ? 0 : UTIME_OMIT;
    if (set && !now) {
      out->tv_sec = static_cast<time_t>(t / 1000000000ull);
      out->tv_nsec = static_cast<long>(t % 1000000000ull);
    }
  };
  one(atim, flags & fstflags::ATIM, flags & fstflags::ATIM_NOW, &ts[0]);
  one(mtim, flags & fstflags::MTIM, flags & fstflags::MTIM_NOW, &ts[1]);
  return errno_::SUCCESS;
}

// --- args, environ -------------------------------------------------------------

E stringsGet(Call& c, const std::vector<std::string>& list, uint32_t ptrs, uint32_t buf) {
  uint64_t total = 0;
  for (const std::string& s : list) total += s.size() + 1;
  if (!c.ok(ptrs, uint64_t{list.size()} * 4) || !c.ok(buf, total)) return errno_::FAULT;
  for (const std::string& s : list) {
    c.store<uint32_t>(ptrs, buf);
    std::memcpy(c.mem + buf, s.c_str(), s.size() + 1);
    ptrs += 4;
    buf += static_cast<uint32_t>(s.size() + 1);
  }
  return errno_::SUCCESS;
}

E stringsSizes(Call& c, const std::vector<std::string>& list, uint32_t countPtr, uint32_t sizePtr) {
  uint64_t total = 0;
  for (const std::string& s : list) total += s.size() + 1;
  if (!c.ok(countPtr, 4) || !c.ok(sizePtr, 4)) return errno_::FAULT;
  c.store<uint32_t>(countPtr, static_cast<uint32_t>(list.size()));
  c.store<uint32_t>(sizePtr, static_cast<uint32_t>(total));
  return errno_::SUCCESS;
}

E args_get(Call& c) { return stringsGet(c, c.ctx.args(), c.u32(0), c.u32(1)); }
E args_sizes_get(Call& c) { return stringsSizes(c, c.ctx.args(), c.u32(0), c.u32(1)); }
E environ_get(Call& c) { return stringsGet(c, c.ctx.env(), c.u32(0), c.u32(1)); }
E environ_sizes_get(Call& c) { return stringsSizes(c, c.ctx.env(), c.u32(0), c.u32(1)); }

// --- clocks ----------------------------------------------------------------------

E clock_res_get(Call& c) {
  clockid_t id;
  if (!clockId(c.u32(0), &id)) return errno_::INVAL;
  if (!c.ok(c.u32(1), 8)) return errno_::FAULT;
  struct timespec ts;
  if (::clock_getres(id, &ts) != 0) return hostError();
  c.store<uint64_t>(c.u32(1), toNs(ts));
  return errno_::SUCCESS;
}

E clock_time_get(Call& c) {
  clockid_t id;
  if (!clockId(c.u32(0), &id)) return errno_::INVAL;
  if (!c.ok(c.u32(2), 8)) return errno_::FAULT;
  struct timespec ts;
  if (::clock_gettime(id, &ts) != 0) return hostError();
  c.store<uint64_t>(c.u32(2), toNs(ts));
  return errno_::SUCCESS;
}

// --- fd_* ------------------------------------------------------------------------

E fd_advise(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), rights::FD_ADVISE, &e)) return err;
  static const int kAdvice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  uint32_t advice = c.u32(3);
  if (advice > 5) return errno_::INVAL;
  int r = ::posix_fadvise(e->hostFd, static_cast<off_t>(c.u64(1)), static_cast<off_t>(c.u64(2)), kAdvice[advice]);
  return errnoFromHost(r);
}

E fd_allocate(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), rights::FD_ALLOCATE, &e)) return err;
  int64_t off = static_cast<int64_t>(c.u64(1)), len = static_cast<int64_t>(c.u64(2));
  if (off < 0 || len < 0) return errno_::INVAL;
  return errnoFromHost(::posix_fallocate(e->hostFd, off, len));
}

E fd_close(Call& c) {
  if (!c.ctx.fd(c.u32(0))) return errno_::BADF;
  c.ctx.closeFd(c.u32(0));
  return errno_::SUCCESS;
}

E fd_datasync(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), rights::FD_DATASYNC, &e)) return err;
  return ::fdatasync(e->hostFd) == 0 ? errno_::SUCCESS : hostError();
}

E fd_sync(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), rights::FD_SYNC, &e)) return err;
  return ::fsync(e->hostFd) == 0 ? errno_::SUCCESS : hostError();
}

E fd_fdstat_get(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), 0, &e)) return err;
  uint32_t ptr = c.u32(1);
  if (!c.ok(ptr, 24)) return errno_::FAULT;
  int fl = ::fcntl(e->hostFd, F_GETFL);
  if (fl < 0) return hostError();
  uint16_t flags = 0;
  if (fl & O_APPEND) flags |= fdflags::APPEND;
  if (fl & O_NONBLOCK) flags |= fdflags::NONBLOCK;
  if ((fl & O_SYNC) == O_SYNC)
    flags |= fdflags::SYNC;
  else if (fl & O_DSYNC)
    flags |= fdflags::DSYNC;
  uint8_t buf[24] = {};
  buf[0] = e->type;
  std::memcpy(buf + 2, &flags, 2);
  std::memcpy(buf + 8, &e->rightsBase, 8);
  std::memcpy(buf + 16, &e->rightsInheriting, 8);
  std::memcpy(c.mem + ptr, buf, sizeof buf);
  return errno_::SUCCESS;
}

E fd_fdstat_set_flags(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), rights::FD_FDSTAT_SET_FLAGS, &e)) return err;
  uint32_t flags = c.u32(1) & 0xffff;
  if (flags & ~0x1fu) return errno_::INVAL;
  if (flags & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC)) return errno_::NOTSUP;  // fcntl cannot
  int fl = ::fcntl(e->hostFd, F_GETFL);
  if (fl < 0) return hostError();
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (flags & fdflags::APPEND) fl |= O_APPEND;
  if (flags & fdflags::NONBLOCK) fl |= O_NONBLOCK;
  return ::fcntl(e->hostFd, F_SETFL, fl) == 0 ? errno_::SUCCESS : hostError();
}

E fd_fdstat_set_rights(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), 0, &e)) return err;
  uint64_t base = c.u64(1), inheriting = c.u64(2);
  if ((base & ~e->rightsBase) || (inheriting & ~e->rightsInheriting)) return errno_::NOTCAPABLE;
  e->rightsBase = base;
  e->rightsInheriting = inheriting;
  return errno_::SUCCESS;
}

E fd_filestat_get(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), rights::FD_FILESTAT_GET, &e)) return err;
  if (!c.ok(c.u32(1), 64)) return errno_::FAULT;
  struct stat st;
  if (::fstat(e->hostFd, &st) != 0) return hostError();
  writeFilestat(c, c.u32(1), st);
  return errno_::SUCCESS;
}

E fd_filestat_set_size(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), rights::FD_FILESTAT_SET_SIZE, &e)) return err;
  if (c.u64(1) > static_cast<uint64_t>(INT64_MAX)) return errno_::INVAL;
  return ::ftruncate(e->hostFd, static_cast<off_t>(c.u64(1))) == 0 ? errno_::SUCCESS : hostError();
}

E fd_filestat_set_times(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), rights::FD_FILESTAT_SET_TIMES, &e)) return err;
  struct timespec ts[2];
  if (E err = makeTimes(c.u64(1), c.u64(2), c.u32(3), ts)) return err;
  return ::futimens(e->hostFd, ts) == 0 ? errno_::SUCCESS : hostError();
}

// fd_read, fd_write, fd_pread, fd_pwrite.
E transfer(Call& c, uint64_t need, bool write, bool positioned) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), need, &e)) return err;
  uint32_t resultPtr = positioned ? c.u32(4) : c.u32(3);
  if (!c.ok(resultPtr, 4)) return errno_::FAULT;
  std::vector<struct iovec> iov;
  if (E err = readIovecs(c, c.u32(1), c.u32(2), &iov)) return err;
  if (positioned && c.u64(3) > static_cast<uint64_t>(INT64_MAX)) return errno_::INVAL;
  const off_t offset = static_cast<off_t>(c.u64(3));
  if (!positioned && !waitReady(*e, write ? POLLOUT : POLLIN)) return hostError();
  ssize_t n;
  do {
    if (positioned)
      n = write ? ::pwritev(e->hostFd, iov.data(), static_cast<int>(iov.size()), offset)
                : ::preadv(e->hostFd, iov.data(), static_cast<int>(iov.size()), offset);
    else
      n = write ? ::writev(e->hostFd, iov.data(), static_cast<int>(iov.size()))
                : ::readv(e->hostFd, iov.data(), static_cast<int>(iov.size()));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return hostError();
  c.store<uint32_t>(resultPtr, static_cast<uint32_t>(n));
  return errno_::SUCCESS;
}

E fd_read(Call& c) { return transfer(c, rights::FD_READ, false, false); }
E fd_write(Call& c) { return transfer(c, rights::FD_WRITE, true, false); }
E fd_pread(Call& c) { return transfer(c, rights::FD_READ | rights::FD_SEEK, false, true); }
E fd_pwrite(Call& c) { return transfer(c, rights::FD_WRITE | rights::FD_SEEK, true, true); }

E fd_prestat_get(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), 0, &e)) return err;
  if (!e->preopen) return errno_::BADF;
  if (!c.ok(c.u32(1), 8)) return errno_::FAULT;
  uint8_t buf[8] = {};  // tag 0: a directory
  uint32_t len = static_cast<uint32_t>(e->preopenName.size());
  std::memcpy(buf + 4, &len, 4);
  std::memcpy(c.mem + c.u32(1), buf, sizeof buf);
  return errno_::SUCCESS;
}

E fd_prestat_dir_name(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), 0, &e)) return err;
  if (!e->preopen) return errno_::BADF;
  uint32_t ptr = c.u32(1), len = c.u32(2);
  if (!c.ok(ptr, len)) return errno_::FAULT;
  if (len < e->preopenName.size()) return errno_::NAMETOOLONG;
  std::memcpy(c.mem + ptr, e->preopenName.data(), e->preopenName.size());
  return errno_::SUCCESS;
}

E fd_readdir(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), 0, &e)) return err;
  if (e->type != filetype::DIRECTORY) return errno_::NOTDIR;
  if (!(e->rightsBase & rights::FD_READDIR)) return errno_::NOTCAPABLE;
  uint32_t buf = c.u32(1), len = c.u32(2), usedPtr = c.u32(4);
  uint64_t cookie = c.u64(3);
  if (!c.ok(buf, len) || !c.ok(usedPtr, 4)) return errno_::FAULT;
  if (cookie == 0 || !e->dirCacheValid) {
    int fd = ::openat(e->hostFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return hostError();
    DIR* dir = ::fdopendir(fd);
    if (!dir) {
      ::close(fd);
      return hostError();
    }
    e->dirCache.clear();
    errno = 0;
    while (struct dirent* d = ::readdir(dir)) {
      uint8_t type = filetype::UNKNOWN;
      switch (d->d_type) {
        case DT_REG: type = filetype::REGULAR_FILE; break;
        case DT_DIR: type = filetype::DIRECTORY; break;
        case DT_LNK: type = filetype::SYMBOLIC_LINK; break;
        case DT_CHR: type = filetype::CHARACTER_DEVICE; break;
        case DT_BLK: type = filetype::BLOCK_DEVICE; break;
        case DT_SOCK: type = filetype::SOCKET_STREAM; break;
        case DT_UNKNOWN: {
          struct stat st;
          if (::fstatat(e->hostFd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) type = filetypeFromMode(st.st_mode);
          break;
        }
        default: break;
      }
      e->dirCache.push_back({d->d_ino, type, d->d_name});
    }
    int err = errno;
    ::closedir(dir);
    if (err) return errnoFromHost(err);
    e->dirCacheValid = true;
  }
  uint32_t used = 0;
  for (uint64_t i = cookie; i < e->dirCache.size() && used < len; ++i) {
    const FdEntry::DirEntry& d = e->dirCache[i];
    uint8_t header[24] = {};
    uint64_t next = i + 1;
    uint32_t namlen = static_cast<uint32_t>(d.name.size());
    std::memcpy(header, &next, 8);
    std::memcpy(header + 8, &d.ino, 8);
    std::memcpy(header + 16, &namlen, 4);
    header[20] = d.type;
    uint32_t n = std::min<uint32_t>(24, len - used);
    std::memcpy(c.mem + buf + used, header, n);
    used += n;
    n = std::min<uint32_t>(namlen, len - used);
    std::memcpy(c.mem + buf + used, d.name.data(), n);
    used += n;
  }
  c.store<uint32_t>(usedPtr, used);
  return errno_::SUCCESS;
}

E fd_renumber(Call& c) {
  uint32_t from = c.u32(0), to = c.u32(1);
  if (!c.ctx.fd(from) || !c.ctx.fd(to)) return errno_::BADF;
  c.ctx.renumber(from, to);
  return errno_::SUCCESS;
}

E fd_seek(Call& c) {
  int64_t offset = static_cast<int64_t>(c.u64(1));
  uint32_t whence = c.u32(2) & 0xff, resultPtr = c.u32(3);
  // Asking for the position only needs FD_TELL.
  uint64_t need = (offset == 0 && whence == 1) ? rights::FD_TELL : rights::FD_SEEK;
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), 0, &e)) return err;
  if (!(e->rightsBase & (need | rights::FD_SEEK))) return errno_::NOTCAPABLE;
  if (whence > 2) return errno_::INVAL;
  if (!c.ok(resultPtr, 8)) return errno_::FAULT;
  static const int kWhence[] = {SEEK_SET, SEEK_CUR, SEEK_END};
  off_t r = ::lseek(e->hostFd, offset, kWhence[whence]);
  if (r < 0) return hostError();
  c.store<uint64_t>(resultPtr, static_cast<uint64_t>(r));
  return errno_::SUCCESS;
}

E fd_tell(Call& c) {
  FdEntry* e;
  if (E err = getFd(c, c.u32(0), rights::FD_TELL, &e)) return err;
  if (!c.ok(c.u32(1), 8)) return errno_::FAULT;
  off_t r = ::lseek(e->hostFd, 0, SEEK_CUR);
  if (r < 0) return hostError();
  c.store<uint64_t>(c.u32(1), static_cast<uint64_t>(r));
  return errno_::SUCCESS;
}

// --- path_* ----------------------------------------------------------------------

E path_create_directory(Call& c) {
  Resolved r;
  if (E err = resolve(c, c.u32(0), rights::PATH_CREATE_DIRECTORY, c.u32(1), c.u32(2), false, &r)) return err;
  return ::mkdirat(r.dirFd, r.c(), 0777) == 0 ? errno_::SUCCESS : hostError();
}

E path_filestat_get(Call& c) {
  Resolved r;
  if (E err = resolve(c, c.u32(0), rights::PATH_FILESTAT_GET, c.u32(2), c.u32(3), c.u32(1) & kLookupSymlinkFollow,
                      &r))
    return err;
  if (!c.ok(c.u32(4), 64)) return errno_::FAULT;
  struct stat st;
  if (::fstatat(r.dirFd, r.c(), &st, AT_SYMLINK_NOFOLLOW) != 0) return hostError();
  if (r.trailingSlash && !S_ISDIR(st.st_mode)) return errno_::NOTDIR;
  writeFilestat(c, c.u32(4), st);
  return errno_::SUCCESS;
}

E path_filestat_set_times(Call& c) {
  Resolved r;
  if (E err = resolve(c, c.u32(0), rights::PATH_FILESTAT_SET_TIMES, c.u32(2), c.u32(3),
                      c.u32(1) & kLookupSymlinkFollow, &r))
    return err;
  struct timespec ts[2];
  if (E err = makeTimes(c.u64(4), c.u64(5), c.u32(6), ts)) return err;
  if (E err = checkTrailingSlash(r)) return err;
  return ::utimensat(r.dirFd, r.c(), ts, AT_SYMLINK_NOFOLLOW) == 0 ? errno_::SUCCESS : hostError();
}

E path_link(Call& c) {
  Resolved from, to;
  if (E err = resolve(c, c.u32(0), rights::PATH_LINK_SOURCE, c.u32(2), c.u32(3), c.u32(1) & kLookupSymlinkFollow,
                      &from))
    return err;
  if (E err = resolve(c, c.u32(4), rights::PATH_LINK_TARGET, c.u32(5), c.u32(6), false, &to)) return err;
  if (E err = checkTrailingSlash(from)) return err;
  if (to.trailingSlash) return errno_::NOENT;
  return ::linkat(from.dirFd, from.c(), to.dirFd, to.c(), 0) == 0 ? errno_::SUCCESS : hostError();
}

E path_open(Call& c) {
  uint32_t dirflags = c.u32(1), oflags = c.u32(4) & 0xffff, fdflagsArg = c.u32(7) & 0xffff, fdPtr = c.u32(8);
  uint64_t base = c.u64(5), inheriting = c.u64(6);
  FdEntry* dir;
  if (E err = getFd(c, c.u32(0), 0, &dir)) return err;
  if (dir->type != filetype::DIRECTORY) return errno_::NOTDIR;
  uint64_t need = rights::PATH_OPEN;
  if (oflags & oflags::CREAT) need |= rights::PATH_CREATE_FILE;
  if (oflags & oflags::TRUNC) need |= rights::PATH_FILESTAT_SET_SIZE;
  if (oflags & ~0xfu) return errno_::INVAL;
  if (fdflagsArg & ~0x1fu) return errno_::INVAL;
  if ((base & ~dir->rightsInheriting) || (inheriting & ~dir->rightsInheriting)) return errno_::NOTCAPABLE;
  if (!c.ok(fdPtr, 4)) return errno_::FAULT;
  Resolved r;
  if (E err = resolve(c, c.u32(0), need, c.u32(2), c.u32(3), dirflags & kLookupSymlinkFollow, &r)) return err;

  const bool read = base & (rights::FD_READ | rights::FD_READDIR);
  const bool write = (base & (rights::FD_DATASYNC | rights::FD_WRITE | rights::FD_ALLOCATE |
                              rights::FD_FILESTAT_SET_SIZE)) ||
                     (fdflagsArg & fdflags::APPEND);
  const bool directory = (oflags & oflags::DIRECTORY) || r.trailingSlash;
  int flags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
  // A directory opens read-only whatever rights were asked for (they are
  // cut down to directory rights below).
  flags |= directory ? O_RDONLY : (read && write) ? O_RDWR : write ? O_WRONLY : O_RDONLY;
  if (oflags & oflags::CREAT) flags |= O_CREAT;
  if (oflags & oflags::EXCL) flags |= O_EXCL;
  if (oflags & oflags::TRUNC) flags |= O_TRUNC;
  if (directory) flags |= O_DIRECTORY;
  if ((oflags & oflags::CREAT) && r.trailingSlash) return errno_::ISDIR;
  if (fdflagsArg & fdflags::APPEND) flags |= O_APPEND;
  if (fdflagsArg & fdflags::NONBLOCK) flags |= O_NONBLOCK;
  if (fdflagsArg & fdflags::DSYNC) flags |= O_DSYNC;
  if (fdflagsArg & (fdflags::SYNC | fdflags::RSYNC)) flags |= O_SYNC;
  int fd;
  do {
    fd = ::openat(r.dirFd, r.c(), flags, 0666);
  } while (fd < 0 && errno == EINTR);
  // A directory opened without O_DIRECTORY, with rights to read or write
  // (as wasi-libc's open(".") asks, with the preopen's own rights): the
  // host refuses write access to a directory, but WASI opens it as a
  // directory and cuts the rights down to a directory's (below), as other
  // runtimes do. Creating or truncating a directory stays EISDIR.
  if (fd < 0 && errno == EISDIR && !(oflags & (oflags::CREAT | oflags::TRUNC))) {
    do {
      fd = ::openat(r.dirFd, r.c(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW, 0);
    } while (fd < 0 && errno == EINTR);
  }
  if (fd < 0) {
    // A symlink under O_NOFOLLOW: ELOOP, as WASI expects when not following.
    return hostError();
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    E err = hostError();
    ::close(fd);
    return err;
  }
  auto e = std::make_unique<FdEntry>();
  e->hostFd = fd;
  e->type = filetypeFromMode(st.st_mode);
  if (S_ISDIR(st.st_mode)) {
    e->rightsBase = base & rights::DIR_BASE;
    e->rightsInheriting = inheriting;
  } else {
    e->rightsBase = base & rights::FILE_BASE;
    if (S_ISCHR(st.st_mode) && ::isatty(fd)) e->rightsBase &= ~(rights::FD_SEEK | rights::FD_TELL);
    e->rightsInheriting = 0;
  }
  int64_t n = c.ctx.insertFd(std::move(e));
  if (n < 0) return errno_::MFILE;  // the entry closed the descriptor
  c.store<uint32_t>(fdPtr, static_cast<uint32_t>(n));
  return errno_::SUCCESS;
}

E path_readlink(Call& c) {
  Resolved r;
  if (E err = resolve(c, c.u32(0), rights::PATH_READLINK, c.u32(1), c.u32(2), false, &r)) return err;
  uint32_t buf = c.u32(3), len = c.u32(4), usedPtr = c.u32(5);
  if (!c.ok(buf, len) || !c.ok(usedPtr, 4)) return errno_::FAULT;
  std::vector<char> tmp(std::max<uint32_t>(len, 1));
  ssize_t n = ::readlinkat(r.dirFd, r.c(), tmp.data(), tmp.size());
  if (n < 0) return hostError();
  uint32_t copied = std::min<uint32_t>(static_cast<uint32_t>(n), len);
  std::memcpy(c.mem + buf, tmp.data(), copied);
  c.store<uint32_t>(usedPtr, copied);
  return errno_::SUCCESS;
}

E path_remove_directory(Call& c) {
  Resolved r;
  if (E err = resolve(c, c.u32(0), rights::PATH_REMOVE_DIRECTORY, c.u32(1), c.u32(2), false, &r)) return err;
  return ::unlinkat(r.dirFd, r.c(), AT_REMOVEDIR) == 0 ? errno_::SUCCESS : hostError();
}

E path_rename(Call& c) {
  Resolved from, to;
  if (E err = resolve(c, c.u32(0), rights::PATH_RENAME_SOURCE, c.u32(1), c.u32(2), false, &from)) return err;
  if (E err = resolve(c, c.u32(3), rights::PATH_RENAME_TARGET, c.u32(4), c.u32(5), false, &to)) return err;
  if (from.trailingSlash || to.trailingSlash) {
    struct stat st;
    if (::fstatat(from.dirFd, from.c(), &st, AT_SYMLINK_NOFOLLOW) != 0) return hostError();
    if (!S_ISDIR(st.st_mode)) return errno_::NOTDIR;
  }
  return ::renameat(from.dirFd, from.c(), to.dirFd, to.c()) == 0 ? errno_::SUCCESS : hostError();
}

E path_symlink(Call& c) {
  std::string target;
  if (!c.string(c.u32(0), c.u32(1), &target)) return errno_::FAULT;
  Resolved r;
  if (E err = resolve(c, c.u32(2), rights::PATH_SYMLINK, c.u32(3), c.u32(4), false, &r)) return err;
  if (target.find('\0') != std::string::npos) return errno_::INVAL;
  if (!target.empty() && target[0] == '/') return errno_::NOTCAPABLE;  // would point outside every preopen
  if (r.trailingSlash) {
    struct stat st;
    return ::fstatat(r.dirFd, r.c(), &st, AT_SYMLINK_NOFOLLOW) == 0 ? errno_::EXIST : errno_::NOENT;
  }
  return ::symlinkat(target.c_str(), r.dirFd, r.c()) == 0 ? errno_::SUCCESS : hostError();
}

E path_unlink_file(Call& c) {
  Resolved r;
  if (E err = resolve(c, c.u32(0), rights::PATH_UNLINK_FILE, c.u32(1), c.u32(2), false, &r)) return err;
  if (r.trailingSlash) {
    struct stat st;
    if (::fstatat(r.dirFd, r.c(), &st, AT_SYMLINK_NOFOLLOW) != 0) return hostError();
    return S_ISDIR(st.st_mode) ? errno_::ISDIR : errno_::NOTDIR;
  }
  return ::unlinkat(r.dirFd, r.c(), 0) == 0 ? errno_::SUCCESS : hostError();
}

// --- poll_oneoff -----------------------------------------------------------------

E poll_oneoff(Call& c) {
  uint32_t in = c.u32(0), out = c.u32(1), count = c.u32(2), neventsPtr = c.u32(3);
  if (count == 0) return errno_::INVAL;
  if (!c.ok(in, uint64_t{count} * 48) || !c.ok(out, uint64_t{count} * 32) || !c.ok(neventsPtr, 4))
    return errno_::FAULT;

  struct Event {
    uint64_t userdata;
    uint16_t error;
    uint8_t type;
    uint64_t nbytes;
    uint16_t flags;
  };
  std::vector<Event> events;
  struct FdSub {
    uint64_t userdata;
    uint8_t type;
    size_t pollIndex;
  };
  std::vector<FdSub> fdSubs;
  std::vector<struct pollfd> pollfds;
  struct ClockSub {
    uint64_t userdata;
    int64_t relativeNs;
  };
  std::vector<ClockSub> clocks;

  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t sub = in + i * 48;
    uint64_t userdata = c.load<uint64_t>(sub);
    uint8_t tag = c.load<uint8_t>(sub + 8);
    if (tag == 0) {
      uint32_t id = c.load<uint32_t>(sub + 16);
      uint64_t timeout = c.load<uint64_t>(sub + 24);
      uint16_t flags = c.load<uint16_t>(sub + 40);
      clockid_t clock;
      if (!clockId(id, &clock)) {
        events.push_back({userdata, errno_::INVAL, 0, 0, 0});
        continue;
      }
      int64_t rel = static_cast<int64_t>(std::min<uint64_t>(timeout, INT64_MAX));
      if (flags & 1) {  // SUBSCRIPTION_CLOCK_ABSTIME
        struct timespec now;
        ::clock_gettime(clock, &now);
        rel = timeout > toNs(now) ? static_cast<int64_t>(std::min<uint64_t>(timeout - toNs(now), INT64_MAX)) : 0;
      }
      clocks.push_back({userdata, rel});
    } else if (tag == 1 || tag == 2) {
      uint32_t fd = c.load<uint32_t>(sub + 16);
      FdEntry* e = c.ctx.fd(fd);
      if (!e) {
        events.push_back({userdata, errno_::BADF, tag, 0, 0});
        continue;
      }
      if (!(e->rightsBase & rights::POLL_FD_READWRITE)) {
        events.push_back({userdata, errno_::NOTCAPABLE, tag, 0, 0});
        continue;
      }
      fdSubs.push_back({userdata, tag, pollfds.size()});
      pollfds.push_back({e->hostFd, static_cast<short>(tag == 1 ? POLLIN : POLLOUT), 0});
    } else {
      return errno_::INVAL;
    }
  }

  int64_t timeout = -1;  // ns; -1: no clock, wait for an fd
  for (const ClockSub& s : clocks) timeout = timeout < 0 ? s.relativeNs : std::min(timeout, s.relativeNs);
  if (!events.empty()) timeout = 0;
  struct timespec start;
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  int ready = 0;
  if (!pollfds.empty() || timeout > 0) {
    // The interrupt eventfd last: the guest's descriptors keep their
    // indices (fdSubs), and an interrupt ends the wait with its trap.
    ExecEnv* env = ExecEnv::current();
    int wake = env ? env->interruptFd() : -1;
    if (wake >= 0) {
      trapIfInterrupted(*env);
      pollfds.push_back({wake, POLLIN, 0});
    }
    for (;;) {
      int64_t left = timeout;
      if (timeout > 0) {
        struct timespec now;
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        left = std::max<int64_t>(0, timeout - static_cast<int64_t>(toNs(now) - toNs(start)));
      }
      struct timespec ts = {static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
      ready = ::ppoll(pollfds.data(), pollfds.size(), timeout < 0 ? nullptr : &ts, nullptr);
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return hostError();
      if (wake < 0 || !pollfds.back().revents) break;
      wokenByInterrupt(*env);  // traps, unless the request is gone:
      if (ready == 1 && left != 0) continue;  // then wait out the rest
      break;
    }
    if (wake >= 0) pollfds.pop_back();
  }
  struct timespec end;
  ::clock_gettime(CLOCK_MONOTONIC, &end);
  const int64_t elapsed = static_cast<int64_t>(toNs(end) - toNs(start));

  for (const FdSub& s : fdSubs) {
    const struct pollfd& p = pollfds[s.pollIndex];
    if (!p.revents) continue;
    Event ev{s.userdata, 0, s.type, 0, 0};
    if (p.revents & POLLNVAL) ev.error = errno_::BADF;
    if (p.revents & POLLHUP) ev.flags = 1;  // EVENTRWFLAGS_FD_READWRITE_HANGUP
    if (s.type == 1 && !ev.error) {
      struct stat st;
      int avail = 0;
      if (::fstat(p.fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t pos = ::lseek(p.fd, 0, SEEK_CUR);
        ev.nbytes = pos >= 0 && st.st_size > pos ? static_cast<uint64_t>(st.st_size - pos) : 0;
      } else if (::ioctl(p.fd, FIONREAD, &avail) == 0 && avail > 0) {
        ev.nbytes = static_cast<uint64_t>(avail);
      }
    }
    events.push_back(ev);
  }
  const bool fdFired = events.size() > 0;
  for (const ClockSub& s : clocks)
    if (s.relativeNs <= elapsed || (!fdFired && s.relativeNs == timeout)) events.push_back({s.userdata, 0, 0, 0, 0});

  uint32_t n = 0;
  for (const Event& ev : events) {
    uint8_t buf[32] = {};
    std::memcpy(buf, &ev.userdata, 8);
    std::memcpy(buf + 8, &ev.error, 2);
    buf[10] = ev.type;
    std::memcpy(buf + 16, &ev.nbytes, 8);
    std::memcpy(buf + 24, &ev.flags, 2);
    std::memcpy(c.mem + out + n * 32, buf, sizeof buf);
    if (++n == count) break;
  }
  c.store<uint32_t>(neventsPtr, n);
  return errno_::SUCCESS;
}

// --- proc, sched, random ---------------------------------------------------------

E proc_raise(Call&) { return errno_::NOSYS; }

E sched_yield(Call&) {
  ::sched_yield();
  return errno_::SUCCESS;
}

E random_get(Call& c) {
  uint32_t buf = c.u32(0), len = c.u32(1);
  if (!c.ok(buf, len)) return errno_::FAULT;
  uint32_t done = 0;
  while (done < len) {
    ssize_t n = ::getrandom(c.mem + buf + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return hostError();
    }
    done += static_cast<uint32_t>(n);
  }
  return errno_::SUCCESS;
}

// --- sock_* (on descriptors that are host sockets, e.g. an inherited stdin) -------

E getSocket(Call& c, uint32_t fd, uint64_t need, FdEntry** out) {
  FdEntry* e = c.ctx.fd(fd);
  if (!e) return errno_::BADF;
  if (e->type != filetype::SOCKET_STREAM && e->type != filetype::SOCKET_DGRAM) return errno_::NOTSOCK;
  if ((e->rightsBase & need) != need) return errno_::NOTCAPABLE;
  *out = e;
  return errno_::SUCCESS;
}

E sock_accept(Call& c) {
  FdEntry* e;
  if (E err = getSocket(c, c.u32(0), rights::SOCK_ACCEPT, &e)) return err;
  uint32_t flags = c.u32(1) & 0xffff;
  if (flags & ~uint32_t{fdflags::NONBLOCK}) return errno_::INVAL;
  if (!c.ok(c.u32(2), 4)) return errno_::FAULT;
  if (!waitReady(*e, POLLIN)) return hostError();
  int fd = ::accept4(e->hostFd, nullptr, nullptr, SOCK_CLOEXEC | (flags ? SOCK_NONBLOCK : 0));
  if (fd < 0) return hostError();
  auto entry = std::make_unique<FdEntry>();
  entry->hostFd = fd;
  entry->type = filetype::SOCKET_STREAM;
  entry->rightsBase = rights::SOCKET_BASE & ~rights::SOCK_ACCEPT;
  int64_t n = c.ctx.insertFd(std::move(entry));
  if (n < 0) return errno_::MFILE;
  c.store<uint32_t>(c.u32(2), static_cast<uint32_t>(n));
  return errno_::SUCCESS;
}

E sock_recv(Call& c) {
  FdEntry* e;
  if (E err = getSocket(c, c.u32(0), rights::FD_READ, &e)) return err;
  uint32_t riFlags = c.u32(3) & 0xffff, lenPtr = c.u32(4), flagsPtr = c.u32(5);
  if (riFlags & ~3u) return errno_::INVAL;
  if (!c.ok(lenPtr, 4) || !c.ok(flagsPtr, 2)) return errno_::FAULT;
  std::vector<struct iovec> iov;
  if (E err = readIovecs(c, c.u32(1), c.u32(2), &iov)) return err;
  struct msghdr msg = {};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  int flags = ((riFlags & 1) ? MSG_PEEK : 0) | ((riFlags & 2) ? MSG_WAITALL : 0);
  if (!waitReady(*e, POLLIN)) return hostError();
  ssize_t n;
  do {
    n = ::recvmsg(e->hostFd, &msg, flags);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return hostError();
  c.store<uint32_t>(lenPtr, static_cast<uint32_t>(n));
  c.store<uint16_t>(flagsPtr, (msg.msg_flags & MSG_TRUNC) ? 1 : 0);
  return errno_::SUCCESS;
}

E sock_send(Call& c) {
  FdEntry* e;
  if (E err = getSocket(c, c.u32(0), rights::FD_WRITE, &e)) return err;
  uint32_t lenPtr = c.u32(4);
  if (c.u32(3) & 0xffff) return errno_::INVAL;  // no siflags are defined
  if (!c.ok(lenPtr, 4)) return errno_::FAULT;
  std::vector<struct iovec> iov;
  if (E err = readIovecs(c, c.u32(1), c.u32(2), &iov)) return err;
  struct msghdr msg = {};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  ssize_t n;
  do {
    n = ::sendmsg(e->hostFd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return hostError();
  c.store<uint32_t>(lenPtr, static_cast<uint32_t>(n));
  return errno_::SUCCESS;
}

E sock_shutdown(Call& c) {
  FdEntry* e;
  if (E err = getSocket(c, c.u32(0), rights::SOCK_SHUTDOWN, &e)) return err;
  uint32_t how = c.u32(1) & 0xff;
  if (how == 0 || how > 3) return errno_::INVAL;
  int h = how == 1 ? SHUT_RD : how == 2 ? SHUT_WR : SHUT_RDWR;
  return ::shutdown(e->hostFd, h) == 0 ? errno_::SUCCESS : hostError();
}

// --- the table ---------------------------------------------------------------------

Call makeCall(void* env, Instance* caller, Slot* slots) {
  Memory* memory = caller && caller->numMemories() > 0 ? caller->memory(0) : nullptr;
  return Call{*static_cast<WasiContext*>(env), memory ? memory->base() : nullptr, memory ? memory->byteSize() : 0,
              slots};
}

template <E (*F)(Call&)>
void trampoline(void* env, Instance* caller, Slot* slots) {
  Call c = makeCall(env, caller, slots);
  slots[0] = F(c);
}

void proc_exit(void*, Instance*, Slot* slots) { throw WasiExit(static_cast<uint32_t>(slots[0])); }

struct FunctionInfo {
  const char* name;
  const char* params;   // 'i' i32, 'I' i64
  const char* results;  // "" or "i"
  HostCallback callback;
};

#define WASI_FN(name, params) {#name, params, "i", trampoline<name>}
const FunctionInfo kFunctions[] = {
    WASI_FN(args_get, "ii"),
    WASI_FN(args_sizes_get, "ii"),
    WASI_FN(clock_res_get, "ii"),
    WASI_FN(clock_time_get, "iIi"),
    WASI_FN(environ_get, "ii"),
    WASI_FN(environ_sizes_get, "ii"),
    WASI_FN(fd_advise, "iIIi"),
    WASI_FN(fd_allocate, "iII"),
    WASI_FN(fd_close, "i"),
    WASI_FN(fd_datasync, "i"),
    WASI_FN(fd_fdstat_get, "ii"),
    WASI_FN(fd_fdstat_set_flags, "ii"),
    WASI_FN(fd_fdstat_set_rights, "iII"),
    WASI_FN(fd_filestat_get, "ii"),
    WASI_FN(fd_filestat_set_size, "iI"),
    WASI_FN(fd_filestat_set_times, "iIIi"),
    WASI_FN(fd_pread, "iiiIi"),
    WASI_FN(fd_prestat_dir_name, "iii"),
    WASI_FN(fd_prestat_get, "ii"),
    WASI_FN(fd_pwrite, "iiiIi"),
    WASI_FN(fd_read, "iiii"),
    WASI_FN(fd_readdir, "iiiIi"),
    WASI_FN(fd_renumber, "ii"),
    WASI_FN(fd_seek, "iIii"),
    WASI_FN(fd_sync, "i"),
    WASI_FN(fd_tell, "ii"),
    WASI_FN(fd_write, "iiii"),
    WASI_FN(path_create_directory, "iii"),
    WASI_FN(path_filestat_get, "iiiii"),
    WASI_FN(path_filestat_set_times, "iiiiIIi"),
    WASI_FN(path_link, "iiiiiii"),
    WASI_FN(path_open, "iiiiiIIii"),
    WASI_FN(path_readlink, "iiiiii"),
    WASI_FN(path_remove_directory, "iii"),
    WASI_FN(path_rename, "iiiiii"),
    WASI_FN(path_symlink, "iiiii"),
    WASI_FN(path_unlink_file, "iii"),
    WASI_FN(poll_oneoff, "iiii"),
    {"proc_exit", "i", "", proc_exit},
    WASI_FN(proc_raise, "i"),
    WASI_FN(random_get, "ii"),
    WASI_FN(sched_yield, ""),
    WASI_FN(sock_accept, "iii"),
    WASI_FN(sock_recv, "iiiiii"),
    WASI_FN(sock_send, "iiiii"),
    WASI_FN(sock_shutdown, "ii"),
};
#undef WASI_FN

FuncType typeOf(const FunctionInfo& f) {
  FuncType t;
  for (const char* p = f.params; *p; ++p) t.params.push_back(*p == 'I' ? ValType::I64 : ValType::I32);
  for (const char* p = f.results; *p; ++p) t.results.push_back(*p == 'I' ? ValType::I64 : ValType::I32);
  return t;
}

}  // namespace

bool resolveWasiImport(WasiContext& ctx, const Module& module, const Import& import, Extern* out,
                       std::string* error) {
  const std::string qualified = import.module + "." + import.name;
  if (import.module != kModuleName) {
    *error = "unknown import " + qualified;
    return false;
  }
  for (const FunctionInfo& f : kFunctions) {
    if (import.name != f.name) continue;
    if (import.kind != ExternKind::Func) {
      *error = "incompatible import type for " + qualified + ": it is a function";
      return false;
    }
    FuncType type = typeOf(f);
    if (import.typeIndex >= module.types.size() || module.types[import.typeIndex] != type) {
      *error = "incompatible import type for " + qualified + ": expected a function " + type.toString() +
               (import.typeIndex < module.types.size() ? ", got " + module.types[import.typeIndex].toString() : "");
      return false;
    }
    out->kind = ExternKind::Func;
    out->func = makeHostFunction(std::move(type), f.callback, &ctx);
    return true;
  }
  *error = "unknown import " + qualified;
  return false;
}

std::vector<std::string> wasiFunctionNames() {
  std::vector<std::string> names;
  for (const FunctionInfo& f : kFunctions) names.emplace_back(f.name);
  return names;
}

}  // namespace wasi
}  // namespace strata
