// Cost of a cross-module call through a per-instance import slot versus a
// direct call inside one module, in the interpreter and in the JIT tier
// (issue 4: <= 1.2x in each).
//
// mA exports A() = 10 and A_direct(n), a loop of n direct calls to A; mB
// imports mA.A and exports A_cross(n), the same loop calling the import.
// The modules are tests/unit/multi/mA.wat and mB.wat, embedded below
// (wat2wasm output). Both loops are otherwise identical instruction for
// instruction, so the difference per iteration is the call.
//
//   strata_call_bench [benchmark flags]
// BM_CrossVsDirect/tier:0..2 report ns per call of each and their ratio.
// tier:1 compiles every function of both modules with jit::compile before
// the first call (the baseline compiler, what --tier=jit does first), so
// both loops and the callee run as JIT code; tier:2 compiles them with the
// optimizing compiler, which inlines A into both loops (across the import
// slot in A_cross); tier:0 never compiles anything (the process stays in
// jit::Mode::Interp).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "jit/jit.h"
#include "runtime/exec_env.h"
#include "runtime/linker.h"
#include "wasm/module.h"

namespace {

using namespace strata;

// tests/unit/multi/mA.wat
const std::vector<uint8_t> kModA = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x04, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x03, 0x09, 0x08,
    0x00, 0x00, 0x01, 0x02, 0x00, 0x03, 0x01, 0x01, 0x04, 0x04, 0x01, 0x70, 0x00, 0x04, 0x05, 0x04,
    0x01, 0x01, 0x01, 0x04, 0x06, 0x07, 0x01, 0x7f, 0x01, 0x41, 0xe4, 0x00, 0x0b, 0x07, 0x45, 0x0a,
    0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x01, 0x67, 0x03, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00,
    0x01, 0x41, 0x00, 0x00, 0x04, 0x72, 0x65, 0x61, 0x64, 0x00, 0x02, 0x05, 0x77, 0x72, 0x69, 0x74,
    0x65, 0x00, 0x03, 0x04, 0x67, 0x65, 0x74, 0x67, 0x00, 0x04, 0x04, 0x73, 0x65, 0x74, 0x67, 0x00,
    0x05, 0x05, 0x63, 0x61, 0x6c, 0x6c, 0x74, 0x00, 0x06, 0x08, 0x41, 0x5f, 0x64, 0x69, 0x72, 0x65,
    0x63, 0x74, 0x00, 0x07, 0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x01, 0x0a, 0x53, 0x08,
    0x04, 0x00, 0x41, 0x0a, 0x0b, 0x04, 0x00, 0x41, 0x28, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02,
    0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b, 0x04, 0x00, 0x23, 0x00,
    0x0b, 0x06, 0x00, 0x20, 0x00, 0x24, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b,
    0x21, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x01, 0x10,
    0x00, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20,
    0x01, 0x0b,
};

// tests/unit/multi/mB.wat
const std::vector<uint8_t> kModB = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x02, 0x08, 0x01, 0x02, 0x6d, 0x41, 0x01, 0x41, 0x00, 0x00, 0x03, 0x04,
    0x03, 0x00, 0x00, 0x01, 0x07, 0x18, 0x03, 0x01, 0x42, 0x00, 0x01, 0x06, 0x63, 0x61, 0x6c, 0x6c,
    0x5f, 0x41, 0x00, 0x02, 0x07, 0x41, 0x5f, 0x63, 0x72, 0x6f, 0x73, 0x73, 0x00, 0x03, 0x0a, 0x2d,
    0x03, 0x04, 0x00, 0x41, 0x0b, 0x0b, 0x04, 0x00, 0x10, 0x00, 0x0b, 0x21, 0x01, 0x01, 0x7f, 0x02,
    0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x01, 0x10, 0x00, 0x6a, 0x21, 0x01, 0x20,
    0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b,
};

// The two modules linked as a root (mB) and its dependency (mA).
struct Linked {
  ModuleRegistry registry;
  ModuleNode* root = nullptr;
  std::shared_ptr<InstanceGroup> group;
  ExecEnv env;
  Function* direct = nullptr;
  Function* cross = nullptr;

  explicit Linked(int tier) {
    registry.setReader([](const std::string& name, ModuleBytes* out, std::string*) {
      if (name != "mA") return false;
      out->bytes = kModA;
      return true;
    });
    std::string error;
    root = registry.loadRoot(decodeModule(kModB), "mB", &error);
    if (!root) {
      std::fprintf(stderr, "strata_call_bench: %s\n", error.c_str());
      std::abort();
    }
    group = InstanceGroup::instantiate(registry, root, env, {});
    direct = group->find("mA")->exportedFunction("A_direct");
    cross = group->root()->exportedFunction("A_cross");
    if (tier) {
      for (const auto& inst : group->instances()) {
        const Module& m = inst->module();
        for (uint32_t i = m.numImportedFuncs; i < m.funcTypes.size(); ++i) {
          Function* f = inst->function(i);
          if (!(tier == 2 ? jit::compile(f, jit::Tier::Optimized) : jit::compile(f))) {
            std::fprintf(stderr, "strata_call_bench: the JIT cannot compile function %u\n", i);
            std::abort();
          }
        }
      }
    }
  }
  ~Linked() {
    group.reset();
    registry.releaseRoot(root);
  }
  uint32_t run(Function* f, uint32_t n) {
    Slot slots[1] = {n};
    env.call(f, slots);
    return static_cast<uint32_t>(slots[0]);
  }
};

constexpr uint32_t kCalls = 10000;

void runLoop(benchmark::State& state, bool crossModule) {
  Linked l(int(state.range(0)));
  Function* f = crossModule ? l.cross : l.direct;
  for (auto _ : state) {
    uint32_t r = l.run(f, kCalls);
    if (r != 10 * kCalls) state.SkipWithError("wrong result");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * kCalls);
}

void BM_SameModuleDirectCall(benchmark::State& state) { runLoop(state, false); }
void BM_CrossModuleImportCall(benchmark::State& state) { runLoop(state, true); }

// Both loops, interleaved, minimum of several rounds each: the ratio is
// robust against frequency changes and noisy neighbours.
void BM_CrossVsDirect(benchmark::State& state) {
  Linked l(int(state.range(0)));
  double bestDirect = 1e30, bestCross = 1e30;
  for (auto _ : state) {
    for (int round = 0; round < 5; ++round) {
      for (int which = 0; which < 2; ++which) {
        auto t0 = std::chrono::steady_clock::now();
        uint32_t r = l.run(which ? l.cross : l.direct, kCalls);
        auto t1 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(r);
        double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / kCalls;
        double& best = which ? bestCross : bestDirect;
        if (ns < best) best = ns;
      }
    }
  }
  state.counters["direct_ns"] = bestDirect;
  state.counters["cross_ns"] = bestCross;
  state.counters["ratio"] = bestCross / bestDirect;
}

// Argument 0: interpreter, 1: baseline compiler, 2: optimizing compiler.
BENCHMARK(BM_SameModuleDirectCall)->ArgName("tier")->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_CrossModuleImportCall)->ArgName("tier")->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_CrossVsDirect)->ArgName("tier")->Arg(0)->Arg(1)->Arg(2)->Iterations(20);

}  // namespace

BENCHMARK_MAIN();
