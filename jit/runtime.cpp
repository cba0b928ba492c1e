// The JIT's runtime: per-thread context, the C++ entry (invoke) and the
// bridge from compiled code to interpreted and host functions, runtime
// helpers, the guard-region fault handler, compile driver, --stats,
// --dump-jit, --perf-map and the tiered mode's background compiler.
//
// W^X: code lives in asmjit's JitRuntime with a dual-mapped allocator
// (JitAllocatorOptions::kUseDualMapping): the code is written through a
// read-write view and executed through a separate read-execute view of the
// same memory, so no page is ever writable and executable at once.
// Compiled code is freed when its function dies (with its instance).
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#include <Zydis/Zydis.h>

#include <algorithm>
#include <cerrno>
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
#include <unordered_map>

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

// Whole-function compile (no OSR loop).
constexpr uint32_t kNoLoop = UINT32_MAX;

struct Stats {
  std::atomic<uint64_t> compiled{0}, failed{0}, compileNs{0}, codeBytes{0}, wasmBytes{0}, tierUps{0};
  std::atomic<uint64_t> osrCompiled{0}, osrEntries{0};
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

namespace {
void run(ExecEnv& env, Function::JitEntry entry, Function* f, Slot* fp, Instance* caller) {
  JitContext& ctx = threadContext();
  ExecEnv* savedEnv = ctx.env;
  Slot* savedLimit = ctx.slotLimit;
  ctx.env = &env;
  ctx.slotLimit = env.stackLimit();
  uint64_t status = entry(&ctx, fp, f, caller);
  ctx.env = savedEnv;
  ctx.slotLimit = savedLimit;
  if (status) {
    ctx.status = 0;
    raise(status);
  }
}
}  // namespace

void invoke(ExecEnv& env, Function* f, Slot* fp, Instance* caller) {
  run(env, f->jitEntry.load(std::memory_order_acquire), f, fp, caller);
}

void invokeOsr(ExecEnv& env, Function* f, Function::JitEntry entry, Slot* fp) {
  run(env, entry, f, fp, f->instance);
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
      onFirstCall(callee);
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

// The JIT code ranges, for the signal handlers: an array they read without
// locks. Freed ranges are disabled and their slots reused, so the array only
// holds live code. Writers hold the compile mutex; each slot is a seqlock
// (odd `seq` while it is being written), so a handler never pairs one
// code's begin with another's end.
struct CodeRange {
  std::atomic<uint32_t> seq;
  std::atomic<uintptr_t> begin, end, oobExit;
};
constexpr size_t kMaxRanges = size_t(1) << 20;
CodeRange* g_ranges = nullptr;
std::atomic<size_t> g_rangeCount{0};
// Writer side (compile mutex): free slots, and the slot of each code start.
struct RangeSlots {
  std::vector<size_t> free;
  std::unordered_map<uintptr_t, size_t> byBegin;
};
RangeSlots& rangeSlots() {
  static auto* slots = new RangeSlots;  // leaked like the code itself
  return *slots;
}

// The live range holding pc: true, with its oobExit.
bool findRange(uintptr_t pc, uintptr_t* oobExit) {
  size_t n = g_rangeCount.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    const CodeRange& r = g_ranges[i];
    uint32_t seq = r.seq.load(std::memory_order_acquire);
    if (seq & 1) continue;  // being rewritten: not code that can be running
    uintptr_t begin = r.begin.load(std::memory_order_relaxed);
    uintptr_t end = r.end.load(std::memory_order_relaxed);
    uintptr_t exit = r.oobExit.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (r.seq.load(std::memory_order_relaxed) != seq) continue;
    if (pc >= begin && pc < end) {
      *oobExit = exit;
      return true;
    }
  }
  return false;
}
struct sigaction g_prevSegv, g_prevBus;

void faultHandler(int sig, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  uintptr_t pc = uintptr_t(uc->uc_mcontext.gregs[REG_RIP]);
  uintptr_t exit = 0;
  if (findRange(pc, &exit) && exit) {
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
void writeRange(size_t i, uintptr_t begin, uintptr_t end, uintptr_t oobExit) {
  CodeRange& r = g_ranges[i];
  uint32_t seq = r.seq.load(std::memory_order_relaxed);
  r.seq.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  r.begin.store(begin, std::memory_order_relaxed);
  r.end.store(end, std::memory_order_relaxed);
  r.oobExit.store(oobExit, std::memory_order_relaxed);
  r.seq.store(seq + 2, std::memory_order_release);
}
}  // namespace

bool registerCode(uintptr_t begin, uintptr_t end, uintptr_t oobExit) {
  if (!g_ranges) return false;
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
  writeRange(i, begin, end, oobExit);
  slots.byBegin[begin] = i;
  return true;
}

void unregisterCode(uintptr_t begin) {
  RangeSlots& slots = rangeSlots();
  auto it = slots.byBegin.find(begin);
  if (it == slots.byBegin.end()) return;
  writeRange(it->second, 0, 0, 0);
  slots.free.push_back(it->second);
  slots.byBegin.erase(it);
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

namespace {

// Compiles `f` whole (osrLoop == kNoLoop) or as an OSR entry at the loop at
// module offset `osrLoop`, and registers the code (fault ranges, dump, perf
// map, stats). Null if the JIT cannot compile it. Caller holds the compile
// mutex.
Function::JitEntry compileLocked(Function* f, uint32_t osrLoop) {
  installSignalHandlers();
  bool dump = wantsDump(f);
  auto t0 = std::chrono::steady_clock::now();
  CompileResult r;
  const Module& module = f->instance->module();
  std::string name = module.functionName(f->index);
  if (!g_options.refuse.empty() && (g_options.refuse == name || g_options.refuse == std::to_string(f->index))) {
    r.error = "refused (testing)";
  } else {
    try {
      r = compileFunction(f, runtime(), dump, osrLoop);
    } catch (const std::exception& e) {
      r.entry = nullptr;
      r.error = e.what();
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  Stats& s = stats();
  s.compileNs += uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  if (osrLoop != kNoLoop) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "@osr:0x%x", osrLoop);
    name += suffix;
  }
  if (!r.entry) {
    ++s.failed;
    if (g_options.stats)
      std::cerr << "strata: warning: JIT cannot compile " << name << " (" << r.error << "); it stays interpreted\n";
    return nullptr;
  }
  if (!registerCode(uintptr_t(r.entry), uintptr_t(r.entry) + r.codeSize, r.oobExit)) {
    // Without its range a guard-region fault in this code would kill the
    // process: too many functions are compiled at once.
    runtime().release(r.entry);
    ++s.failed;
    if (g_options.stats) std::cerr << "strata: warning: JIT code table full; " << name << " stays interpreted\n";
    return nullptr;
  }
  ++(osrLoop == kNoLoop ? s.compiled : s.osrCompiled);
  s.codeBytes += r.codeSize;
  s.wasmBytes += r.wasmBytes;
  if (dump) dumpCode(stderr, name, r);
  if (g_options.perfMap) writePerfMap(uintptr_t(r.entry), r.codeSize, name);
  return reinterpret_cast<Function::JitEntry>(r.entry);
}

// Compiles the OSR entry `e` of `f`, unless done already.
void compileOsr(Function* f, Function::OsrEntry* e) {
  std::lock_guard<std::mutex> lock(compileMutex());
  if (e->entry.load(std::memory_order_acquire) || e->failed.load(std::memory_order_relaxed)) return;
  if (Function::JitEntry entry = compileLocked(f, e->loopOffset))
    e->entry.store(entry, std::memory_order_release);
  else
    e->failed.store(true, std::memory_order_relaxed);
}

}  // namespace

namespace {
// Takes the interpreter code out of use (tier-up). Caller holds the compile
// mutex.
void retireInterpCode(Function* f) {
  if (InterpCode* old = f->interpCode.exchange(nullptr, std::memory_order_acq_rel)) {
    old->retiredNext = f->retiredInterpCode;
    f->retiredInterpCode = old;
  }
}
}  // namespace

bool compile(Function* f) {
  if (f->isHost()) return false;
  if (f->jitEntry.load(std::memory_order_acquire)) return true;
  std::lock_guard<std::mutex> lock(compileMutex());
  if (f->jitEntry.load(std::memory_order_acquire)) return true;
  if (f->jitFailed.load(std::memory_order_relaxed)) return false;
  Function::JitEntry entry = compileLocked(f, kNoLoop);
  if (!entry) {
    f->jitFailed.store(true, std::memory_order_relaxed);
    f->jitCountdown.store(INT32_MAX, std::memory_order_relaxed);
    return false;
  }
  f->jitEntry.store(entry, std::memory_order_release);
  // The interpreter looks for JIT code only when a callee has no
  // interpreter code (keeping its call path free of JIT checks), so a
  // tier-up retires the interpreter code: frames still running it keep it
  // alive: the function keeps it until it dies.
  retireInterpCode(f);
  return true;
}

void releaseCode(Function* f) {
  std::lock_guard<std::mutex> lock(compileMutex());
  auto release = [](Function::JitEntry entry) {
    if (!entry) return;
    unregisterCode(uintptr_t(entry));
    runtime().release(entry);
  };
  release(f->jitEntry.exchange(nullptr));
  for (Function::OsrEntry* e = f->osrEntries.load(); e; e = e->next) release(e->entry.exchange(nullptr));
}

size_t liveCodeBytes() {
  std::lock_guard<std::mutex> lock(compileMutex());
  return runtime().allocator()->statistics().usedSize();
}

// --- tiering -------------------------------------------------------------------------

namespace {

// A compile request: the whole function, or one of its OSR entries. The
// instance is kept alive until the job is done.
struct Job {
  std::shared_ptr<Instance> keep;
  Function* function = nullptr;
  Function::OsrEntry* osr = nullptr;
};

struct Queue {
  std::mutex mutex;
  std::condition_variable cv, idle;
  std::deque<Job> items;
  std::vector<const Instance*> running;  // instances of the jobs being compiled
  bool started = false;
};
Queue& queue() {
  static Queue* q = new Queue;  // leaked: workers may outlive static destruction
  return *q;
}

// Compile threads' samples count as "background compiles" in --stats.
thread_local bool t_compileWorker __attribute__((tls_model("initial-exec"))) = false;

void runJob(const Job& job) {
  if (job.osr) {
    compileOsr(job.function, job.osr);
  } else if (compile(job.function)) {
    ++stats().tierUps;
  }
}

void worker() {
  t_compileWorker = true;
  Queue& q = queue();
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(q.mutex);
      q.cv.wait(lock, [&] { return !q.items.empty(); });
      job = std::move(q.items.front());
      q.items.pop_front();
      q.running.push_back(job.keep.get());
    }
    runJob(job);
    // Let go of the instance before saying the job is done: whoever waits
    // in cancelCompiles then holds the last reference.
    const Instance* instance = job.keep.get();
    job.keep.reset();
    {
      std::lock_guard<std::mutex> lock(q.mutex);
      q.running.erase(std::find(q.running.begin(), q.running.end(), instance));
      q.idle.notify_all();
    }
  }
}

// Compiles now (--jit-threads=0) or queues for the background threads.
void submit(Function* f, Function::OsrEntry* osr) {
  if (g_options.threads == 0) {
    runJob({nullptr, f, osr});
    return;
  }
  Job job{nullptr, f, osr};
  try {
    job.keep = f->instance->shared_from_this();
  } catch (const std::bad_weak_ptr&) {
    // Not owned by a shared_ptr: its lifetime is unknown, so it stays
    // interpreted (and does not ask again).
    if (osr)
      osr->failed.store(true, std::memory_order_relaxed);
    else
      f->jitFailed.store(true, std::memory_order_relaxed);
    return;
  }
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.mutex);
  if (!q.started) {
    q.started = true;
    for (uint32_t i = 0; i < g_options.threads; ++i) std::thread(worker).detach();
  }
  q.items.push_back(std::move(job));
  q.cv.notify_one();
}

// After a function was queued, its counter keeps running (calls still
// interpreted, loop headers in running frames) and asks again every
// `threshold` counts: cheap, and how a running loop finds its OSR entry.
int32_t recheckInterval() { return int32_t(std::min<uint32_t>(std::max<uint32_t>(g_options.threshold, 1), INT32_MAX)); }

void queueWholeFunction(Function* f) {
  if (f->jitEntry.load(std::memory_order_acquire) || f->jitFailed.load(std::memory_order_relaxed)) return;
  if (f->jitQueued.exchange(true, std::memory_order_acq_rel)) return;
  submit(f, nullptr);
}

Function::OsrEntry* findOsr(Function* f, uint32_t loopOffset) {
  for (Function::OsrEntry* e = f->osrEntries.load(std::memory_order_acquire); e; e = e->next)
    if (e->loopOffset == loopOffset) return e;
  return nullptr;
}

bool osrPending(Function* f) {
  for (Function::OsrEntry* e = f->osrEntries.load(std::memory_order_acquire); e; e = e->next)
    if (!e->entry.load(std::memory_order_acquire) && !e->failed.load(std::memory_order_relaxed)) return true;
  return false;
}

// Finds or adds the OSR entry record of a loop; `added` if this call made it.
Function::OsrEntry* osrEntryFor(Function* f, uint32_t loopOffset, bool* added) {
  static std::mutex* m = new std::mutex;
  std::lock_guard<std::mutex> lock(*m);
  *added = false;
  if (Function::OsrEntry* e = findOsr(f, loopOffset)) return e;
  auto* e = new Function::OsrEntry;
  e->loopOffset = loopOffset;
  e->next = f->osrEntries.load(std::memory_order_relaxed);
  f->osrEntries.store(e, std::memory_order_release);
  *added = true;
  return e;
}

}  // namespace

