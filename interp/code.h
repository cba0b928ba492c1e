// The interpreter's pre-decoded code format.
//
// A translated function is a byte stream of instructions. Each instruction
// starts with the address of its handler (direct threading: dispatch is one
// indirect jump) followed by 32-bit operands. Operands name frame slots:
// slot i of the current frame is fp[i]; locals come first, then the operand
// stack, each stack position having a fixed slot. Branch targets are byte
// offsets relative to the branching instruction. Pointers to runtime objects
// (callees, import slots, globals, tables) are embedded, which is why code
// is per instance (instances of one module share a template of it, see
// ensureTranslated).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "wasm/opcodes.h"

namespace strata {

class Instance;
struct Function;
struct Tag;

// Instructions that are not a wasm opcode one to one, then one per simple
// wasm opcode (loads, stores, unary and binary operators), generated from
// opcodes.def.
#define STRATA_INTERP_CONTROL_OPS(V)                                              \
  V(Copy)          /* dst, src */                                                \
  V(Const32)       /* dst, u32 */                                                \
  V(Const64)       /* dst, u64 */                                                \
  V(Br)            /* rel */                                                     \
  V(BrIf)          /* cond, rel */                                               \
  V(BrUnless)      /* cond, rel */                                               \
  V(BrTable)       /* index, count, rel[count + 1] */                            \
  V(Return)        /* results are already in fp[0..) */                          \
  V(Unreachable)   /* */                                                         \
  V(Select)        /* dst, a, b, cond */                                         \
  V(Call)          /* frameOffset, Function* */                                  \
  V(CallImport)    /* frameOffset, ImportSlot* */                                \
  V(CallIndirect)  /* frameOffset, index, sigId, Table* */                       \
  V(ReturnCall)    /* frameOffset, Function* */                                  \
  V(ReturnCallImport) /* frameOffset, ImportSlot* */                             \
  V(ReturnCallIndirect) /* frameOffset, index, sigId, Table* */                  \
  V(GlobalGet)     /* dst, GlobalCell* */                                        \
  V(GlobalSet)     /* src, GlobalCell* */                                        \
  V(MemorySize)    /* dst, memory */                                             \
  V(MemoryGrow)    /* dst, delta, memory */                                      \
  V(MemoryInit)    /* segment, dst, src, n, memory */                            \
  V(DataDrop)      /* segment */                                                 \
  V(MemoryCopy)    /* dst, src, n, dst memory, src memory */                     \
  V(MemoryFill)    /* dst, value, n, memory */                                   \
  V(UseMemory)     /* memory: the cached base and size address it from now */    \
  V(Address64)     /* dst, src, u64 offset: memory64 address + offset as a u32 */ \
  V(Index64)       /* dst, src: a table64 index or count saturated to a u32 */    \
  V(TableGet)      /* dst, index, Table* */                                      \
  V(TableSet)      /* index, value, Table* */                                    \
  V(TableSize)     /* dst, Table* */                                             \
  V(TableGrow)     /* dst, init, n, Table* */                                    \
  V(TableFill)     /* index, value, n, Table* */                                 \
  V(TableCopy)     /* dst, src, n, Table* dst, Table* src */                     \
  V(TableInit)     /* dst, src, n, segment, Table* */                            \
  V(ElemDrop)      /* segment */                                                 \
  V(RefIsNull)     /* dst, a */                                                 \
  V(RefAsNonNull)  /* dst, a: traps on null */                                  \
  V(BrOnNull)      /* ref, rel: branch if the reference is null */              \
  V(BrOnNonNull)   /* ref, rel: branch unless it is null */                     \
  V(CallRef)       /* frameOffset, ref */                                       \
  V(ReturnCallRef) /* frameOffset, ref */                                       \
  V(Throw)         /* first value slot, const shared_ptr<Tag>* */               \
  V(ThrowRef)      /* ref */                                                    \
  V(F32MulAdd)     /* dst, a, b, c: a * b + c, rounded after each step */        \
  V(F64MulAdd)     /* dst, a, b, c */                                            \
  V(Copy2)         /* dst1, src1, dst2, src2: two copies, in order */         \
  V(LoopHeader)    /* loopOffset or kNoOsrLoop: the back-edge counter, OSR */    \
  V(Fuel)          /* takes a unit of ExecEnv::fuel (fuel metering only) */     \
  /* v128 values (two slots): */                                                 \
  V(Copy128)       /* dst, src (may overlap) */                                  \
  V(Const128)      /* dst, u64 low, u64 high */                                  \
  V(Select128)     /* dst, a, b, cond */                                         \
  V(GlobalGet128)  /* dst, GlobalCell* */                                        \
  V(GlobalSet128)  /* src, GlobalCell* */                                        \
  V(I8x16Shuffle)  /* dst, a, b, 16 lane bytes */

// The SIMD operators with a generated handler (i8x16.shuffle and
// v128.const have their own; V128Const is Const128).
#define STRATA_SIMD_INTERP_OPS(V)                                                      \
  STRATA_SIMD_UNARY_OPS(V) STRATA_SIMD_BINARY_OPS(V) STRATA_SIMD_SHIFT_OPS(V)          \
  STRATA_SIMD_TERNARY_OPS(V) STRATA_SIMD_EXTRACT_OPS(V) STRATA_SIMD_REPLACE_OPS(V)     \
  STRATA_SIMD_LOAD_OPS(V) STRATA_SIMD_LOAD_LANE_OPS(V) STRATA_SIMD_STORE_LANE_OPS(V)   \
  V(V128Store)

// Every handler label of the interpreter, in IOp order. V(Name, ...) for
// each; the generated families follow the plain ones.
#define STRATA_INTERP_OPS(PLAIN, WASM, IMM, FUSED, ADDRESSED, STORE)             \
  STRATA_INTERP_CONTROL_OPS(PLAIN)                                               \
  /* Simple wasm operators: Load: dst, addr, offset. Store: addr, value,    */   \
  /* offset. Unary: dst, a. Binary: dst, a, b.                              */   \
  STRATA_LOAD_OPS(WASM)                                                          \
  STRATA_STORE_OPS(WASM)                                                         \
  STRATA_UNARY_OPS(WASM)                                                         \
  STRATA_BINARY_OPS(WASM)                                                        \
  /* SIMD operators, operands by class (see interpreter.cpp). */                 \
  STRATA_SIMD_INTERP_OPS(WASM)                                                   \
  /* NameImm: a binary operator whose right operand is a constant:          */   \
  /* dst, a, imm64.                                                         */   \
  STRATA_BINARY_OPS(IMM)                                                         \
  /* A comparison fused with the branch that consumes it:                   */   \
  /* BrIfName / BrUnlessName: a, rel, b. ...Imm: a, rel, imm64.             */   \
  STRATA_COMPARE_OPS(FUSED)                                                      \
  /* A load whose address was just computed by i32.add: NameDisp: dst, a,   */   \
  /* offset, k (address a + k); NameIdx: dst, a, offset, b (address a + b). */   \
  STRATA_LOAD_OPS(ADDRESSED)                                                     \
  /* Stores: NameDisp: a, value, offset, k (address a + k); NameConst:      */   \
  /* addr, offset, imm64 (a constant value).                                */   \
  STRATA_STORE_OPS(STORE)

enum class IOp : uint16_t {
#define STRATA_IOP_PLAIN(Name) Name,
#define STRATA_IOP_WASM(Name, ...) Name,
#define STRATA_IOP_IMM(Name, ...) Name##Imm,
#define STRATA_IOP_FUSED(Name, ...) BrIf##Name, BrIf##Name##Imm, BrUnless##Name, BrUnless##Name##Imm,
#define STRATA_IOP_ADDRESSED(Name, ...) Name##Disp, Name##Idx,
#define STRATA_IOP_STORE(Name, ...) Name##Disp, Name##Const,
  STRATA_INTERP_OPS(STRATA_IOP_PLAIN, STRATA_IOP_WASM, STRATA_IOP_IMM, STRATA_IOP_FUSED, STRATA_IOP_ADDRESSED,
                    STRATA_IOP_STORE)
#undef STRATA_IOP_PLAIN
#undef STRATA_IOP_WASM
#undef STRATA_IOP_IMM
#undef STRATA_IOP_FUSED
#undef STRATA_IOP_ADDRESSED
#undef STRATA_IOP_STORE
  Count
};

// The interpreter instruction for a simple wasm operator.
IOp simpleOpFor(Op op);
// For a binary operator: its form with a constant right operand.
IOp immediateFormOf(IOp op);
// For a comparison: the fused branch forms, in the order BrIf, BrIfImm,
// BrUnless, BrUnlessImm; IOp::Count if `op` is no comparison.
IOp fusedBranchOf(IOp compare, bool branchIfTrue, bool immediate);
// For a load: its form with an i32.add folded into the address.
IOp addressedLoadOf(IOp load, bool immediate);
// For a store: its form with an address displacement, or with a constant
// value.
IOp storeFormOf(IOp store, bool displaced);

// The LoopHeader operand of a loop that is no OSR point (its operand stack
// is not empty at the header).
constexpr uint32_t kNoOsrLoop = UINT32_MAX;

struct InterpCode {
  std::vector<uint8_t> code;
  // Retired by a tier-up, kept for frames still running it: the next older
  // retired code of the same function (see Function::retiredInterpCode).
  InterpCode* retiredNext = nullptr;
  // In slots (a v128 takes two): the parameters, the locals (parameters
  // included) and the frame (locals + the deepest operand stack).
  uint32_t paramSlots = 0;
  uint32_t localSlots = 0;
  uint32_t frameSlots = 0;

