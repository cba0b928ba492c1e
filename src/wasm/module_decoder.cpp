// Decodes the sections of a binary module and validates everything outside
// function bodies; bodies are validated by FunctionDecoder (see
// function_validator.cpp).
#include <cstdio>
#include <unordered_set>

#include "wasm/binary_reader.h"
#include "wasm/module.h"
#include "wasm/type_reader.h"

namespace strata {

void validateFunctionBody(const Module& module, uint32_t definedIndex, FunctionDecl* decl);

std::string DecodeError::toString() const {
  char buf[40];
  snprintf(buf, sizeof buf, "error at offset 0x%zx: ", offset);
  return buf + message;
}

const Export* Module::findExport(const std::string& name) const {
  for (const Export& e : exports)
    if (e.name == name) return &e;
  return nullptr;
}

std::string Module::functionName(uint32_t funcIndex) const {
  auto it = functionNames.find(funcIndex);
  if (it != functionNames.end()) return it->second;
  for (const Export& e : exports)
    if (e.kind == ExternKind::Func && e.index == funcIndex) return e.name;
  return "func[" + std::to_string(funcIndex) + "]";
}

namespace {

bool isValidUtf8(const uint8_t* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are malformed.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
      return false;
    i += len;
  }
  return true;
}

enum SectionId : uint8_t {
  kCustom = 0,
  kType = 1,
  kImport = 2,
  kFunction = 3,
  kTable = 4,
  kMemory = 5,
  kGlobal = 6,
  kExport = 7,
  kStart = 8,
  kElement = 9,
  kCode = 10,
  kData = 11,
  kDataCount = 12,
  kTag = 13,
};

// Position of each section in the required order (DataCount sits between
// Element and Code, Tag between Memory and Global).
int sectionOrder(uint8_t id) {
  static const int order[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};
  return order[id];
}

class ModuleDecoder {
 public:
  explicit ModuleDecoder(Module& m) : m_(m), r_(m.bytes.data(), m.bytes.data() + m.bytes.size()) {}

  // The text format starts with `(module`, a comment or whitespace: worth
  // a hint when the binary magic is missing.
  bool looksLikeText() const {
    for (uint8_t b : m_.bytes) {
      if (b == ' ' || b == '\t' || b == '\n' || b == '\r') continue;
      return b == '(' || b == ';';
    }
    return false;
  }

  void decode() {
    // A file cut short inside the header is "unexpected end", as in the
    // spec's reference decoder; a complete but wrong header is named.
    if (r_.readFixedU32() != 0x6d736100) {
      r_.failAt(0, looksLikeText() ? "magic header not detected (this looks like WebAssembly text; Strata runs "
                                     "binary modules: convert it with wat2wasm or wasm-as)"
                                   : "magic header not detected");
    }
    if (r_.readFixedU32() != 1) r_.failAt(4, "unknown binary version");

    int lastOrder = 0;
    while (!r_.atEnd()) {
      size_t idOffset = r_.offset();
      uint8_t id = r_.readByte();
      if (id > kTag) r_.failAt(idOffset, "malformed section id");
      uint32_t size = r_.readU32();
      if (size > r_.remaining()) r_.fail("length out of bounds");
      if (id != kCustom) {
        int order = sectionOrder(id);
        if (order <= lastOrder) r_.failAt(idOffset, "unexpected content after last section");
        lastOrder = order;
      }
      BinaryReader section(r_.pos(), r_.pos() + size, r_.offset());
      r_.readBytes(size);
      decodeSection(id, section);
      if (!section.atEnd()) section.fail("section size mismatch");
    }
    if (m_.functions.size() != m_.funcTypes.size() - m_.numImportedFuncs || (!sawCode_ && !m_.functions.empty()))
      r_.fail("function and code section have inconsistent lengths");
    if (m_.hasDataCount && m_.dataCount != m_.datas.size())
      r_.fail("data count and data section have inconsistent lengths");
    // Bodies are validated once every section is read, so an error names
    // what is really wrong (an unknown data segment, not a missing count).
    for (uint32_t i = 0; i < m_.functions.size(); ++i) validateFunctionBody(m_, i, &m_.functions[i]);
  }

