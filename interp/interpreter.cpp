// The interpreter's dispatch loop: direct-threaded code (each instruction
// starts with its handler's address; dispatch is `goto *handler`), frame
// slots addressed as fp[operand], no allocation and no counters on the hot
// path. Wasm-to-wasm calls do not recurse in C++: frames are linked through
// ExecEnv::frames(), so deep wasm recursion ends in the trap "call stack
// exhausted" rather than a native stack overflow.
//
// Handlers of the simple operators are generated from opcodes.def; only
// control flow, calls and the table/memory instructions are written here.
#include <algorithm>
#include <cstring>
#include <utility>
#include <immintrin.h>

#include "interp/code.h"
#include "jit/jit.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "wasm/numeric.h"
#include "wasm/simd.h"
#include "wasm/unaligned.h"

namespace strata {

namespace num {
void trapIntegerDivideByZero() { throw Trap("integer divide by zero"); }
void trapIntegerOverflow() { throw Trap("integer overflow"); }
void trapInvalidConversion() { throw Trap("invalid conversion to integer"); }
}  // namespace num

namespace {


// Functions have few locals: an inline loop beats a call to memset. (The
// build keeps GCC from turning this loop back into one.)
inline void zeroLocals(Slot* begin, Slot* end) {
  for (Slot* p = begin; p < end; ++p) *p = 0;
}

// The function's counter (Function::jitCountdown): true when it runs out
// (tiered mode's JIT hook, or resetCountdown, then sets it again). A plain
// load and store, not an atomic decrement: a count lost to a race between
// threads only delays a tier-up or a check, and a counter that was never
// set (or read as 0 by two threads) runs out at once rather than wrapping.
inline bool countDown(Function* f) {
  int32_t left = f->jitCountdown.load(std::memory_order_relaxed) - 1;
  f->jitCountdown.store(left, std::memory_order_relaxed);
  return left <= 0;
}

// Outside tiered mode the counters only pace the interrupt checks: this
// many calls and loop iterations of a function between two.
constexpr int32_t kInterruptCheckInterval = 1000;
inline void resetCountdown(Function* f) { f->jitCountdown.store(kInterruptCheckInterval, std::memory_order_relaxed); }

// A callee's counter ran out at a call (off the hot path).
[[gnu::noinline]] void calleeCountdownRanOut(ExecEnv& env, Function* callee) {
  env.checkInterrupt();
  if (jit::g_tiered)
    jit::onHot(callee);
  else
    resetCountdown(callee);
}

// i8x16.shuffle with SSSE3's pshufb where the host has it (checked once):
// the portable simd::shuffle is a table lookup per byte. Operands and
// result go through memory: a V128 returned by value comes back in two
// general registers, and the next handler's 16-byte load of those two
// 8-byte stores would stall on store forwarding.
__attribute__((target("ssse3"))) void shuffleSsse3(uint8_t* out, const uint8_t* a, const uint8_t* b,
                                                 const uint8_t* lanes) {
  __m128i l = _mm_loadu_si128(reinterpret_cast<const __m128i*>(lanes));
  // Lanes 0-15 from a (index bit 4 clear), 16-31 from b: pshufb zeroes a
  // byte whose index has bit 7 set.
  __m128i fromA = _mm_or_si128(l, _mm_cmpgt_epi8(l, _mm_set1_epi8(15)));
  __m128i fromB = _mm_or_si128(_mm_sub_epi8(l, _mm_set1_epi8(16)), _mm_cmplt_epi8(l, _mm_set1_epi8(16)));
  __m128i r = _mm_or_si128(_mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)), fromA),
                           _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b)), fromB));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), r);
}
const bool kHostSsse3 = __builtin_cpu_supports("ssse3");

[[noreturn]] void trap(const char* message) { throw Trap(message); }

// The function at `index` of a call_indirect's table, of signature `sigId`;
// traps as the spec words it.
inline Function* indirectCallee(Table* table, uint32_t index, uint32_t sigId) {
  if (index >= table->size()) trap("undefined element");
  auto* callee = reinterpret_cast<Function*>(table->load(index));
  if (!callee) throw Trap("uninitialized element " + std::to_string(index));
  if (callee->sigId != sigId) trap("indirect call type mismatch");
  return callee;
}

// An i32 index, or a memory64's i64.
inline uint64_t readIndex(const void* slot, bool is64) {
  return is64 ? rd<uint64_t>(slot) : rd<uint32_t>(slot);
}
// [at, at + n) within [0, size), without wrapping.
inline bool inBounds(uint64_t at, uint64_t n, uint64_t size) { return n <= size && at <= size - n; }
[[noreturn]] void trapMemory() { throw Trap("out of bounds memory access"); }
[[noreturn]] void trapTable() { throw Trap("out of bounds table access"); }

// C types of wasm value types, for the generated handlers.
#define CT_I32 uint32_t
#define CT_I64 uint64_t
#define CT_F32 float
#define CT_F64 double
#define CT_V128 simd::V128

// Exception handling: finds the innermost handler for `e` among the frames
// of one run() (the current one at `ip`, then its callers down to
// entryDepth), whose catch clause matches the exception's tag. On a match
// the clause's values are written into that frame, the frames above it are
// dropped and fn/fp/ip name the landing code; false if no frame handles it.
// `ip` is past the instruction that threw or called (null: the current
// frame is being replaced by a tail call and has no handlers any more).
// The code a frame runs at `pc`: the function's, or code a tier-up retired
// while the frame ran it.
InterpCode* codeAt(const Function* f, const uint8_t* pc) {
  auto holds = [pc](const InterpCode* c) { return pc >= c->code.data() && pc < c->code.data() + c->code.size(); };
  InterpCode* c = f->interpCode.load(std::memory_order_acquire);
  if (c && holds(c)) return c;
  for (c = f->retiredInterpCode.load(std::memory_order_acquire); c; c = c->retiredNext)
    if (holds(c)) return c;
  return nullptr;
}

