// <wasm_export.h> included before <wasm.h> in one file, as a WAMR embedder
// may include wasm_export.h and wasm_c_api.h: wasm_val_t is wasm_export.h's
// (with Strata's v128 member, larger than wasm.h's), and wasm.h renames the
// functions that take arrays of values (the value vectors, wasm_func_new,
// wasm_func_new_with_env, wasm_func_call) to entry points for that layout.
// The other order is c_api_wasm_h_first_test.cpp.
#include "c_api_multi_test.h"  // wasm_export.h

#include <wasm.h>

using namespace strata_test;

namespace {

#if UINTPTR_MAX == UINT64_MAX
static_assert(sizeof(wasm_val_t) == 24, "wasm_export.h's wasm_val_t, with its v128 member");
#endif

// A store with the refs module instantiated, through the standard API.
class CApiExportFirst : public ::testing::Test {
 protected:
  void SetUp() override {
    if (multiWasmDir().empty()) GTEST_SKIP() << "wat2wasm was not found at configure time";
    engine_ = wasm_engine_new();
    store_ = wasm_store_new(engine_);
    std::vector<uint8_t> bytes = readWasm("refs");
    wasm_byte_vec_t binary;
    wasm_byte_vec_new(&binary, bytes.size(), reinterpret_cast<const wasm_byte_t*>(bytes.data()));
    module_ = wasm_module_new(store_, &binary);
    wasm_byte_vec_delete(&binary);
    ASSERT_NE(module_, nullptr);
    wasm_extern_vec_t imports = WASM_EMPTY_VEC;
    instance_ = wasm_instance_new(store_, module_, &imports, nullptr);
    ASSERT_NE(instance_, nullptr);
    wasm_module_exports(module_, &types_);
    wasm_instance_exports(instance_, &exports_);
  }
  void TearDown() override {
    if (!store_) return;
    wasm_extern_vec_delete(&exports_);
    wasm_exporttype_vec_delete(&types_);
    if (instance_) wasm_instance_delete(instance_);
    if (module_) wasm_module_delete(module_);
    wasm_store_delete(store_);
    wasm_engine_delete(engine_);
  }
  const wasm_func_t* exported(const std::string& name) {
    for (size_t i = 0; i < types_.size; ++i) {
      const wasm_name_t* n = wasm_exporttype_name(types_.data[i]);
      if (std::string(n->data, n->size) == name) return wasm_extern_as_func(exports_.data[i]);
    }
    return nullptr;
  }

  wasm_engine_t* engine_ = nullptr;
  wasm_store_t* store_ = nullptr;
  wasm_module_t* module_ = nullptr;  // wasm.h's module: a wasm_module_t*
  wasm_instance_t* instance_ = nullptr;
  wasm_exporttype_vec_t types_ = WASM_EMPTY_VEC;
  wasm_extern_vec_t exports_ = WASM_EMPTY_VEC;
};

wasm_val_t i32(int32_t v) {
  wasm_val_t r;
  std::memset(&r, 0, sizeof r);
  r.kind = WASM_I32;
  r.of.i32 = v;
  return r;
}

wasm_val_t i64(int64_t v) {
  wasm_val_t r;
  std::memset(&r, 0, sizeof r);
  r.kind = WASM_I64;
  r.of.i64 = v;
  return r;
}

// Two arguments and two results, read and written at wasm_export.h's stride.
TEST_F(CApiExportFirst, FuncCallReadsExportValues) {
  wasm_val_t args[2] = {i32(-5), i64(1LL << 40)}, results[2];
  wasm_val_vec_t argVec = WASM_ARRAY_VEC(args), resultVec = WASM_ARRAY_VEC(results);
  wasm_trap_t* trap = wasm_func_call(exported("swap"), &argVec, &resultVec);
  ASSERT_EQ(trap, nullptr);
  EXPECT_EQ(results[0].kind, WASM_I64);
  EXPECT_EQ(results[0].of.i64, 1LL << 40);
  EXPECT_EQ(results[1].kind, WASM_I32);
  EXPECT_EQ(results[1].of.i32, -5);

  // An externref of this API is a reference handle (of.ref); the result is
  // a new handle to the same object, owned here.
  wasm_foreign_t* foreign = wasm_foreign_new(store_);
  wasm_val_t ref;
  std::memset(&ref, 0, sizeof ref);
  ref.kind = WASM_EXTERNREF;
  ref.of.ref = wasm_foreign_as_ref(foreign);
  wasm_val_vec_t refVec = {1, &ref}, oneResult = {1, results};
  ASSERT_EQ(wasm_func_call(exported("ext_id"), &refVec, &oneResult), nullptr);
  EXPECT_EQ(results[0].kind, WASM_EXTERNREF);
  EXPECT_TRUE(wasm_ref_same(results[0].of.ref, ref.of.ref));
  wasm_val_delete(&results[0]);
  wasm_foreign_delete(foreign);

  // Its checks are the same.
  args[1] = i32(1);
  trap = wasm_func_call(exported("swap"), &argVec, &resultVec);
  ASSERT_NE(trap, nullptr);
  wasm_trap_delete(trap);
}

struct HostCalls {
  int calls = 0;
  int finalized = 0;
};

// (i32 a, i64 b) -> (i64 b, i32 a), reading its second argument and
// writing its second result at wasm_export.h's stride.
wasm_trap_t* swapCallback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0] = i64(args->data[1].of.i64);
  results->data[1] = i32(args->data[0].of.i32);
  return nullptr;
}

