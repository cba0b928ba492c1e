// WAMR's built-in libc (see libc_builtin.h): the functions, a table of
// them, and printf's formatting over a guest va_list.
#include "libc/libc_builtin.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <vector>

#include "runtime/instance.h"

namespace strata::libc {

namespace {

// The caller's memory 0, every access checked.
class Guest {
 public:
  explicit Guest(Instance* inst) : inst_(inst) {
    if (!inst || !inst->numMemories()) throw Trap("env: the built-in libc needs the module's memory 0");
    Memory* m = inst->memory(0);
    base_ = m->base();
    size_ = m->byteSize();
  }
  Instance* instance() const { return inst_; }
  uint64_t size() const { return size_; }
  uint8_t* at(uint32_t offset, uint64_t n) const {
    if (uint64_t(offset) + n > size_) throw Trap("out of bounds memory access");
    return base_ + offset;
  }
  // A NUL-terminated string at `offset` (its terminator inside memory).
  const char* cstr(uint32_t offset, size_t* length = nullptr) const {
    if (offset >= size_) throw Trap("out of bounds memory access");
    const void* nul = std::memchr(base_ + offset, 0, size_ - offset);
    if (!nul) throw Trap("out of bounds memory access");
    if (length) *length = static_cast<const uint8_t*>(nul) - (base_ + offset);
    return reinterpret_cast<const char*>(base_ + offset);
  }
  // The byte at offset + i, checked.
  uint8_t byte(uint32_t offset, uint64_t i) const { return *at(uint32_t(offset + i), 1); }
  uint32_t u32(uint32_t offset) const {
    uint32_t v;
    std::memcpy(&v, at(offset, 4), 4);
    return v;
  }

 private:
  Instance* inst_;
  uint8_t* base_;
  uint64_t size_;
};

// --- printf ---------------------------------------------------------------

constexpr int kMaxFieldWidth = 1 << 20;  // a wider field is refused, not allocated

// Reads printf's arguments from a guest va_list (wasm32: each at the next
// multiple of its size).
class VaList {
 public:
  VaList(const Guest& g, uint32_t at) : g_(g), at_(at) {}
  uint32_t next32() {
    at_ = (at_ + 3) & ~3u;
    uint32_t v = g_.u32(at_);
    at_ += 4;
    return v;
  }
  uint64_t next64() {
    at_ = (at_ + 7) & ~7u;
    uint64_t v;
    std::memcpy(&v, g_.at(at_, 8), 8);
    at_ += 8;
    return v;
  }

