// Instantiation: import checking, shared imports, segment initialisation
// (including what stays written when instantiation fails), start functions,
// exports; and the disassembler, which needs decoded modules too.
//
// The guest modules are compiled from the WAT shown above each array
// (wat2wasm; the disassembler's module with --debug-names).
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>

#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "wasm/disassembler.h"
#include "wasm/module.h"

namespace strata {
namespace {

// (module
//   (type $t (func (result i32)))
//   (memory (export "memory") 1 4)
//   (table (export "table") 10 funcref)
//   (global (export "g") (mut i32) (i32.const 5))
//   (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
//   (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
//   (func (export "getg") (result i32) (global.get 0))
//   (func (export "call") (param i32) (result i32) (call_indirect (type $t) (local.get 0)))
//   (func (export "size") (result i32) (memory.size)))
const std::vector<uint8_t> kProvider = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x03, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x03, 0x06, 0x05, 0x01, 0x02, 0x00, 0x01,
    0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x0a, 0x05, 0x04, 0x01, 0x01, 0x01, 0x04, 0x06, 0x06, 0x01,
    0x7f, 0x01, 0x41, 0x05, 0x0b, 0x07, 0x3a, 0x08, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02,
    0x00, 0x05, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x01, 0x00, 0x01, 0x67, 0x03, 0x00, 0x04, 0x6c, 0x6f,
    0x61, 0x64, 0x00, 0x00, 0x05, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x01, 0x04, 0x67, 0x65, 0x74,
    0x67, 0x00, 0x02, 0x04, 0x63, 0x61, 0x6c, 0x6c, 0x00, 0x03, 0x04, 0x73, 0x69, 0x7a, 0x65, 0x00,
    0x04, 0x0a, 0x25, 0x05, 0x07, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00,
    0x20, 0x01, 0x3a, 0x00, 0x00, 0x0b, 0x04, 0x00, 0x23, 0x00, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x11,
    0x00, 0x00, 0x0b, 0x04, 0x00, 0x3f, 0x00, 0x0b,
};

// (module
//   (import "Ms" "memory" (memory 1))
//   (import "Ms" "table" (table 1 funcref))
//   (import "Ms" "g" (global $g (mut i32)))
//   (func $seven (result i32) (i32.const 7))
//   (elem (i32.const 1) $seven)
//   (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
//   (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
//   (func (export "setg") (param i32) (global.set $g (local.get 0)))
//   (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
const std::vector<uint8_t> kConsumer = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x04, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x02, 0x23, 0x03,
    0x02, 0x4d, 0x73, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x01, 0x02, 0x4d, 0x73,
    0x05, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x01, 0x70, 0x00, 0x01, 0x02, 0x4d, 0x73, 0x01, 0x67, 0x03,
    0x7f, 0x01, 0x03, 0x06, 0x05, 0x00, 0x01, 0x02, 0x03, 0x01, 0x07, 0x1e, 0x04, 0x04, 0x6c, 0x6f,
    0x61, 0x64, 0x00, 0x01, 0x05, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x02, 0x04, 0x73, 0x65, 0x74,
    0x67, 0x00, 0x03, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x04, 0x09, 0x07, 0x01, 0x00, 0x41, 0x01,
    0x0b, 0x01, 0x00, 0x0a, 0x26, 0x05, 0x04, 0x00, 0x41, 0x07, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x2d,
    0x00, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x3a, 0x00, 0x00, 0x0b, 0x06, 0x00, 0x20,
    0x00, 0x24, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b,
};

// (module
//   (import "m" "f" (func (param i32) (result i32)))
//   (import "m" "t" (table 2 5 funcref))
//   (import "m" "mem" (memory 1 2))
//   (import "m" "g" (global i64)))
const std::vector<uint8_t> kAllImports = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x02, 0x21, 0x04, 0x01, 0x6d, 0x01, 0x66, 0x00, 0x00, 0x01, 0x6d, 0x01, 0x74, 0x01, 0x70, 0x01,
    0x02, 0x05, 0x01, 0x6d, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x01, 0x01, 0x02, 0x01, 0x6d, 0x01, 0x67,
    0x03, 0x7e, 0x00,
};