bool findHandler(ExecEnv* env, uint32_t entryDepth, const WasmException& e, Function*& fn, Slot*& fp,
                 const uint8_t*& ip) {
  const ExceptionObject& exn = *e.exception;
  Function* f = fn;
  Slot* frameFp = fp;
  const uint8_t* pc = ip ? ip - 1 : nullptr;
  for (uint32_t depth = env->callDepth;;) {
    InterpCode* code = pc ? codeAt(f, pc) : nullptr;
    if (code && !code->handlers.empty()) {
      uint32_t at = uint32_t(pc - code->code.data());
      for (size_t i = 0; i < code->handlers.size(); ++i) {
        const InterpCode::Handler& h = code->handlers[i];
        if (at < h.begin || at >= h.end) continue;
        if (h.delegateTo == InterpCode::kDelegateToCaller) break;
        if (h.delegateTo != InterpCode::kNoDelegate) {
          i = h.delegateTo - 1;  // skips the handlers in between
          continue;
        }
        for (const InterpCode::Catch& c : h.catches) {
          if (c.tag && c.tag != exn.tag.get()) continue;
          if (c.tag) std::copy(exn.values.begin(), exn.values.end(), frameFp + c.valueSlot);
          if (c.refSlot != InterpCode::kNoSlot) frameFp[c.refSlot] = f->instance->keepException(e.exception);
          env->callDepth = depth;
          fn = f;
          fp = frameFp;
          ip = code->code.data() + c.landing;
          return true;
        }
      }
    }
    if (depth == entryDepth) return false;
    const ExecEnv::CallFrame& caller = env->frames()[--depth];
    f = caller.function;
    frameFp = caller.fp;
    pc = caller.returnIp - 1;
  }
}

[[noreturn]] void throwNew(const std::shared_ptr<Tag>& tag, const Slot* values) {
  auto e = std::make_shared<ExceptionObject>();
  e->tag = tag;  // an exception keeps its tag alive
  e->values.assign(values, values + tag->type.paramSlots());
  throw WasmException(std::move(e));
}

// Execute wasm function `fn` whose arguments are already in fp[0..params).
// Called with tableOut set, it only reports the handler table.
// Set while run() was called from compiled code (interpretFunction with a
// TailCallOut): a tail call of its outermost frame to compiled or host
// code is then left to that caller (see the tail calls below). A
// thread-local rather than a parameter: one more value live through the
// dispatch loop cost call-heavy code 15-20% (fib in the interpreter).
thread_local TailCallOut* t_tailOut = nullptr;

// Runs `fn` from its start, or resumes at `resumeIp` (an exception
// handler's landing, its frames as findHandler left them); returns when
// the frame at `entryDepth` returns.
void run(ExecEnv* env, Function* fn, Slot* fp, const void* const** tableOut, const uint8_t* resumeIp = nullptr,
         uint32_t entryDepth = 0) {
  static const void* const kHandlers[] = {
#define STRATA_LABEL(Name, ...) &&op_##Name,
#define STRATA_LABEL_IMM(Name, ...) &&op_##Name##Imm,
#define STRATA_LABEL_FUSED(Name, ...) \
  &&op_BrIf##Name, &&op_BrIf##Name##Imm, &&op_BrUnless##Name, &&op_BrUnless##Name##Imm,
#define STRATA_LABEL_ADDRESSED(Name, ...) &&op_##Name##Disp, &&op_##Name##Idx,
#define STRATA_LABEL_STORE(Name, ...) &&op_##Name##Disp, &&op_##Name##Const,
      STRATA_INTERP_OPS(STRATA_LABEL, STRATA_LABEL, STRATA_LABEL_IMM, STRATA_LABEL_FUSED, STRATA_LABEL_ADDRESSED,
                        STRATA_LABEL_STORE)
#undef STRATA_LABEL
#undef STRATA_LABEL_IMM
#undef STRATA_LABEL_FUSED
#undef STRATA_LABEL_ADDRESSED
#undef STRATA_LABEL_STORE
  };
  static_assert(sizeof(kHandlers) / sizeof(kHandlers[0]) == size_t(IOp::Count), "handler table out of sync");
  if (tableOut) {
    *tableOut = kHandlers;
    return;
  }

  if (!resumeIp) entryDepth = env->callDepth;
  Slot* const stackLimit = env->stackLimit();
  Instance* inst = fn->instance;
  uint8_t* memBase = nullptr;
  uint64_t memSize = 0;
  Function* callee = nullptr;
  uint32_t frameOffset = 0;
  const uint8_t* ip;

  // Memory can move or grow in any call (the fallback without guard pages
  // may remap it), so its base and size are re-read after calls. `mem` is
  // the current instance's memory 0, or null.
  Memory* mem = nullptr;
#define SWITCH_INSTANCE(to)                                  \
  do {                                                       \
    inst = (to);                                             \
    mem = inst->numMemories() ? inst->memory(0) : nullptr;   \
  } while (0)
#define RELOAD_MEMORY()          \
  do {                           \
    if (mem) {                   \
      memBase = mem->base();     \
      memSize = mem->byteSize(); \
    }                            \
  } while (0)
#define NEXT() goto* rd<const void*>(ip)
#define OPERAND(k) rd<uint32_t>(ip + 8 + 4 * (k))
#define SLOT(k) (fp + OPERAND(k))

  if (resumeIp) {
    ip = resumeIp;
  } else {
    InterpCode* code = ensureTranslated(fn);
    if (fp + code->frameSlots > stackLimit) trap("call stack exhausted");
    zeroLocals(fp + code->paramSlots, fp + code->localSlots);
    ip = code->code.data();
  }
  SWITCH_INSTANCE(inst);
  RELOAD_MEMORY();
  // Where a wasm exception can start (a throw, a call of host or compiled
  // code), the frame is noted in the env; interpretFunction catches it and
  // resumes here at the handler findHandler finds. (A try around this loop
  // cost call-heavy code ~10%: bintrees in the interpreter.)
#define NOTE_THROW_POINT(pos) (env->throwFn = fn, env->throwFp = fp, env->throwIp = (pos))
  NEXT();

  // ---------------------------------------------------------------------
  // Generated: loads, stores, unary and binary operators.
#define STRATA_LOAD_HANDLER(Name, enc, text, Res, MemT, align)              \
  op_##Name : {                                                             \
    uint64_t ea = uint64_t(rd<uint32_t>(SLOT(1))) + OPERAND(2);             \
    if (ea + sizeof(MemT) > memSize) trapMemory();                          \
    wr<CT_##Res>(SLOT(0), CT_##Res(rd<MemT>(memBase + ea)));                \
    ip += 20;                                                               \
    NEXT();                                                                 \
  }
  STRATA_LOAD_OPS(STRATA_LOAD_HANDLER)