 private:
  const Guest& g_;
  uint32_t at_;
};

template <typename T>
void appendFormatted(std::string& out, const std::string& spec, T value) {
  int n = std::snprintf(nullptr, 0, spec.c_str(), value);
  if (n < 0) throw Trap("printf: bad conversion " + spec);
  std::vector<char> buf(size_t(n) + 1);
  std::snprintf(buf.data(), buf.size(), spec.c_str(), value);
  out.append(buf.data(), size_t(n));
}

std::string format(const Guest& g, uint32_t formatOffset, uint32_t vaOffset) {
  size_t length;
  const char* f = g.cstr(formatOffset, &length);
  VaList va(g, vaOffset);
  std::string out;
  for (size_t i = 0; i < length;) {
    if (f[i] != '%') {
      out += f[i++];
      continue;
    }
    ++i;
    if (i < length && f[i] == '%') {
      out += '%';
      ++i;
      continue;
    }
    std::string spec = "%";
    while (i < length && std::strchr("-+ #0", f[i])) spec += f[i++];
    auto number = [&](const char* what) {
      if (i < length && f[i] == '*') {
        ++i;
        int32_t v = int32_t(va.next32());
        if (v > kMaxFieldWidth || v < -kMaxFieldWidth) throw Trap(std::string("printf: ") + what + " too large");
        spec += std::to_string(v);
        return;
      }
      long v = 0;
      while (i < length && std::isdigit(static_cast<unsigned char>(f[i]))) {
        v = v * 10 + (f[i] - '0');
        if (v > kMaxFieldWidth) throw Trap(std::string("printf: ") + what + " too large");
        spec += f[i++];
      }
    };
    number("field width");
    bool hasPrecision = false;
    long precision = 0;
    if (i < length && f[i] == '.') {
      spec += f[i++];
      hasPrecision = true;
      size_t before = spec.size();
      number("precision");
      precision = before == spec.size() ? 0 : std::strtol(spec.c_str() + before, nullptr, 10);
    }
    // Length modifiers, as wasm32 sizes them: l, z and t are 32 bits.
    int bits = 32;
    char narrow = 0;  // 'H' for hh, 'h' for h
    if (i < length && f[i] == 'h') {
      ++i;
      narrow = 'h';
      if (i < length && f[i] == 'h') ++i, narrow = 'H';
    } else if (i < length && f[i] == 'l') {
      ++i;
      if (i < length && f[i] == 'l') ++i, bits = 64;
    } else if (i < length && f[i] == 'j') {
      ++i;
      bits = 64;
    } else if (i < length && (f[i] == 'z' || f[i] == 't')) {
      ++i;
    } else if (i < length && f[i] == 'L') {
      throw Trap("printf: long double (%L) is not supported");
    }
    if (i >= length) throw Trap("printf: incomplete conversion at the end of the format");
    char conv = f[i++];
    switch (conv) {
      case 'd': case 'i': {
        int64_t v = bits == 64 ? int64_t(va.next64()) : int64_t(int32_t(va.next32()));
        if (narrow == 'H') v = int8_t(v);
        if (narrow == 'h') v = int16_t(v);
        appendFormatted(out, spec + "lld", (long long)v);
        break;
      }
      case 'u': case 'o': case 'x': case 'X': {
        uint64_t v = bits == 64 ? va.next64() : uint64_t(va.next32());
        if (narrow == 'H') v = uint8_t(v);
        if (narrow == 'h') v = uint16_t(v);
        appendFormatted(out, spec + "ll" + conv, (unsigned long long)v);
        break;
      }
      case 'c':
        appendFormatted(out, spec + "c", int(uint8_t(va.next32())));
        break;
      case 's': {
        uint32_t p = va.next32();
        std::string s;
        if (hasPrecision) {
          for (long k = 0; k < precision && g.byte(p, k); ++k) s += char(g.byte(p, k));
        } else {
          s = g.cstr(p);
        }
        appendFormatted(out, spec + "s", s.c_str());
        break;
      }
      case 'p':
        appendFormatted(out, "%#x", unsigned(va.next32()));  // a guest address
        break;
      case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A': {
        uint64_t bits64 = va.next64();
        double d;
        std::memcpy(&d, &bits64, 8);
        appendFormatted(out, spec + conv, d);
        break;
      }
      case 'n':
        throw Trap("printf: %n is not supported");
      default:
        throw Trap(std::string("printf: unknown conversion '%") + conv + "'");
    }
  }
  return out;
}

// --- the functions ----------------------------------------------------------

struct Call {
  Instance* caller;
  const Heap* heap;
  Slot* slots;
  uint32_t arg(int i) const { return uint32_t(slots[i]); }
  void ret(uint32_t v) const { slots[0] = v; }
  Guest guest() const { return Guest(caller); }
};

uint32_t allocate(const Call& c, uint32_t size) {
  if (!c.heap || !c.heap->alloc)
    throw Trap("env.malloc: no heap to allocate from (the C API's instantiation with a heap_size gives one)");
  return c.heap->alloc(c.caller, size);
}

void release(const Call& c, uint32_t offset) {
  if (offset && c.heap && c.heap->release) c.heap->release(c.caller, offset);
}

void writeString(const Call& c, uint32_t buf, uint64_t capacity, const std::string& s) {
  // snprintf semantics: at most capacity - 1 characters and a NUL.
  if (capacity == 0) return;
  uint64_t n = std::min<uint64_t>(s.size(), capacity - 1);
  uint8_t* dst = c.guest().at(buf, n + 1);
  std::memcpy(dst, s.data(), n);
  dst[n] = 0;
}

// strtol / strtoul over a guest string, with the end pointer written back.
template <bool isSigned>
void strtoInteger(const Call& c) {
  Guest g = c.guest();
  const char* s = g.cstr(c.arg(0));
  char* end = nullptr;
  int base = int32_t(c.arg(2));
  uint32_t result;
  errno = 0;
  if (isSigned) {
    long long v = std::strtoll(s, &end, base);
    result = uint32_t(int32_t(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v));
  } else {
    unsigned long long v = std::strtoull(s, &end, base);
    result = v > UINT32_MAX ? UINT32_MAX : uint32_t(v);
  }
  if (c.arg(1)) {
    uint32_t endOffset = c.arg(0) + uint32_t(end - s);
    std::memcpy(g.at(c.arg(1), 4), &endOffset, 4);
  }
  c.ret(result);
}

using Impl = void (*)(const Call&);

void copyMemory(const Call& c) {
  Guest g = c.guest();
  std::memmove(g.at(c.arg(0), c.arg(2)), g.at(c.arg(1), c.arg(2)), c.arg(2));
  c.ret(c.arg(0));
}

struct Builtin {
  const char* name;
  int params;   // all i32
  bool result;  // an i32
  Impl impl;
};

int ctype(int (*f)(int), uint32_t c) { return c <= 255 ? (f(int(c)) != 0) : 0; }

const Builtin kBuiltins[] = {
    {"printf", 2, true, [](const Call& c) {
       std::string s = format(c.guest(), c.arg(0), c.arg(1));
       std::fwrite(s.data(), 1, s.size(), stdout);
       c.ret(uint32_t(s.size()));
     }},
    {"sprintf", 3, true, [](const Call& c) {
       std::string s = format(c.guest(), c.arg(1), c.arg(2));
       writeString(c, c.arg(0), s.size() + 1, s);
       c.ret(uint32_t(s.size()));
     }},
    {"snprintf", 4, true, [](const Call& c) {
       std::string s = format(c.guest(), c.arg(2), c.arg(3));
       writeString(c, c.arg(0), c.arg(1), s);
       c.ret(uint32_t(s.size()));
     }},
    {"puts", 1, true, [](const Call& c) {
       size_t n;
       const char* s = c.guest().cstr(c.arg(0), &n);
       std::fwrite(s, 1, n, stdout);
       std::fputc('\n', stdout);
       c.ret(uint32_t(n + 1));
     }},
    {"putchar", 1, true, [](const Call& c) {
       std::fputc(int(uint8_t(c.arg(0))), stdout);
       c.ret(uint8_t(c.arg(0)));
     }},
    {"memcpy", 3, true, copyMemory},  // overlapping copies are defined here too
    {"memmove", 3, true, copyMemory},
    {"memset", 3, true, [](const Call& c) {
       std::memset(c.guest().at(c.arg(0), c.arg(2)), int(uint8_t(c.arg(1))), c.arg(2));
       c.ret(c.arg(0));
     }},
    {"memcmp", 3, true, [](const Call& c) {
       Guest g = c.guest();
       int r = std::memcmp(g.at(c.arg(0), c.arg(2)), g.at(c.arg(1), c.arg(2)), c.arg(2));
       c.ret(uint32_t(r < 0 ? -1 : r > 0));
     }},
    {"strlen", 1, true, [](const Call& c) {
       size_t n;
       c.guest().cstr(c.arg(0), &n);
       c.ret(uint32_t(n));
     }},
    {"strcmp", 2, true, [](const Call& c) {
       Guest g = c.guest();
       int r = std::strcmp(g.cstr(c.arg(0)), g.cstr(c.arg(1)));
       c.ret(uint32_t(r < 0 ? -1 : r > 0));
     }},
    {"strncmp", 3, true, [](const Call& c) {
       Guest g = c.guest();
       int r = 0;
       for (uint32_t k = 0; k < c.arg(2) && r == 0; ++k) {
         uint8_t a = g.byte(c.arg(0), k), b = g.byte(c.arg(1), k);
         r = int(a) - int(b);
         if (!a) break;
       }
       c.ret(uint32_t(r < 0 ? -1 : r > 0));
     }},
    {"strcpy", 2, true, [](const Call& c) {
       Guest g = c.guest();
       size_t n;
       const char* s = g.cstr(c.arg(1), &n);
       std::memmove(g.at(c.arg(0), n + 1), s, n + 1);
       c.ret(c.arg(0));
     }},
    {"strncpy", 3, true, [](const Call& c) {
       Guest g = c.guest();
       uint8_t* d = g.at(c.arg(0), c.arg(2));
       uint32_t k = 0;
       for (; k < c.arg(2); ++k) {
         uint8_t b = g.byte(c.arg(1), k);
         if (!b) break;
         d[k] = b;
       }
       std::memset(d + k, 0, c.arg(2) - k);
       c.ret(c.arg(0));
     }},
    {"strcat", 2, true, [](const Call& c) {
       Guest g = c.guest();
       size_t dn, sn;
       g.cstr(c.arg(0), &dn);
       const char* s = g.cstr(c.arg(1), &sn);
       std::memmove(g.at(uint32_t(c.arg(0) + dn), sn + 1), s, sn + 1);
       c.ret(c.arg(0));
     }},
    {"strchr", 2, true, [](const Call& c) {
       size_t n;
       const char* s = c.guest().cstr(c.arg(0), &n);
       const void* p = std::memchr(s, int(uint8_t(c.arg(1))), n + 1);  // the terminator too
       c.ret(p ? uint32_t(c.arg(0) + (static_cast<const char*>(p) - s)) : 0);
     }},
    {"strrchr", 2, true, [](const Call& c) {
       size_t n;
       const char* s = c.guest().cstr(c.arg(0), &n);
       char ch = char(uint8_t(c.arg(1)));
       uint32_t found = 0;
       for (size_t k = 0; k <= n; ++k)
         if (s[k] == ch) found = uint32_t(c.arg(0) + k);
       c.ret(found);
     }},
    {"strdup", 1, true, [](const Call& c) {
       size_t n;
       c.guest().cstr(c.arg(0), &n);
       uint32_t p = allocate(c, uint32_t(n + 1));
       if (p) {
         Guest g = c.guest();  // the heap may have grown memory
         std::memmove(g.at(p, n + 1), g.cstr(c.arg(0)), n + 1);
       }
       c.ret(p);
     }},
    {"atoi", 1, true, [](const Call& c) {
       long long v = std::strtoll(c.guest().cstr(c.arg(0)), nullptr, 10);
       c.ret(uint32_t(int32_t(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v)));
     }},
    {"strtol", 3, true, strtoInteger<true>},
    {"strtoul", 3, true, strtoInteger<false>},
    {"malloc", 1, true, [](const Call& c) { c.ret(allocate(c, c.arg(0))); }},
    {"calloc", 2, true, [](const Call& c) {
       uint64_t n = uint64_t(c.arg(0)) * c.arg(1);
       uint32_t p = n > UINT32_MAX ? 0 : allocate(c, uint32_t(n));
       if (p) std::memset(c.guest().at(p, n), 0, n);
       c.ret(p);
     }},
    {"realloc", 2, true, [](const Call& c) {
       uint32_t old = c.arg(0), n = c.arg(1);
       if (!old) return c.ret(allocate(c, n));
       if (!n) {
         release(c, old);
         return c.ret(0);
       }
       uint32_t p = allocate(c, n);
       if (p) {
         Guest g = c.guest();
         uint32_t oldSize = c.heap->size ? c.heap->size(c.caller, old) : 0;
         uint64_t copy = std::min<uint64_t>(n, oldSize ? oldSize : g.size() - std::min<uint64_t>(old, g.size()));
         std::memmove(g.at(p, copy), g.at(old, copy), copy);
         release(c, old);
       }
       c.ret(p);
     }},
    {"free", 1, false, [](const Call& c) { release(c, c.arg(0)); }},
    {"abort", 0, false, [](const Call&) { throw Trap("env.abort: the program called abort()"); }},
    {"isalnum", 1, true, [](const Call& c) { c.ret(ctype(std::isalnum, c.arg(0))); }},
    {"isalpha", 1, true, [](const Call& c) { c.ret(ctype(std::isalpha, c.arg(0))); }},
    {"isdigit", 1, true, [](const Call& c) { c.ret(ctype(std::isdigit, c.arg(0))); }},
    {"isxdigit", 1, true, [](const Call& c) { c.ret(ctype(std::isxdigit, c.arg(0))); }},
    {"isspace", 1, true, [](const Call& c) { c.ret(ctype(std::isspace, c.arg(0))); }},
    {"isupper", 1, true, [](const Call& c) { c.ret(ctype(std::isupper, c.arg(0))); }},
    {"islower", 1, true, [](const Call& c) { c.ret(ctype(std::islower, c.arg(0))); }},
    {"isprint", 1, true, [](const Call& c) { c.ret(ctype(std::isprint, c.arg(0))); }},
    {"ispunct", 1, true, [](const Call& c) { c.ret(ctype(std::ispunct, c.arg(0))); }},
    {"iscntrl", 1, true, [](const Call& c) { c.ret(ctype(std::iscntrl, c.arg(0))); }},
    {"isgraph", 1, true, [](const Call& c) { c.ret(ctype(std::isgraph, c.arg(0))); }},
    {"toupper", 1, true, [](const Call& c) {
       c.ret(c.arg(0) <= 255 ? uint32_t(std::toupper(int(c.arg(0)))) : c.arg(0));
     }},
    {"tolower", 1, true, [](const Call& c) {
       c.ret(c.arg(0) <= 255 ? uint32_t(std::tolower(int(c.arg(0)))) : c.arg(0));
     }},
};

struct Binding {
  const Builtin* builtin;
  const Heap* heap;
};

void callBuiltin(void* env, Instance* caller, Slot* slots) {
  auto* b = static_cast<Binding*>(env);
  b->builtin->impl(Call{caller, b->heap, slots});
}

}  // namespace

std::shared_ptr<Function> builtinFunction(const std::string& name, const Heap* heap) {
  for (const Builtin& b : kBuiltins) {
    if (name != b.name) continue;
    FuncType type;
    type.params.assign(size_t(b.params), ValType::I32);
    if (b.result) type.results.push_back(ValType::I32);
    auto* binding = new Binding{&b, heap};
    std::shared_ptr<Function> f = makeHostFunction(type, callBuiltin, binding);
    return std::shared_ptr<Function>(f.get(), [f, binding](Function*) mutable {
      f.reset();
      delete binding;
    });
  }
  return nullptr;
}

}  // namespace strata::libc
