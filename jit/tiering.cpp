// Tiering: which compiler runs when, the code memory, and the background
// compile queue.
//
// A function starts interpreted (Tiered) or compiled by the baseline
// compiler before its first run (Jit, Baseline), or by the optimizing one
// (Optimizing). Function::jitCountdown counts calls and loop iterations in
// the interpreter and in baseline code: when it runs out, the next tier is
// queued, and the counter is set to ask again every few thousand counts,
// which is how a running loop notices that better code is ready:
//   interpreter at a loop header -> baseline code's entry for that loop
//                                   (one baseline compile has an entry at
//                                   every loop with an empty operand
//                                   stack);
//   baseline code at a loop header -> an optimized OSR entry for that
//                                   loop, compiled for it (the code before
//                                   the loop unreachable, which the register
//                                   allocator rewards) when the frame is
//                                   still there after the countdown: a
//                                   loop that exits while its compile runs
//                                   loses nothing, its frame went on in
//                                   baseline code. One such compile per
//                                   function at a time, at most
//                                   kMaxOsrEntries per function.
//
// The queue runs baseline compiles first (cheap, and their functions run
// in the interpreter meanwhile), then the function that asked most often.
// Jobs hold their instance weakly: a compile whose instance died is
// dropped.
#include <algorithm>
#include <utility>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "interp/code.h"
#include "jit/jit.h"
#include "jit/jit_internal.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "runtime/tsan.h"

