// What both compilers (jit/baseline/, jit/optimizing/) share about
// generating x86-64 for wasm, so that neither spells it out again:
//   - value types as registers: which are floats, which need 64 bits;
//   - the numeric helpers generated from opcodes.def (the slow path of every
//     operator, and compile-time folding with the very same expression);
//   - x86 condition codes of the wasm comparisons;
//   - memory access sizes;
//   - the offset of Function::jitEntry, which calls load.
// The calling convention, trap codes and runtime helpers are in jit.h and
// jit_internal.h.
#pragma once

#include <asmjit/x86.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jit/jit.h"
#include "jit/jit_internal.h"
#include "wasm/module.h"
#include "wasm/opcodes.h"
#include "wasm/types.h"

namespace strata::jit {

inline bool isFloat(ValType t) { return t == ValType::F32 || t == ValType::F64; }
// Values kept in xmm registers: floats and v128.
inline bool inXmm(ValType t) { return isFloat(t) || t == ValType::V128; }
// i64, f64 and references take a 64-bit register; i32 and f32 live in the
// low half (i32 registers are written only by 32-bit instructions, so their
// upper half is zero).
inline bool is64(ValType t) { return t == ValType::I64 || t == ValType::F64 || isRefType(t); }

// A compiler gives up on a function (it stays in a lower tier).
struct Unsupported {
  std::string what;
};

// Keeps asmjit's first error (a compile that hits one fails cleanly).
class ErrorRecorder : public asmjit::ErrorHandler {
 public:
  asmjit::Error error = asmjit::kErrorOk;
  std::string message;
  void handleError(asmjit::Error err, const char* msg, asmjit::BaseEmitter*) override {
    if (error == asmjit::kErrorOk) {
      error = err;
      message = msg;
    }
  }
};

// --- numeric helpers ------------------------------------------------------
// uint64_t helper(a, b, ctx) computes a numeric operator from its
// opcodes.def expression on the operands' bits (b is ignored by unary
// operators); the result's bits come back zero-extended. A trap sets
// ctx->status and the pending exception (see jit.h).
using NumericHelper = uint64_t (*)(uint64_t, uint64_t, JitContext*);
NumericHelper numericHelper(Op op);
// Whether that helper can trap (the checked float->int truncations, and
// division when a compiler does not inline it).
bool helperMayTrap(Op op);
// Compile-time evaluation with the same expression; false if it traps.
bool fold(Op op, uint64_t a, uint64_t b, uint64_t* out);
bool isCompare(Op op);

// --- conditions -------------------------------------------------------------
// A condition as x86 flags: cc, plus the parity twist of float (in)equality.
struct Cond {
  asmjit::x86::CondCode cc = asmjit::x86::CondCode::kNE;
  int parity = 0;  // 0 none; 1: true iff cc && !PF (feq); 2: true iff cc || PF (fne)
  Cond negated() const {
    Cond n;
    n.cc = asmjit::x86::negateCond(cc);
    n.parity = parity == 1 ? 2 : parity == 2 ? 1 : 0;
    return n;
  }
};
// An integer comparison `a OP b` as the flags of `cmp a, b`.
asmjit::x86::CondCode integerCondition(Op op);
// A float comparison: ucomiss/ucomisd of (a, b), or of (b, a) when
// `swapOperands` (ordered less-than is "above" with the operands swapped,
// which is false for NaN as it must be), and the condition.
struct FloatComparison {
  bool swapOperands = false;
  Cond cond;
};
FloatComparison floatComparison(Op op);

// A new label of the kind `like` is: an asmjit label, or an emitter's own
// (the baseline assembler's local labels overload this).
inline asmjit::Label newLabelLike(asmjit::BaseEmitter& e, const asmjit::Label&) { return e.newLabel(); }

// Jumps to `target` if `c` holds (float (in)equality also needs the parity
// flag). For any asmjit x86 emitter and its labels: the baseline
// compiler's assembler and the optimizing compiler's Compiler.
template <class X86Emitter, class Label>
void jumpIf(X86Emitter& e, const Cond& c, const Label& target) {
  if (c.parity == 0) {
    e.j(c.cc, target);
  } else if (c.parity == 1) {
    Label skip = newLabelLike(e, target);
    e.jp(skip);
    e.j(c.cc, target);
    e.bind(skip);
  } else {
    e.jp(target);
    e.j(c.cc, target);
  }
}

// The name of the instruction at a module offset, for --dump-jit.
const char* opNameAt(const Module& module, size_t offset);

// --- CPU features ---------------------------------------------------------------
// What inline code depends on, detected once (configure() asks first).
struct CpuSupport {
  bool lzcnt = false, bmi1 = false, popcnt = false, ssse3 = false, sse41 = false;
  // AVX (with the OS saving the ymm state): the VEX three-operand forms
  // of the 128-bit SIMD instructions, which need no copy of the first
  // operand.
  bool avx = false;
  // The host's, detected once. STRATA_JIT_CPU in the environment hides
  // extensions to test the fallbacks: "sse2" all of them, "sse4.1" AVX.
  static const CpuSupport& host();
  // An operator whose inline form needs an instruction this CPU lacks:
  // its helper computes it instead.
  bool lacks(Op op) const;
};

// --- dead code --------------------------------------------------------------------
// After br/br_table/return/unreachable, or after the end of a block that
// nothing reaches, the decoder may still report instructions (it tracks
// reachability per block, for validation): a compiler skips everything up
// to the enclosing live block's else or end. Blocks opened in dead code are
// counted, so that their ends are skipped too.
struct DeadCode {
  bool dead = false;
  uint32_t depth = 0;
  // A block/loop/if opened: true if it is in dead code (skip it).
  bool opened() {
    if (dead) ++depth;
    return dead;
  }
  // An else or end: false if it belongs to a block opened in dead code
  // (skip it); else the code after it is live again, and fallsThrough
  // (whether the code before it reaches it) accounts for the dead code.
  bool reached(bool isEnd, bool* fallsThrough) {
    if (dead && depth) {
      if (isEnd) --depth;
      return false;
    }
    *fallsThrough = *fallsThrough && !dead;
    dead = false;
    return true;
  }
};

// --- memory -------------------------------------------------------------------
// Bytes a load or store accesses.
uint32_t accessSize(Op op);

// --- a compile's code --------------------------------------------------------
// The CodeHolder a compile assembles into, its first error kept. Each
// thread reuses one holder from compile to compile (reset, not destroyed),
// so that its zone memory (labels, sections, fixups) is not allocated and
// freed again for every function: for small functions that was a tenth of
// the baseline compiler's work. A compile that starts while this thread's
// holder is in use gets a holder of its own.
class CodeBuffer {
  // Before `code`, which is bound to one of them.
  std::unique_ptr<asmjit::CodeHolder> own_;  // when the thread's holder is taken
  bool* inUse_ = nullptr;                    // the thread's holder's flag
  asmjit::CodeHolder& acquire();

