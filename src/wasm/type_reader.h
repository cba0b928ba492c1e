// Value, reference and heap types as the binary encodes them, read the same
// way by the module decoder and the function validator. `numTypes` bounds
// the type indices a concrete heap type may name where it is read.
#pragma once

#include <string>

#include "wasm/binary_reader.h"
#include "wasm/types.h"

namespace strata {

// A heap type: an s33, negative for the abstract ones (their one-byte
// codes), otherwise a type index.
inline uint32_t readHeapType(BinaryReader& r, uint32_t numTypes) {
  size_t at = r.offset();
  int64_t v = r.readS33();
  if (v < 0) {
    uint32_t h = v >= -64 ? heap::fromCode(uint8_t(v & 0x7f)) : 0;
    if (!h) r.failAt(at, "malformed heap type");
    if (heap::isGc(h)) r.failUnsupported("gc", "garbage collection types are not supported yet");
    return h;
  }
  if (uint64_t(v) >= numTypes) r.failAt(at, "unknown type " + std::to_string(v));
  return uint32_t(v);
}

// A reference type: (ref null HT) 0x63, (ref HT) 0x64, or an abbreviation
// (funcref 0x70, externref 0x6f, nullfuncref 0x73, ...).
inline ValType readRefTypeAfter(BinaryReader& r, uint8_t b, uint32_t numTypes, const char* malformed) {
  if (b == 0x63 || b == 0x64) return ValType::ref(readHeapType(r, numTypes), b == 0x63);
  uint32_t h = heap::fromCode(b);
  if (!h) r.failAt(r.offset() - 1, malformed);
  if (heap::isGc(h)) r.failUnsupported("gc", "garbage collection types are not supported yet");
  return ValType::ref(h, /*nullable=*/true);
}

inline ValType readRefType(BinaryReader& r, uint32_t numTypes) {
  return readRefTypeAfter(r, r.readByte(), numTypes, "malformed reference type");
}

inline ValType readValType(BinaryReader& r, uint32_t numTypes) {
  uint8_t b = r.readByte();
  if (b >= 0x7b && b <= 0x7f) return ValType::fromCode(b);
  return readRefTypeAfter(r, b, numTypes, "malformed value type");
}

}  // namespace strata
