#include "cli/host_spectest.h"

#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/spectest.h"

namespace strata {
namespace cli {
namespace {

// One print function: its export name and parameter types. The callback's
// `env` points at the entry, which is how one callback serves all seven.
struct PrintFunction {
  const char* name;
  std::vector<ValType> params;
};

const std::vector<PrintFunction>& printFunctions() {
  static const std::vector<PrintFunction> kFunctions = {
      {"print", {}},
      {"print_i32", {ValType::I32}},
      {"print_i64", {ValType::I64}},
      {"print_f32", {ValType::F32}},
      {"print_f64", {ValType::F64}},
      {"print_i32_f32", {ValType::I32, ValType::F32}},
      {"print_f64_f64", {ValType::F64, ValType::F64}},
  };
  return kFunctions;
}

// Prints the call the way wabt's spectest-interp does, so output can be
// compared with the reference: "called host spectest.print_i32(i32:42) =>".
void printCallback(void* env, Instance* /*caller*/, Slot* slots) {
  const auto* fn = static_cast<const PrintFunction*>(env);
  std::string line = "called host spectest.";
  line += fn->name;
  line += '(';
  for (size_t i = 0; i < fn->params.size(); ++i) {
    if (i > 0) line += ", ";
    line += describeValue(fn->params[i], slots[i]);
  }
  line += ") =>";
  std::cout << line << '\n';
}

Extern makeGlobal(ValType type, Slot value) {
  Extern ext;
  ext.kind = ExternKind::Global;
  ext.global = std::make_shared<GlobalCell>();
  ext.global->type = GlobalType{type, /*mutable_=*/false};
  ext.global->value = value;
  return ext;
}

Slot f32Bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

Slot f64Bits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}

}  // namespace

HostModule makeSpectestModule() {
  HostModule module;
  for (const PrintFunction& fn : printFunctions()) {
    Extern ext;
    ext.kind = ExternKind::Func;
    FuncType type{fn.params, {}};
    // The callback only reads the entry; the cast drops const for the
    // generic void* environment of HostCallback.
    ext.func = makeHostFunction(type, printCallback, const_cast<PrintFunction*>(&fn));
    module.exports[fn.name] = ext;
  }

  module.exports["global_i32"] = makeGlobal(ValType::I32, 666);
  module.exports["global_i64"] = makeGlobal(ValType::I64, 666);
  module.exports["global_f32"] = makeGlobal(ValType::F32, f32Bits(666.6f));
  module.exports["global_f64"] = makeGlobal(ValType::F64, f64Bits(666.6));

  Extern table;
  table.kind = ExternKind::Table;
  TableType tableType;
  tableType.elem = ValType::FuncRef;
  tableType.limits = Limits{10, 20, true};
  table.table = std::make_shared<Table>(tableType, /*init=*/Slot{0});
  module.exports["table"] = table;
  // The same indexed by i64 (table64), as the reference interpreter's.
  Extern table64 = table;
  tableType.is64 = true;
  table64.table = std::make_shared<Table>(tableType, /*init=*/Slot{0});
  module.exports["table64"] = table64;

  Extern memory;
  memory.kind = ExternKind::Memory;
  MemoryType memoryType;
  memoryType.limits = Limits{1, 2, true};
  memory.memory = Memory::create(memoryType);
  module.exports["memory"] = memory;

  return module;
}

}  // namespace cli
}  // namespace strata
