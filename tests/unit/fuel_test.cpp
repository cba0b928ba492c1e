// Fuel (ExecEnv::fuel, jit::Options::meterFuel): one unit per function
// entry and per loop iteration, the same count in every tier, and the call
// that finds none left traps with "instruction limit exceeded".
#include <gtest/gtest.h>

#include "jit/jit.h"
#include "run_helpers.h"

namespace strata {
namespace {

using test::trapOf;

// (func (export "spin") (loop $l (br $l)))
// (func (export "count") (param i32) (result i32)   ;; n iterations
//   (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))) (i32.const 7))
// (func $fib (export "fib") (param i32) (result i32)  ;; calls only, no loops
//   (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
//     (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
//                    (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
test::Bytes fuelModule() {
  test::WasmBuilder b;
  uint32_t none = b.type({}, {}), unary = b.type({test::I32}, {test::I32});
  b.func(none, {}, {0x03, 0x40, 0x0c, 0x00, 0x0b}, "spin");
  b.func(unary, {}, {0x03, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x41, 0x07}, "count");
  b.func(unary, {},
         {0x20, 0x00, 0x41, 0x02, 0x49, 0x04, 0x7f, 0x20, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x02, 0x20,
          0x00, 0x41, 0x02, 0x6b, 0x10, 0x02, 0x6a, 0x0b},
         "fib");
  return b.build();
}

// fib(n)'s calls: 1 + calls(n-1) + calls(n-2), 1 for n < 2.
int64_t fibCalls(uint32_t n) { return n < 2 ? 1 : 1 + fibCalls(n - 1) + fibCalls(n - 2); }

class Fuel : public ::testing::TestWithParam<jit::Mode> {
 protected:
  void SetUp() override {
    jit::Options options;
    options.mode = GetParam();
    options.meterFuel = true;
    options.threads = 0;  // tiered: compiles at once, on this thread
    options.threshold = 1;
    jit::configure(options);
  }
  void TearDown() override {
    jit::waitForCompiles();
    jit::configure(jit::Options());
  }
};

TEST_P(Fuel, LoopIterationsAndEntriesCountTheSameInEveryTier) {
  ExecEnv env;
  auto inst = test::instantiate(fuelModule(), env);
  Function* count = inst->exportedFunction("count");
  // Warm up (the tiered mode compiles on the first calls), unmetered.
  for (int i = 0; i < 3; ++i) env.call(count, {10});
  // The entry plus 1000 iterations.
  env.fuel = 1001;
  EXPECT_EQ(env.call(count, {1000})[0], 7u);
  EXPECT_EQ(env.fuel, 0);
  env.fuel = 1000;
  EXPECT_EQ(trapOf(env, count, {1000}), "instruction limit exceeded");
  EXPECT_EQ(env.fuel, 0);
  // Out of fuel stays out, call after call.
  EXPECT_EQ(trapOf(env, count, {1}), "instruction limit exceeded");
}

TEST_P(Fuel, CallsWithoutLoopsCount) {
  ExecEnv env;
  auto inst = test::instantiate(fuelModule(), env);
  Function* fib = inst->exportedFunction("fib");
  for (int i = 0; i < 3; ++i) env.call(fib, {10});
  int64_t calls = fibCalls(15);
  env.fuel = calls;
  EXPECT_EQ(env.call(fib, {15})[0], 610u);
  EXPECT_EQ(env.fuel, 0);
  env.fuel = calls - 1;
  EXPECT_EQ(trapOf(env, fib, {15}), "instruction limit exceeded");
}

TEST_P(Fuel, ALoopThatNeverEndsStops) {
  ExecEnv env;
  auto inst = test::instantiate(fuelModule(), env);
  env.fuel = 5000000;
  EXPECT_EQ(trapOf(env, inst->exportedFunction("spin"), std::vector<Slot>{}), "instruction limit exceeded");
  // Unlimited again: the env works as before.
  env.fuel = ExecEnv::kUnlimitedFuel;
  EXPECT_EQ(env.call(inst->exportedFunction("count"), {100})[0], 7u);
}

INSTANTIATE_TEST_SUITE_P(Tiers, Fuel,
                         ::testing::Values(jit::Mode::Interp, jit::Mode::Baseline, jit::Mode::Optimizing,
                                           jit::Mode::Jit, jit::Mode::Tiered),
                         [](const auto& info) { return std::string(jit::modeName(info.param)); });

}  // namespace
}  // namespace strata
