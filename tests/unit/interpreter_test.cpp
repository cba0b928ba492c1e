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
