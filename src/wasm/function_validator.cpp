// Load-time validation of function bodies: the shared decoder walk with a
// consumer that generates nothing.
#include "wasm/function_decoder.h"

namespace strata {

void validateFunctionBody(const Module& module, uint32_t definedIndex) {
  NullConsumer consumer;
  FunctionDecoder<NullConsumer> decoder(module, definedIndex, consumer);
  decoder.decode();
}

}  // namespace strata
