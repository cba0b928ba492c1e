// The WAMR-style C API (include/wasm_export.h): one or more tests per call,
// natives of every signature kind, the app heap, allocator modes and pool
// exhaustion. Modules: tests/unit/multi/*.wat.
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "c_api_multi_test.h"
#include "jit/jit.h"
#include "runtime/instance.h"

using namespace strata_test;

namespace {

// ---------------------------------------------------------------- runtime

TEST(CApiRuntime, InitNestsAndDestroyEnds) {
  ASSERT_TRUE(wasm_runtime_init());
  ASSERT_TRUE(wasm_runtime_init());
  wasm_runtime_destroy();
  void* p = wasm_runtime_malloc(16);  // still initialised once
  EXPECT_NE(p, nullptr);
  wasm_runtime_free(p);
  wasm_runtime_destroy();
  EXPECT_EQ(wasm_runtime_malloc(16), nullptr);
  char err[128];
  uint8_t byte = 0;
  EXPECT_EQ(wasm_runtime_load(&byte, 1, err, sizeof err), nullptr);
  EXPECT_STREQ(err, "the runtime is not initialised (wasm_runtime_init)");
}

TEST(CApiRuntime, SystemAllocatorMallocReallocFree) {
  ASSERT_TRUE(wasm_runtime_init());
  auto* p = static_cast<char*>(wasm_runtime_malloc(8));
  ASSERT_NE(p, nullptr);
  std::strcpy(p, "abcdefg");
  p = static_cast<char*>(wasm_runtime_realloc(p, 4096));
  ASSERT_NE(p, nullptr);
  EXPECT_STREQ(p, "abcdefg");
  wasm_runtime_free(p);
  wasm_runtime_destroy();
}

int gMallocs = 0, gFrees = 0;
void* countingMalloc(unsigned int n) { return ++gMallocs, std::malloc(n); }
void* countingRealloc(void* p, unsigned int n) { return std::realloc(p, n); }
void countingFree(void* p) { ++gFrees, std::free(p); }

TEST(CApiRuntime, AllocatorCallbacksAreUsed) {
  if (multiWasmDir().empty()) GTEST_SKIP();
  RuntimeInitArgs args;
  std::memset(&args, 0, sizeof args);
  args.mem_alloc_type = Alloc_With_Allocator;
  args.mem_alloc_option.allocator.malloc_func = reinterpret_cast<void*>(countingMalloc);
  args.mem_alloc_option.allocator.realloc_func = reinterpret_cast<void*>(countingRealloc);
  args.mem_alloc_option.allocator.free_func = reinterpret_cast<void*>(countingFree);
  gMallocs = gFrees = 0;
  ASSERT_TRUE(wasm_runtime_full_init(&args));
  std::vector<uint8_t> bytes = readWasm("mA");
  char err[256];
  wasm_module_t m = wasm_runtime_load(bytes.data(), static_cast<uint32_t>(bytes.size()), err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  wasm_module_inst_t inst = wasm_runtime_instantiate(m, 8192, 0, err, sizeof err);
  ASSERT_NE(inst, nullptr) << err;
  EXPECT_GE(gMallocs, 3);  // the binary's copy, the module and instance handles, ...
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
  wasm_runtime_destroy();
  EXPECT_EQ(gMallocs, gFrees);
}

TEST(CApiRuntime, FullInitRejectsBadArguments) {
  RuntimeInitArgs args;
  std::memset(&args, 0, sizeof args);
  args.mem_alloc_type = Alloc_With_Pool;  // no buffer
  EXPECT_FALSE(wasm_runtime_full_init(&args));
  args.mem_alloc_type = Alloc_With_Allocator;  // no callbacks
  EXPECT_FALSE(wasm_runtime_full_init(&args));
  static NativeSymbol bad[] = {{"f", reinterpret_cast<void*>(countingFree), "(x)", nullptr}};
  args.mem_alloc_type = Alloc_With_System_Allocator;
  args.native_symbols = bad;
  args.n_native_symbols = 1;
  EXPECT_FALSE(wasm_runtime_full_init(&args));  // invalid signature
  EXPECT_EQ(wasm_runtime_malloc(1), nullptr);   // not initialised
}

alignas(16) uint8_t gPool[64 * 1024];

TEST(CApiRuntime, PoolExhaustionIsAClearError) {
  if (multiWasmDir().empty()) GTEST_SKIP();
  RuntimeInitArgs args;
  std::memset(&args, 0, sizeof args);
  args.mem_alloc_type = Alloc_With_Pool;
  args.mem_alloc_option.pool.heap_buf = gPool;
  args.mem_alloc_option.pool.heap_size = sizeof gPool;
  ASSERT_TRUE(wasm_runtime_full_init(&args));

  // A module larger than the pool: a custom section of 80 KiB after mA.
  std::vector<uint8_t> big = readWasm("mA");
  big.push_back(0);                                      // custom section
  const uint32_t payload = 80 * 1024;
  uint32_t size = payload + 2;                           // name length + "x" + payload
  for (uint32_t v = size; ; ) { uint8_t b = v & 0x7f; v >>= 7; big.push_back(b | (v ? 0x80 : 0)); if (!v) break; }
  big.push_back(1);
  big.push_back('x');
  big.resize(big.size() + payload, 0);
  char err[256];
  EXPECT_EQ(wasm_runtime_load(big.data(), static_cast<uint32_t>(big.size()), err, sizeof err), nullptr);
  EXPECT_NE(std::string(err).find("allocate memory failed: the pool of"), std::string::npos) << err;

  // Fill the pool; instantiating then fails cleanly, and works again once
  // memory is returned.
  std::vector<uint8_t> bytes = readWasm("mA");
  wasm_module_t m = wasm_runtime_load(bytes.data(), static_cast<uint32_t>(bytes.size()), err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  std::vector<void*> blocks;
  while (void* p = wasm_runtime_malloc(256)) blocks.push_back(p);
  EXPECT_GT(blocks.size(), 100u);
  EXPECT_EQ(wasm_runtime_instantiate(m, 8192, 0, err, sizeof err), nullptr);
  EXPECT_NE(std::string(err).find("allocate memory failed"), std::string::npos) << err;
  for (void* p : blocks) wasm_runtime_free(p);
  wasm_module_inst_t inst = wasm_runtime_instantiate(m, 8192, 0, err, sizeof err);
  ASSERT_NE(inst, nullptr) << err;
  // After everything is freed, one block spanning most of the pool fits.
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
  void* whole = wasm_runtime_malloc(60 * 1024);
  EXPECT_NE(whole, nullptr);
  wasm_runtime_free(whole);
  wasm_runtime_destroy();
}

// Each running mode runs the same loop with the same result, and says what
// it did: Fast JIT compiles with the baseline compiler only, "LLVM" JIT with
// the optimizing compiler only, the interpreter not at all; the tiered
// mode moves the long-running loop up a tier by OSR.
TEST(CApiRuntime, RunningModes) {
  if (multiWasmDir().empty()) GTEST_SKIP();
  EXPECT_TRUE(wasm_runtime_is_running_mode_supported(Mode_Interp));
  EXPECT_TRUE(wasm_runtime_is_running_mode_supported(Mode_Fast_JIT));
  EXPECT_TRUE(wasm_runtime_is_running_mode_supported(Mode_Multi_Tier_JIT));
  EXPECT_TRUE(wasm_runtime_is_running_mode_supported(Mode_LLVM_JIT));
  EXPECT_FALSE(wasm_runtime_is_running_mode_supported(RunningMode(7)));
  RuntimeInitArgs args;
  std::memset(&args, 0, sizeof args);
  args.mem_alloc_type = Alloc_With_System_Allocator;
  args.running_mode = RunningMode(7);
  EXPECT_FALSE(wasm_runtime_full_init(&args));

  for (RunningMode mode : {Mode_Interp, Mode_Fast_JIT, Mode_LLVM_JIT, Mode_Multi_Tier_JIT}) {
    SCOPED_TRACE(int(mode));
    args.running_mode = mode;
    ASSERT_TRUE(wasm_runtime_full_init(&args));
    std::vector<uint8_t> bytes = readWasm("mA");
    char err[256];
    wasm_module_t m = wasm_runtime_load(bytes.data(), uint32_t(bytes.size()), err, sizeof err);
    ASSERT_NE(m, nullptr) << err;
    wasm_module_inst_t inst = wasm_runtime_instantiate(m, 8192, 0, err, sizeof err);
    ASSERT_NE(inst, nullptr) << err;
    EXPECT_EQ(wasm_runtime_get_running_mode(inst), mode);
    EXPECT_TRUE(wasm_runtime_set_running_mode(inst, mode));
    // No tier change while modules are loaded.
    EXPECT_FALSE(wasm_runtime_set_default_running_mode(Mode_Interp));
    EXPECT_EQ(wasm_runtime_get_running_mode(inst), mode);
    EXPECT_FALSE(wasm_runtime_set_running_mode(inst, mode == Mode_Interp ? Mode_Fast_JIT : Mode_Interp));
    wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 32 * 1024);
    wasm_function_inst_t loop = wasm_runtime_lookup_function(inst, "A_direct", nullptr);
    ASSERT_NE(loop, nullptr);
    strata::jit::Counters before = strata::jit::counters();
    uint32_t argv[1] = {1000000};
    ASSERT_TRUE(wasm_runtime_call_wasm(env, loop, 1, argv)) << wasm_runtime_get_exception(inst);
    EXPECT_EQ(argv[0], 10000000u);
    strata::jit::waitForCompiles();
    strata::jit::Counters after = strata::jit::counters();
    uint64_t baseline = after.compiled[0] - before.compiled[0];
    uint64_t optimized = after.compiled[1] - before.compiled[1];
    if (mode == Mode_Interp) {
      EXPECT_EQ(baseline + optimized, 0u);
    } else if (mode == Mode_Fast_JIT) {
      EXPECT_GT(baseline, 0u);
      EXPECT_EQ(optimized, 0u);
    } else if (mode == Mode_LLVM_JIT) {
      EXPECT_EQ(baseline, 0u);
      EXPECT_GT(optimized, 0u);
    } else {
      EXPECT_GE(after.osrTaken() - before.osrTaken(), 1u);  // the loop moved up a tier
    }
    wasm_runtime_destroy_exec_env(env);
    wasm_runtime_deinstantiate(inst);
    wasm_runtime_unload(m);
    wasm_runtime_destroy();
  }
  // A zero running_mode keeps the default set before init.
  ASSERT_TRUE(wasm_runtime_set_default_running_mode(Mode_Fast_JIT));
  args.running_mode = RunningMode(0);
  ASSERT_TRUE(wasm_runtime_full_init(&args));
  EXPECT_EQ(wasm_runtime_get_running_mode(nullptr), Mode_Fast_JIT);
  EXPECT_TRUE(wasm_runtime_set_default_running_mode(Mode_Multi_Tier_JIT));
  wasm_runtime_destroy();
}

// tests/unit/multi/spin.wat (guests that never finish, and "quick") in a
// runtime of the given running mode, with one exec env; torn down in
// reverse order.
struct SpinGuest {
  wasm_module_t module = nullptr;
  wasm_module_inst_t inst = nullptr;
  wasm_exec_env_t env = nullptr;

  explicit SpinGuest(RunningMode mode) {
    RuntimeInitArgs args;
    std::memset(&args, 0, sizeof args);
    args.mem_alloc_type = Alloc_With_System_Allocator;
    args.running_mode = mode;
    if (!wasm_runtime_full_init(&args)) return;
    std::vector<uint8_t> bytes = readWasm("spin");
    char err[256];
    module = wasm_runtime_load(bytes.data(), uint32_t(bytes.size()), err, sizeof err);
    if (module) inst = wasm_runtime_instantiate(module, 8192, 0, err, sizeof err);
    if (inst) env = wasm_runtime_create_exec_env(inst, 32 * 1024);
  }
  ~SpinGuest() {
    if (env) wasm_runtime_destroy_exec_env(env);
    if (inst) wasm_runtime_deinstantiate(inst);
    if (module) wasm_runtime_unload(module);
    wasm_runtime_destroy();
  }
  wasm_function_inst_t function(const char* name) { return wasm_runtime_lookup_function(inst, name, nullptr); }
};

constexpr RunningMode kAllModes[] = {Mode_Interp, Mode_Fast_JIT, Mode_LLVM_JIT, Mode_Multi_Tier_JIT};

// wasm_runtime_terminate from another thread stops a guest that never
// finishes, in each running mode: a loop, a loop with a value at its
// header, a call tree without loops. Later calls fail until the exception
// is cleared.
TEST(CApiRuntime, TerminateFromAnotherThread) {
  if (multiWasmDir().empty()) GTEST_SKIP();
  for (RunningMode mode : kAllModes) {
    SCOPED_TRACE(int(mode));
    SpinGuest g(mode);
    ASSERT_NE(g.env, nullptr);
    for (const char* name : {"spin", "spin_value", "tree"}) {
      SCOPED_TRACE(name);
      wasm_function_inst_t f = g.function(name);
      ASSERT_NE(f, nullptr);
      std::atomic<bool> returned{false};
      bool ok = true;
      std::thread runner([&] {
        uint32_t argv[1] = {60};
        ok = wasm_runtime_call_wasm(g.env, f, std::strcmp(name, "tree") == 0 ? 1 : 0, argv);
        returned = true;
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      EXPECT_FALSE(returned.load());  // still running
      wasm_runtime_terminate(g.inst);
      auto start = std::chrono::steady_clock::now();
      runner.join();
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
      EXPECT_FALSE(ok);
      EXPECT_STREQ(wasm_runtime_get_exception(g.inst), "Exception: terminated by user");
      // Terminated until cleared.
      uint32_t out[1] = {0};
      EXPECT_FALSE(wasm_runtime_call_wasm(g.env, g.function("quick"), 0, out));
      wasm_runtime_clear_exception(g.inst);
      EXPECT_TRUE(wasm_runtime_call_wasm(g.env, g.function("quick"), 0, out));
      EXPECT_EQ(out[0], 7u);
    }
  }
}

// wasm_runtime_terminate of an instance that runs nothing: the exception
// says so at once and calls fail; once it is cleared, the request it left
// on the idle exec env is stale and the next call runs (it used to trap
// with "terminated by user").
TEST(CApiRuntime, TerminateWhileIdleLastsUntilCleared) {
  if (multiWasmDir().empty()) GTEST_SKIP();
  for (RunningMode mode : kAllModes) {
    SCOPED_TRACE(int(mode));
    SpinGuest g(mode);
    ASSERT_NE(g.env, nullptr);
    uint32_t out[1] = {0};
    EXPECT_EQ(wasm_runtime_get_exception(g.inst), nullptr);
    wasm_runtime_terminate(g.inst);
    EXPECT_STREQ(wasm_runtime_get_exception(g.inst), "Exception: terminated by user");
    EXPECT_FALSE(wasm_runtime_call_wasm(g.env, g.function("quick"), 0, out));
    EXPECT_STREQ(wasm_runtime_get_exception(g.inst), "Exception: terminated by user");
    wasm_runtime_terminate(g.inst);  // a second request, also left on the idle env
    wasm_runtime_clear_exception(g.inst);
    EXPECT_EQ(wasm_runtime_get_exception(g.inst), nullptr);
    ASSERT_TRUE(wasm_runtime_call_wasm(g.env, g.function("quick"), 0, out)) << wasm_runtime_get_exception(g.inst);
    EXPECT_EQ(out[0], 7u);
  }
}

// An epoch deadline set on an exec env stops a guest that never finishes
// once a timer thread has advanced the epoch far enough, in each running
// mode; the deadline is used up and the next call runs.
TEST(CApiRuntime, EpochDeadlineFromATimerThread) {
  if (multiWasmDir().empty()) GTEST_SKIP();
  for (RunningMode mode : kAllModes) {
    SCOPED_TRACE(int(mode));
    SpinGuest g(mode);
    ASSERT_NE(g.env, nullptr);
    wasm_function_inst_t spin = g.function("spin"), quick = g.function("quick");
    strata_runtime_set_epoch_deadline(g.env, 5);
    std::atomic<bool> returned{false};
    std::thread timer([&] {
      for (int i = 0; i < 500 && !returned; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        strata_runtime_increment_epoch();
      }
    });
    uint32_t argv[1] = {0};
    EXPECT_FALSE(wasm_runtime_call_wasm(g.env, spin, 0, argv));
    returned = true;
    timer.join();
    EXPECT_STREQ(wasm_runtime_get_exception(g.inst), "Exception: execution timed out");
    wasm_runtime_clear_exception(g.inst);
    EXPECT_TRUE(wasm_runtime_call_wasm(g.env, quick, 0, argv));
    EXPECT_EQ(argv[0], 7u);
    // Reached while idle: the next call stops at once. Cleared: never.
    strata_runtime_set_epoch_deadline(g.env, 1);
    strata_runtime_increment_epoch();
    EXPECT_FALSE(wasm_runtime_call_wasm(g.env, quick, 0, argv));
    wasm_runtime_clear_exception(g.inst);
    strata_runtime_set_epoch_deadline(g.env, 1);
    strata_runtime_clear_epoch_deadline(g.env);
    strata_runtime_increment_epoch();
    EXPECT_TRUE(wasm_runtime_call_wasm(g.env, quick, 0, argv));
    // Destroyed with a deadline set: the next increment does not touch it.
    strata_runtime_set_epoch_deadline(g.env, 1);
    wasm_runtime_destroy_exec_env(g.env);
    g.env = nullptr;
    strata_runtime_increment_epoch();
  }
}

// wasm_runtime_set_instruction_count_limit bounds a guest that never
// finishes in each running mode, the count goes on across calls, and -1
// lifts the bound.
TEST(CApiRuntime, InstructionCountLimit) {
  if (multiWasmDir().empty()) GTEST_SKIP();
  for (RunningMode mode : kAllModes) {
    SCOPED_TRACE(int(mode));
    SpinGuest g(mode);
    ASSERT_NE(g.env, nullptr);
    wasm_runtime_set_instruction_count_limit(g.env, 1000000);  // before the first call: metered from here on
    wasm_function_inst_t spin = g.function("spin"), quick = g.function("quick"), tree = g.function("tree");
    uint32_t argv[1] = {0};
    EXPECT_FALSE(wasm_runtime_call_wasm(g.env, spin, 0, argv));
    EXPECT_STREQ(wasm_runtime_get_exception(g.inst), "Exception: instruction limit exceeded");
    wasm_runtime_clear_exception(g.inst);
    // Out of fuel until a new limit: tree(4) takes 31 units, 40 leave 9.
    EXPECT_FALSE(wasm_runtime_call_wasm(g.env, quick, 0, argv));
    wasm_runtime_clear_exception(g.inst);
    wasm_runtime_set_instruction_count_limit(g.env, 40);
    argv[0] = 4;
    EXPECT_TRUE(wasm_runtime_call_wasm(g.env, tree, 1, argv));
    argv[0] = 3;  // 15 units
    EXPECT_FALSE(wasm_runtime_call_wasm(g.env, tree, 1, argv));
    wasm_runtime_clear_exception(g.inst);
    wasm_runtime_set_instruction_count_limit(g.env, -1);
    argv[0] = 12;
    EXPECT_TRUE(wasm_runtime_call_wasm(g.env, tree, 1, argv));
  }
}

// ---------------------------------------------------------------- modules and calls

class CApi : public CApiTest {};

TEST_F(CApi, LoadReportsDecodeErrors) {
  uint8_t bad[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
  char err[256];
  EXPECT_EQ(wasm_runtime_load(bad, sizeof bad, err, sizeof err), nullptr);
  EXPECT_EQ(std::string(err).rfind("WASM module load failed: error at offset 0x", 0), 0u) << err;
  EXPECT_EQ(wasm_runtime_load(nullptr, 0, err, sizeof err), nullptr);
  // A tiny error buffer is truncated, not overrun.
  char tiny[8];
  EXPECT_EQ(wasm_runtime_load(bad, sizeof bad, tiny, sizeof tiny), nullptr);
  EXPECT_EQ(std::strlen(tiny), 7u);
}

TEST_F(CApi, RegisterAndFindModule) {
  wasm_module_t a = load("mA");
  ASSERT_NE(a, nullptr);
  char err[256];
  ASSERT_TRUE(wasm_runtime_register_module("mA", a, err, sizeof err)) << err;
  EXPECT_EQ(wasm_runtime_find_module_registered("mA"), a);
  EXPECT_EQ(wasm_runtime_find_module_registered("nope"), nullptr);
  EXPECT_FALSE(wasm_runtime_register_module("mA", load("mB"), err, sizeof err));
  EXPECT_STREQ(err, "register module failed: a module named \"mA\" is already registered");
  EXPECT_FALSE(wasm_runtime_register_module("env", a, err, sizeof err));
  // mC finds mA registered: the reader is asked for mB only.
  readerLog() = ReaderLog();
  wasm_module_t c = load("mC");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(readerLog().reads.count("mA"), 0u);
  EXPECT_EQ(readerLog().reads["mB"], 1);
  wasm_module_inst_t inst = instantiate(c);
  EXPECT_EQ(callI32(inst, "call_A"), 10);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(c);
  EXPECT_EQ(wasm_runtime_find_module_registered("mA"), a);  // the embedder's, still there
  wasm_runtime_unload(a);
  EXPECT_EQ(wasm_runtime_find_module_registered("mA"), nullptr);
}

TEST_F(CApi, ModuleReaderGetters) {
  EXPECT_EQ(wasm_runtime_get_module_reader(), &countingReader);
  EXPECT_EQ(wasm_runtime_get_module_destroyer(), &countingDestroyer);
}

// Resource limits of the runtime (strata_runtime_set_resource_limits) and
// of one instance (wasm_runtime_instantiate_ex's max_memory_pages): too
// large a memory fails the instantiation, growth past a bound or refused
// by the limiter returns -1 to the guest.
struct LimiterLog {
  std::vector<std::string> calls;
};
bool refuseOddSizes(void* data, strata_resource_kind_t kind, uint64_t current, uint64_t desired) {
  static_cast<LimiterLog*>(data)->calls.push_back(std::string(kind == STRATA_RESOURCE_MEMORY ? "memory " : "table ") +
                                                   std::to_string(current) + "->" + std::to_string(desired));
  return desired % 2 == 0;
}

TEST_F(CApi, ResourceLimits) {
  wasm_module_t m = load("grow");
  ASSERT_NE(m, nullptr);
  char err[256];
  InstantiationArgs args{};
  args.default_stack_size = 32 * 1024;
  args.max_memory_pages = 1;
  EXPECT_EQ(wasm_runtime_instantiate_ex(m, &args, err, sizeof err), nullptr);
  EXPECT_STREQ(err, "instantiate failed: (root): memory 0 of 2 pages is over the limit of 1 pages");

  LimiterLog log;
  strata_runtime_set_resource_limits(8, 5, refuseOddSizes, &log);
  args.max_memory_pages = 6;  // the smaller bound wins
  wasm_module_inst_t inst = wasm_runtime_instantiate_ex(m, &args, err, sizeof err);
  ASSERT_NE(inst, nullptr) << err;
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 32 * 1024);
  wasm_function_inst_t grow = wasm_runtime_lookup_function(inst, "grow", nullptr);
  wasm_function_inst_t growTable = wasm_runtime_lookup_function(inst, "grow_table", nullptr);
  auto call = [&](wasm_function_inst_t f, uint32_t n) {
    uint32_t argv[1] = {n};
    EXPECT_TRUE(wasm_runtime_call_wasm(env, f, 1, argv));
    return int32_t(argv[0]);
  };
  EXPECT_EQ(call(grow, 2), 2);   // 4 pages
  EXPECT_EQ(call(grow, 1), -1);  // 5: refused by the limiter
  EXPECT_EQ(call(grow, 4), -1);  // 8: over the instance's 6
  EXPECT_EQ(call(grow, 2), 4);   // 6
  EXPECT_EQ(call(growTable, 2), 2);
  EXPECT_EQ(call(growTable, 2), -1);  // 6 elements: over the runtime's 5
  EXPECT_EQ(log.calls, (std::vector<std::string>{"memory 2->4", "memory 4->5", "memory 4->6", "table 2->4"}));
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  // Lifted again: plain instantiation without bounds.
  strata_runtime_set_resource_limits(0, 0, nullptr, nullptr);
  inst = wasm_runtime_instantiate(m, 32 * 1024, 0, err, sizeof err);
  ASSERT_NE(inst, nullptr) << err;
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

// Runtime-wide limits (strata_runtime_set_runtime_limits): module size,
// for roots and for dependencies the reader gives; live instances,
// dependencies included.
TEST_F(CApi, RuntimeLimitsOnModuleSizeAndInstances) {
  std::vector<uint8_t> root = readWasm("hr_root");
  // hr_lib padded with a custom section ("pad", 1,000 bytes) to be larger
  // than the root.
  std::vector<uint8_t> lib = readWasm("hr_lib");
  ASSERT_FALSE(root.empty());
  ASSERT_FALSE(lib.empty());
  lib.insert(lib.end(), {0x00, 0xEC, 0x07, 0x03, 'p', 'a', 'd'});
  lib.resize(lib.size() + 1000, 0);
  ASSERT_GT(lib.size(), root.size());
  readerLog().overrides["hr_lib"] = lib;
  char err[256] = "";

  strata_runtime_set_runtime_limits(root.size() - 1, 0, 0);
  EXPECT_EQ(wasm_runtime_load(root.data(), uint32_t(root.size()), err, sizeof err), nullptr);
  EXPECT_EQ(std::string(err), "WASM module load failed: the module is " + std::to_string(root.size()) +
                                  " bytes, over the limit of " + std::to_string(root.size() - 1));
  strata_runtime_set_runtime_limits(root.size(), 0, 0);
  EXPECT_EQ(wasm_runtime_load(root.data(), uint32_t(root.size()), err, sizeof err), nullptr);
  EXPECT_EQ(std::string(err), "(root) -> hr_lib: the module is " + std::to_string(lib.size()) +
                                  " bytes, over the limit of " + std::to_string(root.size()));
  EXPECT_EQ(readerLog().destroyCount(), readerLog().readCount());  // the refused bytes went back

  // Lifted: it loads. Then instances: the root and its dependency are two.
  strata_runtime_set_runtime_limits(0, 0, 0);
  static NativeSymbol natives[] = {{"hr_trigger", reinterpret_cast<void*>(+[](wasm_exec_env_t, int32_t) {}), "(i)",
                                    nullptr}};
  ASSERT_TRUE(wasm_runtime_register_natives("env", natives, 1));
  wasm_module_t m = wasm_runtime_load(root.data(), uint32_t(root.size()), err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  const uint64_t live = strata::Instance::liveCount();  // other tests' kept ones
  strata_runtime_set_runtime_limits(0, live + 3, 0);
  wasm_module_inst_t a = instantiate(m);
  ASSERT_NE(a, nullptr);
  std::string error;
  EXPECT_EQ(instantiate(m, 0, &error), nullptr);  // its dependency (made first) fits, its root does not
  EXPECT_EQ(error, "instantiate failed: (root): instance limit reached: " + std::to_string(live + 3) +
                       " instances are alive already");
  EXPECT_EQ(strata::Instance::liveCount(), live + 2);  // nothing of the failed one stays
  wasm_runtime_deinstantiate(a);
  wasm_module_inst_t b = instantiate(m);  // room again
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(callI32(b, "call_get"), 11);
  wasm_runtime_deinstantiate(b);
  strata_runtime_set_runtime_limits(0, 0, 0);
  wasm_runtime_unload(m);
}

// max_jit_code_bytes: past it, functions stay in the interpreter (here in
// the baseline mode, which compiles every function before it first runs)
// and give the same results; lifted, the next function is compiled.
TEST(CApiRuntime, JitCodeLimitKeepsFunctionsInterpreted) {
  if (multiWasmDir().empty()) GTEST_SKIP();
  // The running mode is process state (a later wasm_runtime_init keeps
  // it): later tests in this process get the one this test found.
  struct RestoreMode {
    RunningMode saved = wasm_runtime_get_running_mode(nullptr);
    ~RestoreMode() { wasm_runtime_set_default_running_mode(saved); }
  } restore;
  SpinGuest g(Mode_Fast_JIT);
  ASSERT_NE(g.env, nullptr);
  using strata::jit::Tier;
  const uint64_t failedBefore = strata::jit::counters().failed[int(Tier::Baseline)];
  const uint64_t compiledBefore = strata::jit::counters().compiled[int(Tier::Baseline)];
  strata_runtime_set_runtime_limits(0, 0, 1);
  uint32_t out[1] = {0};
  ASSERT_TRUE(wasm_runtime_call_wasm(g.env, g.function("quick"), 0, out));
  EXPECT_EQ(out[0], 7u);
  EXPECT_EQ(strata::jit::counters().failed[int(Tier::Baseline)], failedBefore + 1);
  EXPECT_EQ(strata::jit::counters().compiled[int(Tier::Baseline)], compiledBefore);
  strata_runtime_set_runtime_limits(0, 0, 0);
  out[0] = 3;
  ASSERT_TRUE(wasm_runtime_call_wasm(g.env, g.function("tree"), 1, out));
  EXPECT_EQ(strata::jit::counters().compiled[int(Tier::Baseline)], compiledBefore + 1);
}

TEST_F(CApi, CallWasmWithCells) {
  wasm_module_t m = load("natives_free");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 32 * 1024);
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(wasm_runtime_get_module_inst(env), inst);

  wasm_function_inst_t add64 = wasm_runtime_lookup_function(inst, "add64", nullptr);
  ASSERT_NE(add64, nullptr);
  EXPECT_EQ(wasm_func_get_param_count(add64, inst), 2u);
  EXPECT_EQ(wasm_func_get_result_count(add64, inst), 1u);
  uint64_t x = 0x100000005ull, y = 0x200000007ull;
  uint32_t argv[4] = {uint32_t(x), uint32_t(x >> 32), uint32_t(y), uint32_t(y >> 32)};
  ASSERT_TRUE(wasm_runtime_call_wasm(env, add64, 4, argv));
  EXPECT_EQ(argv[0] | (uint64_t(argv[1]) << 32), x + y);
  EXPECT_FALSE(wasm_runtime_call_wasm(env, add64, 2, argv));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: invalid argument count: the function takes 4 cells, got 2");
  wasm_runtime_clear_exception(inst);
  EXPECT_EQ(wasm_runtime_get_exception(inst), nullptr);

  wasm_function_inst_t div = wasm_runtime_lookup_function(inst, "div", nullptr);
  uint32_t d[2] = {7, 0};
  EXPECT_FALSE(wasm_runtime_call_wasm(env, div, 2, d));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: integer divide by zero");
  // The call stack of the trap: the function that trapped, by name.
  uint32_t size = wasm_runtime_get_call_stack_buf_size(env);
  ASSERT_GT(size, 1u);
  std::string stack(size, '\0');
  EXPECT_EQ(wasm_runtime_dump_call_stack_to_buf(env, &stack[0], size), size - 1);
  EXPECT_EQ(stack.substr(0, 6), "#00: 0") << stack;
  EXPECT_NE(stack.find(" - div\n"), std::string::npos) << stack;
  char small[8];
  EXPECT_EQ(wasm_runtime_dump_call_stack_to_buf(env, small, sizeof small), 7u);  // cut, NUL-terminated
  EXPECT_EQ(std::string(small), stack.substr(0, 7));
  EXPECT_EQ(wasm_runtime_dump_call_stack_to_buf(env, small, 0), 0u);
  d[1] = 2;
  EXPECT_TRUE(wasm_runtime_call_wasm(env, div, 2, d));  // the env is usable after a trap
  EXPECT_EQ(d[0], 3u);
  EXPECT_EQ(wasm_runtime_get_call_stack_buf_size(env), 0u);  // the last call did not trap
  wasm_runtime_dump_call_stack(env);                         // prints nothing

  wasm_function_inst_t fmul = wasm_runtime_lookup_function(inst, "fmul", nullptr);
  float f = 1.5f;
  double g = 4.0;
  uint32_t c[3];
  std::memcpy(&c[0], &f, 4);
  std::memcpy(&c[1], &g, 8);
  ASSERT_TRUE(wasm_runtime_call_wasm(env, fmul, 3, c));
  double r;
  std::memcpy(&r, c, 8);
  EXPECT_EQ(r, 6.0);
  EXPECT_EQ(wasm_runtime_lookup_function(inst, "nope", nullptr), nullptr);
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

// A v128 is four cells, in memory order; values after it follow.
TEST_F(CApi, CallWasmWithV128Cells) {
  wasm_module_t m = load("simd");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 32 * 1024);
  ASSERT_NE(env, nullptr);
  wasm_function_inst_t mix = wasm_runtime_lookup_function(inst, "mix", nullptr);
  ASSERT_NE(mix, nullptr);
  double seven = 7.9;
  uint32_t argv[7] = {100, 1, 2, 3, 4};  // i32, then the v128's four lanes, then the f64
  std::memcpy(&argv[5], &seven, 8);
  ASSERT_TRUE(wasm_runtime_call_wasm(env, mix, 7, argv)) << wasm_runtime_get_exception(inst);
  EXPECT_EQ(argv[0], 101u);
  EXPECT_EQ(argv[1], 102u);
  EXPECT_EQ(argv[2], 103u);
  EXPECT_EQ(argv[3], 104u);
  EXPECT_EQ(argv[4], 7u);  // the i32 result after the v128
  EXPECT_FALSE(wasm_runtime_call_wasm(env, mix, 4, argv));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: invalid argument count: the function takes 7 cells, got 4");
  wasm_runtime_clear_exception(inst);

  wasm_function_inst_t bump = wasm_runtime_lookup_function(inst, "bump_global", nullptr);
  uint32_t out[4];
  ASSERT_TRUE(wasm_runtime_call_wasm(env, bump, 0, out));
  ASSERT_TRUE(wasm_runtime_call_wasm(env, bump, 0, out));
  EXPECT_EQ(out[0], 100u);
  EXPECT_EQ(out[3], 400u);

  // wasm_val_t with Strata's of.v128 (WASM_V128).
  wasm_val_t results[2], args[3];
  args[0].kind = WASM_I32;
  args[0].of.i32 = 1;
  args[1].kind = WASM_V128;
  for (int i = 0; i < 16; ++i) args[1].of.v128[i] = uint8_t(i);
  args[2].kind = WASM_F64;
  args[2].of.f64 = -2.5;
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, mix, 2, results, 3, args)) << wasm_runtime_get_exception(inst);
  ASSERT_EQ(results[0].kind, WASM_V128);
  uint32_t lanes[4];
  std::memcpy(lanes, results[0].of.v128, 16);
  EXPECT_EQ(lanes[0], 0x03020100u + 1);
  EXPECT_EQ(lanes[3], 0x0f0e0d0cu + 1);
  EXPECT_EQ(results[1].kind, WASM_I32);
  EXPECT_EQ(results[1].of.i32, -2);
  args[1].kind = WASM_I64;  // the wrong kind for the v128 parameter
  EXPECT_FALSE(wasm_runtime_call_wasm_a(env, mix, 2, results, 3, args));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: argument 1 is not a v128");
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApi, CallWasmA) {
  wasm_module_t m = load("natives_free");
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 32 * 1024);
  wasm_function_inst_t fmul = wasm_runtime_lookup_function(inst, "fmul", nullptr);
  wasm_val_t args[2], results[1];
  args[0].kind = WASM_F32;
  args[0].of.f32 = 2.5f;
  args[1].kind = WASM_F64;
  args[1].of.f64 = -2.0;
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, fmul, 1, results, 2, args));
  EXPECT_EQ(results[0].kind, WASM_F64);
  EXPECT_EQ(results[0].of.f64, -5.0);
  args[0].kind = WASM_I32;
  EXPECT_FALSE(wasm_runtime_call_wasm_a(env, fmul, 1, results, 2, args));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: argument 0 is not an f32");
  EXPECT_FALSE(wasm_runtime_call_wasm_a(env, fmul, 0, results, 2, args));
  EXPECT_FALSE(wasm_runtime_call_wasm_a(env, fmul, 1, results, 1, args));
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

// References in wasm_val_t as in WAMR: an externref is of.foreign, kind
// WASM_EXTERNREF (WAMR 2.x's name; 1.x's WASM_ANYREF is the same kind), a
// funcref of.ref (the wasm_function_inst_t). Each argument's kind is checked.
TEST_F(CApi, CallWasmAWithReferences) {
  static_assert(WASM_EXTERNREF == 128 && WASM_ANYREF == WASM_EXTERNREF && WASM_FUNCREF == 129,
                "WAMR's values of the reference kinds");
  wasm_module_t m = load("refs");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 32 * 1024);
  wasm_function_inst_t extId = wasm_runtime_lookup_function(inst, "ext_id", nullptr);
  wasm_function_inst_t extIsNull = wasm_runtime_lookup_function(inst, "ext_is_null", nullptr);
  ASSERT_NE(extId, nullptr);
  wasm_val_t arg, result;
  arg.kind = WASM_EXTERNREF;
  arg.of.foreign = uintptr_t(0x12345678abcdull);
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, extId, 1, &result, 1, &arg)) << wasm_runtime_get_exception(inst);
  EXPECT_EQ(result.kind, WASM_EXTERNREF);
  EXPECT_EQ(result.of.foreign, uintptr_t(0x12345678abcdull));
  arg.of.foreign = 0;  // null
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, extIsNull, 1, &result, 1, &arg));
  EXPECT_EQ(result.kind, WASM_I32);
  EXPECT_EQ(result.of.i32, 1);
  arg.kind = WASM_ANYREF;
  arg.of.foreign = 7;
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, extIsNull, 1, &result, 1, &arg));
  EXPECT_EQ(result.of.i32, 0);
  arg.kind = WASM_I32;
  EXPECT_FALSE(wasm_runtime_call_wasm_a(env, extId, 1, &result, 1, &arg));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: argument 0 is not an externref");
  wasm_runtime_clear_exception(inst);

  // A funcref result calls back in; so does an exported function's handle.
  wasm_function_inst_t fnAnswer = wasm_runtime_lookup_function(inst, "fn_answer", nullptr);
  wasm_function_inst_t fnCall = wasm_runtime_lookup_function(inst, "fn_call", nullptr);
  wasm_function_inst_t answer = wasm_runtime_lookup_function(inst, "answer", nullptr);
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, fnAnswer, 1, &result, 0, nullptr));
  EXPECT_EQ(result.kind, WASM_FUNCREF);
  EXPECT_EQ(result.of.ref, reinterpret_cast<wasm_ref_t*>(answer));
  arg = result;
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, fnCall, 1, &result, 1, &arg)) << wasm_runtime_get_exception(inst);
  EXPECT_EQ(result.of.i32, 42);
  arg.kind = WASM_EXTERNREF;
  EXPECT_FALSE(wasm_runtime_call_wasm_a(env, fnCall, 1, &result, 1, &arg));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: argument 0 is not a funcref");
  wasm_runtime_clear_exception(inst);

  // Varargs: an externref is a uintptr_t, a funcref a wasm_function_inst_t.
  ASSERT_TRUE(wasm_runtime_call_wasm_v(env, extId, 1, &result, 1, uintptr_t(0xbeef)));
  EXPECT_EQ(result.kind, WASM_EXTERNREF);
  EXPECT_EQ(result.of.foreign, uintptr_t(0xbeef));
  ASSERT_TRUE(wasm_runtime_call_wasm_v(env, fnCall, 1, &result, 1, answer)) << wasm_runtime_get_exception(inst);
  EXPECT_EQ(result.of.i32, 42);
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApi, ExecuteFuncPrintsLikeIwasm) {
  wasm_module_t m = load("mC");
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  testing::internal::CaptureStdout();
  EXPECT_TRUE(wasm_application_execute_func(inst, "C", 0, nullptr));
  EXPECT_TRUE(wasm_application_execute_func(inst, "$mB$call_A", 0, nullptr));
  std::fflush(stdout);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "0xc:i32\n0xa:i32\n");
  EXPECT_FALSE(wasm_application_execute_func(inst, "nope", 0, nullptr));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: lookup function nope failed");
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);

  m = load("natives_free");
  inst = instantiate(m);
  char a0[] = "0x10", a1[] = "-3", bad[] = "x1";
  char* args[] = {a0, a1};
  testing::internal::CaptureStdout();
  EXPECT_TRUE(wasm_application_execute_func(inst, "div", 2, args));
  std::fflush(stdout);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "0xfffffffb:i32\n");
  args[1] = bad;
  EXPECT_FALSE(wasm_application_execute_func(inst, "div", 2, args));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: invalid input argument 1: 'x1' is not a valid i32");
  EXPECT_FALSE(wasm_application_execute_func(inst, "div", 1, args));
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApi, ExecuteMainPassesArgv) {
  wasm_module_t m = load("main_args");
  wasm_module_inst_t inst = instantiate(m, 64 * 1024);
  ASSERT_NE(inst, nullptr);
  char p[] = "prog", x[] = "x";
  char* argv[] = {p, x};
  ASSERT_TRUE(wasm_application_execute_main(inst, 2, argv));
  auto* result = static_cast<int32_t*>(wasm_runtime_addr_app_to_native(inst, 0));
  EXPECT_EQ(*result, 200 + 'x');
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);

  m = load("mA");  // no entry point
  inst = instantiate(m);
  EXPECT_FALSE(wasm_application_execute_main(inst, 0, nullptr));
  EXPECT_NE(wasm_runtime_get_exception(inst), nullptr);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApi, AppHeapMallocFreeAndAddresses) {
  wasm_module_t m = load("mA");
  wasm_module_inst_t inst = instantiate(m, 64 * 1024);
  ASSERT_NE(inst, nullptr);
  void* native = nullptr;
  uint32_t a = wasm_runtime_module_malloc(inst, 100, &native);
  ASSERT_NE(a, 0u);
  EXPECT_GE(a, 65536u);  // after the module's own page
  EXPECT_EQ(native, wasm_runtime_addr_app_to_native(inst, a));
  EXPECT_EQ(wasm_runtime_addr_native_to_app(inst, native), a);
  EXPECT_TRUE(wasm_runtime_validate_app_addr(inst, a, 100));
  EXPECT_TRUE(wasm_runtime_validate_native_addr(inst, native, 100));
  uint32_t b = wasm_runtime_module_malloc(inst, 100, nullptr);
  EXPECT_NE(b, a);
  wasm_runtime_module_free(inst, a);
  EXPECT_EQ(wasm_runtime_module_malloc(inst, 50, nullptr), a);  // first fit reuses it
  EXPECT_EQ(wasm_runtime_module_malloc(inst, 1 << 20, nullptr), 0u);
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: allocate memory failed: app heap cannot hold 1048576 bytes");
  uint32_t s = wasm_runtime_module_dup_data(inst, "hi!", 4);
  ASSERT_NE(s, 0u);
  EXPECT_TRUE(wasm_runtime_validate_app_str_addr(inst, s));
  EXPECT_STREQ(static_cast<char*>(wasm_runtime_addr_app_to_native(inst, s)), "hi!");
  // The guest sees the same bytes (mA.read is an i32.load).
  EXPECT_EQ(callI32(inst, "read", {s}), int32_t(0x00216968));

  EXPECT_FALSE(wasm_runtime_validate_app_addr(inst, 2 * 65536 - 2, 4));
  EXPECT_FALSE(wasm_runtime_validate_app_str_addr(inst, 3 * 65536));
  int local = 0;
  EXPECT_FALSE(wasm_runtime_validate_native_addr(inst, &local, 4));
  EXPECT_EQ(wasm_runtime_addr_app_to_native(inst, 5 * 65536), nullptr);
  EXPECT_EQ(wasm_runtime_addr_native_to_app(inst, &local), 0u);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

// WAMR's address ranges: the region an address lies in is all of memory 0,
// the app heap included.
TEST_F(CApi, AppAndNativeAddressRanges) {
  wasm_module_t m = load("mA");
  wasm_module_inst_t inst = instantiate(m, 64 * 1024);  // one page, then one of heap
  ASSERT_NE(inst, nullptr);
  const uint32_t size = 2 * 65536;
  uint32_t start = 7, end = 7;
  ASSERT_TRUE(wasm_runtime_get_app_addr_range(inst, 100, &start, &end));
  EXPECT_EQ(start, 0u);
  EXPECT_EQ(end, size);
  uint32_t heap = wasm_runtime_module_malloc(inst, 16, nullptr);
  ASSERT_GE(heap, 65536u);
  start = end = 7;
  EXPECT_TRUE(wasm_runtime_get_app_addr_range(inst, heap, &start, &end));
  EXPECT_EQ(end, size);
  EXPECT_TRUE(wasm_runtime_get_app_addr_range(inst, size - 1, nullptr, nullptr));
  start = end = 7;
  EXPECT_FALSE(wasm_runtime_get_app_addr_range(inst, size, &start, &end));
  EXPECT_EQ(start, 7u);  // nothing written
  EXPECT_EQ(end, 7u);

  auto* base = static_cast<uint8_t*>(wasm_runtime_addr_app_to_native(inst, 0));
  uint8_t *nativeStart = nullptr, *nativeEnd = nullptr;
  ASSERT_TRUE(wasm_runtime_get_native_addr_range(inst, base + 100, &nativeStart, &nativeEnd));
  EXPECT_EQ(nativeStart, base);
  EXPECT_EQ(nativeEnd, base + size);
  EXPECT_TRUE(wasm_runtime_get_native_addr_range(inst, base + size - 1, nullptr, nullptr));
  EXPECT_FALSE(wasm_runtime_get_native_addr_range(inst, base + size, &nativeStart, &nativeEnd));
  uint8_t local = 0;
  EXPECT_FALSE(wasm_runtime_get_native_addr_range(inst, &local, nullptr, nullptr));
  EXPECT_EQ(wasm_runtime_get_exception(inst), nullptr);  // a range query is not an error
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);

  // No memory, no instance: no region.
  m = load("refs");
  inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  EXPECT_FALSE(wasm_runtime_get_app_addr_range(inst, 0, &start, &end));
  EXPECT_FALSE(wasm_runtime_get_native_addr_range(inst, &local, &nativeStart, &nativeEnd));
  EXPECT_FALSE(wasm_runtime_get_app_addr_range(nullptr, 0, nullptr, nullptr));
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApi, HeapThatCannotFitIsAnInstantiationError) {
  wasm_module_t m = load("mA");  // memory 1..4 pages
  std::string error;
  EXPECT_EQ(instantiate(m, 0xffffffffu, &error), nullptr);
  EXPECT_EQ(error, "cannot add an app heap of 4294967295 bytes: memory 0 cannot grow by 65536 pages");
  wasm_runtime_unload(m);
}