// (module
//   (import "Ms" "table" (table 1 funcref))
//   (import "Ms" "memory" (memory 1))
//   (func $f (result i32) (i32.const 0xdead))
//   (elem (i32.const 7) $f)
//   (elem (i32.const 8) $f $f $f $f $f)
//   (data (i32.const 0) "never"))
const std::vector<uint8_t> kElemOob = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x02,
    0x1b, 0x02, 0x02, 0x4d, 0x73, 0x05, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x01, 0x70, 0x00, 0x01, 0x02,
    0x4d, 0x73, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00,
    0x09, 0x11, 0x02, 0x00, 0x41, 0x07, 0x0b, 0x01, 0x00, 0x00, 0x41, 0x08, 0x0b, 0x05, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0xad, 0xbd, 0x03, 0x0b, 0x0b, 0x0b, 0x01,
    0x00, 0x41, 0x00, 0x0b, 0x05, 0x6e, 0x65, 0x76, 0x65, 0x72,
};

// (module
//   (import "Ms" "memory" (memory 1))
//   (data (i32.const 0) "hello")
//   (data (i32.const 0xffff) "xy"))
const std::vector<uint8_t> kDataOob = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0e, 0x01, 0x02, 0x4d, 0x73, 0x06, 0x6d,
    0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x01, 0x0b, 0x14, 0x02, 0x00, 0x41, 0x00, 0x0b, 0x05,
    0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x41, 0xff, 0xff, 0x03, 0x0b, 0x02, 0x78, 0x79,
};

// (module
//   (import "Ms" "memory" (memory 1))
//   (import "Ms" "table" (table 1 funcref))
//   (data (i32.const 0) "hello")
//   (elem (i32.const 0) $f)
//   (func $f (result i32) (i32.const 0xdead))
//   (func $main (unreachable))
//   (start $main))
const std::vector<uint8_t> kStartTraps = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x00, 0x00, 0x02, 0x1b, 0x02, 0x02, 0x4d, 0x73, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02,
    0x00, 0x01, 0x02, 0x4d, 0x73, 0x05, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x01, 0x70, 0x00, 0x01, 0x03,
    0x03, 0x02, 0x00, 0x01, 0x08, 0x01, 0x01, 0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00,
    0x0a, 0x0c, 0x02, 0x06, 0x00, 0x41, 0xad, 0xbd, 0x03, 0x0b, 0x03, 0x00, 0x00, 0x0b, 0x0b, 0x0b,
    0x01, 0x00, 0x41, 0x00, 0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

// (module
//   (import "env" "tick" (func $tick (param i32)))
//   (global $g (export "g") (mut i32) (i32.const 1))
//   (func $start (global.set $g (i32.const 42)) (call $tick (i32.const 9)))
//   (start $start))
const std::vector<uint8_t> kStartRuns = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00, 0x60,
    0x00, 0x00, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x74, 0x69, 0x63, 0x6b, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x01, 0x0b, 0x07, 0x05, 0x01, 0x01,
    0x67, 0x03, 0x00, 0x08, 0x01, 0x01, 0x0a, 0x0c, 0x01, 0x0a, 0x00, 0x41, 0x2a, 0x24, 0x00, 0x41,
    0x09, 0x10, 0x00, 0x0b,
};

// (module
//   (import "env" "base" (global $base i32))
//   (global (export "copy") i32 (global.get $base))
//   (global (export "f") f64 (f64.const 2.5))
//   (global (export "fref") funcref (ref.func $h))
//   (global (export "null") externref (ref.null extern))
//   (func $h (export "h") (result i32) (i32.const 3))
//   (table (export "tab") 3 funcref)
//   (memory (export "mem") 1)
//   (elem declare func $h)
//   (elem (table 0) (i32.const 1) funcref (ref.func $h) (ref.null func))
//   (elem func $h)
//   (data (i32.const 4) "ab")
//   (data "passive"))
const std::vector<uint8_t> kInits = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x02,
    0x0d, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x62, 0x61, 0x73, 0x65, 0x03, 0x7f, 0x00, 0x03, 0x02,
    0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x03, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x1c, 0x04,
    0x7f, 0x00, 0x23, 0x00, 0x0b, 0x7c, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x40,
    0x0b, 0x70, 0x00, 0xd2, 0x00, 0x0b, 0x6f, 0x00, 0xd0, 0x6f, 0x0b, 0x07, 0x2a, 0x07, 0x04, 0x63,
    0x6f, 0x70, 0x79, 0x03, 0x01, 0x01, 0x66, 0x03, 0x02, 0x04, 0x66, 0x72, 0x65, 0x66, 0x03, 0x03,
    0x04, 0x6e, 0x75, 0x6c, 0x6c, 0x03, 0x04, 0x01, 0x68, 0x00, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01,
    0x00, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x09, 0x14, 0x03, 0x03, 0x00, 0x01, 0x00, 0x04, 0x41,
    0x01, 0x0b, 0x02, 0xd2, 0x00, 0x0b, 0xd0, 0x70, 0x0b, 0x01, 0x00, 0x01, 0x00, 0x0a, 0x06, 0x01,
    0x04, 0x00, 0x41, 0x03, 0x0b, 0x0b, 0x11, 0x02, 0x00, 0x41, 0x04, 0x0b, 0x02, 0x61, 0x62, 0x01,
    0x07, 0x70, 0x61, 0x73, 0x73, 0x69, 0x76, 0x65,
};

