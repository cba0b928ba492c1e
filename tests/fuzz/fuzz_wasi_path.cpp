// Fuzz target: WASI path resolution (WasiContext::resolvePath, wasi.h),
// the sandbox boundary every path-taking WASI function goes through.
//
// Input: one flags byte, then the guest's path (any bytes, NULs included):
//   bit 0   followFinal (follow a symlink in the last component)
//   bit 1   resolve from root/dir (a directory opened below the preopen,
//           as after path_open) instead of from the preopen itself
// Once per process a tree is made in a temporary directory, with symlinks
// that stay inside the preopen and symlinks that lead out of it:
//   outside/secret
//   root/                     the preopen
//     file, dir/nested/deep
//     dir/link_up -> ..       dir/link_escape -> ../..
//     link_out -> ../outside  link_secret -> ../outside/secret
//     link_abs -> /tmp        link_file -> file     link_dir -> dir/nested
//     link_slash -> dir/      link_dot -> .         link_loop -> link_loop
//     link_dangling -> missing
// Each path is resolved by both resolvers (the component walk, and
// openat2(RESOLVE_BENEATH) where the kernel has it). The invariant, for
// each: on success the directory it returns lies inside the preopen, the
// name is one component other than "..", and what that name opens (with
// O_NOFOLLOW, as the WASI functions open it) lies inside the preopen too;
// a returned directory it does not own is the starting one; no descriptor
// leaks. Between the two: when both succeed they name the same object, and
// neither may succeed where the other says the path leaves the sandbox
// (ENOTCAPABLE). A violation is reported and aborts.
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "wasi/wasi.h"
#include "wasi/wasi_abi.h"

namespace strata {
namespace {

using wasi::FdEntry;
using wasi::WasiContext;
using wasi::WasiOptions;

[[noreturn]] void fatal(const std::string& message) {
  std::fprintf(stderr, "fuzz_wasi_path: %s\n", message.c_str());
  std::abort();
}

std::string g_base;  // the temporary directory, removed at exit

int removeEntry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }
void removeTree() {
  if (!g_base.empty()) ::nftw(g_base.c_str(), removeEntry, 16, FTW_DEPTH | FTW_PHYS);
}

// The host path of descriptor `fd`.
std::string fdPath(int fd) {
  char buf[PATH_MAX + 1];
  ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, PATH_MAX);
  if (n < 0) fatal("cannot read /proc/self/fd/" + std::to_string(fd));
  return std::string(buf, size_t(n));
}

struct Sandbox {
  std::string root;  // the preopen's real path
  std::unique_ptr<WasiContext> walk, openat2;
  FdEntry dir;  // root/dir, as a descriptor path_open would have made
  int lowestFreeFd = -1;

  Sandbox() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/strata-fuzz-wasi-XXXXXX";
    if (!::mkdtemp(&templ[0])) fatal("mkdtemp failed");
    g_base = templ;
    std::atexit(removeTree);
    auto mkdir = [&](const char* p) {
      if (::mkdir((g_base + "/" + p).c_str(), 0755) != 0) fatal(std::string("mkdir ") + p);
    };
    auto file = [&](const char* p) {
      int fd = ::open((g_base + "/" + p).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) fatal(std::string("create ") + p);
      ::close(fd);
    };
    auto link = [&](const char* target, const char* p) {
      if (::symlink(target, (g_base + "/" + p).c_str()) != 0) fatal(std::string("symlink ") + p);
    };
    mkdir("outside");
    file("outside/secret");
    mkdir("root");
    file("root/file");
    mkdir("root/dir");
    mkdir("root/dir/nested");
    file("root/dir/nested/deep");
    link("..", "root/dir/link_up");
    link("../..", "root/dir/link_escape");
    link("../outside", "root/link_out");
    link("../outside/secret", "root/link_secret");
    link("/tmp", "root/link_abs");
    link("file", "root/link_file");
    link("dir/nested", "root/link_dir");
    link("dir/", "root/link_slash");
    link(".", "root/link_dot");
    link("link_loop", "root/link_loop");
    link("missing", "root/link_dangling");
    char real[PATH_MAX];
    if (!::realpath((g_base + "/root").c_str(), real)) fatal("realpath");
    root = real;

