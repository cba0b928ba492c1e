// The decoded, validated form of a WebAssembly module. Immutable after
// decoding and shared by all of its instances.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "wasm/types.h"

namespace strata {

// A constant expression (global initialisers, segment offsets, element
// items). Nearly all are one instruction, kept in this struct's fields;
// Wasm 3.0's extended constant expressions (i32/i64 add, sub and mul over
// constants and globals) are a Program: `program` holds the instructions
// in order, each a one-instruction ConstExpr (an operator's `kind` and
// `type` only), evaluated on a small stack.
struct ConstExpr {
  enum class Kind : uint8_t {
    I32, I64, F32, F64, V128, RefNull, RefFunc, GlobalGet,
    Add, Sub, Mul,  // program operators, of `type` i32 or i64
    Program,
  };
  Kind kind = Kind::I32;
  ValType type = ValType::I32;  // the value's type
  uint64_t bits = 0;            // the constant (a v128's low half), or the function/global index
  uint64_t high = 0;            // a v128's high half
  std::vector<ConstExpr> program;
};

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t typeIndex = 0;  // Func
  TableType table;         // Table
  MemoryType memory;       // Memory
  GlobalType global;       // Global
  // Tag: its type index in typeIndex (a function type without results:
  // the exception's values).
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

struct ElemSegment {
  enum class Mode : uint8_t { Active, Passive, Declarative };
  Mode mode = Mode::Active;
  ValType type = ValType::FuncRef;
  uint32_t table = 0;
  ConstExpr offset;
  std::vector<ConstExpr> items;
};

struct DataSegment {
  enum class Mode : uint8_t { Active, Passive };
  Mode mode = Mode::Active;
  uint32_t memory = 0;
  ConstExpr offset;
  uint32_t begin = 0;  // byte range in Module::bytes
  uint32_t size = 0;
};

struct FunctionDecl {
  uint32_t typeIndex = 0;
  // Body (locals + code, without the size prefix) as a range of Module::bytes.
  uint32_t bodyBegin = 0;
  uint32_t bodyEnd = 0;
  // Expanded local declarations (parameters excluded), filled by the decoder.
  std::vector<ValType> locals;
  uint32_t codeBegin = 0;  // first instruction byte, after the local decls
  // A v128 value appears (parameter, result, local or operand): set by
  // validation. The JIT tiers compile only functions without.
  bool usesV128 = false;
  // return_call, return_call_indirect or return_call_ref appear: set by
  // validation. Every tier runs them in constant stack (jit/jit.h says
  // how compiled code does); the optimizing compiler does not inline such
  // functions.
  bool usesTailCalls = false;
  // An instruction names a memory other than memory 0 (multi-memory), or
  // addresses a memory64 or indexes a table64 (i64 indices): set by
  // validation. Every tier runs them; the compilers bounds-check such
  // accesses explicitly.
  bool usesOtherMemories = false;
  bool usesIndex64 = false;
  // throw, throw_ref, try_table or the legacy try appear: set by
  // validation. The baseline compiler compiles them, except the legacy
  // instructions (usesLegacyExceptions), which only the interpreter runs;
  // the optimizing compiler leaves all of them to the tiers below.
  // Exceptions pass through code without handlers like traps.
  bool usesExceptions = false;
  bool usesLegacyExceptions = false;
  // The legacy catch and catch_all arms: the interpreter gives each a slot
  // for its exception (rethrow).
  uint32_t legacyCatches = 0;
};

struct Module {
  std::vector<uint8_t> bytes;  // the binary, kept for function bodies and data

  std::vector<FuncType> types;
  // The canonical id of each type (canonicalRecGroup): equivalent types of
  // any modules have equal ids. call_indirect and import matching compare
  // these.
  std::vector<uint32_t> typeIds;
  std::vector<Import> imports;
  // Index spaces: imports first, then definitions.
  std::vector<uint32_t> funcTypes;  // type index of every function
  std::vector<TableType> tables;
  // Each defined table's initial element (Wasm 3.0's table initialiser
  // expression; ref.null of its type without one).
  std::vector<ConstExpr> tableInits;
  std::vector<MemoryType> memories;
  std::vector<GlobalType> globalTypes;  // every global, imports first
  std::vector<uint32_t> tagTypes;       // every tag's type index, imports first
  std::vector<Global> globals;          // defined globals only
  std::vector<Export> exports;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::vector<FunctionDecl> functions;  // defined functions only
  bool hasStart = false;
  uint32_t startFunction = 0;
  bool hasDataCount = false;
  uint32_t dataCount = 0;

  uint32_t numImportedFuncs = 0;
  uint32_t numImportedTables = 0;
  uint32_t numImportedMemories = 0;
  uint32_t numImportedGlobals = 0;
  uint32_t numImportedTags = 0;

  // Functions referenced outside function bodies (exports, elements,
  // globals): only these may appear in ref.func.
  std::vector<bool> declaredFuncRefs;

  // From the "name" custom section, when present and well-formed.
  std::string moduleName;
  std::unordered_map<uint32_t, std::string> functionNames;

  // What the interpreter keeps for the module as a whole, shared by its
  // instances (interp/translator.cpp: translations the instances copy).
  // Opaque here; the interpreter creates and reads it under its own lock.
  // A copy of a Module starts without it.
  struct TierState {
    std::shared_ptr<void> state;
    TierState() = default;
    TierState(const TierState&) {}
    TierState& operator=(const TierState&) {
      state.reset();
      return *this;
    }
  };
  mutable TierState interpreterState;

  const FuncType& funcType(uint32_t funcIndex) const { return types[funcTypes[funcIndex]]; }
  // `t` with a concrete heap type as its canonical id instead of this
  // module's type index: the form runtime objects (tables, globals) keep,
  // which compares across modules.
  ValType canonical(ValType t) const {
    if (!t.isRef() || !heap::isConcrete(t.heapType()) || (t.heapType() & heap::kCanonical)) return t;
    return ValType::ref(heap::kCanonical | typeIds[t.heapType()], t.nullable());
  }
  TableType canonical(TableType t) const {
    t.elem = canonical(t.elem);
    return t;
  }
  GlobalType canonical(GlobalType t) const {
    t.type = canonical(t.type);
    return t;
  }
  FuncType canonical(FuncType t) const {
    for (auto* list : {&t.params, &t.results})
      for (ValType& v : *list) v = canonical(v);
    return t;
  }
  const Export* findExport(const std::string& name) const;
  // A readable name for diagnostics: the name section's, an export's, or
  // "func[N]".
  std::string functionName(uint32_t funcIndex) const;
};

// Decoding failure: the byte offset and a one-line message, in the spec
// test suite's wording where it has one ("unexpected end", "type mismatch").
struct DecodeError {
  size_t offset;
  std::string message;
  // Set when the module is refused only because it uses a proposal Strata
  // does not implement yet ("gc"), so a test runner can tell "not
  // supported" from "invalid".
  std::string unsupportedFeature = {};
  std::string toString() const;  // "error at offset 0x1f3: type mismatch in i32.add"
};

// Decodes and validates a whole binary module, every function body
// included. Throws DecodeError.
std::shared_ptr<const Module> decodeModule(std::vector<uint8_t> bytes);

}  // namespace strata