#undef STRATA_LOAD_HANDLER

  // Loads with the address addition folded in; the sum wraps at 32 bits
  // exactly as the separate i32.add would.
#define STRATA_ADDRESSED_LOAD_HANDLER(Name, enc, text, Res, MemT, align)                     \
  op_##Name##Disp : {                                                                        \
    uint64_t ea = uint64_t(uint32_t(rd<uint32_t>(SLOT(1)) + OPERAND(3))) + OPERAND(2);       \
    if (ea + sizeof(MemT) > memSize) trapMemory();                                           \
    wr<CT_##Res>(SLOT(0), CT_##Res(rd<MemT>(memBase + ea)));                                 \
    ip += 24;                                                                                \
    NEXT();                                                                                  \
  }                                                                                          \
  op_##Name##Idx : {                                                                         \
    uint64_t ea = uint64_t(uint32_t(rd<uint32_t>(SLOT(1)) + rd<uint32_t>(SLOT(3)))) + OPERAND(2); \
    if (ea + sizeof(MemT) > memSize) trapMemory();                                           \
    wr<CT_##Res>(SLOT(0), CT_##Res(rd<MemT>(memBase + ea)));                                 \
    ip += 24;                                                                                \
    NEXT();                                                                                  \
  }
  STRATA_LOAD_OPS(STRATA_ADDRESSED_LOAD_HANDLER)
#undef STRATA_ADDRESSED_LOAD_HANDLER

#define STRATA_STORE_HANDLER(Name, enc, text, Opd, MemT, align)             \
  op_##Name : {                                                             \
    uint64_t ea = uint64_t(rd<uint32_t>(SLOT(0))) + OPERAND(2);             \
    if (ea + sizeof(MemT) > memSize) trapMemory();                          \
    wr<MemT>(memBase + ea, MemT(rd<CT_##Opd>(SLOT(1))));                    \
    ip += 20;                                                               \
    NEXT();                                                                 \
  }
  STRATA_STORE_OPS(STRATA_STORE_HANDLER)
#undef STRATA_STORE_HANDLER

#define STRATA_STORE_VARIANT_HANDLERS(Name, enc, text, Opd, MemT, align)                     \
  op_##Name##Disp : {                                                                        \
    uint64_t ea = uint64_t(uint32_t(rd<uint32_t>(SLOT(0)) + OPERAND(3))) + OPERAND(2);       \
    if (ea + sizeof(MemT) > memSize) trapMemory();                                           \
    wr<MemT>(memBase + ea, MemT(rd<CT_##Opd>(SLOT(1))));                                     \
    ip += 24;                                                                                \
    NEXT();                                                                                  \
  }                                                                                          \
  op_##Name##Const : {                                                                       \
    uint64_t ea = uint64_t(rd<uint32_t>(SLOT(0))) + OPERAND(1);                              \
    if (ea + sizeof(MemT) > memSize) trapMemory();                                           \
    wr<MemT>(memBase + ea, MemT(rd<CT_##Opd>(ip + 16)));                                     \
    ip += 24;                                                                                \
    NEXT();                                                                                  \
  }
  STRATA_STORE_OPS(STRATA_STORE_VARIANT_HANDLERS)
#undef STRATA_STORE_VARIANT_HANDLERS

#define STRATA_UNARY_HANDLER(Name, enc, text, Res, Opd, expr)               \
  op_##Name : {                                                             \
    CT_##Opd a = rd<CT_##Opd>(SLOT(1));                                     \
    wr<CT_##Res>(SLOT(0), CT_##Res(expr));                                  \
    ip += 16;                                                               \
    NEXT();                                                                 \
  }
  STRATA_UNARY_OPS(STRATA_UNARY_HANDLER)
#undef STRATA_UNARY_HANDLER

#define STRATA_BINARY_HANDLER(Name, enc, text, Res, Opd, expr)              \
  op_##Name : {                                                             \
    CT_##Opd a = rd<CT_##Opd>(SLOT(1));                                     \
    CT_##Opd b = rd<CT_##Opd>(SLOT(2));                                     \
    wr<CT_##Res>(SLOT(0), CT_##Res(expr));                                  \
    ip += 20;                                                               \
    NEXT();                                                                 \
  }
  STRATA_BINARY_OPS(STRATA_BINARY_HANDLER)
#undef STRATA_BINARY_HANDLER

#define STRATA_IMM_HANDLER(Name, enc, text, Res, Opd, expr)                 \
  op_##Name##Imm : {                                                        \
    CT_##Opd a = rd<CT_##Opd>(SLOT(1));                                     \
    CT_##Opd b = rd<CT_##Opd>(ip + 16);                                     \
    wr<CT_##Res>(SLOT(0), CT_##Res(expr));                                  \
    ip += 24;                                                               \
    NEXT();                                                                 \
  }
  STRATA_BINARY_OPS(STRATA_IMM_HANDLER)
#undef STRATA_IMM_HANDLER

  // Compare-and-branch: operand a, branch offset, then b (a slot) or an
  // immediate.
