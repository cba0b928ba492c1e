// WASI preview1 (`wasi_snapshot_preview1`) as host functions.
//
// A WasiContext holds what a WASI program sees of the outside world: its
// arguments, its environment, its preopened directories and its table of
// file descriptors. Every WASI function is a host function whose env is the
// context; guest memory is the calling instance's memory 0, and every guest
// pointer and length is bounds-checked (a bad one gives ERRNO_FAULT).
//
// Sandbox: the guest reaches the file system only through preopened
// directories, and path resolution never leaves them: `..` past a preopen,
// absolute paths and symlinks that lead outside (chains and guest-made ones
// included) fail with ERRNO_NOTCAPABLE. Paths are resolved with
// openat2(RESOLVE_BENEATH) when the kernel has it, else with a
// component-by-component openat walk using O_NOFOLLOW
// (WasiOptions::resolve, or STRATA_WASI_RESOLVE=walk|openat2 in the
// environment, picks one).
//
// proc_exit throws WasiExit, which is not a Trap: catch it where the wasm
// call started (the CLI, wasm_application_execute_main) and use its code as
// the exit status. The interpreter holds no state that needs unwinding and
// ExecEnv::call restores its own on any exception.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/objects.h"
#include "wasm/module.h"

namespace strata {
namespace wasi {

constexpr const char kModuleName[] = "wasi_snapshot_preview1";

// Thrown by proc_exit; `code` is the guest's exit code.
class WasiExit : public std::exception {
 public:
  explicit WasiExit(uint32_t code) : code_(code) {}
  uint32_t code() const { return code_; }
  const char* what() const noexcept override { return "wasi proc_exit"; }

 private:
  uint32_t code_;
};

struct WasiOptions {
  std::vector<std::string> args;  // argv, argv[0] (the program name) included
  std::vector<std::string> env;   // "KEY=VALUE"
  // Preopened directories: the guest's name for each and the host path.
  std::vector<std::pair<std::string, std::string>> preopens;
  // Host descriptors behind guest fds 0, 1 and 2 (not closed by the context).
  int stdinFd = 0, stdoutFd = 1, stderrFd = 2;
  enum class Resolve { Auto, Openat2, Walk };
  Resolve resolve = Resolve::Auto;

  // --dir=HOSTDIR: the guest sees HOSTDIR under the same name.
  void addDir(const std::string& hostDir) { preopens.emplace_back(hostDir, hostDir); }
  // --map-dir=GUEST::HOST. False if `spec` has no "::" or an empty side.
  bool addMapDir(const std::string& spec);
};

struct FdEntry;

class WasiContext {
 public:
  // Opens the preopened directories. Returns null and sets *error (naming
  // the directory) if one cannot be opened.
  static std::unique_ptr<WasiContext> create(const WasiOptions& options, std::string* error);

  // The arrays of wasm_runtime_set_wasi_args (WAMR's C API): directories,
  // "GUEST::HOST" mappings, "KEY=VALUE" strings and argv (argv[0] the
  // program name). Null arrays with a zero count are fine.
  static std::unique_ptr<WasiContext> createFromLists(const char* const* dirList, uint32_t dirCount,
                                                      const char* const* mapDirList, uint32_t mapDirCount,
                                                      const char* const* env, uint32_t envCount,
                                                      const char* const* argv, int argc, std::string* error);
  ~WasiContext();
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  // Which path resolution this context uses.
  bool usesOpenat2() const { return useOpenat2_; }

  // --- used by the WASI functions (wasi_functions.cpp) ---
  const std::vector<std::string>& args() const { return args_; }
  const std::vector<std::string>& env() const { return env_; }
  FdEntry* fd(uint32_t fd) const { return fd < fds_.size() ? fds_[fd].get() : nullptr; }
  // Installs `entry` at the lowest free number; returns it, or -1 if full.
  int64_t insertFd(std::unique_ptr<FdEntry> entry);
  void closeFd(uint32_t fd);
  void renumber(uint32_t from, uint32_t to);

  // Resolves `path` relative to the directory `dir` without leaving the
  // preopen it came from. On success *parentFd is a directory (close it if
  // *ownsParent) and *name one component ("." when the path names a
  // directory itself) that the caller uses with *at() calls and
  // AT_SYMLINK_NOFOLLOW / O_NOFOLLOW. `followFinal` follows a symlink in the
  // last component (always done for a trailing slash); *trailingSlash
  // tells the caller the path must name a directory. Returns a WASI errno.
  uint16_t resolvePath(const FdEntry& dir, const std::string& path, bool followFinal, int* parentFd,
                       bool* ownsParent, std::string* name, bool* trailingSlash) const;

 private:
  WasiContext() = default;
  uint16_t resolveOpenat2(int dirFd, const std::string& path, bool followFinal, int* parentFd, bool* ownsParent,
                          std::string* name, bool* trailingSlash) const;
  uint16_t resolveWalk(int dirFd, const std::string& path, bool followFinal, int* parentFd, bool* ownsParent,
                       std::string* name, bool* trailingSlash) const;

  std::vector<std::string> args_;
  std::vector<std::string> env_;
  std::vector<std::unique_ptr<FdEntry>> fds_;
  bool useOpenat2_ = false;
};

// Resolves an import of `wasi_snapshot_preview1` to a host function bound to
// `ctx` (which must outlive the instance). False with *error set ("unknown
// import" / "incompatible import type ...") if the name is not a preview1
// function, the import is not a function, or its type differs.
bool resolveWasiImport(WasiContext& ctx, const Module& module, const Import& import, Extern* out,
                       std::string* error);
inline bool isWasiImport(const Import& import) { return import.module == kModuleName; }

// Names of all preview1 functions this implementation provides.
std::vector<std::string> wasiFunctionNames();

}  // namespace wasi
}  // namespace strata
