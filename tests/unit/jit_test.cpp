// The JIT tier: compiled code against the interpreter's results, traps
// (inline checks, guard-region faults, helpers, host exceptions) travelling
// through JIT frames, mixed JIT/interpreter/host call chains, recursion
// limits, and explicit bounds checks when a memory has no guard region.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>

#include "jit/jit.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "run_helpers.h"

namespace strata {
namespace {

using test::Bytes;

using test::instantiate;
using test::trapOf;

// Sets the JIT mode for one test and restores the default (interpreter)
// at its end.
struct TierScope {
  explicit TierScope(jit::Mode mode, uint32_t threshold = jit::Options::kDefaultThreshold, uint32_t threads = 1,
                     std::string refuse = "", uint32_t optimizeThreshold = jit::Options::kDefaultOptimizeThreshold) {
    jit::Options options;
    options.mode = mode;
    options.threshold = threshold;
    options.optimizeThreshold = optimizeThreshold;
    options.threads = threads;
    options.refuse = std::move(refuse);
    jit::configure(options);
  }
  ~TierScope() {
    jit::waitForCompiles();
    jit::configure(jit::Options());
  }
};

void compileAll(Instance& inst, jit::Tier tier) {
  for (uint32_t i = inst.module().numImportedFuncs; i < inst.module().funcTypes.size(); ++i)
    ASSERT_TRUE(jit::compile(inst.function(i), tier)) << "function " << i;
}

// The tests of compiled code run for each compiler.
class JitTier : public ::testing::TestWithParam<jit::Tier> {};
INSTANTIATE_TEST_SUITE_P(Compilers, JitTier, ::testing::Values(jit::Tier::Baseline, jit::Tier::Optimized),
                         [](const auto& info) { return std::string(jit::tierName(info.param)); });

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

TEST_P(JitTier, RecursionAndStackExhaustion) {
  ExecEnv env;
  auto inst = instantiate(recursionModule(), env);
  compileAll(*inst, GetParam());
  Function* down = inst->exportedFunction("down");
  ASSERT_NE(down->jitEntry.load(), nullptr);
  EXPECT_EQ(env.call(down, {10000})[0], 10000u);
  EXPECT_EQ(trapOf(env, down, {100000000}), "call stack exhausted");
  EXPECT_EQ(env.callDepth, 0u);
  EXPECT_EQ(env.nativeDepth, 0u);
  EXPECT_EQ(env.call(down, {10})[0], 10u);
}

Bytes trapModule() {
  test::WasmBuilder b;
  uint32_t bin = b.type({test::I32, test::I32}, {test::I32});
  uint32_t un = b.type({test::I32}, {test::I32});
  b.memory(1);
  b.func(bin, {}, {0x20, 0x00, 0x20, 0x01, 0x6d}, "div_s");  // i32.div_s
  b.func(bin, {}, {0x20, 0x00, 0x20, 0x01, 0x6f}, "rem_s");  // i32.rem_s
  b.func(un, {}, {0x20, 0x00, 0x28, 0x02, 0x00}, "load");    // i32.load
  b.func(un, {}, {0x20, 0x00, 0x28, 0x02, 0x10}, "load16");  // i32.load offset=16
  b.func(un, {}, {0x00}, "unreachable");
  return b.build();
}

void checkTraps(ExecEnv& env, Instance& inst) {
  EXPECT_EQ(trapOf(env, inst.exportedFunction("div_s"), {1, 0}), "integer divide by zero");
  EXPECT_EQ(trapOf(env, inst.exportedFunction("div_s"), {0x80000000u, 0xffffffffu}), "integer overflow");
  EXPECT_EQ(env.call(inst.exportedFunction("div_s"), {uint32_t(-7), 2})[0], uint32_t(-3));
  EXPECT_EQ(env.call(inst.exportedFunction("rem_s"), {0x80000000u, 0xffffffffu})[0], 0u);
  EXPECT_EQ(trapOf(env, inst.exportedFunction("load"), {65533}), "out of bounds memory access");
  EXPECT_EQ(trapOf(env, inst.exportedFunction("load"), {0xffffffffu}), "out of bounds memory access");
  EXPECT_EQ(trapOf(env, inst.exportedFunction("load16"), {65520}), "out of bounds memory access");
  EXPECT_EQ(env.call(inst.exportedFunction("load"), {65532})[0], 0u);
  EXPECT_EQ(env.call(inst.exportedFunction("load16"), {65516})[0], 0u);
  EXPECT_EQ(trapOf(env, inst.exportedFunction("unreachable"), {0}), "unreachable");
  // The env is clean after every trap.
  EXPECT_EQ(env.callDepth, 0u);
  EXPECT_EQ(env.nativeDepth, 0u);
}

TEST_P(JitTier, TrapsCarrySpecMessages) {
  ExecEnv env;
  auto inst = instantiate(trapModule(), env);
  ASSERT_TRUE(inst->memory(0)->guarded());
  compileAll(*inst, GetParam());
  checkTraps(env, *inst);
}

#if !defined(__SANITIZE_ADDRESS__)
// Without the 8 GiB reservation the memory is not guarded and compiled code
// must check bounds itself. RLIMIT_AS in a child process forces that.
// 3 GiB of address space: no 8 GiB reservation (nor a 4 GiB one).
void limitAddressSpace() {
  struct rlimit lim;
  lim.rlim_cur = lim.rlim_max = uint64_t(3) << 30;
  setrlimit(RLIMIT_AS, &lim);
}

void runUnguarded(jit::Tier tier) {
  limitAddressSpace();
  ExecEnv env;
  auto inst = instantiate(trapModule(), env);
  if (inst->memory(0)->guarded()) std::exit(2);
  compileAll(*inst, tier);
  checkTraps(env, *inst);
  std::exit(::testing::Test::HasFailure() ? 1 : 0);
}

TEST(JitDeathTest, UnguardedMemoryIsBoundsChecked) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (jit::Tier tier : {jit::Tier::Baseline, jit::Tier::Optimized}) {
    SCOPED_TRACE(jit::tierName(tier));
    EXPECT_EXIT(runUnguarded(tier), ::testing::ExitedWithCode(0), "");
  }
}
#endif

// Memory 1 of two (the baseline compiler bounds-checks it against the
// Memory object at every access):
// (memory $m0 1) (memory $m1 1)
// (func (export "grow1") (param i32) (result i32) (memory.grow $m1 (local.get 0)))
// (func (export "store1") (param i32 i32) (i32.store $m1 (local.get 0) (local.get 1)))
// (func (export "load1") (param i32) (result i32) (i32.load $m1 (local.get 0)))
Bytes twoMemoriesModule() {
  return {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0b, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02,
          0x7f, 0x7f, 0x00, 0x03, 0x04, 0x03, 0x00, 0x01, 0x00, 0x05, 0x05, 0x02, 0x00, 0x01, 0x00, 0x01, 0x07, 0x1a,
          0x03, 0x05, 0x67, 0x72, 0x6f, 0x77, 0x31, 0x00, 0x00, 0x06, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x31, 0x00, 0x01,
          0x05, 0x6c, 0x6f, 0x61, 0x64, 0x31, 0x00, 0x02, 0x0a, 0x1c, 0x03, 0x06, 0x00, 0x20, 0x00, 0x40, 0x01, 0x0b,
          0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x42, 0x01, 0x00, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x28, 0x42, 0x01,
          0x00, 0x0b};
}

#if !defined(__SANITIZE_ADDRESS__)
// Under RLIMIT_AS the memories get only their current size, and a mapping
// placed right after memory 1 makes its growth move it: compiled code must
// read the new base and size (the mutant that keeps the base of compile
// time writes to the unmapped old place).
void runMovingMemory(jit::Tier tier) {
  limitAddressSpace();
  ExecEnv env;
  auto inst = instantiate(twoMemoriesModule(), env);
  Memory* m1 = inst->memory(1);
  if (m1->guarded()) std::exit(2);
  compileAll(*inst, tier);
  Function* grow = inst->exportedFunction("grow1");
  Function* store = inst->exportedFunction("store1");
  Function* load = inst->exportedFunction("load1");
  env.call(store, {65532, 7});
  for (uint32_t round = 0; round < 3; ++round) {
    uint8_t* before = m1->base();
    uint64_t size = m1->byteSize();
    // (EEXIST: something is there already, which blocks it as well.)
    void* block = mmap(before + size, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (block == MAP_FAILED && errno != EEXIST) std::exit(3);
    EXPECT_EQ(env.call(grow, {1})[0], size / 65536);
    if (m1->base() == before) std::exit(4);
    if (block != MAP_FAILED) munmap(block, 4096);
    EXPECT_EQ(env.call(load, {65532})[0], 7u);
    env.call(store, {uint32_t(size), round + 10});
    EXPECT_EQ(env.call(load, {uint32_t(size)})[0], round + 10);
    EXPECT_EQ(trapOf(env, load, {uint32_t(size + 65533)}), "out of bounds memory access");
  }
  std::exit(::testing::Test::HasFailure() ? 1 : 0);
}

TEST(JitDeathTest, MemoryThatMovesWhenItGrowsIsFollowed) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (jit::Tier tier : {jit::Tier::Baseline, jit::Tier::Optimized}) {
    SCOPED_TRACE(jit::tierName(tier));
    EXPECT_EXIT(runMovingMemory(tier), ::testing::ExitedWithCode(0), "");
  }
}
#endif

// A host function that throws: the exception crosses JIT frames only as a
// status and comes out of env.call as the original Trap.
void hostThrows(void*, Instance*, Slot*) { throw Trap("host says no"); }
void hostDoubles(void*, Instance*, Slot* slots) { slots[0] = uint32_t(slots[0] * 2); }

TEST_P(JitTier, HostCallsAndHostExceptions) {
  // (import "h" "f" (func $h (param i32) (result i32)))
  // (func (export "g") (param i32) (result i32) (i32.add (call $h (local.get 0)) (i32.const 1)))
  test::WasmBuilder b;
  uint32_t t = b.type({test::I32}, {test::I32});
  b.importFunc("h", "f", t);
  b.func(t, {}, {0x20, 0x00, 0x10, 0x00, 0x41, 0x01, 0x6a}, "g");
  Bytes bytes = b.build();
  FuncType ft{{ValType::I32}, {ValType::I32}};
  for (bool throws : {false, true}) {
    ExecEnv env;
    Extern host;
    host.kind = ExternKind::Func;
    host.func = makeHostFunction(ft, throws ? hostThrows : hostDoubles, nullptr);
    auto inst = instantiate(bytes, env, {host});
    compileAll(*inst, GetParam());
    Function* g = inst->exportedFunction("g");
    if (throws)
      EXPECT_EQ(trapOf(env, g, {5}), "host says no");
    else
      EXPECT_EQ(env.call(g, {5})[0], 11u);
  }
}

// Re-entry host -> wasm -> host through JIT code is bounded as in the
// interpreter.
TEST_P(JitTier, HostReentryIsBounded) {
  test::Reentry r;
  compileAll(*r.instance, GetParam());
  EXPECT_EQ(trapOf(r.env, r.g, {1}), "call stack exhausted");
  EXPECT_EQ(r.env.nativeDepth, 0u);
}

// Compiled code calling interpreted code and back, in both directions.
TEST_P(JitTier, MixedWithInterpreter) {
  // $even (func 0) and $odd (func 1) call each other; only $even is compiled.
  // (func $even (param i32) (result i32)
  //   (if (result i32) (local.get 0) (then (call $odd (i32.sub (local.get 0) (i32.const 1)))) (else (i32.const 1))))
  // (func $odd (param i32) (result i32)
  //   (if (result i32) (local.get 0) (then (call $even (i32.sub (local.get 0) (i32.const 1)))) (else (i32.const 0))))
  test::WasmBuilder b;
  uint32_t t = b.type({test::I32}, {test::I32});
  b.func(t, {}, {0x20, 0x00, 0x04, 0x7f, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x01, 0x05, 0x41, 0x01, 0x0b}, "even");
  b.func(t, {}, {0x20, 0x00, 0x04, 0x7f, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x00, 0x05, 0x41, 0x00, 0x0b}, "odd");
  ExecEnv env;
  auto inst = instantiate(b.build(), env);
  ASSERT_TRUE(jit::compile(inst->exportedFunction("even"), GetParam()));
  // Every step between the tiers nests native frames (bridge, interpreter,
  // entry), large ones under ASan: keep the depth moderate.
  EXPECT_EQ(env.call(inst->exportedFunction("even"), {201})[0], 0u);
  EXPECT_EQ(env.call(inst->exportedFunction("odd"), {201})[0], 1u);
  EXPECT_EQ(env.call(inst->exportedFunction("even"), {300})[0], 1u);
  // Deep mutual recursion through both tiers ends in the trap, not a crash.
  EXPECT_EQ(trapOf(env, inst->exportedFunction("even"), {50000000}), "call stack exhausted");
  EXPECT_EQ(env.callDepth, 0u);
  EXPECT_EQ(env.call(inst->exportedFunction("odd"), {7})[0], 1u);
}

// Tiered: interpreted calls count down, the background compiler publishes
// the entry, later calls run compiled code; results never change.
TEST(Jit, TieredCompilesHotFunctionsInTheBackground) {
  // $leaf (func 0) is called by $caller (func 1) n times, from the
  // interpreter: (loop (local.set 1 (i32.add (local.get 1) (call $leaf (local.get 0)))) (br_if ...)).
  test::WasmBuilder b;
  uint32_t t = b.type({test::I32}, {test::I32});
  b.func(t, {}, {0x20, 0x00, 0x41, 0x02, 0x6c}, "leaf");  // x * 2
  // (local $i i32) (local $sum i32)
  // loop: sum += leaf(i); i += 1; br_if (i != n)
  b.func(t, {{2, test::I32}},
         {0x03, 0x40,                                      // loop
          0x20, 0x02, 0x20, 0x01, 0x10, 0x00, 0x6a, 0x21, 0x02,  // sum = sum + leaf(i)
          0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01,        // i = i + 1 (tee)
          0x20, 0x00, 0x47, 0x0d, 0x00,                    // br_if 0 (i != n)
          0x0b, 0x20, 0x02},
         "caller");
  TierScope tier(jit::Mode::Tiered, 5);
  ExecEnv env;
  auto inst = instantiate(b.build(), env);
  Function* leaf = inst->exportedFunction("leaf");
  Function* caller = inst->exportedFunction("caller");
  // The caller runs interpreted; the leaf gets hot after 5 calls, and so
  // does the caller's loop header (OSR requested, which also queues the
  // caller); whatever finishes compiling during the call is used at once.
  EXPECT_EQ(env.call(caller, {100})[0], 9900u);
  std::ostringstream stats;
  jit::printStats(stats);  // waits for the background compiler
  EXPECT_NE(caller->jitEntry.load(), nullptr);
  EXPECT_NE(leaf->jitEntry.load(), nullptr);
  EXPECT_EQ(env.call(caller, {100})[0], 9900u);
  EXPECT_EQ(env.call(leaf, {21})[0], 42u);
}

// (func $sum (param $n i32) (result i64) (local $i i32) (local $s i64)
//   (loop (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $i))))
//         (br_if 0 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
//   (local.get $s))
// (func $divAfter (param $n i32) (result i32) (local $i i32)
//   (loop (br_if 0 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
//   (i32.div_u (i32.const 1) (i32.sub (local.get $i) (local.get $n))))   ;; divides by zero
// (func $callDivAfter (param i32) (result i32) (call $divAfter (local.get 0)))
Bytes osrModule() {
  test::WasmBuilder b;
  uint32_t sumType = b.type({test::I32}, {test::I64});
  uint32_t t = b.type({test::I32}, {test::I32});
  b.func(sumType, {{1, test::I32}, {1, test::I64}},
         {0x03, 0x40, 0x20, 0x02, 0x20, 0x01, 0xad, 0x7c, 0x21, 0x02,  // s += i
          0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01,                    // i = i + 1
          0x20, 0x00, 0x49, 0x0d, 0x00, 0x0b,                          // br_if (i < n)
          0x20, 0x02},
         "sum");
  b.func(t, {{1, test::I32}},
         {0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x22, 0x01, 0x20, 0x00, 0x49, 0x0d, 0x00, 0x0b,  // loop
          0x41, 0x01, 0x20, 0x01, 0x20, 0x00, 0x6b, 0x6e},                                          // 1 / (i - n)
         "divAfter");
  b.func(t, {}, {0x20, 0x00, 0x10, 0x01}, "callDivAfter");
  return b.build();
}

// OSR, compiling on the spot (--jit-threads=0): a loop entered once leaves
// the interpreter at its header when the countdown runs out, for baseline
// code entered at that loop, with the locals the interpreter computed;
// after the optimizing threshold it leaves baseline code the same way for
// optimized code. Traps raised after a switch unwind the frames below.
TEST(Jit, OsrEntersARunningLoop) {
  TierScope tier(jit::Mode::Tiered, 100, 0, "", 1000);
  ExecEnv env;
  auto inst = instantiate(osrModule(), env);
  Function* sum = inst->exportedFunction("sum");
  jit::Counters before = jit::counters();
  EXPECT_EQ(env.call(sum, {1000000})[0], 499999500000u);
  jit::Counters after = jit::counters();
  EXPECT_EQ(after.compiled[0] - before.compiled[0], 1u);
  EXPECT_EQ(after.compiled[1] - before.compiled[1], 1u);
  EXPECT_EQ(after.osrEntries[0] - before.osrEntries[0], 1u);  // interpreter -> baseline
  EXPECT_EQ(after.osrEntries[1] - before.osrEntries[1], 1u);  // baseline -> optimized
  EXPECT_TRUE(jit::hasCode(sum, jit::Tier::Optimized));
  // Later calls run the optimized function from its start.
  EXPECT_EQ(env.call(sum, {10})[0], 45u);
  EXPECT_EQ(jit::counters().osrTaken(), after.osrTaken());

  // 5000 iterations: interpreter -> baseline at 100, no further.
  EXPECT_EQ(trapOf(env, inst->exportedFunction("callDivAfter"), {5000}), "integer divide by zero");
  EXPECT_EQ(jit::counters().osrEntries[0] - after.osrEntries[0], 1u);
  EXPECT_EQ(env.callDepth, 0u);
  EXPECT_EQ(env.nativeDepth, 0u);
  EXPECT_EQ(trapOf(env, inst->exportedFunction("callDivAfter"), {5000}), "integer divide by zero");
}

// A tier-up on the spot during a call from the host: that call already
// runs the compiled code, and the function keeps no interpreter code (a
// second translation would keep interpreted callers on it for good).
TEST(Jit, TierUpFromTheHostLeavesNoInterpreterCode) {
  TierScope tier(jit::Mode::Tiered, 1, 0);
  ExecEnv env;
  auto inst = instantiate(osrModule(), env);
  Function* sum = inst->exportedFunction("sum");
  Function* caller = inst->exportedFunction("callDivAfter");
  jit::Counters before = jit::counters();
  EXPECT_EQ(env.call(sum, {10})[0], 45u);
  EXPECT_NE(sum->jitEntry.load(), nullptr);
  EXPECT_EQ(sum->interpCode.load(), nullptr);
  EXPECT_EQ(jit::counters().osrTaken(), before.osrTaken());  // compiled before its loop ran
  EXPECT_EQ(trapOf(env, caller, {3}), "integer divide by zero");
  EXPECT_EQ(caller->interpCode.load(), nullptr);
}

// Cancelling an instance's background compiles leaves the caller with the
// only reference, so the instance dies on the caller's thread.
TEST(Jit, CancelCompilesReleasesTheInstance) {
  TierScope tier(jit::Mode::Tiered, 1);
  ExecEnv env;
  auto inst = instantiate(osrModule(), env);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(env.call(inst->exportedFunction("sum"), {10})[0], 45u);
    EXPECT_EQ(trapOf(env, inst->exportedFunction("callDivAfter"), {3}), "integer divide by zero");
  }
  jit::cancelCompiles(inst.get());
  EXPECT_EQ(inst.use_count(), 1);
}

