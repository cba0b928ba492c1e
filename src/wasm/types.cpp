#include "wasm/types.h"

namespace strata {

const char* valTypeName(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
    case ValType::Bottom: return "unknown";
  }
  // A ValType cast from an unchecked byte: still say something printable.
  return "<invalid type>";
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

const char* externKindName(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
  }
  return "<invalid kind>";
}

}  // namespace strata
