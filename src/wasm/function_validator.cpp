// Load-time validation of function bodies: the shared decoder walk with a
// consumer that generates nothing.
#include "wasm/function_decoder.h"

namespace strata {

// Validates the body and records what the tiers need to know of it
// (FunctionDecl::usesV128, usesTailCalls).
void validateFunctionBody(const Module& module, uint32_t definedIndex, FunctionDecl* decl) {
  NullConsumer consumer;
  FunctionDecoder<NullConsumer> decoder(module, definedIndex, consumer);
  decoder.decode();
  decl->usesV128 = decoder.usesV128();
  decl->usesTailCalls = decoder.usesTailCalls();
  decl->usesOtherMemories = decoder.usesOtherMemories();
  decl->usesIndex64 = decoder.usesIndex64();
  decl->usesExceptions = decoder.usesExceptions();
  decl->legacyCatches = decoder.legacyCatches();
  decl->usesLegacyExceptions = decoder.usesLegacyExceptions();
}

}  // namespace strata
