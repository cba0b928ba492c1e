// What the JIT reports: --stats (counts, compile speed and code size per
// tier, where the CPU time went), --dump-jit (Zydis disassembly) and
// --perf-map (perf's map file and a jitdump for `perf inject --jit`).
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <Zydis/Zydis.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <mutex>
#include <ostream>

#include "interp/code.h"
#include "jit/jit.h"
#include "jit/jit_internal.h"

namespace strata::jit {

// --- where the time goes ----------------------------------------------------------

namespace {

// CPU-time samples by where the sampled thread was: its pc in the
// interpreter's dispatch loop, in baseline or optimized code, elsewhere
// (the runtime's C++, host and WASI functions, translation, foreground
// compiles), or a compile thread. The profiling timer asks for one sample
// per millisecond of process CPU time; the kernel may deliver them at its
// tick rate.
enum Bucket { kInInterpreter, kInBaseline, kInOptimized, kInRuntime, kInCompileThread, kNumBuckets };
std::atomic<uint64_t> g_samples[kNumBuckets];
uintptr_t g_interpBegin = 0, g_interpEnd = 0;

void profileHandler(int, siginfo_t*, void* context) {
  int savedErrno = errno;
  auto* uc = static_cast<ucontext_t*>(context);
  uintptr_t pc = uintptr_t(uc->uc_mcontext.gregs[REG_RIP]);
  Bucket b = kInRuntime;
  uintptr_t exit;
  Tier tier;
  if (onCompileThread()) {
    b = kInCompileThread;
  } else if (pc >= g_interpBegin && pc < g_interpEnd) {
    b = kInInterpreter;
  } else if (findCode(pc, &exit, &tier)) {
    b = tier == Tier::Baseline ? kInBaseline : kInOptimized;
  }
  g_samples[b].fetch_add(1, std::memory_order_relaxed);
  errno = savedErrno;
}

double mbPerSecond(uint64_t bytes, uint64_t ns) { return ns ? double(bytes) / (double(ns) / 1e9) / 1e6 : 0; }

}  // namespace

void startProfiling() {
  // The interpreter's handlers are labels inside its one dispatch function:
  // their span is (nearly all of) the interpreter's code.
  const void* const* handlers = interpreterHandlers();
  auto [lo, hi] = std::minmax_element(handlers, handlers + size_t(IOp::Count),
                                      [](const void* a, const void* b) { return uintptr_t(a) < uintptr_t(b); });
  g_interpBegin = uintptr_t(*lo);
  g_interpEnd = uintptr_t(*hi) + 64;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = profileHandler;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGPROF, &sa, nullptr);
  itimerval timer{{0, 1000}, {0, 1000}};
  setitimer(ITIMER_PROF, &timer, nullptr);
}

void printStats(std::ostream& out) {
  waitForCompiles();
  itimerval off{};
  setitimer(ITIMER_PROF, &off, nullptr);
  char line[512];
  out << "jit: mode " << modeName(options().mode) << "\n";
  for (int t = 0; t < kNumTiers; ++t) {
    TierStats& s = tierStats(Tier(t));
    std::snprintf(line, sizeof line,
                  "jit: %s: %" PRIu64 " functions compiled, %" PRIu64 " failed, %" PRIu64 " tier-ups, %" PRIu64
                  " OSR entries taken; compile %.1f ms for %" PRIu64 " wasm bytes (%.1f MB/s); code %" PRIu64
                  " bytes (%.2f per wasm byte)\n",
                  tierName(Tier(t)), uint64_t(s.compiled), uint64_t(s.failed), uint64_t(s.tierUps),
                  uint64_t(s.osrEntries), double(s.compileNs) / 1e6, uint64_t(s.wasmBytes),
                  mbPerSecond(s.wasmBytes, s.compileNs), uint64_t(s.codeBytes),
                  s.wasmBytes ? double(s.codeBytes) / double(s.wasmBytes) : 0.0);
    out << line;
    if (s.inlinedCalls) {
      std::snprintf(line, sizeof line, "jit: %s: %" PRIu64 " call sites inlined, %" PRIu64 " of them across import slots\n",
                    tierName(Tier(t)), uint64_t(s.inlinedCalls), uint64_t(s.inlinedImportCalls));
      out << line;
    }
    if (!s.compiled) continue;
    // Compile speed by function size: linear compilers keep it flat.
    int at = std::snprintf(line, sizeof line, "jit: %s compile speed by function size:", tierName(Tier(t)));
    size_t limit = 256;
    for (int b = 0; b < kSizeBuckets; ++b, limit *= 4) {
      BucketStats& bs = bucketStats(Tier(t), b);
      if (!bs.functions) continue;
      char range[32];
      if (b == kSizeBuckets - 1)
        std::snprintf(range, sizeof range, ">=%zuK", limit / 4 / 1024);
      else if (limit < 1024)
        std::snprintf(range, sizeof range, "<%zu", limit);
      else
        std::snprintf(range, sizeof range, "<%zuK", limit / 1024);
      at += std::snprintf(line + at, sizeof line - size_t(at), " %s B: %" PRIu64 " fns %.1f MB/s;", range,
                          uint64_t(bs.functions), mbPerSecond(bs.bytes, bs.ns));
      if (at >= int(sizeof line) - 64) break;
    }
    out << line << "\n";
  }
  uint64_t total = 0;
  for (auto& n : g_samples) total += n;
  if (total) {
    static const char* const kNames[kNumBuckets] = {"interpreter", "baseline code", "optimized code",
                                                    "runtime and host", "background compiles"};
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpuMs = double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                   double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
    int at = std::snprintf(line, sizeof line, "jit: CPU time %.0f ms (%" PRIu64 " samples):", cpuMs, total);
    for (int b = 0; b < kNumBuckets; ++b)
      at += std::snprintf(line + at, sizeof line - size_t(at), "%s %s %.1f%%", b ? "," : "", kNames[b],
                          100.0 * double(g_samples[b]) / double(total));
    out << line << "\n";
  }
}