// OSR with the background compiler: the loop keeps running interpreted
// while its entry compiles, and moves over once it is published. The loop
// asks the host whether that happened (or 10 s passed) and stops then.
struct OsrPoll {
  uint64_t osrBefore = 0;
  std::chrono::steady_clock::time_point deadline;
  static void poll(void* self, Instance*, Slot* slots) {
    auto* p = static_cast<OsrPoll*>(self);
    slots[0] = jit::counters().osrTaken() > p->osrBefore || std::chrono::steady_clock::now() > p->deadline;
  }
};

TEST(Jit, OsrWithTheBackgroundCompiler) {
  // (import "env" "poll" (func $poll (result i32)))
  // (func (export "run") (result i32) (local $i i32)
  //   (loop (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if 0 (i32.eqz (call $poll))))
  //   (local.get $i))
  test::WasmBuilder b;
  uint32_t pollType = b.type({}, {test::I32});
  b.importFunc("env", "poll", pollType);
  b.func(pollType, {{1, test::I32}},
         {0x03, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x10, 0x00, 0x45, 0x0d, 0x00, 0x0b, 0x20, 0x00},
         "run");
  TierScope tier(jit::Mode::Tiered, 50);
  OsrPoll poll;
  poll.osrBefore = jit::counters().osrTaken();
  poll.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Extern host;
  host.kind = ExternKind::Func;
  host.func = makeHostFunction(FuncType{{}, {ValType::I32}}, OsrPoll::poll, &poll);
  ExecEnv env;
  auto inst = instantiate(b.build(), env, {host});
  uint64_t iterations = env.call(inst->exportedFunction("run"), std::vector<Slot>{})[0];
  EXPECT_EQ(jit::counters().osrTaken() - poll.osrBefore, 1u);
  EXPECT_GE(iterations, 49u);  // the call and 49 loop headers ran the countdown out first
}

