// Command-line text of wasm values (see value_text.h).
#include "runtime/value_text.h"

#include "wasm/module.h"

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace strata {

namespace {

// An integer of `bits` width: decimal or 0x hex, optionally negative; any
// value that fits the signed or the unsigned range is accepted.
bool parseInteger(const std::string& text, int bits, uint64_t* out) {
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) negative = text[pos++] == '-';
  int base = 10;
  if (text.compare(pos, 2, "0x") == 0 || text.compare(pos, 2, "0X") == 0) {
    base = 16;
    pos += 2;
  }
  const std::string digits = text.substr(pos);
  const char* allowed = base == 16 ? "0123456789abcdefABCDEF" : "0123456789";
  if (digits.empty() || digits.find_first_not_of(allowed) != std::string::npos) return false;
  errno = 0;
  unsigned long long magnitude = std::strtoull(digits.c_str(), nullptr, base);
  if (errno == ERANGE) return false;
  const uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
  const uint64_t maxNegative = 1ull << (bits - 1);  // |INT_MIN|
  if (negative ? magnitude > maxNegative : magnitude > mask) return false;
  *out = (negative ? (~magnitude + 1) : magnitude) & mask;
  return true;
}

// strtof/strtod accept decimal, hex floats, inf and nan. Overflow to
// infinity is refused; gradual underflow is fine.
template <typename Float>
bool parseFloat(const std::string& text, Float* out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  Float value;
  if constexpr (sizeof(Float) == 4) {
    value = std::strtof(text.c_str(), &end);
  } else {
    value = std::strtod(text.c_str(), &end);
  }
  if (*end != '\0' || (errno == ERANGE && std::isinf(value))) return false;
  *out = value;
  return true;
}

}  // namespace

bool parseValueText(const std::string& text, ValType type, Slot* out) {
  switch (type.kind()) {
    case ValKind::I32:
      return parseInteger(text, 32, out);
    case ValKind::I64:
      return parseInteger(text, 64, out);
    case ValKind::F32: {
      float f;
      if (!parseFloat(text, &f)) return false;
      uint32_t bits;
      std::memcpy(&bits, &f, sizeof bits);
      *out = bits;
      return true;
    }
    case ValKind::F64: {
      double d;
      if (!parseFloat(text, &d)) return false;
      std::memcpy(out, &d, sizeof d);
      return true;
    }
    case ValKind::FuncRef:
    case ValKind::ExternRef:
      // A command line cannot name a function or a host object.
      if (text != "null") return false;
      *out = 0;
      return true;
    case ValKind::V128: {
      size_t sep = text.find('\\');
      return sep != std::string::npos && parseInteger(text.substr(0, sep), 64, &out[0]) &&
             parseInteger(text.substr(sep + 1), 64, &out[1]);
    }
    default:
      return false;
  }
}

std::string formatValueText(ValType type, const Slot* slots) {
  char buf[512];  // %f of a large double needs over 300 characters
  Slot value = slots[0];
  switch (type.kind()) {
    case ValKind::I32:
      std::snprintf(buf, sizeof buf, "0x%" PRIx32 ":i32", static_cast<uint32_t>(value));
      return buf;
    case ValKind::I64:
      std::snprintf(buf, sizeof buf, "0x%" PRIx64 ":i64", static_cast<uint64_t>(value));
      return buf;
    case ValKind::F32: {
      uint32_t bits = static_cast<uint32_t>(value);
      float f;
      std::memcpy(&f, &bits, sizeof f);
      std::snprintf(buf, sizeof buf, "%f:f32", f);
      return buf;
    }
    case ValKind::F64: {
      double d;
      std::memcpy(&d, &value, sizeof d);
      std::snprintf(buf, sizeof buf, "%f:f64", d);
      return buf;
    }
    case ValKind::FuncRef:
      return value == 0 ? "ref.null" : "ref.func";
    case ValKind::ExternRef:
      return value == 0 ? "ref.null" : "ref.extern";
    case ValKind::V128:
      std::snprintf(buf, sizeof buf, "<0x%016" PRIx64 " 0x%016" PRIx64 ">:v128", uint64_t(slots[0]), uint64_t(slots[1]));
      return buf;
    default:
      return "?";
  }
}

std::string formatTrace(const Trap& trap) {
  std::string out;
  char line[64];
  size_t n = 0;
  for (const TraceFrame& f : trap.trace) {
    std::snprintf(line, sizeof line, "#%02zu: 0x%04x - ", n++, f.codeOffset);
    out += line;
    out += f.module ? f.module->functionName(f.funcIndex) : "func[" + std::to_string(f.funcIndex) + "]";
    if (f.module && !f.module->moduleName.empty()) out += " (module " + f.module->moduleName + ")";
    out += "\n";
  }
  if (trap.omittedFrames) out += "... " + std::to_string(trap.omittedFrames) + " more frames\n";
  return out;
}

}  // namespace strata
