// The `strata` command-line tool. Its `run` subcommand follows the
// conventions of WAMR's iwasm (result lines such as "0x2a:i32", traps
// reported as "Exception: <message>" on stdout), so scripts written against
// iwasm's output keep working.
//
// Exit status: 0 success; 1 the input failed (unreadable, invalid, trapped,
// bad arguments); 2 usage error or a feature this build does not have;
// 3 internal error (a bug in strata: please report it).

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/spectest.h"
#include "jit/jit.h"
#include "libc/libc_builtin.h"
#include "runtime/exec_env.h"
#include "runtime/value_text.h"
#include "runtime/instance.h"
#include "runtime/linker.h"
#include "wasi/wasi.h"
#include "wasm/module.h"

#ifndef STRATA_VERSION
#define STRATA_VERSION "unknown"  // the build defines it from PROJECT_VERSION
#endif

namespace strata {
namespace cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;

const char kUsage[] =
    "Usage:\n"
    "  strata run [OPTIONS] FILE.wasm [ARGS...]\n"
    "      Instantiate FILE.wasm and call a function: the one named by --invoke\n"
    "      (ARGS are its arguments), else the export _start, else main.\n"
    "      --invoke NAME       function to call (also --invoke=NAME); '$mB$f' calls\n"
    "                          export f of dependency mB\n"
    "      --module-path=DIR   where to find imported modules (NAME.wasm), before\n"
    "                          FILE's own directory; repeatable (also --module-path DIR)\n"
    "      --tier=TIER         tiered (the default): interpret, compile hot functions\n"
    "                          with the baseline compiler and hot baseline code with\n"
    "                          the optimizing one, in the background; running loops\n"
    "                          move up a tier by OSR. jit: the baseline compiler\n"
    "                          before a function first runs, then the same. interp,\n"
    "                          baseline, optimizing: that tier alone\n"
    "      --jit-threshold=N   tiered: calls plus loop iterations before an interpreted\n"
    "                          function is compiled (default 500)\n"
    "      --opt-threshold=N   jit, tiered: calls plus loop iterations in baseline code\n"
    "                          before the optimizing compile (default 10000)\n"
    "      --jit-threads=N     background compile threads (default: the cores but one;\n"
    "                          0 compiles on the spot, for tests)\n"
    "      --stats             JIT statistics and CPU time per tier on stderr after\n"
    "                          the run\n"
    "      --dump-jit[=FUNC]   disassemble compiled code (of FUNC: name or index) to stderr\n"
    "      --perf-map          name JIT code for perf: /tmp/perf-PID.map and a jitdump\n"
    "                          (/tmp/jit-PID.dump) for perf record -k mono + perf inject --jit\n"
    "      --compile-log=FILE  one CSV line per JIT compile: tier, function, wasm bytes,\n"
    "                          locals, microseconds, code bytes\n"
    "      --jit-code-limit=BYTES  compiled code at most BYTES (default 1 GiB): past\n"
    "                          it, functions stay in the tier they are in\n"
    "      --stack-size=BYTES  value stack size (default 1048576, at least 1024)\n"
    "      --timeout=MS        stop the program after MS milliseconds of wall time\n"
    "                          (Exception: execution timed out), in every tier\n"
    "      --fuel=N            stop the program after N units of fuel: one per\n"
    "                          function call and loop iteration, in every tier\n"
    "      --max-memory-pages=N  every memory at most N pages of 64 KiB: a module\n"
    "                          declaring more fails to instantiate, memory.grow past\n"
    "                          it returns -1\n"
    "      --dir=HOSTDIR       WASI: preopen HOSTDIR under the same name\n"
    "      --map-dir=GUEST::HOST  WASI: preopen HOST under the name GUEST\n"
    "      --env=KEY=VALUE     WASI: add to the guest's environment\n"
    "      WASI programs get ARGS as argv[1..] (argv[0] is FILE.wasm) and exit\n"
    "      with their proc_exit code. A reactor's _initialize runs before --invoke.\n"
    "      i32/i64 arguments: decimal, negative or 0x hex; f32/f64: decimal,\n"
    "      inf, nan. Results print one per line: 0x2a:i32, 1.500000:f32.\n"
    "  strata validate FILE.wasm...\n"
    "      Decode and validate each file; report each invalid one.\n"
    "  strata spectest [--tier=TIER] [JIT OPTIONS] [--linker] [--verbose]\n"
    "                  [--superseded=FILE] SCRIPT\n"
    "      Run a spec test script: wabt's wast2json output (SCRIPT.json), or an\n"
    "      S-expression script whose modules are binary (SCRIPT.bin.wast).\n"
    "      FILE lists commands a later WebAssembly version reversed\n"
    "      (SCRIPT.wast:LINE reason): they count as skipped\n"
    "  strata --version\n"
    "  strata --help\n"
    "Exit status: 0 success, 1 failure (invalid module, trap, bad input),\n"
    "2 usage error, 3 internal error.\n";

int usageError(const std::string& message) {
  std::cerr << "strata: " << message << "\n" << kUsage;
  return kExitUsage;
}

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// Execution-tier options, shared by run and spectest (see jit/jit.h).
// Tiered by default: the interpreter's start-up, the JIT's speed once hot.
jit::Options g_jitOptions = [] {
  jit::Options o;
  o.mode = jit::Mode::Tiered;
  return o;
}();

bool parseCount(const std::string& text, uint32_t* out) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  *out = static_cast<uint32_t>(std::stoul(text));
  return true;
}

