// Fuzz target: compile every function of a module with each compiling
// tier, without running anything.
//
// Three configurations, each on a fresh instance (a function keeps the code
// a tier made for it), as `strata run --tier=...` sets them up:
//   baseline     the baseline compiler alone (no hotness counters)
//   tiered       the baseline compiler as tiering uses it: countdowns at
//                calls and loops, and an OSR entry at every loop header
//   optimizing   the optimizing compiler alone
// The start function is dropped (as jit_difftest --compile-only does), so
// no guest code runs; imports are stubs (fuzz_common.h).
//
// jit.h's compile() may refuse a function only for the reasons tiering.cpp
// documents (legacy exception instructions; exceptions in the optimizing
// compiler; memories other than memory 0; memory64/table64; the optimizing
// compiler's size budget). README: all of WebAssembly 2.0 and 3.0 but GC
// runs in every tier, so a valid module whose function is refused for any
// other reason (an internal "no free register", an asmjit error) is a bug,
// reported as a crash. STRATA_FUZZ_VERBOSE=1 prints the compiler's reason.
#include <cstdio>
#include <cstdlib>

#include "fuzz_common.h"

namespace strata {
namespace {

// Whether `tier` must compile `decl` (jit/tiering.cpp's compileTier).
bool mustCompile(const FunctionDecl& decl, jit::Tier tier) {
  if (decl.usesLegacyExceptions || decl.usesOtherMemories || decl.usesIndex64) return false;
  if (tier == jit::Tier::Optimized) {
    if (decl.usesExceptions) return false;
    if (decl.bodyEnd - decl.bodyBegin > jit::options().optimizeMaxBytes) return false;
  }
  return true;
}

void compileAll(const std::shared_ptr<Module>& module, jit::Mode mode, jit::Tier tier) {
  fuzz::configure(mode);
  fuzz::Stubs stubs;
  std::vector<Extern> imports;
  if (!stubs.makeAll(*module, &imports)) return;
  fuzz::FailedInstances failed;
  ExecEnv env;
  std::shared_ptr<Instance> instance;
  try {
    instance = Instance::instantiate(module, std::move(imports), env, failed.hooks());
  } catch (const LinkError&) {
    return;
  } catch (const Trap&) {  // a segment out of bounds: nothing to compile
    return;
  }
  for (uint32_t i = module->numImportedFuncs; i < module->funcTypes.size(); ++i) {
    if (jit::compile(instance->function(i), tier)) continue;
    const FunctionDecl& decl = module->functions[i - module->numImportedFuncs];
    if (!mustCompile(decl, tier)) continue;
    std::fprintf(stderr, "the %s compiler (mode %s) cannot compile %s (rerun with STRATA_FUZZ_VERBOSE=1 for why)\n",
                 jit::tierName(tier), jit::modeName(mode), module->functionName(i).c_str());
    std::abort();
  }
}

}  // namespace
}  // namespace strata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  std::shared_ptr<Module> module = fuzz::boundedModule(data, size);
  if (!module) return 0;
  module->hasStart = false;
  compileAll(module, jit::Mode::Baseline, jit::Tier::Baseline);
  compileAll(module, jit::Mode::Tiered, jit::Tier::Baseline);
  compileAll(module, jit::Mode::Optimizing, jit::Tier::Optimized);
  return 0;
}