// --- dump ----------------------------------------------------------------------------

void dumpCode(std::FILE* out, const std::string& name, const CompileResult& r) {
  std::fprintf(out, ";; jit %s: %zu bytes of x86-64 from %zu bytes of wasm, at %p\n", name.c_str(), r.codeSize,
               r.wasmBytes, r.entry);
  std::vector<CodeAnnotation> notes = r.annotations;
  std::stable_sort(notes.begin(), notes.end(),
                   [](const CodeAnnotation& a, const CodeAnnotation& b) { return a.codeOffset < b.codeOffset; });
  size_t next = 0;
  const uint8_t* code = static_cast<const uint8_t*>(r.entry);
  size_t offset = 0;
  while (offset < r.codeSize) {
    while (next < notes.size() && notes[next].codeOffset <= offset) {
      std::fprintf(out, "                 ;; wasm @0x%x: %s\n", notes[next].wasmOffset, notes[next].name);
      ++next;
    }
    ZydisDisassembledInstruction ins;
    if (!ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, uint64_t(uintptr_t(code + offset)),
                                            code + offset, r.codeSize - offset, &ins))) {
      std::fprintf(out, "  %6zx  .byte 0x%02x\n", offset, code[offset]);
      ++offset;
      continue;
    }
    std::fprintf(out, "  %6zx  %s\n", offset, ins.text);
    offset += ins.info.length;
  }
}

// --- perf --------------------------------------------------------------------------
// perf reads /tmp/perf-PID.map only for anonymous executable mappings, and
// compiled code runs from a shared (memfd) mapping: the W^X dual mapping.
// So --perf-map also writes a jitdump (tools/perf/Documentation/
// jitdump-specification.txt): `perf record -k mono`, then
// `perf inject --jit` turns each code load into an ELF image perf report
// can name. The dump file must be mapped executable once: that mapping in
// perf's record is how perf inject finds it.

namespace {

uint64_t monotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

struct PerfOutput {
  std::mutex mutex;
  FILE* map = nullptr;
  FILE* dump = nullptr;
  uint64_t index = 0;
};

PerfOutput& perfOutput() {
  static PerfOutput* out = [] {
    auto* o = new PerfOutput;
    char path[64];
    std::snprintf(path, sizeof path, "/tmp/perf-%d.map", int(getpid()));
    o->map = std::fopen(path, "w");
    std::snprintf(path, sizeof path, "/tmp/jit-%d.dump", int(getpid()));
    o->dump = std::fopen(path, "w+");
    if (o->dump) {
      struct {
        uint32_t magic = 0x4A695444;  // "JiTD"
        uint32_t version = 1;
        uint32_t totalSize = 40;
        uint32_t elfMachine = 62;  // EM_X86_64
        uint32_t pad = 0;
        uint32_t pid = 0;
        uint64_t timestamp = 0;
        uint64_t flags = 0;
      } header;
      header.pid = uint32_t(getpid());
      header.timestamp = monotonicNs();
      std::fwrite(&header, sizeof header, 1, o->dump);
      std::fflush(o->dump);
      // The marker mapping perf looks for (never unmapped).
      void* marker = mmap(nullptr, size_t(sysconf(_SC_PAGESIZE)), PROT_READ | PROT_EXEC, MAP_PRIVATE,
                          fileno(o->dump), 0);
      (void)marker;
    }
    return o;
  }();
  return *out;
}

}  // namespace

void announceCode(uintptr_t address, size_t size, const std::string& name) {
  PerfOutput& out = perfOutput();
  std::lock_guard<std::mutex> lock(out.mutex);
  std::string symbol = "wasm:" + name;
  if (out.map) {
    std::fprintf(out.map, "%" PRIxPTR " %zx %s\n", address, size, symbol.c_str());
    std::fflush(out.map);
  }
  if (out.dump) {
    struct {
      uint32_t id = 0;  // JIT_CODE_LOAD
      uint32_t totalSize = 0;
      uint64_t timestamp = 0;
      uint32_t pid = 0, tid = 0;
      uint64_t vma = 0, codeAddress = 0, codeSize = 0, codeIndex = 0;
    } record;
    record.totalSize = uint32_t(sizeof record + symbol.size() + 1 + size);
    record.timestamp = monotonicNs();
    record.pid = uint32_t(getpid());
    record.tid = uint32_t(syscall(SYS_gettid));
    record.vma = record.codeAddress = address;
    record.codeSize = size;
    record.codeIndex = out.index++;
    std::fwrite(&record, sizeof record, 1, out.dump);
    std::fwrite(symbol.c_str(), symbol.size() + 1, 1, out.dump);
    std::fwrite(reinterpret_cast<const void*>(address), size, 1, out.dump);
    std::fflush(out.dump);
  }
}

}  // namespace strata::jit