// Returns -1 if `arg` is no tier option, 0 if it was taken, else the exit
// status of a usage error.
int parseTierOption(const std::string& arg) {
  if (startsWith(arg, "--tier=")) {
    const std::string tier = arg.substr(7);
    bool known = false;
    for (jit::Mode m : {jit::Mode::Interp, jit::Mode::Baseline, jit::Mode::Optimizing, jit::Mode::Jit, jit::Mode::Tiered})
      if (tier == jit::modeName(m)) {
        g_jitOptions.mode = m;
        known = true;
      }
    if (!known)
      return usageError("unknown tier '" + tier + "' (expected interp, baseline, optimizing, jit or tiered)");
  } else if (startsWith(arg, "--jit-threshold=")) {
    if (!parseCount(arg.substr(16), &g_jitOptions.threshold) || g_jitOptions.threshold == 0)
      return usageError("--jit-threshold needs a number of calls (at least 1)");
  } else if (startsWith(arg, "--opt-threshold=")) {
    if (!parseCount(arg.substr(16), &g_jitOptions.optimizeThreshold) || g_jitOptions.optimizeThreshold == 0)
      return usageError("--opt-threshold needs a number of calls (at least 1)");
  } else if (startsWith(arg, "--jit-threads=")) {
    if (!parseCount(arg.substr(14), &g_jitOptions.threads) || g_jitOptions.threads > 64)
      return usageError("--jit-threads needs a number from 0 to 64");
  } else if (arg == "--stats") {
    g_jitOptions.stats = true;
  } else if (arg == "--dump-jit" || startsWith(arg, "--dump-jit=")) {
    g_jitOptions.dump = true;
    if (arg.size() > 10) g_jitOptions.dumpFunction = arg.substr(11);
  } else if (arg == "--perf-map") {
    g_jitOptions.perfMap = true;
  } else if (startsWith(arg, "--jit-code-limit=")) {
    std::string value = arg.substr(17);
    uint64_t bytes = 0;
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
        !parseValueText(value, ValType::I64, &bytes) || bytes == 0)
      return usageError("--jit-code-limit needs a number of bytes (at least 1)");
    g_jitOptions.codeLimit = bytes;
  } else if (startsWith(arg, "--compile-log=")) {
    g_jitOptions.compileLog = arg.substr(14);
    if (g_jitOptions.compileLog.empty()) return usageError("--compile-log needs a file name");
  } else {
    return -1;
  }
  return 0;
}

// Runs a command with the tier options in effect; --stats reports after.
template <class F>
int withTier(F&& body) {
  jit::configure(g_jitOptions);
  if (g_jitOptions.stats) jit::startProfiling();
  int status = body();
  if (g_jitOptions.stats) jit::printStats(std::cerr);
  jit::shutdown();
  return status;
}

