// What both compilers share (see codegen.h): the numeric helpers generated
// from opcodes.def, condition codes, access sizes and field offsets.
#include "jit/codegen.h"

#include <cstdlib>
#include <cstring>

#include "jit/jit_internal.h"
#include "runtime/objects.h"
#include "wasm/numeric.h"

namespace strata::jit {

using asmjit::x86::CondCode;

// --- generic helpers generated from opcodes.def ------------------------------

#define CT_I32 uint32_t
#define CT_I64 uint64_t
#define CT_F32 float
#define CT_F64 double

template <class T>
inline T fromBits(uint64_t v) {
  if constexpr (sizeof(T) == 4) {
    return num::bitcast<T>(uint32_t(v));
  } else {
    return num::bitcast<T>(v);
  }
}
template <class T>
inline uint64_t toBits(T v) {
  if constexpr (sizeof(T) == 4) {
    return num::bitcast<uint32_t>(v);
  } else {
    return num::bitcast<uint64_t>(v);
  }
}

// uint64_t helper(a, b, ctx): a and b are the operands' bits; the result's
// bits come back zero-extended. Traps set ctx->status.
#define STRATA_JIT_UNARY_HELPER(Name, enc, text, Res, Opd, expr)           \
  uint64_t h_##Name(uint64_t a_, uint64_t, JitContext* ctx) {              \
    try {                                                                  \
      CT_##Opd a = fromBits<CT_##Opd>(a_);                                 \
      return toBits<CT_##Res>(CT_##Res(expr));                             \
    } catch (...) {                                                        \
      setPendingFromCurrent(ctx);                                          \
      return 0;                                                            \
    }                                                                      \
  }
#define STRATA_JIT_BINARY_HELPER(Name, enc, text, Res, Opd, expr)          \
  uint64_t h_##Name(uint64_t a_, uint64_t b_, JitContext* ctx) {           \
    try {                                                                  \
      CT_##Opd a = fromBits<CT_##Opd>(a_);                                 \
      CT_##Opd b = fromBits<CT_##Opd>(b_);                                 \
      return toBits<CT_##Res>(CT_##Res(expr));                             \
    } catch (...) {                                                        \
      setPendingFromCurrent(ctx);                                          \
      return 0;                                                            \
    }                                                                      \
  }
STRATA_UNARY_OPS(STRATA_JIT_UNARY_HELPER)
STRATA_BINARY_OPS(STRATA_JIT_BINARY_HELPER)
#undef STRATA_JIT_UNARY_HELPER
#undef STRATA_JIT_BINARY_HELPER

NumericHelper numericHelper(Op op) {
  switch (op) {
#define STRATA_CASE(Name, ...) \
  case Op::Name:               \
    return &h_##Name;
    STRATA_UNARY_OPS(STRATA_CASE)
    STRATA_BINARY_OPS(STRATA_CASE)
#undef STRATA_CASE
    default:
      return nullptr;
  }
}

// Operators whose helper can trap (the checked float->int truncations);
// division is inline.
bool helperMayTrap(Op op) {
  switch (op) {
    case Op::I32TruncF32S: case Op::I32TruncF32U: case Op::I32TruncF64S: case Op::I32TruncF64U:
    case Op::I64TruncF32S: case Op::I64TruncF32U: case Op::I64TruncF64S: case Op::I64TruncF64U:
    case Op::I32DivS: case Op::I32DivU: case Op::I32RemS: case Op::I32RemU:
    case Op::I64DivS: case Op::I64DivU: case Op::I64RemS: case Op::I64RemU:
      return true;
    default:
      return false;
  }
}

// Compile-time evaluation with the same expression; false if it traps.
bool fold(Op op, uint64_t a, uint64_t b, uint64_t* out) {
  NumericHelper h = numericHelper(op);
  if (!h) return false;
  JitContext scratch;
  uint64_t r = h(a, b, &scratch);
  if (scratch.status) {
    pendingException() = nullptr;
    return false;
  }
  *out = r;
  return true;
}