#define STRATA_FUSED_HANDLER(Name, enc, text, Res, Opd, expr)               \
  op_BrIf##Name : {                                                         \
    CT_##Opd a = rd<CT_##Opd>(SLOT(0));                                     \
    CT_##Opd b = rd<CT_##Opd>(fp + rd<uint32_t>(ip + 16));                  \
    ip += (expr) ? rd<int32_t>(ip + 12) : 20;                               \
    NEXT();                                                                 \
  }                                                                         \
  op_BrIf##Name##Imm : {                                                    \
    CT_##Opd a = rd<CT_##Opd>(SLOT(0));                                     \
    CT_##Opd b = rd<CT_##Opd>(ip + 16);                                     \
    ip += (expr) ? rd<int32_t>(ip + 12) : 24;                               \
    NEXT();                                                                 \
  }                                                                         \
  op_BrUnless##Name : {                                                     \
    CT_##Opd a = rd<CT_##Opd>(SLOT(0));                                     \
    CT_##Opd b = rd<CT_##Opd>(fp + rd<uint32_t>(ip + 16));                  \
    ip += (expr) ? 20 : rd<int32_t>(ip + 12);                               \
    NEXT();                                                                 \
  }                                                                         \
  op_BrUnless##Name##Imm : {                                                \
    CT_##Opd a = rd<CT_##Opd>(SLOT(0));                                     \
    CT_##Opd b = rd<CT_##Opd>(ip + 16);                                     \
    ip += (expr) ? 24 : rd<int32_t>(ip + 12);                               \
    NEXT();                                                                 \
  }
  STRATA_COMPARE_OPS(STRATA_FUSED_HANDLER)
#undef STRATA_FUSED_HANDLER

  // ---------------------------------------------------------------------
  // Generated: SIMD operators. A v128 operand is two slots read and written
  // as 16 bytes (memcpy); each handler reads all its operands before it
  // writes its result, so a result may overlap an operand.
#define STRATA_SIMD_UNARY_HANDLER(Name, enc, text, Res, Opd, expr) \
  op_##Name : {                                                    \
    CT_##Opd a = rd<CT_##Opd>(SLOT(1));                            \
    wr<CT_##Res>(SLOT(0), CT_##Res(expr));                         \
    ip += 16;                                                      \
    NEXT();                                                        \
  }
  STRATA_SIMD_UNARY_OPS(STRATA_SIMD_UNARY_HANDLER)
#undef STRATA_SIMD_UNARY_HANDLER

#define STRATA_SIMD_BINARY_HANDLER(Name, enc, text, expr) \
  op_##Name : {                                           \
    simd::V128 a = rd<simd::V128>(SLOT(1));               \
    simd::V128 b = rd<simd::V128>(SLOT(2));               \
    wr<simd::V128>(SLOT(0), expr);                        \
    ip += 20;                                             \
    NEXT();                                               \
  }
  STRATA_SIMD_BINARY_OPS(STRATA_SIMD_BINARY_HANDLER)
#undef STRATA_SIMD_BINARY_HANDLER

#define STRATA_SIMD_SHIFT_HANDLER(Name, enc, text, expr) \
  op_##Name : {                                          \
    simd::V128 a = rd<simd::V128>(SLOT(1));              \
    uint32_t b = rd<uint32_t>(SLOT(2));                  \
    wr<simd::V128>(SLOT(0), expr);                       \
    ip += 20;                                            \
    NEXT();                                              \
  }
  STRATA_SIMD_SHIFT_OPS(STRATA_SIMD_SHIFT_HANDLER)
#undef STRATA_SIMD_SHIFT_HANDLER

#define STRATA_SIMD_TERNARY_HANDLER(Name, enc, text, expr) \
  op_##Name : {                                            \
    simd::V128 a = rd<simd::V128>(SLOT(1));                \
    simd::V128 b = rd<simd::V128>(SLOT(2));                \
    simd::V128 c = rd<simd::V128>(SLOT(3));                \
    wr<simd::V128>(SLOT(0), expr);                         \
    ip += 24;                                              \
    NEXT();                                                \
  }
  STRATA_SIMD_TERNARY_OPS(STRATA_SIMD_TERNARY_HANDLER)
#undef STRATA_SIMD_TERNARY_HANDLER

  // Lane operators: dst, a[, b], lane.
#define STRATA_SIMD_EXTRACT_HANDLER(Name, enc, text, Res, LaneT, lanes)           \
  op_##Name : {                                                                   \
    wr<CT_##Res>(SLOT(0), CT_##Res(rd<simd::V128>(SLOT(1)).lane<LaneT>(int(OPERAND(2))))); \
    ip += 20;                                                                     \
    NEXT();                                                                       \
  }
  STRATA_SIMD_EXTRACT_OPS(STRATA_SIMD_EXTRACT_HANDLER)
#undef STRATA_SIMD_EXTRACT_HANDLER

#define STRATA_SIMD_REPLACE_HANDLER(Name, enc, text, Opd, LaneT, lanes)        \
  op_##Name : {                                                                \
    simd::V128 a = rd<simd::V128>(SLOT(1));                                    \
    a.setLane<LaneT>(int(OPERAND(3)), LaneT(rd<CT_##Opd>(SLOT(2))));           \
    wr<simd::V128>(SLOT(0), a);                                                \
    ip += 24;                                                                  \
    NEXT();                                                                    \
  }
  STRATA_SIMD_REPLACE_OPS(STRATA_SIMD_REPLACE_HANDLER)
#undef STRATA_SIMD_REPLACE_HANDLER

  // Memory: loads are dst, addr, offset; lane loads dst, addr, vec,
  // offset, lane; lane stores addr, vec, offset, lane; v128.store addr,
  // value, offset.
#define STRATA_SIMD_LOAD_HANDLER(Name, enc, text, bytes, align, expr) \
  op_##Name : {                                                       \
    uint64_t ea = uint64_t(rd<uint32_t>(SLOT(1))) + OPERAND(2);       \
    if (ea + (bytes) > memSize) trapMemory();                         \
    const uint8_t* p = memBase + ea;                                  \
    wr<simd::V128>(SLOT(0), expr);                                    \
    ip += 20;                                                         \
    NEXT();                                                           \
  }
  STRATA_SIMD_LOAD_OPS(STRATA_SIMD_LOAD_HANDLER)
