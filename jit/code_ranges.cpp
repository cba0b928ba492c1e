// JIT code ranges and the guard-region fault handler: a SIGSEGV/SIGBUS at a
// pc inside compiled code resumes at that code's "out of bounds memory
// access" exit; any other fault goes to the handler that was there before.
// The same table tells --stats which tier a sampled pc is in.
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "jit/jit.h"
#include "jit/jit_internal.h"

namespace strata::jit {

namespace {

// The JIT code ranges, for the signal handlers: an array they read without
// locks. Freed ranges are disabled and their slots reused, so the array only
// holds live code. Writers hold rangeMutex(); each slot is a seqlock
// (odd `seq` while it is being written), so a handler never pairs one
// code's begin with another's end.
struct CodeRange {
  std::atomic<uint32_t> seq;
  std::atomic<uintptr_t> begin, end, oobExit;
  std::atomic<uint8_t> tier;
};
constexpr size_t kMaxRanges = size_t(1) << 20;
CodeRange* g_ranges = nullptr;
std::atomic<size_t> g_rangeCount{0};
// Writer side (rangeMutex): free slots, and the slot of each code start.
struct RangeSlots {
  std::vector<size_t> free;
  std::unordered_map<uintptr_t, size_t> byBegin;
};
RangeSlots& rangeSlots() {
  static auto* slots = new RangeSlots;  // leaked like the code itself
  return *slots;
}
std::mutex& rangeMutex() {
  static auto* m = new std::mutex;
  return *m;
}

}  // namespace

// The live range holding pc: true, with its oobExit and tier.
bool findCode(uintptr_t pc, uintptr_t* oobExit, Tier* tier) {
  size_t n = g_rangeCount.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    const CodeRange& r = g_ranges[i];
    uint32_t seq = r.seq.load(std::memory_order_acquire);
    if (seq & 1) continue;  // being rewritten: not code that can be running
    uintptr_t begin = r.begin.load(std::memory_order_relaxed);
    uintptr_t end = r.end.load(std::memory_order_relaxed);
    uintptr_t exit = r.oobExit.load(std::memory_order_relaxed);
    uint8_t t = r.tier.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (r.seq.load(std::memory_order_relaxed) != seq) continue;
    if (pc >= begin && pc < end) {
      *oobExit = exit;
      *tier = Tier(t);
      return true;
    }
  }
  return false;
}

namespace {
struct sigaction g_prevSegv, g_prevBus;

void faultHandler(int sig, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  uintptr_t pc = uintptr_t(uc->uc_mcontext.gregs[REG_RIP]);
  uintptr_t exit = 0;
  Tier tier;
  if (findCode(pc, &exit, &tier) && exit) {
    // Resume at the function's "out of bounds memory access" exit, which
    // returns the trap status like any other trap.
    uc->uc_mcontext.gregs[REG_RIP] = greg_t(exit);
    return;
  }
  const struct sigaction& prev = sig == SIGBUS ? g_prevBus : g_prevSegv;
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
    prev.sa_sigaction(sig, info, context);
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler) {
    prev.sa_handler(sig);
  } else {
    signal(sig, SIG_DFL);  // the faulting instruction re-executes and kills us
  }
}

}  // namespace

void installSignalHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    void* p = mmap(nullptr, kMaxRanges * sizeof(CodeRange), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return;
    g_ranges = static_cast<CodeRange*>(p);
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = faultHandler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_prevSegv);
    sigaction(SIGBUS, &sa, &g_prevBus);
  });
}

namespace {
// Rewrites slot i (seqlock: odd while writing).
void writeRange(size_t i, uintptr_t begin, uintptr_t end, uintptr_t oobExit, Tier tier) {
  CodeRange& r = g_ranges[i];
  uint32_t seq = r.seq.load(std::memory_order_relaxed);
  r.seq.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  r.begin.store(begin, std::memory_order_relaxed);
  r.end.store(end, std::memory_order_relaxed);
  r.oobExit.store(oobExit, std::memory_order_relaxed);
  r.tier.store(uint8_t(tier), std::memory_order_relaxed);
  r.seq.store(seq + 2, std::memory_order_release);
}
}  // namespace

bool registerCode(uintptr_t begin, uintptr_t end, uintptr_t oobExit, Tier tier) {
  if (!g_ranges) return false;
  std::lock_guard<std::mutex> lock(rangeMutex());
  RangeSlots& slots = rangeSlots();
  size_t i;
  if (!slots.free.empty()) {
    i = slots.free.back();
    slots.free.pop_back();
  } else {
    i = g_rangeCount.load(std::memory_order_relaxed);
    if (i >= kMaxRanges) return false;
    g_ranges[i].seq.store(1, std::memory_order_relaxed);  // not readable yet
    g_rangeCount.store(i + 1, std::memory_order_release);
    g_ranges[i].seq.store(0, std::memory_order_release);
  }
  writeRange(i, begin, end, oobExit, tier);
  slots.byBegin[begin] = i;
  return true;
}

void unregisterCode(uintptr_t begin) {
  std::lock_guard<std::mutex> lock(rangeMutex());
  RangeSlots& slots = rangeSlots();
  auto it = slots.byBegin.find(begin);
  if (it == slots.byBegin.end()) return;
  writeRange(it->second, 0, 0, 0, Tier::Baseline);
  slots.free.push_back(it->second);
  slots.byBegin.erase(it);
}

}  // namespace strata::jit
