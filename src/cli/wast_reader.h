// Reader of spec test scripts in the reference interpreter's S-expression
// syntax whose modules are all binary (`(module definition binary "...")`,
// as the Wasm 3.0 suite in ../shared/wasm-spec-3.0 is written; see its
// README). A text-format module cannot be loaded by a binary-only runtime,
// so `(module quote ...)` and text modules are kept as commands the runner
// skips.
//
// The script becomes the command list of wabt's wast2json (docs/wast2json.md)
// so one runner executes both forms: numbers are written as the decimal
// string of their bit pattern, module files are replaced by in-memory
// bytes. What wast2json has no form for is added with these fields:
//   "module_bytes": N          index into WastScript::modules (instead of
//                              "filename")
//   {"type": "module_definition", "name"?, "module_bytes"}
//   {"type": "module_instance", "name"? (instance), "module"? (definition)}
//   "instance": {...}          assert_unlinkable / assert_uninstantiable /
//                              assert_trap of `(module instance ...)`
//   {"type": "assert_exception", "action"}
//   expected {"type": "either", "values": [...]}
//   reference values: {"type": "REFTYPE", "value": "null" | "N"} with the
//   heap type's reference type name (funcref, externref, exnref, anyref,
//   eqref, i31ref, structref, arrayref, nullref, nullfuncref,
//   nullexternref, nullexnref, hostref), or without "value": any non-null
//   reference of that kind; {"type": "refnull"} is any null reference.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace strata {
namespace cli {

struct WastScript {
  nlohmann::json commands = nlohmann::json::array();
  std::vector<std::vector<uint8_t>> modules;
};

// A syntax error in the script; what() is "LINE:COLUMN: message".
struct WastSyntaxError : std::runtime_error {
  WastSyntaxError(int line, int column, const std::string& message)
      : std::runtime_error(std::to_string(line) + ":" + std::to_string(column) + ": " + message),
        line(line),
        column(column),
        message(message) {}
  int line, column;
  std::string message;
};

// Parses the whole script. Throws WastSyntaxError.
WastScript readWastScript(const std::string& text);

}  // namespace cli
}  // namespace strata