  // Exception handlers (try_table, and the legacy try), innermost first:
  // a handler covers the code offsets [begin, end) and tries its catch
  // clauses in order. A clause that matches gets the exception's values
  // written from valueSlot up (and the exnref at refSlot, if it has one)
  // and continues at `landing`. A legacy try ... delegate has no clauses
  // and sends the search on to the handler delegateTo (or to the caller).
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  static constexpr uint32_t kNoDelegate = UINT32_MAX;
  static constexpr uint32_t kDelegateToCaller = UINT32_MAX - 1;
  struct Catch {
    const Tag* tag = nullptr;  // null: any exception
    uint32_t valueSlot = 0;
    uint32_t refSlot = kNoSlot;
    uint32_t landing = 0;
  };
  struct Handler {
    uint32_t begin = 0, end = 0;
    std::vector<Catch> catches;
    uint32_t delegateTo = kNoDelegate;
  };
  std::vector<Handler> handlers;
};

// Handler addresses, indexed by IOp (filled in by the interpreter).
const void* const* interpreterHandlers();

// A listing of translated code, one instruction per line (for debugging and
// for choosing fusions).
std::string dumpInterpCode(const InterpCode& code);

// Translates a wasm function to interpreter code (on its first call).
// Thread-safe; returns the code stored in f->interpCode. Once two instances
// of a module have translated a function, the others copy that
// translation with its pointers into the instance rewritten.
InterpCode* ensureTranslated(Function* f);
// A fresh translation of f for its instance, as ensureTranslated makes
// when it has no translation to copy (for tests: a copy must equal it).
std::unique_ptr<InterpCode> translateFunction(Function* f);

}  // namespace strata