 private:
  void decodeSection(uint8_t id, BinaryReader& s) {
    switch (id) {
      case kCustom: return decodeCustom(s);
      case kType: return decodeTypes(s);
      case kImport: return decodeImports(s);
      case kFunction: return decodeFunctions(s);
      case kTable: return decodeTables(s);
      case kMemory: return decodeMemories(s);
      case kGlobal: return decodeGlobals(s);
      case kExport: return decodeExports(s);
      case kStart: return decodeStart(s);
      case kElement: return decodeElements(s);
      case kCode: return decodeCode(s);
      case kData: return decodeData(s);
      case kTag: return decodeTags(s);
      case kDataCount:
        m_.hasDataCount = true;
        m_.dataCount = s.readU32();
        if (m_.dataCount > limits::kMaxDataSegments) s.fail("too many data segments");
        return;
    }
  }

  std::string readName(BinaryReader& s) {
    uint32_t len = s.readU32();
    if (len > s.remaining()) s.fail("length out of bounds");
    const uint8_t* p = s.readBytes(len);
    if (!isValidUtf8(p, len)) s.fail("malformed UTF-8 encoding");
    return std::string(reinterpret_cast<const char*>(p), len);
  }

  // Value and reference types outside the type section may name any type.
  ValType readValType(BinaryReader& s) { return strata::readValType(s, uint32_t(m_.types.size())); }
  ValType readRefType(BinaryReader& s) { return strata::readRefType(s, uint32_t(m_.types.size())); }
  bool isSubtype(ValType a, ValType b) const { return strata::isSubtype(a, b, m_.typeIds.data()); }

  // Limits flags: 0x01 a maximum follows, 0x02 shared (threads, not
  // supported), 0x04 64-bit indices (memory64/table64: u64 limits).
  Limits readLimits(BinaryReader& s, bool* is64) {
    Limits l;
    size_t flagsAt = s.offset();
    uint8_t flags = s.readByte();
    if (flags & 0x80) s.failAt(flagsAt, "integer representation too long");
    if (flags > 0x07) s.failAt(flagsAt, "malformed limits flags");
    if (flags & 0x02) s.failAt(flagsAt, "shared memory is not supported yet");
    *is64 = (flags & 0x04) != 0;
    l.min = *is64 ? s.readU64() : s.readU32();
    if (flags & 1) {
      l.hasMax = true;
      l.max = *is64 ? s.readU64() : s.readU32();
    }
    return l;
  }
  void checkLimits(BinaryReader& s, size_t at, const Limits& l, uint64_t bound, const char* boundMessage) {
    if (l.min > bound || (l.hasMax && l.max > bound)) s.failAt(at, boundMessage);
    if (l.hasMax && l.min > l.max) s.failAt(at, "size minimum must not be greater than maximum");
  }
  TableType readTableType(BinaryReader& s) {
    TableType t;
    t.elem = readRefType(s);
    size_t at = s.offset() + 1;
    t.limits = readLimits(s, &t.is64);
    if (t.is64)
      checkLimits(s, at, t.limits, UINT64_MAX, "table size must be at most 2^64-1");
    else
      checkLimits(s, at, t.limits, 0xffffffffu, "table size must be at most 2^32-1");
    return t;
  }
  MemoryType readMemoryType(BinaryReader& s) {
    MemoryType mt;
    size_t at = s.offset() + 1;
    mt.limits = readLimits(s, &mt.is64);
    if (mt.is64)
      checkLimits(s, at, mt.limits, limits::kMaxMemory64Pages, "memory size must be at most 2^48 pages");
    else
      checkLimits(s, at, mt.limits, limits::kMaxMemoryPages, "memory size must be at most 65536 pages (4GiB)");
    return mt;
  }
  GlobalType readGlobalType(BinaryReader& s) {
    GlobalType g;
    g.type = readValType(s);
    uint8_t mut = s.readByte();
    if (mut > 1) s.fail("malformed mutability");
    g.mutable_ = mut == 1;
    return g;
  }