wasm_trap_t* swapCallbackWithEnv(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  ++static_cast<HostCalls*>(env)->calls;
  return swapCallback(args, results);
}

void finalizeHostCalls(void* env) { ++static_cast<HostCalls*>(env)->finalized; }

TEST_F(CApiExportFirst, HostFunctionsGetExportValues) {
  wasm_functype_t* type = wasm_functype_new_2_2(wasm_valtype_new_i32(), wasm_valtype_new_i64(),
                                                wasm_valtype_new_i64(), wasm_valtype_new_i32());
  HostCalls calls;
  wasm_func_t* plain = wasm_func_new(store_, type, swapCallback);
  wasm_func_t* withEnv = wasm_func_new_with_env(store_, type, swapCallbackWithEnv, &calls, finalizeHostCalls);
  wasm_functype_delete(type);
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(withEnv, nullptr);
  for (wasm_func_t* f : {plain, withEnv}) {
    wasm_val_t args[2] = {i32(7), i64(-(1LL << 35))}, results[2];
    wasm_val_vec_t argVec = WASM_ARRAY_VEC(args), resultVec = WASM_ARRAY_VEC(results);
    ASSERT_EQ(wasm_func_call(f, &argVec, &resultVec), nullptr);
    EXPECT_EQ(results[0].kind, WASM_I64);
    EXPECT_EQ(results[0].of.i64, -(1LL << 35));
    EXPECT_EQ(results[1].kind, WASM_I32);
    EXPECT_EQ(results[1].of.i32, 7);
  }
  EXPECT_EQ(calls.calls, 1);
  wasm_func_delete(plain);  // the store keeps the function, and its env, alive
  wasm_func_delete(withEnv);
  EXPECT_EQ(calls.finalized, 0);
  TearDown();  // deleting the store runs the finalizer
  store_ = nullptr;
  EXPECT_EQ(calls.finalized, 1);
}

// A null callback makes no function, and the env is finalized at once.
TEST_F(CApiExportFirst, NullCallbackIsRefused) {
  wasm_functype_t* type = wasm_functype_new_0_0();
  HostCalls calls;
  EXPECT_EQ(wasm_func_new(store_, type, nullptr), nullptr);
  EXPECT_EQ(wasm_func_new_with_env(store_, type, nullptr, &calls, finalizeHostCalls), nullptr);
  EXPECT_EQ(calls.finalized, 1);
  wasm_functype_delete(type);
}

TEST_F(CApiExportFirst, ValueVectors) {
  wasm_val_t values[3] = {i32(1), i64(2), i32(3)};
  values[2].kind = WASM_V128;  // the vectors keep all of a value's bytes
  for (int i = 0; i < 16; ++i) values[2].of.v128[i] = uint8_t(0xa0 + i);
  wasm_val_vec_t v, copy;
  wasm_val_vec_new(&v, 3, values);
  ASSERT_EQ(v.size, 3u);
  EXPECT_EQ(v.data[1].of.i64, 2);
  EXPECT_EQ(v.data[2].of.v128[15], 0xaf);
  wasm_val_vec_copy(&copy, &v);
  ASSERT_EQ(copy.size, 3u);
  EXPECT_EQ(copy.data[0].of.i32, 1);
  EXPECT_EQ(std::memcmp(copy.data[2].of.v128, values[2].of.v128, 16), 0);
  wasm_val_vec_delete(&v);
  wasm_val_vec_delete(&copy);
  EXPECT_EQ(copy.data, nullptr);

  // References are copied and deleted as handles.
  wasm_val_vec_t refs;
  wasm_val_vec_new_uninitialized(&refs, 2);
  ASSERT_EQ(refs.size, 2u);
  wasm_foreign_t* foreign = wasm_foreign_new(store_);
  refs.data[0] = i32(0);
  refs.data[1].kind = WASM_EXTERNREF;
  refs.data[1].of.ref = wasm_foreign_as_ref(foreign);  // the vector owns it now
  wasm_val_vec_t refsCopy;
  wasm_val_vec_copy(&refsCopy, &refs);
  EXPECT_NE(refsCopy.data[1].of.ref, refs.data[1].of.ref);
  EXPECT_TRUE(wasm_ref_same(refsCopy.data[1].of.ref, refs.data[1].of.ref));
  wasm_val_vec_delete(&refs);
  wasm_val_vec_delete(&refsCopy);
}

// wasm_export.h in the same file keeps its own wasm_val_t, v128 included.
class CApiExportFirstCalls : public CApiTest {};

TEST_F(CApiExportFirstCalls, CallWasmAKeepsV128) {
  wasm_module_t m = load("refs");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 32 * 1024);
  wasm_val_t args[7], results[2];
  std::memset(args, 0, sizeof args);
  const wasm_valkind_t kinds[7] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_V128, WASM_EXTERNREF, WASM_FUNCREF};
  for (int i = 0; i < 7; ++i) args[i].kind = kinds[i];
  args[3].of.f64 = 2.5;
  args[5].of.foreign = uintptr_t(0x77);
  ASSERT_TRUE(wasm_runtime_call_wasm_a(env, wasm_runtime_lookup_function(inst, "kinds", nullptr), 2, results, 7, args))
      << wasm_runtime_get_exception(inst);
  EXPECT_EQ(results[0].of.f64, 3.5);
  EXPECT_EQ(results[1].kind, WASM_EXTERNREF);
  EXPECT_EQ(results[1].of.foreign, uintptr_t(0x77));
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

}  // namespace