bool onFirstCall(Function* f) {
  switch (g_options.mode) {
    case Mode::Jit:
      return compile(f);
    case Mode::Tiered:
      if (f->jitCountdown.load(std::memory_order_relaxed) == 0)
        f->jitCountdown.store(recheckInterval(), std::memory_order_relaxed);
      return false;
    default:
      return false;
  }
}

void onHot(Function* f) {
  if (f->isHost()) return;
  if (f->jitEntry.load(std::memory_order_acquire)) {
    // Compiled, yet called through new interpreter code: it was translated
    // again while the tier-up was being published. Retire that too.
    std::lock_guard<std::mutex> lock(compileMutex());
    retireInterpCode(f);
    return;
  }
  f->jitCountdown.store(f->jitFailed.load(std::memory_order_relaxed) ? INT32_MAX : recheckInterval(),
                        std::memory_order_relaxed);
  queueWholeFunction(f);
}

Function::JitEntry onHotLoop(Function* f, uint32_t loopOffset) {
  if (g_options.mode != Mode::Tiered) return nullptr;
  f->jitCountdown.store(recheckInterval(), std::memory_order_relaxed);
  Function::OsrEntry* e = findOsr(f, loopOffset);
  if (!e) {
    // One OSR compile per function at a time: while one is on its way the
    // frame may have moved on to a later loop, which asks again later.
    if (osrPending(f)) return nullptr;
    bool added = false;
    e = osrEntryFor(f, loopOffset, &added);
    if (added) {
      submit(f, e);  // first: it is what this running frame waits for
      queueWholeFunction(f);
    }
  }
  if (Function::JitEntry entry = e->entry.load(std::memory_order_acquire)) {
    ++stats().osrEntries;
    return entry;
  }
  return nullptr;  // not compiled yet, or it failed: ask again later (cheap)
}