// As in WAMR, the heap may take the memory past its declared maximum (the
// maximum grows with it): the guest keeps the headroom it declared.
TEST_F(CApi, HeapPastTheMaximumEnlargesTheMemory) {
  wasm_module_t m = load("mA");  // memory 1..4 pages
  std::string error;
  wasm_module_inst_t inst = instantiate(m, 4 * 65536, &error);
  ASSERT_NE(inst, nullptr) << error;
  uint32_t p = wasm_runtime_module_malloc(inst, 200000, nullptr);
  EXPECT_NE(p, 0u);
  EXPECT_GE(p, 65536u);  // the heap is the pages after the module's own
  EXPECT_TRUE(wasm_runtime_validate_app_addr(inst, p, 200000));
  wasm_runtime_module_free(inst, p);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApi, UserAndCustomData) {
  wasm_module_t m = load("mA");
  wasm_module_inst_t inst = instantiate(m);
  int tag = 0;
  wasm_runtime_set_custom_data(inst, &tag);
  EXPECT_EQ(wasm_runtime_get_custom_data(inst), &tag);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 8192);
  wasm_runtime_set_user_data(env, &tag);
  EXPECT_EQ(wasm_runtime_get_user_data(env), &tag);
  wasm_runtime_set_exception(inst, "custom");
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: custom");
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

