// Module bytes for the microbenchmarks: LEB128 writers, the synthetic
// "large module" (many mid-sized functions) shared by the decode and
// translation benchmarks, and a small builder for hand-made test modules.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace strata {
namespace bench {

using Bytes = std::vector<uint8_t>;

inline void putU32(Bytes& out, uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? (b | 0x80) : b);
  } while (v);
}

inline void putS32(Bytes& out, int32_t v) {
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;  // arithmetic shift: sign-extends
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    out.push_back(done ? b : (b | 0x80));
    if (done) return;
  }
}

inline void putSection(Bytes& module, uint8_t id, const Bytes& contents) {
  module.push_back(id);
  putU32(module, static_cast<uint32_t>(contents.size()));
  module.insert(module.end(), contents.begin(), contents.end());
}

// One function body of type (i32 i32) -> i32 with locals 2,3: i32, 4: i64,
// 5: f64. `chunks` copies of a block/loop nest, then a call to the previous
// function so the call instruction and function indices are exercised too.
inline Bytes syntheticBody(uint32_t index, uint32_t chunks) {
  Bytes b = {3, 2, 0x7f, 1, 0x7e, 1, 0x7c};  // local declarations
  for (uint32_t c = 0; c < chunks; ++c) {
    const int32_t k = static_cast<int32_t>(index * 131 + c * 7919) - 100000;
    b.insert(b.end(), {0x02, 0x40, 0x03, 0x40});  // block, loop
    b.insert(b.end(), {0x20, 0, 0x41});           // local.get 0, i32.const k
    putS32(b, k);
    b.insert(b.end(), {0x6a, 0x22, 2, 0x20, 1, 0x6c, 0x21, 3});  // add, tee 2, get 1, mul, set 3
    b.insert(b.end(), {0x20, 3, 0x28, 0x02});  // get 3, i32.load align=4 offset=...
    putU32(b, (c * 4) % 4096);
    b.insert(b.end(), {0x20, 2, 0x73, 0x21, 2});  // get 2, xor, set 2
    b.insert(b.end(), {0x20, 4, 0x20, 2, 0xad, 0x7c, 0x21, 4});  // i64 acc += extend_u(local 2)
    b.insert(b.end(), {0x20, 2, 0xb7, 0x44});  // f64.convert_i32_s(local 2) * const
    double scale = 1.0 + c * 0.5;
    uint8_t raw[8];
    std::memcpy(raw, &scale, 8);
    b.insert(b.end(), raw, raw + 8);
    b.insert(b.end(), {0xa2, 0x21, 5});                  // mul, set 5
    b.insert(b.end(), {0x20, 2, 0x45, 0x0d, 1});         // br_if 1 (leave) when local 2 == 0
    b.insert(b.end(), {0x20, 3, 0x41, 1, 0x6b, 0x22, 3, 0x0d, 0});  // --local 3, br_if 0 (repeat)
    b.insert(b.end(), {0x0b, 0x0b});                     // end loop, end block
  }
  b.insert(b.end(), {0x20, 2});  // result: local 2 ...
  if (index > 0) {
    b.insert(b.end(), {0x20, 3, 0x10});  // ... or call previous(local 2, local 3)
    putU32(b, index - 1);
  }
  b.push_back(0x0b);
  return b;
}

inline Bytes syntheticModule(uint32_t functions, uint32_t chunksPerFunction) {
  Bytes m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  putSection(m, 1, {1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f});  // type 0: (i32 i32) -> i32
  Bytes funcs;
  putU32(funcs, functions);
  for (uint32_t i = 0; i < functions; ++i) funcs.push_back(0);
  putSection(m, 3, funcs);
  putSection(m, 5, {1, 0x00, 1});  // one memory, min 1 page
  // Export the last function (it calls all the others) under a readable name.
  Bytes exports = {1, 3, 'r', 'u', 'n', 0x00};
  putU32(exports, functions - 1);
  putSection(m, 7, exports);
  Bytes code;
  putU32(code, functions);
  for (uint32_t i = 0; i < functions; ++i) {
    Bytes body = syntheticBody(i, chunksPerFunction);
    putU32(code, static_cast<uint32_t>(body.size()));
    code.insert(code.end(), body.begin(), body.end());
  }
  putSection(m, 10, code);
  return m;
}

