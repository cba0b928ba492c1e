// Wasm values as command-line text, the way iwasm reads arguments and
// prints results (`strata run --invoke`, wasm_application_execute_func).
#pragma once

#include <string>

#include "runtime/objects.h"

namespace strata {

// Parses `text` as a value of `type` into out[0] (out[0..1] for a v128).
// Integers: decimal or 0x hex, signed or unsigned range; floats: what
// strtod takes (hex floats, inf, nan), no overflow to infinity; references:
// only "null"; v128: WAMR's "LOW\HIGH", two 64-bit integers.
bool parseValueText(const std::string& text, ValType type, Slot* out);

// The value at slots[0] (slots[0..1] for a v128) as iwasm prints it:
// "0x2a:i32", "1.500000:f64", "ref.null", "<0x0706050403020100 0x...>:v128".
std::string formatValueText(ValType type, const Slot* slots);

// A trap's trace (Trap::trace), one line per frame, innermost first, as
// WAMR dumps a call stack: "#00: 0x00b2 - fib" (the offset of the
// function's code in its module; the module's name follows when it has
// one), and a last line for frames beyond the ones kept. Empty when the
// trap went through no wasm function.
std::string formatTrace(const Trap& trap);

}  // namespace strata