bool isCompare(Op op) {
  switch (op) {
#define STRATA_CASE(Name, ...) case Op::Name:
    STRATA_COMPARE_OPS(STRATA_CASE)
#undef STRATA_CASE
    return true;
    default:
      return false;
  }
}

// --- conditions ---------------------------------------------------------------

CondCode integerCondition(Op op) {
  switch (op) {
    case Op::I32Eq: case Op::I64Eq: return CondCode::kE;
    case Op::I32Ne: case Op::I64Ne: return CondCode::kNE;
    case Op::I32LtS: case Op::I64LtS: return CondCode::kL;
    case Op::I32LtU: case Op::I64LtU: return CondCode::kB;
    case Op::I32GtS: case Op::I64GtS: return CondCode::kG;
    case Op::I32GtU: case Op::I64GtU: return CondCode::kA;
    case Op::I32LeS: case Op::I64LeS: return CondCode::kLE;
    case Op::I32LeU: case Op::I64LeU: return CondCode::kBE;
    case Op::I32GeS: case Op::I64GeS: return CondCode::kGE;
    case Op::I32GeU: case Op::I64GeU: return CondCode::kAE;
    default: throw Unsupported{"integer comparison"};
  }
}

FloatComparison floatComparison(Op op) {
  switch (op) {
    case Op::F32Eq: case Op::F64Eq: return {false, Cond{CondCode::kE, 1}};
    case Op::F32Ne: case Op::F64Ne: return {false, Cond{CondCode::kNE, 2}};
    case Op::F32Lt: case Op::F64Lt: return {true, Cond{CondCode::kA, 0}};
    case Op::F32Gt: case Op::F64Gt: return {false, Cond{CondCode::kA, 0}};
    case Op::F32Le: case Op::F64Le: return {true, Cond{CondCode::kAE, 0}};
    case Op::F32Ge: case Op::F64Ge: return {false, Cond{CondCode::kAE, 0}};
    default: throw Unsupported{"float comparison"};
  }
}

const char* opNameAt(const Module& module, size_t offset) {
  const uint8_t* p = module.bytes.data() + offset;
  Op op = opFromByte(p[0]);
  if (p[0] == 0xfc || p[0] == 0xfd) {
    uint32_t sub = 0, shift = 0;
    const uint8_t* q = p + 1;
    do {
      sub |= uint32_t(*q & 0x7f) << shift;
      shift += 7;
    } while ((*q++ & 0x80) && shift < 35);
    op = opFromPrefixed(p[0], sub);
  }
  return op == Op::Invalid ? "?" : opInfo(op).name;
}

// --- CPU features ---------------------------------------------------------------

const CpuSupport& CpuSupport::host() {
  static const CpuSupport support = [] {
    CpuSupport s;
    const char* force = std::getenv("STRATA_JIT_CPU");
    if (force && std::strcmp(force, "sse2") == 0) return s;
    const asmjit::CpuInfo& cpu = asmjit::CpuInfo::host();
    s.lzcnt = cpu.hasFeature(asmjit::CpuFeatures::X86::kLZCNT);
    s.bmi1 = cpu.hasFeature(asmjit::CpuFeatures::X86::kBMI);
    s.popcnt = cpu.hasFeature(asmjit::CpuFeatures::X86::kPOPCNT);
    s.ssse3 = cpu.hasFeature(asmjit::CpuFeatures::X86::kSSSE3);
    s.sse41 = cpu.hasFeature(asmjit::CpuFeatures::X86::kSSE4_1);
    // asmjit reports AVX only when the OS enables the ymm state (XGETBV).
    s.avx = cpu.hasFeature(asmjit::CpuFeatures::X86::kAVX) && !(force && std::strcmp(force, "sse4.1") == 0);
    return s;
  }();
  return support;
}