// (module
//   (import "env" "f" (func $f (param i32) (result i32)))
//   (export "again" (func $f))
//   (func (export "add1") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
const std::vector<uint8_t> kReexport = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x66, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07,
    0x10, 0x02, 0x05, 0x61, 0x67, 0x61, 0x69, 0x6e, 0x00, 0x00, 0x04, 0x61, 0x64, 0x64, 0x31, 0x00,
    0x01, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b,
};

// (module
//   (memory 1)
//   (func $helper (param i32) (result i32) local.get 0)
//   (func $sample (export "sample") (param i32) (result i32) (local i64 f32)
//     block (result i32)
//       local.get 0
//       i32.load offset=8
//       if
//         nop
//       else
//         i32.const -5
//         drop
//       end
//       local.get 0
//       call $helper
//       f32.const 1.5
//       drop
//       br 0
//     end))
const std::vector<uint8_t> kDisasm = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x03, 0x03, 0x02, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x0a, 0x01, 0x06, 0x73, 0x61,
    0x6d, 0x70, 0x6c, 0x65, 0x00, 0x01, 0x0a, 0x29, 0x02, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x22, 0x02,
    0x01, 0x7e, 0x01, 0x7d, 0x02, 0x7f, 0x20, 0x00, 0x28, 0x02, 0x08, 0x04, 0x40, 0x01, 0x05, 0x41,
    0x7b, 0x1a, 0x0b, 0x20, 0x00, 0x10, 0x00, 0x43, 0x00, 0x00, 0xc0, 0x3f, 0x1a, 0x0c, 0x00, 0x0b,
    0x0b, 0x00, 0x1f, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x11, 0x02, 0x00, 0x06, 0x68, 0x65, 0x6c,
    0x70, 0x65, 0x72, 0x01, 0x06, 0x73, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x02, 0x05, 0x02, 0x00, 0x00,
    0x01, 0x00,
};

std::shared_ptr<Instance> instantiate(const std::vector<uint8_t>& wasm, std::vector<Extern> imports, ExecEnv& env) {
  return Instance::instantiate(decodeModule(wasm), std::move(imports), env);
}

Extern exportOf(Instance& instance, const std::string& name) {
  Extern e;
  EXPECT_TRUE(instance.findExport(name, &e)) << name;
  return e;
}

uint32_t callI32(ExecEnv& env, Instance& instance, const std::string& name, std::vector<Slot> args = {}) {
  Function* f = instance.exportedFunction(name);
  if (!f) {
    ADD_FAILURE() << "no exported function " << name;
    return 0;
  }
  std::vector<Slot> results = env.call(f, args);
  return results.empty() ? 0 : static_cast<uint32_t>(results[0]);
}

// Runs `fn`, expecting it to throw E with a message starting with `prefix`.
template <typename E, typename Fn>
void expectThrowPrefix(Fn&& fn, const std::string& prefix) {
  try {
    fn();
    ADD_FAILURE() << "expected an exception starting with \"" << prefix << "\"";
  } catch (const E& e) {
    EXPECT_EQ(std::string(e.what()).substr(0, prefix.size()), prefix) << e.what();
  }
}

// ---------------------------------------------------------------------------
// Import matching

