// WAMR's built-in libc ("libc-builtin"): the C library functions a module
// built without wasi-libc imports from "env" (printf, puts, memcpy, strlen,
// malloc, ...), implemented on the host over the guest's memory 0, so that
// modules built for WAMR that way load and run. The C API and the CLI ask
// it for the "env" imports nothing else provides.
//
// Everything the guest passes is checked against its memory (a bad pointer
// or an unterminated string traps "out of bounds memory access"); printf's
// arguments are read from the guest's va_list as clang lays it out for
// wasm32 (each argument at the next multiple of its size: 4 bytes, 8 for
// long long and double).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/objects.h"

namespace strata::libc {

// Where malloc and friends allocate: the embedder's heap in the guest's
// memory (the C API's app heap). Offsets are guest addresses; 0 is failure.
// Without a heap (alloc null) malloc traps with a message saying so.
struct Heap {
  uint32_t (*alloc)(Instance* inst, uint32_t size) = nullptr;
  void (*release)(Instance* inst, uint32_t offset) = nullptr;
  // The usable size of a block (realloc copies that much), 0 if unknown.
  uint32_t (*size)(Instance* inst, uint32_t offset) = nullptr;
};

// The built-in function `name` as a host function of the type C gives it on
// wasm32, or null if the built-in libc has no such function. `heap` must
// outlive the function.
std::shared_ptr<Function> builtinFunction(const std::string& name, const Heap* heap);

}  // namespace strata::libc