  uint32_t readTypeIndex(BinaryReader& s) {
    size_t at = s.offset();
    uint32_t i = s.readU32();
    if (i >= m_.types.size()) s.failAt(at, "unknown type");
    return i;
  }

  // A constant expression of the given type: constant instructions, with
  // Wasm 3.0's i32/i64 add, sub and mul between them, then `end`.
  // global.get may name an immutable global defined before the expression
  // (m_.globalTypes grows as globals are decoded).
  ConstExpr readConstExpr(BinaryReader& s, ValType expected) {
    std::vector<ConstExpr> program;
    std::vector<ValType> stack;
    size_t start = s.offset();
    for (;;) {
      size_t at = s.offset();
      uint8_t op = s.readByte();
      if (op == 0x0b) break;
      ConstExpr e;
      switch (op) {
        case 0x41: e.kind = ConstExpr::Kind::I32; e.type = ValType::I32; e.bits = uint32_t(s.readS32()); break;
        case 0x42: e.kind = ConstExpr::Kind::I64; e.type = ValType::I64; e.bits = uint64_t(s.readS64()); break;
        case 0x43: e.kind = ConstExpr::Kind::F32; e.type = ValType::F32; e.bits = s.readFixedU32(); break;
        case 0x44: e.kind = ConstExpr::Kind::F64; e.type = ValType::F64; e.bits = s.readFixedU64(); break;
        case 0xd0:
          e.kind = ConstExpr::Kind::RefNull;
          e.type = ValType::ref(readHeapType(s, uint32_t(m_.types.size())), /*nullable=*/true);
          break;
        case 0xd2: {
          e.kind = ConstExpr::Kind::RefFunc;
          e.bits = s.readU32();
          if (e.bits >= m_.funcTypes.size()) s.failAt(at, "unknown function " + std::to_string(e.bits));
          e.type = ValType::ref(m_.funcTypes[e.bits], /*nullable=*/false);
          m_.declaredFuncRefs[e.bits] = true;
          break;
        }
        case 0x23: {
          e.kind = ConstExpr::Kind::GlobalGet;
          e.bits = s.readU32();
          if (e.bits >= m_.globalTypes.size()) s.failAt(at, "unknown global " + std::to_string(e.bits));
          const GlobalType& g = m_.globalTypes[e.bits];
          if (g.mutable_) s.failAt(at, "constant expression required");
          e.type = g.type;
          break;
        }
        case 0xfd: {  // v128.const: 0xfd 12, then 16 bytes
          if (s.readU32() != 12) s.failAt(at, "constant expression required");
          e.kind = ConstExpr::Kind::V128;
          e.type = ValType::V128;
          e.bits = s.readFixedU64();
          e.high = s.readFixedU64();
          break;
        }
        case 0x6a: case 0x6b: case 0x6c:  // i32.add, i32.sub, i32.mul
        case 0x7c: case 0x7d: case 0x7e:  // i64.add, i64.sub, i64.mul
          e.type = op <= 0x6c ? ValType::I32 : ValType::I64;
          e.kind = (op == 0x6a || op == 0x7c) ? ConstExpr::Kind::Add
                   : (op == 0x6b || op == 0x7d) ? ConstExpr::Kind::Sub
                                                : ConstExpr::Kind::Mul;
          for (int k = 0; k < 2; ++k) {
            if (stack.empty() || stack.back() != e.type) s.failAt(at, "type mismatch");
            stack.pop_back();
          }
          break;
        default:
          s.failAt(at, "constant expression required");
      }
      stack.push_back(e.type);
      program.push_back(std::move(e));
    }
    if (stack.size() != 1 || !isSubtype(stack[0], expected)) s.failAt(start, "type mismatch");
    if (program.size() == 1) return std::move(program[0]);
    ConstExpr e;
    e.kind = ConstExpr::Kind::Program;
    e.type = expected;
    e.program = std::move(program);
    return e;
  }