// Imports that satisfy kAllImports exactly.
struct AllImports {
  std::shared_ptr<Function> func = makeHostFunction(FuncType{{ValType::I32}, {ValType::I32}}, nullptr, nullptr);
  std::shared_ptr<Table> table;
  std::shared_ptr<Memory> memory;
  std::shared_ptr<GlobalCell> global = std::make_shared<GlobalCell>();

  AllImports() {
    TableType tt;
    tt.limits = {2, 5, true};
    table = std::make_shared<Table>(tt, 0);
    MemoryType mt;
    mt.limits = {1, 2, true};
    memory = Memory::create(mt);
    global->type = {ValType::I64, false};
  }

  std::vector<Extern> externs() const {
    std::vector<Extern> v(4);
    v[0].kind = ExternKind::Func;
    v[0].func = func;
    v[1].kind = ExternKind::Table;
    v[1].table = table;
    v[2].kind = ExternKind::Memory;
    v[2].memory = memory;
    v[3].kind = ExternKind::Global;
    v[3].global = global;
    return v;
  }
};

void hostIdentity(void*, Instance*, Slot*) {}

TEST(InstanceLink, MatchingImportsInstantiate) {
  ExecEnv env;
  AllImports imports;
  auto inst = instantiate(kAllImports, imports.externs(), env);
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->function(0), imports.func.get());
  EXPECT_EQ(inst->table(0), imports.table.get());
  EXPECT_EQ(inst->memory(0), imports.memory.get());
  EXPECT_EQ(inst->global(0), imports.global.get());
}

TEST(InstanceLink, LargerButCompatibleObjectsMatch) {
  ExecEnv env;
  AllImports imports;
  TableType tt;
  tt.limits = {4, 4, true};  // more than min 2, max within 5
  imports.table = std::make_shared<Table>(tt, 0);
  MemoryType mt;
  mt.limits = {2, 2, true};
  imports.memory = Memory::create(mt);
  EXPECT_NO_THROW(instantiate(kAllImports, imports.externs(), env));

  // A table grown past the required minimum matches by its current size.
  AllImports grown;
  tt.limits = {1, 5, true};
  grown.table = std::make_shared<Table>(tt, 0);
  EXPECT_THROW(instantiate(kAllImports, grown.externs(), env), LinkError);
  ASSERT_EQ(grown.table->grow(1, 0), 1);
  EXPECT_NO_THROW(instantiate(kAllImports, grown.externs(), env));
}

TEST(InstanceLink, WrongImportCountIsALinkError) {
  ExecEnv env;
  AllImports imports;
  auto v = imports.externs();
  v.pop_back();
  EXPECT_THROW(instantiate(kAllImports, v, env), LinkError);
  EXPECT_THROW(instantiate(kProvider, imports.externs(), env), LinkError);
}

TEST(InstanceLink, KindMismatch) {
  ExecEnv env;
  AllImports imports;
  for (size_t i = 0; i < 4; ++i) {
    auto v = imports.externs();
    v[i] = v[(i + 1) % 4];  // right object, wrong slot
    expectThrowPrefix<LinkError>([&] { instantiate(kAllImports, v, env); }, "incompatible import type");
  }
}

TEST(InstanceLink, NullObjectsAreRejectedNotDereferenced) {
  ExecEnv env;
  AllImports imports;
  for (size_t i = 0; i < 4; ++i) {
    auto v = imports.externs();
    Extern empty;
    empty.kind = v[i].kind;
    v[i] = empty;
    EXPECT_THROW(instantiate(kAllImports, v, env), LinkError) << i;
  }
}

TEST(InstanceLink, FunctionSignatureMismatch) {
  ExecEnv env;
  const FuncType wrong[] = {
      {{}, {ValType::I32}},
      {{ValType::I32}, {}},
      {{ValType::I64}, {ValType::I32}},
      {{ValType::I32}, {ValType::I32, ValType::I32}},
  };
  for (const FuncType& t : wrong) {
    AllImports imports;
    imports.func = makeHostFunction(t, hostIdentity, nullptr);
    expectThrowPrefix<LinkError>([&] { instantiate(kAllImports, imports.externs(), env); },
                                 "incompatible import type");
  }
}