// --timeout: interrupts the env's running code (ExecEnv::requestInterrupt)
// when the time is up, unless the run ends first.
class Watchdog {
 public:
  Watchdog(ExecEnv& env, uint64_t ms) {
    if (!ms) return;
    thread_ = std::thread([this, &env, ms] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!done_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return finished_; }))
        env.requestInterrupt(ExecEnv::kTimedOut);
    });
  }
  ~Watchdog() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_ = true;
    }
    done_.notify_all();
    thread_.join();
  }

 private:
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
};

// A trap as iwasm reports it ("Exception: <message>" on stdout), and the
// wasm functions it unwound under it, on stderr so that scripts reading
// stdout see what they always saw.
void reportTrap(const Trap& e) {
  std::cout << "Exception: " << e.what() << "\n";
  std::cout.flush();
  std::string trace = formatTrace(e);
  if (!trace.empty()) std::cerr << "backtrace:\n" << trace;
}

// --- arguments of `run --invoke`: runtime/value_text.h ----------------------

std::string typeList(const std::vector<ValType>& types) {
  std::string out;
  for (ValType t : types) out += (out.empty() ? "" : " ") + std::string(valTypeName(t));
  return "(" + out + ")";
}

// --- strata run ---------------------------------------------------------------

struct RunOptions {
  std::string file;
  std::string invoke;  // empty: _start or main
  bool hasInvoke = false;
  uint32_t stackBytes = ExecEnv::kDefaultStackBytes;
  uint64_t timeoutMs = 0;  // --timeout; 0: none
  int64_t fuel = ExecEnv::kUnlimitedFuel;  // --fuel
  uint64_t maxMemoryPages = 0;  // --max-memory-pages; 0: none
  std::vector<std::string> args;
  wasi::WasiOptions wasi;  // --dir, --map-dir, --env
  std::vector<std::string> modulePaths;  // --module-path
};

// Host modules of the CLI for the linker: WASI, and "env" (which the
// CLI has no natives for, so every env import is reported unknown).
class WasiImports : public ImportResolver {
 public:
  explicit WasiImports(wasi::WasiContext& ctx) : ctx_(ctx) {}
  bool providesModule(const std::string& name) const override { return name == wasi::kModuleName; }
  bool resolve(const Module& importer, const Import& import, Extern* out, std::string* error) override {
    return wasi::resolveWasiImport(ctx_, importer, import, out, error);
  }

 private:
  wasi::WasiContext& ctx_;
};

// "env": WAMR's built-in libc (src/libc/), as iwasm has it. The CLI gives
// instances no app heap, so its malloc traps saying so.
class EnvImports : public ImportResolver {
 public:
  bool providesModule(const std::string& name) const override { return name == "env"; }
  bool resolve(const Module&, const Import& import, Extern* out, std::string* error) override {
    std::shared_ptr<Function> f = import.kind == ExternKind::Func ? libc::builtinFunction(import.name, &heap_) : nullptr;
    if (!f) {
      *error = "unknown import " + import.module + "." + import.name +
               " (the strata CLI's \"env\" has only the functions of WAMR's built-in libc)";
      return false;
    }
    out->kind = ExternKind::Func;
    out->func = std::move(f);
    return true;
  }

 private:
  libc::Heap heap_;
};

// Everything a running root needs: the registry of its modules and the
// group of instances (dependencies included).
struct Loaded {
  std::unique_ptr<WasiImports> wasiImports;
  EnvImports envImports;
  ModuleRegistry registry;
  ModuleNode* root = nullptr;
  std::shared_ptr<InstanceGroup> group;
  ~Loaded() {
    group.reset();
    if (root) registry.releaseRoot(root);
  }
};