namespace strata::jit {

bool g_tiered = false;
bool g_interpreterCounts = false;
bool g_meterFuel = false;

namespace {

Options g_options;

asmjit::JitRuntime& runtime() {
  static asmjit::JitRuntime* rt = [] {
    asmjit::JitAllocator::CreateParams params;
    params.options = asmjit::JitAllocatorOptions::kUseDualMapping;
    return new asmjit::JitRuntime(&params);  // leaked: code outlives static destructors
  }();
  return *rt;
}

// Serializes the code allocator (asmjit's JitRuntime is not thread-safe).
std::mutex& codeMutex() {
  static auto* m = new std::mutex;
  return *m;
}

// Waits for another thread's compile of the same function and tier.
std::mutex& compilingMutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::condition_variable& compilingDone() {
  static auto* cv = new std::condition_variable;
  return *cv;
}

}  // namespace

const char* tierName(Tier tier) { return tier == Tier::Baseline ? "baseline" : "optimized"; }

const char* modeName(Mode mode) {
  switch (mode) {
    case Mode::Interp: return "interp";
    case Mode::Baseline: return "baseline";
    case Mode::Optimizing: return "optimizing";
    case Mode::Jit: return "jit";
    case Mode::Tiered: return "tiered";
  }
  return "?";
}

uint32_t Options::defaultThreads() {
  // hardware_concurrency reads /sys each time: once per process is enough.
  static const uint32_t n = [] {
    unsigned cores = std::thread::hardware_concurrency();
    return cores > 1 ? cores - 1 : 1u;
  }();
  return n;
}

// --- code memory -------------------------------------------------------------

const asmjit::Environment& codeEnvironment() { return runtime().environment(); }

asmjit::Error addCode(void** entry, asmjit::CodeHolder* code) {
  std::lock_guard<std::mutex> lock(codeMutex());
  if (runtime().allocator()->statistics().usedSize() + code->codeSize() > g_options.codeLimit)
    return asmjit::kErrorTooLarge;
  return runtime().add(entry, code);
}

void setCodeLimit(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(codeMutex());  // addCode reads it under the lock
  g_options.codeLimit = bytes;
}

size_t liveCodeBytes() {
  std::lock_guard<std::mutex> lock(codeMutex());
  return runtime().allocator()->statistics().usedSize();
}

// --- what a function carries -------------------------------------------------

namespace {
void releaseFunctionCode(Function* f) { releaseCode(f); }
}  // namespace

FunctionCode* functionCode(Function* f) {
  if (f->isHost()) return nullptr;
  FunctionCode* c = f->jitCode.load(std::memory_order_acquire);
  if (c) return c;
  auto* fresh = new FunctionCode;
  if (f->jitCode.compare_exchange_strong(c, fresh, std::memory_order_acq_rel)) return fresh;
  delete fresh;
  return c;
}

const TierCode* tierCode(const Function* f, Tier tier) {
  FunctionCode* c = f->jitCode.load(std::memory_order_acquire);
  return c ? c->code[int(tier)].load(std::memory_order_acquire) : nullptr;
}

bool hasCode(const Function* f, Tier tier) { return tierCode(f, tier) != nullptr; }

namespace {
void releaseEntry(Function::JitEntry entry) {
  if (!entry) return;
  unregisterCode(uintptr_t(entry));
  std::lock_guard<std::mutex> lock(codeMutex());
  runtime().release(entry);
}
}  // namespace

void releaseCode(Function* f) {
  FunctionCode* c = f->jitCode.exchange(nullptr);
  if (!c) return;
  for (auto& slot : c->code) {
    TierCode* t = slot.exchange(nullptr);
    if (!t) continue;
    releaseEntry(t->entry);
    delete t;
  }
  for (OsrCode* o = c->osr.load(); o;) {
    releaseEntry(o->entry.load());
    delete std::exchange(o, o->next);
  }
  delete c;
}

// --- statistics -------------------------------------------------------------

TierStats& tierStats(Tier tier) {
  static auto* s = new TierStats[kNumTiers];
  return s[int(tier)];
}

int sizeBucket(size_t wasmBytes) {
  int b = 0;
  for (size_t limit = 256; b < kSizeBuckets - 1 && wasmBytes >= limit; limit *= 4) ++b;
  return b;
}

BucketStats& bucketStats(Tier tier, int bucket) {
  static auto* s = new BucketStats[kNumTiers * kSizeBuckets];
  return s[int(tier) * kSizeBuckets + bucket];
}

Counters counters() {
  Counters c;
  for (int t = 0; t < kNumTiers; ++t) {
    TierStats& s = tierStats(Tier(t));
    c.compiled[t] = s.compiled;
    c.failed[t] = s.failed;
    c.tierUps[t] = s.tierUps;
    c.osrEntries[t] = s.osrEntries;
  }
  c.inlinedCalls = tierStats(Tier::Optimized).inlinedCalls;
  c.inlinedImportCalls = tierStats(Tier::Optimized).inlinedImportCalls;
  return c;
}

// --- compiling ---------------------------------------------------------------

namespace {

bool wantsDump(Function* f) {
  if (!g_options.dump) return false;
  if (g_options.dumpFunction.empty()) return true;
  const Module& m = f->instance->module();
  return g_options.dumpFunction == m.functionName(f->index) || g_options.dumpFunction == std::to_string(f->index);
}

bool countsHotness() { return g_options.mode == Mode::Jit || g_options.mode == Mode::Tiered; }

// After a tier-up the counter asks again this often (a loop finds its OSR
// entry within that many iterations of the compile finishing).
int32_t recheckInterval(uint32_t threshold) {
  return int32_t(std::min<uint32_t>(std::max<uint32_t>(threshold, 1), INT32_MAX));
}

// --compile-log: appends "tier,function,wasm_bytes,locals,us,code_bytes".
void logCompile(Function* f, Tier tier, uint32_t osrLoop, const CompileResult& r, uint64_t ns) {
  static std::mutex m;
  static FILE* out = nullptr;
  std::lock_guard<std::mutex> lock(m);
  if (!out) {
    out = std::fopen(g_options.compileLog.c_str(), "w");
    if (!out) return;
    std::fprintf(out, "tier,function,wasm_bytes,locals,us,code_bytes\n");
  }
  const Module& module = f->instance->module();
  const FunctionDecl& decl = module.functions[f->index - module.numImportedFuncs];
  std::fprintf(out, "%s%s,%u,%zu,%zu,%.1f,%zu\n", tierName(tier), osrLoop == kNoLoop ? "" : "-osr", f->index,
               r.wasmBytes, f->type.params.size() + decl.locals.size(), double(ns) / 1e3, r.codeSize);
  std::fflush(out);
}

// Compiles `f` with `tier` (an OSR entry at osrLoop unless kNoLoop) and
// registers the code (fault ranges, dump, perf, stats). Null if the tier
// cannot compile it. `pins`: what the optimizing compiler may inline
// across import slots (ImportPins); may be null.
TierCode* compileTier(Function* f, Tier tier, uint32_t osrLoop, const ImportPins* pins) {
  installSignalHandlers();
  bool dump = wantsDump(f);
  const Module& module = f->instance->module();
  // The name only for messages, dumps and perf: building it (the name
  // section, else the exports) is not free.
  auto displayName = [&] {
    std::string name = module.functionName(f->index);
    if (tier == Tier::Baseline) name += "@baseline";
    if (osrLoop != kNoLoop) {
      char suffix[32];
      std::snprintf(suffix, sizeof suffix, "@osr:0x%x", osrLoop);
      name += suffix;
    }
    return name;
  };
  auto t0 = std::chrono::steady_clock::now();
  CompileResult r;
  const FunctionDecl& decl = module.functions[f->index - module.numImportedFuncs];
  size_t wasmBytes = decl.bodyEnd - decl.bodyBegin;
  if (!g_options.refuse.empty() &&
      (g_options.refuse == module.functionName(f->index) || g_options.refuse == std::to_string(f->index))) {
    r.error = "refused (testing)";
  } else if (decl.usesLegacyExceptions) {
    r.error = "uses the legacy exception instructions (try, catch, delegate, rethrow), which only the interpreter runs";
  } else if (decl.usesExceptions && tier == Tier::Optimized) {
    r.error = "uses exception handling (try_table, throw), which the optimizing compiler leaves to the baseline tier";
  } else if (tier == Tier::Optimized && wasmBytes > g_options.optimizeMaxBytes) {
    r.error = "larger than the optimizing compiler's budget (" + std::to_string(wasmBytes) + " bytes)";
  } else {
    try {
      r = tier == Tier::Baseline ? compileBaseline(f, dump, countsHotness(), g_options.mode == Mode::Tiered) : compileOptimized(f, dump, osrLoop, pins);
    } catch (const std::exception& e) {
      r.entry = nullptr;
      r.error = e.what();
    }
  }
  uint64_t ns = uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
  TierStats& s = tierStats(tier);
  s.compileNs += ns;
  if (!r.entry) {
    ++s.failed;
    if (g_options.stats)
      std::cerr << "strata: warning: the " << tierName(tier) << " compiler cannot compile " << displayName() << " ("
                << r.error << ")\n";
    return nullptr;
  }
  if (!registerCode(uintptr_t(r.entry), uintptr_t(r.entry) + r.codeSize, r.oobExit, tier)) {
    // Without its range a guard-region fault in this code would kill the
    // process: too many functions are compiled at once.
    std::lock_guard<std::mutex> lock(codeMutex());
    runtime().release(r.entry);
    ++s.failed;
    if (g_options.stats) std::cerr << "strata: warning: JIT code table full; " << displayName() << " stays a tier lower\n";
    return nullptr;
  }
  if (osrLoop == kNoLoop) ++s.compiled;
  s.codeBytes += r.codeSize;
  s.wasmBytes += r.wasmBytes;
  BucketStats& b = bucketStats(tier, sizeBucket(r.wasmBytes));
  ++b.functions;
  b.bytes += r.wasmBytes;
  b.ns += ns;
  if (!g_options.compileLog.empty()) logCompile(f, tier, osrLoop, r, ns);
  if (dump) dumpCode(stderr, displayName(), r);
  if (g_options.perfMap) announceCode(uintptr_t(r.entry), r.codeSize, displayName());
  auto* t = new TierCode;
  t->tier = tier;
  t->entry = reinterpret_cast<Function::JitEntry>(r.entry);
  t->codeSize = r.codeSize;
  t->loops = std::move(r.loopEntries);
  return t;
}

// Takes the interpreter code out of use (tier-up): the interpreter looks
// for compiled code only when a callee has no interpreter code, which keeps
// its call path free of JIT checks. Frames still running it keep it alive:
// the function keeps it until it dies.
void retireInterpCode(Function* f) {
  static auto* m = new std::mutex;
  std::lock_guard<std::mutex> lock(*m);
  if (InterpCode* old = f->interpCode.exchange(nullptr, std::memory_order_acq_rel)) {
    old->retiredNext = f->retiredInterpCode.load(std::memory_order_relaxed);
    f->retiredInterpCode.store(old, std::memory_order_release);
  }
}

// Makes `t` the function's entry unless it has better code already.
void publish(Function* f, FunctionCode& c, TierCode* t) {
  if (t->tier == Tier::Baseline)
    c.optimizeCountdown.store(recheckInterval(g_options.optimizeThreshold), std::memory_order_relaxed);
  // The entry first: a caller that finds c.code set (compile() returning
  // true, e.g. to a thread that waited for this compile) calls jitEntry at
  // once, which must not be null then.
  bool better = t->tier != Tier::Baseline || !c.code[int(Tier::Optimized)].load(std::memory_order_acquire);
  if (better) f->jitEntry.store(t->entry, std::memory_order_release);
  c.code[int(t->tier)].store(t, std::memory_order_release);
  if (better) retireInterpCode(f);
}

}  // namespace

namespace {
// compile(f, tier) with the import slots' functions taken earlier (a
// background job), or now when `pins` is null.
bool compileWithPins(Function* f, Tier tier, std::shared_ptr<const ImportPins> pins) {
  FunctionCode* c = functionCode(f);
  if (!c) return false;
  int k = int(tier);
  for (;;) {
    if (c->code[k].load(std::memory_order_acquire)) return true;
    if (c->failed[k].load(std::memory_order_relaxed)) return false;
    bool expected = false;
    if (c->compiling[k].compare_exchange_strong(expected, true, std::memory_order_acq_rel)) break;
    // Another thread compiles it: wait for it rather than compile twice.
    std::unique_lock<std::mutex> lock(compilingMutex());
    compilingDone().wait_for(lock, std::chrono::milliseconds(1),
                             [&] { return !c->compiling[k].load(std::memory_order_acquire); });
  }
  if (tier == Tier::Optimized && !pins) pins = ImportPins::take(*f->instance);
  TierCode* t = compileTier(f, tier, kNoLoop, pins.get());
  if (t)
    publish(f, *c, t);
  else
    c->failed[k].store(true, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(compilingMutex());
    c->compiling[k].store(false, std::memory_order_release);
  }
  compilingDone().notify_all();
  return t != nullptr;
}
}  // namespace

bool compile(Function* f, Tier tier) { return compileWithPins(f, tier, nullptr); }

bool compile(Function* f) { return compile(f, g_options.mode == Mode::Optimizing ? Tier::Optimized : Tier::Baseline); }

// --- the background compile queue -------------------------------------------

namespace {
// Compile threads' samples count as "background compiles" in --stats.
thread_local bool t_compileWorker __attribute__((tls_model("initial-exec"))) = false;
}  // namespace

bool onCompileThread() { return t_compileWorker; }

std::shared_ptr<const ImportPins> ImportPins::take(Instance& importer) {
  std::shared_ptr<ImportPins> pins;
  for (uint32_t i = 0; i < importer.numImportSlots(); ++i) {
    Function* f = importer.importSlot(i).load(std::memory_order_acquire);
    if (!f || f->isHost() || !f->instance) continue;
    // Only an instance owned by a shared_ptr can be pinned.
    std::shared_ptr<Instance> owner = f->instance->weak_from_this().lock();
    if (!owner) continue;
    if (!pins) {
      pins = std::make_shared<ImportPins>();
      pins->slots.resize(importer.numImportSlots());
    }
    pins->slots[i] = f;
    if (std::find(pins->instances.begin(), pins->instances.end(), owner) == pins->instances.end())
      pins->instances.push_back(std::move(owner));
  }
  return pins;
}

namespace {

struct Job {
  std::weak_ptr<Instance> instance;
  const Instance* owner = nullptr;  // for cancelCompiles; never dereferenced
  Function* function = nullptr;     // valid while `instance` is alive
  Tier tier = Tier::Baseline;
  OsrCode* osr = nullptr;  // an optimized OSR entry rather than the whole function
  std::shared_ptr<const ImportPins> pins;  // optimizing compiles: taken when queued
  uint64_t sequence = 0;
  uint32_t heat = 0;  // how often the function asked again while queued
};

struct Queue {
  std::mutex mutex;
  std::condition_variable cv, idle;
  std::vector<Job> items;
  std::vector<const Instance*> running;  // instances of the jobs being compiled
  uint64_t nextSequence = 0;
  bool started = false;
};
Queue& queue() {
  static auto* q = new Queue;  // leaked: workers may outlive static destruction
  return *q;
}

// Baseline first, then the hottest, then the oldest; SIZE_MAX if there is
// no job for this worker. The caller holds the queue's lock. (A linear
// scan: the queue holds functions that became hot in the last few
// milliseconds.)
size_t pickJob(const Queue& q, bool baselineOnly) {
  auto before = [](const Job& a, const Job& b) {
    if (a.tier != b.tier) return a.tier == Tier::Baseline;
    if (a.heat != b.heat) return a.heat > b.heat;
    return a.sequence < b.sequence;
  };
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < q.items.size(); ++i) {
    if (baselineOnly && q.items[i].tier != Tier::Baseline) continue;
    if (best == SIZE_MAX || before(q.items[i], q.items[best])) best = i;
  }
  return best;
}

void compileOsr(Function* f, OsrCode* o, const ImportPins* pins) {
  if (TierCode* t = compileTier(f, Tier::Optimized, o->loopOffset, pins)) {
    o->entry.store(t->entry, std::memory_order_release);
    delete t;  // the record keeps what is needed
  } else {
    o->failed.store(true, std::memory_order_relaxed);
  }
}

void runJob(Function* f, Tier tier, OsrCode* osr, std::shared_ptr<const ImportPins> pins) {
  if (osr) return compileOsr(f, osr, pins.get());
  if (compileWithPins(f, tier, std::move(pins))) ++tierStats(tier).tierUps;
  functionCode(f)->queued[int(tier)].store(false, std::memory_order_relaxed);
}

// A compile thread. One of them takes only baseline compiles: they are
// short, and the functions waiting for them run in the interpreter, so
// they never wait behind an optimizing compile of a big function.
void worker(bool baselineOnly) {
  t_compileWorker = true;
  Queue& q = queue();
  for (;;) {
    std::shared_ptr<Instance> keep;
    Job job;
    {
      std::unique_lock<std::mutex> lock(q.mutex);
      size_t i;
      q.cv.wait(lock, [&] { return (i = pickJob(q, baselineOnly)) != SIZE_MAX; });
      job = std::move(q.items[i]);
      q.items[i] = std::move(q.items.back());
      q.items.pop_back();
      keep = job.instance.lock();
      if (!keep) {
        // Its instance is gone: nothing to compile for. (Whoever waits for
        // the queue to empty must hear of it: this may have been the last.)
        q.idle.notify_all();
        continue;
      }
      q.running.push_back(job.owner);
    }
    runJob(job.function, job.tier, job.osr, std::move(job.pins));
    // Let go of the instances before saying the job is done: whoever waits
    // in cancelCompiles then holds the last reference.
    job.pins.reset();
    keep.reset();
    {
      std::lock_guard<std::mutex> lock(q.mutex);
      q.running.erase(std::find(q.running.begin(), q.running.end(), job.owner));
      q.idle.notify_all();
    }
  }
}

void enqueue(Job job) {
  Queue& q = queue();
  std::lock_guard<std::mutex> lock(q.mutex);
  if (!q.started) {
    q.started = true;
    std::thread(worker, true).detach();
    for (uint32_t i = 0; i < g_options.threads; ++i) std::thread(worker, false).detach();
  }
  job.sequence = q.nextSequence++;
  q.items.push_back(std::move(job));
  q.cv.notify_all();  // the right kind of worker must see it
}

// Whether f's instance can be compiled for in the background (it is owned
// by a shared_ptr, so a job can hold it weakly).
bool background(Function* f, Job* job) {
  if (g_options.threads == 0) return false;
  job->function = f;
  job->owner = f->instance;
  job->instance = f->instance->weak_from_this();
  return !job->instance.expired();
}

// Compiles now (--jit-threads=0, or an instance not owned by a shared_ptr:
// its lifetime is unknown to a compile thread) or queues for the
// background threads.
void submit(Function* f, Tier tier) {
  FunctionCode* c = functionCode(f);
  int k = int(tier);
  if (c->code[k].load(std::memory_order_acquire) || c->failed[k].load(std::memory_order_relaxed)) return;
  if (c->queued[k].exchange(true, std::memory_order_acq_rel)) {
    // Asked again while waiting: it moves up the queue.
    Queue& q = queue();
    std::lock_guard<std::mutex> lock(q.mutex);
    for (Job& job : q.items)
      if (job.function == f && job.tier == tier && !job.osr) ++job.heat;
    return;
  }
  Job job;
  job.tier = tier;
  if (tier == Tier::Optimized) job.pins = ImportPins::take(*f->instance);
  if (!background(f, &job)) return runJob(f, tier, nullptr, std::move(job.pins));
  enqueue(std::move(job));
}

OsrCode* findOsr(FunctionCode* c, uint32_t loopOffset) {
  for (OsrCode* o = c->osr.load(std::memory_order_acquire); o; o = o->next)
    if (o->loopOffset == loopOffset) return o;
  return nullptr;
}

bool osrPending(FunctionCode* c) {
  for (OsrCode* o = c->osr.load(std::memory_order_acquire); o; o = o->next)
    if (!o->entry.load(std::memory_order_acquire) && !o->failed.load(std::memory_order_relaxed)) return true;
  return false;
}

// Optimized OSR entries a function may compile (each loop at most once).
constexpr uint32_t kMaxOsrEntries = 8;

// Asks for an optimized OSR entry at the loop, unless one is on its way
// for this function: a frame may have moved on to a later loop meanwhile,
// which asks again later.
void submitOsr(Function* f, FunctionCode* c, uint32_t loopOffset) {
  static auto* m = new std::mutex;
  OsrCode* o;
  {
    std::lock_guard<std::mutex> lock(*m);
    if (findOsr(c, loopOffset) || osrPending(c) || c->osrCount >= kMaxOsrEntries) return;
    o = new OsrCode;
    o->loopOffset = loopOffset;
    o->next = c->osr.load(std::memory_order_relaxed);
    c->osr.store(o, std::memory_order_release);
    ++c->osrCount;
  }
  Job job;
  job.tier = Tier::Optimized;
  job.osr = o;
  job.pins = ImportPins::take(*f->instance);
  if (!background(f, &job)) return compileOsr(f, o, job.pins.get());
  enqueue(std::move(job));
}

// Marks dropped jobs as never done, so their functions can ask again. Only
// for jobs whose instance the caller keeps alive.
void forgetJobs(std::vector<Job>& dropped) {
  for (Job& job : dropped) {
    if (std::shared_ptr<Instance> keep = job.instance.lock()) {
      if (job.osr)
        job.osr->failed.store(true, std::memory_order_relaxed);
      else
        functionCode(job.function)->queued[int(job.tier)].store(false, std::memory_order_relaxed);
    }
  }
}

}  // namespace

