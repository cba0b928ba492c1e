// Hot replacement of a dependency (strata_runtime_replace_module,
// InstanceGroup::replace): a call in flight finishes on the old code, new
// calls (direct, through a table, by lookup) run the new code, the old
// instance is freed when no call is running, and every refusal is a clear
// error that changes nothing. Modules: tests/unit/multi/hr_*.wat.
#include "c_api_multi_test.h"
#include "jit/jit.h"
#include "runtime/objects.h"

using namespace strata_test;

namespace {

struct HotState {
  wasm_module_inst_t root = nullptr;
  wasm_module_t replacement = nullptr;
  bool replaceOnNext = false;
  std::vector<int> triggers;       // the argument of every hr_trigger call
  uint32_t retiredDuring = 99;     // retired count right after the replacement
  int32_t newCallDuring = -1;      // call_get made from inside the old call
  std::string error;
};
HotState gHot;

void hrTrigger(wasm_exec_env_t, int32_t version) {
  gHot.triggers.push_back(version);
  if (!gHot.replaceOnNext || version != 1) return;
  gHot.replaceOnNext = false;
  char err[256] = "";
  if (!strata_runtime_replace_module(gHot.root, "hr_lib", gHot.replacement, err, sizeof err)) {
    gHot.error = err;
    return;
  }
  gHot.retiredDuring = strata_runtime_retired_count(gHot.root);
  // A new call, made while the old get() is still on the stack, runs v2.
  wasm_function_inst_t f = wasm_runtime_lookup_function(gHot.root, "call_get", nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(gHot.root, 64 * 1024);
  uint32_t cells[1] = {0};
  if (wasm_runtime_call_wasm(env, f, 0, cells)) gHot.newCallDuring = static_cast<int32_t>(cells[0]);
  wasm_runtime_destroy_exec_env(env);
}

class HotReplace : public CApiTest {
 protected:
  void SetUp() override {
    CApiTest::SetUp();
    if (IsSkipped()) return;
    static NativeSymbol natives[] = {{"hr_trigger", reinterpret_cast<void*>(hrTrigger), "(i)", nullptr}};
    ASSERT_TRUE(wasm_runtime_register_natives("env", natives, 1));
    gHot = HotState();
  }
};

TEST_F(HotReplace, InFlightCallFinishesOnOldCodeNewCallsRunNewCode) {
  wasm_module_t root = load("hr_root");
  ASSERT_NE(root, nullptr);
  wasm_module_t v2 = load("hr_lib2");
  ASSERT_NE(v2, nullptr);
  wasm_module_inst_t inst = instantiate(root);
  ASSERT_NE(inst, nullptr);
  gHot.root = inst;
  gHot.replacement = v2;

  EXPECT_EQ(callI32(inst, "call_get"), 11);  // v1, first call
  EXPECT_EQ(strata_runtime_retired_count(inst), 0u);

  gHot.replaceOnNext = true;
  // v1's get() calls hr_trigger(1), which replaces hr_lib and calls
  // call_get again (v2: 2 + 1 * 10); then the old get() resumes and
  // returns from the old code with the old instance's state (1 + 2 * 10).
  EXPECT_EQ(callI32(inst, "call_get"), 21);
  EXPECT_EQ(gHot.error, "");
  EXPECT_EQ(gHot.retiredDuring, 1u);  // kept while the old call runs
  EXPECT_EQ(gHot.newCallDuring, 12);
  EXPECT_EQ(gHot.triggers, (std::vector<int>{1, 1, 2}));
  // The outer call returned: nothing runs the old code, it is freed.
  EXPECT_EQ(strata_runtime_retired_count(inst), 0u);

  // Everything now reaches v2: the import slot, the root's table (its
  // element was the old function), and lookups of the dependency.
  EXPECT_EQ(callI32(inst, "call_get"), 22);
  EXPECT_EQ(callI32(inst, "call_table"), 32);
  EXPECT_EQ(callI32(inst, "$hr_lib$get"), 42);
  EXPECT_EQ(gHot.triggers, (std::vector<int>{1, 1, 2, 2, 2, 2}));

  wasm_runtime_unload(v2);  // the new instance keeps what it needs
  EXPECT_EQ(callI32(inst, "call_get"), 52);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(root);
}

// The same with JIT code on both sides: the root's call_get, the old get()
// (which is on the stack, compiled, when the replacement happens) and the
// new get() are all compiled before they run.
TEST_F(HotReplace, InFlightCallInJitCodeFinishesThereAndNewCallsRunNewJitCode) {
  wasm_module_t root = load("hr_root");
  wasm_module_t v2 = load("hr_lib2");
  ASSERT_TRUE(root && v2);
  wasm_module_inst_t inst = instantiate(root);
  ASSERT_NE(inst, nullptr);
  gHot.root = inst;
  gHot.replacement = v2;
  auto compile = [&](const char* name) {
    auto* f = static_cast<strata::Function*>(wasm_runtime_lookup_function(inst, name, nullptr));
    ASSERT_NE(f, nullptr) << name;
    ASSERT_TRUE(strata::jit::compile(f)) << name;
  };
  compile("call_get");
  compile("call_table");
  compile("$hr_lib$get");
  gHot.replaceOnNext = true;
  EXPECT_EQ(callI32(inst, "call_get"), 11);  // old JIT code, its state (1 + 1 * 10)
  EXPECT_EQ(gHot.error, "");
  EXPECT_EQ(gHot.retiredDuring, 1u);
  EXPECT_EQ(gHot.newCallDuring, 12);  // v2, interpreted (first call)
  EXPECT_EQ(strata_runtime_retired_count(inst), 0u);  // freed with its JIT code
  compile("$hr_lib$get");  // now v2's
  EXPECT_EQ(callI32(inst, "call_get"), 22);
  EXPECT_EQ(callI32(inst, "call_table"), 32);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(v2);
  wasm_runtime_unload(root);
}

TEST_F(HotReplace, ReplacingWhenNothingRunsFreesTheOldInstanceAtOnce) {
  wasm_module_t root = load("hr_root");
  ASSERT_NE(root, nullptr);
  wasm_module_t v2 = load("hr_lib2");
  ASSERT_NE(v2, nullptr);
  wasm_module_inst_t inst = instantiate(root);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(callI32(inst, "call_table"), 11);
  char err[256] = "";
  ASSERT_TRUE(strata_runtime_replace_module(inst, "hr_lib", v2, err, sizeof err)) << err;
  EXPECT_EQ(strata_runtime_retired_count(inst), 0u);
  EXPECT_EQ(callI32(inst, "call_table"), 12);
  // Replace again, back to version 1 (a fresh instance: state restarts).
  wasm_module_t v1 = load("hr_lib");
  ASSERT_NE(v1, nullptr);
  ASSERT_TRUE(strata_runtime_replace_module(inst, "hr_lib", v1, err, sizeof err)) << err;
  EXPECT_EQ(callI32(inst, "call_get"), 11);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(v1);
  wasm_runtime_unload(v2);
  wasm_runtime_unload(root);
}

TEST_F(HotReplace, RefusalsAreClearAndChangeNothing) {
  wasm_module_t root = load("hr_root");
  ASSERT_NE(root, nullptr);
  wasm_module_inst_t inst = instantiate(root);
  ASSERT_NE(inst, nullptr);
  wasm_module_t badsig = load("hr_badsig");
  wasm_module_t trap = load("hr_trap");
  wasm_module_t mA = load("mA");
  ASSERT_TRUE(badsig && trap && mA);
  char err[512] = "";
  auto refuse = [&](wasm_module_inst_t i, const char* name, wasm_module_t m) {
    err[0] = 0;
    EXPECT_FALSE(strata_runtime_replace_module(i, name, m, err, sizeof err)) << name;
    return std::string(err);
  };
  EXPECT_EQ(refuse(inst, "nosuch", mA), "replace nosuch: no instance of that name in this group");
  EXPECT_EQ(refuse(inst, "hr_lib", mA), "replace hr_lib: the replacement exports no function \"get\" (imported by the root)");
  EXPECT_EQ(refuse(inst, "hr_lib", badsig),
            "replace hr_lib: signature mismatch for \"get\": the importer expects () -> (i32), the replacement exports "
            "(i32) -> (i32)");
  EXPECT_EQ(refuse(inst, "hr_lib", trap), "replace hr_lib: the replacement trapped while starting: unreachable");
  EXPECT_EQ(refuse(nullptr, "hr_lib", mA), "replace failed: invalid module instance");
  EXPECT_EQ(refuse(inst, nullptr, mA), "replace failed: invalid module or name");
  EXPECT_EQ(refuse(inst, "hr_lib", nullptr), "replace failed: invalid module or name");
  EXPECT_EQ(strata_runtime_retired_count(inst), 0u);
  EXPECT_EQ(callI32(inst, "call_get"), 11);  // still v1, state intact
  EXPECT_EQ(callI32(inst, "call_get"), 21);

  // An importer that imports mA's memory, global and table: mA cannot be
  // replaced.
  wasm_module_t sh = load("shared");
  ASSERT_NE(sh, nullptr);
  wasm_module_inst_t si = instantiate(sh);
  ASSERT_NE(si, nullptr);
  std::string e = refuse(si, "mA", mA);
  EXPECT_EQ(e.rfind("replace mA: import mA.", 0), 0u) << e;
  EXPECT_NE(e.find("which cannot be re-pointed"), std::string::npos) << e;

  // A group other roots link to cannot be changed under them.
  ASSERT_TRUE(strata_runtime_share_instance("hr_lib", inst));
  wasm_module_inst_t other = instantiate(root);
  ASSERT_NE(other, nullptr);
  wasm_module_t v2 = load("hr_lib2");
  EXPECT_EQ(refuse(inst, "hr_lib", v2),
            "replace hr_lib: other instances link to this group's instances (strata_runtime_share_instance)");
  EXPECT_EQ(refuse(other, "hr_lib", v2),
            "replace hr_lib: its instance belongs to another group (shared); replace it there");
  wasm_runtime_deinstantiate(other);
  char ok[256] = "";
  EXPECT_TRUE(strata_runtime_replace_module(inst, "hr_lib", v2, ok, sizeof ok)) << ok;  // no one links now
  EXPECT_EQ(callI32(inst, "call_get"), 12);

  wasm_runtime_deinstantiate(si);
  wasm_runtime_deinstantiate(inst);
  for (wasm_module_t m : {sh, v2, mA, trap, badsig, root}) wasm_runtime_unload(m);
}

}  // namespace