// Loads, decodes and instantiates; on failure prints the reason and
// returns null with `*status` set.
std::shared_ptr<Instance> loadInstance(const RunOptions& options, ExecEnv& env, wasi::WasiContext& wasiCtx,
                                       Loaded& loaded, int* status) {
  *status = kExitFailure;
  std::vector<uint8_t> bytes;
  std::string error;
  if (!readFileBytes(options.file, &bytes, &error)) {
    std::cerr << options.file << ": cannot read: " << error << "\n";
    return nullptr;
  }
  std::shared_ptr<const Module> module;
  try {
    module = decodeModule(std::move(bytes));
  } catch (const DecodeError& e) {
    std::cerr << options.file << ": " << e.toString() << "\n";
    return nullptr;
  }
  // Host modules (WASI, env) first; any other import module is loaded as
  // NAME.wasm from the --module-path directories, then FILE's directory
  // (runtime/linker.h), recursively.
  loaded.wasiImports.reset(new WasiImports(wasiCtx));
  loaded.registry.addResolver(loaded.wasiImports.get());
  loaded.registry.addResolver(&loaded.envImports);
  std::vector<std::string> dirs = options.modulePaths;
  size_t slash = options.file.find_last_of('/');
  dirs.push_back(slash == std::string::npos ? "." : options.file.substr(0, slash));
  loaded.registry.setReader(directoryReader(dirs));
  loaded.root = loaded.registry.loadRoot(module, options.file, &error);
  if (!loaded.root) {
    std::cerr << error << "\n";
    return nullptr;
  }
  try {
    InstanceGroup::Options groupOptions;
    groupOptions.initializeRoot = false;  // runModule runs it, for --invoke only
    if (options.maxMemoryPages) {
      auto limits = std::make_shared<ResourceLimits>();
      limits->maxMemoryPages = options.maxMemoryPages;
      groupOptions.limits = std::move(limits);
    }
    loaded.group = InstanceGroup::instantiate(loaded.registry, loaded.root, env, groupOptions);
    return std::shared_ptr<Instance>(loaded.group, loaded.group->root());
  } catch (const wasi::WasiExit& e) {
    *status = static_cast<int>(e.code());  // proc_exit in the start function
  } catch (const Trap& e) {
    reportTrap(e);  // a trapping start function
  } catch (const LinkError& e) {
    std::cerr << options.file << ": link error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << options.file << ": cannot instantiate: " << e.what() << "\n";
  }
  return nullptr;
}

// The function to call and its arguments; null after printing an error.
Function* selectEntry(const RunOptions& options, Instance& instance, const InstanceGroup* group,
                      std::vector<Slot>* args) {
  if (options.hasInvoke) {
    Function* function = instance.exportedFunction(options.invoke);
    // '$mB$f': export f of dependency mB.
    size_t sep = options.invoke.size() > 2 && options.invoke[0] == '$' ? options.invoke.find('$', 1) : std::string::npos;
    if (!function && group && sep != std::string::npos) {
      Instance* dep = group->find(options.invoke.substr(1, sep - 1));
      if (dep) function = dep->exportedFunction(options.invoke.substr(sep + 1));
    }
    if (!function) {
      std::cerr << options.file << ": no exported function '" << options.invoke << "'\n";
      return nullptr;
    }
    const std::vector<ValType>& params = function->type.params;
    if (options.args.size() != params.size()) {
      std::cerr << "strata: '" << options.invoke << "' takes " << params.size() << " argument"
                << (params.size() == 1 ? "" : "s") << " " << typeList(params) << ", got " << options.args.size()
                << "\n";
      return nullptr;
    }
    for (size_t i = 0; i < params.size(); ++i) {
      Slot slot[2] = {0, 0};
      if (!parseValueText(options.args[i], params[i], slot)) {
        std::cerr << "strata: argument " << i + 1 << " '" << options.args[i] << "' is not a valid "
                  << valTypeName(params[i]) << (params[i] == ValType::V128 ? " (LOW\\HIGH, two 64-bit numbers)" : "")
                  << "\n";
        return nullptr;
      }
      args->insert(args->end(), slot, slot + slotWidth(params[i]));
    }
    return function;
  }

  for (const char* name : {"_start", "main"}) {
    Function* function = instance.exportedFunction(name);
    if (!function) continue;
    if (!function->type.params.empty()) {
      std::cerr << options.file << ": '" << name << "' takes arguments " << typeList(function->type.params)
                << "; use --invoke " << name << " ARGS...\n";
      return nullptr;
    }
    return function;
  }
  std::cerr << options.file << ": no _start or main export to run (use --invoke NAME)\n";
  return nullptr;
}