void waitForCompiles() {
  Queue& q = queue();
  std::unique_lock<std::mutex> lock(q.mutex);
  q.idle.wait(lock, [&] { return q.items.empty() && q.running.empty(); });
}

void cancelCompiles(const Instance* instance) {
  Queue& q = queue();
  std::vector<Job> dropped;
  {
    std::unique_lock<std::mutex> lock(q.mutex);
    for (size_t i = 0; i < q.items.size();) {
      if (q.items[i].owner == instance) {
        dropped.push_back(std::move(q.items[i]));
        q.items[i] = std::move(q.items.back());
        q.items.pop_back();
      } else {
        ++i;
      }
    }
    q.idle.wait(lock, [&] { return std::find(q.running.begin(), q.running.end(), instance) == q.running.end(); });
  }
  forgetJobs(dropped);
}

void shutdown() {
  Queue& q = queue();
  std::vector<Job> dropped;
  {
    std::unique_lock<std::mutex> lock(q.mutex);
    dropped.swap(q.items);
    q.idle.wait(lock, [&] { return q.running.empty(); });
  }
  // Outside the queue's lock: dropping a job may destroy its instance.
  forgetJobs(dropped);
}

// --- configuration -------------------------------------------------------------

void configure(const Options& options) {
  g_options = options;
  if (const char* refuse = std::getenv("STRATA_JIT_REFUSE")) g_options.refuse = refuse;
  g_tiered = options.mode == Mode::Tiered;
  g_interpreterCounts = g_tiered || options.interruptibleLoops;
  g_meterFuel = options.meterFuel;
  if (options.mode != Mode::Interp) {
    // (The CPU's features are detected at the first compile, not here:
    // CPUID traps to the hypervisor in a VM, tens of microseconds that a
    // short run should not pay.)
    installSignalHandlers();
    static const bool registered =
        (addFunctionReleaseHook(&releaseFunctionCode), ExecEnv::setInterruptHook(&interruptCompiledCode), true);
    (void)registered;
  }
}

