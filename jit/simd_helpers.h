// The JIT tiers' out-of-line SIMD operators: one function per operator,
// generated from opcodes.def's expressions (wasm/simd.h) like the
// interpreter's handlers, so an operator a compiler does not inline
// computes exactly what the interpreter computes.
//
// Every helper reads its operands from memory (frame slots, or for memory
// operators the bounds-checked host address) and writes its result to
// memory; a result may overlap an operand (all operands are read first).
#pragma once

#include <cstdint>

#include "wasm/opcodes.h"

namespace strata::jit {

//   out: the result (a v128 or a scalar slot; for lane stores the memory
//        address written)
//   a, b, c: the operands in order (for loads, a is the memory address;
//        for lane loads, a is the address and b the vector; for
//        i8x16.shuffle, c points at the 16 lane indices)
//   imm: the lane immediate of lane operators
using SimdHelper = void (*)(void* out, const void* a, const void* b, const void* c, uint64_t imm);

// The helper of a SIMD operator; null for v128.const, which every
// compiler emits itself.
SimdHelper simdHelper(Op op);

}  // namespace strata::jit