TEST(InstanceLink, TableMismatch) {
  ExecEnv env;
  struct Case {
    ValType elem;
    Limits limits;
  };
  const Case cases[] = {
      {ValType::ExternRef, {2, 5, true}},  // element type
      {ValType::FuncRef, {1, 5, true}},    // too small
      {ValType::FuncRef, {2, 0, false}},   // unbounded, import needs max 5
      {ValType::FuncRef, {2, 6, true}},    // max larger than the import's
  };
  for (const Case& c : cases) {
    AllImports imports;
    TableType tt;
    tt.elem = c.elem;
    tt.limits = c.limits;
    imports.table = std::make_shared<Table>(tt, 0);
    expectThrowPrefix<LinkError>([&] { instantiate(kAllImports, imports.externs(), env); },
                                 "incompatible import type");
  }
}

TEST(InstanceLink, MemoryMismatch) {
  ExecEnv env;
  const Limits cases[] = {
      {0, 2, true},   // too small
      {1, 0, false},  // unbounded, import needs max 2
      {1, 3, true},   // max larger than the import's
  };
  for (const Limits& l : cases) {
    AllImports imports;
    MemoryType mt;
    mt.limits = l;
    imports.memory = Memory::create(mt);
    expectThrowPrefix<LinkError>([&] { instantiate(kAllImports, imports.externs(), env); },
                                 "incompatible import type");
  }
}

TEST(InstanceLink, GlobalMismatch) {
  ExecEnv env;
  const GlobalType cases[] = {
      {ValType::I32, false},  // value type
      {ValType::F64, false},
      {ValType::I64, true},   // mutability
  };
  for (const GlobalType& t : cases) {
    AllImports imports;
    imports.global = std::make_shared<GlobalCell>();
    imports.global->type = t;
    expectThrowPrefix<LinkError>([&] { instantiate(kAllImports, imports.externs(), env); },
                                 "incompatible import type");
  }
}

// ---------------------------------------------------------------------------
// Shared imports

std::vector<Extern> providerExports(Instance& provider) {
  return {exportOf(provider, "memory"), exportOf(provider, "table"), exportOf(provider, "g")};
}

TEST(InstanceSharing, ImportedObjectsAreTheExportersObjects) {
  ExecEnv env;
  auto provider = instantiate(kProvider, {}, env);
  auto consumer = instantiate(kConsumer, providerExports(*provider), env);

  // Memory: writes on either side are seen on the other.
  callI32(env, *consumer, "store", {100, 42});
  EXPECT_EQ(callI32(env, *provider, "load", {100}), 42u);
  callI32(env, *provider, "store", {200, 7});
  EXPECT_EQ(callI32(env, *consumer, "load", {200}), 7u);

  // Growth through the importer is the exporter's growth.
  EXPECT_EQ(callI32(env, *consumer, "grow", {2}), 1u);
  EXPECT_EQ(callI32(env, *provider, "size"), 3u);
  callI32(env, *consumer, "store", {3 * 65536 - 1, 9});
  EXPECT_EQ(callI32(env, *provider, "load", {3 * 65536 - 1}), 9u);

  // Mutable global.
  EXPECT_EQ(callI32(env, *provider, "getg"), 5u);
  callI32(env, *consumer, "setg", {77});
  EXPECT_EQ(callI32(env, *provider, "getg"), 77u);

  // Table: the consumer's element segment filled the provider's table.
  EXPECT_EQ(callI32(env, *provider, "call", {1}), 7u);
  EXPECT_EQ(provider->table(0)->data()[1], reinterpret_cast<uintptr_t>(consumer->function(0)));
}

TEST(InstanceSharing, ImportsKeepTheirObjectsAlive) {
  ExecEnv env;
  auto provider = instantiate(kProvider, {}, env);
  auto consumer = instantiate(kConsumer, providerExports(*provider), env);
  callI32(env, *provider, "store", {5, 123});
  provider.reset();
  EXPECT_EQ(callI32(env, *consumer, "load", {5}), 123u);
}

// ---------------------------------------------------------------------------
// Segments and failed instantiation

TEST(InstanceSegments, FailedElementSegmentKeepsEarlierOnesAndStops) {
  ExecEnv env;
  auto provider = instantiate(kProvider, {}, env);
  std::vector<Extern> imports = {exportOf(*provider, "table"), exportOf(*provider, "memory")};
  expectThrowPrefix<Trap>([&] { instantiate(kElemOob, imports, env); }, "out of bounds table access");
  // The first segment was applied and its function is still callable ...
  EXPECT_EQ(callI32(env, *provider, "call", {7}), 0xdeadu);
  // ... the failing one wrote nothing ...
  EXPECT_EQ(provider->table(0)->data()[8], 0u);
  EXPECT_EQ(provider->table(0)->data()[9], 0u);
  // ... and data segments, which come after all element segments, never ran.
  EXPECT_EQ(callI32(env, *provider, "load", {0}), 0u);
}