bool CpuSupport::lacks(Op op) const {
  switch (op) {
    case Op::I32Clz: case Op::I64Clz: return !lzcnt;
    case Op::I32Ctz: case Op::I64Ctz: return !bmi1;
    case Op::I32Popcnt: case Op::I64Popcnt: return !popcnt;
    case Op::F32Ceil: case Op::F32Floor: case Op::F32Trunc: case Op::F32Nearest:
    case Op::F64Ceil: case Op::F64Floor: case Op::F64Trunc: case Op::F64Nearest:
      return !sse41;  // roundss/roundsd
    default:
      return false;
  }
}

// --- the end of a compile ---------------------------------------------------

asmjit::CodeHolder& CodeBuffer::acquire() {
  struct ThreadHolder {
    asmjit::CodeHolder holder;
    bool inUse = false;
  };
  static thread_local ThreadHolder t;
  if (t.inUse) {
    own_ = std::make_unique<asmjit::CodeHolder>();
    return *own_;
  }
  t.inUse = true;
  inUse_ = &t.inUse;
  return t.holder;
}

CodeBuffer::CodeBuffer(uint32_t labels) : code(acquire()) {
  code.init(codeEnvironment());
  code.setErrorHandler(&errors);
  // Room for a typical function's labels, from the zone at once: growing
  // the label table 1, 2, 4, 8, ... entries at a time cost more than the
  // labels. (_labelEntries and _allocator are public in asmjit, if not
  // documented.)
  if (labels) code._labelEntries.reserve(&code._allocator, labels);
}

CodeBuffer::~CodeBuffer() {
  // Detaches the emitters, frees the code buffer, keeps the zone's blocks.
  code.reset(asmjit::ResetPolicy::kSoft);
  if (inUse_) *inUse_ = false;
}

bool installCode(asmjit::CodeHolder& code, const ErrorRecorder& errors, CompileResult* result, void** base) {
  if (errors.error != asmjit::kErrorOk) {
    result->error = std::string("asmjit: ") + errors.message;
    return false;
  }
  asmjit::Error err = addCode(base, &code);
  if (err != asmjit::kErrorOk) {
    result->error = std::string("asmjit: ") + asmjit::DebugUtils::errorAsString(err);
    return false;
  }
  result->codeSize = code.codeSize();
  return true;
}

// --- memory -------------------------------------------------------------------

uint32_t accessSize(Op op) { return opInfo(op).accessBytes; }

// --- runtime fields -------------------------------------------------------
// Function is not standard-layout (atomics, a vector), so offsetof is not
// guaranteed: measure on an object-sized buffer instead.

namespace {
template <class Member>
size_t functionFieldOffset(Member Function::*member) {
  alignas(Function) static char buf[sizeof(Function)];
  Function* f = reinterpret_cast<Function*>(buf);
  return size_t(reinterpret_cast<const char*>(&(f->*member)) - buf);
}
}  // namespace

size_t jitEntryOffset() {
  static const size_t off = functionFieldOffset(&Function::jitEntry);
  return off;
}

size_t functionUidOffset() {
  static const size_t off = functionFieldOffset(&Function::uid);
  return off;
}

}  // namespace strata::jit

// --- asmjit's debug checks -------------------------------------------------
// Debian builds libasmjit with its debug checks on (ASMJIT_BUILD_DEBUG).
// One of them, RAAssignment::verify, re-checks the register allocator's
// whole assignment state against every virtual register of the function
// each time an assignment changes: quadratic in the function's size. It
// took 44% of the optimizing compiler's time on a real C++ program, and
// 400 of the 404 ms that an 80 KB function took.
//
// In the archive it is an inline (weak) function, called through its symbol
// (R_X86_64_PLT32): this strong definition under the same symbol name
// replaces it with what a release build of asmjit has, nothing. (A plain
// function with an assembler name, so no second definition of asmjit's
// class exists in the program.) Only asmjit 1.9's ABI namespace is named:
// another asmjit version would simply not use this. It lives in this file
// because every program that compiles links it: an archive member of its
// own would never be pulled in (nothing refers to it before asmjit does).
extern "C" void strataAsmjitNoVerify(void*) __asm__("_ZN6asmjit8_abi_1_912RAAssignment6verifyEv");
extern "C" void strataAsmjitNoVerify(void*) {}
