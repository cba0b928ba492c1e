// Concurrency stress test of the embedding API (issue 15), meant to run
// under ThreadSanitizer (scripts/test.sh builds it with
// STRATA_SANITIZE_THREAD) and, with fewer cycles, as a plain ctest test.
//
// At once, through the C API only:
//   - N worker threads, each repeating: load st_root (its dependency st_lib
//     comes through the module reader), instantiate, call it through the
//     import slot, its table and a call-heavy loop, and destroy everything.
//     The JIT thresholds are tiny, so every cycle queues baseline and
//     optimizing compiles, tiers up while the calls run and frees code
//     whose instance is gone, possibly while a compile of it is queued.
//   - A replacer thread hot-replacing st_lib in one shared group (version 1
//     and 2 in turn) while two caller threads call through that group's
//     import slots and table; every result must be one version's.
//   - A spinner thread running a loop that never ends and a killer thread
//     stopping it with wasm_runtime_terminate, again and again.
// Every result is checked against the host's own computation; any wrong
// result, failed call or leftover retired instance fails the run.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jit/jit.h"
#include "wasm_export.h"

namespace {

struct Config {
  int threads = 16;
  int cycles = 1000;
  int replacements = 300;
  int terminations = 50;
  RunningMode mode = Mode_Multi_Tier_JIT;
  std::string wasmDir = STRATA_STRESS_WASM_DIR;
};

std::map<std::string, std::vector<uint8_t>> gModules;  // read before any thread starts

std::vector<uint8_t> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool reader(const char* name, uint8_t** buffer, uint32_t* size) {
  auto it = gModules.find(name);
  if (it == gModules.end()) return false;
  *buffer = static_cast<uint8_t*>(std::malloc(it->second.size()));
  std::memcpy(*buffer, it->second.data(), it->second.size());
  *size = static_cast<uint32_t>(it->second.size());
  return true;
}

void destroyer(uint8_t* buffer, uint32_t) { std::free(buffer); }

// st_lib's work(n) of version v, computed by the host.
int32_t expectedWork(uint32_t version, uint32_t n) {
  uint32_t x = version;
  for (uint32_t i = 0; i < n; ++i) x = x * 31 + i;
  return static_cast<int32_t>(x);
}

// --- failures, from any thread ----------------------------------------------

std::atomic<int> gFailures{0};
std::mutex gReportMutex;

void fail(const std::string& what) {
  if (gFailures.fetch_add(1) < 20) {
    std::lock_guard<std::mutex> lock(gReportMutex);
    std::fprintf(stderr, "stress: FAIL: %s\n", what.c_str());
  }
}

std::string exceptionOf(wasm_module_inst_t inst) {
  const char* e = wasm_runtime_get_exception(inst);
  return e ? e : "(no exception)";
}

// Calls an (i32...) -> i32 export; false (and a failure) if it did not return.
bool callI32(wasm_exec_env_t env, wasm_module_inst_t inst, const char* name, std::vector<uint32_t> args,
             int32_t* result) {
  wasm_function_inst_t f = wasm_runtime_lookup_function(inst, name, nullptr);
  if (!f) {
    fail(std::string("no export ") + name);
    return false;
  }
  uint32_t argc = static_cast<uint32_t>(args.size());
  args.resize(std::max<size_t>(args.size(), 1));
  if (!wasm_runtime_call_wasm(env, f, argc, args.data())) {
    fail(std::string(name) + ": " + exceptionOf(inst));
    return false;
  }
  *result = static_cast<int32_t>(args[0]);
  return true;
}

// Runs the kinds of call on `inst`, accepting the results of the versions
// in `versions`. run_many writes the instance's memory, so only a thread
// that has the instance to itself calls it (`owner`): other threads'
// calls would be the guest's own data race.
void exercise(wasm_exec_env_t env, wasm_module_inst_t inst, std::initializer_list<uint32_t> versions, bool owner,
              const char* who) {
  struct Call {
    const char* name;
    std::vector<uint32_t> args;
    uint32_t n;  // work's argument
    bool writesMemory;
  };
  const Call calls[] = {
      {"run", {300}, 300, false}, {"run_table", {40}, 40, false}, {"run_many", {30, 25}, 25, true}};
  for (const Call& c : calls) {
    if (c.writesMemory && !owner) continue;
    int32_t got = 0;
    if (!callI32(env, inst, c.name, c.args, &got)) return;
    bool ok = false;
    for (uint32_t v : versions) ok = ok || got == expectedWork(v, c.n);
    if (!ok) fail(std::string(who) + ": " + c.name + " returned " + std::to_string(got));
  }
}

wasm_module_t loadRoot() {
  char error[256] = "";
  std::vector<uint8_t> bytes = gModules.at("st_root");  // wasm_runtime_load copies it
  wasm_module_t m = wasm_runtime_load(bytes.data(), static_cast<uint32_t>(bytes.size()), error, sizeof error);
  if (!m) fail(std::string("load st_root: ") + error);
  return m;
}

// --- the threads -------------------------------------------------------------

void worker(int id, const Config& cfg) {
  wasm_runtime_init_thread_env();
  std::string who = "worker " + std::to_string(id);
  for (int cycle = 0; cycle < cfg.cycles && gFailures.load() == 0; ++cycle) {
    wasm_module_t m = loadRoot();
    if (!m) break;
    char error[256] = "";
    wasm_module_inst_t inst = wasm_runtime_instantiate(m, 64 * 1024, 0, error, sizeof error);
    if (!inst) {
      fail(who + ": instantiate: " + error);
      wasm_runtime_unload(m);
      break;
    }
    wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 64 * 1024);
    exercise(env, inst, {1}, true, who.c_str());
    wasm_runtime_destroy_exec_env(env);
    wasm_runtime_deinstantiate(inst);
    wasm_runtime_unload(m);
  }
  wasm_runtime_destroy_thread_env();
}