#undef STRATA_SIMD_LOAD_HANDLER

#define STRATA_SIMD_LOAD_LANE_HANDLER(Name, enc, text, LaneT, lanes, align) \
  op_##Name : {                                                             \
    uint64_t ea = uint64_t(rd<uint32_t>(SLOT(1))) + OPERAND(3);             \
    if (ea + sizeof(LaneT) > memSize) trapMemory();                         \
    simd::V128 v = rd<simd::V128>(SLOT(2));                                 \
    v.setLane<LaneT>(int(OPERAND(4)), rd<LaneT>(memBase + ea));             \
    wr<simd::V128>(SLOT(0), v);                                             \
    ip += 28;                                                               \
    NEXT();                                                                 \
  }
  STRATA_SIMD_LOAD_LANE_OPS(STRATA_SIMD_LOAD_LANE_HANDLER)
#undef STRATA_SIMD_LOAD_LANE_HANDLER

#define STRATA_SIMD_STORE_LANE_HANDLER(Name, enc, text, LaneT, lanes, align) \
  op_##Name : {                                                              \
    uint64_t ea = uint64_t(rd<uint32_t>(SLOT(0))) + OPERAND(2);              \
    if (ea + sizeof(LaneT) > memSize) trapMemory();                          \
    wr<LaneT>(memBase + ea, rd<simd::V128>(SLOT(1)).lane<LaneT>(int(OPERAND(3)))); \
    ip += 24;                                                                \
    NEXT();                                                                  \
  }
  STRATA_SIMD_STORE_LANE_OPS(STRATA_SIMD_STORE_LANE_HANDLER)
#undef STRATA_SIMD_STORE_LANE_HANDLER

op_V128Store: {
  uint64_t ea = uint64_t(rd<uint32_t>(SLOT(0))) + OPERAND(2);
  if (ea + 16 > memSize) trapMemory();
  wr<simd::V128>(memBase + ea, rd<simd::V128>(SLOT(1)));
  ip += 20;
  NEXT();
}
op_I8x16Shuffle: {
  if (kHostSsse3) {
    shuffleSsse3(reinterpret_cast<uint8_t*>(SLOT(0)), reinterpret_cast<const uint8_t*>(SLOT(1)),
                 reinterpret_cast<const uint8_t*>(SLOT(2)), ip + 20);
  } else {
    simd::V128 a = rd<simd::V128>(SLOT(1)), b = rd<simd::V128>(SLOT(2));
    wr<simd::V128>(SLOT(0), simd::shuffle(a, b, ip + 20));
  }
  ip += 36;
  NEXT();
}
op_Copy128:
  wr<simd::V128>(SLOT(0), rd<simd::V128>(SLOT(1)));
  ip += 16;
  NEXT();
op_Const128:
  std::memcpy(SLOT(0), ip + 12, 16);
  ip += 28;
  NEXT();
op_Select128: {
  simd::V128 v = rd<simd::V128>(rd<uint32_t>(SLOT(3)) ? SLOT(1) : SLOT(2));
  wr<simd::V128>(SLOT(0), v);
  ip += 24;
  NEXT();
}
op_GlobalGet128:
  std::memcpy(SLOT(0), &rd<GlobalCell*>(ip + 12)->value, 16);
  ip += 20;
  NEXT();
op_GlobalSet128:
  std::memcpy(&rd<GlobalCell*>(ip + 12)->value, SLOT(0), 16);
  ip += 20;
  NEXT();

  // ---------------------------------------------------------------------
  // Moves, constants, control flow.
op_Copy:
  *SLOT(0) = *SLOT(1);
  ip += 16;
  NEXT();
op_Copy2:
  *SLOT(0) = *SLOT(1);
  *SLOT(2) = *SLOT(3);
  ip += 24;
  NEXT();
op_Const32:
  wr<uint32_t>(SLOT(0), OPERAND(1));
  ip += 16;
  NEXT();
op_Const64:
  *SLOT(0) = rd<uint64_t>(ip + 12);
  ip += 20;
  NEXT();
op_Br:
  ip += rd<int32_t>(ip + 8);
  NEXT();
op_BrIf:
  if (rd<uint32_t>(SLOT(0)))
    ip += rd<int32_t>(ip + 12);
  else
    ip += 16;
  NEXT();
op_BrUnless:
  if (!rd<uint32_t>(SLOT(0)))
    ip += rd<int32_t>(ip + 12);
  else
    ip += 16;
  NEXT();
op_BrTable: {
  uint32_t index = rd<uint32_t>(SLOT(0));
  uint32_t count = OPERAND(1);
  if (index > count) index = count;  // the last entry is the default
  ip += rd<int32_t>(ip + 16 + 4 * index);
  NEXT();
}
op_Select:
  *SLOT(0) = rd<uint32_t>(SLOT(3)) ? *SLOT(1) : *SLOT(2);
  ip += 24;
  NEXT();
op_Unreachable:
  trap("unreachable");
op_Fuel:
  env->chargeFuel();
  ip += 8;
  NEXT();
op_RefIsNull:
  wr<uint32_t>(SLOT(0), *SLOT(1) == 0);
  ip += 16;
  NEXT();
op_RefAsNonNull:
  if (!*SLOT(1)) trap("null reference");
  *SLOT(0) = *SLOT(1);
  ip += 16;
  NEXT();
op_BrOnNull:
  if (!*SLOT(0))
    ip += rd<int32_t>(ip + 12);
  else
    ip += 16;
  NEXT();
op_BrOnNonNull:
  if (*SLOT(0))
    ip += rd<int32_t>(ip + 12);
  else
    ip += 16;
  NEXT();
  // Superinstructions: f32/f64 multiply then add, the inner step of dot
  // products and stencils. Two roundings, exactly as the two wasm ops.
op_F32MulAdd:
  wr<float>(SLOT(0), rd<float>(SLOT(1)) * rd<float>(SLOT(2)) + rd<float>(SLOT(3)));
  ip += 24;
  NEXT();