const Options& options() { return g_options; }

// --- the hooks of the interpreter and of baseline code ------------------------

bool onFirstCall(Function* f) {
  switch (g_options.mode) {
    case Mode::Baseline:
    case Mode::Jit:
      return compile(f, Tier::Baseline);
    case Mode::Optimizing:
      return compile(f, Tier::Optimized);
    case Mode::Tiered:
      if (f->jitCountdown.load(std::memory_order_relaxed) == 0)
        f->jitCountdown.store(recheckInterval(g_options.threshold), std::memory_order_relaxed);
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
    retireInterpCode(f);
    return;
  }
  FunctionCode* c = functionCode(f);
  // A function the baseline compiler refused stays interpreted: its counter
  // still runs out now and then, where the interpreter checks for
  // interrupts (ExecEnv::requestInterrupt).
  f->jitCountdown.store(c->failed[0].load(std::memory_order_relaxed) ? (1 << 16) : recheckInterval(g_options.threshold),
                        std::memory_order_relaxed);
  submit(f, Tier::Baseline);
}

namespace {
// An optimized OSR entry of f at the loop, if compiled.
Function::JitEntry optimizedOsrEntry(Function* f, uint32_t loopOffset) {
  FunctionCode* c = functionCode(f);
  OsrCode* o = c ? findOsr(c, loopOffset) : nullptr;
  return o ? o->entry.load(std::memory_order_acquire) : nullptr;
}
}  // namespace

