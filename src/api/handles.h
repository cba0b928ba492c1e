// The C API's module handle (wasm_module_t), shared by the files of
// src/api/ that need to look into a loaded module.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/linker.h"

// What wasm_runtime_set_wasi_args(_ex) gave for a module; the WASI context
// is built from it at each instantiation.
struct WasiArgs {
  std::vector<std::string> dirs, mapDirs, env, argv;
  int64_t stdinFd = -1, stdoutFd = -1, stderrFd = -1;  // -1: the process's own
  std::string error;                                   // a bad argument, reported at instantiation
};

struct WASMModuleCommon {
  strata::ModuleNode* node = nullptr;
  uint8_t* copy = nullptr;  // wasm_runtime_load's copy of the binary (allocator memory)
  uint32_t size = 0;
  std::unique_ptr<WasiArgs> wasiArgs;  // null: never set
  std::string name;                    // wasm_runtime_set_module_name's, "" until set
};