// ---------------------------------------------------------------- natives

int32_t nAdd(wasm_exec_env_t, int32_t a, int32_t b) { return a + b; }
int32_t nStrlen(wasm_exec_env_t, const char* s) { return static_cast<int32_t>(std::strlen(s)); }
int32_t nSumBuf(wasm_exec_env_t, const uint8_t* p, uint32_t n) {
  int32_t s = 0;
  for (uint32_t i = 0; i < n; ++i) s += p[i];
  return s;
}
double nMix(wasm_exec_env_t, int32_t a, int64_t b, float c, double d) { return a + double(b) + c + d; }
float nHalf(wasm_exec_env_t, float x) { return x / 2; }
int64_t nMany(wasm_exec_env_t, int32_t a1, int64_t a2, int32_t a3, int64_t a4, int32_t a5, int64_t a6, int32_t a7,
              int64_t a8, double d9, double d10, double d11, double d12, double d13, double d14, double d15,
              double d16, double d17, double d18) {
  // Weighted, so that any mix-up of positions changes the result.
  int64_t s = 1 * a1 + 2 * a2 + 3 * a3 + 4 * a4 + 5 * a5 + 6 * a6 + 7 * a7 + 8 * a8;
  double d = 9 * d9 + 10 * d10 + 11 * d11 + 12 * d12 + 13 * d13 + 14 * d14 + 15 * d15 + 16 * d16 + 17 * d17 +
             18 * d18;
  return s + static_cast<int64_t>(d);
}
void nFail(wasm_exec_env_t env) { wasm_runtime_set_exception(wasm_runtime_get_module_inst(env), "native failed"); }
int32_t nAttach(wasm_exec_env_t env) { return *static_cast<int32_t*>(wasm_runtime_get_function_attachment(env)); }
void nRawAdd(wasm_exec_env_t, uint64_t* args) { args[0] = uint32_t(args[0]) + uint32_t(args[1]); }
int64_t nUntyped(wasm_exec_env_t, int64_t x) { return x * 2; }

