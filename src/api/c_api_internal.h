// Seams of the C API (include/wasm_export.h) for other parts of Strata.
#pragma once

#include <cstring>
#include <functional>
#include <memory>

#include "runtime/linker.h"

struct WASMModuleInstanceCommon;

namespace strata {
namespace capi {

// Host modules other than registered natives (WASI: src/wasi/). Every
// runtime initialised after this call gets a resolver from `factory`; it is
// asked after the registered natives and before loaded modules. Call it
// before wasm_runtime_init (e.g. from a static initialiser of the WASI
// library, or from the embedder's main).
void addResolverFactory(std::function<std::unique_ptr<ImportResolver>()> factory);

// The int an embedder stored in an enum-typed field or argument. A C caller
// may pass any int; reading an out-of-range value as the C++ enum is
// undefined behaviour, so the API checks the int before it uses the enum.
template <typename Enum>
int enumValue(const Enum& value) {
  static_assert(sizeof(Enum) == sizeof(int), "the C API's enums are int-sized");
  int raw;
  std::memcpy(&raw, &value, sizeof raw);
  return raw;
}

// The running runtime's registry (null when not initialised). For tests and
// for the CLI.
ModuleRegistry* currentRegistry();

// A message to stderr, if `level` (log_level_t) is within the level set by
// wasm_runtime_set_log_level (printf format).
void logMessage(int level, const char* format, ...) __attribute__((format(printf, 2, 3)));

// Calls the destructors of the contexts set on an instance handle
// (wasm_runtime_set_context) and forgets them.
void runContextDestructors(WASMModuleInstanceCommon* inst);

}  // namespace capi
}  // namespace strata
