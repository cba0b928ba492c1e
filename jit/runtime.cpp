// The JIT's runtime: per-thread context, the C++ entry (invoke), the
// bridge from compiled code to interpreted and host functions, and the
// helpers compiled code of both tiers calls (tables, memories, bulk
// operations). Tier-up policy and the compile queue are in tiering.cpp,
// the guard-region fault handler in code_ranges.cpp, --stats in stats.cpp.
#include <pthread.h>

#include <algorithm>
#include <mutex>
#include <vector>
#include <cstring>

#include "jit/jit.h"
#include "jit/jit_internal.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "runtime/tsan.h"


namespace strata {

void interpretFunction(ExecEnv& env, Function* fn, Slot* fp, TailCallOut* tail);

namespace jit {

namespace {
// Stack room kept free below the JIT's stack limit for C++ helpers, the
// interpreter, exception unwinding and signal delivery.
constexpr uintptr_t kStackReserve = 256 * 1024;
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
    case kNullReference: return "null reference";
    case kNullFunctionReference: return "null function reference";
    case kOutOfFuel: return ExecEnv::kOutOfFuelMessage;
    default: return "unknown trap";
  }
}

namespace {

// Every thread's context, so that an interrupt request from another thread
// can reach the one running the env. A context leaves the list when its
// thread exits (under the lock, so a request never writes to a dead one).
std::mutex& contextsMutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::vector<JitContext*>& contexts() {
  static auto* v = new std::vector<JitContext*>;
  return *v;
}

JitContext makeContext() {
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
  c.realStackLimit = c.stackLimit;
  return c;
}

struct ThreadContext {
  JitContext ctx = makeContext();
  ThreadContext() {
    std::lock_guard<std::mutex> lock(contextsMutex());
    contexts().push_back(&ctx);
  }
  ~ThreadContext() {
    std::lock_guard<std::mutex> lock(contextsMutex());
    auto& v = contexts();
    v.erase(std::remove(v.begin(), v.end(), &ctx), v.end());
  }
};

// The stack limit word is written by the requesting thread while compiled
// code reads it: as an atomic.
void storeLimit(JitContext& ctx, uintptr_t limit) {
  __atomic_store_n(&ctx.stackLimit, limit, __ATOMIC_RELEASE);
}

}  // namespace

JitContext& threadContext() {
  thread_local ThreadContext t;
  return t.ctx;
}

// ExecEnv::requestInterrupt's hook: the threads running `env` in compiled
// code trap at their next function entry or loop header.
void interruptCompiledCode(ExecEnv& env) {
  std::lock_guard<std::mutex> lock(contextsMutex());
  for (JitContext* c : contexts())
    if (__atomic_load_n(&c->env, __ATOMIC_ACQUIRE) == &env) storeLimit(*c, kInterruptLimit);
}

std::exception_ptr& pendingException() {
  thread_local std::exception_ptr e;
  return e;
}

namespace {

// The compiled functions a trap left so far on this thread, innermost
// first: each jit::invoke takes the ones recorded since it began.
std::vector<const Function*>& traceFrames() {
  thread_local std::vector<const Function*> frames;
  return frames;
}

// How many trace frames there were when the pending exception entered
// compiled code: the ones recorded after it are its own, dropped if
// compiled code catches it (jitCatch).
size_t& pendingTraceMark() {
  thread_local size_t mark = 0;
  return mark;
}

}  // namespace

void setPendingFromCurrent(JitContext* ctx) {
  pendingException() = std::current_exception();
  pendingTraceMark() = traceFrames().size();
  ctx->status = kPending;
}

namespace {

void attachTrace(Trap& t, size_t from, bool osr) {
  std::vector<const Function*>& frames = traceFrames();
  // An OSR entry runs the rest of an interpreter frame, which the
  // interpreter lists itself.
  size_t end = osr && frames.size() > from ? frames.size() - 1 : frames.size();
  for (size_t i = from; i < end; ++i) t.addFrame(frames[i]);
  frames.resize(from);
}

[[noreturn]] void raise(uint64_t status, size_t traceFrom, bool osr, uint32_t interrupt) {
  if (status == kPending) {
    std::exception_ptr e = pendingException();
    pendingException() = nullptr;
    if (!e) {
      traceFrames().resize(traceFrom);
      throw Trap("internal error: lost JIT exception");
    }
    try {
      std::rethrow_exception(e);
    } catch (Trap& t) {
      attachTrace(t, traceFrom, osr);
      throw;
    } catch (...) {
      traceFrames().resize(traceFrom);
      throw;
    }
  }
  // An interrupt request leaves through the stack check (JitContext).
  Trap t(status == kStackExhausted && interrupt ? ExecEnv::interruptMessage(interrupt)
                                                : trapMessage(uint32_t(status)));
  attachTrace(t, traceFrom, osr);
  throw t;
}

void run(ExecEnv& env, Function::JitEntry entry, Function* f, Slot* fp, uintptr_t caller, bool osr) {
  JitContext& ctx = threadContext();
  ExecEnv* savedEnv = ctx.env;
  int64_t* savedFuel = ctx.fuel;
  ctx.fuel = &env.fuel;
  Slot* savedLimit = ctx.slotLimit;
  __atomic_store_n(&ctx.env, &env, __ATOMIC_RELEASE);
  ctx.slotLimit = env.stackLimit();
  // A request of this env stands (made while it ran elsewhere, or before
  // this call), any other is over (the limit of an earlier env).
  storeLimit(ctx, env.interrupt.load(std::memory_order_acquire) ? kInterruptLimit : ctx.realStackLimit);
  if (env.interrupt.load(std::memory_order_acquire)) storeLimit(ctx, kInterruptLimit);  // requested meanwhile
  size_t traceFrom = traceFrames().size();
  uint64_t status = entry(&ctx, fp, f, reinterpret_cast<Instance*>(caller));
  status = jitFinishTailCalls(&ctx, fp, status);
  if (status == kOutOfFuel) env.fuel = 0;  // compiled code leaves it at -1
  __atomic_store_n(&ctx.env, savedEnv, __ATOMIC_RELEASE);
  ctx.fuel = savedFuel;
  ctx.slotLimit = savedLimit;
  uint32_t interrupt = env.interrupt.load(std::memory_order_acquire);
  // Back to the code that called: its env's request, if any, stands.
  bool outerInterrupted = savedEnv && savedEnv->interrupt.load(std::memory_order_acquire);
  storeLimit(ctx, outerInterrupted ? kInterruptLimit : ctx.realStackLimit);
  if (status) {
    ctx.status = 0;
    raise(status, traceFrom, osr, interrupt);
  }
}

}  // namespace

// (At most one entry per compiled frame on the native stack, so a runaway
// recursion's trap records at most what that stack held.)
uint64_t jitTraceFrame(const Function* self) {
  traceFrames().push_back(self);
  return 0;
}

void invoke(ExecEnv& env, Function* f, Slot* fp, Instance* caller) {
  run(env, f->jitEntry.load(std::memory_order_acquire), f, fp, uintptr_t(caller), false);
}

void invokeOsr(ExecEnv& env, Function* f, Function::JitEntry entry, Slot* fp) {
  run(env, entry, f, fp, uintptr_t(f->instance), true);
}


uint64_t jitCallBridge(JitContext* ctx, Slot* fp, Function* callee, Instance* caller) {
  tsanAcquire(callee);  // loaded by compiled code: runtime/tsan.h
  try {
    if (callee->isHost()) {
      size_t need = callee->type.callSlots();
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
    TailCallOut tail;
    interpretFunction(*ctx->env, callee, fp, &tail);
    if (!tail.callee) return 0;
    ctx->tailCallee = tail.callee;
    ctx->tailCaller = tail.caller;
    return kTailCall;
  } catch (...) {
    setPendingFromCurrent(ctx);
    return kPending;
  }
}

uint64_t jitFinishTailCalls(JitContext* ctx, Slot* fp, uint64_t status) {
  while (status == kTailCall) status = jitCallBridge(ctx, fp, ctx->tailCallee, ctx->tailCaller);
  return status;
}

// --- helpers ----------------------------------------------------------------

uint64_t jitThrow(JitContext* ctx, const std::shared_ptr<Tag>* tag, const Slot* values) {
  auto e = std::make_shared<ExceptionObject>();
  e->tag = *tag;
  e->values.assign(values, values + (*tag)->type.paramSlots());
  pendingException() = std::make_exception_ptr(WasmException(std::move(e)));
  pendingTraceMark() = traceFrames().size();
  return kPending;
}

uint64_t jitThrowRef(JitContext* ctx, uint64_t exnref) {
  auto* e = reinterpret_cast<ExceptionObject*>(exnref);
  pendingException() = e ? std::make_exception_ptr(WasmException(e->shared_from_this()))
                         : std::make_exception_ptr(Trap("null exception reference"));
  pendingTraceMark() = traceFrames().size();
  return kPending;
}

uint64_t jitCatch(JitContext* ctx, Slot* fp, const CatchTable* table) {
  std::exception_ptr& pending = pendingException();
  if (!pending) return 0;
  try {
    std::rethrow_exception(pending);
  } catch (const WasmException& e) {
    const ExceptionObject& exn = *e.exception;
    for (uint32_t k = 0; k < table->count; ++k) {
      const CatchTable::Entry& c = table->entries[k];
      if (c.tag && c.tag != exn.tag.get()) continue;
      if (c.tag) std::copy(exn.values.begin(), exn.values.end(), fp + c.valueSlot);
      if (c.refSlot != UINT32_MAX) fp[c.refSlot] = table->instance->keepException(e.exception);
      pending = nullptr;
      ctx->status = 0;
      traceFrames().resize(std::min(traceFrames().size(), pendingTraceMark()));
      return k + 1;
    }
  } catch (...) {
    // A trap: no handler takes it.
  }
  return 0;
}

namespace {
uint64_t fail(JitContext* ctx, uint32_t code) {
  ctx->status = code;
  return 0;
}

// Index operands of tables and memories: an i32 (only its low half counts:
// compiled code may pass what is above it unchanged) or, for a table64 or
// memory64, an i64.
template <class Object>
uint64_t indexOf(const Object* o, uint64_t v) {
  return o->type().is64 ? v : uint32_t(v);
}
// [at, at + n) within size, without the sum wrapping around.
bool inRange(uint64_t at, uint64_t n, uint64_t size) { return n <= size && at <= size - n; }

}  // namespace

uint64_t jitResolveIndirect(JitContext* ctx, Table* table, uint64_t index, uint64_t sigId) {
  uint64_t i = indexOf(table, index);
  if (i >= table->size()) return fail(ctx, kUndefinedElement);
  Function* f = reinterpret_cast<Function*>(table->load(i));
  if (!f) {
    // The interpreter's wording names the index.
    pendingException() = std::make_exception_ptr(Trap("uninitialized element " + std::to_string(i)));
    return fail(ctx, kPending);
  }
  if (f->sigId != uint32_t(sigId)) return fail(ctx, kIndirectCallTypeMismatch);
  return uint64_t(uintptr_t(f));
}
uint64_t jitTableGet(JitContext* ctx, Table* table, uint64_t index) {
  uint64_t i = indexOf(table, index);
  if (i >= table->size()) return fail(ctx, kOutOfBoundsTable);
  return table->load(i);
}
uint64_t jitTableSet(JitContext* ctx, Table* table, uint64_t index, uint64_t value) {
  uint64_t i = indexOf(table, index);
  if (i >= table->size()) return fail(ctx, kOutOfBoundsTable);
  table->data()[i] = value;
  return 0;
}
uint64_t jitTableSize(Table* table) { return indexOf(table, table->size()); }
uint64_t jitTableGrow(Table* table, uint64_t init, uint64_t n) {
  return indexOf(table, uint64_t(table->grow(indexOf(table, n), init)));
}
uint64_t jitTableFill(JitContext* ctx, Table* table, uint64_t index, uint64_t value, uint64_t n) {
  uint64_t i = indexOf(table, index), k = indexOf(table, n);
  if (!inRange(i, k, table->size())) return fail(ctx, kOutOfBoundsTable);
  std::fill_n(table->data() + i, k, value);
  return 0;
}
uint64_t jitTableCopy(JitContext* ctx, Table* dstT, Table* srcT, uint64_t d, uint64_t s, uint64_t n) {
  // The count is an i64 only between two table64s.
  uint64_t dst = indexOf(dstT, d), src = indexOf(srcT, s);
  uint64_t k = dstT->type().is64 && srcT->type().is64 ? n : uint32_t(n);
  if (!inRange(src, k, srcT->size()) || !inRange(dst, k, dstT->size())) return fail(ctx, kOutOfBoundsTable);
  if (k) std::memmove(dstT->data() + dst, srcT->data() + src, k * sizeof(Slot));
  return 0;
}
uint64_t jitTableInit(JitContext* ctx, Instance* inst, Table* table, uint64_t seg, uint64_t d, uint64_t s, uint64_t n) {
  try {
    uint64_t dst = indexOf(table, d), src = uint32_t(s), k = uint32_t(n);
    const ElemSegment& elem = inst->module().elems[seg];
    uint64_t segSize = inst->elemDropped(uint32_t(seg)) ? 0 : elem.items.size();
    if (!inRange(src, k, segSize) || !inRange(dst, k, table->size())) return fail(ctx, kOutOfBoundsTable);
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
uint64_t jitMemorySize(Memory* mem) { return indexOf(mem, mem->pages()); }
uint64_t jitMemoryGrow(Memory* mem, uint64_t delta) { return indexOf(mem, uint64_t(mem->grow(indexOf(mem, delta)))); }
uint64_t jitMemoryInit(JitContext* ctx, Instance* inst, uint64_t segAndMemory, uint64_t d, uint64_t s, uint64_t n) {
  uint32_t seg = uint32_t(segAndMemory);
  Memory* mem = inst->memory(uint32_t(segAndMemory >> 32));
  uint64_t dst = indexOf(mem, d), src = uint32_t(s), k = uint32_t(n);
  const DataSegment& data = inst->module().datas[seg];
  uint64_t segSize = inst->dataDropped(seg) ? 0 : data.size;
  if (!inRange(src, k, segSize) || !inRange(dst, k, mem->byteSize())) return fail(ctx, kOutOfBoundsMemory);
  if (k) std::memcpy(mem->base() + dst, inst->module().bytes.data() + data.begin + src, k);
  return 0;
}
uint64_t jitDataDrop(Instance* inst, uint64_t seg) {
  inst->dropData(uint32_t(seg));
  return 0;
}
uint64_t jitMemoryCopy(JitContext* ctx, Memory* dstMem, Memory* srcMem, uint64_t d, uint64_t s, uint64_t n) {
  // The count is an i64 only between two memory64s.
  uint64_t dst = indexOf(dstMem, d), src = indexOf(srcMem, s);
  uint64_t k = dstMem->type().is64 && srcMem->type().is64 ? n : uint32_t(n);
  if (!inRange(src, k, srcMem->byteSize()) || !inRange(dst, k, dstMem->byteSize())) return fail(ctx, kOutOfBoundsMemory);
  if (k) std::memmove(dstMem->base() + dst, srcMem->base() + src, k);
  return 0;
}
uint64_t jitMemoryFill(JitContext* ctx, Memory* mem, uint64_t d, uint64_t value, uint64_t n) {
  uint64_t dst = indexOf(mem, d), k = indexOf(mem, n);
  if (!inRange(dst, k, mem->byteSize())) return fail(ctx, kOutOfBoundsMemory);
  if (k) std::memset(mem->base() + dst, uint8_t(value), k);
  return 0;
}
uint64_t jitRefreshMemory(JitContext* ctx, Memory* mem) {
  ctx->memBase = mem->base();
  ctx->memSize = mem->byteSize();
  return 0;
}
uint64_t jitTableInitPacked(JitContext* ctx, Instance* inst, uint64_t segAndTable, uint64_t d, uint64_t s,
                            uint64_t n) {
  return jitTableInit(ctx, inst, inst->table(uint32_t(segAndTable)), segAndTable >> 32, d, s, n);
}

}  // namespace jit
}  // namespace strata