int32_t gAttachment = 4242;
NativeSymbol gNatives[] = {
    {"add", reinterpret_cast<void*>(nAdd), "(ii)i", nullptr},
    {"strlen", reinterpret_cast<void*>(nStrlen), "($)i", nullptr},
    {"sum_buf", reinterpret_cast<void*>(nSumBuf), "(*~)i", nullptr},
    {"mix", reinterpret_cast<void*>(nMix), "(iIfF)F", nullptr},
    {"fhalf", reinterpret_cast<void*>(nHalf), "(f)f", nullptr},
    {"many", reinterpret_cast<void*>(nMany), "(iIiIiIiIFFFFFFFFFF)I", nullptr},
    {"fail", reinterpret_cast<void*>(nFail), "()", nullptr},
    {"attach", reinterpret_cast<void*>(nAttach), "()i", &gAttachment},
    {"untyped", reinterpret_cast<void*>(nUntyped), nullptr, nullptr},
};
NativeSymbol gRawNatives[] = {{"raw_add", reinterpret_cast<void*>(nRawAdd), "(ii)i", nullptr}};

class CApiNatives : public CApiTest {
 protected:
  void SetUp() override {
    CApiTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(wasm_runtime_register_natives("env", gNatives, sizeof gNatives / sizeof gNatives[0]));
    ASSERT_TRUE(wasm_runtime_register_natives_raw("env", gRawNatives, 1));
    module_ = load("natives");
    ASSERT_NE(module_, nullptr);
    inst_ = instantiate(module_);
    ASSERT_NE(inst_, nullptr);
  }
  void TearDown() override {
    if (inst_) wasm_runtime_deinstantiate(inst_);
    if (module_) wasm_runtime_unload(module_);
    CApiTest::TearDown();
  }
  wasm_module_t module_ = nullptr;
  wasm_module_inst_t inst_ = nullptr;
};