struct SharedGroup {
  wasm_module_inst_t root = nullptr;
  wasm_module_t versions[2] = {nullptr, nullptr};  // st_lib2, st_lib
  std::atomic<bool> done{false};
};

void replacer(SharedGroup& g, const Config& cfg) {
  wasm_runtime_init_thread_env();
  for (int i = 0; i < cfg.replacements && gFailures.load() == 0; ++i) {
    char error[256] = "";
    if (!strata_runtime_replace_module(g.root, "st_lib", g.versions[i % 2], error, sizeof error))
      fail(std::string("replace: ") + error);
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  g.done = true;
  wasm_runtime_destroy_thread_env();
}

void sharedCaller(SharedGroup& g, int id) {
  wasm_runtime_init_thread_env();
  std::string who = "shared caller " + std::to_string(id);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(g.root, 64 * 1024);
  for (int i = 0; !g.done.load() && gFailures.load() == 0; ++i) {
    exercise(env, g.root, {1, 2}, false, who.c_str());
    // A pause now and then, so that no call runs and retired instances
    // are freed while replacements go on.
    if (i % 8 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_destroy_thread_env();
}

struct SpinState {
  wasm_module_inst_t inst = nullptr;
  std::atomic<int> calling{0};  // the round whose spin call is (about to be) running
  std::atomic<int> finished{0};
};

void spinner(SpinState& s, const Config& cfg) {
  wasm_runtime_init_thread_env();
  wasm_exec_env_t env = wasm_runtime_create_exec_env(s.inst, 64 * 1024);
  wasm_function_inst_t spin = wasm_runtime_lookup_function(s.inst, "spin", nullptr);
  for (int round = 1; round <= cfg.terminations; ++round) {
    s.calling = round;
    uint32_t argv[1] = {0};
    if (wasm_runtime_call_wasm(env, spin, 0, argv)) fail("spin returned");
    else if (exceptionOf(s.inst) != "Exception: terminated by user")
      fail("spin stopped with " + exceptionOf(s.inst));
    // Terminated until cleared.
    if (wasm_runtime_call_wasm(env, spin, 0, argv)) fail("a call ran after terminate");
    wasm_runtime_clear_exception(s.inst);
    s.finished = round;
  }
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_destroy_thread_env();
}

void killer(SpinState& s, const Config& cfg) {
  for (int round = 1; round <= cfg.terminations; ++round) {
    while (s.calling.load() < round) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::microseconds(500 * (round % 4)));
    wasm_runtime_terminate(s.inst);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (s.finished.load() < round) {
      if (std::chrono::steady_clock::now() > deadline) {
        fail("terminate did not stop spin in 20 s");
        std::_Exit(1);  // the spinner never returns
      }
      std::this_thread::yield();
    }
  }
}

bool parseArgs(int argc, char** argv, Config& cfg) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? a.c_str() + n : nullptr;
    };
    if (const char* v = value("--threads=")) cfg.threads = std::atoi(v);
    else if (const char* v = value("--cycles=")) cfg.cycles = std::atoi(v);
    else if (const char* v = value("--replacements=")) cfg.replacements = std::atoi(v);
    else if (const char* v = value("--terminations=")) cfg.terminations = std::atoi(v);
    else if (const char* v = value("--wasm-dir=")) cfg.wasmDir = v;
    else if (const char* v = value("--mode=")) {
      std::string m = v;
      if (m == "interp") cfg.mode = Mode_Interp;
      else if (m == "baseline") cfg.mode = Mode_Fast_JIT;
      else if (m == "optimizing") cfg.mode = Mode_LLVM_JIT;
      else if (m == "tiered") cfg.mode = Mode_Multi_Tier_JIT;
      else return false;
    } else {
      return false;
    }
  }
  return cfg.threads >= 0 && cfg.cycles >= 0 && cfg.replacements >= 0 && cfg.terminations >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  if (!parseArgs(argc, argv, cfg)) {
    std::fprintf(stderr,
                 "usage: %s [--threads=N] [--cycles=N] [--replacements=N] [--terminations=N]\n"
                 "          [--mode=interp|baseline|optimizing|tiered] [--wasm-dir=DIR]\n",
                 argv[0]);
    return 2;
  }
  for (const char* name : {"st_root", "st_lib", "st_lib2"}) {
    gModules[name] = readFile(cfg.wasmDir + "/" + name + ".wasm");
    if (gModules[name].empty()) {
      std::fprintf(stderr, "stress: cannot read %s/%s.wasm\n", cfg.wasmDir.c_str(), name);
      return 2;
    }
  }

  RuntimeInitArgs init;
  std::memset(&init, 0, sizeof init);
  init.mem_alloc_type = Alloc_With_System_Allocator;
  init.running_mode = cfg.mode;
  if (!wasm_runtime_full_init(&init)) {
    std::fprintf(stderr, "stress: wasm_runtime_full_init failed\n");
    return 1;
  }
  // Tiny thresholds: every cycle tiers up (no module is loaded yet, so
  // nothing reads the options while they change).
  strata::jit::Options options = strata::jit::options();
  options.threshold = 4;
  options.optimizeThreshold = 40;
  strata::jit::shutdown();
  strata::jit::configure(options);
  wasm_runtime_set_module_reader(reader, destroyer);

  auto start = std::chrono::steady_clock::now();
  SharedGroup shared;
  SpinState spin;
  wasm_module_t sharedModule = loadRoot(), spinModule = loadRoot();
  char error[256] = "";
  std::vector<uint8_t> lib2 = gModules.at("st_lib2"), lib1 = gModules.at("st_lib");
  shared.versions[0] = wasm_runtime_load(lib2.data(), static_cast<uint32_t>(lib2.size()), error, sizeof error);
  shared.versions[1] = wasm_runtime_load(lib1.data(), static_cast<uint32_t>(lib1.size()), error, sizeof error);
  if (sharedModule) shared.root = wasm_runtime_instantiate(sharedModule, 64 * 1024, 0, error, sizeof error);
  if (spinModule) spin.inst = wasm_runtime_instantiate(spinModule, 64 * 1024, 0, error, sizeof error);
  if (!shared.root || !spin.inst || !shared.versions[0] || !shared.versions[1]) {
    std::fprintf(stderr, "stress: setting up the shared group failed: %s\n", error);
    return 1;
  }

  std::vector<std::thread> threads;
  for (int i = 0; i < cfg.threads; ++i) threads.emplace_back(worker, i, std::cref(cfg));
  threads.emplace_back(replacer, std::ref(shared), std::cref(cfg));
  for (int i = 0; i < 2; ++i) threads.emplace_back(sharedCaller, std::ref(shared), i);
  threads.emplace_back(spinner, std::ref(spin), std::cref(cfg));
  threads.emplace_back(killer, std::ref(spin), std::cref(cfg));
  for (std::thread& t : threads) t.join();
  strata::jit::Counters counters = strata::jit::counters();

  // No call runs now: every replaced instance is freed.
  if (uint32_t retired = strata_runtime_retired_count(shared.root))
    fail(std::to_string(retired) + " replaced instances were not freed");
  wasm_runtime_deinstantiate(shared.root);
  wasm_runtime_deinstantiate(spin.inst);
  for (wasm_module_t m : {sharedModule, spinModule, shared.versions[0], shared.versions[1]}) wasm_runtime_unload(m);
  wasm_runtime_destroy();

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int failures = gFailures.load();
  std::printf("stress: %d threads x %d cycles, %d replacements, %d terminations: %s (%.1f s)\n", cfg.threads,
              cfg.cycles, cfg.replacements, cfg.terminations, failures ? "FAILED" : "ok", seconds);
  // What the JIT did meanwhile, to show the run exercised tier-up.
  using strata::jit::Tier;
  std::printf("stress: compiled %llu baseline, %llu optimizing (%llu tier-ups), %llu OSR entries taken\n",
              static_cast<unsigned long long>(counters.compiled[int(Tier::Baseline)]),
              static_cast<unsigned long long>(counters.compiled[int(Tier::Optimized)]),
              static_cast<unsigned long long>(counters.tierUps[int(Tier::Baseline)] + counters.tierUps[int(Tier::Optimized)]),
              static_cast<unsigned long long>(counters.osrTaken()));
  return failures ? 1 : 0;
}
