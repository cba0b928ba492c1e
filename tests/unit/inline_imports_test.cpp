// The optimizing compiler inlines small functions of other instances
// across import slots (jit/optimizing/emitter.h, inlineCall): the inlined
// body uses the callee instance's memory, globals and loops, a trap in it
// is reported with the callee's frame, and a hot replacement of the callee
// takes effect at once (the inlined body runs only while the slot still
// holds the function it was made from). Modules: tests/unit/multi/inl_*.wat.
#include "c_api_multi_test.h"
#include "jit/jit.h"
#include "runtime/objects.h"

using namespace strata_test;

namespace {

class InlineImports : public CApiTest {
 protected:
  // Compiles an export of `inst` with the optimizing compiler and returns
  // how many call sites it inlined across import slots.
  uint64_t optimize(wasm_module_inst_t inst, const char* name) {
    auto* f = static_cast<strata::Function*>(wasm_runtime_lookup_function(inst, name, nullptr));
    EXPECT_NE(f, nullptr) << name;
    if (!f) return 0;
    uint64_t before = strata::jit::counters().inlinedImportCalls;
    EXPECT_TRUE(strata::jit::compile(f, strata::jit::Tier::Optimized)) << name;
    EXPECT_TRUE(strata::jit::hasCode(f, strata::jit::Tier::Optimized)) << name;
    return strata::jit::counters().inlinedImportCalls - before;
  }
};

// bump(0) + ... + bump(n-1) where bump(x) = x + 42 + calls so far.
int32_t expectedLoopBump(int32_t n, int32_t callsBefore) {
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) acc += i + 42 + callsBefore + i + 1;
  return acc;
}

TEST_F(InlineImports, InlinedBodiesUseTheCalleeInstancesMemoryGlobalsAndLoops) {
  wasm_module_t root = load("inl_root");
  ASSERT_NE(root, nullptr);
  wasm_module_inst_t inst = instantiate(root);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(callI32(inst, "loop_bump", {10}), expectedLoopBump(10, 0));  // interpreted: the reference
  EXPECT_EQ(optimize(inst, "loop_bump"), 1u);
  EXPECT_EQ(optimize(inst, "call_sum"), 1u);
  EXPECT_EQ(optimize(inst, "both16"), 1u);
  // The callee's global goes on counting from where the interpreter left it.
  EXPECT_EQ(callI32(inst, "loop_bump", {1000}), expectedLoopBump(1000, 10));
  EXPECT_EQ(callI32(inst, "$inl_lib$calls"), 1010);
  EXPECT_EQ(callI32(inst, "call_sum", {100}), 4950);
  EXPECT_EQ(callI32(inst, "call_sum", {0}), 0);
  // 42 from inl_lib's memory, 7 from the root's, at the same address.
  EXPECT_EQ(callI32(inst, "both16"), 4207);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(root);
}

TEST_F(InlineImports, AnImportedMemoryIsTheSameMemoryInTheInlinedBody) {
  wasm_module_t root = load("inl_shared_root");
  ASSERT_NE(root, nullptr);
  wasm_module_inst_t inst = instantiate(root);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(optimize(inst, "poke_peek"), 1u);
  EXPECT_EQ(callI32(inst, "poke_peek", {0x5a}), 0x5a);
  EXPECT_EQ(callI32(inst, "poke_peek", {0x1ff}), 0xff);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(root);
}

TEST_F(InlineImports, ATrapInTheInlinedBodyListsTheCalleesFrame) {
  wasm_module_t root = load("inl_root");
  ASSERT_NE(root, nullptr);
  wasm_module_inst_t inst = instantiate(root);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(optimize(inst, "call_div"), 1u);
  EXPECT_EQ(callI32(inst, "call_div", {84, 2}), 42);
  wasm_function_inst_t f = wasm_runtime_lookup_function(inst, "call_div", nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 64 * 1024);
  uint32_t argv[2] = {1, 0};
  EXPECT_FALSE(wasm_runtime_call_wasm(env, f, 2, argv));
  EXPECT_STREQ(wasm_runtime_get_exception(inst), "Exception: integer divide by zero");
  uint32_t size = wasm_runtime_get_call_stack_buf_size(env);
  ASSERT_GT(size, 1u);
  std::string stack(size, '\0');
  wasm_runtime_dump_call_stack_to_buf(env, &stack[0], size);
  size_t callee = stack.find(" - div\n"), caller = stack.find(" - call_div\n");
  EXPECT_NE(callee, std::string::npos) << stack;
  EXPECT_NE(caller, std::string::npos) << stack;
  EXPECT_LT(callee, caller) << stack;
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(root);
}

TEST_F(InlineImports, AfterAHotReplacementTheCallsReachTheNewFunctions) {
  wasm_module_t root = load("inl_root");
  wasm_module_t v2 = load("inl_lib2");
  ASSERT_TRUE(root && v2);
  wasm_module_inst_t inst = instantiate(root);
  ASSERT_NE(inst, nullptr);
  for (const char* name : {"loop_bump", "call_div", "both16"}) EXPECT_EQ(optimize(inst, name), 1u) << name;
  EXPECT_EQ(callI32(inst, "loop_bump", {3}), expectedLoopBump(3, 0));
  char err[256] = "";
  ASSERT_TRUE(strata_runtime_replace_module(inst, "inl_lib", v2, err, sizeof err)) << err;
  // The same compiled code, which inlined version 1: each call now goes
  // through the slot to version 2.
  EXPECT_EQ(callI32(inst, "loop_bump", {3}), 1000 + 1001 + 1002);
  EXPECT_EQ(callI32(inst, "call_div", {1, 0}), 77);
  EXPECT_EQ(callI32(inst, "both16"), 907);
  // Compiled after the replacement: version 2 is what gets inlined.
  EXPECT_EQ(optimize(inst, "call_sum"), 1u);
  EXPECT_EQ(callI32(inst, "call_sum", {100}), 5);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(v2);
  wasm_runtime_unload(root);
}

}  // namespace
