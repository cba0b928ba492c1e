// A human-readable listing of a function body, for debugging the decoder,
// the interpreter's translator and (later) the JIT.
#pragma once

#include <cstdint>
#include <string>

#include "wasm/module.h"

namespace strata {

// Lists defined function `definedIndex` (0 = the first non-imported
// function): a header line with its name and signature, its locals, then
// one instruction per line with its byte offset in the module, indented by
// block nesting:
//
//   func[1] add (i32 i32) -> (i32)
//     0x0025: local.get 0
//     0x0027: local.get 1
//     0x0029: i32.add
//     0x002a: end
//
// Never throws and never reads outside the module: malformed bytes end the
// listing with a line saying what is wrong.
std::string disassembleFunction(const Module& m, uint32_t definedIndex);

}  // namespace strata