void waitForCompiles() {
  Queue& q = queue();
  std::unique_lock<std::mutex> lock(q.mutex);
  q.idle.wait(lock, [&] { return q.items.empty() && q.running.empty(); });
}

namespace {
// Marks dropped jobs as never done, so their functions can ask again.
void forgetJobs(std::deque<Job>& dropped) {
  for (Job& job : dropped) {
    if (job.osr)
      job.osr->failed.store(true, std::memory_order_relaxed);
    else
      job.function->jitQueued.store(false, std::memory_order_relaxed);
  }
}
}  // namespace

void cancelCompiles(const Instance* instance) {
  Queue& q = queue();
  std::deque<Job> dropped;
  {
    std::unique_lock<std::mutex> lock(q.mutex);
    for (auto it = q.items.begin(); it != q.items.end();) {
      if (it->keep.get() == instance) {
        dropped.push_back(std::move(*it));
        it = q.items.erase(it);
      } else {
        ++it;
      }
    }
    q.idle.wait(lock, [&] { return std::find(q.running.begin(), q.running.end(), instance) == q.running.end(); });
  }
  forgetJobs(dropped);
}

void shutdown() {
  Queue& q = queue();
  std::deque<Job> dropped;
  {
    std::unique_lock<std::mutex> lock(q.mutex);
    dropped.swap(q.items);
    q.idle.wait(lock, [&] { return q.running.empty(); });
  }
  // Outside the queue's lock: dropping a job may destroy its instance.
  forgetJobs(dropped);
}

