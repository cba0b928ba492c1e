// Instantiation latency and density, through the C API as an embedder that
// makes an instance per request would use it (issue 15):
//
//   instantiate/small     wasm_runtime_instantiate + one call + deinstantiate
//                         of a module with one page of memory and one
//                         exported function (the module loaded once)
//   instantiate/wasi      the same for a wasi-libc hello world with 1 MiB of
//                         memory (bench/startup/hello.c linked with
//                         --initial-memory=1048576): instantiate, _start
//                         (puts to /dev/null, exit 0), deinstantiate
//   density               --density=N live instances of each (default
//                         10,000 small, 1,000 WASI): RSS per idle instance
//                         (VmRSS before and after, /proc/self/status)
//
//   strata_instantiate_bench [--density=N] [benchmark flags]
//
// Everything runs in the interpreter (what a fresh instance runs first).
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench/micro/bench_modules.h"
#include "wasm_export.h"

namespace {

using strata::bench::Bytes;
using strata::bench::ModuleBuilder;

constexpr uint8_t kI32 = 0x7f;

// One memory page, one exported function inc(x) = x + 1.
Bytes smallModule() {
  ModuleBuilder b;
  b.func(b.type({kI32}, {kI32}), {}, {0x20, 0, 0x41, 1, 0x6a}, "inc");
  b.memory(1);
  return b.build();
}

Bytes wasiModule() {
  Bytes bytes;
#ifdef STRATA_HELLO_1MIB_WASM
  strata::bench::readFile(STRATA_HELLO_1MIB_WASM, &bytes);
#endif
  return bytes;
}

struct Loaded {
  Bytes bytes;  // the runtime may refer to them while the module lives
  wasm_module_t module = nullptr;
  std::string error;
  explicit Loaded(Bytes b, bool wasi) : bytes(std::move(b)) {
    if (bytes.empty()) {
      error = "module not built (bench-workloads needs clang and wasi-libc)";
      return;
    }
    char buf[256] = "";
    module = wasm_runtime_load(bytes.data(), uint32_t(bytes.size()), buf, sizeof buf);
    if (!module) error = buf;
    if (module && wasi) {
      // Its output goes nowhere: the guest's fd 1 is /dev/null.
      static int devnull = open("/dev/null", O_WRONLY);
      static char arg0[] = "hello";
      static char* argv[] = {arg0};
      wasm_runtime_set_wasi_args_ex(module, nullptr, 0, nullptr, 0, nullptr, 0, argv, 1, -1, devnull, -1);
    }
  }
  ~Loaded() {
    if (module) wasm_runtime_unload(module);
  }
};

// Instantiates, calls, destroys; false with the exception on failure.
bool cycle(wasm_module_t module, bool wasi, std::string* error) {
  char buf[256] = "";
  wasm_module_inst_t inst = wasm_runtime_instantiate(module, 64 * 1024, 0, buf, sizeof buf);
  if (!inst) return *error = buf, false;
  wasm_function_inst_t f =
      wasi ? wasm_runtime_lookup_wasi_start_function(inst) : wasm_runtime_lookup_function(inst, "inc", nullptr);
  wasm_exec_env_t env = wasm_runtime_get_exec_env_singleton(inst);
  uint32_t argv[1] = {41};
  bool ok = f && env && wasm_runtime_call_wasm(env, f, wasi ? 0 : 1, argv);
  if (ok && !wasi && argv[0] != 42) ok = false;
  if (!ok) {
    const char* ex = wasm_runtime_get_exception(inst);
    // A command that returns 0 from main ends with proc_exit(0): no error.
    if (wasi && ex && std::strstr(ex, "wasi proc exit")) ok = true;
    else *error = ex ? ex : "the call failed";
  }
  wasm_runtime_deinstantiate(inst);
  return ok;
}

void instantiateBench(benchmark::State& state, const Bytes& bytes, bool wasi) {
  Loaded l(bytes, wasi);
  if (!l.module) return state.SkipWithError(l.error.c_str());
  std::string error;
  for (auto _ : state) {
    if (!cycle(l.module, wasi, &error)) return state.SkipWithError(error.c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_InstantiateSmall(benchmark::State& state) { instantiateBench(state, smallModule(), false); }
void BM_InstantiateWasi(benchmark::State& state) { instantiateBench(state, wasiModule(), true); }
BENCHMARK(BM_InstantiateSmall)->Name("instantiate/small")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_InstantiateWasi)->Name("instantiate/wasi")->Unit(benchmark::kMicrosecond);

long rssKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

// N live instances of `bytes`, each called once (so its interpreter code and
// memory pages are what an idle instance that has run holds): RSS each.
void density(const char* name, const Bytes& bytes, bool wasi, int n) {
  Loaded l(bytes, wasi);
  if (!l.module) {
    std::printf("density/%s: skipped: %s\n", name, l.error.c_str());
    return;
  }
  std::vector<wasm_module_inst_t> live;
  live.reserve(size_t(n));
  long before = rssKiB();
  for (int i = 0; i < n; ++i) {
    char buf[256] = "";
    wasm_module_inst_t inst = wasm_runtime_instantiate(l.module, 64 * 1024, 0, buf, sizeof buf);
    if (!inst) {
      std::printf("density/%s: instance %d failed: %s\n", name, i, buf);
      break;
    }
    if (!wasi) {
      uint32_t argv[1] = {1};
      wasm_runtime_call_wasm(wasm_runtime_get_exec_env_singleton(inst),
                             wasm_runtime_lookup_function(inst, "inc", nullptr), 1, argv);
    }
    live.push_back(inst);
  }
  long after = rssKiB();
  std::printf("density/%s: %zu live instances, RSS %.1f MiB -> %.1f MiB: %.1f KiB per instance\n", name,
              live.size(), before / 1024.0, after / 1024.0,
              live.empty() ? 0.0 : double(after - before) / double(live.size()));
  for (wasm_module_inst_t inst : live) wasm_runtime_deinstantiate(inst);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 10000;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--density=", 10) == 0) n = std::atoi(argv[i] + 10);
    else rest.push_back(argv[i]);
  }
  int restc = int(rest.size());
  if (!wasm_runtime_init()) return 1;
  benchmark::Initialize(&restc, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  if (n > 0) {
    density("small", smallModule(), false, n);
    density("wasi", wasiModule(), true, n / 10 > 0 ? n / 10 : 1);
  }
  benchmark::Shutdown();
  wasm_runtime_destroy();
  return 0;
}
