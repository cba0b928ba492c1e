#include "wasm/types.h"

#include <mutex>
#include <unordered_map>

namespace strata {

namespace {

const char* abstractHeapName(uint32_t h) {
  switch (h) {
    case heap::Func: return "func";
    case heap::Extern: return "extern";
    case heap::Any: return "any";
    case heap::Eq: return "eq";
    case heap::I31: return "i31";
    case heap::Struct: return "struct";
    case heap::Array: return "array";
    case heap::Exn: return "exn";
    case heap::None: return "none";
    case heap::NoExtern: return "noextern";
    case heap::NoFunc: return "nofunc";
    case heap::NoExn: return "noexn";
  }
  return "<invalid heap type>";
}

}  // namespace

std::string heapTypeName(uint32_t h) {
  if (heap::isAbstract(h)) return abstractHeapName(h);
  if (h & heap::kCanonical) return "canon" + std::to_string(h & heap::kIndexMask);
  if (h & heap::kRecRelative) return "rec." + std::to_string(h & heap::kIndexMask);
  return std::to_string(h);
}

std::string valTypeName(ValType t) {
  switch (t.kind()) {
    case ValKind::I32: return "i32";
    case ValKind::I64: return "i64";
    case ValKind::F32: return "f32";
    case ValKind::F64: return "f64";
    case ValKind::V128: return "v128";
    case ValKind::Bottom: return "unknown";
    default:
      break;
  }
  uint32_t h = t.heapType();
  if (t.nullable() && heap::isAbstract(h)) {
    // The abbreviations: funcref, nullfuncref, ...
    switch (h) {
      case heap::None: return "nullref";
      case heap::NoExtern: return "nullexternref";
      case heap::NoFunc: return "nullfuncref";
      case heap::NoExn: return "nullexnref";
      default: return std::string(abstractHeapName(h)) + "ref";
    }
  }
  return std::string(t.nullable() ? "(ref null " : "(ref ") + heapTypeName(h) + ")";
}

bool isHeapSubtype(uint32_t a, uint32_t b, const uint32_t* typeIds) {
  if (a == b) return true;
  auto canonical = [typeIds](uint32_t h) { return h & heap::kCanonical ? h & heap::kIndexMask : typeIds[h]; };
  if (heap::isConcrete(a)) {
    if (heap::isConcrete(b)) return canonical(a) == canonical(b);
    return b == heap::Func;  // every concrete type is a function type (no GC yet)
  }
  switch (a) {
    case heap::NoFunc: return b == heap::Func || heap::isConcrete(b);
    case heap::NoExtern: return b == heap::Extern;
    case heap::NoExn: return b == heap::Exn;
    case heap::None: return b == heap::Any || b == heap::Eq || b == heap::I31 || b == heap::Struct || b == heap::Array;
    case heap::I31:
    case heap::Struct:
    case heap::Array: return b == heap::Eq || b == heap::Any;
    case heap::Eq: return b == heap::Any;
    default: return false;
  }
}

std::string FuncType::toString() const {
  auto list = [](const std::vector<ValType>& types) {
    std::string s = "(";
    for (size_t i = 0; i < types.size(); ++i) {
      if (i) s += ' ';
      s += valTypeName(types[i]);
    }
    s += ')';
    return s;
  };
  return list(params) + " -> " + list(results);
}

namespace {

// A rec group's key as bytes: each type's parameter and result counts,
// then each value type's fields.
std::string recGroupKey(const std::vector<FuncType>& group) {
  std::string key;
  auto put32 = [&key](uint32_t v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
  for (const FuncType& ft : group) {
    put32(uint32_t(ft.params.size()));
    put32(uint32_t(ft.results.size()));
    for (const auto* list : {&ft.params, &ft.results})
      for (ValType t : *list) {
        key.push_back(char(t.kind()));
        key.push_back(char(t.nullable()));
        put32(t.heapType());
      }
  }
  return key;
}

// Process-wide: call_indirect and import matching compare ids of types
// from different modules, so every module draws from the same table.
struct TypeRegistry {
  std::mutex mutex;
  std::unordered_map<std::string, uint32_t> groups;  // key -> id of its first type
  uint32_t nextId = 1;
};

TypeRegistry& typeRegistry() {
  // Deliberately leaked: instances torn down by static destructors or by
  // threads still running at exit may still ask for ids.
  static TypeRegistry* registry = new TypeRegistry;
  return *registry;
}

}  // namespace

uint32_t canonicalRecGroup(const std::vector<FuncType>& key) {
  std::string bytes = recGroupKey(key);
  TypeRegistry& reg = typeRegistry();
  std::lock_guard<std::mutex> lock(reg.mutex);
  auto [it, inserted] = reg.groups.emplace(std::move(bytes), reg.nextId);
  if (inserted) reg.nextId += uint32_t(key.size());
  return it->second;
}

const char* externKindName(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
    case ExternKind::Tag: return "tag";
  }
  return "<invalid kind>";
}

}  // namespace strata
