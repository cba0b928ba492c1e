// A tiny binary-module writer for tests that need a module shaped a certain
// way (many functions, deep nesting, exact byte offsets) without a WAT file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata::test {

using Bytes = std::vector<uint8_t>;

inline void leb(Bytes& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? b | 0x80 : b);
  } while (v);
}
inline void sleb(Bytes& out, int64_t v) {
  bool more = true;
  while (more) {
    uint8_t b = v & 0x7f;
    v >>= 7;
    more = !((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40)));
    out.push_back(more ? b | 0x80 : b);
  }
}
inline void name(Bytes& out, const std::string& s) {
  leb(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

constexpr uint8_t I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c;

class WasmBuilder {
 public:
  uint32_t type(Bytes params, Bytes results) {
    Bytes t = {0x60};
    leb(t, params.size());
    t.insert(t.end(), params.begin(), params.end());
    leb(t, results.size());
    t.insert(t.end(), results.begin(), results.end());
    types_.push_back(t);
    return uint32_t(types_.size() - 1);
  }
  // A type section entry as its bytes (a rec group, a type with
  // reference types).
  uint32_t rawType(Bytes entry) {
    types_.push_back(std::move(entry));
    return uint32_t(types_.size() - 1);
  }
  uint32_t importFunc(const std::string& module, const std::string& field, uint32_t typeIndex) {
    Bytes i;
    name(i, module);
    name(i, field);
    i.push_back(0x00);
    leb(i, typeIndex);
    imports_.push_back(i);
    return numImportedFuncs_++;
  }
  // `locals`: the local declarations as (count, type) pairs; `code`: the
  // instructions, without the final `end` (added here).
  uint32_t func(uint32_t typeIndex, std::vector<std::pair<uint32_t, uint8_t>> locals, Bytes code,
                const std::string& exportName = "") {
    Bytes decls;
    leb(decls, locals.size());
    for (auto& [n, t] : locals) {
      leb(decls, n);
      decls.push_back(t);
    }
    return funcWithLocals(typeIndex, decls, code, exportName);
  }
  // `localDecls`: the local declarations' bytes, count first.
  uint32_t funcWithLocals(uint32_t typeIndex, const Bytes& localDecls, const Bytes& code,
                          const std::string& exportName = "") {
    funcTypes_.push_back(typeIndex);
    Bytes body = localDecls;
    body.insert(body.end(), code.begin(), code.end());
    body.push_back(0x0b);
    bodies_.push_back(body);
    uint32_t index = numImportedFuncs_ + uint32_t(funcTypes_.size() - 1);
    if (!exportName.empty()) {
      Bytes e;
      name(e, exportName);
      e.push_back(0x00);
      leb(e, index);
      exports_.push_back(e);
    }
    return index;
  }
  void memory(uint32_t minPages) { memory_ = {0x00, uint8_t(minPages)}; }

  Bytes build() const {
    Bytes out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    section(out, 1, types_);
    section(out, 2, imports_);
    Bytes fs;
    for (uint32_t t : funcTypes_) leb(fs, t);
    sectionRaw(out, 3, funcTypes_.size(), fs);
    if (!memory_.empty()) sectionRaw(out, 5, 1, memory_);
    section(out, 7, exports_);
    std::vector<Bytes> sized;
    for (const Bytes& b : bodies_) {
      Bytes s;
      leb(s, b.size());
      s.insert(s.end(), b.begin(), b.end());
      sized.push_back(s);
    }
    section(out, 10, sized);
    return out;
  }

 private:
  static void sectionRaw(Bytes& out, uint8_t id, size_t count, const Bytes& payload) {
    if (count == 0) return;
    Bytes content;
    leb(content, count);
    content.insert(content.end(), payload.begin(), payload.end());
    out.push_back(id);
    leb(out, content.size());
    out.insert(out.end(), content.begin(), content.end());
  }
  static void section(Bytes& out, uint8_t id, const std::vector<Bytes>& items) {
    Bytes payload;
    for (const Bytes& i : items) payload.insert(payload.end(), i.begin(), i.end());
    sectionRaw(out, id, items.size(), payload);
  }

  std::vector<Bytes> types_, imports_, exports_, bodies_;
  std::vector<uint32_t> funcTypes_;
  Bytes memory_;
  uint32_t numImportedFuncs_ = 0;
};

}  // namespace strata::test
