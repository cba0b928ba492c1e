// Decode + validate throughput of decodeModule, in bytes of the code
// section per second (Google Benchmark's "bytes_per_second" column).
//
// Inputs: a synthetic module with many mid-sized functions (mixed integer,
// float, memory and control-flow instructions), generated here so it is
// always available and large enough to time, plus every benchmark kernel
// under STRATA_BENCH_KERNEL_DIR, which is real clang output.
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

#include "wasm/module.h"

namespace {

using Bytes = std::vector<uint8_t>;

// Set when a module fails to decode: Google Benchmark reports the error but
// still exits 0, and the ctest smoke test must fail.
bool g_decodeFailed = false;

void putU32(Bytes& out, uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
}

void putS32(Bytes& out, int32_t v) {
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;  // arithmetic shift: sign-extends
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    out.push_back(done ? b : (b | 0x80));
    if (done) return;
  }
}

void putSection(Bytes& module, uint8_t id, const Bytes& contents) {
  module.push_back(id);
  putU32(module, static_cast<uint32_t>(contents.size()));
  module.insert(module.end(), contents.begin(), contents.end());
}

// One function body of type (i32 i32) -> i32 with locals 2,3: i32, 4: i64,
// 5: f64. `chunks` copies of a block/loop nest, then a call to the previous
// function so the call instruction and function indices are exercised too.
Bytes syntheticBody(uint32_t index, uint32_t chunks) {
  Bytes b = {3, 2, 0x7f, 1, 0x7e, 1, 0x7c};  // local declarations
  for (uint32_t c = 0; c < chunks; ++c) {
    const int32_t k = static_cast<int32_t>(index * 131 + c * 7919) - 100000;
    b.insert(b.end(), {0x02, 0x40, 0x03, 0x40});  // block, loop
    b.insert(b.end(), {0x20, 0, 0x41});           // local.get 0, i32.const k
    putS32(b, k);
    b.insert(b.end(), {0x6a, 0x22, 2, 0x20, 1, 0x6c, 0x21, 3});  // add, tee 2, get 1, mul, set 3
    b.insert(b.end(), {0x20, 3, 0x28, 0x02});  // get 3, i32.load align=4 offset=...
    putU32(b, (c * 4) % 4096);
    b.insert(b.end(), {0x20, 2, 0x73, 0x21, 2});  // get 2, xor, set 2
    b.insert(b.end(), {0x20, 4, 0x20, 2, 0xad, 0x7c, 0x21, 4});  // i64 acc += extend_u(local 2)
    b.insert(b.end(), {0x20, 2, 0xb7, 0x44});  // f64.convert_i32_s(local 2) * const
    double scale = 1.0 + c * 0.5;
    uint8_t raw[8];
    std::memcpy(raw, &scale, 8);
    b.insert(b.end(), raw, raw + 8);
    b.insert(b.end(), {0xa2, 0x21, 5});                  // mul, set 5
    b.insert(b.end(), {0x20, 2, 0x45, 0x0d, 1});         // br_if 1 (leave) when local 2 == 0
    b.insert(b.end(), {0x20, 3, 0x41, 1, 0x6b, 0x22, 3, 0x0d, 0});  // --local 3, br_if 0 (repeat)
    b.insert(b.end(), {0x0b, 0x0b});                     // end loop, end block
  }
  b.insert(b.end(), {0x20, 2});  // result: local 2 ...
  if (index > 0) {
    b.insert(b.end(), {0x20, 3, 0x10});  // ... or call previous(local 2, local 3)
    putU32(b, index - 1);
  }
  b.push_back(0x0b);
  return b;
}

Bytes syntheticModule(uint32_t functions, uint32_t chunksPerFunction) {
  Bytes m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  putSection(m, 1, {1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f});  // type 0: (i32 i32) -> i32
  Bytes funcs;
  putU32(funcs, functions);
  for (uint32_t i = 0; i < functions; ++i) funcs.push_back(0);
  putSection(m, 3, funcs);
  putSection(m, 5, {1, 0x00, 1});  // one memory, min 1 page
  // Export the last function (it calls all the others) under a readable name.
  Bytes exports = {1, 3, 'r', 'u', 'n', 0x00};
  putU32(exports, functions - 1);
  putSection(m, 7, exports);
  Bytes code;
  putU32(code, functions);
  for (uint32_t i = 0; i < functions; ++i) {
    Bytes body = syntheticBody(i, chunksPerFunction);
    putU32(code, static_cast<uint32_t>(body.size()));
    code.insert(code.end(), body.begin(), body.end());
  }
  putSection(m, 10, code);
  return m;
}

// Size of the code section's contents, the part whose decoding dominates;
// the whole module if it has none or is malformed.
size_t codeSectionSize(const Bytes& m) {
  size_t pos = 8;
  auto readU32 = [&](uint32_t& v) {
    v = 0;
    for (int shift = 0; shift < 35 && pos < m.size(); shift += 7) {
      uint8_t b = m[pos++];
      v |= uint32_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  };
  while (pos < m.size()) {
    uint8_t id = m[pos++];
    uint32_t size;
    if (!readU32(size) || size > m.size() - pos) break;
    if (id == 10) return size;
    pos += size;
  }
  return m.size();
}

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

bool readFile(const std::string& path, Bytes* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
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

  for (const char* name : {"fib", "sieve", "matmul", "sha256", "nbody", "quicksort"}) {
    Bytes bytes;
    if (readFile(std::string(STRATA_BENCH_KERNEL_DIR) + "/" + name + ".wasm", &bytes))
      benchmark::RegisterBenchmark((std::string("decode/kernel/") + name).c_str(), decodeBench, bytes)
          ->Unit(benchmark::kMicrosecond);
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return g_decodeFailed ? 1 : 0;
}
