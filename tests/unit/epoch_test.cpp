// Epoch deadlines (ExecEnv::setEpochDeadline / incrementEpoch): a guest
// that never finishes stops with "execution timed out" when a timer thread
// advances the epoch past its env's deadline, in every tier; a deadline
// that is not reached changes nothing; one reached while the env is idle
// stops its next call.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "jit/jit.h"
#include "run_helpers.h"

namespace strata {
namespace {

using test::trapOf;

// (func (export "spin") (loop $l (br $l)))
// (func (export "quick") (result i32) (i32.const 7))
// (func (export "count") (param i32) (result i32)   ;; a loop of n rounds
//   (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))) (i32.const 7))
test::Bytes spinModule() {
  test::WasmBuilder b;
  uint32_t none = b.type({}, {}), seven = b.type({}, {test::I32}), count = b.type({test::I32}, {test::I32});
  b.func(none, {}, {0x03, 0x40, 0x0c, 0x00, 0x0b}, "spin");
  b.func(seven, {}, {0x41, 0x07}, "quick");
  b.func(count, {}, {0x03, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x41, 0x07}, "count");
  return b.build();
}

class EpochDeadline : public ::testing::TestWithParam<jit::Mode> {
 protected:
  void SetUp() override {
    jit::Options options;
    options.mode = GetParam();
    options.interruptibleLoops = true;  // as the C API and `strata run --timeout` set it
    jit::configure(options);
  }
  void TearDown() override {
    jit::waitForCompiles();
    jit::configure(jit::Options());
  }
};

TEST_P(EpochDeadline, TimerThreadStopsALoopThatNeverEnds) {
  ExecEnv env;
  auto inst = test::instantiate(spinModule(), env);
  env.setEpochDeadline(3);
  std::atomic<bool> done{false};
  std::thread timer([&] {
    // Ticks until the call has returned (at most a few seconds).
    for (int i = 0; i < 400 && !done; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ExecEnv::incrementEpoch();
    }
  });
  uint64_t start = ExecEnv::currentEpoch();
  EXPECT_EQ(trapOf(env, inst->exportedFunction("spin"), std::vector<Slot>{}), "execution timed out");
  done = true;
  timer.join();
  EXPECT_GE(ExecEnv::currentEpoch(), start + 3);
  // The deadline is used up: the env runs again, with or without a new one.
  EXPECT_EQ(env.call(inst->exportedFunction("quick"), std::vector<Slot>{})[0], 7u);
  env.setEpochDeadline(1000000);
  EXPECT_EQ(env.call(inst->exportedFunction("count"), {100000})[0], 7u);
  env.clearEpochDeadline();
}

TEST_P(EpochDeadline, DeadlineReachedWhileIdleStopsTheNextCall) {
  ExecEnv env;
  auto inst = test::instantiate(spinModule(), env);
  env.setEpochDeadline(2);
  ExecEnv::incrementEpoch();
  EXPECT_EQ(env.call(inst->exportedFunction("quick"), std::vector<Slot>{})[0], 7u);  // one tick left
  ExecEnv::incrementEpoch();
  EXPECT_EQ(trapOf(env, inst->exportedFunction("quick"), std::vector<Slot>{}), "execution timed out");
  EXPECT_EQ(env.call(inst->exportedFunction("quick"), std::vector<Slot>{})[0], 7u);
  // A deadline of 0 ticks is reached already.
  env.setEpochDeadline(0);
  EXPECT_EQ(trapOf(env, inst->exportedFunction("quick"), std::vector<Slot>{}), "execution timed out");
  // A cleared deadline never fires; other envs' deadlines are their own.
  ExecEnv other;
  other.setEpochDeadline(1);
  env.setEpochDeadline(1);
  env.clearEpochDeadline();
  ExecEnv::incrementEpoch();
  EXPECT_EQ(env.call(inst->exportedFunction("quick"), std::vector<Slot>{})[0], 7u);
  EXPECT_EQ(trapOf(other, inst->exportedFunction("quick"), std::vector<Slot>{}), "execution timed out");
}

// An env destroyed with a deadline set leaves nothing behind for the
// increment to touch (ASan would see a use after free).
TEST_P(EpochDeadline, DestroyedEnvIsForgotten) {
  for (int i = 0; i < 100; ++i) {
    ExecEnv env;
    env.setEpochDeadline(1 + i % 3);
  }
  ExecEnv::incrementEpoch();
  ExecEnv::incrementEpoch();
  ExecEnv::incrementEpoch();
}

INSTANTIATE_TEST_SUITE_P(Tiers, EpochDeadline,
                         ::testing::Values(jit::Mode::Interp, jit::Mode::Baseline, jit::Mode::Optimizing,
                                           jit::Mode::Tiered),
                         [](const auto& info) {
                           switch (info.param) {
                             case jit::Mode::Interp: return std::string("interp");
                             case jit::Mode::Baseline: return std::string("baseline");
                             case jit::Mode::Optimizing: return std::string("optimizing");
                             default: return std::string("tiered");
                           }
                         });

}  // namespace
}  // namespace strata