// Size of the code section's contents, the part whose decoding dominates;
// the whole module if it has none or is malformed.
inline size_t codeSectionSize(const Bytes& m) {
  size_t pos = 8;
  auto readU32 = [&](uint32_t& v) {
    v = 0;
    for (int shift = 0; shift < 35 && pos < m.size(); shift += 7) {
      uint8_t b = m[pos++];
      v |= uint32_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  };
  while (pos < m.size()) {
    uint8_t id = m[pos++];
    uint32_t size;
    if (!readU32(size) || size > m.size() - pos) break;
    if (id == 10) return size;
    pos += size;
  }
  return m.size();
}


inline bool readFile(const std::string& path, Bytes* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// A module writer covering what the call and memory benchmarks need:
// function imports, functions, one funcref table with one active element
// segment at offset 0, one memory, function exports.
class ModuleBuilder {
 public:
  uint32_t type(const Bytes& params, const Bytes& results) {
    Bytes t = {0x60};
    putU32(t, static_cast<uint32_t>(params.size()));
    t.insert(t.end(), params.begin(), params.end());
    putU32(t, static_cast<uint32_t>(results.size()));
    t.insert(t.end(), results.begin(), results.end());
    types_.push_back(t);
    return static_cast<uint32_t>(types_.size() - 1);
  }
  uint32_t importFunc(const std::string& module, const std::string& field, uint32_t type) {
    Bytes i;
    putName(i, module);
    putName(i, field);
    i.push_back(0x00);
    putU32(i, type);
    imports_.push_back(i);
    return numImports_++;
  }
  // `locals` are (count, type) pairs; `code` excludes the final end.
  uint32_t func(uint32_t type, const std::vector<std::pair<uint32_t, uint8_t>>& locals, const Bytes& code,
                const std::string& exportName = "") {
    funcTypes_.push_back(type);
    Bytes body;
    putU32(body, static_cast<uint32_t>(locals.size()));
    for (const auto& l : locals) {
      putU32(body, l.first);
      body.push_back(l.second);
    }
    body.insert(body.end(), code.begin(), code.end());
    body.push_back(0x0b);
    bodies_.push_back(body);
    uint32_t index = numImports_ + static_cast<uint32_t>(funcTypes_.size() - 1);
    if (!exportName.empty()) {
      Bytes e;
      putName(e, exportName);
      e.push_back(0x00);
      putU32(e, index);
      exports_.push_back(e);
    }
    return index;
  }
  void table(const std::vector<uint32_t>& elements) { elements_ = elements; }
  void memory(uint32_t minPages) { memoryPages_ = minPages; }

  Bytes build() const {
    Bytes m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    vectorSection(m, 1, types_);
    vectorSection(m, 2, imports_);
    Bytes funcs;
    putU32(funcs, static_cast<uint32_t>(funcTypes_.size()));
    for (uint32_t t : funcTypes_) putU32(funcs, t);
    putSection(m, 3, funcs);
    if (!elements_.empty()) {
      Bytes t = {1, 0x70, 0x00};  // one funcref table, min only
      putU32(t, static_cast<uint32_t>(elements_.size()));
      putSection(m, 4, t);
    }
    if (memoryPages_ != ~0u) {
      Bytes mem = {1, 0x00};
      putU32(mem, memoryPages_);
      putSection(m, 5, mem);
    }
    vectorSection(m, 7, exports_);
    if (!elements_.empty()) {
      Bytes e = {1, 0x00, 0x41, 0x00, 0x0b};  // active, table 0, offset i32.const 0
      putU32(e, static_cast<uint32_t>(elements_.size()));
      for (uint32_t f : elements_) putU32(e, f);
      putSection(m, 9, e);
    }
    std::vector<Bytes> sized;
    for (const Bytes& b : bodies_) {
      Bytes s;
      putU32(s, static_cast<uint32_t>(b.size()));
      s.insert(s.end(), b.begin(), b.end());
      sized.push_back(s);
    }
    vectorSection(m, 10, sized);
    return m;
  }

 private:
  static void putName(Bytes& out, const std::string& s) {
    putU32(out, static_cast<uint32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  static void vectorSection(Bytes& m, uint8_t id, const std::vector<Bytes>& items) {
    if (items.empty()) return;
    Bytes contents;
    putU32(contents, static_cast<uint32_t>(items.size()));
    for (const Bytes& i : items) contents.insert(contents.end(), i.begin(), i.end());
    putSection(m, id, contents);
  }

  std::vector<Bytes> types_, imports_, exports_, bodies_;
  std::vector<uint32_t> funcTypes_, elements_;
  uint32_t numImports_ = 0;
  uint32_t memoryPages_ = ~0u;
};

}  // namespace bench
}  // namespace strata