op_F64MulAdd:
  wr<double>(SLOT(0), rd<double>(SLOT(1)) * rd<double>(SLOT(2)) + rd<double>(SLOT(3)));
  ip += 24;
  NEXT();
op_GlobalGet:
  *SLOT(0) = rd<GlobalCell*>(ip + 12)->value;
  ip += 20;
  NEXT();
op_GlobalSet: {
  GlobalCell* cell = rd<GlobalCell*>(ip + 12);
  Slot v = *SLOT(0);
  // Keep 32-bit globals clean so hosts can read them without masking.
  if (cell->type.type == ValType::I32 || cell->type.type == ValType::F32) v &= 0xffffffffu;
  cell->value = v;
  ip += 20;
  NEXT();
}

  // ---------------------------------------------------------------------
  // Calls. The callee's frame starts at its first argument in our frame;
  // its results end up in the same place.
op_Call:
  frameOffset = OPERAND(0);
  callee = rd<Function*>(ip + 12);
  ip += 20;
  goto do_call;
op_CallImport:
  frameOffset = OPERAND(0);
  callee = rd<ImportSlot*>(ip + 12)->load(std::memory_order_acquire);
  ip += 20;
  goto do_call;
op_CallIndirect:
  frameOffset = OPERAND(0);
  callee = indirectCallee(rd<Table*>(ip + 20), rd<uint32_t>(SLOT(1)), OPERAND(2));
  ip += 28;
  goto do_call;
op_CallRef:
  frameOffset = OPERAND(0);
  callee = rd<Function*>(SLOT(1));
  if (!callee) trap("null function reference");
  ip += 16;
  goto do_call;
do_call: {
  Slot* calleeFp = fp + frameOffset;
  if (callee->isHost()) {
    // Re-entrant calls from the host start above the arguments.
    env->stackTop = calleeFp + callee->type.callSlots();
    NOTE_THROW_POINT(ip);
    callee->host(callee->hostEnv, inst, calleeFp);
    RELOAD_MEMORY();
    NEXT();
  }
  InterpCode* code = callee->interpCode.load(std::memory_order_acquire);
  if (!code) {
    // JIT tier hooks (jit/jit.h), off the hot path: a function with JIT
    // code has no interpreter code (tier-up retires it), and a first call
    // may compile (--tier=jit).
    if (callee->jitEntry.load(std::memory_order_acquire) || jit::onFirstCall(callee)) {
      NOTE_THROW_POINT(ip);
      jit::invoke(*env, callee, calleeFp, inst);
      RELOAD_MEMORY();
      NEXT();
    }
    code = ensureTranslated(callee);
  }
  if (jit::g_interpreterCounts && countDown(callee)) calleeCountdownRanOut(*env, callee);  // tiered mode's tier-up, interrupts
  if (env->callDepth >= ExecEnv::kMaxCallDepth || calleeFp + code->frameSlots > stackLimit)
    trap("call stack exhausted");
  env->frames()[env->callDepth++] = {ip, fp, fn, callee};
  fp = calleeFp;
  fn = callee;
  zeroLocals(fp + code->paramSlots, fp + code->localSlots);
  if (fn->instance != inst) {
    SWITCH_INSTANCE(fn->instance);
    RELOAD_MEMORY();
  }
  ip = code->code.data();
  NEXT();
}

  // Tail calls. The callee replaces this function in its frame: the
  // arguments move down to fp[0..) and no frame is pushed, so a chain of
  // tail calls runs in constant space. A host function or compiled code
  // cannot take over an interpreter frame: it is called as usual, its
  // results are moved down and this function returns them.
op_ReturnCall:
  frameOffset = OPERAND(0);
  callee = rd<Function*>(ip + 12);
  goto do_tail_call;
op_ReturnCallImport:
  frameOffset = OPERAND(0);
  callee = rd<ImportSlot*>(ip + 12)->load(std::memory_order_acquire);
  goto do_tail_call;
op_ReturnCallIndirect:
  frameOffset = OPERAND(0);
  callee = indirectCallee(rd<Table*>(ip + 20), rd<uint32_t>(SLOT(1)), OPERAND(2));
  goto do_tail_call;
op_ReturnCallRef:
  frameOffset = OPERAND(0);
  callee = rd<Function*>(SLOT(1));
  if (!callee) trap("null function reference");
  goto do_tail_call;
do_tail_call: {
  Slot* args = fp + frameOffset;
  InterpCode* code = callee->isHost() ? nullptr : callee->interpCode.load(std::memory_order_acquire);
  if (!code && !callee->isHost() && !callee->jitEntry.load(std::memory_order_acquire) && !jit::onFirstCall(callee))
    code = ensureTranslated(callee);
  if (!code) {
    NOTE_THROW_POINT(nullptr);  // this frame is being replaced: its handlers no longer apply
    if (env->callDepth == entryDepth && t_tailOut) {
      // The compiled caller makes the call: chains of tail calls between
      // the tiers then keep constant stack.
      std::memmove(fp, args, callee->type.paramSlots() * sizeof(Slot));
      t_tailOut->callee = callee;
      t_tailOut->caller = inst;
      return;
    }
    if (callee->isHost()) {
      env->stackTop = args + callee->type.callSlots();
      callee->host(callee->hostEnv, inst, args);
    } else {
      jit::invoke(*env, callee, args, inst);
    }
    std::memmove(fp, args, callee->type.resultSlots() * sizeof(Slot));
    goto op_Return;
  }
  if (jit::g_interpreterCounts && countDown(callee)) calleeCountdownRanOut(*env, callee);
  if (fp + code->frameSlots > stackLimit) trap("call stack exhausted");
  std::memmove(fp, args, callee->type.paramSlots() * sizeof(Slot));
  // The entry sequence is do_call's, written out again: one shared label
  // cost call-heavy code 3-5% (fib in the interpreter, measured).
  if (env->callDepth > entryDepth) env->frames()[env->callDepth - 1].callee = callee;  // the trace's view
  fn = callee;
  zeroLocals(fp + code->paramSlots, fp + code->localSlots);
  if (fn->instance != inst) {
    SWITCH_INSTANCE(fn->instance);
    RELOAD_MEMORY();
  }
  ip = code->code.data();
  NEXT();
}
op_Return: {
  if (env->callDepth == entryDepth) return;
  const ExecEnv::CallFrame& frame = env->frames()[--env->callDepth];
  ip = frame.returnIp;
  fp = frame.fp;
  fn = frame.function;
  if (fn->instance != inst) SWITCH_INSTANCE(fn->instance);
  RELOAD_MEMORY();
  NEXT();
}

  // Tiered mode only (see the translator): loop iterations count towards
  // the function's tier-up like calls. When the count runs out the JIT is
  // asked for code entered at this loop's header; once it is ready the rest
  // of this call runs compiled (on-stack replacement) and returns its
  // results in fp[0..) like any return.