TEST(InstanceSegments, FailedDataSegmentKeepsEarlierOnes) {
  ExecEnv env;
  auto provider = instantiate(kProvider, {}, env);
  expectThrowPrefix<Trap>([&] { instantiate(kDataOob, {exportOf(*provider, "memory")}, env); },
                          "out of bounds memory access");
  Memory* mem = provider->memory(0);
  EXPECT_EQ(std::memcmp(mem->base(), "hello", 5), 0);
  EXPECT_EQ(mem->base()[0xffff], 0) << "a failing segment writes nothing";
}

TEST(InstanceSegments, TrappingStartKeepsSegments) {
  ExecEnv env;
  auto provider = instantiate(kProvider, {}, env);
  std::vector<Extern> imports = {exportOf(*provider, "memory"), exportOf(*provider, "table")};
  expectThrowPrefix<Trap>([&] { instantiate(kStartTraps, imports, env); }, "unreachable");
  EXPECT_EQ(callI32(env, *provider, "load", {0}), uint32_t('h'));
  EXPECT_EQ(callI32(env, *provider, "call", {0}), 0xdeadu);
}

TEST(InstanceSegments, InitialisersAndDropState) {
  ExecEnv env;
  auto base = std::make_shared<GlobalCell>();
  base->type = {ValType::I32, false};
  base->value = 1234;
  Extern baseExt;
  baseExt.kind = ExternKind::Global;
  baseExt.global = base;
  auto inst = instantiate(kInits, {baseExt}, env);

  EXPECT_EQ(exportOf(*inst, "copy").global->value, 1234u);
  double d;
  Slot bits = exportOf(*inst, "f").global->value;
  std::memcpy(&d, &bits, 8);
  EXPECT_EQ(d, 2.5);
  Function* h = inst->exportedFunction("h");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(exportOf(*inst, "fref").global->value, reinterpret_cast<uintptr_t>(h));
  EXPECT_EQ(exportOf(*inst, "null").global->value, 0u);

  Table* tab = inst->table(0);
  EXPECT_EQ(tab->data()[0], 0u);
  EXPECT_EQ(tab->data()[1], reinterpret_cast<uintptr_t>(h));
  EXPECT_EQ(tab->data()[2], 0u);
  EXPECT_TRUE(inst->elemDropped(0)) << "declarative";
  EXPECT_TRUE(inst->elemDropped(1)) << "active";
  EXPECT_FALSE(inst->elemDropped(2)) << "passive";

  EXPECT_EQ(std::memcmp(inst->memory(0)->base() + 4, "ab", 2), 0);
  EXPECT_TRUE(inst->dataDropped(0)) << "active";
  EXPECT_FALSE(inst->dataDropped(1)) << "passive";

  EXPECT_EQ(h->instance, inst.get());
  EXPECT_EQ(h->index, 0u);
  EXPECT_EQ(h->sigId, canonicalSignatureId(FuncType{{}, {ValType::I32}}));
}

// ---------------------------------------------------------------------------
// Start function and exports

void tick(void* env, Instance*, Slot* slots) { *static_cast<uint32_t*>(env) = static_cast<uint32_t>(slots[0]); }

TEST(InstanceStart, StartFunctionRunsDuringInstantiation) {
  ExecEnv env;
  uint32_t ticked = 0;
  Extern tickExt;
  tickExt.func = makeHostFunction(FuncType{{ValType::I32}, {}}, tick, &ticked);
  auto inst = instantiate(kStartRuns, {tickExt}, env);
  EXPECT_EQ(ticked, 9u);
  EXPECT_EQ(exportOf(*inst, "g").global->value, 42u);
}