// A function the JIT cannot compile stays interpreted; its callers and
// callees still run compiled, through the bridge and do_call.
TEST(Jit, UncompilableFunctionStaysInterpreted) {
  test::WasmBuilder b;
  uint32_t t = b.type({test::I32}, {test::I32});
  b.func(t, {}, {0x20, 0x00, 0x41, 0x02, 0x6c}, "leaf");                    // x * 2
  b.func(t, {}, {0x20, 0x00, 0x10, 0x00, 0x41, 0x01, 0x6a}, "middle");     // leaf(x) + 1
  b.func(t, {}, {0x20, 0x00, 0x10, 0x01, 0x41, 0x03, 0x6c}, "top");        // middle(x) * 3
  TierScope tier(jit::Mode::Jit, jit::Options::kDefaultThreshold, 1, "middle");
  ExecEnv env;
  auto inst = instantiate(b.build(), env);
  EXPECT_EQ(env.call(inst->exportedFunction("top"), {5})[0], 33u);
  EXPECT_NE(inst->exportedFunction("top")->jitEntry.load(), nullptr);
  EXPECT_EQ(inst->exportedFunction("middle")->jitEntry.load(), nullptr);
  EXPECT_NE(inst->exportedFunction("middle")->interpCode.load(), nullptr);
  EXPECT_NE(inst->exportedFunction("leaf")->jitEntry.load(), nullptr);
  EXPECT_EQ(env.call(inst->exportedFunction("middle"), {5})[0], 11u);
}

