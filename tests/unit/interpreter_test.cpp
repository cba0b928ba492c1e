// The interpreter: calls, traps, recursion limits, re-entrant host calls,
// lazy translation and the translator's fused instructions.
#include <gtest/gtest.h>
#include <pthread.h>

#include "interp/code.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "run_helpers.h"

namespace strata {
namespace {

using test::Bytes;

using test::instantiate;
using test::trapOf;

// (func $down (param i32) (result i32)
//   (if (result i32) (local.get 0)
//     (then (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
//     (else (i32.const 0))))
Bytes recursionModule() {
  test::WasmBuilder b;
  uint32_t t = b.type({test::I32}, {test::I32});
  b.func(t, {},
         {0x20, 0x00, 0x04, 0x7f, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x05, 0x41, 0x00,
          0x0b},
         "down");
  return b.build();
}

TEST(Interpreter, RecursionWithinLimits) {
  ExecEnv env;
  auto inst = instantiate(recursionModule(), env);
  EXPECT_EQ(env.call(inst->exportedFunction("down"), {1000})[0], 1000u);
}

TEST(Interpreter, DeepRecursionTrapsAndEnvStaysUsable) {
  ExecEnv env;
  auto inst = instantiate(recursionModule(), env);
  Function* down = inst->exportedFunction("down");
  EXPECT_EQ(trapOf(env, down, {100000000}), "call stack exhausted");
  EXPECT_EQ(env.callDepth, 0u);
  EXPECT_EQ(env.call(down, {10})[0], 10u);
}

TEST(Interpreter, SmallStackTrapsEarlier) {
  ExecEnv small(1024);
  auto inst = instantiate(recursionModule(), small);
  EXPECT_EQ(trapOf(small, inst->exportedFunction("down"), {1000}), "call stack exhausted");
}

// A host function that calls back into wasm, which calls the host again:
// nesting through native frames is bounded too.
TEST(Interpreter, HostReentryIsBounded) {
  test::Reentry r;
  EXPECT_EQ(trapOf(r.env, r.g, {1}), "call stack exhausted");
  EXPECT_EQ(r.env.nativeDepth, 0u);
}

// On a thread with a small stack, nested host re-entries run out of native
// stack long before kMaxNativeDepth: they must trap, not overflow.
TEST(Interpreter, HostReentryOnASmallStackTraps) {
  struct Outcome {
    std::string trap;
    uint32_t nativeDepth = 1;
  } outcome;
  auto body = [](void* arg) -> void* {
    auto* out = static_cast<Outcome*>(arg);
    test::Reentry r;
    out->trap = trapOf(r.env, r.g, {1});
    out->nativeDepth = r.env.nativeDepth;
    return nullptr;
  };
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  // 128 KiB: less than kMaxNativeDepth interpreter frames need (without
  // the stack check this test crashes), more than the check's reserve.
  pthread_attr_setstacksize(&attr, 128 << 10);
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, body, &outcome), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(outcome.trap, "call stack exhausted");
  EXPECT_EQ(outcome.nativeDepth, 0u);
}

TEST(Interpreter, TrapsCarrySpecMessages) {
  test::WasmBuilder b;
  uint32_t bin = b.type({test::I32, test::I32}, {test::I32});
  uint32_t un = b.type({test::I32}, {test::I32});
  b.memory(1);
  b.func(bin, {}, {0x20, 0x00, 0x20, 0x01, 0x6d}, "div_s");        // i32.div_s
  b.func(un, {}, {0x20, 0x00, 0x28, 0x02, 0x00}, "load");          // i32.load
  b.func(un, {}, {0x00}, "unreachable");
  ExecEnv env;
  auto inst = instantiate(b.build(), env);
  EXPECT_EQ(trapOf(env, inst->exportedFunction("div_s"), {1, 0}), "integer divide by zero");
  EXPECT_EQ(trapOf(env, inst->exportedFunction("div_s"), {0x80000000u, 0xffffffffu}), "integer overflow");
  EXPECT_EQ(trapOf(env, inst->exportedFunction("load"), {65533}), "out of bounds memory access");
  EXPECT_EQ(trapOf(env, inst->exportedFunction("load"), {0xffffffffu}), "out of bounds memory access");
  EXPECT_EQ(env.call(inst->exportedFunction("load"), {65532})[0], 0u);
  EXPECT_EQ(trapOf(env, inst->exportedFunction("unreachable"), {0}), "unreachable");
}

TEST(Interpreter, TranslatesLazily) {
  test::WasmBuilder b;
  uint32_t t = b.type({}, {test::I32});
  for (int i = 0; i < 10000; ++i) b.func(t, {}, {0x41, uint8_t(i & 0x3f)}, i == 1234 ? "f1234" : "");
  ExecEnv env;
  auto inst = instantiate(b.build(), env);
  EXPECT_EQ(env.call(inst->exportedFunction("f1234"), std::vector<Slot>{})[0], uint32_t(1234 & 0x3f));
  size_t translated = 0;
  for (uint32_t i = 0; i < 10000; ++i) translated += inst->function(i)->interpCode.load() != nullptr;
  EXPECT_EQ(translated, 1u);
}

// (module
//   (type $v_i (func (result i32)))
//   (import "env" "add1" (func $add1 (param i32) (result i32)))
//   (memory 1)
//   (table $t 4 funcref)
//   (global $g (mut i32) (i32.const 0))
//   (elem (i32.const 0) $getg $bump)
//   (func $getg (type $v_i) (global.get $g))
//   (func $bump (type $v_i) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))
//   (func (export "step") (param i32) (result i32)
//     (drop (call $bump))
//     (i32.store (i32.const 16) (call $add1 (local.get 0)))
//     (i32.add (i32.load (i32.const 16))
//              (i32.mul (call_indirect (type $v_i) (i32.const 0)) (i32.const 1000))))
//   (func (export "viaRefFunc") (result i32)
//     (table.set $t (i32.const 2) (ref.func $getg))
//     (i32.add (call_indirect (type $v_i) (i32.const 2)) (table.size $t))))
const Bytes kSharedTranslations = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x61, 0x64, 0x64, 0x31,
    0x00, 0x01, 0x03, 0x05, 0x04, 0x00, 0x00, 0x01, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x04, 0x05,
    0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x15, 0x02, 0x04,
    0x73, 0x74, 0x65, 0x70, 0x00, 0x03, 0x0a, 0x76, 0x69, 0x61, 0x52, 0x65, 0x66, 0x46, 0x75, 0x6e,
    0x63, 0x00, 0x04, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02, 0x0a, 0x42, 0x04,
    0x04, 0x00, 0x23, 0x00, 0x0b, 0x0b, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x23, 0x00,
    0x0b, 0x1d, 0x00, 0x10, 0x02, 0x1a, 0x41, 0x10, 0x20, 0x00, 0x10, 0x00, 0x36, 0x02, 0x00, 0x41,
    0x10, 0x28, 0x02, 0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x41, 0xe8, 0x07, 0x6c, 0x6a, 0x0b, 0x11,
    0x00, 0x41, 0x02, 0xd2, 0x01, 0x26, 0x00, 0x41, 0x02, 0x11, 0x00, 0x00, 0xfc, 0x10, 0x00, 0x6a, 0x0b};

