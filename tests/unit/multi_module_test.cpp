// Multi-module loading and linking (issue 4): link errors, diamonds,
// cycles, shared memory/table/global, start order, WASI command/reactor
// rules, reference-counted unloading with destroyer counts, instance
// sharing, import patching, and a load/run/unload loop whose RSS must not
// grow. Modules: tests/unit/multi/*.wat.
#include <unistd.h>

#include <fstream>

#include "runtime/exec_env.h"
#include "runtime/linker.h"
#include "c_api_multi_test.h"
#include "wasm/module.h"

using namespace strata_test;

namespace {

class MultiModuleTest : public CApiTest {};

// ---------------------------------------------------------------- link errors

TEST_F(MultiModuleTest, MissingExportNamesTheChain) {
  EXPECT_EQ(loadError("errroot"), "(root) -> errmid: import mA.nope: mA exports no function \"nope\"");
  // Everything loaded for the failed attempt is gone, buffers released.
  EXPECT_EQ(readerLog().destroyCount(), readerLog().readCount());
  EXPECT_EQ(readerLog().destroyed, readerLog().given);
  EXPECT_EQ(wasm_runtime_find_module_registered("mA"), nullptr);
  EXPECT_EQ(wasm_runtime_find_module_registered("errmid"), nullptr);
}

TEST_F(MultiModuleTest, SignatureMismatchShowsBothSignatures) {
  EXPECT_EQ(loadError("errsig"),
            "(root): import mA.A: signature mismatch: (root) expects (i32) -> (i32), mA exports () -> (i32)");
}

TEST_F(MultiModuleTest, KindMismatch) {
  EXPECT_EQ(loadError("errkind"), "(root): import mA.A: mA exports \"A\" as a function, not a global");
}

TEST_F(MultiModuleTest, GlobalTypeMismatch) {
  EXPECT_EQ(loadError("errglobal"),
            "(root): import mA.g: type mismatch: (root) expects a global (i32), mA exports (mut i32)");
}

TEST_F(MultiModuleTest, MissingModuleSaysWhereItLooked) {
  EXPECT_EQ(loadError("errmissing"),
            "(root): module \"nomod\" not found (looked in: registered modules, the module reader)");
  EXPECT_EQ(readerLog().reads["mB"], 1);
  EXPECT_EQ(readerLog().destroyed, readerLog().given);  // mB and mA released again
}

TEST_F(MultiModuleTest, MissingModuleWithoutReader) {
  wasm_runtime_set_module_reader(nullptr, nullptr);
  EXPECT_EQ(loadError("mB"), "(root): module \"mA\" not found (looked in: registered modules, no module reader is set)");
}

TEST_F(MultiModuleTest, MissingNative) {
  EXPECT_EQ(loadError("errnative"),
            "(root): unknown import env.not_registered (no native env.not_registered is registered)");
}

TEST_F(MultiModuleTest, InvalidDependency) {
  readerLog().overrides["garbage"] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05};
  std::string e = loadError("errbaddep");
  EXPECT_EQ(e.rfind("(root) -> garbage: error at offset 0x", 0), 0u) << e;
  EXPECT_EQ(readerLog().destroyCount(), 1);
}

// ---------------------------------------------------------------- linking

TEST_F(MultiModuleTest, DiamondSharesOneModuleAndOneInstance) {
  wasm_module_t m = load("mC");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(readerLog().reads["mA"], 1);
  EXPECT_EQ(readerLog().reads["mB"], 1);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(callI32(inst, "C"), 12);
  EXPECT_EQ(callI32(inst, "call_A"), 10);
  EXPECT_EQ(callI32(inst, "call_B"), 11);
  EXPECT_EQ(callI32(inst, "$mB$call_A"), 10);
  // One mA instance: mC's import, mB's import and $mA$A are one function.
  EXPECT_EQ(wasm_runtime_lookup_function(inst, "$mA$A", nullptr), wasm_runtime_lookup_function(inst, "$mA$A", ""));
  wasm_function_inst_t a = wasm_runtime_lookup_function(inst, "$mA$A", nullptr);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(wasm_runtime_lookup_function(inst, "$mB$nope", nullptr), nullptr);
  EXPECT_EQ(wasm_runtime_lookup_function(inst, "$nomod$A", nullptr), nullptr);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
  EXPECT_EQ(readerLog().destroyCount(), 2);
  EXPECT_EQ(readerLog().destroyed, readerLog().given);
}