int runModule(const RunOptions& options) {
  // WASI: argv[0] is the module file as given, then the program arguments
  // (for --invoke those are the function's, so the guest gets argv[0] only).
  wasi::WasiOptions wasiOptions = options.wasi;
  wasiOptions.args.push_back(options.file);
  if (!options.hasInvoke) wasiOptions.args.insert(wasiOptions.args.end(), options.args.begin(), options.args.end());
  std::string wasiError;
  std::unique_ptr<wasi::WasiContext> wasiCtx = wasi::WasiContext::create(wasiOptions, &wasiError);
  if (!wasiCtx) return (std::cerr << "strata: " << wasiError << "\n", kExitFailure);

  ExecEnv env(options.stackBytes);
  env.fuel = options.fuel;
  Watchdog watchdog(env, options.timeoutMs);
  int status = kExitOk;
  Loaded loaded;
  std::shared_ptr<Instance> instance = loadInstance(options, env, *wasiCtx, loaded, &status);
  if (!instance) return status;

  std::vector<Slot> args;
  Function* entry = selectEntry(options, *instance, loaded.group.get(), &args);
  if (!entry) return kExitFailure;

  std::vector<Slot> results;
  try {
    // A reactor's _initialize runs before the function it exports.
    Function* initialize = options.hasInvoke ? instance->exportedFunction("_initialize") : nullptr;
    if (initialize && initialize != entry && initialize->type.params.empty() && initialize->type.results.empty())
      env.call(initialize, {});
    results = env.call(entry, args);
  } catch (const wasi::WasiExit& e) {
    std::cout.flush();
    return static_cast<int>(e.code());
  } catch (const Trap& e) {
    reportTrap(e);
    return kExitFailure;
  }
  // iwasm prints results only for --invoke; _start and main run silently.
  if (options.hasInvoke) {
    size_t at = 0;
    for (ValType t : entry->type.results) {
      if (at + slotWidth(t) > results.size()) break;
      std::cout << formatValueText(t, &results[at]) << "\n";
      at += slotWidth(t);
    }
  }
  return kExitOk;
}

int commandRun(const std::vector<std::string>& argv) {
  RunOptions options;
  size_t i = 0;
  // Options come before FILE; everything after FILE is an argument, so
  // negative numbers such as -5 are never mistaken for options.
  for (; i < argv.size() && startsWith(argv[i], "-"); ++i) {
    const std::string& arg = argv[i];
    if (int tierStatus = parseTierOption(arg); tierStatus >= 0) {
      if (tierStatus > 0) return tierStatus;
    } else if (arg == "--module-path" || startsWith(arg, "--module-path=")) {
      if (arg == "--module-path") {
        if (++i == argv.size()) return usageError("--module-path needs a directory");
        options.modulePaths.push_back(argv[i]);
      } else {
        options.modulePaths.push_back(arg.substr(14));
      }
    } else if (arg == "--invoke" || startsWith(arg, "--invoke=")) {
      if (arg == "--invoke") {
        if (++i == argv.size()) return usageError("--invoke needs a function name");
        options.invoke = argv[i];
      } else {
        options.invoke = arg.substr(9);
      }
      options.hasInvoke = true;
    } else if (startsWith(arg, "--stack-size=")) {
      std::string value = arg.substr(13);
      uint64_t bytes = 0;
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
          !parseValueText(value, ValType::I64, &bytes) || bytes < 1024 || bytes > UINT32_MAX)
        return usageError("--stack-size needs a number of bytes from 1024 to 4294967295");
      options.stackBytes = static_cast<uint32_t>(bytes);
    } else if (startsWith(arg, "--timeout=")) {
      std::string value = arg.substr(10);
      uint64_t ms = 0;
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
          !parseValueText(value, ValType::I64, &ms) || ms == 0 || ms > 1000ull * 3600 * 24 * 365)
        return usageError("--timeout needs a number of milliseconds from 1 to 31536000000");
      options.timeoutMs = ms;
      g_jitOptions.interruptibleLoops = true;  // so that a loop without calls stops too
    } else if (startsWith(arg, "--fuel=")) {
      std::string value = arg.substr(7);
      uint64_t units = 0;
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
          !parseValueText(value, ValType::I64, &units) || units > uint64_t(INT64_MAX) - 1)
        return usageError("--fuel needs a number of units from 0 to 9223372036854775806");
      options.fuel = int64_t(units);
      g_jitOptions.meterFuel = true;
    } else if (startsWith(arg, "--max-memory-pages=")) {
      std::string value = arg.substr(19);
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
          !parseValueText(value, ValType::I64, &options.maxMemoryPages) || options.maxMemoryPages == 0)
        return usageError("--max-memory-pages needs a number of pages (at least 1)");
    } else if (startsWith(arg, "--dir=")) {
      if (arg.size() == 6) return usageError("--dir needs a directory");
      options.wasi.addDir(arg.substr(6));
    } else if (startsWith(arg, "--map-dir=")) {
      if (!options.wasi.addMapDir(arg.substr(10))) return usageError("--map-dir needs GUEST::HOST");
    } else if (startsWith(arg, "--env=")) {
      if (arg.find('=', 6) == std::string::npos) return usageError("--env needs KEY=VALUE");
      options.wasi.env.push_back(arg.substr(6));
    } else if (arg == "--") {
      ++i;
      break;
    } else {
      return usageError("unknown option '" + arg + "' for run");
    }
  }
  if (i == argv.size()) return usageError("run needs a FILE.wasm");
  options.file = argv[i++];
  options.args.assign(argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
  return withTier([&] { return runModule(options); });
}