    WasiOptions options;
    options.addDir(root);
    std::string error;
    options.resolve = WasiOptions::Resolve::Walk;
    walk = WasiContext::create(options, &error);
    if (!walk) fatal("WasiContext (walk): " + error);
    options.resolve = WasiOptions::Resolve::Openat2;
    openat2 = WasiContext::create(options, &error);  // null where the kernel has no openat2

    dir.hostFd = ::open((root + "/dir").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir.hostFd < 0) fatal("open root/dir");
    dir.type = wasi::filetype::DIRECTORY;
    dir.rightsBase = wasi::rights::DIR_BASE;
    dir.rightsInheriting = wasi::rights::ALL;

    lowestFreeFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ::close(lowestFreeFd);
  }

  bool inside(const std::string& path) const {
    return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                            path[root.size()] == '/');
  }
};

struct Resolved {
  uint16_t error = 0;
  dev_t dev = 0;  // the returned directory
  ino_t ino = 0;
  std::string name;
};

Resolved resolve(const Sandbox& box, const WasiContext& ctx, const FdEntry& start, const std::string& path,
                 bool followFinal, const char* which) {
  Resolved r;
  int parent = -1;
  bool owns = false, trailingSlash = false;
  r.error = ctx.resolvePath(start, path, followFinal, &parent, &owns, &r.name, &trailingSlash);
  if (r.error) return r;
  auto fail = [&](const std::string& what) {
    fatal(std::string(which) + " resolver: path \"" + path + "\" (followFinal " + (followFinal ? "on" : "off") +
          "): " + what);
  };
  if (!owns && parent != start.hostFd) fail("returned a directory it does not own other than the start");
  if (r.name.empty() || r.name == ".." || r.name.find('/') != std::string::npos ||
      r.name.find('\0') != std::string::npos)
    fail("returned the name \"" + r.name + "\", not one component");
  std::string parentPath = fdPath(parent);
  if (!box.inside(parentPath)) fail("returned the directory " + parentPath + ", outside the preopen " + box.root);
  struct stat st;
  if (::fstat(parent, &st) != 0 || !S_ISDIR(st.st_mode)) fail("returned something that is not a directory");
  r.dev = st.st_dev;
  r.ino = st.st_ino;
  // What a WASI function opens with the result.
  int fd = ::openat(parent, r.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    std::string target = fdPath(fd);
    ::close(fd);
    if (::fstatat(parent, r.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode) &&
        !box.inside(target))
      fail("the name \"" + r.name + "\" opens " + target + ", outside the preopen");
  }
  if (owns) ::close(parent);
  return r;
}

}  // namespace
}  // namespace strata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  static Sandbox box;
  if (size < 1) return 0;
  const bool followFinal = data[0] & 1;
  const bool fromDir = data[0] & 2;
  const std::string path(reinterpret_cast<const char*>(data) + 1, size - 1);

  const FdEntry& walkStart = fromDir ? box.dir : *box.walk->fd(3);
  Resolved a = resolve(box, *box.walk, walkStart, path, followFinal, "walk");
  if (box.openat2) {
    const FdEntry& start = fromDir ? box.dir : *box.openat2->fd(3);
    Resolved b = resolve(box, *box.openat2, start, path, followFinal, "openat2");
    const uint16_t notCapable = wasi::errno_::NOTCAPABLE;
    if ((!a.error && b.error == notCapable) || (a.error == notCapable && !b.error))
      fatal("path \"" + path + "\": the " + (a.error ? "openat2" : "walk") +
            " resolver resolves it, the other says it leaves the sandbox");
    if (!a.error && !b.error && (a.dev != b.dev || a.ino != b.ino || a.name != b.name))
      fatal("path \"" + path + "\": the resolvers resolve it to different places (names \"" + a.name + "\" and \"" +
            b.name + "\")");
  }
  int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(probe);
  if (probe != box.lowestFreeFd) fatal("path \"" + path + "\": a descriptor leaked");
  return 0;
}