TEST(InstanceExports, FindExportCoversEveryKind) {
  ExecEnv env;
  auto inst = instantiate(kProvider, {}, env);
  Extern e;
  ASSERT_TRUE(inst->findExport("memory", &e));
  EXPECT_EQ(e.kind, ExternKind::Memory);
  EXPECT_EQ(e.memory.get(), inst->memory(0));
  ASSERT_TRUE(inst->findExport("table", &e));
  EXPECT_EQ(e.kind, ExternKind::Table);
  EXPECT_EQ(e.table.get(), inst->table(0));
  ASSERT_TRUE(inst->findExport("g", &e));
  EXPECT_EQ(e.kind, ExternKind::Global);
  EXPECT_EQ(e.global.get(), inst->global(0));
  ASSERT_TRUE(inst->findExport("load", &e));
  EXPECT_EQ(e.kind, ExternKind::Func);
  EXPECT_EQ(e.func.get(), inst->exportedFunction("load"));
  EXPECT_FALSE(e.table || e.memory || e.global);

  EXPECT_FALSE(inst->findExport("nope", &e));
  EXPECT_FALSE(e.func || e.table || e.memory || e.global);
  EXPECT_EQ(inst->exportedFunction("nope"), nullptr);
  EXPECT_EQ(inst->exportedFunction("memory"), nullptr) << "not a function";
}

TEST(InstanceExports, ExportedFunctionKeepsItsInstanceAlive) {
  ExecEnv env;
  auto inst = instantiate(kReexport, {[] {
                            Extern e;
                            e.func = makeHostFunction(FuncType{{ValType::I32}, {ValType::I32}}, hostIdentity, nullptr);
                            return e;
                          }()},
                          env);
  std::weak_ptr<Instance> weak = inst;
  Extern add1 = exportOf(*inst, "add1");
  inst.reset();
  ASSERT_FALSE(weak.expired());
  EXPECT_EQ(static_cast<uint32_t>(env.call(add1.func.get(), {41})[0]), 42u);
  add1.func.reset();
  EXPECT_TRUE(weak.expired());
}

TEST(InstanceExports, ReexportedImportIsTheSameFunction) {
  ExecEnv env;
  Extern host;
  host.func = makeHostFunction(FuncType{{ValType::I32}, {ValType::I32}}, hostIdentity, nullptr);
  auto inst = instantiate(kReexport, {host}, env);
  EXPECT_EQ(exportOf(*inst, "again").func, host.func);
  EXPECT_EQ(inst->exportedFunction("again"), host.func.get());
}

// ---------------------------------------------------------------------------
// Disassembler

// The listing without its "  0xNNNN: " prefixes, one entry per line.
std::vector<std::string> instructionLines(const std::string& listing, std::vector<unsigned long>* offsets) {
  std::vector<std::string> lines;
  std::istringstream in(listing);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("  0x", 0) != 0) continue;
    size_t colon = line.find(": ");
    offsets->push_back(std::stoul(line.substr(4, colon - 4), nullptr, 16));
    lines.push_back(line.substr(colon + 2));
  }
  return lines;
}

TEST(Disassembler, ListsInstructionsWithOffsetsAndNesting) {
  auto m = decodeModule(kDisasm);
  std::string listing = disassembleFunction(*m, 1);
  std::vector<unsigned long> offsets;
  std::vector<std::string> lines = instructionLines(listing, &offsets);
  const std::vector<std::string> expected = {
      "block (result i32)",
      "  local.get 0",
      "  i32.load offset=8 align=4",
      "  if",
      "    nop",
      "  else",
      "    i32.const -5",
      "    drop",
      "  end",
      "  local.get 0",
      "  call 0 (;helper;)",
      "  f32.const 1.5",
      "  drop",
      "  br 0",
      "end",
      "end",
  };
  EXPECT_EQ(lines, expected) << listing;
  ASSERT_FALSE(offsets.empty());
  EXPECT_EQ(offsets.front(), m->functions[1].codeBegin);
  EXPECT_EQ(offsets.back(), m->functions[1].bodyEnd - 1) << "the final end is the body's last byte";
  for (size_t i = 1; i < offsets.size(); ++i) EXPECT_LT(offsets[i - 1], offsets[i]);
  // Header: name and signature, then the locals.
  EXPECT_EQ(listing.rfind("func[1] sample (i32) -> (i32)\n  (local i64 f32)\n", 0), 0u) << listing;
}