TEST_F(MultiModuleTest, DiamondInstanceCountThroughTheLinker) {
  // The linker directly: three modules, three instances.
  strata::ModuleRegistry registry;
  registry.setReader(strata::directoryReader({multiWasmDir()}));
  std::string error;
  strata::ModuleNode* root = registry.loadRoot(strata::decodeModule(readWasm("mC")), "mC", &error);
  ASSERT_NE(root, nullptr) << error;
  strata::ExecEnv env;
  auto group = strata::InstanceGroup::instantiate(registry, root, env, {});
  EXPECT_EQ(group->instances().size(), 3u);
  EXPECT_EQ(group->root(), group->instances().back().get());
  strata::Instance* mA = group->find("mA");
  ASSERT_NE(mA, nullptr);
  // mB's only import slot and mC's first one hold mA's A.
  strata::Function* a = mA->exportedFunction("A");
  EXPECT_EQ(group->find("mB")->importSlot(0).load(), a);
  EXPECT_EQ(group->root()->importSlot(0).load(), a);
  group.reset();
  registry.releaseRoot(root);
  EXPECT_EQ(registry.find("mA"), nullptr);
}

TEST_F(MultiModuleTest, CyclicImportsLoadAndRun) {
  // cycroot2 -> cyc1 <-> cyc2
  wasm_module_t m = load("cycroot2");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(callI32(inst, "ping", {5}), 1005);
  EXPECT_EQ(callI32(inst, "$cyc2$pong", {4}), 1004);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
  // Both members of the cycle are freed.
  EXPECT_EQ(readerLog().destroyCount(), 2);
  EXPECT_EQ(readerLog().destroyed, readerLog().given);
  EXPECT_EQ(wasm_runtime_find_module_registered("cyc2"), nullptr);
}

TEST_F(MultiModuleTest, CycleThroughTheRoot) {
  // The root is loaded anonymously, so cyc2's import of cyc1 loads cyc1 once
  // more, by name; it still links and runs, and everything is freed.
  wasm_module_t m = load("cyc1");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(callI32(inst, "ping", {5}), 1005);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
  EXPECT_EQ(readerLog().destroyCount(), 2);
  EXPECT_EQ(readerLog().destroyed, readerLog().given);
}

TEST_F(MultiModuleTest, CycleStubTrapsUntilLinked) {
  // cycroot -> cyc3 <-> cycstart: cycstart is instantiated first, with a
  // stub for cyc3.f, and its start function calls it.
  wasm_module_t m = load("cycroot");
  ASSERT_NE(m, nullptr);
  std::string error;
  EXPECT_EQ(instantiate(m, 0, &error), nullptr);
  EXPECT_NE(error.find("unlinked import cyc3.f"), std::string::npos) << error;
  wasm_runtime_unload(m);
  EXPECT_EQ(readerLog().destroyed, readerLog().given);
}

