// Helpers for tests that run wasm: instantiate bytes, catch a call's trap,
// and a module whose export re-enters itself through a host import.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "wasm_builder.h"

namespace strata::test {

inline std::shared_ptr<Instance> instantiate(const Bytes& bytes, ExecEnv& env, std::vector<Extern> imports = {}) {
  return Instance::instantiate(decodeModule(bytes), std::move(imports), env);
}

// The trap message of calling f, or "" if it returns.
inline std::string trapOf(ExecEnv& env, Function* f, std::vector<Slot> args) {
  try {
    env.call(f, args);
  } catch (const Trap& t) {
    return t.what();
  }
  return "";
}

// (import "h" "f" (func $h (param i32) (result i32)))
// (func (export "g") (param i32) (result i32) (call $h (local.get 0)))
// where h calls g again through ExecEnv::call: every round trip nests
// native frames, so the depth must be bounded by a trap.
struct Reentry {
  ExecEnv env;
  std::shared_ptr<Instance> instance;
  Function* g = nullptr;

  Reentry() {
    WasmBuilder b;
    uint32_t t = b.type({I32}, {I32});
    b.importFunc("h", "f", t);
    b.func(t, {}, {0x20, 0x00, 0x10, 0x00}, "g");
    Extern host;
    host.kind = ExternKind::Func;
    host.func = makeHostFunction(FuncType{{ValType::I32}, {ValType::I32}}, &Reentry::reenter, this);
    instance = instantiate(b.build(), env, {host});
    g = instance->exportedFunction("g");
  }
  static void reenter(void* self, Instance*, Slot* slots) {
    auto* r = static_cast<Reentry*>(self);
    slots[0] = r->env.call(r->g, std::vector<Slot>{slots[0]})[0];
  }
};

}  // namespace strata::test