TEST(Disassembler, SurvivesMalformedBodies) {
  auto decoded = decodeModule(kDisasm);
  EXPECT_NE(disassembleFunction(*decoded, 99).find("no defined function"), std::string::npos);

  // Truncate the body in the middle of an immediate, and replace an opcode
  // by an unassigned one: both listings end with an explanation.
  Module truncated = *decoded;
  FunctionDecl& fn = truncated.functions[1];
  fn.bodyEnd = fn.codeBegin + 1;  // "block" without its block type
  std::string t = disassembleFunction(truncated, 1);
  EXPECT_NE(t.find('<'), std::string::npos) << t;

  Module invalid = *decoded;
  invalid.bytes[invalid.functions[1].codeBegin + 2] = 0xff;  // was local.get
  std::string i = disassembleFunction(invalid, 1);
  EXPECT_NE(i.find("unknown opcode 0xff"), std::string::npos) << i;

  Module outside = *decoded;
  outside.functions[1].bodyEnd = static_cast<uint32_t>(outside.bytes.size() + 10);
  EXPECT_NE(disassembleFunction(outside, 1).find("outside"), std::string::npos);
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

using Bytes = std::vector<uint8_t>;

// A module of two globals: g0 = INIT0 (i32, immutable, or mutable), and
// an exported g1 of type i32 whose initialiser is `init1` (the bytes
// before `end`).
Bytes twoGlobals(std::vector<uint8_t> init1, bool g0Mutable = false) {
  Bytes global1 = {0x7f, 0x00};
  global1.insert(global1.end(), init1.begin(), init1.end());
  global1.push_back(0x0b);
  Bytes globals = {0x02, 0x7f, uint8_t(g0Mutable ? 1 : 0), 0x41, 0x06, 0x0b};
  globals.insert(globals.end(), global1.begin(), global1.end());
  Bytes out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, uint8_t(globals.size())};
  out.insert(out.end(), globals.begin(), globals.end());
  Bytes exports = {0x01, 0x01, 'g', 0x03, 0x01};
  out.insert(out.end(), {0x07, uint8_t(exports.size())});
  out.insert(out.end(), exports.begin(), exports.end());
  return out;
}

std::string constExprError(const Bytes& wasm) {
  try {
    decodeModule(wasm);
  } catch (const DecodeError& e) {
    return e.message;
  }
  return "";
}

// Wasm 3.0's extended constant expressions: i32/i64 add, sub and mul over
// constants and earlier immutable globals, wrapping like the instructions.
TEST(ExtendedConst, GlobalInitialiserComputes) {
  ExecEnv env;
  // g1 = g0 * 7 - 2 = 40
  auto instance = instantiate(twoGlobals({0x23, 0x00, 0x41, 0x07, 0x6c, 0x41, 0x02, 0x6b}), {}, env);
  Extern g = exportOf(*instance, "g");
  ASSERT_EQ(g.kind, ExternKind::Global);
  EXPECT_EQ(uint32_t(g.global->value), 40u);
  // Wrapping: 0x7fffffff + 6 = 0x80000005 (as the 32-bit pattern).
  instance = instantiate(twoGlobals({0x41, 0xff, 0xff, 0xff, 0xff, 0x07, 0x23, 0x00, 0x6a}), {}, env);
  EXPECT_EQ(exportOf(*instance, "g").global->value, 0x80000005u);
}

TEST(ExtendedConst, ErrorsAreClear) {
  // An i64 operand of i32.add.
  EXPECT_EQ(constExprError(twoGlobals({0x41, 0x01, 0x42, 0x01, 0x6a})), "type mismatch");
  // Two values left.
  EXPECT_EQ(constExprError(twoGlobals({0x41, 0x01, 0x41, 0x01})), "type mismatch");
  // i32.add with one operand.
  EXPECT_EQ(constExprError(twoGlobals({0x41, 0x01, 0x6a})), "type mismatch");
  // i32.div_s is not constant.
  EXPECT_EQ(constExprError(twoGlobals({0x41, 0x01, 0x41, 0x01, 0x6d})), "constant expression required");
  // A mutable global is not constant.
  EXPECT_EQ(constExprError(twoGlobals({0x23, 0x00}, /*g0Mutable=*/true)), "constant expression required");
  // g1 cannot read itself or later globals.
  EXPECT_EQ(constExprError(twoGlobals({0x23, 0x01})), "unknown global 1");
}

}  // namespace
}  // namespace strata
