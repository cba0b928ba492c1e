// Load-time validation of function bodies: the shared decoder walk with a
// consumer that generates nothing.
#include "wasm/function_decoder.h"

namespace strata {

// Returns whether the function uses v128 values (FunctionDecl::usesV128).
bool validateFunctionBody(const Module& module, uint32_t definedIndex) {
  NullConsumer consumer;
  FunctionDecoder<NullConsumer> decoder(module, definedIndex, consumer);
  decoder.decode();
  return decoder.usesV128();
}

}  // namespace strata
