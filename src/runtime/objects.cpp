// Host functions, tables, and the release
// hooks through which a dying Function frees what the tiers attached.
#include "runtime/objects.h"

#include "runtime/instance.h"

#include <mutex>
#include <new>
#include <utility>

namespace strata {

namespace {
// A few tiers register once each: a fixed array that the destructor reads
// without a lock (registration happens before functions die).
constexpr int kMaxReleaseHooks = 8;
FunctionReleaseHook g_releaseHooks[kMaxReleaseHooks];
std::atomic<int> g_numReleaseHooks{0};
}  // namespace

void addFunctionReleaseHook(FunctionReleaseHook hook) {
  static std::mutex m;
  std::lock_guard<std::mutex> lock(m);
  int n = g_numReleaseHooks.load(std::memory_order_relaxed);
  for (int i = 0; i < n; ++i)
    if (g_releaseHooks[i] == hook) return;
  if (n == kMaxReleaseHooks) throw std::logic_error("too many function release hooks");
  g_releaseHooks[n] = hook;
  g_numReleaseHooks.store(n + 1, std::memory_order_release);
}

uint64_t Function::nextUid() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

Function::~Function() {
  // Nothing runs this function any more: its instance is being destroyed.
  int n = g_numReleaseHooks.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) g_releaseHooks[i](this);
}

void Trap::addFrame(const Function* f) {
  if (!f || !f->instance) return;  // host functions are not wasm frames
  if (trace.size() >= kMaxTraceFrames) {
    ++omittedFrames;
    return;
  }
  const Module& m = f->instance->module();
  uint32_t codeOffset = 0;
  if (f->index >= m.numImportedFuncs && f->index - m.numImportedFuncs < m.functions.size())
    codeOffset = uint32_t(m.functions[f->index - m.numImportedFuncs].bodyBegin);
  trace.push_back(TraceFrame{f->instance->modulePtr(), f->instance, f->index, codeOffset});
}

std::shared_ptr<Function> makeHostFunction(FuncType type, HostCallback callback, void* env) {
  auto f = std::make_shared<Function>();
  f->sigId = canonicalSignatureId(type);
  f->type = std::move(type);
  f->host = callback;
  f->hostEnv = env;
  return f;
}

bool ResourceLimits::allowsGrowth(Kind kind, uint64_t current, uint64_t desired) const {
  if (desired > (kind == Kind::Memory ? maxMemoryPages : maxTableElements)) return false;
  if (!allow) return true;
  try {
    return allow(kind, current, desired);
  } catch (...) {
    return false;  // growth runs under compiled code: nothing may unwind from here
  }
}

Table::Table(const TableType& type, Slot init, std::shared_ptr<const ResourceLimits> limits)
    : type_(type), limits_(std::move(limits)) {
  // The decoder rejects such types already; a host building a table by hand
  // gets an exception instead of a multi-gigabyte allocation.
  if (type.limits.min > limits::kMaxTableSize)
    throw std::runtime_error("table size exceeds the implementation limit");
  elems_.assign(type.limits.min, init);
}

int64_t Table::grow(uint64_t delta, Slot init) {
  const uint64_t old = elems_.size();
  uint64_t ceiling = limits::kMaxTableSize;
  if (type_.limits.hasMax && type_.limits.max < ceiling) ceiling = type_.limits.max;
  // Written as a subtraction so that huge deltas cannot overflow.
  if (old > ceiling || delta > ceiling - old) return -1;
  if (delta && limits_ && !limits_->allowsGrowth(ResourceLimits::Kind::Table, old, old + delta)) return -1;
  try {
    elems_.resize(old + delta, init);
  } catch (const std::bad_alloc&) {
    return -1;  // memory pressure is a failed grow, not a crash
  }
  // As in the spec, a table's type tracks its current size, so that a grown
  // table still matches imports that require the larger minimum.
  type_.limits.min = elems_.size();
  return static_cast<int64_t>(old);
}

}  // namespace strata