// Compiled code dies with its function: instantiating, compiling (whole
// functions and OSR entries) and dropping instances in a loop leaves the
// JIT's code memory where it started, and guard-region faults still trap in
// code compiled into reused memory (by either compiler).
TEST(Jit, CodeIsFreedWithItsInstance) {
  TierScope tier(jit::Mode::Tiered, 10, 0, "", 100);
  size_t baseline = jit::liveCodeBytes();
  Bytes osr = osrModule();
  Bytes traps = trapModule();
  for (int i = 0; i < 200; ++i) {
    ExecEnv env;
    auto inst = instantiate(osr, env);
    EXPECT_EQ(env.call(inst->exportedFunction("sum"), {1000})[0], 499500u);
    auto t = instantiate(traps, env);
    compileAll(*t, jit::Tier(i % 2));
    EXPECT_EQ(trapOf(env, t->exportedFunction("load"), {0xfffffff0u}), "out of bounds memory access");
    EXPECT_GT(jit::liveCodeBytes(), baseline);
  }
  EXPECT_EQ(jit::liveCodeBytes(), baseline);
}

// W^X: no mapping of the process is writable and executable at once, even
// right after code was emitted.
TEST_P(JitTier, CodeIsNeverWritableAndExecutable) {
  ExecEnv env;
  auto inst = instantiate(trapModule(), env);
  compileAll(*inst, GetParam());
  EXPECT_EQ(env.call(inst->exportedFunction("div_s"), {7, 2})[0], 3u);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, perms;
    fields >> range >> perms;
    EXPECT_FALSE(perms.size() >= 3 && perms[1] == 'w' && perms[2] == 'x') << line;
  }
}

}  // namespace
}  // namespace strata
