// <wasm.h> included before <wasm_export.h> in one file, as a WAMR embedder
// may include wasm_c_api.h and wasm_export.h: wasm_val_t is wasm.h's, and
// wasm_export.h renames wasm_runtime_call_wasm_a / _v to entry points that
// read and write arrays of that layout. The other order is
// c_api_export_first_test.cpp; header_pair.c checks both compile in C.
#include <wasm.h>

#include "c_api_multi_test.h"  // wasm_export.h

using namespace strata_test;

namespace {

#if UINTPTR_MAX == UINT64_MAX
static_assert(sizeof(wasm_val_t) == 16, "wasm.h's wasm_val_t, the standard C API's layout");
#endif

class CApiWasmHFirst : public CApiTest {
 protected:
  void SetUp() override {
    CApiTest::SetUp();
    if (IsSkipped()) return;
    module_ = load("refs");
    ASSERT_NE(module_, nullptr);
    inst_ = instantiate(module_);
    ASSERT_NE(inst_, nullptr);
    env_ = wasm_runtime_create_exec_env(inst_, 32 * 1024);
  }
  void TearDown() override {
    if (env_) wasm_runtime_destroy_exec_env(env_);
    if (inst_) wasm_runtime_deinstantiate(inst_);
    if (module_) wasm_runtime_unload(module_);
    CApiTest::TearDown();
  }
  wasm_function_inst_t lookup(const char* name) { return wasm_runtime_lookup_function(inst_, name, nullptr); }

  wasm_module_t module_ = nullptr;
  wasm_module_inst_t inst_ = nullptr;
  wasm_exec_env_t env_ = nullptr;
};

// Two arguments and two results: each read and written at wasm.h's stride.
TEST_F(CApiWasmHFirst, CallWasmAReadsWasmHValues) {
  wasm_val_t args[2], results[2];
  args[0].kind = WASM_I32;
  args[0].of.i32 = -5;
  args[1].kind = WASM_I64;
  args[1].of.i64 = 1LL << 40;
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env_, lookup("swap"), 2, results, 2, args))
      << wasm_runtime_get_exception(inst_);
  EXPECT_EQ(results[0].kind, WASM_I64);
  EXPECT_EQ(results[0].of.i64, 1LL << 40);
  EXPECT_EQ(results[1].kind, WASM_I32);
  EXPECT_EQ(results[1].of.i32, -5);

  // An externref is of.foreign here too (a Strata addition to wasm.h's value).
  wasm_val_t ref;
  ref.kind = WASM_EXTERNREF;
  ref.of.foreign = uintptr_t(0xfeedf00d);
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env_, lookup("ext_id"), 1, results, 1, &ref));
  EXPECT_EQ(results[0].kind, WASM_EXTERNREF);
  EXPECT_EQ(results[0].of.foreign, uintptr_t(0xfeedf00d));

  // The checks of the call itself are the same.
  args[1].kind = WASM_F64;
  EXPECT_FALSE(wasm_runtime_call_wasm_a(env_, lookup("swap"), 2, results, 2, args));
  EXPECT_STREQ(wasm_runtime_get_exception(inst_), "Exception: argument 1 is not an i64");
  EXPECT_FALSE(wasm_runtime_call_wasm_a(env_, lookup("swap"), 1, results, 2, args));
  EXPECT_STREQ(wasm_runtime_get_exception(inst_), "Exception: invalid result count: expected 2, got 1");
}

TEST_F(CApiWasmHFirst, CallWasmVWritesWasmHValues) {
  wasm_val_t results[2];
  ASSERT_TRUE(wasm_runtime_call_wasm_v(env_, lookup("swap"), 2, results, 2, int32_t(3), int64_t(-4)))
      << wasm_runtime_get_exception(inst_);
  EXPECT_EQ(results[0].kind, WASM_I64);
  EXPECT_EQ(results[0].of.i64, -4);
  EXPECT_EQ(results[1].kind, WASM_I32);
  EXPECT_EQ(results[1].of.i32, 3);
  ASSERT_TRUE(wasm_runtime_call_wasm_v(env_, lookup("ext_id"), 1, results, 1, uintptr_t(99)));
  EXPECT_EQ(results[0].of.foreign, uintptr_t(99));
}

// wasm.h's wasm_val_t has no room for a v128: such functions are refused
// before anything runs.
TEST_F(CApiWasmHFirst, V128FunctionsAreRefused) {
  wasm_val_t args[7], results[2];
  std::memset(args, 0, sizeof args);
  EXPECT_FALSE(wasm_runtime_call_wasm_a(env_, lookup("kinds"), 2, results, 7, args));
  const char* ex = wasm_runtime_get_exception(inst_);
  ASSERT_NE(ex, nullptr);
  EXPECT_NE(std::string(ex).find("needs wasm_export.h's wasm_val_t"), std::string::npos) << ex;
  wasm_runtime_clear_exception(inst_);
  EXPECT_FALSE(wasm_runtime_call_wasm_v(env_, lookup("kinds"), 2, results, 7, 0, int64_t(0), 0.0, 0.0));
  EXPECT_NE(wasm_runtime_get_exception(inst_), nullptr);
}

// The standard API in the same file is unchanged.
TEST(CApiWasmHFirstStandardApi, FuncCall) {
  if (multiWasmDir().empty()) GTEST_SKIP() << "wat2wasm was not found at configure time";
  std::vector<uint8_t> bytes = readWasm("refs");
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, bytes.size(), reinterpret_cast<const wasm_byte_t*>(bytes.data()));
  wasm_module_t* module = wasm_module_new(store, &binary);  // wasm.h's module: a wasm_module_t*
  wasm_byte_vec_delete(&binary);
  ASSERT_NE(module, nullptr);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, nullptr);
  ASSERT_NE(instance, nullptr);
  wasm_exporttype_vec_t types;
  wasm_module_exports(module, &types);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  const wasm_func_t* swap = nullptr;
  for (size_t i = 0; i < types.size; ++i) {
    const wasm_name_t* name = wasm_exporttype_name(types.data[i]);
    if (std::string(name->data, name->size) == "swap") swap = wasm_extern_as_func(exports.data[i]);
  }
  ASSERT_NE(swap, nullptr);
  wasm_val_t args[2], results[2];
  args[0].kind = WASM_I32;
  args[0].of.i32 = 1;
  args[1].kind = WASM_I64;
  args[1].of.i64 = 2;
  wasm_val_vec_t argVec = WASM_ARRAY_VEC(args), resultVec = WASM_ARRAY_VEC(results);
  wasm_trap_t* trap = wasm_func_call(swap, &argVec, &resultVec);
  EXPECT_EQ(trap, nullptr);
  EXPECT_EQ(results[0].of.i64, 2);
  EXPECT_EQ(results[1].of.i32, 1);
  wasm_extern_vec_delete(&exports);
  wasm_exporttype_vec_delete(&types);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

}  // namespace
