// WasiContext: arguments, environment, the fd table and sandboxed path
// resolution.

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>

#include "wasi/wasi.h"
#include "wasi/wasi_abi.h"

namespace strata {
namespace wasi {

FdEntry::~FdEntry() {
  if (ownsHostFd && hostFd >= 0) ::close(hostFd);
}

uint16_t errnoFromHost(int e) {
  switch (e) {
    case 0: return errno_::SUCCESS;
    case E2BIG: return errno_::TOOBIG;
    case EACCES: return errno_::ACCES;
    case EADDRINUSE: return errno_::ADDRINUSE;
    case EADDRNOTAVAIL: return errno_::ADDRNOTAVAIL;
    case EAFNOSUPPORT: return errno_::AFNOSUPPORT;
    case EAGAIN: return errno_::AGAIN;
    case EALREADY: return errno_::ALREADY;
    case EBADF: return errno_::BADF;
    case EBADMSG: return errno_::BADMSG;
    case EBUSY: return errno_::BUSY;
    case ECANCELED: return errno_::CANCELED;
    case ECHILD: return errno_::CHILD;
    case ECONNABORTED: return errno_::CONNABORTED;
    case ECONNREFUSED: return errno_::CONNREFUSED;
    case ECONNRESET: return errno_::CONNRESET;
    case EDEADLK: return errno_::DEADLK;
    case EDESTADDRREQ: return errno_::DESTADDRREQ;
    case EDOM: return errno_::DOM;
    case EDQUOT: return errno_::DQUOT;
    case EEXIST: return errno_::EXIST;
    case EFAULT: return errno_::FAULT;
    case EFBIG: return errno_::FBIG;
    case EHOSTUNREACH: return errno_::HOSTUNREACH;
    case EIDRM: return errno_::IDRM;
    case EILSEQ: return errno_::ILSEQ;
    case EINPROGRESS: return errno_::INPROGRESS;
    case EINTR: return errno_::INTR;
    case EINVAL: return errno_::INVAL;
    case EIO: return errno_::IO;
    case EISCONN: return errno_::ISCONN;
    case EISDIR: return errno_::ISDIR;
    case ELOOP: return errno_::LOOP;
    case EMFILE: return errno_::MFILE;
    case EMLINK: return errno_::MLINK;
    case EMSGSIZE: return errno_::MSGSIZE;
    case EMULTIHOP: return errno_::MULTIHOP;
    case ENAMETOOLONG: return errno_::NAMETOOLONG;
    case ENETDOWN: return errno_::NETDOWN;
    case ENETRESET: return errno_::NETRESET;
    case ENETUNREACH: return errno_::NETUNREACH;
    case ENFILE: return errno_::NFILE;
    case ENOBUFS: return errno_::NOBUFS;
    case ENODEV: return errno_::NODEV;
    case ENOENT: return errno_::NOENT;
    case ENOEXEC: return errno_::NOEXEC;
    case ENOLCK: return errno_::NOLCK;
    case ENOLINK: return errno_::NOLINK;
    case ENOMEM: return errno_::NOMEM;
    case ENOMSG: return errno_::NOMSG;
    case ENOPROTOOPT: return errno_::NOPROTOOPT;
    case ENOSPC: return errno_::NOSPC;
    case ENOSYS: return errno_::NOSYS;
    case ENOTCONN: return errno_::NOTCONN;
    case ENOTDIR: return errno_::NOTDIR;
    case ENOTEMPTY: return errno_::NOTEMPTY;
    case ENOTRECOVERABLE: return errno_::NOTRECOVERABLE;
    case ENOTSOCK: return errno_::NOTSOCK;
    case ENOTSUP: return errno_::NOTSUP;  // == EOPNOTSUPP on Linux
    case ENOTTY: return errno_::NOTTY;
    case ENXIO: return errno_::NXIO;
    case EOVERFLOW: return errno_::OVERFLOW;
    case EOWNERDEAD: return errno_::OWNERDEAD;
    case EPERM: return errno_::PERM;
    case EPIPE: return errno_::PIPE;
    case EPROTO: return errno_::PROTO;
    case EPROTONOSUPPORT: return errno_::PROTONOSUPPORT;
    case EPROTOTYPE: return errno_::PROTOTYPE;
    case ERANGE: return errno_::RANGE;
    case EROFS: return errno_::ROFS;
    case ESPIPE: return errno_::SPIPE;
    case ESRCH: return errno_::SRCH;
    case ESTALE: return errno_::STALE;
    case ETIMEDOUT: return errno_::TIMEDOUT;
    case ETXTBSY: return errno_::TXTBSY;
    case EXDEV: return errno_::XDEV;
    default: return errno_::IO;
  }
}

uint8_t filetypeFromMode(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return filetype::REGULAR_FILE;
    case S_IFDIR: return filetype::DIRECTORY;
    case S_IFCHR: return filetype::CHARACTER_DEVICE;
    case S_IFBLK: return filetype::BLOCK_DEVICE;
    case S_IFLNK: return filetype::SYMBOLIC_LINK;
    case S_IFSOCK: return filetype::SOCKET_STREAM;
    default: return filetype::UNKNOWN;  // FIFOs have no WASI type
  }
}

bool WasiOptions::addMapDir(const std::string& spec) {
  size_t sep = spec.find("::");
  if (sep == std::string::npos || sep == 0 || sep + 2 >= spec.size()) return false;
  preopens.emplace_back(spec.substr(0, sep), spec.substr(sep + 2));
  return true;
}

namespace {

// The type and rights of an inherited host descriptor (stdio). A terminal
// has no seek/tell rights: that is how wasi-libc's isatty() recognises it.
std::unique_ptr<FdEntry> stdioEntry(int hostFd) {
  struct stat st;
  if (hostFd < 0 || ::fstat(hostFd, &st) != 0) return nullptr;
  auto e = std::make_unique<FdEntry>();
  e->hostFd = hostFd;
  e->ownsHostFd = false;
  e->type = filetypeFromMode(st.st_mode);
  e->rightsBase = rights::FILE_BASE;
  e->rightsInheriting = 0;
  if (S_ISDIR(st.st_mode)) {
    e->rightsBase = rights::DIR_BASE;
    e->rightsInheriting = rights::ALL;
  } else if (S_ISSOCK(st.st_mode)) {
    int type = 0;
    socklen_t len = sizeof type;
    if (::getsockopt(hostFd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM)
      e->type = filetype::SOCKET_DGRAM;
    e->rightsBase = rights::SOCKET_BASE;
  } else if (S_ISCHR(st.st_mode) && ::isatty(hostFd)) {  // a pipe keeps them: lseek says ESPIPE
    e->rightsBase &= ~(rights::FD_SEEK | rights::FD_TELL);
  }
  return e;
}

bool kernelHasOpenat2() {
  static const bool has = [] {
    struct open_how how;
    std::memset(&how, 0, sizeof how);
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH;
    long fd = ::syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
    if (fd >= 0) {
      ::close(static_cast<int>(fd));
      return true;
    }
    return errno != ENOSYS && errno != EPERM;  // EPERM: a seccomp filter said no
  }();
  return has;
}

// A guest path's components; empty ones (from "a//b" or a trailing slash)
// are dropped. Checks what every path must satisfy first.
uint16_t checkPath(const std::string& path, bool* trailingSlash) {
  if (path.empty()) return errno_::NOENT;
  if (path.find('\0') != std::string::npos) return errno_::INVAL;
  if (path[0] == '/') return errno_::NOTCAPABLE;  // absolute: outside every preopen
  *trailingSlash = path.back() == '/';
  return errno_::SUCCESS;
}

void splitInto(const std::string& path, std::deque<std::string>* out, bool front) {
  std::deque<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  if (front)
    out->insert(out->begin(), parts.begin(), parts.end());
  else
    out->insert(out->end(), parts.begin(), parts.end());
}

// The target of symlink `name` in `dirFd`, or an errno.
uint16_t readLink(int dirFd, const std::string& name, std::string* target) {
  std::vector<char> buf(256);
  for (;;) {
    ssize_t n = ::readlinkat(dirFd, name.c_str(), buf.data(), buf.size());
    if (n < 0) return errnoFromHost(errno);
    if (static_cast<size_t>(n) < buf.size()) {
      target->assign(buf.data(), static_cast<size_t>(n));
      return errno_::SUCCESS;
    }
    if (buf.size() >= 65536) return errno_::NAMETOOLONG;
    buf.resize(buf.size() * 4);
  }
}

constexpr int kMaxSymlinks = 40;  // Linux's MAXSYMLINKS

}  // namespace

std::unique_ptr<WasiContext> WasiContext::create(const WasiOptions& options, std::string* error) {
  std::unique_ptr<WasiContext> ctx(new WasiContext());
  ctx->args_ = options.args;
  ctx->env_ = options.env;
  WasiOptions::Resolve mode = options.resolve;
  if (mode == WasiOptions::Resolve::Auto) {
    const char* forced = std::getenv("STRATA_WASI_RESOLVE");
    if (forced && std::strcmp(forced, "walk") == 0) mode = WasiOptions::Resolve::Walk;
    if (forced && std::strcmp(forced, "openat2") == 0) mode = WasiOptions::Resolve::Openat2;
  }
  ctx->useOpenat2_ = mode != WasiOptions::Resolve::Walk && kernelHasOpenat2();
  if (mode == WasiOptions::Resolve::Openat2 && !ctx->useOpenat2_) {
    *error = "openat2 is not available on this kernel";
    return nullptr;
  }

  for (int stdFd : {options.stdinFd, options.stdoutFd, options.stderrFd}) ctx->fds_.push_back(stdioEntry(stdFd));
  for (const auto& [guest, host] : options.preopens) {
    int fd = ::open(host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      *error = "cannot open directory '" + host + "': " + std::strerror(errno);
      return nullptr;
    }
    auto e = std::make_unique<FdEntry>();
    e->hostFd = fd;
    e->type = filetype::DIRECTORY;
    e->rightsBase = rights::DIR_BASE;
    e->rightsInheriting = rights::ALL;
    e->preopen = true;
    e->preopenName = guest;
    ctx->fds_.push_back(std::move(e));
  }
  return ctx;
}

std::unique_ptr<WasiContext> WasiContext::createFromLists(const char* const* dirList, uint32_t dirCount,
                                                          const char* const* mapDirList, uint32_t mapDirCount,
                                                          const char* const* env, uint32_t envCount,
                                                          const char* const* argv, int argc, std::string* error) {
  WasiOptions options;
  for (uint32_t i = 0; i < dirCount; ++i) options.addDir(dirList[i]);
  for (uint32_t i = 0; i < mapDirCount; ++i) {
    if (!options.addMapDir(mapDirList[i])) {
      *error = std::string("bad map-dir '") + mapDirList[i] + "' (expected GUEST::HOST)";
      return nullptr;
    }
  }
  for (uint32_t i = 0; i < envCount; ++i) options.env.emplace_back(env[i]);
  for (int i = 0; i < argc; ++i) options.args.emplace_back(argv[i]);
  return create(options, error);
}

WasiContext::~WasiContext() = default;

int64_t WasiContext::insertFd(std::unique_ptr<FdEntry> entry) {
  for (size_t i = 0; i < fds_.size(); ++i) {
    if (!fds_[i]) {
      fds_[i] = std::move(entry);
      return static_cast<int64_t>(i);
    }
  }
  if (fds_.size() >= (1u << 20)) return -1;
  fds_.push_back(std::move(entry));
  return static_cast<int64_t>(fds_.size() - 1);
}

void WasiContext::closeFd(uint32_t fd) {
  if (fd < fds_.size()) fds_[fd].reset();
  while (!fds_.empty() && !fds_.back()) fds_.pop_back();
}

void WasiContext::renumber(uint32_t from, uint32_t to) {
  if (from == to) return;
  fds_[to] = std::move(fds_[from]);
  closeFd(from);
}

uint16_t WasiContext::resolvePath(const FdEntry& dir, const std::string& path, bool followFinal, int* parentFd,
                                  bool* ownsParent, std::string* name, bool* trailingSlash) const {
  if (dir.type != filetype::DIRECTORY) return errno_::NOTDIR;
  *trailingSlash = false;
  if (uint16_t err = checkPath(path, trailingSlash)) return err;
  return useOpenat2_ ? resolveOpenat2(dir.hostFd, path, followFinal, parentFd, ownsParent, name, trailingSlash)
                     : resolveWalk(dir.hostFd, path, followFinal, parentFd, ownsParent, name, trailingSlash);
}

// The kernel resolves everything but the last component beneath dirFd;
// a symlink in the last component that is to be followed is read here and
// its target resolved the same way, so nothing is ever followed outside.
uint16_t WasiContext::resolveOpenat2(int dirFd, const std::string& path, bool followFinal, int* parentFd,
                                     bool* ownsParent, std::string* name, bool* trailingSlash) const {
  std::string current = path;
  for (int links = 0;; ++links) {
    // Split into the directory part and the last component.
    size_t end = current.find_last_not_of('/');
    if (end == std::string::npos) return errno_::NOTCAPABLE;  // "/" only: absolute
    size_t slash = current.rfind('/', end);
    std::string last = current.substr(slash == std::string::npos ? 0 : slash + 1,
                                      end - (slash == std::string::npos ? 0 : slash + 1) + 1);
    std::string dirPart = slash == std::string::npos ? "" : current.substr(0, slash + 1);
    bool isDot = last == "." || last == "..";
    if (isDot) {
      dirPart = current.substr(0, end + 1);  // resolve the whole path as the directory
      last = ".";
    }
    int fd = dirFd;
    bool owns = false;
    if (!dirPart.empty()) {
      struct open_how how;
      std::memset(&how, 0, sizeof how);
      how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
      how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
      long r;
      do {
        r = ::syscall(SYS_openat2, dirFd, dirPart.c_str(), &how, sizeof how);
      } while (r < 0 && (errno == EAGAIN || errno == EINTR));
      if (r < 0) return errno == EXDEV ? errno_::NOTCAPABLE : errnoFromHost(errno);
      fd = static_cast<int>(r);
      owns = true;
    }
    if (!isDot && (followFinal || *trailingSlash)) {
      struct stat st;
      if (::fstatat(fd, last.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        std::string target;
        uint16_t err = readLink(fd, last, &target);
        if (owns) ::close(fd);
        if (err) return err;
        if (links >= kMaxSymlinks) return errno_::LOOP;
        if (target.empty()) return errno_::NOENT;
        if (target[0] == '/') return errno_::NOTCAPABLE;
        if (target.back() == '/') *trailingSlash = true;
        current = dirPart + target;
        continue;
      }
    }
    *parentFd = fd;
    *ownsParent = owns;
    *name = last;
    return errno_::SUCCESS;
  }
}

// Component by component: each directory is opened with O_NOFOLLOW, symlinks
// are read and spliced into the remaining path, and `..` pops the stack of
// opened directories, refusing to pop the starting one.
uint16_t WasiContext::resolveWalk(int dirFd, const std::string& path, bool followFinal, int* parentFd,
                                  bool* ownsParent, std::string* name, bool* trailingSlash) const {
  std::vector<int> stack;  // opened directories below dirFd
  auto top = [&] { return stack.empty() ? dirFd : stack.back(); };
  auto fail = [&](uint16_t err) {
    for (int fd : stack) ::close(fd);
    return err;
  };
  std::deque<std::string> parts;
  splitInto(path, &parts, false);
  if (parts.empty()) return errno_::NOTCAPABLE;
  int links = 0;
  std::string result;
  while (!parts.empty()) {
    std::string part = std::move(parts.front());
    parts.pop_front();
    const bool last = parts.empty();
    if (part == "." || part == "..") {
      if (part == "..") {
        if (stack.empty()) return fail(errno_::NOTCAPABLE);
        ::close(stack.back());
        stack.pop_back();
      }
      if (last) result = ".";
      continue;
    }
    struct stat st;
    if (::fstatat(top(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (last && errno == ENOENT) {  // may be about to be created
        result = part;
        break;
      }
      return fail(errnoFromHost(errno));
    }
    if (S_ISLNK(st.st_mode) && (!last || followFinal || *trailingSlash)) {
      std::string target;
      if (uint16_t err = readLink(top(), part, &target)) return fail(err);
      if (++links > kMaxSymlinks) return fail(errno_::LOOP);
      if (target.empty()) return fail(errno_::NOENT);
      if (target[0] == '/') return fail(errno_::NOTCAPABLE);
      if (last && target.back() == '/') *trailingSlash = true;
      splitInto(target, &parts, true);
      if (last && parts.empty()) result = ".";  // a link to "." or "./"
      continue;
    }
    if (last) {
      result = part;
      break;
    }
    if (!S_ISDIR(st.st_mode)) return fail(errno_::NOTDIR);
    int fd = ::openat(top(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail(errnoFromHost(errno));  // replaced by a symlink meanwhile: ELOOP/ENOTDIR
    stack.push_back(fd);
  }
  if (result.empty()) result = ".";
  for (size_t i = 0; i + 1 < stack.size(); ++i) ::close(stack[i]);
  *parentFd = top();
  *ownsParent = !stack.empty();
  *name = result;
  return errno_::SUCCESS;
}

}  // namespace wasi
}  // namespace strata
