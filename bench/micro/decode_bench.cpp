// Decode + validate throughput of decodeModule, in bytes of the code
// section per second (Google Benchmark's "bytes_per_second" column).
//
// Inputs: a synthetic module with many mid-sized functions (mixed integer,
// float, memory and control-flow instructions), generated here so it is
// always available and large enough to time, plus a few of the benchmark
// workloads under STRATA_BENCH_WORKLOAD_DIR (wasi-libc programs: real clang
// output).
//
//   strata_decode_bench [benchmark flags]
//   strata_decode_bench --write-synthetic FILE   (to inspect it with wabt)
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bench/micro/bench_modules.h"
#include "wasm/module.h"

namespace {

using strata::bench::Bytes;
using strata::bench::codeSectionSize;
using strata::bench::readFile;
using strata::bench::syntheticModule;

// Set when a module fails to decode: Google Benchmark reports the error but
// still exits 0, and the ctest smoke test must fail.
bool g_decodeFailed = false;

void decodeBench(benchmark::State& state, const Bytes& module) {
  for (auto _ : state) {
    // decodeModule takes ownership of its input, so each iteration decodes
    // a fresh copy; copying is a memcpy, noise next to decoding.
    try {
      auto decoded = strata::decodeModule(module);
      benchmark::DoNotOptimize(decoded.get());
    } catch (const strata::DecodeError& e) {
      state.SkipWithError(e.toString().c_str());
      g_decodeFailed = true;
      break;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(codeSectionSize(module)));
  state.counters["module_bytes"] = static_cast<double>(module.size());
}

}  // namespace

int main(int argc, char** argv) {
  // About 1 MiB of code in 2000 functions: big enough that per-module setup
  // is noise, typical of what a compiler emits per function.
  static const Bytes synthetic = syntheticModule(2000, 9);

  if (argc == 3 && std::strcmp(argv[1], "--write-synthetic") == 0) {
    std::ofstream out(argv[2], std::ios::binary);
    out.write(reinterpret_cast<const char*>(synthetic.data()), static_cast<std::streamsize>(synthetic.size()));
    return out ? 0 : 1;
  }

  benchmark::RegisterBenchmark("decode/synthetic", decodeBench, synthetic)->Unit(benchmark::kMicrosecond);

  for (const char* name : {"fib", "sha256", "lz", "vm", "strparse", "bintrees"}) {
    Bytes bytes;
    if (readFile(std::string(STRATA_BENCH_WORKLOAD_DIR) + "/" + name + ".wasm", &bytes))
      benchmark::RegisterBenchmark((std::string("decode/workload/") + name).c_str(), decodeBench, bytes)
          ->Unit(benchmark::kMicrosecond);
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return g_decodeFailed ? 1 : 0;
}