TEST_F(MultiModuleTest, SharedMemoryTableGlobalBothWays) {
  wasm_module_t m = load("shared");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  // memory
  callI32(inst, "write", {8, 77});
  EXPECT_EQ(callI32(inst, "$mA$read", {8}), 77);
  callI32(inst, "$mA$write", {12, 5});
  EXPECT_EQ(callI32(inst, "read", {12}), 5);
  // mutable global (the exporter's cell, not a copy)
  EXPECT_EQ(callI32(inst, "getg"), 100);
  callI32(inst, "setg", {5});
  EXPECT_EQ(callI32(inst, "$mA$getg"), 5);
  callI32(inst, "$mA$setg", {9});
  EXPECT_EQ(callI32(inst, "getg"), 9);
  // table: shared's element segment wrote into mA's table, mA's into it
  EXPECT_EQ(callI32(inst, "$mA$callt", {1}), 50);
  EXPECT_EQ(callI32(inst, "callt", {0}), 40);
  // growth through the importer is the exporter's too
  EXPECT_EQ(callI32(inst, "grow", {1}), 1);
  callI32(inst, "write", {65536 + 4, 3});
  EXPECT_EQ(callI32(inst, "$mA$read", {65536 + 4}), 3);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

std::vector<int> gLog;
void nativeLog(wasm_exec_env_t, int32_t v) { gLog.push_back(v); }
void nativeProcExit(wasm_exec_env_t, int32_t) {}

TEST_F(MultiModuleTest, StartFunctionsRunInDependencyOrder) {
  static NativeSymbol natives[] = {{"log", reinterpret_cast<void*>(nativeLog), "(i)", nullptr}};
  ASSERT_TRUE(wasm_runtime_register_natives("env", natives, 1));
  gLog.clear();
  wasm_module_t m = load("order_root");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(gLog, (std::vector<int>{1, 2, 3}));
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

class WasiRulesTest : public MultiModuleTest {
 protected:
  void SetUp() override {
    MultiModuleTest::SetUp();
    if (IsSkipped()) return;
    // A stand-in WASI host module: the rules only need the module name.
    static NativeSymbol wasi[] = {{"proc_exit", reinterpret_cast<void*>(nativeProcExit), "(i)", nullptr}};
    ASSERT_TRUE(wasm_runtime_register_natives("wasi_snapshot_preview1", wasi, 1));
  }
};

TEST_F(WasiRulesTest, ReactorInitializedOnceBeforeUse) {
  wasm_module_t m = load("uses_reactor");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  EXPECT_EQ(callI32(inst, "check"), 1);
  EXPECT_EQ(callI32(inst, "$reactor$inited"), 1);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(WasiRulesTest, CommandCannotBeADependency) {
  std::string e = loadError("uses_command");
  EXPECT_EQ(e, "(root) -> command: is a WASI command (exports _start) and cannot be a dependency; build it as a "
               "reactor (exporting _initialize, clang -mexec-model=reactor)");
}

TEST_F(WasiRulesTest, WasiModuleMustExportMemory) {
  EXPECT_EQ(loadError("wasi_nomem"), "(root): imports WASI but does not export its memory as \"memory\"");
}

// ---------------------------------------------------------------- unloading

TEST_F(MultiModuleTest, TwoRootsShareDependencyModulesUntilBothUnload) {
  wasm_module_t c = load("mC");
  ASSERT_NE(c, nullptr);
  wasm_module_t s = load("shared");  // imports mA: already loaded
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(readerLog().reads["mA"], 1);
  wasm_module_t mA = wasm_runtime_find_module_registered("mA");
  ASSERT_NE(mA, nullptr);
  wasm_runtime_unload(mA);  // a dependency: not the embedder's to unload
  EXPECT_EQ(wasm_runtime_find_module_registered("mA"), mA);

  // One instance of mA per root unless shared.
  wasm_module_inst_t ic = instantiate(c);
  wasm_module_inst_t is = instantiate(s);
  ASSERT_TRUE(ic && is);
  callI32(is, "write", {0, 1234});
  EXPECT_EQ(callI32(ic, "$mA$read", {0}), 0);
  wasm_runtime_deinstantiate(ic);
  wasm_runtime_deinstantiate(is);

  wasm_runtime_unload(c);
  EXPECT_EQ(readerLog().destroyCount(), 1);  // mB only
  EXPECT_NE(wasm_runtime_find_module_registered("mA"), nullptr);
  wasm_runtime_unload(s);
  EXPECT_EQ(readerLog().destroyCount(), 2);
  EXPECT_EQ(readerLog().destroyed, readerLog().given);
  EXPECT_EQ(wasm_runtime_find_module_registered("mA"), nullptr);
}

TEST_F(MultiModuleTest, DestroyReleasesEverything) {
  ASSERT_NE(load("mC"), nullptr);
  ASSERT_NE(load("cycroot2"), nullptr);
  wasm_runtime_destroy();
  EXPECT_EQ(readerLog().destroyCount(), 4);
  EXPECT_EQ(readerLog().destroyed, readerLog().given);
  ASSERT_TRUE(wasm_runtime_init());  // for TearDown
}

TEST_F(MultiModuleTest, OptInInstanceSharing) {
  wasm_module_t c = load("mC");
  wasm_module_t s = load("shared");
  wasm_module_inst_t ic = instantiate(c);
  ASSERT_NE(ic, nullptr);
  ASSERT_TRUE(strata_runtime_share_instance("mA", ic));
  EXPECT_FALSE(strata_runtime_share_instance("nomod", ic));
  wasm_module_inst_t is = instantiate(s);
  ASSERT_NE(is, nullptr);
  callI32(is, "write", {0, 1234});
  EXPECT_EQ(callI32(ic, "$mA$read", {0}), 1234);
  // The shared group outlives its root while an importer uses it.
  wasm_runtime_deinstantiate(ic);
  EXPECT_EQ(callI32(is, "$mA$read", {0}), 1234);
  wasm_runtime_deinstantiate(is);
  wasm_runtime_unload(s);
  wasm_runtime_unload(c);
}

// The spec's rule (linking.wast): a failed instantiation keeps what its
// element segments wrote into an imported table. When that table belongs
// to a shared group, the failed instance must live as long as that group.
TEST_F(MultiModuleTest, FailedInstanceWhoseFunctionIsInASharedTableStaysAlive) {
  wasm_module_t c = load("mC");
  wasm_module_t f = load("failpart");
  ASSERT_TRUE(c && f);
  wasm_module_inst_t ic = instantiate(c);
  ASSERT_NE(ic, nullptr);
  ASSERT_TRUE(strata_runtime_share_instance("mA", ic));
  std::string err;
  EXPECT_EQ(instantiate(f, 0, &err), nullptr);
  EXPECT_EQ(err, "instantiate failed: start function trapped: Exception: out of bounds memory access");
  EXPECT_EQ(callI32(ic, "$mA$callt", {2}), 70);  // the failed module's $seventy, calling mA's A
  EXPECT_TRUE(strata_runtime_share_instance("mA", nullptr));
  EXPECT_EQ(callI32(ic, "$mA$callt", {2}), 70);
  wasm_runtime_deinstantiate(ic);
  wasm_runtime_unload(f);
  wasm_runtime_unload(c);
}

TEST_F(MultiModuleTest, PatchImportsRepointsSlots) {
  wasm_module_t m = load("mC");
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_function_inst_t a = wasm_runtime_lookup_function(inst, "$mA$A", nullptr);
  wasm_function_inst_t c = wasm_runtime_lookup_function(inst, "C", nullptr);
  EXPECT_EQ(strata_runtime_patch_imports(inst, a, c), 2u);  // mC's and mB's import of A
  EXPECT_EQ(callI32(inst, "$mB$call_A"), 12);
  EXPECT_EQ(callI32(inst, "call_A"), 12);
  EXPECT_EQ(strata_runtime_patch_imports(inst, c, a), 2u);
  EXPECT_EQ(callI32(inst, "call_A"), 10);
  // Different signatures are refused.
  EXPECT_EQ(strata_runtime_patch_imports(inst, a, wasm_runtime_lookup_function(inst, "$mA$read", nullptr)), 0u);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

#ifndef STRATA_LOOP_ITERS
#define STRATA_LOOP_ITERS 1000
#endif

size_t residentBytes() {
  std::ifstream in("/proc/self/statm");
  size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

#if defined(__SANITIZE_ADDRESS__)
#define STRATA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STRATA_ASAN 1
#endif
#endif

TEST_F(MultiModuleTest, LoadRunUnloadLoopDoesNotGrow) {
#ifdef STRATA_ASAN
  const int kIterations = 100;  // LSan checks leaks; RSS means little under ASan
#else
  const int kIterations = STRATA_LOOP_ITERS;
#endif
  std::vector<uint8_t> bytes = readWasm("mC");
  size_t before = 0;
  for (int i = 0; i < kIterations; ++i) {
    if (i == kIterations / 10) before = residentBytes();
    char err[256];
    wasm_module_t m = wasm_runtime_load(bytes.data(), static_cast<uint32_t>(bytes.size()), err, sizeof err);
    ASSERT_NE(m, nullptr) << err;
    wasm_module_inst_t inst = wasm_runtime_instantiate(m, 16 * 1024, 0, err, sizeof err);
    ASSERT_NE(inst, nullptr) << err;
    wasm_function_inst_t f = wasm_runtime_lookup_function(inst, "call_B", nullptr);
    wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 16 * 1024);
    uint32_t argv[1] = {0};
    ASSERT_TRUE(wasm_runtime_call_wasm(env, f, 0, argv));
    ASSERT_EQ(argv[0], 11u);
    wasm_runtime_destroy_exec_env(env);
    wasm_runtime_deinstantiate(inst);
    wasm_runtime_unload(m);
    // Each buffer back exactly once; then forget them, so that the log
    // itself does not grow.
    ASSERT_EQ(readerLog().destroyCount(), 2);
    ASSERT_EQ(readerLog().destroyed, readerLog().given);
    readerLog().given.clear();
    readerLog().destroyed.clear();
  }
  size_t after = residentBytes();
  EXPECT_EQ(readerLog().readCount(), 2 * kIterations);
  long growth = static_cast<long>(after) - static_cast<long>(before);
  std::printf("RSS over %d load/instantiate/call/unload iterations: %zu -> %zu bytes (%+ld)\n", kIterations, before,
              after, growth);
#ifndef STRATA_ASAN
  EXPECT_LT(growth, 1024 * 1024);
#endif
}

}  // namespace