 public:
  // `labels`: room for that many asmjit labels, reserved at once.
  explicit CodeBuffer(uint32_t labels = 32);
  ~CodeBuffer();
  CodeBuffer(const CodeBuffer&) = delete;
  CodeBuffer& operator=(const CodeBuffer&) = delete;

  asmjit::CodeHolder& code;
  ErrorRecorder errors;
};

// --- the end of a compile ---------------------------------------------------
// Runs a compiler's decoder walk, turning its failures into result->error;
// true if it got through.
template <class Walk>
bool runWalk(Walk&& walk, CompileResult* result) {
  try {
    walk();
    return true;
  } catch (const Unsupported& u) {
    result->error = "unsupported: " + u.what;
  } catch (const DecodeError& e) {
    result->error = "decode error: " + e.message;
  }
  return false;
}
// Copies finished code into code memory: *base is its start, or false
// with result->error.
bool installCode(asmjit::CodeHolder& code, const ErrorRecorder& errors, CompileResult* result, void** base);

// --- runtime fields -------------------------------------------------------
size_t jitEntryOffset();  // Function::jitEntry
size_t functionUidOffset();  // Function::uid

// Whether a direct call of `funcIndex` can return kTailCall, so that its
// call site needs the way to jitFinishTailCalls: an import (whatever its
// slot holds, then or after a hot replacement) or a function whose body has
// a return_call* (known from validation). Indirect and reference calls can
// reach any function: they always may.
inline bool callMayReturnTailCall(const Module& m, uint32_t funcIndex) {
  return funcIndex < m.numImportedFuncs || m.functions[funcIndex - m.numImportedFuncs].usesTailCalls;
}

}  // namespace strata::jit