// --- strata validate ------------------------------------------------------------

int commandValidate(const std::vector<std::string>& argv) {
  if (argv.empty()) return usageError("validate needs at least one FILE.wasm");
  for (const std::string& arg : argv)
    if (startsWith(arg, "-")) return usageError("unknown option '" + arg + "' for validate");

  int status = kExitOk;
  for (const std::string& file : argv) {
    std::vector<uint8_t> bytes;
    std::string error;
    if (!readFileBytes(file, &bytes, &error)) {
      std::cerr << file << ": cannot read: " << error << "\n";
      status = std::max(status, kExitFailure);
      continue;
    }
    try {
      decodeModule(std::move(bytes));
    } catch (const DecodeError& e) {
      std::cerr << file << ": " << e.toString() << "\n";
      status = std::max(status, kExitFailure);
    } catch (const std::exception& e) {
      // The decoder must turn every bad input into a DecodeError; anything
      // else (bad_alloc on a huge count, say) is a decoder bug.
      std::cerr << file << ": internal error: " << e.what() << "\n";
      status = kExitInternal;
    }
  }
  return status;
}

// --- strata spectest ------------------------------------------------------------

int commandSpectest(const std::vector<std::string>& argv) {
  SpecTestOptions options;
  for (const std::string& arg : argv) {
    if (int tierStatus = parseTierOption(arg); tierStatus >= 0) {
      if (tierStatus > 0) return tierStatus;
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--linker") {
      options.linker = true;
    } else if (startsWith(arg, "--superseded=")) {
      options.supersededPath = arg.substr(strlen("--superseded="));
    } else if (startsWith(arg, "-")) {
      return usageError("unknown option '" + arg + "' for spectest");
    } else if (options.jsonPath.empty()) {
      options.jsonPath = arg;
    } else {
      return usageError("spectest takes one SCRIPT");
    }
  }
  if (options.jsonPath.empty()) return usageError("spectest needs a SCRIPT (.json or .bin.wast)");
  return withTier([&] { return runSpecTestScript(options); });
}

int dispatch(int argc, char** argv) {
  if (argc < 2) return usageError("no command given");
  const std::string command = argv[1];
  const std::vector<std::string> rest(argv + 2, argv + argc);
  if (command == "--version") {
    std::cout << "strata " << STRATA_VERSION << "\n";
    return kExitOk;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (command == "run") return commandRun(rest);
  if (command == "validate") return commandValidate(rest);
  if (command == "spectest") return commandSpectest(rest);
  if (startsWith(command, "-")) return usageError("unknown option '" + command + "'");
  return usageError("unknown command '" + command + "'");
}

}  // namespace
}  // namespace cli
}  // namespace strata

int main(int argc, char** argv) {
  try {
    return strata::cli::dispatch(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "strata: internal error: " << e.what() << "\n";
    return strata::cli::kExitInternal;
  }
}
