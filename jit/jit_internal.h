// Internals shared by the JIT's compiler (compiler.cpp) and runtime
// (runtime.cpp): the helpers compiled code calls and the compile result.
#pragma once

#include <asmjit/core.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "jit/jit.h"

namespace strata {

class Instance;
class Memory;
class Table;

namespace jit {

// Stores the exception being handled and marks ctx as trapped.
void setPendingFromCurrent(JitContext* ctx);

// Runtime helpers called from compiled code. All arguments and results are
// 64-bit; the ones that can trap set ctx->status (and never throw).
uint64_t jitResolveIndirect(JitContext* ctx, Table* table, uint64_t index, uint64_t sigId);
uint64_t jitTableGet(JitContext* ctx, Table* table, uint64_t index);
uint64_t jitTableSet(JitContext* ctx, Table* table, uint64_t index, uint64_t value);
uint64_t jitTableSize(Table* table);
uint64_t jitTableGrow(Table* table, uint64_t init, uint64_t n);
uint64_t jitTableFill(JitContext* ctx, Table* table, uint64_t index, uint64_t value, uint64_t n);
uint64_t jitTableCopy(JitContext* ctx, Table* dst, Table* src, uint64_t d, uint64_t s, uint64_t n);
uint64_t jitTableInit(JitContext* ctx, Instance* inst, Table* table, uint64_t seg, uint64_t d, uint64_t s, uint64_t n);
uint64_t jitElemDrop(Instance* inst, uint64_t seg);
uint64_t jitMemorySize(Memory* mem);
uint64_t jitMemoryGrow(Memory* mem, uint64_t delta);
uint64_t jitMemoryInit(JitContext* ctx, Instance* inst, uint64_t seg, uint64_t d, uint64_t s, uint64_t n);
uint64_t jitDataDrop(Instance* inst, uint64_t seg);
uint64_t jitMemoryCopy(JitContext* ctx, Memory* mem, uint64_t d, uint64_t s, uint64_t n);
uint64_t jitMemoryFill(JitContext* ctx, Memory* mem, uint64_t d, uint64_t value, uint64_t n);
uint64_t jitRefreshMemory(JitContext* ctx, Memory* mem);

struct CodeAnnotation {
  uint32_t codeOffset;
  uint32_t wasmOffset;
  const char* name;
};

struct CompileResult {
  void* entry = nullptr;  // null on failure
  std::string error;
  size_t codeSize = 0;
  size_t wasmBytes = 0;
  uintptr_t oobExit = 0;  // where a guard-region fault in this code goes
  std::vector<CodeAnnotation> annotations;
};

// Compiles one function into `rt`. Not thread-safe per runtime: callers
// lock. With `osrLoop` (a `loop` instruction's module offset, or UINT32_MAX
// for none) the code is an OSR entry: it loads every local from fp[0..)
// and starts at that loop's header.
CompileResult compileFunction(Function* f, asmjit::JitRuntime& rt, bool annotate, uint32_t osrLoop);

// Disassembles (Zydis) with wasm annotations to `out`.
void dumpCode(std::FILE* out, const std::string& name, const CompileResult& r);

}  // namespace jit
}  // namespace strata