TEST_F(CApiNatives, IntegerStringAndBufferArguments) {
  EXPECT_EQ(callI32(inst_, "add", {40, 2}), 42);
  EXPECT_EQ(callI32(inst_, "strlen", {16}), 5);      // "hello"
  EXPECT_EQ(callI32(inst_, "sum_buf", {32, 4}), 10);  // 1+2+3+4
  EXPECT_EQ(callI32(inst_, "attach"), 4242);
  EXPECT_EQ(callI32(inst_, "raw_add", {5, 6}), 11);
}

TEST_F(CApiNatives, FloatAndMixedArguments) {
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst_, 16 * 1024);
  wasm_val_t r[1], a[1];
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, wasm_runtime_lookup_function(inst_, "mix", nullptr), 1, r, 0, nullptr));
  EXPECT_EQ(r[0].of.f64, 3.75);
  a[0].kind = WASM_F32;
  a[0].of.f32 = 3.0f;
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, wasm_runtime_lookup_function(inst_, "fhalf", nullptr), 1, r, 1, a));
  EXPECT_EQ(r[0].of.f32, 1.5f);
  // 8 integer and 10 float arguments: registers and stack on every ABI.
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, wasm_runtime_lookup_function(inst_, "many", nullptr), 1, r, 0, nullptr));
  EXPECT_EQ(r[0].of.i64, 2109);  // sum of k*k for k = 1..18
  a[0].kind = WASM_I64;
  a[0].of.i64 = int64_t(1) << 40;
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, wasm_runtime_lookup_function(inst_, "untyped", nullptr), 1, r, 1, a));
  EXPECT_EQ(r[0].of.i64, int64_t(1) << 41);
  wasm_runtime_destroy_exec_env(env);
}

