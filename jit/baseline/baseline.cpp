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
  CompileResult result;
  const Module& module = f->instance->module();
  uint32_t defined = f->index - module.numImportedFuncs;
  const FunctionDecl& decl = module.functions[defined];
  result.wasmBytes = decl.bodyEnd - decl.bodyBegin;

  CodeHolder code;
  code.init(codeEnvironment());
  ErrorRecorder errors;
  code.setErrorHandler(&errors);
  x86::Assembler a(&code);
  BaselineCompiler compiler(a, f, options);
  try {
    FunctionDecoder<BaselineCompiler> decoder(module, defined, compiler);
    compiler.setDecoder(&decoder);
    decoder.decode();
    compiler.finish();
  } catch (const Unsupported& u) {
    result.error = "unsupported: " + u.what;
    return result;
  } catch (const DecodeError& e) {
    result.error = "decode error: " + e.message;
    return result;
  }
  if (errors.error != kErrorOk) {
    result.error = std::string("asmjit: ") + errors.message;
    return result;
  }
  void* base = nullptr;
  Error err = addCode(&base, &code);
  if (err != kErrorOk) {
    result.error = std::string("asmjit: ") + DebugUtils::errorAsString(err);
    return result;
  }
  auto at = [&](const Label& l) { return static_cast<uint8_t*>(base) + code.labelOffsetFromBase(l); };
  result.entry = at(compiler.entryLabel);
  result.codeSize = code.codeSize();
  if (compiler.hasOobExit) result.oobExit = uintptr_t(at(compiler.oobExit));
  for (const auto& e : compiler.loopEntries) result.loopEntries.push_back({e.loopOffset, at(e.entry)});
  for (const auto& n : compiler.annotations) result.annotations.push_back({n.codeOffset, n.wasmOffset, n.name});
  return result;
}

}  // namespace strata::jit
