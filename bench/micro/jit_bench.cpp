// Microbenchmarks of the JIT tiers:
//
//   jit/compile/TIER/...  compile throughput (bytes of wasm code per second)
//                       of each compiler (baseline, optimized) on every
//                       function of the synthetic 2000-function module, of
//                       real wasi-libc programs (the workloads) and of the
//                       modules listed in STRATA_BENCH_WASM (colon-separated
//                       paths, e.g. large real programs)
//   jit/tier_up_latency from the call that reaches the tiered threshold to
//                       the end of the first call that runs compiled code:
//                       queueing, the background compile, the entry's
//                       publication and one compiled call
//
//   strata_jit_bench [benchmark flags]
//
// Compiled code lives as long as the process, so the compile benchmarks
// run a fixed, small number of iterations.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/micro/bench_imports.h"
#include "bench/micro/bench_modules.h"
#include "jit/jit.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "wasm/module.h"

namespace {

using strata::ExecEnv;
using strata::Extern;
using strata::ExternKind;
using strata::Function;
using strata::Instance;
using strata::Module;
using strata::Slot;
using strata::bench::Bytes;
using strata::bench::stubImports;

constexpr uint32_t kThreshold = 100;
bool g_failed = false;

void fail(benchmark::State& state, const std::string& message) {
  state.SkipWithError(message.c_str());
  g_failed = true;
}


void compileBench(benchmark::State& state, strata::jit::Tier tier, const Bytes& bytes) {
  std::shared_ptr<const Module> module;
  try {
    module = strata::decodeModule(bytes);
  } catch (const std::exception& e) {
    return fail(state, e.what());
  }
  ExecEnv env;
  size_t failures = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto instance = Instance::instantiate(module, stubImports(*module), env);
    state.ResumeTiming();
    for (uint32_t i = module->numImportedFuncs; i < module->funcTypes.size(); ++i)
      failures += !strata::jit::compile(instance->function(i), tier);
  }
  if (failures) fail(state, std::to_string(failures) + " functions did not compile");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(strata::bench::codeSectionSize(bytes)));
}

void BM_TierUpLatency(benchmark::State& state) {
  strata::bench::ModuleBuilder b;
  b.func(b.type({0x7f}, {0x7f}), {}, {0x20, 0, 0x41, 1, 0x6a}, "inc");  // x + 1
  auto module = strata::decodeModule(b.build());
  ExecEnv env;
  for (auto _ : state) {
    auto instance = Instance::instantiate(module, {}, env);
    Function* inc = instance->exportedFunction("inc");
    Slot slots[1] = {0};
    for (uint32_t i = 0; i + 1 < kThreshold; ++i) env.call(inc, slots);
    auto start = std::chrono::steady_clock::now();
    env.call(inc, slots);  // reaches the threshold: queued for compilation
    while (!inc->jitEntry.load(std::memory_order_acquire)) std::this_thread::yield();
    env.call(inc, slots);  // the first compiled call
    auto end = std::chrono::steady_clock::now();
    if (static_cast<uint32_t>(slots[0]) != kThreshold + 1) return fail(state, "wrong result");
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
  }
}

}  // namespace

int main(int argc, char** argv) {
  strata::jit::Options options;
  options.mode = strata::jit::Mode::Tiered;
  options.threshold = kThreshold;
  options.threads = 1;
  strata::jit::configure(options);

  static std::vector<std::pair<std::string, Bytes>> modules;
  modules.emplace_back("synthetic", strata::bench::syntheticModule(2000, 9));
  for (const char* name : {"lz", "vm", "strparse"}) {
    Bytes bytes;
    if (strata::bench::readFile(std::string(STRATA_BENCH_WORKLOAD_DIR) + "/" + name + ".wasm", &bytes))
      modules.emplace_back(std::string("workload/") + name, std::move(bytes));
  }
  if (const char* extra = std::getenv("STRATA_BENCH_WASM")) {
    std::string list = extra;
    for (size_t at = 0; at <= list.size();) {
      size_t end = list.find(':', at);
      if (end == std::string::npos) end = list.size();
      std::string path = list.substr(at, end - at);
      Bytes bytes;
      if (!path.empty() && strata::bench::readFile(path, &bytes))
        modules.emplace_back("file/" + path.substr(path.find_last_of('/') + 1), std::move(bytes));
      at = end + 1;
    }
  }
  for (strata::jit::Tier tier : {strata::jit::Tier::Baseline, strata::jit::Tier::Optimized})
    for (const auto& m : modules)
      benchmark::RegisterBenchmark(
          ("jit/compile/" + std::string(strata::jit::tierName(tier)) + "/" + m.first).c_str(),
          [tier, &m](benchmark::State& state) { compileBench(state, tier, m.second); })
          ->Iterations(tier == strata::jit::Tier::Baseline ? 5 : 3)
          ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("jit/tier_up_latency", BM_TierUpLatency)
      ->UseManualTime()
      ->Iterations(50)
      ->Unit(benchmark::kMicrosecond);

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  strata::jit::shutdown();
  return g_failed ? 1 : 0;
}