TEST_F(CApiNatives, ExceptionsAndBadPointersTrap) {
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst_, 16 * 1024);
  uint32_t argv[2] = {0, 0};
  EXPECT_FALSE(wasm_runtime_call_wasm(env, wasm_runtime_lookup_function(inst_, "fail", nullptr), 0, argv));
  EXPECT_STREQ(wasm_runtime_get_exception(inst_), "Exception: native failed");
  wasm_runtime_clear_exception(inst_);
  argv[0] = 65530;
  argv[1] = 100;
  EXPECT_FALSE(wasm_runtime_call_wasm(env, wasm_runtime_lookup_function(inst_, "sum_buf", nullptr), 2, argv));
  EXPECT_STREQ(wasm_runtime_get_exception(inst_), "Exception: out of bounds memory access");
  argv[0] = 70000;
  EXPECT_FALSE(wasm_runtime_call_wasm(env, wasm_runtime_lookup_function(inst_, "strlen", nullptr), 1, argv));
  EXPECT_STREQ(wasm_runtime_get_exception(inst_), "Exception: out of bounds memory access");
  wasm_runtime_destroy_exec_env(env);
}

TEST_F(CApiNatives, V128ParametersAreRefused) {
  // Imports are resolved at load time.
  std::string error = loadError("natives_v128");
  EXPECT_NE(error.find("native env.untyped cannot take or return v128 values"), std::string::npos) << error;
}

TEST_F(CApiNatives, RegistrationChecksSignatures) {
  NativeSymbol bad[] = {{"x", reinterpret_cast<void*>(nAdd), "(i~)i", nullptr}};
  EXPECT_FALSE(wasm_runtime_register_natives("env", bad, 1));  // ~ must follow *
  bad[0].signature = "(ii)q";
  EXPECT_FALSE(wasm_runtime_register_natives("env", bad, 1));
  bad[0].signature = "ii";
  EXPECT_FALSE(wasm_runtime_register_natives("other", bad, 1));
}

TEST_F(CApiNatives, SignatureMismatchWithTheImporter) {
  static NativeSymbol wrong[] = {{"add", reinterpret_cast<void*>(nAdd), "(ii)I", nullptr}};
  ASSERT_TRUE(wasm_runtime_register_natives("env", wrong, 1));
  EXPECT_EQ(loadError("natives"),
            "(root): import env.add: signature mismatch: (root) expects (i32 i32) -> (i32), the host function is "
            "(i32 i32) -> (i64)");
}

}  // namespace

// ---------------------------------------------------------------- module information, contexts, logging

