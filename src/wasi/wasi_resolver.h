// WASI as an ImportResolver for the linker (runtime/linker.h): for the C
// API, where each module carries its own WASI arguments
// (wasm_runtime_set_wasi_args). `contextFor` returns the context of the
// importing module (built with WasiContext::createFromLists from those
// lists, or from empty ones when they were never set); it must outlive the
// instance. Header-only so src/wasi does not depend on the linker.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "runtime/linker.h"
#include "wasi/wasi.h"

namespace strata {
namespace wasi {

class WasiImportResolver : public ImportResolver {
 public:
  using ContextFor = std::function<WasiContext*(const Module& importer)>;
  explicit WasiImportResolver(ContextFor contextFor) : contextFor_(std::move(contextFor)) {}

  bool providesModule(const std::string& moduleName) const override { return moduleName == kModuleName; }
  bool resolve(const Module& importer, const Import& import, Extern* out, std::string* error) override {
    WasiContext* ctx = contextFor_ ? contextFor_(importer) : nullptr;
    if (!ctx) {
      *error = "no WASI context for this module (wasm_runtime_set_wasi_args)";
      return false;
    }
    return resolveWasiImport(*ctx, importer, import, out, error);
  }

 private:
  ContextFor contextFor_;
};

}  // namespace wasi
}  // namespace strata
