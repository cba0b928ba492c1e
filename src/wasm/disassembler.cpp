// Function body listing. Opcode names, classes and immediate kinds all come
// from the X-macro table in opcodes.def, so a new instruction only needs a
// new row there (and, for a new kind of immediate, one case below).
#include "wasm/disassembler.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>

#include "wasm/binary_reader.h"
#include "wasm/opcodes.h"
#include "wasm/type_reader.h"

namespace strata {

namespace {

// The Immediates column of STRATA_SPECIAL_OPS, plus MemArg for loads and
// stores. Every name used in that column must appear here, so a new kind is
// a compile error rather than a silently wrong listing.
enum class Imm {
  None,
  BlockType,
  Depth,
  BrTable,
  FuncIndex,
  TypeIndex,
  TagIndex,
  TryTable,
  CallIndirect,
  ValTypes,
  LocalIndex,
  GlobalIndex,
  TableIndex,
  MemoryIndex,
  I32,
  I64,
  F32,
  F64,
  HeapType,
  DataMemory,
  DataIndex,
  MemoryMemory,
  ElemTable,
  ElemIndex,
  TableTable,
  MemArg,
  // SIMD: memarg and/or lane, the 16 bytes of v128.const, shuffle lanes.
  Lane,
  MemArgLane,
  V128Const,
  Shuffle,
};

Imm immediatesOf(Op op) {
  switch (op) {
#define STRATA_IMM_CASE(Name, enc, text, imm) \
  case Op::Name:                              \
    return Imm::imm;
    STRATA_SPECIAL_OPS(STRATA_IMM_CASE)
    STRATA_SIMD_SPECIAL_OPS(STRATA_IMM_CASE)
#undef STRATA_IMM_CASE
    default:
      break;
  }
  switch (opInfo(op).cls) {
    case OpClass::Load:
    case OpClass::Store:
    case OpClass::SimdLoad:
      return Imm::MemArg;
    case OpClass::SimdExtract:
    case OpClass::SimdReplace:
      return Imm::Lane;
    case OpClass::SimdLoadLane:
    case OpClass::SimdStoreLane:
      return Imm::MemArgLane;
    default:
      return Imm::None;
  }
}

// Floats as the text format writes them: shortest exact decimal is not
// needed for debugging, but round-tripping precision and NaN payloads are.
std::string formatFloat(double value, bool negative, bool isNan, uint64_t payload, uint64_t canonicalPayload,
                        int digits) {
  char buf[64];
  const char* sign = negative ? "-" : "";
  if (isNan) {
    if (payload == canonicalPayload)
      std::snprintf(buf, sizeof buf, "%snan", sign);
    else
      std::snprintf(buf, sizeof buf, "%snan:0x%llx", sign, static_cast<unsigned long long>(payload));
  } else if (std::isinf(value)) {
    std::snprintf(buf, sizeof buf, "%sinf", sign);
  } else {
    std::snprintf(buf, sizeof buf, "%.*g", digits, value);
  }
  return buf;
}

std::string formatF32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return formatFloat(f, bits >> 31, std::isnan(f), bits & 0x7fffffu, 0x400000u, 9);
}

std::string formatF64(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return formatFloat(d, bits >> 63, std::isnan(d), bits & 0xfffffffffffffull, 0x8000000000000ull, 17);
}

class Disassembler {
 public:
  Disassembler(const Module& m, const FunctionDecl& fn)
      : m_(m), reader_(m.bytes.data() + fn.codeBegin, m.bytes.data() + fn.bodyEnd, fn.codeBegin) {}

  void run(std::string& out) {
    while (!reader_.atEnd()) {
      size_t offset = reader_.offset();
      std::string text;
      bool ok = true;
      int depthChange = 0;  // applied after printing this line
      int indentShift = 0;  // applied to this line only
      try {
        ok = instruction(text, depthChange, indentShift);
      } catch (const DecodeError& e) {
        text += " <" + e.message + ">";
        ok = false;
      } catch (const std::exception& e) {
        text += std::string(" <") + e.what() + ">";
        ok = false;
      }
      int indent = depth_ + indentShift;
      if (indent < 0) indent = 0;
      line(out, offset, indent, text);
      depth_ += depthChange;
      if (depth_ < 0) depth_ = 0;
      if (!ok) return;  // cannot find the next instruction boundary
    }
  }

