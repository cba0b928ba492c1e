// The JIT's runtime: per-thread context, the C++ entry (invoke) and the
// bridge from compiled code to interpreted and host functions, runtime
// helpers, the guard-region fault handler, compile driver, --stats,
// --dump-jit, --perf-map and the tiered mode's background compiler.
//
// W^X: code lives in asmjit's JitRuntime with a dual-mapped allocator
// (JitAllocatorOptions::kUseDualMapping): the code is written through a
// read-write view and executed through a separate read-execute view of the
// same memory, so no page is ever writable and executable at once.
// Compiled code is never freed (functions die with their instances, which
// only happens at the end of a run or a spec script).
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <Zydis/Zydis.h>

#include <algorithm>
#include <cinttypes>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>

#include "jit/jit.h"
#include "interp/code.h"
#include "jit/jit_internal.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"

namespace strata {

void interpretFunction(ExecEnv& env, Function* fn, Slot* fp);

namespace jit {

bool g_tiered = false;

namespace {

Options g_options;

// Stack room kept free below the JIT's stack limit for C++ helpers, the
// interpreter, exception unwinding and signal delivery.
constexpr uintptr_t kStackReserve = 256 * 1024;

constexpr int32_t kCompileFailed = INT32_MIN;

struct Stats {
  std::atomic<uint64_t> compiled{0}, failed{0}, compileNs{0}, codeBytes{0}, wasmBytes{0}, tierUps{0};
};
Stats& stats() {
  static Stats* s = new Stats;
  return *s;
}

asmjit::JitRuntime& runtime() {
  static asmjit::JitRuntime* rt = [] {
    asmjit::JitAllocator::CreateParams params;
    params.options = asmjit::JitAllocatorOptions::kUseDualMapping;
    return new asmjit::JitRuntime(&params);  // leaked: code outlives static destructors
  }();
  return *rt;
}

std::mutex& compileMutex() {
  static std::mutex* m = new std::mutex;
  return *m;
}

}  // namespace

const char* trapMessage(uint32_t code) {
  switch (code) {
    case kUnreachable: return "unreachable";
    case kDivideByZero: return "integer divide by zero";
    case kIntegerOverflow: return "integer overflow";
    case kInvalidConversion: return "invalid conversion to integer";
    case kOutOfBoundsMemory: return "out of bounds memory access";
    case kStackExhausted: return "call stack exhausted";
    case kUndefinedElement: return "undefined element";
    case kUninitializedElement: return "uninitialized element";
    case kIndirectCallTypeMismatch: return "indirect call type mismatch";
    case kOutOfBoundsTable: return "out of bounds table access";
    default: return "unknown trap";
  }
}

JitContext& threadContext() {
  thread_local JitContext ctx = [] {
    JitContext c;
    pthread_attr_t attr;
    void* low = nullptr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      pthread_attr_getstack(&attr, &low, &size);
      pthread_attr_destroy(&attr);
    }
    char probe;
    uintptr_t here = uintptr_t(&probe);
    if (low && here > uintptr_t(low) && here - uintptr_t(low) > 2 * kStackReserve) {
      c.stackLimit = uintptr_t(low) + kStackReserve;
    } else {
      c.stackLimit = here > (8u << 20) ? here - (4u << 20) : 0;  // unknown: assume 4 MiB left
    }
    return c;
  }();
  return ctx;
}

std::exception_ptr& pendingException() {
  thread_local std::exception_ptr e;
  return e;
}

void setPendingFromCurrent(JitContext* ctx) {
  pendingException() = std::current_exception();
  ctx->status = kPending;
}

namespace {
[[noreturn]] void raise(uint64_t status) {
  if (status == kPending) {
    std::exception_ptr e = pendingException();
    pendingException() = nullptr;
    if (e) std::rethrow_exception(e);
    throw Trap("internal error: lost JIT exception");
  }
  throw Trap(trapMessage(uint32_t(status)));
}
}  // namespace

void invoke(ExecEnv& env, Function* f, Slot* fp, Instance* caller) {
  JitContext& ctx = threadContext();
  ExecEnv* savedEnv = ctx.env;
  Slot* savedLimit = ctx.slotLimit;
  ctx.env = &env;
  ctx.slotLimit = env.stackLimit();
  Function::JitEntry entry = f->jitEntry.load(std::memory_order_acquire);
  uint64_t status = entry(&ctx, fp, f, caller);
  ctx.env = savedEnv;
  ctx.slotLimit = savedLimit;
  if (status) {
    ctx.status = 0;
    raise(status);
  }
}

uint64_t jitCallBridge(JitContext* ctx, Slot* fp, Function* callee, Instance* caller) {
  try {
    if (callee->isHost()) {
      size_t need = std::max(callee->type.params.size(), callee->type.results.size());
      if (fp + need > ctx->slotLimit) return kStackExhausted;
      ctx->env->stackTop = fp + need;
      callee->host(callee->hostEnv, caller, fp);
      return 0;
    }
    if (!callee->jitEntry.load(std::memory_order_acquire) && !callee->interpCode.load(std::memory_order_acquire))
      onFirstCall(callee, /*fromOutside=*/true);
    if (Function::JitEntry e = callee->jitEntry.load(std::memory_order_acquire))
      return e(ctx, fp, callee, caller);
    char probe;
    if (uintptr_t(&probe) < ctx->stackLimit) return kStackExhausted;
    interpretFunction(*ctx->env, callee, fp);
    return 0;
  } catch (...) {
    setPendingFromCurrent(ctx);
    return kPending;
  }
}

// --- helpers ----------------------------------------------------------------

namespace {
uint64_t fail(JitContext* ctx, uint32_t code) {
  ctx->status = code;
  return 0;
}
}  // namespace

uint64_t jitResolveIndirect(JitContext* ctx, Table* table, uint64_t index, uint64_t sigId) {
  uint32_t i = uint32_t(index);
  if (i >= table->size()) return fail(ctx, kUndefinedElement);
  Function* f = reinterpret_cast<Function*>(table->data()[i]);
  if (!f) {
    // The interpreter's wording names the index.
    pendingException() = std::make_exception_ptr(Trap("uninitialized element " + std::to_string(i)));
    return fail(ctx, kPending);
  }
  if (f->sigId != uint32_t(sigId)) return fail(ctx, kIndirectCallTypeMismatch);
  return uint64_t(uintptr_t(f));
}
uint64_t jitTableGet(JitContext* ctx, Table* table, uint64_t index) {
  if (uint32_t(index) >= table->size()) return fail(ctx, kOutOfBoundsTable);
  return table->data()[uint32_t(index)];
}
uint64_t jitTableSet(JitContext* ctx, Table* table, uint64_t index, uint64_t value) {
  if (uint32_t(index) >= table->size()) return fail(ctx, kOutOfBoundsTable);
  table->data()[uint32_t(index)] = value;
  return 0;
}
uint64_t jitTableSize(Table* table) { return uint32_t(table->size()); }
uint64_t jitTableGrow(Table* table, uint64_t init, uint64_t n) { return uint32_t(table->grow(uint32_t(n), init)); }
uint64_t jitTableFill(JitContext* ctx, Table* table, uint64_t index, uint64_t value, uint64_t n) {
  uint64_t i = uint32_t(index), k = uint32_t(n);
  if (i + k > table->size()) return fail(ctx, kOutOfBoundsTable);
  std::fill_n(table->data() + i, k, value);
  return 0;
}
uint64_t jitTableCopy(JitContext* ctx, Table* dstT, Table* srcT, uint64_t d, uint64_t s, uint64_t n) {
  uint64_t dst = uint32_t(d), src = uint32_t(s), k = uint32_t(n);
  if (src + k > srcT->size() || dst + k > dstT->size()) return fail(ctx, kOutOfBoundsTable);
  if (k) std::memmove(dstT->data() + dst, srcT->data() + src, k * sizeof(Slot));
  return 0;
}
uint64_t jitTableInit(JitContext* ctx, Instance* inst, Table* table, uint64_t seg, uint64_t d, uint64_t s, uint64_t n) {
  try {
    uint64_t dst = uint32_t(d), src = uint32_t(s), k = uint32_t(n);
    const ElemSegment& elem = inst->module().elems[seg];
    uint64_t segSize = inst->elemDropped(uint32_t(seg)) ? 0 : elem.items.size();
    if (src + k > segSize || dst + k > table->size()) return fail(ctx, kOutOfBoundsTable);
    for (uint64_t i = 0; i < k; ++i) table->data()[dst + i] = inst->evalRef(elem.items[src + i]);
    return 0;
  } catch (...) {
    setPendingFromCurrent(ctx);
    return 0;
  }
}
uint64_t jitElemDrop(Instance* inst, uint64_t seg) {
  inst->dropElem(uint32_t(seg));
  return 0;
}
uint64_t jitMemorySize(Memory* mem) { return uint32_t(mem->pages()); }
uint64_t jitMemoryGrow(Memory* mem, uint64_t delta) { return uint32_t(mem->grow(uint32_t(delta))); }
uint64_t jitMemoryInit(JitContext* ctx, Instance* inst, uint64_t seg, uint64_t d, uint64_t s, uint64_t n) {
  uint64_t dst = uint32_t(d), src = uint32_t(s), k = uint32_t(n);
  const DataSegment& data = inst->module().datas[seg];
  uint64_t segSize = inst->dataDropped(uint32_t(seg)) ? 0 : data.size;
  Memory* mem = inst->memory(0);
  if (src + k > segSize || dst + k > mem->byteSize()) return fail(ctx, kOutOfBoundsMemory);
  if (k) std::memcpy(mem->base() + dst, inst->module().bytes.data() + data.begin + src, k);
  return 0;
}
uint64_t jitDataDrop(Instance* inst, uint64_t seg) {
  inst->dropData(uint32_t(seg));
  return 0;
}
uint64_t jitMemoryCopy(JitContext* ctx, Memory* mem, uint64_t d, uint64_t s, uint64_t n) {
  uint64_t dst = uint32_t(d), src = uint32_t(s), k = uint32_t(n);
  if (src + k > mem->byteSize() || dst + k > mem->byteSize()) return fail(ctx, kOutOfBoundsMemory);
  if (k) std::memmove(mem->base() + dst, mem->base() + src, k);
  return 0;
}
uint64_t jitMemoryFill(JitContext* ctx, Memory* mem, uint64_t d, uint64_t value, uint64_t n) {
  uint64_t dst = uint32_t(d), k = uint32_t(n);
  if (dst + k > mem->byteSize()) return fail(ctx, kOutOfBoundsMemory);
  if (k) std::memset(mem->base() + dst, uint8_t(value), k);
  return 0;
}
uint64_t jitRefreshMemory(JitContext* ctx, Memory* mem) {
  ctx->memBase = mem->base();
  ctx->memSize = mem->byteSize();
  return 0;
}

// --- guard-region faults ---------------------------------------------------------

namespace {

struct CodeRange {
  uintptr_t begin, end, oobExit;
};
constexpr size_t kMaxRanges = size_t(1) << 20;
CodeRange* g_ranges = nullptr;
std::atomic<size_t> g_rangeCount{0};
struct sigaction g_prevSegv, g_prevBus;

void faultHandler(int sig, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  uintptr_t pc = uintptr_t(uc->uc_mcontext.gregs[REG_RIP]);
  size_t n = g_rangeCount.load(std::memory_order_acquire);
  for (size_t i = n; i-- > 0;) {
    const CodeRange& r = g_ranges[i];
    if (pc >= r.begin && pc < r.end) {
      if (!r.oobExit) break;
      // Resume at the function's "out of bounds memory access" exit, which
      // returns the trap status like any other trap.
      uc->uc_mcontext.gregs[REG_RIP] = greg_t(r.oobExit);
      return;
    }
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

void registerCode(uintptr_t begin, uintptr_t end, uintptr_t oobExit) {
  // Callers hold the compile mutex: one writer at a time.
  size_t n = g_rangeCount.load(std::memory_order_relaxed);
  if (!g_ranges || n >= kMaxRanges) return;
  g_ranges[n] = {begin, end, oobExit};
  g_rangeCount.store(n + 1, std::memory_order_release);
}

// --- compile driver ----------------------------------------------------------------

namespace {

bool wantsDump(Function* f) {
  if (!g_options.dump) return false;
  if (g_options.dumpFunction.empty()) return true;
  const Module& m = f->instance->module();
  return g_options.dumpFunction == m.functionName(f->index) || g_options.dumpFunction == std::to_string(f->index);
}

void writePerfMap(uintptr_t addr, size_t size, const std::string& name) {
  static FILE* map = [] {
    char path[64];
    std::snprintf(path, sizeof path, "/tmp/perf-%d.map", int(getpid()));
    return std::fopen(path, "w");
  }();
  if (!map) return;
  std::fprintf(map, "%" PRIxPTR " %zx wasm:%s\n", addr, size, name.c_str());
  std::fflush(map);
}

}  // namespace

void configure(const Options& options) {
  g_options = options;
  if (const char* refuse = std::getenv("STRATA_JIT_REFUSE")) g_options.refuse = refuse;
  g_tiered = options.mode == Mode::Tiered;
  if (options.mode != Mode::Interp) installSignalHandlers();
}

const Options& options() { return g_options; }

bool compile(Function* f) {
  if (f->isHost()) return false;
  if (f->jitEntry.load(std::memory_order_acquire)) return true;
  std::lock_guard<std::mutex> lock(compileMutex());
  if (f->jitEntry.load(std::memory_order_acquire)) return true;
  if (f->jitCountdown.load(std::memory_order_relaxed) == kCompileFailed) return false;
  installSignalHandlers();
  bool dump = wantsDump(f);
  auto t0 = std::chrono::steady_clock::now();
  CompileResult r;
  const Module& module = f->instance->module();
  if (!g_options.refuse.empty() &&
      (g_options.refuse == module.functionName(f->index) || g_options.refuse == std::to_string(f->index))) {
    r.error = "refused (testing)";
  } else {
    try {
      r = compileFunction(f, runtime(), dump);
    } catch (const std::exception& e) {
      r.entry = nullptr;
      r.error = e.what();
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  Stats& s = stats();
  s.compileNs += uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  std::string name = f->instance->module().functionName(f->index);
  if (!r.entry) {
    ++s.failed;
    f->jitCountdown.store(kCompileFailed, std::memory_order_relaxed);
    if (g_options.stats) std::cerr << "strata: warning: JIT cannot compile " << name << " (" << r.error << "); it stays interpreted\n";
    return false;
  }
  ++s.compiled;
  s.codeBytes += r.codeSize;
  s.wasmBytes += r.wasmBytes;
  registerCode(uintptr_t(r.entry), uintptr_t(r.entry) + r.codeSize, r.oobExit);
  if (dump) dumpCode(stderr, name, r);
  if (g_options.perfMap) writePerfMap(uintptr_t(r.entry), r.codeSize, name);
  f->jitEntry.store(reinterpret_cast<Function::JitEntry>(r.entry), std::memory_order_release);
  // The interpreter looks for JIT code only when a callee has no
  // interpreter code (keeping its call path free of JIT checks), so a
  // tier-up retires the interpreter code: frames still running it keep it
  // alive here (until exit: code of tiered-up functions is small and
  // bounded by the number of functions).
  if (InterpCode* old = f->interpCode.exchange(nullptr, std::memory_order_acq_rel)) {
    static std::vector<InterpCode*>* retired = new std::vector<InterpCode*>;  // reachable: not a leak
    retired->push_back(old);
  }
  return true;
}

// --- tiering -------------------------------------------------------------------------

namespace {

struct Queue {
  std::mutex mutex;
  std::condition_variable cv, idle;
  std::deque<std::pair<std::shared_ptr<Instance>, Function*>> items;
  size_t busy = 0;
  bool started = false;
};
Queue& queue() {
  static Queue* q = new Queue;  // leaked: workers may outlive static destruction
  return *q;
}

void worker() {
  Queue& q = queue();
  for (;;) {
    std::pair<std::shared_ptr<Instance>, Function*> item;
    {
      std::unique_lock<std::mutex> lock(q.mutex);
      q.cv.wait(lock, [&] { return !q.items.empty(); });
      item = std::move(q.items.front());
      q.items.pop_front();
      ++q.busy;
    }
    if (compile(item.second)) ++stats().tierUps;
    item.first.reset();
    {
      std::lock_guard<std::mutex> lock(q.mutex);
      --q.busy;
      if (q.items.empty() && q.busy == 0) q.idle.notify_all();
    }
  }
}

}  // namespace

bool onFirstCall(Function* f, bool fromOutside) {
  switch (g_options.mode) {
    case Mode::Jit:
      return compile(f);
    case Mode::Tiered:
      if (f->jitCountdown.load(std::memory_order_relaxed) == 0)
        f->jitCountdown.store(int32_t(std::max<uint32_t>(g_options.threshold, 1)), std::memory_order_relaxed);
      if (fromOutside && !f->isHost() && functionHasLoop(f)) return compile(f);
      return false;
    default:
      return false;
  }
}

void onHot(Function* f) {
  if (f->isHost() || f->jitEntry.load(std::memory_order_relaxed)) return;
  // Not again until the compile is done (or forever, if it fails).
  f->jitCountdown.store(INT32_MAX, std::memory_order_relaxed);
  std::shared_ptr<Instance> keep;
  try {
    keep = f->instance->shared_from_this();
  } catch (const std::bad_weak_ptr&) {
    return;
  }
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.mutex);
  if (!q.started) {
    q.started = true;
    for (uint32_t i = 0; i < std::max<uint32_t>(g_options.threads, 1); ++i) std::thread(worker).detach();
  }
  q.items.emplace_back(std::move(keep), f);
  q.cv.notify_one();
}

void shutdown() {
  Queue& q = queue();
  std::unique_lock<std::mutex> lock(q.mutex);
  q.items.clear();
  q.idle.wait(lock, [&] { return q.busy == 0; });
}

void printStats(std::ostream& out) {
  {
    Queue& q = queue();
    std::unique_lock<std::mutex> lock(q.mutex);
    q.idle.wait(lock, [&] { return q.items.empty() && q.busy == 0; });
  }
  Stats& s = stats();
  double ms = double(s.compileNs) / 1e6;
  double mbps = s.compileNs ? double(s.wasmBytes) / (double(s.compileNs) / 1e9) / 1e6 : 0;
  out << "jit: functions compiled: " << s.compiled << ", failed (interpreted): " << s.failed << "\n"
      << "jit: compile time: " << ms << " ms, wasm bytes: " << s.wasmBytes << " (" << mbps << " MB/s)\n"
      << "jit: code bytes: " << s.codeBytes << " ("
      << (s.wasmBytes ? double(s.codeBytes) / double(s.wasmBytes) : 0.0) << " per wasm byte)\n"
      << "jit: tier-ups: " << s.tierUps << ", OSR entries: 0\n";
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

}  // namespace jit
}  // namespace strata