namespace {

class CApiInfo : public CApiTest {};

TEST_F(CApiInfo, VersionAndXip) {
  uint32_t major = 99, minor = 99, patch = 99;
  wasm_runtime_get_version(&major, &minor, &patch);
  char text[64];
  std::snprintf(text, sizeof text, "%u.%u.%u", major, minor, patch);
  EXPECT_STREQ(text, STRATA_TEST_VERSION);
  wasm_runtime_get_version(nullptr, nullptr, nullptr);  // no crash
  std::vector<uint8_t> bytes = readWasm("mA");
  EXPECT_FALSE(wasm_runtime_is_xip_file(bytes.data(), uint32_t(bytes.size())));
}

TEST_F(CApiInfo, CustomSections) {
  // A module of two custom sections, "a" (bytes 1 2 3) and "bb" (empty).
  uint8_t wasm[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  //
                    0x00, 0x05, 0x01, 'a', 1, 2, 3,                 //
                    0x00, 0x03, 0x02, 'b', 'b'};
  char err[256];
  wasm_module_t m = wasm_runtime_load(wasm, sizeof wasm, err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  uint32_t len = 99;
  const uint8_t* a = wasm_runtime_get_custom_section(m, "a", &len);
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(len, 3u);
  EXPECT_EQ(a[0], 1);
  EXPECT_EQ(a[2], 3);
  EXPECT_NE(wasm_runtime_get_custom_section(m, "bb", &len), nullptr);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(wasm_runtime_get_custom_section(m, "b", &len), nullptr);
  EXPECT_EQ(wasm_runtime_get_custom_section(m, "missing", &len), nullptr);
  EXPECT_EQ(wasm_runtime_get_custom_section(nullptr, "a", &len), nullptr);
  wasm_runtime_unload(m);
}

TEST_F(CApiInfo, ExportsWithTheirTypes) {
  wasm_module_t m = load("mA");
  ASSERT_NE(m, nullptr);
  int32_t n = wasm_runtime_get_export_count(m);
  ASSERT_GT(n, 4);
  bool sawMem = false, sawG = false, sawTab = false, sawRead = false;
  for (int32_t i = 0; i < n; ++i) {
    wasm_export_t e;
    wasm_runtime_get_export_type(m, i, &e);
    ASSERT_NE(e.name, nullptr);
    std::string name = e.name;
    if (name == "mem") {
      sawMem = true;
      EXPECT_EQ(e.kind, WASM_IMPORT_EXPORT_KIND_MEMORY);
      EXPECT_EQ(wasm_memory_type_get_init_page_count(e.u.memory_type), 1u);
      EXPECT_EQ(wasm_memory_type_get_max_page_count(e.u.memory_type), 4u);
      EXPECT_FALSE(wasm_memory_type_get_shared(e.u.memory_type));
    } else if (name == "g") {
      sawG = true;
      EXPECT_EQ(e.kind, WASM_IMPORT_EXPORT_KIND_GLOBAL);
      EXPECT_EQ(wasm_global_type_get_valkind(e.u.global_type), WASM_I32);
      EXPECT_TRUE(wasm_global_type_get_mutable(e.u.global_type));
    } else if (name == "tab") {
      sawTab = true;
      EXPECT_EQ(e.kind, WASM_IMPORT_EXPORT_KIND_TABLE);
      EXPECT_EQ(wasm_table_type_get_elem_kind(e.u.table_type), WASM_FUNCREF);
      EXPECT_EQ(wasm_table_type_get_init_size(e.u.table_type), 4u);
    } else if (name == "read") {
      sawRead = true;
      EXPECT_EQ(e.kind, WASM_IMPORT_EXPORT_KIND_FUNC);
      EXPECT_EQ(wasm_func_type_get_param_count(e.u.func_type), 1u);
      EXPECT_EQ(wasm_func_type_get_param_valkind(e.u.func_type, 0), WASM_I32);
      EXPECT_EQ(wasm_func_type_get_result_count(e.u.func_type), 1u);
      EXPECT_EQ(wasm_func_type_get_result_valkind(e.u.func_type, 0), WASM_I32);
    }
  }
  EXPECT_TRUE(sawMem && sawG && sawTab && sawRead);
  wasm_export_t out;
  wasm_runtime_get_export_type(m, n, &out);  // out of range: zeroed
  EXPECT_EQ(out.name, nullptr);
  EXPECT_EQ(wasm_runtime_get_export_count(nullptr), -1);
  wasm_runtime_unload(m);
}

// WAMR's wasm_func_get_param_types / get_result_types: one kind per
// parameter (result), nothing past them.
TEST_F(CApiInfo, FunctionParamAndResultKinds) {
  wasm_module_t m = load("refs");
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_function_inst_t kinds = wasm_runtime_lookup_function(inst, "kinds", nullptr);
  ASSERT_EQ(wasm_func_get_param_count(kinds, inst), 7u);
  ASSERT_EQ(wasm_func_get_result_count(kinds, inst), 2u);
  wasm_valkind_t params[8], results[3];
  std::memset(params, 0xee, sizeof params);
  std::memset(results, 0xee, sizeof results);
  wasm_func_get_param_types(kinds, inst, params);
  wasm_func_get_result_types(kinds, inst, results);
  const wasm_valkind_t wantParams[8] = {WASM_I32,  WASM_I64,       WASM_F32,     WASM_F64,
                                        WASM_V128, WASM_EXTERNREF, WASM_FUNCREF, 0xee};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(params[i], wantParams[i]) << i;
  EXPECT_EQ(results[0], WASM_F64);
  EXPECT_EQ(results[1], WASM_EXTERNREF);
  EXPECT_EQ(results[2], 0xee);
  params[0] = 0xee;
  wasm_func_get_param_types(nullptr, inst, params);  // no function: nothing written
  EXPECT_EQ(params[0], 0xee);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApiInfo, ModuleOfAnInstance) {
  wasm_module_t m = load("mC");  // mB and mA come from the reader
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(wasm_runtime_get_module(inst), m);
  EXPECT_EQ(wasm_runtime_get_module_inst(wasm_runtime_get_exec_env_singleton(inst)), inst);
  EXPECT_EQ(wasm_runtime_get_export_count(wasm_runtime_get_module(inst)), wasm_runtime_get_export_count(m));
  EXPECT_EQ(wasm_runtime_get_module(nullptr), nullptr);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

// A module's name is the embedder's label (WAMR 2.x): set, replaced, read
// back through the instance, and not a registration.
TEST_F(CApiInfo, ModuleNames) {
  wasm_module_t a = load("mA");
  ASSERT_NE(a, nullptr);
  EXPECT_STREQ(wasm_runtime_get_module_name(a), "");
  char err[128] = "";
  ASSERT_TRUE(wasm_runtime_set_module_name(a, "first", err, sizeof err));
  EXPECT_STREQ(wasm_runtime_get_module_name(a), "first");
  std::string second = "mA";
  ASSERT_TRUE(wasm_runtime_set_module_name(a, second.c_str(), err, sizeof err));
  second = "changed";  // the name was copied
  EXPECT_STREQ(wasm_runtime_get_module_name(a), "mA");
  EXPECT_FALSE(wasm_runtime_set_module_name(a, nullptr, err, sizeof err));
  EXPECT_STREQ(err, "set module name failed: invalid module or name");
  EXPECT_STREQ(wasm_runtime_get_module_name(a), "mA");
  EXPECT_FALSE(wasm_runtime_set_module_name(nullptr, "x", err, sizeof err));
  EXPECT_STREQ(wasm_runtime_get_module_name(nullptr), "");

  wasm_module_inst_t inst = instantiate(a);
  ASSERT_NE(inst, nullptr);
  EXPECT_STREQ(wasm_runtime_get_module_name(wasm_runtime_get_module(inst)), "mA");
  wasm_runtime_deinstantiate(inst);

  // mB imports from "mA": a module named so does not provide it.
  readerLog().hidden.insert("mA");
  EXPECT_NE(loadError("mB").find("mA"), std::string::npos);
  wasm_runtime_unload(a);
}

TEST_F(CApiInfo, ImportsWithTheirTypes) {
  wasm_module_t m = load("imports_all");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(wasm_runtime_get_import_count(m), 4);
  wasm_import_t imp[4];
  for (int i = 0; i < 4; ++i) wasm_runtime_get_import_type(m, i, &imp[i]);
  for (const wasm_import_t& i : imp) {
    EXPECT_STREQ(i.module_name, "mA");
    EXPECT_TRUE(i.linked);
  }
  EXPECT_STREQ(imp[0].name, "read");
  EXPECT_EQ(imp[0].kind, WASM_IMPORT_EXPORT_KIND_FUNC);
  EXPECT_EQ(wasm_func_type_get_param_count(imp[0].u.func_type), 1u);
  EXPECT_EQ(imp[1].kind, WASM_IMPORT_EXPORT_KIND_TABLE);
  EXPECT_EQ(wasm_table_type_get_init_size(imp[1].u.table_type), 4u);
  EXPECT_EQ(wasm_table_type_get_max_size(imp[1].u.table_type), 0xffffffffu);  // no maximum
  EXPECT_EQ(imp[2].kind, WASM_IMPORT_EXPORT_KIND_MEMORY);
  EXPECT_EQ(wasm_memory_type_get_max_page_count(imp[2].u.memory_type), 4u);
  EXPECT_EQ(imp[3].kind, WASM_IMPORT_EXPORT_KIND_GLOBAL);
  EXPECT_TRUE(wasm_global_type_get_mutable(imp[3].u.global_type));
  // The export's types: (i64, f32) -> f64.
  wasm_export_t f;
  wasm_runtime_get_export_type(m, 0, &f);
  EXPECT_STREQ(f.name, "f");
  EXPECT_EQ(wasm_func_type_get_param_valkind(f.u.func_type, 0), WASM_I64);
  EXPECT_EQ(wasm_func_type_get_param_valkind(f.u.func_type, 1), WASM_F32);
  EXPECT_EQ(wasm_func_type_get_result_valkind(f.u.func_type, 0), WASM_F64);
  wasm_runtime_unload(m);
}

struct ContextLog {
  std::vector<std::pair<wasm_module_inst_t, void*>> destroyed;
};
ContextLog gContextLog;
void logContextDestroyed(wasm_module_inst_t inst, void* ctx) { gContextLog.destroyed.push_back({inst, ctx}); }

TEST_F(CApiInfo, InstanceContexts) {
  gContextLog = ContextLog();
  void* key = wasm_runtime_create_context_key(logContextDestroyed);
  void* plain = wasm_runtime_create_context_key(nullptr);
  ASSERT_NE(key, nullptr);
  ASSERT_NE(plain, nullptr);
  wasm_module_t m = load("mA");
  wasm_module_inst_t a = instantiate(m), b = instantiate(m);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  int x = 1, y = 2, z = 3;
  EXPECT_EQ(wasm_runtime_get_context(a, key), nullptr);
  wasm_runtime_set_context(a, key, &x);
  wasm_runtime_set_context_spread(b, key, &y);
  wasm_runtime_set_context(a, plain, &z);
  EXPECT_EQ(wasm_runtime_get_context(a, key), &x);
  EXPECT_EQ(wasm_runtime_get_context(b, key), &y);
  EXPECT_EQ(wasm_runtime_get_context(a, plain), &z);
  EXPECT_EQ(wasm_runtime_get_context(b, plain), nullptr);
  wasm_runtime_deinstantiate(a);
  ASSERT_EQ(gContextLog.destroyed.size(), 1u);  // the key with a destructor, once
  EXPECT_EQ(gContextLog.destroyed[0].first, a);
  EXPECT_EQ(gContextLog.destroyed[0].second, &x);
  // Destroying a key forgets its contexts without calling the destructor.
  wasm_runtime_destroy_context_key(key);
  EXPECT_EQ(wasm_runtime_get_context(b, key), nullptr);
  wasm_runtime_set_context(b, key, &x);  // a dead key: ignored
  EXPECT_EQ(wasm_runtime_get_context(b, key), nullptr);
  wasm_runtime_deinstantiate(b);
  EXPECT_EQ(gContextLog.destroyed.size(), 1u);
  wasm_runtime_destroy_context_key(plain);
  // Eight keys at most.
  std::vector<void*> keys;
  for (int i = 0; i < 8; ++i) keys.push_back(wasm_runtime_create_context_key(nullptr));
  for (void* k : keys) EXPECT_NE(k, nullptr);
  EXPECT_EQ(wasm_runtime_create_context_key(nullptr), nullptr);
  for (void* k : keys) wasm_runtime_destroy_context_key(k);
  EXPECT_NE(wasm_runtime_create_context_key(nullptr), nullptr);
  wasm_runtime_unload(m);
}

TEST_F(CApiInfo, LogLevelFiltersLibraryMessages) {
  static NativeSymbol bad[] = {{"f", reinterpret_cast<void*>(countingFree), "(x)", nullptr}};
  wasm_runtime_set_log_level(WASM_LOG_LEVEL_FATAL);
  testing::internal::CaptureStderr();
  EXPECT_FALSE(wasm_runtime_register_natives("quiet", bad, 1));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  wasm_runtime_set_log_level(WASM_LOG_LEVEL_WARNING);
  testing::internal::CaptureStderr();
  EXPECT_FALSE(wasm_runtime_register_natives("loud", bad, 1));
  EXPECT_NE(testing::internal::GetCapturedStderr().find("invalid signature"), std::string::npos);
}

}  // namespace

namespace {

class CApiCalls : public CApiTest {};

TEST_F(CApiCalls, CallWasmV) {
  wasm_module_t m = load("imports_all");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 32 * 1024);
  wasm_function_inst_t mix = wasm_runtime_lookup_function(inst, "mix", nullptr);
  ASSERT_NE(mix, nullptr);
  wasm_val_t result;
  ASSERT_TRUE(wasm_runtime_call_wasm_v(env, mix, 1, &result, 4, int32_t(-3), int64_t(10000000000LL), 0.5, 0.25))
      << wasm_runtime_get_exception(inst);
  EXPECT_EQ(result.kind, WASM_F64);
  EXPECT_DOUBLE_EQ(result.of.f64, 10000000000.0 - 3 + 0.75);
  EXPECT_FALSE(wasm_runtime_call_wasm_v(env, mix, 1, &result, 2, int32_t(1), int64_t(2)));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: invalid argument count: expected 4, got 2");
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApiCalls, CallIndirectAndTheSingletonEnv) {
  wasm_module_t m = load("mA");
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_exec_env_t env = wasm_runtime_get_exec_env_singleton(inst);
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(wasm_runtime_get_exec_env_singleton(inst), env);  // the same one each time
  EXPECT_EQ(wasm_runtime_get_module_inst(env), inst);
  uint32_t argv[1] = {0};
  ASSERT_TRUE(wasm_runtime_call_indirect(env, 0, 0, argv)) << wasm_runtime_get_exception(inst);
  EXPECT_EQ(argv[0], 40u);  // mA's table holds $forty at 0
  EXPECT_FALSE(wasm_runtime_call_indirect(env, 1, 0, argv));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: uninitialized element");
  EXPECT_FALSE(wasm_runtime_call_indirect(env, 4, 0, argv));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: undefined element");
  wasm_runtime_deinstantiate(inst);  // frees the singleton too
  wasm_runtime_unload(m);
}

int32_t twice(wasm_exec_env_t, int32_t x) { return 2 * x; }

TEST_F(CApiCalls, UnregisterNatives) {
  static NativeSymbol symbols[] = {{"twice", reinterpret_cast<void*>(twice), "(i)i", nullptr}};
  static NativeSymbol other[] = {{"twice", reinterpret_cast<void*>(twice), "(i)i", nullptr}};
  ASSERT_TRUE(wasm_runtime_register_natives("unreg", symbols, 1));
  wasm_module_t m = load("uses_unreg");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  EXPECT_FALSE(wasm_runtime_unregister_natives("unreg", other));  // not that array
  EXPECT_FALSE(wasm_runtime_unregister_natives("nope", symbols));
  EXPECT_TRUE(wasm_runtime_unregister_natives("unreg", symbols));
  EXPECT_FALSE(wasm_runtime_unregister_natives("unreg", symbols));  // already gone
  // The loaded module keeps its binding; a new load cannot link.
  EXPECT_EQ(callI32(inst, "run", {21}), 42);
  // (No native module "unreg" is left: the name is looked up as a module.)
  EXPECT_NE(loadError("uses_unreg").find("module \"unreg\" not found"), std::string::npos);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

}  // namespace

namespace {

bool gReader4Called = false;
bool packageTypeReader(package_type_t type, const char* name, uint8_t** buffer, uint32_t* size) {
  gReader4Called = true;
  if (type != Wasm_Module_Bytecode) return false;
  return countingReader(name, buffer, size);
}

class CApiCompat : public CApiTest {};

// WAMR 2.x's forms: a package-type reader, the 2-argument lookup.
TEST_F(CApiCompat, PackageTypeReaderAndTwoArgumentLookup) {
  gReader4Called = false;
  wasm_runtime_set_module_reader(packageTypeReader, countingDestroyer);
  EXPECT_EQ(wasm_runtime_get_module_reader(), nullptr);  // the older form is not set
  wasm_module_t c = load("mC");  // needs mB and mA through the reader
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(gReader4Called);
  wasm_module_inst_t inst = instantiate(c);
  ASSERT_NE(inst, nullptr);
  wasm_function_inst_t f = wasm_runtime_lookup_function(inst, "call_A");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f, wasm_runtime_lookup_function(inst, "call_A", nullptr));
  EXPECT_EQ(callI32(inst, "call_A"), 10);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(c);
  wasm_runtime_set_module_reader(nullptr, nullptr);
  EXPECT_EQ(wasm_runtime_get_module_reader(), nullptr);
}

}  // namespace

namespace {

class CApiThreads : public CApiTest {};

struct ThreadArg {
  wasm_function_inst_t f;
  uint32_t n;
  uint32_t result = 0;
  bool ok = false;
};

void* runOnThread(wasm_exec_env_t env, void* p) {
  auto* a = static_cast<ThreadArg*>(p);
  uint32_t argv[1] = {a->n};
  a->ok = wasm_runtime_call_wasm(env, a->f, 1, argv);
  a->result = argv[0];
  return a;
}

// A host thread of the embedder's own: init_thread_env, calls through an
// exec env of its own, destroy_thread_env.
TEST_F(CApiThreads, HostThreadEnv) {
  wasm_module_t m = load("natives_free");
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  EXPECT_FALSE(wasm_runtime_thread_env_inited());
  bool before = true, during = false, after = true, ok = false;
  uint32_t result = 0;
  std::thread host([&] {
    before = wasm_runtime_thread_env_inited();
    ASSERT_TRUE(wasm_runtime_init_thread_env());
    during = wasm_runtime_thread_env_inited();
    wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 32 * 1024);
    wasm_function_inst_t div = wasm_runtime_lookup_function(inst, "div", nullptr);
    uint32_t argv[2] = {42, 6};
    ok = wasm_runtime_call_wasm(env, div, 2, argv);
    result = argv[0];
    wasm_runtime_destroy_exec_env(env);
    wasm_runtime_destroy_thread_env();
    after = wasm_runtime_thread_env_inited();
  });
  host.join();
  EXPECT_FALSE(before);
  EXPECT_TRUE(during);
  EXPECT_FALSE(after);
  EXPECT_TRUE(ok);
  EXPECT_EQ(result, 7u);
  EXPECT_FALSE(wasm_runtime_thread_env_inited());  // per thread
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApiThreads, SpawnedEnvsAndThreads) {
  wasm_module_t m = load("mA");
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 32 * 1024);
  wasm_exec_env_t spawned = wasm_runtime_spawn_exec_env(env);
  ASSERT_NE(spawned, nullptr);
  EXPECT_NE(spawned, env);
  EXPECT_EQ(wasm_runtime_get_module_inst(spawned), inst);
  wasm_runtime_destroy_spawned_exec_env(spawned);

