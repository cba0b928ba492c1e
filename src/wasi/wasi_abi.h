// WASI preview1 ABI constants (witx: wasi_snapshot_preview1) and the fd
// table entry. Private to src/wasi/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {
namespace wasi {

namespace errno_ {
// Plain constants (not an enum) so they mix with uint16_t in conditionals.
constexpr uint16_t
  SUCCESS = 0, TOOBIG = 1, ACCES = 2, ADDRINUSE = 3, ADDRNOTAVAIL = 4, AFNOSUPPORT = 5, AGAIN = 6,
  ALREADY = 7, BADF = 8, BADMSG = 9, BUSY = 10, CANCELED = 11, CHILD = 12, CONNABORTED = 13,
  CONNREFUSED = 14, CONNRESET = 15, DEADLK = 16, DESTADDRREQ = 17, DOM = 18, DQUOT = 19,
  EXIST = 20, FAULT = 21, FBIG = 22, HOSTUNREACH = 23, IDRM = 24, ILSEQ = 25, INPROGRESS = 26,
  INTR = 27, INVAL = 28, IO = 29, ISCONN = 30, ISDIR = 31, LOOP = 32, MFILE = 33, MLINK = 34,
  MSGSIZE = 35, MULTIHOP = 36, NAMETOOLONG = 37, NETDOWN = 38, NETRESET = 39, NETUNREACH = 40,
  NFILE = 41, NOBUFS = 42, NODEV = 43, NOENT = 44, NOEXEC = 45, NOLCK = 46, NOLINK = 47,
  NOMEM = 48, NOMSG = 49, NOPROTOOPT = 50, NOSPC = 51, NOSYS = 52, NOTCONN = 53, NOTDIR = 54,
  NOTEMPTY = 55, NOTRECOVERABLE = 56, NOTSOCK = 57, NOTSUP = 58, NOTTY = 59, NXIO = 60,
  OVERFLOW = 61, OWNERDEAD = 62, PERM = 63, PIPE = 64, PROTO = 65, PROTONOSUPPORT = 66,
  PROTOTYPE = 67, RANGE = 68, ROFS = 69, SPIPE = 70, SRCH = 71, STALE = 72, TIMEDOUT = 73,
  TXTBSY = 74, XDEV = 75, NOTCAPABLE = 76;
}  // namespace errno_

namespace filetype {
enum : uint8_t {
  UNKNOWN = 0, BLOCK_DEVICE = 1, CHARACTER_DEVICE = 2, DIRECTORY = 3, REGULAR_FILE = 4,
  SOCKET_DGRAM = 5, SOCKET_STREAM = 6, SYMBOLIC_LINK = 7,
};
}

namespace rights {
enum : uint64_t {
  FD_DATASYNC = 1ull << 0, FD_READ = 1ull << 1, FD_SEEK = 1ull << 2, FD_FDSTAT_SET_FLAGS = 1ull << 3,
  FD_SYNC = 1ull << 4, FD_TELL = 1ull << 5, FD_WRITE = 1ull << 6, FD_ADVISE = 1ull << 7,
  FD_ALLOCATE = 1ull << 8, PATH_CREATE_DIRECTORY = 1ull << 9, PATH_CREATE_FILE = 1ull << 10,
  PATH_LINK_SOURCE = 1ull << 11, PATH_LINK_TARGET = 1ull << 12, PATH_OPEN = 1ull << 13,
  FD_READDIR = 1ull << 14, PATH_READLINK = 1ull << 15, PATH_RENAME_SOURCE = 1ull << 16,
  PATH_RENAME_TARGET = 1ull << 17, PATH_FILESTAT_GET = 1ull << 18, PATH_FILESTAT_SET_SIZE = 1ull << 19,
  PATH_FILESTAT_SET_TIMES = 1ull << 20, FD_FILESTAT_GET = 1ull << 21, FD_FILESTAT_SET_SIZE = 1ull << 22,
  FD_FILESTAT_SET_TIMES = 1ull << 23, PATH_SYMLINK = 1ull << 24, PATH_REMOVE_DIRECTORY = 1ull << 25,
  PATH_UNLINK_FILE = 1ull << 26, POLL_FD_READWRITE = 1ull << 27, SOCK_SHUTDOWN = 1ull << 28,
  SOCK_ACCEPT = 1ull << 29,
  ALL = (1ull << 30) - 1,
  // What a regular file can do; what a directory can do.
  FILE_BASE = FD_DATASYNC | FD_READ | FD_SEEK | FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_TELL | FD_WRITE |
              FD_ADVISE | FD_ALLOCATE | FD_FILESTAT_GET | FD_FILESTAT_SET_SIZE | FD_FILESTAT_SET_TIMES |
              POLL_FD_READWRITE,
  DIR_BASE = FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_DATASYNC | PATH_CREATE_DIRECTORY | PATH_CREATE_FILE |
             PATH_LINK_SOURCE | PATH_LINK_TARGET | PATH_OPEN | FD_READDIR | PATH_READLINK |
             PATH_RENAME_SOURCE | PATH_RENAME_TARGET | PATH_FILESTAT_GET | PATH_FILESTAT_SET_SIZE |
             PATH_FILESTAT_SET_TIMES | FD_FILESTAT_GET | FD_FILESTAT_SET_TIMES | PATH_SYMLINK |
             PATH_REMOVE_DIRECTORY | PATH_UNLINK_FILE | POLL_FD_READWRITE,
  SOCKET_BASE = FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE |
                SOCK_SHUTDOWN | SOCK_ACCEPT,
};
}  // namespace rights

namespace fdflags {
enum : uint16_t { APPEND = 1, DSYNC = 2, NONBLOCK = 4, RSYNC = 8, SYNC = 16 };
}
namespace oflags {
enum : uint16_t { CREAT = 1, DIRECTORY = 2, EXCL = 4, TRUNC = 8 };
}
namespace fstflags {
enum : uint16_t { ATIM = 1, ATIM_NOW = 2, MTIM = 4, MTIM_NOW = 8 };
}
constexpr uint32_t kLookupSymlinkFollow = 1;

// One open descriptor of the guest.
struct FdEntry {
  int hostFd = -1;
  bool ownsHostFd = true;  // false for the stdio descriptors
  uint8_t type = filetype::UNKNOWN;
  uint64_t rightsBase = 0;
  uint64_t rightsInheriting = 0;
  bool preopen = false;
  std::string preopenName;  // the guest's name of a preopened directory
  // fd_readdir: the entries, read when the guest asks from cookie 0.
  struct DirEntry {
    uint64_t ino;
    uint8_t type;
    std::string name;
  };
  std::vector<DirEntry> dirCache;
  bool dirCacheValid = false;

  ~FdEntry();
};

// Maps a host errno value to WASI's.
uint16_t errnoFromHost(int e);
// The WASI file type of a host st_mode.
uint8_t filetypeFromMode(unsigned mode);

}  // namespace wasi
}  // namespace strata
