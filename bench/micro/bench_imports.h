// Imports for microbenchmarks that instantiate real modules (the WASI
// workloads) only to translate or compile them: every function import is a
// host stub that must never be called.
#pragma once

#include <memory>
#include <stdexcept>
#include <vector>

#include "runtime/objects.h"
#include "wasm/module.h"

namespace strata {
namespace bench {

inline void hostStub(void*, Instance*, Slot*) { throw std::runtime_error("stub import called"); }

inline std::vector<Extern> stubImports(const Module& module) {
  std::vector<Extern> imports;
  for (const auto& import : module.imports) {
    if (import.kind != ExternKind::Func) throw std::runtime_error("only function imports are stubbed");
    Extern e;
    e.kind = ExternKind::Func;
    e.func = makeHostFunction(module.types[import.typeIndex], hostStub, nullptr);
    imports.push_back(e);
  }
  return imports;
}

}  // namespace bench
}  // namespace strata