 private:
  static void line(std::string& out, size_t offset, int indent, const std::string& text) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "  0x%04zx: ", offset);
    out += buf;
    out.append(static_cast<size_t>(indent) * 2, ' ');
    out += text;
    out += '\n';
  }

  std::string funcRef(uint32_t index) const {
    std::string s = std::to_string(index);
    if (index < m_.funcTypes.size()) {
      std::string name = m_.functionName(index);
      if (!name.empty() && name != "func[" + std::to_string(index) + "]") s += " (;" + name + ";)";
    }
    return s;
  }

  std::string typeRef(uint32_t index) const {
    std::string s = "(type " + std::to_string(index) + ")";
    if (index < m_.types.size()) s += " (;" + m_.types[index].toString() + ";)";
    return s;
  }

  // Decodes one instruction into `text`. Returns false when the listing
  // must stop (an unknown opcode: its length is unknown).
  bool instruction(std::string& text, int& depthChange, int& indentShift) {
    uint8_t byte = reader_.readByte();
    Op op;
    if (byte == 0xfc || byte == 0xfd) {
      uint32_t sub = reader_.readU32();
      op = opFromPrefixed(byte, sub);
      if (op == Op::Invalid) {
        text = std::string("<unknown opcode 0x") + (byte == 0xfc ? "fc " : "fd ") + std::to_string(sub) + ">";
        return false;
      }
    } else {
      op = opFromByte(byte);
      if (op == Op::Invalid) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "<unknown opcode 0x%02x>", byte);
        text = buf;
        return false;
      }
    }

    const OpInfo& info = opInfo(op);
    text = info.name;
    switch (op) {
      case Op::Block:
      case Op::Loop:
      case Op::TryTable:
      case Op::Try:
      case Op::If:
        depthChange = 1;
        break;
      case Op::Else:
      case Op::Catch:
      case Op::CatchAll:
        indentShift = -1;  // back at the level of its `if` or `try`
        break;
      case Op::Delegate:
      case Op::End:
        if (depth_ > 0) {
          indentShift = -1;
          depthChange = -1;
        }
        break;
      default:
        break;
    }
    immediates(immediatesOf(op), info, text);
    return true;
  }

  void immediates(Imm imm, const OpInfo& info, std::string& text) {
    auto u32 = [&] { return std::to_string(reader_.readU32()); };
    switch (imm) {
      case Imm::None:
        break;
      case Imm::BlockType: {
        uint8_t b = reader_.peekByte();
        if (b == 0x40) {  // no result
          reader_.readByte();
        } else if ((b & 0xc0) == 0x40) {  // a one-byte negative s33: a value type
          text += " (result " + valTypeName(readValType(reader_, UINT32_MAX)) + ")";
        } else {
          text += " " + typeRef(static_cast<uint32_t>(reader_.readS33()));
        }
        break;
      }
      case Imm::Depth:
      case Imm::LocalIndex:
      case Imm::TableIndex:
      case Imm::DataIndex:
      case Imm::ElemIndex:
      case Imm::GlobalIndex:
        text += " " + u32();
        break;
      case Imm::BrTable: {
        // n labels plus the default; each label takes at least one byte.
        uint32_t n = reader_.readCount(1);
        for (uint32_t i = 0; i <= n; ++i) text += " " + u32();
        break;
      }
      case Imm::FuncIndex:
        text += " " + funcRef(reader_.readU32());
        break;
      case Imm::TypeIndex:
        text += " " + typeRef(reader_.readU32());
        break;
      case Imm::TagIndex:
        text += " " + u32();
        break;
      case Imm::TryTable: {
        immediates(Imm::BlockType, info, text);
        uint32_t n = reader_.readCount(2);
        static const char* const kKinds[] = {"catch", "catch_ref", "catch_all", "catch_all_ref"};
        for (uint32_t i = 0; i < n; ++i) {
          uint8_t kind = reader_.readByte();
          if (kind > 3) throw DecodeError{reader_.offset() - 1, "malformed catch clause"};
          text += std::string(" (") + kKinds[kind];
          if (kind < 2) text += " " + u32();
          text += " " + u32() + ")";
        }
        break;
      }
      case Imm::CallIndirect: {
        uint32_t type = reader_.readU32();
        uint32_t table = reader_.readU32();
        if (table != 0) text += " " + std::to_string(table);
        text += " " + typeRef(type);
        break;
      }
      case Imm::ValTypes: {
        uint32_t n = reader_.readCount(1);
        text += " (result";
        for (uint32_t i = 0; i < n; ++i) text += " " + valTypeName(readValType(reader_, UINT32_MAX));
        text += ")";
        break;
      }
      case Imm::MemoryIndex: {
        // A reserved zero byte in Wasm 2.0; shown only if it is not zero.
        uint32_t mem = reader_.readU32();
        if (mem != 0) text += " " + std::to_string(mem);
        break;
      }
      case Imm::I32:
        text += " " + std::to_string(reader_.readS32());
        break;
      case Imm::I64:
        text += " " + std::to_string(reader_.readS64());
        break;
      case Imm::F32:
        text += " " + formatF32(reader_.readFixedU32());
        break;
      case Imm::F64:
        text += " " + formatF64(reader_.readFixedU64());
        break;
      case Imm::HeapType:
        text += " " + heapTypeName(readHeapType(reader_, UINT32_MAX));
        break;
      case Imm::DataMemory: {
        std::string data = u32();
        uint32_t mem = reader_.readU32();
        if (mem != 0) text += " " + std::to_string(mem);
        text += " " + data;
        break;
      }
      case Imm::MemoryMemory: {
        uint32_t dst = reader_.readU32();
        uint32_t src = reader_.readU32();
        if (dst != 0 || src != 0) text += " " + std::to_string(dst) + " " + std::to_string(src);
        break;
      }
      case Imm::ElemTable: {
        // Binary order is elem, table; the text format puts the table first.
        std::string elem = u32();
        std::string table = u32();
        text += " " + table + " " + elem;
        break;
      }
      case Imm::TableTable: {
        std::string dst = u32();
        std::string src = u32();
        text += " " + dst + " " + src;
        break;
      }
      case Imm::MemArg:
      case Imm::MemArgLane: {
        uint32_t align = reader_.readU32();
        uint32_t offset = reader_.readU32();
        text += " offset=" + std::to_string(offset);
        if (align < 32)
          text += " align=" + std::to_string(uint64_t(1) << align);
        else
          text += " align=<2^" + std::to_string(align) + ">";
        if (align > info.maxAlign) text += " (;over-aligned;)";
        if (imm == Imm::MemArgLane) text += " " + std::to_string(reader_.readByte());
        break;
      }
      case Imm::Lane:
        text += " " + std::to_string(reader_.readByte());
        break;
      case Imm::V128Const: {
        // As i32x4, the text format's usual spelling.
        text += " i32x4";
        for (int i = 0; i < 4; ++i) {
          char buf[16];
          std::snprintf(buf, sizeof buf, " 0x%08x", reader_.readFixedU32());
          text += buf;
        }
        break;
      }
      case Imm::Shuffle:
        for (int i = 0; i < 16; ++i) text += " " + std::to_string(reader_.readByte());
        break;
    }
  }

  const Module& m_;
  BinaryReader reader_;
  int depth_ = 0;
};

}  // namespace

std::string disassembleFunction(const Module& m, uint32_t definedIndex) {
  if (definedIndex >= m.functions.size())
    return "<no defined function " + std::to_string(definedIndex) + ">\n";
  const FunctionDecl& fn = m.functions[definedIndex];
  const uint64_t funcIndex = uint64_t(m.numImportedFuncs) + definedIndex;

  std::string out = "func[" + std::to_string(funcIndex) + "]";
  if (funcIndex < m.funcTypes.size()) {
    std::string name = m.functionName(static_cast<uint32_t>(funcIndex));
    if (!name.empty() && name != "func[" + std::to_string(funcIndex) + "]") out += " " + name;
    if (m.funcTypes[funcIndex] < m.types.size()) out += " " + m.funcType(static_cast<uint32_t>(funcIndex)).toString();
  }
  out += '\n';

  if (!fn.locals.empty()) {
    out += "  (local";
    for (ValType t : fn.locals) out += " " + valTypeName(t);
    out += ")\n";
  }

  if (fn.codeBegin > fn.bodyEnd || fn.bodyEnd > m.bytes.size()) {
    out += "  <code range outside the module>\n";
    return out;
  }
  Disassembler(m, fn).run(out);
  return out;
}

}  // namespace strata
