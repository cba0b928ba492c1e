// Core WebAssembly types shared by the decoder, the runtime and both tiers.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace strata {

// Heap types, the referent of a reference type: an abstract heap type
// (func, extern, exn and their bottoms nofunc, noextern, noexn; GC's any,
// eq, i31, struct, array, none are named but refused by the decoders) or a
// concrete function type. A concrete heap type is a type index of the
// module that uses it, or, in runtime objects that outlive a module's
// index space (tables, globals, import matching), a canonical type id
// (canonicalTypeId below): two types are equivalent exactly when their
// canonical ids are equal.
namespace heap {
constexpr uint32_t kAbstract = 0x80000000u;     // | the heap type's binary code
constexpr uint32_t kCanonical = 0x40000000u;    // | a canonical type id
constexpr uint32_t kRecRelative = 0x20000000u;  // | an index inside its rec group (canonical keys only)
constexpr uint32_t kIndexMask = 0x1fffffffu;
constexpr uint32_t Func = kAbstract | 0x70;
constexpr uint32_t Extern = kAbstract | 0x6f;
constexpr uint32_t Any = kAbstract | 0x6e;
constexpr uint32_t Eq = kAbstract | 0x6d;
constexpr uint32_t I31 = kAbstract | 0x6c;
constexpr uint32_t Struct = kAbstract | 0x6b;
constexpr uint32_t Array = kAbstract | 0x6a;
constexpr uint32_t Exn = kAbstract | 0x69;
constexpr uint32_t None = kAbstract | 0x71;
constexpr uint32_t NoExtern = kAbstract | 0x72;
constexpr uint32_t NoFunc = kAbstract | 0x73;
constexpr uint32_t NoExn = kAbstract | 0x74;
inline bool isAbstract(uint32_t h) { return (h & kAbstract) != 0; }
inline bool isConcrete(uint32_t h) { return !isAbstract(h); }
// GC's abstract heap types, which the decoders refuse ("gc" unsupported).
inline bool isGc(uint32_t h) { return h == Any || h == Eq || h == I31 || h == Struct || h == Array || h == None; }
// The abstract heap type of a one-byte code, or 0 if the byte is none.
inline uint32_t fromCode(uint8_t b) {
  return b >= 0x69 && b <= 0x74 ? kAbstract | b : 0;
}
}  // namespace heap

// What a value of a type holds, which decides its representation: a
// number, a vector, or a reference of one of the hierarchies (function
// references are Function pointers, extern references host handles, exnref
// exceptions; 0 is null in all of them).
enum class ValKind : uint8_t { Bottom, I32, I64, F32, F64, V128, FuncRef, ExternRef, ExnRef, AnyRef };

// The reference hierarchy a heap type belongs to.
inline ValKind refKindOf(uint32_t h) {
  if (heap::isConcrete(h) || h == heap::Func || h == heap::NoFunc) return ValKind::FuncRef;
  if (h == heap::Extern || h == heap::NoExtern) return ValKind::ExternRef;
  if (h == heap::Exn || h == heap::NoExn) return ValKind::ExnRef;
  return ValKind::AnyRef;
}

// A value type: a number or vector type, or a reference type (nullable or
// not, to a heap type). `Bottom` is not a wasm type: the validator's
// "unknown" operand of unreachable code, a subtype of every type.
class ValType {
 public:
  constexpr ValType() = default;
  static ValType ref(uint32_t heapType, bool nullable) { return ValType(refKindOf(heapType), nullable, heapType); }
  // The number, vector and abbreviated reference types by binary code
  // (0x7f i32 ... 0x7b v128, 0x70 funcref, 0x6f externref, 0x69 exnref,
  // ...); Bottom for any other byte.
  static ValType fromCode(uint8_t code);

  static const ValType I32, I64, F32, F64, V128, FuncRef, ExternRef, ExnRef, Bottom;

  constexpr ValKind kind() const { return ValKind(bits_ & 0xff); }
  constexpr bool isRef() const { return kind() >= ValKind::FuncRef; }
  constexpr bool nullable() const { return (bits_ & kNullable) != 0; }
  constexpr uint32_t heapType() const { return uint32_t(bits_ >> 32); }
  // Locals of this type start with a default value (0 or null); a
  // non-nullable reference does not, so it must be set before use.
  constexpr bool defaultable() const { return !isRef() || nullable(); }
  ValType asNonNull() const { return isRef() ? ref(heapType(), false) : *this; }