  void decodeCustom(BinaryReader& s) {
    std::string name = readName(s);
    if (name == "name") {
      // The name section is advisory: a malformed one is ignored, never fatal.
      try {
        BinaryReader n(s.pos(), s.end(), s.offset());
        decodeNameSection(n);
      } catch (const DecodeError&) {
      }
    }
    s.readBytes(s.remaining());
  }

  void decodeNameSection(BinaryReader& s) {
    while (!s.atEnd()) {
      uint8_t id = s.readByte();
      uint32_t size = s.readU32();
      BinaryReader sub(s.pos(), s.pos() + std::min<size_t>(size, s.remaining()), s.offset());
      s.readBytes(size);
      if (id == 0) {
        m_.moduleName = readName(sub);
      } else if (id == 1) {
        uint32_t n = sub.readCount();
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t idx = sub.readU32();
          m_.functionNames[idx] = readName(sub);
        }
      }
    }
  }

  // The type section: function types, alone or in rec groups (0x4e; a
  // group counts as one entry of the section's vector).
  // Each group gets its canonical ids (m_.typeIds) as it is read, so a
  // later type's references to it are canonical too. GC's struct and array
  // types and declared subtypes are refused; `sub final` without
  // supertypes is the plain function type it abbreviates.
  void decodeTypes(BinaryReader& s) {
    uint32_t n = s.readCount();
    if (n > limits::kMaxTypes) s.fail("too many types");
    m_.types.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t groupSize = 1;
      if (s.peekByte() == 0x4e) {
        s.readByte();
        groupSize = s.readCount();
        if (uint64_t(m_.types.size()) + groupSize > limits::kMaxTypes) s.fail("too many types");
      }
      uint32_t groupBegin = uint32_t(m_.types.size());
      uint32_t groupEnd = groupBegin + groupSize;
      for (uint32_t k = 0; k < groupSize; ++k) m_.types.push_back(readFuncType(s, groupEnd));
      std::vector<FuncType> key(m_.types.begin() + groupBegin, m_.types.end());
      for (FuncType& ft : key)
        for (auto* list : {&ft.params, &ft.results})
          for (ValType& t : *list)
            if (t.isRef() && heap::isConcrete(t.heapType())) {
              uint32_t h = t.heapType();
              h = h >= groupBegin ? heap::kRecRelative | (h - groupBegin) : heap::kCanonical | m_.typeIds[h];
              t = ValType::ref(h, t.nullable());
            }
      uint32_t first = canonicalRecGroup(key);
      for (uint32_t k = 0; k < groupSize; ++k) m_.typeIds.push_back(first + k);
    }
  }
  FuncType readFuncType(BinaryReader& s, uint32_t numTypes) {
    uint8_t form = s.readByte();
    if (form == 0x4f && s.peekByte() == 0x00) {  // sub final, no supertypes
      s.readByte();
      form = s.readByte();
    }
    if (form == 0x5f || form == 0x5e || form == 0x50 || form == 0x4f || form == 0x4e)
      s.failUnsupported("gc", "garbage collection types are not supported yet");
    if (form != 0x60) s.fail("integer representation too long");
    FuncType ft;
    uint32_t np = s.readCount();
    if (np > limits::kMaxParams) s.fail("too many parameters");
    for (uint32_t k = 0; k < np; ++k) ft.params.push_back(strata::readValType(s, numTypes));
    uint32_t nr = s.readCount();
    if (nr > limits::kMaxResults) s.fail("too many results");
    for (uint32_t k = 0; k < nr; ++k) ft.results.push_back(strata::readValType(s, numTypes));
    return ft;
  }

  void decodeImports(BinaryReader& s) {
    uint32_t n = s.readCount();
    if (n > limits::kMaxImports) s.fail("too many imports");
    for (uint32_t i = 0; i < n; ++i) {
      Import imp;
      imp.module = readName(s);
      imp.name = readName(s);
      uint8_t kind = s.readByte();
      switch (kind) {
        case 0:
          imp.kind = ExternKind::Func;
          imp.typeIndex = readTypeIndex(s);
          m_.funcTypes.push_back(imp.typeIndex);
          m_.numImportedFuncs++;
          break;
        case 1:
          imp.kind = ExternKind::Table;
          imp.table = readTableType(s);
          m_.tables.push_back(imp.table);
          m_.numImportedTables++;
          break;
        case 2:
          imp.kind = ExternKind::Memory;
          imp.memory = readMemoryType(s);
          m_.memories.push_back(imp.memory);
          m_.numImportedMemories++;
          if (m_.memories.size() > limits::kMaxMemories) s.fail("too many memories");
          break;
        case 3:
          imp.kind = ExternKind::Global;
          imp.global = readGlobalType(s);
          m_.globalTypes.push_back(imp.global);
          m_.numImportedGlobals++;
          break;
        case 4:
          imp.kind = ExternKind::Tag;
          imp.typeIndex = readTagType(s);
          m_.tagTypes.push_back(imp.typeIndex);
          m_.numImportedTags++;
          break;
        default:
          s.fail("malformed import kind");
      }
      m_.imports.push_back(std::move(imp));
    }
    m_.declaredFuncRefs.assign(m_.funcTypes.size(), false);
  }

  void decodeFunctions(BinaryReader& s) {
    uint32_t n = s.readCount();
    if (uint64_t(n) + m_.funcTypes.size() > limits::kMaxFunctions) s.fail("too many functions");
    for (uint32_t i = 0; i < n; ++i) m_.funcTypes.push_back(readTypeIndex(s));
    m_.declaredFuncRefs.assign(m_.funcTypes.size(), false);
  }

  void decodeTables(BinaryReader& s) {
    uint32_t n = s.readCount();
    if (n + m_.tables.size() > limits::kMaxTables) s.fail("too many tables");
    for (uint32_t i = 0; i < n; ++i) {
      // 0x40 0x00: a table with an initialiser expression (typed function
      // references). Its type is read first, so GC element types are
      // reported as such.
      bool withInitializer = s.remaining() >= 2 && s.pos()[0] == 0x40 && s.pos()[1] == 0x00;
      if (withInitializer) s.readBytes(2);
      size_t at = s.offset();
      TableType t = readTableType(s);
      m_.tables.push_back(t);
      ConstExpr init;
      if (withInitializer) {
        init = readConstExpr(s, t.elem);
      } else {
        if (!t.elem.defaultable()) s.failAt(at, "type mismatch");
        init.kind = ConstExpr::Kind::RefNull;
        init.type = t.elem;
      }
      m_.tableInits.push_back(std::move(init));
    }
  }

  void decodeMemories(BinaryReader& s) {
    uint32_t n = s.readCount();
    for (uint32_t i = 0; i < n; ++i) {
      m_.memories.push_back(readMemoryType(s));
      if (m_.memories.size() > limits::kMaxMemories) s.fail("too many memories");
    }
  }

  // A tag type: attribute 0 (an exception), then a function type index
  // whose type has no results.
  uint32_t readTagType(BinaryReader& s) {
    if (s.readByte() != 0x00) s.fail("malformed tag attribute");
    uint32_t t = readTypeIndex(s);
    if (!m_.types[t].results.empty()) s.fail("non-empty tag result type");
    return t;
  }
  void decodeTags(BinaryReader& s) {
    uint32_t n = s.readCount();
    if (uint64_t(n) + m_.tagTypes.size() > limits::kMaxTags) s.fail("too many tags");
    for (uint32_t i = 0; i < n; ++i) m_.tagTypes.push_back(readTagType(s));
  }

  void decodeGlobals(BinaryReader& s) {
    uint32_t n = s.readCount();
    if (n > limits::kMaxGlobals) s.fail("too many globals");
    for (uint32_t i = 0; i < n; ++i) {
      Global g;
      g.type = readGlobalType(s);
      g.init = readConstExpr(s, g.type.type);
      m_.globalTypes.push_back(g.type);
      m_.globals.push_back(g);
    }
  }

  void decodeExports(BinaryReader& s) {
    uint32_t n = s.readCount();
    if (n > limits::kMaxExports) s.fail("too many exports");
    std::unordered_set<std::string> names;
    for (uint32_t i = 0; i < n; ++i) {
      Export e;
      size_t at = s.offset();
      e.name = readName(s);
      uint8_t kind = s.readByte();
      e.index = s.readU32();
      switch (kind) {
        case 0:
          e.kind = ExternKind::Func;
          if (e.index >= m_.funcTypes.size()) s.failAt(at, "unknown function " + std::to_string(e.index));
          m_.declaredFuncRefs[e.index] = true;
          break;
        case 1:
          e.kind = ExternKind::Table;
          if (e.index >= m_.tables.size()) s.failAt(at, "unknown table " + std::to_string(e.index));
          break;
        case 2:
          e.kind = ExternKind::Memory;
          if (e.index >= m_.memories.size()) s.failAt(at, "unknown memory " + std::to_string(e.index));
          break;
        case 3:
          e.kind = ExternKind::Global;
          if (e.index >= m_.globalTypes.size()) s.failAt(at, "unknown global " + std::to_string(e.index));
          break;
        case 4:
          e.kind = ExternKind::Tag;
          if (e.index >= m_.tagTypes.size()) s.failAt(at, "unknown tag " + std::to_string(e.index));
          break;
        default:
          s.failAt(at, "malformed export kind");
      }
      if (!names.insert(e.name).second) s.failAt(at, "duplicate export name");
      m_.exports.push_back(std::move(e));
    }
  }

  void decodeStart(BinaryReader& s) {
    size_t at = s.offset();
    m_.startFunction = s.readU32();
    if (m_.startFunction >= m_.funcTypes.size()) s.failAt(at, "unknown function");
    const FuncType& ft = m_.funcType(m_.startFunction);
    if (!ft.params.empty() || !ft.results.empty()) s.failAt(at, "start function");
    m_.hasStart = true;
  }

  void decodeElements(BinaryReader& s) {
    uint32_t n = s.readCount();
    if (n > limits::kMaxElemSegments) s.fail("too many element segments");
    for (uint32_t i = 0; i < n; ++i) {
      ElemSegment seg;
      size_t at = s.offset();
      uint32_t flags = s.readU32();
      if (flags > 7) s.failAt(at, "malformed elements segment kind");
      bool passiveOrDeclarative = flags & 1;
      bool explicitTable = flags & 2;
      bool usesExprs = flags & 4;
      if (!passiveOrDeclarative) {
        seg.mode = ElemSegment::Mode::Active;
        if (explicitTable) seg.table = s.readU32();
        if (seg.table >= m_.tables.size()) s.failAt(at, "unknown table " + std::to_string(seg.table));
        seg.offset = readConstExpr(s, m_.tables[seg.table].indexType());
      } else {
        seg.mode = explicitTable ? ElemSegment::Mode::Declarative : ElemSegment::Mode::Passive;
      }
      // Flags 0 and 4 imply funcref; the others spell out an elemkind
      // (function indices) or a reference type (expressions).
      if (flags & 3) {
        if (usesExprs) {
          seg.type = readRefType(s);
        } else if (s.readByte() != 0x00) {
          s.fail("malformed element kind");
        }
      }
      // Function indices are non-null function references.
      if (!usesExprs) seg.type = ValType::ref(heap::Func, /*nullable=*/false);
      uint32_t count = s.readCount();
      if (count > limits::kMaxTableInitEntries) s.fail("too many table entries");
      seg.items.reserve(count);
      for (uint32_t k = 0; k < count; ++k) {
        if (usesExprs) {
          seg.items.push_back(readConstExpr(s, seg.type));
        } else {
          ConstExpr e;
          e.kind = ConstExpr::Kind::RefFunc;
          size_t fat = s.offset();
          e.bits = s.readU32();
          if (e.bits >= m_.funcTypes.size()) s.failAt(fat, "unknown function " + std::to_string(e.bits));
          e.type = ValType::ref(m_.funcTypes[e.bits], /*nullable=*/false);
          m_.declaredFuncRefs[e.bits] = true;
          seg.items.push_back(e);
        }
      }
      if (seg.mode == ElemSegment::Mode::Active && !isSubtype(seg.type, m_.tables[seg.table].elem))
        s.failAt(at, "type mismatch");
      m_.elems.push_back(std::move(seg));
    }
  }

  void decodeCode(BinaryReader& s) {
    sawCode_ = true;
    uint32_t n = s.readCount();
    if (n != m_.funcTypes.size() - m_.numImportedFuncs)
      s.fail("function and code section have inconsistent lengths");
    m_.functions.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      FunctionDecl& f = m_.functions[i];
      f.typeIndex = m_.funcTypes[m_.numImportedFuncs + i];
      uint32_t size = s.readU32();
      if (size > s.remaining()) s.fail("length out of bounds");
      if (size > limits::kMaxFunctionSize) s.fail("function body too large");
      f.bodyBegin = uint32_t(s.offset());
      f.bodyEnd = f.bodyBegin + size;
      BinaryReader body(s.pos(), s.pos() + size, s.offset());
      s.readBytes(size);
      decodeLocals(body, f);
      f.codeBegin = uint32_t(body.offset());
    }
  }

  void decodeLocals(BinaryReader& s, FunctionDecl& f) {
    uint32_t groups = s.readCount();
    uint64_t total = m_.types[f.typeIndex].params.size();
    for (uint32_t g = 0; g < groups; ++g) {
      uint32_t count = s.readU32();
      total += count;
      if (total > limits::kMaxLocals) s.fail("too many locals");
      ValType t = readValType(s);
      f.locals.insert(f.locals.end(), count, t);
    }
  }

  void decodeData(BinaryReader& s) {
    uint32_t n = s.readCount();
    if (n > limits::kMaxDataSegments) s.fail("too many data segments");
    if (m_.hasDataCount && n != m_.dataCount) s.fail("data count and data section have inconsistent lengths");
    for (uint32_t i = 0; i < n; ++i) {
      DataSegment seg;
      size_t at = s.offset();
      uint32_t flags = s.readU32();
      if (flags > 2) s.failAt(at, "malformed data segment kind");
      if (flags == 1) {
        seg.mode = DataSegment::Mode::Passive;
      } else {
        if (flags == 2) seg.memory = s.readU32();
        if (seg.memory >= m_.memories.size()) s.failAt(at, "unknown memory " + std::to_string(seg.memory));
        seg.offset = readConstExpr(s, m_.memories[seg.memory].indexType());
      }
      seg.size = s.readU32();
      if (seg.size > s.remaining()) s.fail("unexpected end of section or function");
      seg.begin = uint32_t(s.offset());
      s.readBytes(seg.size);
      m_.datas.push_back(seg);
    }
  }

  Module& m_;
  BinaryReader r_;
  bool sawCode_ = false;
};

}  // namespace

std::shared_ptr<const Module> decodeModule(std::vector<uint8_t> bytes) {
  if (bytes.size() > 0xffffffffu) throw DecodeError{0, "module too large"};
  auto module = std::make_shared<Module>();
  module->bytes = std::move(bytes);
  ModuleDecoder(*module).decode();
  if (module->declaredFuncRefs.size() != module->funcTypes.size())
    module->declaredFuncRefs.assign(module->funcTypes.size(), false);
  return module;
}

}  // namespace strata
