// The `strata spectest` runner: executes one command script produced by
// wabt's wast2json from an official spec test (.wast) and reports every
// failing command, then a one-line summary.
//
// Also home of two small helpers the CLI subcommands share: reading a file
// into memory and describing a wasm value for diagnostics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/objects.h"
#include "wasm/types.h"

namespace strata {
namespace cli {

struct SpecTestOptions {
  std::string jsonPath;
  // Also report commands that passed with a different message than the
  // script expects (trap texts, decode errors).
  bool verbose = false;
  // Load and instantiate every module through the multi-module linker
  // (runtime/linker.h: ModuleRegistry, InstanceGroup with the registered
  // instances shared) instead of linking each instance directly.
  bool linker = false;
  // A file of commands that a later version of WebAssembly made wrong
  // (lines "SCRIPT.wast:LINE reason"): the Wasm 2.0 suite checks a few
  // rules Wasm 3.0 relaxed. Those commands count as skipped.
  std::string supersededPath;
};

// Runs the script. Prints one line per failure and, last, exactly
// "N passed, N failed, N skipped". Returns the process exit status: 0 iff
// nothing failed (a script that cannot be read or parsed counts as failed).
int runSpecTestScript(const SpecTestOptions& options);

// Reads a whole file. On failure returns false and sets `error` to a short
// reason ("No such file or directory").
bool readFileBytes(const std::string& path, std::vector<uint8_t>* out, std::string* error);

// "i32:42", "f32:1.5", "f64:nan:0x8000000000001", "externref:null",
// "funcref:<non-null>": the form used by the spectest host functions and in
// failure reports. i32/i64 print as unsigned decimal, like wast2json's JSON,
// so a reported value can be searched for in the script.
std::string describeValue(ValType type, Slot value);
// The same with a v128's upper half (ignored for other types).
std::string describeValue(ValType type, Slot value, Slot high);

}  // namespace cli
}  // namespace strata
