// Bounds-checked reading of the wasm binary encoding (LEB128 integers,
// IEEE floats, names). Every failure throws DecodeError with the absolute
// byte offset, so the decoder never reads past its input.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "wasm/module.h"

namespace strata {

class BinaryReader {
 public:
  // `base` is the absolute offset of `begin` within the whole module, so
  // errors inside a sub-reader still report module offsets.
  BinaryReader(const uint8_t* begin, const uint8_t* end, size_t base = 0)
      : begin_(begin), pos_(begin), end_(end), base_(base) {}

  [[noreturn]] void fail(const std::string& message) const { failAt(offset(), message); }
  // A module using a proposal Strata does not implement (DecodeError::
  // unsupportedFeature).
  [[noreturn]] void failUnsupported(const char* feature, const std::string& message) const {
    throw DecodeError{offset(), message, feature};
  }
  [[noreturn]] void failAt(size_t off, const std::string& message) const {
    throw DecodeError{off, message};
  }

  size_t offset() const { return base_ + static_cast<size_t>(pos_ - begin_); }
  const uint8_t* pos() const { return pos_; }
  const uint8_t* end() const { return end_; }
  bool atEnd() const { return pos_ >= end_; }
  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }

  uint8_t readByte() {
    if (pos_ >= end_) fail("unexpected end");
    return *pos_++;
  }
  uint8_t peekByte() const {
    if (pos_ >= end_) fail("unexpected end");
    return *pos_;
  }

  const uint8_t* readBytes(size_t n) {
    if (n > remaining()) fail("unexpected end");
    const uint8_t* p = pos_;
    pos_ += n;
    return p;
  }

  // Inlined where it is read: most indices and immediates fit in one
  // byte, and that path is two compares; longer ones take the loop.
  [[gnu::always_inline]] uint32_t readU32() {
    if (pos_ < end_ && !(*pos_ & 0x80)) return *pos_++;
    return readU32Long();
  }
  uint64_t readU64() { return readUnsignedLeb(64); }
  int32_t readS32() { return static_cast<int32_t>(readSignedLeb(32)); }
  int64_t readS64() { return readSignedLeb(64); }
  // Block types are a signed 33-bit LEB (a type index or a negative code).
  int64_t readS33() { return readSignedLeb(33); }

  uint32_t readFixedU32() {
    uint32_t v;
    std::memcpy(&v, readBytes(4), 4);
    return v;
  }
  uint64_t readFixedU64() {
    uint64_t v;
    std::memcpy(&v, readBytes(8), 8);
    return v;
  }

  // A vector length whose elements take at least `minElemSize` bytes each:
  // rejecting impossible counts early keeps hostile input from making us
  // reserve gigabytes.
  uint32_t readCount(size_t minElemSize = 1) {
    uint32_t n = readU32();
    if (minElemSize && n > remaining() / minElemSize) fail("length out of bounds");
    return n;
  }

  std::string readName();

 private:
  uint64_t readUnsignedLeb(unsigned bits);
  [[gnu::noinline]] uint32_t readU32Long() { return static_cast<uint32_t>(readUnsignedLeb(32)); }
  int64_t readSignedLeb(unsigned bits);

  const uint8_t* begin_;
  const uint8_t* pos_;
  const uint8_t* end_;
  size_t base_;
};

inline uint64_t BinaryReader::readUnsignedLeb(unsigned bits) {
  uint64_t result = 0;
  unsigned shift = 0;
  const unsigned maxBytes = (bits + 6) / 7;
  for (unsigned i = 0;; ++i) {
    if (pos_ >= end_) fail("unexpected end");
    uint8_t byte = *pos_++;
    if (i == maxBytes - 1) {
      // The last byte may only use the bits that remain.
      unsigned used = bits - shift;
      if (byte & 0x80) fail("integer representation too long");
      if (used < 7 && (byte >> used) != 0) fail("integer too large");
      return result | (uint64_t(byte) << shift);
    }
    result |= uint64_t(byte & 0x7f) << shift;
    shift += 7;
    if (!(byte & 0x80)) return result;
  }
}

inline int64_t BinaryReader::readSignedLeb(unsigned bits) {
  uint64_t result = 0;
  unsigned shift = 0;
  const unsigned maxBytes = (bits + 6) / 7;
  for (unsigned i = 0;; ++i) {
    if (pos_ >= end_) fail("unexpected end");
    uint8_t byte = *pos_++;
    if (i == maxBytes - 1) {
      if (byte & 0x80) fail("integer representation too long");
      // Unused bits of the last byte must all equal the sign bit.
      unsigned used = bits - shift;  // value bits in this byte (1..7)
      if (used < 7) {
        int8_t signExtended = static_cast<int8_t>(byte << 1) >> 1;  // 7-bit value
        int8_t high = signExtended >> (used - 1);
        if (high != 0 && high != -1) fail("integer too large");
      }
      result |= uint64_t(byte & 0x7f) << shift;
      shift += 7;
      if (shift < 64 && (byte & 0x40)) result |= ~uint64_t(0) << shift;
      return static_cast<int64_t>(result);
    }
    result |= uint64_t(byte & 0x7f) << shift;
    shift += 7;
    if (!(byte & 0x80)) {
      if (shift < 64 && (byte & 0x40)) result |= ~uint64_t(0) << shift;
      return static_cast<int64_t>(result);
    }
  }
}

}  // namespace strata