Function::JitEntry onHotLoop(Function* f, uint32_t loopOffset) {
  if (g_options.mode != Mode::Tiered) return nullptr;
  f->jitCountdown.store(recheckInterval(g_options.threshold), std::memory_order_relaxed);
  if (Function::JitEntry e = optimizedOsrEntry(f, loopOffset)) {
    ++tierStats(Tier::Optimized).osrEntries;
    return e;
  }
  if (!tierCode(f, Tier::Baseline)) submit(f, Tier::Baseline);  // one compile has every loop's entry
  if (const TierCode* t = tierCode(f, Tier::Baseline))            // (on the spot: --jit-threads=0)
    if (const LoopEntry* e = t->loop(loopOffset)) {
      ++tierStats(Tier::Baseline).osrEntries;
      return reinterpret_cast<Function::JitEntry>(e->address);
    }
  return nullptr;
}

uint64_t jitCountdownHook(JitContext* ctx, Slot* fp, Function* f, uint64_t loopOffset) {
  tsanAcquire(f);  // from compiled code: runtime/tsan.h
  try {
    FunctionCode* c = functionCode(f);
    bool atLoop = loopOffset != kAtEntry && loopOffset != kNoOsrPoint;
    // Check again every so often: whether the compiles came, whether this
    // frame is still in its loop.
    c->optimizeCountdown.store(recheckInterval(std::min<uint32_t>(g_options.optimizeThreshold, 1000)),
                               std::memory_order_relaxed);
    if (atLoop && !c->failed[int(Tier::Optimized)].load(std::memory_order_relaxed)) {
      // This frame is in a hot loop: what it needs is an entry at that
      // loop (asked for first), later calls the whole function.
      if (Function::JitEntry e = optimizedOsrEntry(f, uint32_t(loopOffset))) {
        ++tierStats(Tier::Optimized).osrEntries;
        return e(ctx, fp, f, f->instance);
      }
      submitOsr(f, c, uint32_t(loopOffset));
      submit(f, Tier::Optimized);
      if (Function::JitEntry e = optimizedOsrEntry(f, uint32_t(loopOffset))) {  // on the spot
        ++tierStats(Tier::Optimized).osrEntries;
        return e(ctx, fp, f, f->instance);
      }
      return kKeepRunning;
    }
    const TierCode* opt = tierCode(f, Tier::Optimized);
    if (!opt) {
      if (c->failed[int(Tier::Optimized)].load(std::memory_order_relaxed)) {
        c->optimizeCountdown.store(INT32_MAX, std::memory_order_relaxed);
        return kKeepRunning;
      }
      submit(f, Tier::Optimized);
      opt = tierCode(f, Tier::Optimized);  // compiled on the spot (--jit-threads=0)
      if (!opt) return kKeepRunning;
    }
    if (loopOffset == kAtEntry) {
      // At the entry the whole call can run there (same frame, same
      // arguments, locals not touched yet).
      ++tierStats(Tier::Optimized).osrEntries;
      return opt->entry(ctx, fp, f, f->instance);
    }
    return kKeepRunning;
  } catch (...) {
    setPendingFromCurrent(ctx);
    return kPending;
  }
}

}  // namespace strata::jit
