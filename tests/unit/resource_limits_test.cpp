// Resource limits (ResourceLimits, Instance::Hooks::limits): bounds on
// memory pages and table elements beyond the modules' own maximums, and a
// limiter that may refuse any growth. memory.grow runs the same check in
// every tier (all of them grow through Memory::grow).
#include <gtest/gtest.h>

#include <stdexcept>

#include "jit/jit.h"
#include "run_helpers.h"

namespace strata {
namespace {

std::shared_ptr<ResourceLimits> pagesAtMost(uint64_t pages) {
  auto limits = std::make_shared<ResourceLimits>();
  limits->maxMemoryPages = pages;
  return limits;
}

TEST(ResourceLimits, MemoryGrowthStopsAtTheLimit) {
  MemoryType type;
  type.limits.min = 1;
  auto mem = Memory::create(type, pagesAtMost(4));
  EXPECT_EQ(mem->grow(3), 1);
  EXPECT_EQ(mem->grow(1), -1);
  EXPECT_EQ(mem->grow(uint64_t(-1)), -1);
  EXPECT_EQ(mem->pages(), 4u);
  EXPECT_EQ(mem->grow(0), 4);  // growing by nothing is not growth
}

TEST(ResourceLimits, LimiterIsAskedAndMayRefuse) {
  auto limits = std::make_shared<ResourceLimits>();
  std::vector<std::pair<uint64_t, uint64_t>> asked;
  limits->allow = [&](ResourceLimits::Kind kind, uint64_t current, uint64_t desired) {
    EXPECT_EQ(kind, ResourceLimits::Kind::Memory);
    asked.push_back({current, desired});
    return desired % 2 == 0;  // even sizes only
  };
  MemoryType type;
  type.limits.min = 1;
  auto mem = Memory::create(type, limits);
  EXPECT_EQ(mem->grow(1), 1);
  EXPECT_EQ(mem->grow(1), -1);
  EXPECT_EQ(mem->grow(2), 2);
  EXPECT_EQ(asked, (std::vector<std::pair<uint64_t, uint64_t>>{{1, 2}, {2, 3}, {2, 4}}));
  // A limiter that throws refuses (growth runs under compiled code).
  limits->allow = [](ResourceLimits::Kind, uint64_t, uint64_t) -> bool { throw std::runtime_error("no"); };
  EXPECT_EQ(mem->grow(2), -1);
}

TEST(ResourceLimits, TableGrowthStopsAtTheLimit) {
  auto limits = std::make_shared<ResourceLimits>();
  limits->maxTableElements = 10;
  TableType type;
  type.limits.min = 2;
  Table t(type, 0, limits);
  EXPECT_EQ(t.grow(8, 0), 2);
  EXPECT_EQ(t.grow(1, 0), -1);
  EXPECT_EQ(t.size(), 10u);
}

// (memory 2) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
test::Bytes growModule(uint32_t pages) {
  test::WasmBuilder b;
  b.memory(pages);
  uint32_t t = b.type({test::I32}, {test::I32});
  b.func(t, {}, {0x20, 0x00, 0x40, 0x00}, "grow");
  return b.build();
}

TEST(ResourceLimits, InstanceOverTheLimitIsRefused) {
  ExecEnv env;
  Instance::Hooks hooks;
  hooks.limits = pagesAtMost(1);
  try {
    Instance::instantiate(decodeModule(growModule(2)), {}, env, hooks);
    FAIL() << "instantiated";
  } catch (const LinkError& e) {
    EXPECT_STREQ(e.what(), "memory 0 of 2 pages is over the limit of 1 pages");
  }
}

class ResourceLimitsInTier : public ::testing::TestWithParam<jit::Tier> {};

TEST_P(ResourceLimitsInTier, MemoryGrowReturnsMinusOnePastTheLimit) {
  ExecEnv env;
  Instance::Hooks hooks;
  hooks.limits = pagesAtMost(5);
  auto inst = Instance::instantiate(decodeModule(growModule(2)), {}, env, hooks);
  Function* grow = inst->exportedFunction("grow");
  ASSERT_TRUE(jit::compile(grow, GetParam()));
  EXPECT_EQ(env.call(grow, {3})[0], 2u);
  EXPECT_EQ(env.call(grow, {1})[0], uint32_t(-1));
  EXPECT_EQ(inst->memory(0)->pages(), 5u);
}

INSTANTIATE_TEST_SUITE_P(Compilers, ResourceLimitsInTier, ::testing::Values(jit::Tier::Baseline, jit::Tier::Optimized),
                         [](const auto& info) { return std::string(jit::tierName(info.param)); });

// The interpreter: the same without compiling.
TEST(ResourceLimits, MemoryGrowInTheInterpreter) {
  ExecEnv env;
  Instance::Hooks hooks;
  hooks.limits = pagesAtMost(5);
  auto inst = Instance::instantiate(decodeModule(growModule(2)), {}, env, hooks);
  Function* grow = inst->exportedFunction("grow");
  EXPECT_EQ(env.call(grow, {4})[0], uint32_t(-1));
  EXPECT_EQ(env.call(grow, {3})[0], 2u);
}

}  // namespace
}  // namespace strata
