// The baseline compiler's driver: one walk of the validating decoder with
// the compiler as its consumer, then the code goes to the JIT runtime (see
// baseline_compiler.h).
#include "jit/baseline/baseline_compiler.h"

namespace strata::jit {

CompileResult compileBaseline(Function* f, bool annotate, bool count, bool loopEntries) {
  using namespace asmjit;
  using baseline::BaselineCompiler;
  baseline::Options options;
  options.annotate = annotate;
  options.count = count;
  options.loopEntries = loopEntries;
  options.interruptibleLoops = jit::options().interruptibleLoops;
  options.meterFuel = jit::options().meterFuel;
  CompileResult result;
  const Module& module = f->instance->module();
  uint32_t defined = f->index - module.numImportedFuncs;
  const FunctionDecl& decl = module.functions[defined];
  result.wasmBytes = decl.bodyEnd - decl.bodyBegin;

  CodeBuffer buffer(/*labels=*/0);  // its own labels (FastAssembler), asmjit's only for constants
  CodeHolder& code = buffer.code;
  baseline::FastAssembler a(&code);
  BaselineCompiler compiler(a, f, options);
  bool walked = runWalk(
      [&] {
        FunctionDecoder<BaselineCompiler> decoder(module, defined, compiler);
        compiler.setDecoder(&decoder);
        decoder.decode();
        compiler.finish();
      },
      &result);
  if (walked && a.unboundJumps()) {
    result.error = "a jump to a label that was never bound";
    return result;
  }
  void* base = nullptr;
  if (!walked || !installCode(code, buffer.errors, &result, &base)) return result;
  auto at = [&](baseline::LocalLabel l) { return static_cast<uint8_t*>(base) + a.labelOffset(l); };
  result.entry = at(compiler.entryLabel);
  if (compiler.hasOobExit) result.oobExit = uintptr_t(at(compiler.oobExit));
  for (const auto& e : compiler.loopEntries) result.loopEntries.push_back({e.loopOffset, at(e.entry)});
  for (const auto& n : compiler.annotations) result.annotations.push_back({n.codeOffset, n.wasmOffset, n.name});
  return result;
}

}  // namespace strata::jit