// Instances of one module share translations: from the third instance on,
// a function's code is the template's copy with the pointers into the
// instance (callees, import slots, tables, globals) rewritten. Each copy
// must be byte for byte the code a fresh translation for that instance
// makes, and each instance must keep its own state.
TEST(Interpreter, InstancesOfAModuleShareTranslations) {
  std::shared_ptr<const Module> module = decodeModule(kSharedTranslations);
  struct Host {
    static void add1(void* base, Instance*, Slot* slots) { slots[0] = uint32_t(slots[0]) + 1 + *static_cast<uint32_t*>(base); }
  };
  std::vector<uint32_t> offsets = {0, 100, 200, 300, 400};
  std::vector<ExecEnv> envs(offsets.size());
  std::vector<std::shared_ptr<Instance>> instances;
  for (size_t i = 0; i < offsets.size(); ++i) {
    Extern host;
    host.kind = ExternKind::Func;
    host.func = makeHostFunction(FuncType{{ValType::I32}, {ValType::I32}}, &Host::add1, &offsets[i]);
    instances.push_back(Instance::instantiate(module, {host}, envs[i]));
  }
  // Interleaved calls: instance i's global counts its own steps, its host
  // import adds its own offset, its table calls its own functions.
  for (uint32_t round = 1; round <= 3; ++round)
    for (size_t i = 0; i < instances.size(); ++i) {
      Function* step = instances[i]->exportedFunction("step");
      EXPECT_EQ(envs[i].call(step, {7})[0], 8 + offsets[i] + 1000 * round) << "instance " << i << ", round " << round;
    }
  for (size_t i = 0; i < instances.size(); ++i)
    EXPECT_EQ(envs[i].call(instances[i]->exportedFunction("viaRefFunc"), std::vector<Slot>{})[0], 3u + 4u) << i;
  for (size_t i = 0; i < instances.size(); ++i) {
    for (uint32_t f = module->numImportedFuncs; f < module->funcTypes.size(); ++f) {
      Function* fn = instances[i]->function(f);
      InterpCode* code = fn->interpCode.load();
      ASSERT_NE(code, nullptr) << "instance " << i << " function " << f;
      std::unique_ptr<InterpCode> fresh = translateFunction(fn);
      EXPECT_EQ(code->code, fresh->code) << "instance " << i << " function " << f;
      EXPECT_EQ(code->frameSlots, fresh->frameSlots);
      EXPECT_EQ(code->localSlots, fresh->localSlots);
      EXPECT_EQ(code->paramSlots, fresh->paramSlots);
    }
  }
  // Different instances' code differs where it points into them.
  EXPECT_NE(instances[3]->exportedFunction("step")->interpCode.load()->code,
            instances[4]->exportedFunction("step")->interpCode.load()->code);
}

TEST(Interpreter, FusesCompareAndBranchAndConstants) {
  // (func (param i32) (result i32) (local i32)
  //   (loop (local.set 1 (i32.add (local.get 1) (i32.const 3)))
  //         (br_if 0 (i32.lt_s (local.get 1) (local.get 0))))
  //   (local.get 1))
  test::WasmBuilder b;
  b.func(b.type({test::I32}, {test::I32}), {{1, test::I32}},
         {0x03, 0x40, 0x20, 0x01, 0x41, 0x03, 0x6a, 0x21, 0x01, 0x20, 0x01, 0x20, 0x00, 0x48, 0x0d, 0x00, 0x0b,
          0x20, 0x01},
         "count");
  ExecEnv env;
  auto inst = instantiate(b.build(), env);
  Function* f = inst->exportedFunction("count");
  EXPECT_EQ(env.call(f, {10})[0], 12u);
  std::string listing = dumpInterpCode(*f->interpCode.load());
  // The add writes the local directly with its constant folded in, and the
  // comparison is part of the branch.
  EXPECT_NE(listing.find("i32.add_imm              1 1 #0x3"), std::string::npos) << listing;
  EXPECT_NE(listing.find("br_if.i32.lt_s "), std::string::npos) << listing;
  // The only copy left moves the result into the return slot.
  EXPECT_EQ(listing.find("copy"), listing.find("copy                     0 1")) << listing;
}

}  // namespace
}  // namespace strata