op_LoopHeader:
  if (countDown(fn)) {
    env->checkInterrupt();
    if (!jit::g_tiered) {
      resetCountdown(fn);
    } else if (OPERAND(0) == kNoOsrLoop) {
      jit::onHot(fn);
    } else if (Function::JitEntry osr = jit::onHotLoop(fn, OPERAND(0))) {
      NOTE_THROW_POINT(nullptr);  // the compiled code runs this frame's handlers itself
      jit::invokeOsr(*env, fn, osr, fp);
      goto op_Return;
    }
  }
  ip += 12;
  NEXT();

  // ---------------------------------------------------------------------
  // Memory instructions.
  // Memory 0 is the cached memBase/memSize; the bulk instructions name
  // their memories (multi-memory) and look other ones up.
  // Sizes as 64 bits, as for tables. A memory64's addresses and lengths are
  // i64 (all of memory.fill's, memory.copy's length only between two):
  // read by width, compared without wrapping.
op_MemorySize: {
  uint32_t memory = OPERAND(1);
  uint64_t bytes = memory == 0 ? memSize : inst->memory(memory)->byteSize();
  wr<uint64_t>(SLOT(0), bytes / limits::kPageSize);
  ip += 16;
  NEXT();
}
op_MemoryGrow: {
  int64_t old = inst->memory(OPERAND(2))->grow(rd<uint32_t>(SLOT(1)));
  wr<uint64_t>(SLOT(0), uint64_t(old));
  RELOAD_MEMORY();
  ip += 20;
  NEXT();
}
op_MemoryInit: {
  uint32_t seg = OPERAND(0);
  Memory* target = inst->memory(OPERAND(4));
  uint64_t dst = readIndex(SLOT(1), target->type().is64), src = rd<uint32_t>(SLOT(2)), n = rd<uint32_t>(SLOT(3));
  const DataSegment& data = inst->module().datas[seg];
  uint64_t segSize = inst->dataDropped(seg) ? 0 : data.size;
  if (!inBounds(src, n, segSize) || !inBounds(dst, n, target->byteSize())) trapMemory();
  if (n) std::memcpy(target->base() + dst, inst->module().bytes.data() + data.begin + src, n);
  ip += 28;
  NEXT();
}
op_Address64: {
  uint64_t address = rd<uint64_t>(SLOT(1)), offset = rd<uint64_t>(ip + 16);
  uint64_t ea = address + offset;
  if (ea < address || ea > 0xffffffffu) trapMemory();  // beyond every memory
  wr<uint64_t>(SLOT(0), ea);
  ip += 24;
  NEXT();
}
op_Index64: {
  uint64_t v = rd<uint64_t>(SLOT(1));
  wr<uint64_t>(SLOT(0), v > 0xffffffffu ? 0xffffffffu : v);
  ip += 16;
  NEXT();
}
op_UseMemory: {
  uint32_t memory = OPERAND(0);
  if (memory == 0) {
    RELOAD_MEMORY();
  } else {
    Memory* m = inst->memory(memory);
    memBase = m->base();
    memSize = m->byteSize();
  }
  ip += 12;
  NEXT();
}
op_DataDrop:
  inst->dropData(OPERAND(0));
  ip += 12;
  NEXT();
op_MemoryCopy: {
  Memory* to = inst->memory(OPERAND(3));
  Memory* from = inst->memory(OPERAND(4));
  bool to64 = to->type().is64, from64 = from->type().is64;
  uint64_t dst = readIndex(SLOT(0), to64), src = readIndex(SLOT(1), from64), n = readIndex(SLOT(2), to64 && from64);
  if (!inBounds(src, n, from->byteSize()) || !inBounds(dst, n, to->byteSize())) trapMemory();
  if (n) std::memmove(to->base() + dst, from->base() + src, n);
  ip += 28;
  NEXT();
}
op_MemoryFill: {
  Memory* target = inst->memory(OPERAND(3));
  bool is64 = target->type().is64;
  uint64_t dst = readIndex(SLOT(0), is64), n = readIndex(SLOT(2), is64);
  if (!inBounds(dst, n, target->byteSize())) trapMemory();
  if (n) std::memset(target->base() + dst, uint8_t(rd<uint32_t>(SLOT(1))), n);
  ip += 24;
  NEXT();
}

  // ---------------------------------------------------------------------
  // Table instructions.
op_TableGet: {
  Table* table = rd<Table*>(ip + 16);
  uint32_t index = rd<uint32_t>(SLOT(1));
  if (index >= table->size()) trapTable();
  *SLOT(0) = table->data()[index];
  ip += 24;
  NEXT();
}
op_TableSet: {
  Table* table = rd<Table*>(ip + 16);
  uint32_t index = rd<uint32_t>(SLOT(0));
  if (index >= table->size()) trapTable();
  table->data()[index] = *SLOT(1);
  ip += 24;
  NEXT();
}
  // Sizes are written as 64 bits (zero-extended; -1 for a failed grow
  // sign-extended): an i32 result reads the low half, a table64's all.
op_TableSize:
  wr<uint64_t>(SLOT(0), uint64_t(rd<Table*>(ip + 12)->size()));
  ip += 20;
  NEXT();
