// Microbenchmarks of the runtime around the interpreter's dispatch loop:
//
//   translate/...     interpreter translation throughput (bytes of wasm code
//                     per second), on the synthetic 2000-function module and
//                     on real wasi-libc programs (the benchmark workloads)
//   instantiate/...   Instance::instantiate of a decoded module: a tiny one
//                     and the synthetic large one (2000 functions)
//   call/...          per-call cost: host->wasm (ExecEnv::call), and from a
//                     wasm loop: direct call, call_indirect, call of a host
//                     function; call/loop_only is the loop without a call,
//                     to subtract
//   memory/grow       memory.grow by one page, from wasm
//
//   strata_runtime_bench [--tier=interp|jit|tiered] [benchmark flags]
//
// --tier runs the call and memory benchmarks on another execution tier (as
// `strata run --tier`); translate/ always measures the interpreter's
// translator. Left to their owners (add them here or in a file of their own
// next to this one): JIT compile MB/s and tier-up latency (jit/), calls
// across modules through an import trampoline (runtime/linker.h).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/micro/bench_imports.h"
#include "bench/micro/bench_modules.h"
#include "interp/code.h"
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
using strata::bench::ModuleBuilder;

// Set when a benchmark's result is wrong: Google Benchmark still exits 0
// after SkipWithError, and the ctest smoke test must fail.
bool g_failed = false;

void fail(benchmark::State& state, const std::string& message) {
  state.SkipWithError(message.c_str());
  g_failed = true;
}

// --- imports ----------------------------------------------------------------

// Host function of the call benchmarks: (i32) -> i32, adds one.
void hostInc(void*, Instance*, Slot* slots) { slots[0] = static_cast<uint32_t>(slots[0] + 1); }


// --- modules ----------------------------------------------------------------

constexpr uint8_t kI32 = 0x7f;

// Functions (type (i32) -> i32 unless noted):
//   0 import host.inc          1 inc: x + 1 (also the table's element 0)
//   2 loop_direct(n)           n calls of inc, through `call`
//   3 loop_indirect(n)         n calls of inc, through `call_indirect`
//   4 loop_host(n)             n calls of the host import
//   5 loop_only(n)             the same loop with the call replaced by x + 1
//   6 grow(n)                  n times memory.grow 1; returns memory.size
Bytes callModule() {
  ModuleBuilder b;
  uint32_t t = b.type({kI32}, {kI32});
  b.importFunc("host", "inc", t);
  uint32_t inc = b.func(t, {}, {0x20, 0, 0x41, 1, 0x6a}, "inc");
  // (local $acc i32) loop: acc = CALL(acc); n -= 1; br_if n. Then acc.
  auto loop = [&](const Bytes& call) {
    Bytes code = {0x03, 0x40, 0x20, 1};
    code.insert(code.end(), call.begin(), call.end());
    code.insert(code.end(), {0x21, 1, 0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b, 0x20, 1});
    return code;
  };
  b.func(t, {{1, kI32}}, loop({0x10, static_cast<uint8_t>(inc)}), "loop_direct");
  b.func(t, {{1, kI32}}, loop({0x41, 0, 0x11, static_cast<uint8_t>(t), 0x00}), "loop_indirect");
  b.func(t, {{1, kI32}}, loop({0x10, 0}), "loop_host");
  b.func(t, {{1, kI32}}, loop({0x41, 1, 0x6a}), "loop_only");
  // loop: (drop (memory.grow (i32.const 1))); n -= 1; br_if n. Then memory.size.
  b.func(t, {}, {0x03, 0x40, 0x41, 1, 0x40, 0, 0x1a, 0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b, 0x3f, 0},
         "grow");
  b.table({inc});
  b.memory(1);
  return b.build();
}

// The smallest useful module: one memory page, one exported function.
Bytes smallModule() {
  ModuleBuilder b;
  b.func(b.type({kI32}, {kI32}), {}, {0x20, 0, 0x41, 1, 0x6a}, "inc");
  b.memory(1);
  return b.build();
}

const Bytes& syntheticBytes() {
  // The decode benchmark's module: about 1 MiB of code in 2000 functions.
  static const Bytes bytes = strata::bench::syntheticModule(2000, 9);
  return bytes;
}

std::shared_ptr<Instance> instantiateWithHost(const std::shared_ptr<const Module>& module, ExecEnv& env) {
  Extern host;
  host.kind = ExternKind::Func;
  host.func = strata::makeHostFunction(module->types[module->funcTypes[0]], hostInc, nullptr);
  return Instance::instantiate(module, {host}, env);
}

// --- benchmarks -------------------------------------------------------------

// Translates every defined function of `bytes`; a fresh instance per
// iteration (not timed), since translation happens once per function.
void translateBench(benchmark::State& state, const Bytes& bytes) {
  std::shared_ptr<const Module> module;
  try {
    module = strata::decodeModule(bytes);
  } catch (const std::exception& e) {
    return fail(state, e.what());
  }
  ExecEnv env;
  for (auto _ : state) {
    state.PauseTiming();
    std::shared_ptr<Instance> instance;
    try {
      instance = Instance::instantiate(module, stubImports(*module), env);
    } catch (const std::exception& e) {
      state.ResumeTiming();
      return fail(state, e.what());
    }
    const uint32_t first = module->numImportedFuncs;
    const uint32_t count = static_cast<uint32_t>(module->funcTypes.size());
    state.ResumeTiming();
    for (uint32_t i = first; i < count; ++i) benchmark::DoNotOptimize(strata::ensureTranslated(instance->function(i)));
    state.PauseTiming();
    instance.reset();  // frees the code outside the timed region
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(strata::bench::codeSectionSize(bytes)));
}

