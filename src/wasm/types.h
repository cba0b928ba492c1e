// Core WebAssembly types shared by the decoder, the runtime and both tiers.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace strata {

// Value types, numbered by their binary encoding so the decoder can cast.
enum class ValType : uint8_t {
  I32 = 0x7f,
  I64 = 0x7e,
  F32 = 0x7d,
  F64 = 0x7c,
  V128 = 0x7b,
  FuncRef = 0x70,
  ExternRef = 0x6f,
  // Not a wasm type: the validator's "unknown" operand of unreachable code.
  Bottom = 0x00,
};

// The binary codes of garbage collection's abstract heap types used as
// reference value types (anyref, eqref, i31ref, structref, arrayref,
// nullref): Strata does not implement GC yet, and its decoders refuse
// modules that use them with DecodeError::unsupportedFeature "gc".
inline bool isGcValueTypeCode(uint8_t b) { return (b >= 0x6a && b <= 0x6e) || b == 0x71; }

inline bool isNumType(ValType t) {
  return t == ValType::I32 || t == ValType::I64 || t == ValType::F32 || t == ValType::F64;
}
inline bool isRefType(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef; }
const char* valTypeName(ValType t);

// Frame layout, the same in every tier: each value takes one 8-byte slot,
// a v128 two, so a value's slot is the sum of the widths before it (locals
// in order, then the operand stack; a callee's frame starts at its first
// argument, its results return from slot 0 up).
inline uint32_t slotWidth(ValType t) { return t == ValType::V128 ? 2 : 1; }
inline uint32_t slotCount(const std::vector<ValType>& types) {
  uint32_t n = 0;
  for (ValType t : types) n += slotWidth(t);
  return n;
}
// The slot of each value of `types` (prefix sums of the widths).
inline std::vector<uint32_t> slotOffsets(const std::vector<ValType>& types) {
  std::vector<uint32_t> offsets;
  offsets.reserve(types.size());
  uint32_t n = 0;
  for (ValType t : types) {
    offsets.push_back(n);
    n += slotWidth(t);
  }
  return offsets;
}

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType& o) const { return params == o.params && results == o.results; }
  bool operator!=(const FuncType& o) const { return !(*this == o); }
  uint32_t paramSlots() const { return slotCount(params); }
  uint32_t resultSlots() const { return slotCount(results); }
  // Slots a call of this type needs at the callee's frame: its arguments,
  // then its results, in the same place.
  uint32_t callSlots() const { return std::max(paramSlots(), resultSlots()); }
  // "(i32 i64) -> (f32)", used in link errors.
  std::string toString() const;
};

struct Limits {
  uint64_t min = 0;
  uint64_t max = 0;
  bool hasMax = false;
};

// Memories and tables are indexed by i32, or by i64 (memory64/table64:
// limits flag 0x04).
struct TableType {
  ValType elem = ValType::FuncRef;
  Limits limits;
  bool is64 = false;
  ValType indexType() const { return is64 ? ValType::I64 : ValType::I32; }
};

struct MemoryType {
  Limits limits;  // in 64 KiB pages
  bool is64 = false;
  ValType indexType() const { return is64 ? ValType::I64 : ValType::I32; }
};

struct GlobalType {
  ValType type = ValType::I32;
  bool mutable_ = false;
};

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3 };
const char* externKindName(ExternKind k);

// Implementation limits, enforced with a clear error at decode time. They
// follow the values browsers agreed on (V8's wasm-limits.h), which the spec
// tests also assume.
namespace limits {
constexpr uint32_t kMaxTypes = 1000000;
constexpr uint32_t kMaxFunctions = 1000000;
constexpr uint32_t kMaxImports = 100000;
constexpr uint32_t kMaxExports = 100000;
constexpr uint32_t kMaxGlobals = 1000000;
constexpr uint32_t kMaxDataSegments = 100000;
constexpr uint32_t kMaxElemSegments = 10000000;
constexpr uint32_t kMaxTableInitEntries = 10000000;
constexpr uint32_t kMaxParams = 1000;
constexpr uint32_t kMaxResults = 1000;
constexpr uint32_t kMaxLocals = 50000;
constexpr uint32_t kMaxFunctionSize = 7654321;
constexpr uint32_t kMaxBrTableSize = 65520;
constexpr uint32_t kMaxNesting = 10000;
constexpr uint32_t kMaxTables = 100000;
// Multi-memory: each memory reserves its own address range (guard
// regions), so the count is bounded as in V8.
constexpr uint32_t kMaxMemories = 100;
constexpr uint64_t kMaxTableSize = 10000000;
constexpr uint64_t kMaxMemoryPages = 65536;  // 4 GiB, the wasm32 limit
// A memory64's declared limits may go up to 2^48 pages; Strata's memories
// still grow to kMaxMemoryPages at most (memory.grow beyond fails with -1).
constexpr uint64_t kMaxMemory64Pages = uint64_t(1) << 48;
constexpr uint64_t kPageSize = 65536;
}  // namespace limits

}  // namespace strata