Counters counters() {
  Stats& s = stats();
  Counters c;
  c.compiled = s.compiled;
  c.failed = s.failed;
  c.tierUps = s.tierUps;
  c.osrCompiled = s.osrCompiled;
  c.osrEntries = s.osrEntries;
  return c;
}

// --- --stats: where the time goes --------------------------------------------------

namespace {

// CPU-time samples by where the sampled thread was: its pc in the
// interpreter's dispatch loop, in compiled code, elsewhere (the runtime's
// C++, host and WASI functions, translation, foreground compiles), or a
// compile thread. The profiling timer asks for one sample per millisecond
// of process CPU time; the kernel may deliver them at its tick rate.
enum Bucket { kInInterpreter, kInCompiledCode, kInRuntime, kInCompileThread, kNumBuckets };
std::atomic<uint64_t> g_samples[kNumBuckets];
uintptr_t g_interpBegin = 0, g_interpEnd = 0;

void profileHandler(int, siginfo_t*, void* context) {
  int savedErrno = errno;
  auto* uc = static_cast<ucontext_t*>(context);
  uintptr_t pc = uintptr_t(uc->uc_mcontext.gregs[REG_RIP]);
  Bucket b = kInRuntime;
  if (t_compileWorker) {
    b = kInCompileThread;
  } else if (pc >= g_interpBegin && pc < g_interpEnd) {
    b = kInInterpreter;
  } else if (uintptr_t exit; findRange(pc, &exit)) {
    b = kInCompiledCode;
  }
  g_samples[b].fetch_add(1, std::memory_order_relaxed);
  errno = savedErrno;
}

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
  Stats& s = stats();
  double ms = double(s.compileNs) / 1e6;
  double mbps = s.compileNs ? double(s.wasmBytes) / (double(s.compileNs) / 1e9) / 1e6 : 0;
  out << "jit: functions compiled: " << s.compiled << ", failed (interpreted): " << s.failed << "\n"
      << "jit: tier-ups: " << s.tierUps << ", OSR entries compiled: " << s.osrCompiled
      << ", OSR entries taken: " << s.osrEntries << "\n"
      << "jit: compile time: " << ms << " ms, wasm bytes: " << s.wasmBytes << " (" << mbps << " MB/s)\n"
      << "jit: code bytes: " << s.codeBytes << " ("
      << (s.wasmBytes ? double(s.codeBytes) / double(s.wasmBytes) : 0.0) << " per wasm byte)\n";
  uint64_t total = 0;
  for (auto& n : g_samples) total += n;
  if (total) {
    static const char* const kNames[kNumBuckets] = {"interpreter", "compiled code", "runtime and host",
                                                    "background compiles"};
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpuMs = double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                   double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
    char line[256];
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

}  // namespace jit
}  // namespace strata