op_TableGrow: {
  Table* table = rd<Table*>(ip + 20);
  int64_t old = table->grow(rd<uint32_t>(SLOT(2)), *SLOT(1));
  wr<uint64_t>(SLOT(0), uint64_t(old));
  ip += 28;
  NEXT();
}
op_TableFill: {
  Table* table = rd<Table*>(ip + 20);
  uint64_t index = rd<uint32_t>(SLOT(0)), n = rd<uint32_t>(SLOT(2));
  if (index + n > table->size()) trapTable();
  std::fill_n(table->data() + index, n, *SLOT(1));
  ip += 28;
  NEXT();
}
op_TableCopy: {
  Table* dstTable = rd<Table*>(ip + 20);
  Table* srcTable = rd<Table*>(ip + 28);
  uint64_t dst = rd<uint32_t>(SLOT(0)), src = rd<uint32_t>(SLOT(1)), n = rd<uint32_t>(SLOT(2));
  if (src + n > srcTable->size() || dst + n > dstTable->size()) trapTable();
  if (n) std::memmove(dstTable->data() + dst, srcTable->data() + src, n * sizeof(Slot));
  ip += 36;
  NEXT();
}
op_TableInit: {
  Table* table = rd<Table*>(ip + 24);
  uint32_t seg = OPERAND(3);
  uint64_t dst = rd<uint32_t>(SLOT(0)), src = rd<uint32_t>(SLOT(1)), n = rd<uint32_t>(SLOT(2));
  const ElemSegment& elem = inst->module().elems[seg];
  uint64_t segSize = inst->elemDropped(seg) ? 0 : elem.items.size();
  if (src + n > segSize || dst + n > table->size()) trapTable();
  for (uint64_t k = 0; k < n; ++k) table->data()[dst + k] = inst->evalRef(elem.items[src + k]);
  ip += 32;
  NEXT();
}
op_ElemDrop:
  inst->dropElem(OPERAND(0));
  ip += 12;
  NEXT();

  // Exceptions: past the instruction first, so the handler search sees
  // where it was (findHandler).
op_Throw: {
  const auto* tag = rd<const std::shared_ptr<Tag>*>(ip + 12);
  const Slot* values = SLOT(0);
  NOTE_THROW_POINT(ip + 20);
  throwNew(*tag, values);
}
op_ThrowRef: {
  auto* e = rd<ExceptionObject*>(SLOT(0));
  NOTE_THROW_POINT(ip + 12);
  if (!e) trap("null exception reference");
  throw WasmException(e->shared_from_this());
}
#undef NOTE_THROW_POINT
#undef RELOAD_MEMORY
#undef SWITCH_INSTANCE
#undef NEXT
#undef OPERAND
#undef SLOT
}

}  // namespace

const void* const* interpreterHandlers() {
  static const void* const* table = [] {
    const void* const* t = nullptr;
    run(nullptr, nullptr, nullptr, &t);
    return t;
  }();
  return table;
}

void interpretFunction(ExecEnv& env, Function* fn, Slot* fp, TailCallOut* tail) {
  // Entered from outside the interpreter (the host, or compiled code
  // calling a function without JIT code): the first call may compile
  // (--tier=jit, see jit/jit.h).
  if (fn->jitEntry.load(std::memory_order_acquire) ||
      (!fn->interpCode.load(std::memory_order_acquire) && jit::onFirstCall(fn))) {
    jit::invoke(env, fn, fp, fn->instance);
    return;
  }
  if (jit::g_tiered && countDown(fn)) {
    jit::onHot(fn);
    // Compiled on the spot (--jit-threads=0): this call runs it already.
    if (fn->jitEntry.load(std::memory_order_acquire)) {
      jit::invoke(env, fn, fp, fn->instance);
      return;
    }
  }
  const uint32_t depth = env.callDepth;
  struct TailOutScope {  // for this run() only, not for runs it calls
    TailCallOut* saved;
    explicit TailOutScope(TailCallOut* t) : saved(std::exchange(t_tailOut, t)) {}
    ~TailOutScope() { t_tailOut = saved; }
  } scope(tail);
  // The outer run()'s throw point, which this one's overwrite, comes back
  // however this call ends.
  struct ThrowPointScope {
    ExecEnv& env;
    Function* fn;
    Slot* fp;
    const uint8_t* ip;
    explicit ThrowPointScope(ExecEnv& e) : env(e), fn(e.throwFn), fp(e.throwFp), ip(e.throwIp) {}
    ~ThrowPointScope() { env.throwFn = fn, env.throwFp = fp, env.throwIp = ip; }
  } throwPoint(env);
  env.throwFn = fn;
  env.throwFp = fp;
  env.throwIp = nullptr;
  try {
    // A wasm exception continues at the innermost handler of this call's
    // interpreter frames, if one takes it.
    for (const uint8_t* resume = nullptr;;) {
      try {
        run(&env, fn, fp, nullptr, resume, depth);
        return;
      } catch (WasmException& e) {
        Function* f = env.throwFn;
        Slot* frameFp = env.throwFp;
        const uint8_t* at = env.throwIp;
        if (!f || !findHandler(&env, depth, e, f, frameFp, at)) throw;
        fn = f;
        fp = frameFp;
        resume = at;
        env.throwIp = nullptr;
      }
    }
  } catch (Trap& t) {
    // The interpreter frames the trap left, innermost first (run() leaves
    // env.callDepth where the trap was; ExecEnv::call restores it).
    ExecEnv::CallFrame* frames = env.frames();
    t.addFrame(env.callDepth > depth ? frames[env.callDepth - 1].callee : fn);
    for (uint32_t k = env.callDepth; k-- > depth;) t.addFrame(frames[k].function);
    env.callDepth = depth;  // those frames are gone: an outer run() must not list them again
    throw;
  }
}

void interpretFunction(ExecEnv& env, Function* fn, Slot* fp) { interpretFunction(env, fn, fp, nullptr); }

}  // namespace strata