  // Four threads at once (the default maximum), each its own exec env.
  wasm_function_inst_t loop = wasm_runtime_lookup_function(inst, "A_direct", nullptr);
  ThreadArg args[5];
  wasm_thread_t tids[5];
  for (int i = 0; i < 4; ++i) {
    args[i].f = loop;
    args[i].n = 1000u * uint32_t(i + 1);
    ASSERT_EQ(wasm_runtime_spawn_thread(env, &tids[i], runOnThread, &args[i]), 0);
  }
  wasm_runtime_set_max_thread_num(4);
  args[4].f = loop;
  args[4].n = 1;
  // A fifth fails while four may still run (or succeeds if one finished).
  int32_t fifth = wasm_runtime_spawn_thread(env, &tids[4], runOnThread, &args[4]);
  for (int i = 0; i < 4; ++i) {
    void* ret = nullptr;
    EXPECT_EQ(wasm_runtime_join_thread(tids[i], &ret), 0);
    EXPECT_EQ(ret, &args[i]);
    EXPECT_TRUE(args[i].ok);
    EXPECT_EQ(args[i].result, 10u * args[i].n);  // A_direct sums A() = 10 n times
  }
  if (fifth == 0) EXPECT_EQ(wasm_runtime_join_thread(tids[4], nullptr), 0);
  // With a maximum of 0 nothing starts.
  wasm_runtime_set_max_thread_num(0);
  EXPECT_EQ(wasm_runtime_spawn_thread(env, &tids[0], runOnThread, &args[0]), -1);
  wasm_runtime_set_max_thread_num(4);
  EXPECT_EQ(wasm_runtime_spawn_thread(nullptr, &tids[0], runOnThread, &args[0]), -1);
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

}  // namespace

// ---------------------------------------------------------------- built-in libc

#ifdef STRATA_LIBC_BUILTIN_WASM
// A module built for WAMR's built-in libc (tests/libc/builtin.c): its
// malloc, calloc, realloc, strdup and free use the app heap, registered
// natives take precedence over the built-in ones, and bad pointers trap.
namespace {
int32_t myStrlen(wasm_exec_env_t, const char*) { return 1234; }
}  // namespace

TEST_F(CApi, BuiltinLibc) {
  std::ifstream in(STRATA_LIBC_BUILTIN_WASM, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  char err[256];
  wasm_module_t m = wasm_runtime_load(bytes.data(), uint32_t(bytes.size()), err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  wasm_module_inst_t inst = wasm_runtime_instantiate(m, 64 * 1024, 16 * 1024, err, sizeof err);
  ASSERT_NE(inst, nullptr) << err;
  testing::internal::CaptureStdout();
  int32_t rc = callI32(inst, "with_heap");
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0) << wasm_runtime_get_exception(inst);
  EXPECT_EQ(out, "heap heap grown 0 1 10\n");
  wasm_function_inst_t bad = wasm_runtime_lookup_function(inst, "bad_pointer", nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 64 * 1024);
  uint32_t argv[1] = {0};
  EXPECT_FALSE(wasm_runtime_call_wasm(env, bad, 0, argv));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: out of bounds memory access");
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);

  // An embedder's own env.strlen wins over the built-in one.
  static NativeSymbol natives[] = {{"strlen", reinterpret_cast<void*>(myStrlen), "($)i", nullptr}};
  ASSERT_TRUE(wasm_runtime_register_natives("env", natives, 1));
  m = wasm_runtime_load(bytes.data(), uint32_t(bytes.size()), err, sizeof err);
  ASSERT_NE(m, nullptr) << err;
  inst = wasm_runtime_instantiate(m, 64 * 1024, 16 * 1024, err, sizeof err);
  ASSERT_NE(inst, nullptr) << err;
  testing::internal::CaptureStdout();
  callI32(inst, "with_heap");
  out = testing::internal::GetCapturedStdout();
  // (The last number printed is strlen's; clang may turn strcat into
  // strlen and memcpy, so the rest of the line is not pinned down.)
  EXPECT_EQ(out.substr(out.size() - 6), " 1234\n") << out;
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
  wasm_runtime_unregister_natives("env", natives);
}
#endif
