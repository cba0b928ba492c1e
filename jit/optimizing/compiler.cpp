// The optimizing compiler: a consumer of the shared validating decoder walk
// (wasm/function_decoder.h) that emits x86-64 through asmjit's
// x86::Compiler, whose register allocator maps our virtual registers to
// machine registers. This file: the loop-locals walk and the compile
// driver; the emitter is emitter.h and emit_*.cpp.
#include <asmjit/x86.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <unordered_map>

#include "jit/optimizing/emitter.h"
#include "jit/jit.h"
#include "jit/jit_internal.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "wasm/function_decoder.h"
#include "wasm/numeric.h"

namespace strata::jit {

using namespace asmjit;
using emit::Emitter;


// --- compile driver ------------------------------------------------------------

namespace {

// The first walk: which locals each loop uses (nested loops' uses count for
// the loops around them), for the emitter's loop renames.
class LoopLocals : public NullConsumer {
 public:
  using Decoder = FunctionDecoder<LoopLocals>;
  void setDecoder(Decoder* d) { d_ = d; }
  void onFunctionStart(Control&) { open_.push_back(kNotLoop); }
  void onBlock(Control&) { open_.push_back(kNotLoop); }
  void onIf(Control&) { open_.push_back(kNotLoop); }
  void onLoop(Control&) {
    uint32_t offset = uint32_t(d_->opOffset());
    result[offset];  // a loop that uses no local still gets an entry
    open_.push_back(offset);
    loops_.push_back(offset);
  }
  void onEnd(Control&, bool) {
    uint32_t closed = open_.back();
    open_.pop_back();
    if (closed == kNotLoop) return;
    loops_.pop_back();
    std::vector<uint32_t>& used = result[closed];
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    if (!loops_.empty()) {
      std::vector<uint32_t>& outer = result[loops_.back()];
      outer.insert(outer.end(), used.begin(), used.end());
    }
  }
  void onLocalGet(uint32_t i) { use(i); }
  void onLocalSet(uint32_t i) { use(i); }
  void onLocalTee(uint32_t i) { use(i); }

  std::unordered_map<uint32_t, std::vector<uint32_t>> result;

 private:
  static constexpr uint32_t kNotLoop = UINT32_MAX;
  void use(uint32_t i) {
    if (!loops_.empty()) result[loops_.back()].push_back(i);
  }
  Decoder* d_ = nullptr;
  std::vector<uint32_t> open_;   // per open block: its loop offset or kNotLoop
  std::vector<uint32_t> loops_;  // the open loops
};

}  // namespace

std::unordered_map<uint32_t, std::vector<uint32_t>> Emitter::loopLocalsOf(const Module& module, uint32_t defined) {
  LoopLocals loops;
  FunctionDecoder<LoopLocals> walk(module, defined, loops);
  loops.setDecoder(&walk);
  walk.decode();
  return std::move(loops.result);
}

CompileResult compileOptimized(Function* f, bool annotate, uint32_t osrLoop, const ImportPins* pins) {
  CompileResult result;
  Instance& inst = *f->instance;
  const Module& module = inst.module();
  uint32_t defined = f->index - module.numImportedFuncs;
  const FunctionDecl& decl = module.functions[defined];
  result.wasmBytes = decl.bodyEnd - decl.bodyBegin;

  CodeBuffer buffer;
  CodeHolder& code = buffer.code;
  ErrorRecorder& errors = buffer.errors;
  x86::Compiler cc(&code);
  Emitter emitter(cc, f, annotate, osrLoop);
  emitter.setImportPins(pins);
  bool walked = runWalk(
      [&] {
        // No loop renames in an OSR entry: with the code before its loop
        // unreachable the register allocator already keeps that loop's
        // locals in registers, and measured over the workloads renames there
        // cost more than they give (strparse 12% and lz 6% faster without,
        // matmul 5% slower).
        if (osrLoop == Emitter::kNoLoop && Emitter::wantsLoopRenames(f->type.params.size() + decl.locals.size()))
          emitter.setLoopLocals(Emitter::loopLocalsOf(module, defined));
        // Inline up to as much again as the function itself (at least 2 KB),
        // within the optimizing compiler's size budget.
        size_t own = decl.bodyEnd - decl.bodyBegin;
        size_t limit = options().optimizeMaxBytes;
        emitter.setInlineBudget(own >= limit ? 0 : std::min(std::max<size_t>(own, 2048), limit - own));
        FunctionDecoder<Emitter> decoder(module, defined, emitter);
        emitter.setDecoder(&decoder);
        decoder.decode();
        emitter.finish();
      },
      &result);
  if (!walked) return result;
  if (errors.error == kErrorOk) cc.finalize();
  if (errors.error == kErrorOk) emitter.threadJumpTables(code);
  if (errors.error != kErrorOk && std::getenv("STRATA_JIT_DEBUG")) {
    String sb;
    Formatter::formatNodeList(sb, FormatOptions(), &cc);
    std::fprintf(stderr, "%s\n", sb.data());
  }
  void* entry = nullptr;
  if (!installCode(code, errors, &result, &entry)) return result;
  result.entry = entry;
  if (emitter.hasOobExit) result.oobExit = uintptr_t(entry) + code.labelOffsetFromBase(emitter.oobExit);
  if (osrLoop != Emitter::kNoLoop) result.loopEntries.push_back({osrLoop, entry});
  if (annotate) {
    for (const auto& a : emitter.annotations)
      result.annotations.push_back({uint32_t(code.labelOffsetFromBase(a.label)), a.wasmOffset, a.name});
  }
  return result;
}

}  // namespace strata::jit