void instantiateBench(benchmark::State& state, const Bytes& bytes) {
  std::shared_ptr<const Module> module;
  try {
    module = strata::decodeModule(bytes);
  } catch (const std::exception& e) {
    return fail(state, e.what());
  }
  ExecEnv env;
  for (auto _ : state) {
    auto instance = Instance::instantiate(module, stubImports(*module), env);
    benchmark::DoNotOptimize(instance.get());
  }
  state.counters["functions"] = static_cast<double>(module->funcTypes.size());
}

struct CallFixture {
  ExecEnv env;
  std::shared_ptr<Instance> instance;
  CallFixture() : instance(instantiateWithHost(strata::decodeModule(callModule()), env)) {}
  Function* get(const char* name) { return instance->exportedFunction(name); }
};

void BM_CallHostToWasm(benchmark::State& state) {
  CallFixture f;
  Function* inc = f.get("inc");
  Slot slots[1] = {0};
  uint32_t expected = 0;
  try {
    for (auto _ : state) {
      f.env.call(inc, slots);
      ++expected;
    }
  } catch (const std::exception& e) {
    return fail(state, e.what());
  }
  if (static_cast<uint32_t>(slots[0]) != expected) fail(state, "wrong result");
  state.SetItemsProcessed(state.iterations());
}

// Each iteration runs a wasm loop of `state.range(0)` calls; items/s is
// calls per second and the time per item is the cost of one call plus one
// trip round the loop (see call/loop_only).
void callLoopBench(benchmark::State& state, const char* function) {
  CallFixture f;
  Function* loop = f.get(function);
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  for (auto _ : state) {
    Slot slots[1] = {n};
    try {
      f.env.call(loop, slots);
    } catch (const std::exception& e) {
      return fail(state, e.what());
    }
    if (static_cast<uint32_t>(slots[0]) != n) return fail(state, "wrong result");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

// memory.grow by one page, `state.range(0)` times per iteration from a new
// instance (created outside the timed region): 256 pages = 16 MiB.
void BM_MemoryGrow(benchmark::State& state) {
  auto module = strata::decodeModule(callModule());
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  ExecEnv env;
  for (auto _ : state) {
    state.PauseTiming();
    auto instance = instantiateWithHost(module, env);
    Function* grow = instance->exportedFunction("grow");
    state.ResumeTiming();
    Slot slots[1] = {n};
    try {
      env.call(grow, slots);
    } catch (const std::exception& e) {
      return fail(state, e.what());
    }
    state.PauseTiming();
    if (static_cast<uint32_t>(slots[0]) != n + 1) {
      state.ResumeTiming();
      return fail(state, "memory.grow failed");
    }
    instance.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

}  // namespace

int main(int argc, char** argv) {
  // --tier=... (ours), then Google Benchmark's own flags.
  strata::jit::Options options;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--tier=", 7) == 0) {
      const std::string tier = argv[i] + 7;
      bool known = false;
      for (strata::jit::Mode m : {strata::jit::Mode::Interp, strata::jit::Mode::Baseline, strata::jit::Mode::Optimizing,
                                  strata::jit::Mode::Jit, strata::jit::Mode::Tiered})
        if (tier == strata::jit::modeName(m)) {
          options.mode = m;
          known = true;
        }
      if (!known) {
        std::fprintf(stderr, "unknown tier '%s' (expected interp, baseline, optimizing, jit or tiered)\n", tier.c_str());
        return 2;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  strata::jit::configure(options);
  int restc = static_cast<int>(rest.size());

  static const Bytes small = smallModule();
  benchmark::RegisterBenchmark("translate/synthetic", translateBench, syntheticBytes())->Unit(benchmark::kMillisecond);
  static std::vector<std::pair<std::string, Bytes>> workloads;
  for (const char* name : {"lz", "vm", "strparse"}) {
    Bytes bytes;
    if (strata::bench::readFile(std::string(STRATA_BENCH_WORKLOAD_DIR) + "/" + name + ".wasm", &bytes))
      workloads.emplace_back(name, std::move(bytes));
  }
  for (const auto& w : workloads)
    benchmark::RegisterBenchmark(("translate/workload/" + w.first).c_str(), translateBench, w.second)
        ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("instantiate/small", instantiateBench, small)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("instantiate/synthetic", instantiateBench, syntheticBytes())
      ->Unit(benchmark::kMicrosecond);
  for (const auto& w : workloads)
    benchmark::RegisterBenchmark(("instantiate/workload/" + w.first).c_str(), instantiateBench, w.second)
        ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("call/host_to_wasm", BM_CallHostToWasm);
  benchmark::RegisterBenchmark("call/wasm_to_wasm", callLoopBench, "loop_direct")->Arg(100000);
  benchmark::RegisterBenchmark("call/call_indirect", callLoopBench, "loop_indirect")->Arg(100000);
  benchmark::RegisterBenchmark("call/wasm_to_host", callLoopBench, "loop_host")->Arg(100000);
  benchmark::RegisterBenchmark("call/loop_only", callLoopBench, "loop_only")->Arg(100000);
  benchmark::RegisterBenchmark("memory/grow", BM_MemoryGrow)->Arg(256)->Unit(benchmark::kMicrosecond);

  benchmark::Initialize(&restc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(restc, rest.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  strata::jit::shutdown();
  return g_failed ? 1 : 0;
}