  friend constexpr bool operator==(ValType a, ValType b) { return a.bits_ == b.bits_; }
  friend constexpr bool operator!=(ValType a, ValType b) { return !(a == b); }

 private:
  // One word, so that the validator's operand stack copies and compares
  // types as cheaply as the one-byte codes of Wasm 2.0: the kind in the low
  // byte, nullability in bit 8, the heap type in the high half.
  static constexpr uint64_t kNullable = 0x100;
  constexpr ValType(ValKind kind, bool nullable, uint32_t heapType)
      : bits_(uint64_t(kind) | (nullable ? kNullable : 0) | uint64_t(heapType) << 32) {}

  uint64_t bits_ = uint64_t(ValKind::Bottom);
};

inline constexpr ValType ValType::I32{ValKind::I32, false, 0};
inline constexpr ValType ValType::I64{ValKind::I64, false, 0};
inline constexpr ValType ValType::F32{ValKind::F32, false, 0};
inline constexpr ValType ValType::F64{ValKind::F64, false, 0};
inline constexpr ValType ValType::V128{ValKind::V128, false, 0};
inline constexpr ValType ValType::FuncRef{ValKind::FuncRef, true, heap::Func};
inline constexpr ValType ValType::ExternRef{ValKind::ExternRef, true, heap::Extern};
inline constexpr ValType ValType::ExnRef{ValKind::ExnRef, true, heap::Exn};
inline constexpr ValType ValType::Bottom{ValKind::Bottom, false, 0};

inline ValType ValType::fromCode(uint8_t code) {
  switch (code) {
    case 0x7f: return I32;
    case 0x7e: return I64;
    case 0x7d: return F32;
    case 0x7c: return F64;
    case 0x7b: return V128;
    default: {
      uint32_t h = heap::fromCode(code);
      return h ? ref(h, /*nullable=*/true) : Bottom;
    }
  }
}

inline bool isNumType(ValType t) { return t.kind() >= ValKind::I32 && t.kind() <= ValKind::F64; }
inline bool isRefType(ValType t) { return t.isRef(); }
// "func", "nofunc", "3" (a type index), "canon5" (a canonical id).
std::string heapTypeName(uint32_t h);
// "i32", "funcref", "(ref 3)", "(ref null func)", "nullexternref", ...
std::string valTypeName(ValType t);

// Subtyping (the spec's matching rules, without GC's declared subtypes):
// a concrete function type is below func and above nofunc, equivalent
// concrete types match, a non-nullable reference matches a nullable one.
// `typeIds` maps the module's type indices to canonical ids for concrete
// heap types given as indices; it may be null when every concrete heap
// type is canonical.
bool isHeapSubtype(uint32_t a, uint32_t b, const uint32_t* typeIds);
inline bool isSubtype(ValType a, ValType b, const uint32_t* typeIds) {
  if (a == b || a.kind() == ValKind::Bottom) return true;
  if (!a.isRef() || !b.isRef()) return false;
  if (a.nullable() && !b.nullable()) return false;
  return isHeapSubtype(a.heapType(), b.heapType(), typeIds);
}

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

// Type canonicalisation (the spec's iso-recursive type equivalence). A
// rec group (one type for a type outside any rec group) is keyed by its
// function types with references into the group written as
// heap::kRecRelative indices and references to earlier types as
// heap::kCanonical ids. Equal keys are equivalent groups, so one
// process-wide table gives each distinct group a range of ids: the first
// type's id is returned, the others follow. Ids start at 1 (0 never
// matches). Thread-safe; entries live as long as the process.
uint32_t canonicalRecGroup(const std::vector<FuncType>& key);
// The id of a function type outside any rec group whose heap types are all
// abstract or canonical (host functions, C API types).
inline uint32_t canonicalSignatureId(const FuncType& type) { return canonicalRecGroup({type}); }

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

// Exception handling's tags (kind 4) are imported and exported like the rest.
enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3, Tag = 4 };
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
constexpr uint32_t kMaxTags = 1000000;
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
