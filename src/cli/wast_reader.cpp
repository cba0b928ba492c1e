// The S-expression script reader (see wast_reader.h): a lexer into a tree
// of lists, atoms and strings, then one function per command form.
//
// Numbers follow the text format (spec 6.3.1 and 6.3.2): an optional sign,
// decimal or 0x-hex digits with `_` between digits, floats as decimal or
// hex with an exponent, `inf`, `nan` and `nan:0xPAYLOAD`. Floats are
// rounded once, from the text to the target width (strtof for f32, never
// through a double), as the spec requires.

#include "cli/wast_reader.h"

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace strata {
namespace cli {
namespace {

using nlohmann::json;

// --- the tree ------------------------------------------------------------------

struct Node {
  enum class Kind { List, Atom, String };
  Kind kind = Kind::Atom;
  std::string text;  // an atom's characters, a string's decoded bytes
  std::vector<Node> items;
  int line = 0, column = 0;

  bool isList() const { return kind == Kind::List; }
  bool isAtom() const { return kind == Kind::Atom; }
  bool isAtom(const char* s) const { return kind == Kind::Atom && text == s; }
  bool isString() const { return kind == Kind::String; }
  bool isName() const { return kind == Kind::Atom && !text.empty() && text[0] == '$'; }
  // The head keyword of a list, or "".
  const std::string& head() const {
    static const std::string none;
    return isList() && !items.empty() && items[0].isAtom() ? items[0].text : none;
  }
};

[[noreturn]] void errorAt(const Node& n, const std::string& message) { throw WastSyntaxError(n.line, n.column, message); }

class Lexer {
 public:
  explicit Lexer(const std::string& text) : s_(text) {}

  // Every top-level form.
  std::vector<Node> readAll() {
    std::vector<Node> forms;
    for (;;) {
      skipSpace();
      if (at_ >= s_.size()) return forms;
      if (s_[at_] != '(') fail("expected '(' at the start of a command");
      forms.push_back(readNode());
    }
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw WastSyntaxError(line_, column(), message); }
  int column() const { return int(at_ - lineStart_) + 1; }

  void advance() {
    if (s_[at_] == '\n') {
      ++line_;
      lineStart_ = at_ + 1;
    }
    ++at_;
  }

  // Whitespace, line comments `;; ...` and nested block comments `(; ;)`.
  void skipSpace() {
    while (at_ < s_.size()) {
      char c = s_[at_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else if (c == ';' && at_ + 1 < s_.size() && s_[at_ + 1] == ';') {
        while (at_ < s_.size() && s_[at_] != '\n') advance();
      } else if (c == '(' && at_ + 1 < s_.size() && s_[at_ + 1] == ';') {
        int startLine = line_, startColumn = column();
        int depth = 0;
        do {
          if (at_ + 1 >= s_.size()) throw WastSyntaxError(startLine, startColumn, "unterminated block comment");
          if (s_[at_] == '(' && s_[at_ + 1] == ';') {
            ++depth;
            advance();
          } else if (s_[at_] == ';' && s_[at_ + 1] == ')') {
            --depth;
            advance();
          }
          advance();
        } while (depth > 0);
      } else {
        return;
      }
    }
  }

  // Lists deeper than this are refused rather than recursed into (a
  // hostile script must not overflow the stack; the spec's scripts nest
  // a few dozen deep).
  static constexpr int kMaxNesting = 1000;

  Node readNode(int depth = 0) {
    skipSpace();
    if (at_ >= s_.size()) fail("unexpected end of script");
    Node n;
    n.line = line_;
    n.column = column();
    char c = s_[at_];
    if (c == '(') {
      if (depth >= kMaxNesting) fail("lists nested more than " + std::to_string(kMaxNesting) + " deep");
      n.kind = Node::Kind::List;
      advance();
      for (;;) {
        skipSpace();
        if (at_ >= s_.size()) throw WastSyntaxError(n.line, n.column, "unclosed '('");
        if (s_[at_] == ')') {
          advance();
          return n;
        }
        n.items.push_back(readNode(depth + 1));
      }
    }
    if (c == ')') fail("unexpected ')'");
    if (c == '"') {
      n.kind = Node::Kind::String;
      n.text = readString();
      return n;
    }
    // An atom: up to a space, parenthesis, quote or ';'. (Not strchr: it
    // would also match a NUL byte, as its terminator.)
    auto delimits = [](char d) {
      return d == ' ' || d == '\t' || d == '\r' || d == '\n' || d == '(' || d == ')' || d == '"' || d == ';';
    };
    size_t begin = at_;
    while (at_ < s_.size() && !delimits(s_[at_]) && s_[at_] != '\0') advance();
    if (at_ == begin) {
      // A ';' that starts no comment, a NUL byte: nothing to read here.
      char bad[16];
      if (c >= 0x21 && c < 0x7f)
        std::snprintf(bad, sizeof bad, "'%c'", c);
      else
        std::snprintf(bad, sizeof bad, "byte 0x%02x", unsigned(uint8_t(c)));
      fail(std::string("unexpected ") + bad);
    }
    n.text = s_.substr(begin, at_ - begin);
    return n;
  }

  static int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // A string literal's bytes: escapes \t \n \r \" \' \\ \HH \u{H+} (UTF-8).
  std::string readString() {
    advance();  // the opening quote
    std::string out;
    for (;;) {
      if (at_ >= s_.size()) fail("unterminated string");
      char c = s_[at_];
      if (c == '"') {
        advance();
        return out;
      }
      if (c == '\n') fail("newline in a string");
      if (c != '\\') {
        out += c;
        advance();
        continue;
      }
      advance();
      if (at_ >= s_.size()) fail("unterminated string");
      char e = s_[at_];
      int h1 = hexDigit(e), h2 = at_ + 1 < s_.size() ? hexDigit(s_[at_ + 1]) : -1;
      if (h1 >= 0 && h2 >= 0) {
        out += char(h1 * 16 + h2);
        advance();
        advance();
        continue;
      }
      advance();
      switch (e) {
        case 't': out += '\t'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case '"': out += '"'; break;
        case '\'': out += '\''; break;
        case '\\': out += '\\'; break;
        case 'u': appendCodePoint(&out); break;
        default: fail(std::string("unknown escape \\") + e);
      }
    }
  }

  void appendCodePoint(std::string* out) {
    if (at_ >= s_.size() || s_[at_] != '{') fail("expected '{' after \\u");
    advance();
    uint32_t cp = 0;
    int digits = 0;
    while (at_ < s_.size() && hexDigit(s_[at_]) >= 0) {
      cp = cp * 16 + uint32_t(hexDigit(s_[at_]));
      if (cp > 0x10ffff) fail("code point out of range");
      ++digits;
      advance();
    }
    if (digits == 0 || at_ >= s_.size() || s_[at_] != '}') fail("bad \\u{...} escape");
    advance();
    if (cp >= 0xd800 && cp < 0xe000) fail("surrogate code point");
    if (cp < 0x80) {
      *out += char(cp);
    } else if (cp < 0x800) {
      *out += char(0xc0 | (cp >> 6));
      *out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      *out += char(0xe0 | (cp >> 12));
      *out += char(0x80 | ((cp >> 6) & 0x3f));
      *out += char(0x80 | (cp & 0x3f));
    } else {
      *out += char(0xf0 | (cp >> 18));
      *out += char(0x80 | ((cp >> 12) & 0x3f));
      *out += char(0x80 | ((cp >> 6) & 0x3f));
      *out += char(0x80 | (cp & 0x3f));
    }
  }

  const std::string& s_;
  size_t at_ = 0;
  size_t lineStart_ = 0;
  int line_ = 1;
};

// --- numbers ---------------------------------------------------------------------

// The digits without `_` separators (which must sit between digits).
std::string stripUnderscores(const Node& n, const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '_') {
      out += text[i];
      continue;
    }
    if (i == 0 || i + 1 == text.size() || !std::isxdigit((unsigned char)text[i - 1]) ||
        !std::isxdigit((unsigned char)text[i + 1]))
      errorAt(n, "misplaced '_' in \"" + text + "\"");
  }
  return out;
}

// An integer of `bits` (8..64) as its two's-complement bit pattern: signed
// values down to -2^(bits-1), unsigned up to 2^bits - 1.
uint64_t parseInteger(const Node& n, int bits) {
  if (!n.isAtom()) errorAt(n, "expected a number");
  std::string text = stripUnderscores(n, n.text);
  bool negative = false;
  size_t at = 0;
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) negative = text[at++] == '-';
  int base = 10;
  if (text.compare(at, 2, "0x") == 0) {
    base = 16;
    at += 2;
  }
  if (at >= text.size()) errorAt(n, "bad integer \"" + n.text + "\"");
  uint64_t value = 0;
  bool overflow = false;
  for (; at < text.size(); ++at) {
    int d = std::isdigit((unsigned char)text[at]) ? text[at] - '0'
            : base == 16 && std::isxdigit((unsigned char)text[at]) ? std::tolower(text[at]) - 'a' + 10
                                                                    : -1;
    if (d < 0) errorAt(n, "bad integer \"" + n.text + "\"");
    if (value > (UINT64_MAX - uint64_t(d)) / uint64_t(base)) overflow = true;
    value = value * uint64_t(base) + uint64_t(d);
  }
  const uint64_t mask = bits == 64 ? UINT64_MAX : (uint64_t(1) << bits) - 1;
  const uint64_t signedLimit = uint64_t(1) << (bits - 1);
  if (overflow || value > mask || (negative && value > signedLimit))
    errorAt(n, "integer out of range for " + std::to_string(bits) + " bits: \"" + n.text + "\"");
  return (negative ? uint64_t(0) - value : value) & mask;
}

// A float of 32 or 64 bits as its bit pattern.
uint64_t parseFloat(const Node& n, int bits) {
  if (!n.isAtom()) errorAt(n, "expected a number");
  std::string text = stripUnderscores(n, n.text);
  bool negative = !text.empty() && text[0] == '-';
  std::string body = !text.empty() && (text[0] == '-' || text[0] == '+') ? text.substr(1) : text;
  const int fractionBits = bits == 32 ? 23 : 52;
  const uint64_t signBit = uint64_t(1) << (bits - 1);
  const uint64_t exponentAllOnes = (bits == 32 ? uint64_t(0xff) : uint64_t(0x7ff)) << fractionBits;
  const uint64_t fractionMask = (uint64_t(1) << fractionBits) - 1;
  uint64_t result;
  if (body == "inf") {
    result = exponentAllOnes;
  } else if (body == "nan") {
    result = exponentAllOnes | (uint64_t(1) << (fractionBits - 1));  // canonical
  } else if (body.compare(0, 6, "nan:0x") == 0) {
    Node payloadNode = n;
    payloadNode.text = body.substr(4);
    uint64_t payload = parseInteger(payloadNode, 64);
    if (payload == 0 || payload > fractionMask) errorAt(n, "NaN payload out of range: \"" + n.text + "\"");
    result = exponentAllOnes | payload;
  } else {
    // Decimal or hex: digits, at most one '.', an optional exponent.
    if (body.empty() || body.find_first_not_of("0123456789abcdefABCDEFxXpP.+-") != std::string::npos ||
        !(std::isdigit((unsigned char)body[0])))
      errorAt(n, "bad float \"" + n.text + "\"");
    errno = 0;
    char* end = nullptr;
    if (bits == 32) {
      float f = std::strtof(body.c_str(), &end);
      uint32_t b;
      std::memcpy(&b, &f, 4);
      result = b;
    } else {
      double d = std::strtod(body.c_str(), &end);
      std::memcpy(&result, &d, 8);
    }
    if (end != body.c_str() + body.size()) errorAt(n, "bad float \"" + n.text + "\"");
    // Overflow to infinity is an error in the text format.
    if ((result & exponentAllOnes) == exponentAllOnes) errorAt(n, "float out of range: \"" + n.text + "\"");
  }
  return negative ? result | signBit : result;
}

// --- values ------------------------------------------------------------------------

bool isNanPattern(const Node& n) { return n.isAtom("nan:canonical") || n.isAtom("nan:arithmetic"); }

std::string numberString(uint64_t bits) { return std::to_string(bits); }

// `(v128.const SHAPE LANE*)`; `expected` allows NaN patterns in float lanes.
json readV128(const Node& n, bool expected) {
  if (n.items.size() < 2 || !n.items[1].isAtom()) errorAt(n, "v128.const needs a shape");
  const std::string& shape = n.items[1].text;
  struct Shape {
    const char* name;
    const char* lane;
    int count, bits;
    bool isFloat;
  };
  static const Shape kShapes[] = {{"i8x16", "i8", 16, 8, false},  {"i16x8", "i16", 8, 16, false},
                                  {"i32x4", "i32", 4, 32, false}, {"i64x2", "i64", 2, 64, false},
                                  {"f32x4", "f32", 4, 32, true},  {"f64x2", "f64", 2, 64, true}};
  const Shape* s = nullptr;
  for (const Shape& candidate : kShapes)
    if (shape == candidate.name) s = &candidate;
  if (!s) errorAt(n.items[1], "unknown v128 shape \"" + shape + "\"");
  if (int(n.items.size()) != 2 + s->count)
    errorAt(n, "v128.const " + shape + " needs " + std::to_string(s->count) + " lanes");
  json lanes = json::array();
  for (int i = 0; i < s->count; ++i) {
    const Node& lane = n.items[size_t(2 + i)];
    if (s->isFloat && expected && isNanPattern(lane)) {
      lanes.push_back(lane.text);
    } else {
      lanes.push_back(numberString(s->isFloat ? parseFloat(lane, s->bits) : parseInteger(lane, s->bits)));
    }
  }
  return json{{"type", "v128"}, {"lane_type", s->lane}, {"value", lanes}};
}

// The reference type whose null a heap type names.
std::string refTypeOfHeapType(const Node& n) {
  static const char* const kNames[][2] = {
      {"func", "funcref"},         {"extern", "externref"},         {"exn", "exnref"},     {"any", "anyref"},
      {"eq", "eqref"},             {"i31", "i31ref"},               {"struct", "structref"}, {"array", "arrayref"},
      {"none", "nullref"},         {"nofunc", "nullfuncref"},       {"noextern", "nullexternref"},
      {"noexn", "nullexnref"}};
  if (n.isAtom())
    for (const auto& entry : kNames)
      if (n.text == entry[0]) return entry[1];
  errorAt(n, "unknown heap type \"" + n.text + "\"");
}

// An argument (`expected` false) or an expected result.
json readValue(const Node& n, bool expected) {
  const std::string& op = n.head();
  if (!n.isList() || op.empty()) errorAt(n, "expected a value such as (i32.const 1)");
  auto operand = [&](size_t count) {
    if (n.items.size() != count + 1) errorAt(n, op + " takes " + std::to_string(count) + " operand(s)");
  };
  if (op == "i32.const" || op == "i64.const") {
    operand(1);
    int bits = op[1] == '3' ? 32 : 64;
    return json{{"type", op.substr(0, 3)}, {"value", numberString(parseInteger(n.items[1], bits))}};
  }
  if (op == "f32.const" || op == "f64.const") {
    operand(1);
    int bits = op[1] == '3' ? 32 : 64;
    if (expected && isNanPattern(n.items[1])) return json{{"type", op.substr(0, 3)}, {"value", n.items[1].text}};
    return json{{"type", op.substr(0, 3)}, {"value", numberString(parseFloat(n.items[1], bits))}};
  }
  if (op == "v128.const") return readV128(n, expected);
  if (op == "ref.null") {
    if (n.items.size() == 1 && expected) return json{{"type", "refnull"}};
    operand(1);
    return json{{"type", refTypeOfHeapType(n.items[1])}, {"value", "null"}};
  }
  if (op == "ref.extern" || op == "ref.host") {
    std::string type = op == "ref.extern" ? "externref" : "hostref";
    if (n.items.size() == 1 && expected) return json{{"type", type}};
    operand(1);
    return json{{"type", type}, {"value", numberString(parseInteger(n.items[1], 32))}};
  }
  if (expected && n.items.size() == 1) {
    // Result patterns: any non-null reference of a kind.
    static const char* const kPatterns[][2] = {{"ref.func", "funcref"},   {"ref.exn", "exnref"},
                                               {"ref.any", "anyref"},     {"ref.eq", "eqref"},
                                               {"ref.i31", "i31ref"},     {"ref.struct", "structref"},
                                               {"ref.array", "arrayref"}};
    for (const auto& p : kPatterns)
      if (op == p[0]) return json{{"type", p[1]}};
  }
  if (expected && op == "either") {
    json values = json::array();
    for (size_t i = 1; i < n.items.size(); ++i) values.push_back(readValue(n.items[i], true));
    if (values.empty()) errorAt(n, "either needs at least one result");
    return json{{"type", "either"}, {"values", values}};
  }
  errorAt(n, "unknown value form \"" + op + "\"");
}

// --- commands ------------------------------------------------------------------------

class CommandReader {
 public:
  explicit CommandReader(WastScript* script) : script_(*script) {}

  void readCommand(const Node& n) {
    json command = command_(n);
    command["line"] = n.line;
    script_.commands.push_back(std::move(command));
  }

 private:
  json command_(const Node& n) {
    const std::string& op = n.head();
    if (op == "module") return readModule(n);
    if (op == "register") return readRegister(n);
    if (op == "invoke" || op == "get") return json{{"type", "action"}, {"action", readAction(n)}};
    if (op == "assert_return") return readAssertReturn(n);
    if (op == "assert_trap" || op == "assert_exhaustion") return readAssertTrap(n);
    if (op == "assert_exception") return readAssertException(n);
    if (op == "assert_invalid" || op == "assert_malformed") return readAssertModule(n, /*instance=*/false);
    if (op == "assert_unlinkable" || op == "assert_uninstantiable") return readAssertModule(n, /*instance=*/true);
    errorAt(n, op.empty() ? std::string("expected a command") : "unknown command \"" + op + "\"");
  }

  // `(module [$M] binary STR*)`, `(module definition [$M] binary STR*)`,
  // `(module instance [$I] [$M])`, or a text module (kept, skipped).
  // As a command it defines (and, without `definition`, instantiates);
  // inside an assertion it is the module the assertion is about.
  json readModule(const Node& n) {
    size_t at = 1;
    bool definition = false;
    if (at < n.items.size() && n.items[at].isAtom("definition")) {
      definition = true;
      ++at;
    } else if (at < n.items.size() && n.items[at].isAtom("instance")) {
      ++at;
      json instance{{"type", "module_instance"}};
      if (at < n.items.size() && n.items[at].isName()) instance["name"] = n.items[at++].text;
      if (at < n.items.size() && n.items[at].isName()) instance["module"] = n.items[at++].text;
      if (at != n.items.size()) errorAt(n, "(module instance) takes at most two names");
      return instance;
    }
    json module{{"type", definition ? "module_definition" : "module"}};
    if (at < n.items.size() && n.items[at].isName()) module["name"] = n.items[at++].text;
    bool binary = at < n.items.size() && n.items[at].isAtom("binary");
    if (!binary) {
      module["module_type"] = "text";  // `quote` or a text module
      return module;
    }
    std::string bytes;
    for (++at; at < n.items.size(); ++at) {
      if (!n.items[at].isString()) errorAt(n.items[at], "expected a string of module bytes");
      bytes += n.items[at].text;
    }
    module["module_type"] = "binary";
    module["module_bytes"] = script_.modules.size();
    script_.modules.emplace_back(bytes.begin(), bytes.end());
    return module;
  }

  json readRegister(const Node& n) {
    if (n.items.size() < 2 || n.items.size() > 3 || !n.items[1].isString())
      errorAt(n, "expected (register \"NAME\" [$INSTANCE])");
    json command{{"type", "register"}, {"as", n.items[1].text}};
    if (n.items.size() == 3) {
      if (!n.items[2].isName()) errorAt(n.items[2], "expected an instance name");
      command["name"] = n.items[2].text;
    }
    return command;
  }

  // `(invoke [$I] "name" ARG*)` or `(get [$I] "name")`.
  json readAction(const Node& n) {
    const std::string& op = n.head();
    if (op != "invoke" && op != "get") errorAt(n, "expected (invoke ...) or (get ...)");
    size_t at = 1;
    json action{{"type", op}};
    if (at < n.items.size() && n.items[at].isName()) action["module"] = n.items[at++].text;
    if (at >= n.items.size() || !n.items[at].isString()) errorAt(n, op + " needs an export name string");
    action["field"] = n.items[at++].text;
    if (op == "get") {
      if (at != n.items.size()) errorAt(n, "get takes no arguments");
      return action;
    }
    json args = json::array();
    for (; at < n.items.size(); ++at) args.push_back(readValue(n.items[at], /*expected=*/false));
    action["args"] = args;
    return action;
  }

  json readAssertReturn(const Node& n) {
    if (n.items.size() < 2) errorAt(n, "assert_return needs an action");
    json expected = json::array();
    for (size_t i = 2; i < n.items.size(); ++i) expected.push_back(readValue(n.items[i], /*expected=*/true));
    return json{{"type", "assert_return"}, {"action", readAction(n.items[1])}, {"expected", expected}};
  }

  // `(assert_trap ACTION "msg")`, `(assert_trap MODULE "msg")`,
  // `(assert_exhaustion ACTION "msg")`.
  json readAssertTrap(const Node& n) {
    if (n.items.size() != 3 || !n.items[2].isString()) errorAt(n, "expected (" + n.head() + " ACTION \"message\")");
    json command{{"type", n.head()}, {"text", n.items[2].text}};
    const Node& target = n.items[1];
    if (target.head() == "module") {
      if (n.head() != "assert_trap") errorAt(target, "assert_exhaustion takes an action");
      return moduleAssertion(json{{"type", "assert_uninstantiable"}, {"text", n.items[2].text}},
                             readModule(target));
    }
    command["action"] = readAction(target);
    return command;
  }

  json readAssertException(const Node& n) {
    if (n.items.size() != 2) errorAt(n, "expected (assert_exception ACTION)");
    return json{{"type", "assert_exception"}, {"action", readAction(n.items[1])}};
  }

  // assert_invalid/malformed take a module definition; assert_unlinkable
  // and assert_uninstantiable a module or a (module instance ...).
  json readAssertModule(const Node& n, bool instance) {
    if (n.items.size() != 3 || n.items[1].head() != "module" || !n.items[2].isString())
      errorAt(n, "expected (" + n.head() + " (module ...) \"message\")");
    json command{{"type", n.head()}, {"text", n.items[2].text}};
    json module = readModule(n.items[1]);
    if (module["type"] == "module_instance" && !instance)
      errorAt(n.items[1], n.head() + " needs a module definition, not an instance");
    return moduleAssertion(std::move(command), std::move(module));
  }

  json moduleAssertion(json command, json module) {
    if (module["type"] == "module_instance") {
      command["instance"] = module;
      return command;
    }
    for (const char* field : {"module_type", "module_bytes"})
      if (module.contains(field)) command[field] = module[field];
    return command;
  }

  WastScript& script_;
};

}  // namespace

WastScript readWastScript(const std::string& text) {
  WastScript script;
  CommandReader reader(&script);
  for (const Node& form : Lexer(text).readAll()) reader.readCommand(form);
  return script;
}

}  // namespace cli
}  // namespace strata
