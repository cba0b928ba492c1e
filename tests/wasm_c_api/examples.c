/* The standard C API (<wasm.h>) used as its upstream examples use it
 * (WebAssembly/wasm-c-api's example/: hello, callback, global, memory,
 * table, multi, reflect, serialize, start, trap, finalize, hostref,
 * threads), checking what they check, plus the failure paths a careful
 * embedder hits. Written here; the modules are the .wat files beside it.
 *
 *   wasm_c_api_examples DIR EXAMPLE     (DIR holds EXAMPLE.wasm)
 *
 * Exit status 0 when every check holds. ctest runs each example in each
 * tier (STRATA_TIER). */
#include <wasm.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* g_dir;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
      exit(1);                                                                  \
    }                                                                           \
  } while (0)

static void read_binary(const char* name, wasm_byte_vec_t* out) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.wasm", g_dir, name);
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_new_uninitialized(out, (size_t)size);
  CHECK(fread(out->data, 1, (size_t)size, f) == (size_t)size);
  fclose(f);
}

static wasm_module_t* load(wasm_store_t* store, const char* name) {
  wasm_byte_vec_t binary;
  read_binary(name, &binary);
  CHECK(wasm_module_validate(store, &binary));
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  return module;
}

/* The trap's message as a C string (owned by the caller). */
static char* message_of(wasm_trap_t* trap) {
  wasm_message_t m;
  wasm_trap_message(trap, &m);
  CHECK(m.size > 0 && m.data[m.size - 1] == '\0');
  char* s = (char*)malloc(m.size);
  CHECK(s != NULL);
  memcpy(s, m.data, m.size);
  wasm_byte_vec_delete(&m);
  return s;
}

static void check_trap(wasm_trap_t* trap, const char* expected) {
  CHECK(trap != NULL);
  char* m = message_of(trap);
  if (!strstr(m, expected)) {
    fprintf(stderr, "trap message \"%s\" does not contain \"%s\"\n", m, expected);
    exit(1);
  }
  free(m);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  wasm_frame_vec_delete(&trace);
  wasm_frame_t* origin = wasm_trap_origin(trap);
  if (origin) wasm_frame_delete(origin);
  wasm_trap_delete(trap);
}

static wasm_func_t* export_func(const wasm_extern_vec_t* exports, size_t i) {
  CHECK(i < exports->size);
  wasm_func_t* f = wasm_extern_as_func(exports->data[i]);
  CHECK(f != NULL);
  return f;
}

/* ---------------------------------------------------------------- hello */

static int hello_calls;

static wasm_trap_t* hello_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(args->size == 0 && results->size == 0);
  ++hello_calls;
  return NULL;
}

static void example_hello(wasm_store_t* store) {
  wasm_module_t* module = load(store, "hello");
  wasm_functype_t* type = wasm_functype_new_0_0();
  wasm_func_t* hello = wasm_func_new(store, type, hello_callback);
  wasm_functype_delete(type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(hello)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL && trap == NULL);
  wasm_func_delete(hello);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 1);
  wasm_func_t* run = export_func(&exports, 0);
  wasm_val_vec_t args = WASM_EMPTY_VEC, results = WASM_EMPTY_VEC;
  for (int i = 0; i < 1000; ++i) CHECK(wasm_func_call(run, &args, &results) == NULL);  /* tiers up */
  CHECK(hello_calls == 1000);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);

  /* The wrong number of imports, and a global where a function belongs. */
  wasm_extern_vec_t none = WASM_EMPTY_VEC;
  CHECK(wasm_instance_new(store, module, &none, &trap) == NULL);
  check_trap(trap, "imports");
  wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  wasm_val_t zero = WASM_I32_VAL(0);
  wasm_global_t* g = wasm_global_new(store, gt, &zero);
  wasm_globaltype_delete(gt);
  wasm_extern_t* wrong[] = {wasm_global_as_extern(g)};
  wasm_extern_vec_t wrong_imports = WASM_ARRAY_VEC(wrong);
  CHECK(wasm_instance_new(store, module, &wrong_imports, &trap) == NULL);
  check_trap(trap, "incompatible import type");
  wasm_global_delete(g);

  /* Bytes that are not a module. */
  wasm_byte_vec_t junk;
  wasm_name_new_from_string(&junk, "(module)");
  CHECK(!wasm_module_validate(store, &junk));
  CHECK(wasm_module_new(store, &junk) == NULL);
  wasm_byte_vec_delete(&junk);
  wasm_module_delete(module);
}

/* ---------------------------------------------------------------- callback */

static wasm_trap_t* print_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(args->size == 1 && args->data[0].kind == WASM_I32);
  wasm_val_copy(&results->data[0], &args->data[0]);
  return NULL;
}

static int closure_finalized;

static wasm_trap_t* closure_callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  int i = *(int*)env;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = (int32_t)i;
  return NULL;
}

static void finalize_closure(void* env) {
  CHECK(*(int*)env == 42);
  ++closure_finalized;
}

static void example_callback(wasm_store_t* store) {
  wasm_module_t* module = load(store, "callback");
  wasm_functype_t* print_type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* print = wasm_func_new(store, print_type, print_callback);
  static int i = 42;
  wasm_functype_t* closure_type = wasm_functype_new_0_1(wasm_valtype_new_i32());
  wasm_func_t* closure = wasm_func_new_with_env(store, closure_type, closure_callback, &i, finalize_closure);
  CHECK(wasm_func_param_arity(print) == 1 && wasm_func_result_arity(print) == 1);
  CHECK(wasm_func_param_arity(closure) == 0 && wasm_func_result_arity(closure) == 1);
  wasm_functype_delete(print_type);
  wasm_functype_delete(closure_type);

  wasm_extern_t* externs[] = {wasm_func_as_extern(print), wasm_func_as_extern(closure)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_func_delete(print);
  wasm_func_delete(closure);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* run = export_func(&exports, 0);
  for (int k = 0; k < 2000; ++k) {
    wasm_val_t as[2] = {WASM_I32_VAL(3), WASM_I32_VAL(k)};
    wasm_val_t rs[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(as), results = WASM_ARRAY_VEC(rs);
    CHECK(wasm_func_call(run, &args, &results) == NULL);
    CHECK(rs[0].kind == WASM_I32 && rs[0].of.i32 == 3 + k + 42);
  }
  /* Wrong argument kinds and counts are traps, not crashes. */
  wasm_val_t bad[2] = {WASM_I64_VAL(3), WASM_I32_VAL(4)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t bad_args = WASM_ARRAY_VEC(bad), results = WASM_ARRAY_VEC(rs);
  check_trap(wasm_func_call(run, &bad_args, &results), "argument 0");
  wasm_val_vec_t no_args = WASM_EMPTY_VEC;
  check_trap(wasm_func_call(run, &no_args, &results), "arguments");
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  CHECK(closure_finalized == 0); /* the store still holds the function */
}

/* ---------------------------------------------------------------- global */

static wasm_global_t* get_global(const wasm_extern_vec_t* exports, size_t i) {
  CHECK(i < exports->size);
  wasm_global_t* g = wasm_extern_as_global(exports->data[i]);
  CHECK(g != NULL);
  return g;
}

static wasm_val_t call0(wasm_func_t* f) {
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_EMPTY_VEC, results = WASM_ARRAY_VEC(rs);
  CHECK(wasm_func_call(f, &args, &results) == NULL);
  return rs[0];
}

static void call1(wasm_func_t* f, wasm_val_t arg) {
  wasm_val_t as[1] = {arg};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as), results = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(f, &args, &results) == NULL);
}

static void example_global(wasm_store_t* store) {
  wasm_module_t* module = load(store, "global");
  wasm_globaltype_t* const_f32_type = wasm_globaltype_new(wasm_valtype_new(WASM_F32), WASM_CONST);
  wasm_globaltype_t* const_i64_type = wasm_globaltype_new(wasm_valtype_new(WASM_I64), WASM_CONST);
  wasm_globaltype_t* var_f32_type = wasm_globaltype_new(wasm_valtype_new(WASM_F32), WASM_VAR);
  wasm_globaltype_t* var_i64_type = wasm_globaltype_new(wasm_valtype_new(WASM_I64), WASM_VAR);
  wasm_val_t v1 = WASM_F32_VAL(1), v2 = WASM_I64_VAL(2), v3 = WASM_F32_VAL(3), v4 = WASM_I64_VAL(4);
  wasm_global_t* const_f32_import = wasm_global_new(store, const_f32_type, &v1);
  wasm_global_t* const_i64_import = wasm_global_new(store, const_i64_type, &v2);
  wasm_global_t* var_f32_import = wasm_global_new(store, var_f32_type, &v3);
  wasm_global_t* var_i64_import = wasm_global_new(store, var_i64_type, &v4);
  /* A value of the wrong kind is refused. */
  CHECK(wasm_global_new(store, const_f32_type, &v2) == NULL);
  wasm_globaltype_delete(const_f32_type);
  wasm_globaltype_delete(const_i64_type);
  wasm_globaltype_delete(var_f32_type);
  wasm_globaltype_delete(var_i64_type);

  wasm_extern_t* externs[] = {wasm_global_as_extern(const_f32_import), wasm_global_as_extern(const_i64_import),
                              wasm_global_as_extern(var_f32_import), wasm_global_as_extern(var_i64_import)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  size_t i = 0;
  wasm_global_t* const_f32_export = get_global(&exports, i++);
  wasm_global_t* const_i64_export = get_global(&exports, i++);
  wasm_global_t* var_f32_export = get_global(&exports, i++);
  wasm_global_t* var_i64_export = get_global(&exports, i++);
  wasm_func_t* get_const_f32_import = export_func(&exports, i++);
  wasm_func_t* get_const_i64_import = export_func(&exports, i++);
  wasm_func_t* get_var_f32_import = export_func(&exports, i++);
  wasm_func_t* get_var_i64_import = export_func(&exports, i++);
  wasm_func_t* get_var_f32_export = export_func(&exports, i++);
  wasm_func_t* get_var_i64_export = export_func(&exports, i++);
  wasm_func_t* set_var_f32_import = export_func(&exports, i++);
  wasm_func_t* set_var_i64_import = export_func(&exports, i++);
  wasm_func_t* set_var_f32_export = export_func(&exports, i++);
  wasm_func_t* set_var_i64_export = export_func(&exports, i++);

  wasm_globaltype_t* t = wasm_global_type(var_f32_export);
  CHECK(wasm_globaltype_mutability(t) == WASM_VAR && wasm_valtype_kind(wasm_globaltype_content(t)) == WASM_F32);
  wasm_globaltype_delete(t);

  wasm_val_t v;
  wasm_global_get(const_f32_import, &v);
  CHECK(v.kind == WASM_F32 && v.of.f32 == 1);
  wasm_global_get(const_i64_export, &v);
  CHECK(v.kind == WASM_I64 && v.of.i64 == 6);
  wasm_global_get(var_f32_export, &v);
  CHECK(v.of.f32 == 7);
  wasm_global_get(const_f32_export, &v);
  CHECK(v.of.f32 == 5);
  CHECK(call0(get_const_f32_import).of.f32 == 1);
  CHECK(call0(get_const_i64_import).of.i64 == 2);
  CHECK(call0(get_var_f32_import).of.f32 == 3);
  CHECK(call0(get_var_i64_import).of.i64 == 4);
  CHECK(call0(get_var_f32_export).of.f32 == 7);
  CHECK(call0(get_var_i64_export).of.i64 == 8);

  /* Host-side sets are seen by the guest, and guest sets by the host. */
  wasm_val_t v33 = WASM_F32_VAL(33), v34 = WASM_I64_VAL(34), v37 = WASM_F32_VAL(37), v38 = WASM_I64_VAL(38);
  wasm_global_set(var_f32_import, &v33);
  wasm_global_set(var_i64_import, &v34);
  wasm_global_set(var_f32_export, &v37);
  wasm_global_set(var_i64_export, &v38);
  CHECK(call0(get_var_f32_import).of.f32 == 33);
  CHECK(call0(get_var_i64_import).of.i64 == 34);
  CHECK(call0(get_var_f32_export).of.f32 == 37);
  CHECK(call0(get_var_i64_export).of.i64 == 38);
  wasm_val_t v73 = WASM_F32_VAL(73), v74 = WASM_I64_VAL(74), v77 = WASM_F32_VAL(77), v78 = WASM_I64_VAL(78);
  call1(set_var_f32_import, v73);
  call1(set_var_i64_import, v74);
  call1(set_var_f32_export, v77);
  call1(set_var_i64_export, v78);
  wasm_global_get(var_f32_import, &v);
  CHECK(v.of.f32 == 73);
  wasm_global_get(var_i64_import, &v);
  CHECK(v.of.i64 == 74);
  wasm_global_get(var_f32_export, &v);
  CHECK(v.of.f32 == 77);
  wasm_global_get(var_i64_export, &v);
  CHECK(v.of.i64 == 78);
  /* An immutable global keeps its value. */
  wasm_global_set(const_i64_export, &v34);
  wasm_global_get(const_i64_export, &v);
  CHECK(v.of.i64 == 6);

  wasm_global_delete(const_f32_import);
  wasm_global_delete(const_i64_import);
  wasm_global_delete(var_f32_import);
  wasm_global_delete(var_i64_import);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

/* ---------------------------------------------------------------- memory */

static int32_t call_i32(wasm_func_t* f, int n, int32_t a, int32_t b, bool* trapped) {
  wasm_val_t as[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = {(size_t)n, as};
  wasm_val_vec_t results = {wasm_func_result_arity(f), rs};
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  *trapped = trap != NULL;
  if (trap) wasm_trap_delete(trap);
  return rs[0].of.i32;
}

static void example_memory(wasm_store_t* store) {
  wasm_module_t* module = load(store, "memory");
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_memory_t* memory = wasm_extern_as_memory(exports.data[0]);
  CHECK(memory != NULL);
  wasm_func_t* size = export_func(&exports, 1);
  wasm_func_t* load_fn = export_func(&exports, 2);
  wasm_func_t* store_fn = export_func(&exports, 3);
  bool trapped;

  CHECK(wasm_memory_size(memory) == 2);
  CHECK(wasm_memory_data_size(memory) == 0x20000);
  CHECK(wasm_memory_data(memory)[0] == 0 && wasm_memory_data(memory)[0x1000] == 1 &&
        wasm_memory_data(memory)[0x1003] == 4);
  CHECK(call_i32(size, 0, 0, 0, &trapped) == 2 && !trapped);
  CHECK(call_i32(load_fn, 1, 0, 0, &trapped) == 0 && !trapped);
  CHECK(call_i32(load_fn, 1, 0x1002, 0, &trapped) == 3 && !trapped);
  CHECK(call_i32(load_fn, 1, 0x1ffff, 0, &trapped) == 0 && !trapped);
  call_i32(load_fn, 1, 0x20000, 0, &trapped);
  CHECK(trapped);

  /* Writes from either side. */
  wasm_memory_data(memory)[0x1003] = 5;
  call_i32(store_fn, 2, 0x1002, 6, &trapped);
  CHECK(!trapped);
  call_i32(store_fn, 2, 0x20000, 0, &trapped);
  CHECK(trapped);
  CHECK(wasm_memory_data(memory)[0x1002] == 6 && call_i32(load_fn, 1, 0x1003, 0, &trapped) == 5);

  /* Growth up to the maximum (3 pages). */
  CHECK(wasm_memory_grow(memory, 1));
  CHECK(wasm_memory_size(memory) == 3 && wasm_memory_data_size(memory) == 0x30000);
  CHECK(call_i32(load_fn, 1, 0x20000, 0, &trapped) == 0 && !trapped);
  call_i32(load_fn, 1, 0x30000, 0, &trapped);
  CHECK(trapped);
  CHECK(!wasm_memory_grow(memory, 1));
  CHECK(wasm_memory_grow(memory, 0));

  /* A memory made by the host. */
  wasm_limits_t limits = {5, 5};
  wasm_memorytype_t* type = wasm_memorytype_new(&limits);
  wasm_memory_t* memory2 = wasm_memory_new(store, type);
  wasm_memorytype_delete(type);
  CHECK(memory2 != NULL && wasm_memory_size(memory2) == 5);
  CHECK(!wasm_memory_grow(memory2, 1));
  CHECK(wasm_memory_grow(memory2, 0));
  wasm_memorytype_t* t2 = wasm_memory_type(memory2);
  CHECK(wasm_memorytype_limits(t2)->min == 5 && wasm_memorytype_limits(t2)->max == 5);
  wasm_memorytype_delete(t2);
  wasm_memory_delete(memory2);
  wasm_limits_t bad = {7, 5};
  wasm_memorytype_t* bad_type = wasm_memorytype_new(&bad);
  CHECK(wasm_memory_new(store, bad_type) == NULL);
  wasm_memorytype_delete(bad_type);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

/* ---------------------------------------------------------------- table */

static wasm_trap_t* neg_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = -args->data[0].of.i32;
  return NULL;
}

static void example_table(wasm_store_t* store) {
  wasm_module_t* module = load(store, "table");
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_table_t* table = wasm_extern_as_table(exports.data[0]);
  CHECK(table != NULL);
  wasm_func_t* call_indirect = export_func(&exports, 1);
  wasm_func_t* f = export_func(&exports, 2);
  wasm_func_t* g = export_func(&exports, 3);
  bool trapped;

  wasm_functype_t* neg_type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* h = wasm_func_new(store, neg_type, neg_callback);
  wasm_functype_delete(neg_type);

  CHECK(wasm_table_size(table) == 2);
  CHECK(wasm_table_get(table, 0) == NULL);
  wasm_ref_t* r1 = wasm_table_get(table, 1);
  CHECK(r1 != NULL && wasm_ref_same(r1, wasm_func_as_ref(f)));
  wasm_ref_delete(r1);
  CHECK(wasm_table_get(table, 2) == NULL); /* out of bounds */

  call_i32(call_indirect, 2, 7, 0, &trapped);
  CHECK(trapped);
  CHECK(call_i32(call_indirect, 2, 7, 1, &trapped) == 7 && !trapped);
  call_i32(call_indirect, 2, 0, 2, &trapped);
  CHECK(trapped);

  CHECK(wasm_table_set(table, 0, wasm_func_as_ref(g)));
  CHECK(wasm_table_set(table, 1, NULL));
  CHECK(!wasm_table_set(table, 2, wasm_func_as_ref(f)));
  CHECK(call_i32(call_indirect, 2, 7, 0, &trapped) == 666 && !trapped);
  call_i32(call_indirect, 2, 7, 1, &trapped);
  CHECK(trapped);

  /* A host function in the table, called indirectly. */
  CHECK(wasm_table_set(table, 1, wasm_func_as_ref(h)));
  CHECK(call_i32(call_indirect, 2, 7, 1, &trapped) == -7 && !trapped);
  wasm_ref_t* rh = wasm_table_get(table, 1);
  CHECK(rh != NULL && wasm_ref_same(rh, wasm_func_as_ref(h)));
  wasm_ref_delete(rh);

  CHECK(wasm_table_grow(table, 3, NULL));
  CHECK(wasm_table_size(table) == 5);
  CHECK(wasm_table_set(table, 4, wasm_func_as_ref(f)));
  CHECK(call_i32(call_indirect, 2, 5, 4, &trapped) == 5 && !trapped);
  CHECK(!wasm_table_grow(table, 6, NULL)); /* past the maximum of 10 */
  CHECK(wasm_table_grow(table, 0, NULL));

  wasm_tabletype_t* tt = wasm_table_type(table);
  CHECK(wasm_tabletype_limits(tt)->min == 5 && wasm_tabletype_limits(tt)->max == 10);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(tt)) == WASM_FUNCREF);
  wasm_tabletype_delete(tt);

  /* A table made by the host, filled with a function. */
  wasm_limits_t limits = {5, 5};
  wasm_tabletype_t* type = wasm_tabletype_new(wasm_valtype_new(WASM_FUNCREF), &limits);
  wasm_table_t* table2 = wasm_table_new(store, type, wasm_func_as_ref(h));
  wasm_tabletype_delete(type);
  CHECK(table2 != NULL && wasm_table_size(table2) == 5);
  wasm_ref_t* e = wasm_table_get(table2, 4);
  CHECK(e != NULL && wasm_ref_same(e, wasm_func_as_ref(h)));
  wasm_ref_delete(e);
  CHECK(!wasm_table_grow(table2, 1, NULL));
  wasm_table_delete(table2);

  wasm_func_delete(h);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

/* ---------------------------------------------------------------- multi */

static wasm_trap_t* multi_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(args->size == 4 && results->size == 4);
  wasm_val_copy(&results->data[0], &args->data[3]);
  wasm_val_copy(&results->data[1], &args->data[1]);
  wasm_val_copy(&results->data[2], &args->data[2]);
  wasm_val_copy(&results->data[3], &args->data[0]);
  return NULL;
}

static void example_multi(wasm_store_t* store) {
  wasm_module_t* module = load(store, "multi");
  wasm_valtype_t* ps[4] = {wasm_valtype_new_i32(), wasm_valtype_new_i64(), wasm_valtype_new_i64(),
                           wasm_valtype_new_i32()};
  wasm_valtype_t* rs[4] = {wasm_valtype_new_i32(), wasm_valtype_new_i64(), wasm_valtype_new_i64(),
                           wasm_valtype_new_i32()};
  wasm_valtype_vec_t params, results_types;
  wasm_valtype_vec_new(&params, 4, ps);
  wasm_valtype_vec_new(&results_types, 4, rs);
  wasm_functype_t* type = wasm_functype_new(&params, &results_types);
  wasm_func_t* callback = wasm_func_new(store, type, multi_callback);
  wasm_functype_delete(type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(callback)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_func_delete(callback);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* g = export_func(&exports, 0);
  for (int k = 0; k < 1000; ++k) {
    wasm_val_t as[4] = {WASM_I32_VAL(1), WASM_I64_VAL(2), WASM_I64_VAL(3), WASM_I32_VAL(4 + k)};
    wasm_val_t out[4] = {WASM_INIT_VAL, WASM_INIT_VAL, WASM_INIT_VAL, WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(as), results = WASM_ARRAY_VEC(out);
    CHECK(wasm_func_call(g, &args, &results) == NULL);
    CHECK(out[0].kind == WASM_I32 && out[0].of.i32 == 4 + k);
    CHECK(out[1].kind == WASM_I64 && out[1].of.i64 == 3);
    CHECK(out[2].kind == WASM_I64 && out[2].of.i64 == 2);
    CHECK(out[3].kind == WASM_I32 && out[3].of.i32 == 1);
  }
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

/* ---------------------------------------------------------------- reflect */

static bool name_is(const wasm_name_t* name, const char* s) {
  return name->size == strlen(s) && (name->size == 0 || memcmp(name->data, s, name->size) == 0);
}

static void example_reflect(wasm_store_t* store) {
  wasm_module_t* module = load(store, "reflect");
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_exporttype_vec_t export_types;
  wasm_module_exports(module, &export_types);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(export_types.size == 4 && exports.size == 4);
  const char* names[] = {"func", "global", "table", "memory"};
  wasm_externkind_t kinds[] = {WASM_EXTERN_FUNC, WASM_EXTERN_GLOBAL, WASM_EXTERN_TABLE, WASM_EXTERN_MEMORY};
  for (size_t i = 0; i < 4; ++i) {
    CHECK(name_is(wasm_exporttype_name(export_types.data[i]), names[i]));
    const wasm_externtype_t* declared = wasm_exporttype_type(export_types.data[i]);
    CHECK(wasm_externtype_kind(declared) == kinds[i]);
    CHECK(wasm_extern_kind(exports.data[i]) == kinds[i]);
    wasm_externtype_t* actual = wasm_extern_type(exports.data[i]);
    CHECK(wasm_externtype_kind(actual) == kinds[i]);
    wasm_externtype_delete(actual);
  }
  const wasm_functype_t* ft = wasm_externtype_as_functype_const(wasm_exporttype_type(export_types.data[0]));
  CHECK(ft != NULL);
  CHECK(wasm_functype_params(ft)->size == 3 && wasm_functype_results(ft)->size == 1);
  CHECK(wasm_valtype_kind(wasm_functype_params(ft)->data[1]) == WASM_F64);
  CHECK(wasm_valtype_is_num(wasm_functype_params(ft)->data[2]));
  CHECK(wasm_externtype_as_globaltype_const(wasm_exporttype_type(export_types.data[0])) == NULL);
  const wasm_globaltype_t* gt = wasm_externtype_as_globaltype_const(wasm_exporttype_type(export_types.data[1]));
  CHECK(gt && wasm_globaltype_mutability(gt) == WASM_CONST &&
        wasm_valtype_kind(wasm_globaltype_content(gt)) == WASM_F64);
  const wasm_tabletype_t* tt = wasm_externtype_as_tabletype_const(wasm_exporttype_type(export_types.data[2]));
  CHECK(tt && wasm_tabletype_limits(tt)->min == 0 && wasm_tabletype_limits(tt)->max == 50);
  CHECK(wasm_valtype_is_ref(wasm_tabletype_element(tt)));
  const wasm_memorytype_t* mt = wasm_externtype_as_memorytype_const(wasm_exporttype_type(export_types.data[3]));
  CHECK(mt && wasm_memorytype_limits(mt)->min == 1 && wasm_memorytype_limits(mt)->max == wasm_limits_max_default);

  /* Copies are deep and equal. */
  wasm_exporttype_vec_t copy;
  wasm_exporttype_vec_copy(&copy, &export_types);
  CHECK(copy.size == 4 && copy.data[0] != export_types.data[0]);
  CHECK(name_is(wasm_exporttype_name(copy.data[3]), "memory"));
  wasm_exporttype_vec_delete(&copy);

  /* Imports of another module. */
  wasm_module_t* global_module = load(store, "global");
  wasm_importtype_vec_t import_types;
  wasm_module_imports(global_module, &import_types);
  CHECK(import_types.size == 4);
  CHECK(name_is(wasm_importtype_module(import_types.data[2]), ""));
  CHECK(name_is(wasm_importtype_name(import_types.data[2]), "var f32"));
  const wasm_globaltype_t* igt = wasm_externtype_as_globaltype_const(wasm_importtype_type(import_types.data[2]));
  CHECK(igt && wasm_globaltype_mutability(igt) == WASM_VAR);
  wasm_importtype_vec_delete(&import_types);
  wasm_module_delete(global_module);

  wasm_extern_vec_delete(&exports);
  wasm_exporttype_vec_delete(&export_types);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

/* ---------------------------------------------------------------- serialize */

static void example_serialize(wasm_store_t* store) {
  wasm_module_t* module = load(store, "hello");
  wasm_byte_vec_t serialized;
  wasm_module_serialize(module, &serialized);
  wasm_module_delete(module);
  wasm_module_t* deserialized = wasm_module_deserialize(store, &serialized);
  CHECK(deserialized != NULL);
  /* Damaged data is refused. */
  serialized.data[0] ^= 1;
  CHECK(wasm_module_deserialize(store, &serialized) == NULL);
  wasm_byte_vec_delete(&serialized);

  wasm_functype_t* type = wasm_functype_new_0_0();
  wasm_func_t* hello = wasm_func_new(store, type, hello_callback);
  wasm_functype_delete(type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(hello)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, deserialized, &imports, NULL);
  CHECK(instance != NULL);
  wasm_func_delete(hello);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_val_vec_t none = WASM_EMPTY_VEC, no_results = WASM_EMPTY_VEC;
  hello_calls = 0;
  CHECK(wasm_func_call(export_func(&exports, 0), &none, &no_results) == NULL);
  CHECK(hello_calls == 1);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(deserialized);
}

/* ---------------------------------------------------------------- start */

static void example_start(wasm_store_t* store) {
  wasm_module_t* module = load(store, "start");
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_trap_t* trap = NULL;
  CHECK(wasm_instance_new(store, module, &imports, &trap) == NULL);
  check_trap(trap, "unreachable");
  CHECK(wasm_instance_new(store, module, &imports, NULL) == NULL); /* no trap wanted */
  wasm_module_delete(module);
}

/* ---------------------------------------------------------------- trap */

static wasm_trap_t* fail_callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "callback abort");
  wasm_trap_t* trap = wasm_trap_new((wasm_store_t*)env, &message);
  wasm_name_delete(&message);
  return trap;
}

static void example_trap(wasm_store_t* store) {
  wasm_module_t* module = load(store, "trap");
  wasm_functype_t* type = wasm_functype_new_0_1(wasm_valtype_new_i32());
  wasm_func_t* fail = wasm_func_new_with_env(store, type, fail_callback, store, NULL);
  wasm_functype_delete(type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(fail)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_func_delete(fail);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  for (int k = 0; k < 600; ++k) { /* traps keep working after tier-up */
    /* The frames: the function that trapped (a host function is not a
     * frame), at function granularity (func_offset 0). */
    for (size_t which = 0; k % 100 == 0 && which < 2; ++which) {
      wasm_val_t rs0[1] = {WASM_INIT_VAL};
      wasm_val_vec_t args0 = WASM_EMPTY_VEC, results0 = WASM_ARRAY_VEC(rs0);
      wasm_trap_t* t = wasm_func_call(export_func(&exports, which), &args0, &results0);
      CHECK(t != NULL);
      wasm_frame_t* origin = wasm_trap_origin(t);
      CHECK(origin != NULL && wasm_frame_func_index(origin) == 1 + which && wasm_frame_func_offset(origin) == 0);
      CHECK(wasm_frame_module_offset(origin) > 0);
      CHECK(wasm_frame_instance(origin) != NULL && wasm_instance_same(wasm_frame_instance(origin), instance));
      wasm_frame_t* copy = wasm_frame_copy(origin);
      wasm_frame_delete(origin);
      CHECK(wasm_frame_func_index(copy) == 1 + which);
      wasm_frame_delete(copy);
      wasm_frame_vec_t trace;
      wasm_trap_trace(t, &trace);
      CHECK(trace.size == 1 && wasm_frame_func_index(trace.data[0]) == 1 + which);
      wasm_frame_vec_delete(&trace);
      wasm_trap_delete(t);
    }
    wasm_val_t rs[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_EMPTY_VEC, results = WASM_ARRAY_VEC(rs);
    check_trap(wasm_func_call(export_func(&exports, 0), &args, &results), "callback abort");
    check_trap(wasm_func_call(export_func(&exports, 1), &args, &results), "unreachable");
  }
  /* A trap made by the host keeps its message and host info. */
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "made here");
  wasm_trap_t* t = wasm_trap_new(store, &message);
  wasm_name_delete(&message);
  wasm_trap_set_host_info(t, (void*)7);
  wasm_trap_t* copy = wasm_trap_copy(t);
  CHECK(wasm_trap_same(t, copy) && wasm_trap_get_host_info(copy) == (void*)7);
  wasm_trap_delete(copy);
  check_trap(t, "made here");
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

/* ---------------------------------------------------------------- finalize */

enum { kInstances = 2000 };
static int live_count;

static void finalize(void* data) {
  intptr_t i = (intptr_t)data;
  CHECK(i >= 0 && i <= kInstances);
  --live_count;
}

static void example_finalize(wasm_engine_t* engine) {
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load(store, "finalize");
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  for (int i = 0; i <= kInstances; ++i) {
    wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
    CHECK(instance != NULL);
    wasm_instance_set_host_info_with_finalizer(instance, (void*)(intptr_t)i, finalize);
    CHECK(wasm_instance_get_host_info(instance) == (void*)(intptr_t)i);
    wasm_instance_delete(instance);
    ++live_count;
  }
  wasm_module_set_host_info_with_finalizer(module, (void*)(intptr_t)0, finalize);
  ++live_count;
  wasm_module_delete(module);
  CHECK(live_count == kInstances + 2); /* nothing finalized while the store lives */
  wasm_store_delete(store);
  CHECK(live_count == 0);
}

/* ---------------------------------------------------------------- hostref */

static wasm_trap_t* identity_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(args->size == 1 && args->data[0].kind == WASM_EXTERNREF);
  wasm_val_copy(&results->data[0], &args->data[0]);
  return NULL;
}

static void check_ref(wasm_ref_t* actual, const wasm_ref_t* expected) {
  if (actual != expected && !(actual && expected && wasm_ref_same(actual, expected))) {
    fprintf(stderr, "wrong reference: expected host info %p, got %p\n",
            expected ? wasm_ref_get_host_info(expected) : NULL, actual ? wasm_ref_get_host_info(actual) : NULL);
    exit(1);
  }
  if (actual) {
    CHECK(wasm_ref_get_host_info(actual) == wasm_ref_get_host_info(expected));
    wasm_ref_delete(actual);
  }
}

static wasm_ref_t* call_r_r(wasm_func_t* f, wasm_ref_t* r) {
  wasm_val_t as[1] = {WASM_REF_VAL(r)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as), results = WASM_ARRAY_VEC(rs);
  CHECK(wasm_func_call(f, &args, &results) == NULL);
  CHECK(rs[0].kind == WASM_EXTERNREF);
  return rs[0].of.ref;
}

static void call_v_r(wasm_func_t* f, wasm_ref_t* r) {
  wasm_val_t as[1] = {WASM_REF_VAL(r)};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as), results = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(f, &args, &results) == NULL);
}

static wasm_ref_t* call_r_v(wasm_func_t* f) {
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_EMPTY_VEC, results = WASM_ARRAY_VEC(rs);
  CHECK(wasm_func_call(f, &args, &results) == NULL);
  return rs[0].of.ref;
}

static void call_ir_v(wasm_func_t* f, int32_t i, wasm_ref_t* r) {
  wasm_val_t as[2] = {WASM_I32_VAL(i), WASM_REF_VAL(r)};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as), results = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(f, &args, &results) == NULL);
}

static wasm_ref_t* call_i_r(wasm_func_t* f, int32_t i) {
  wasm_val_t as[1] = {WASM_I32_VAL(i)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as), results = WASM_ARRAY_VEC(rs);
  CHECK(wasm_func_call(f, &args, &results) == NULL);
  return rs[0].of.ref;
}

static void example_hostref(wasm_store_t* store) {
  wasm_module_t* module = load(store, "hostref");
  wasm_functype_t* type = wasm_functype_new_1_1(wasm_valtype_new_externref(), wasm_valtype_new_externref());
  wasm_func_t* callback = wasm_func_new(store, type, identity_callback);
  wasm_functype_delete(type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(callback)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_func_delete(callback);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_global_t* global = get_global(&exports, 0);
  wasm_table_t* table = wasm_extern_as_table(exports.data[1]);
  CHECK(table != NULL);
  wasm_func_t* global_set = export_func(&exports, 2);
  wasm_func_t* global_get = export_func(&exports, 3);
  wasm_func_t* table_set = export_func(&exports, 4);
  wasm_func_t* table_get = export_func(&exports, 5);
  wasm_func_t* func_call = export_func(&exports, 6);

  wasm_ref_t* host1 = wasm_foreign_as_ref(wasm_foreign_new(store));
  wasm_ref_t* host2 = wasm_foreign_as_ref(wasm_foreign_new(store));
  wasm_ref_set_host_info(host1, (void*)1);
  wasm_ref_set_host_info(host2, (void*)2);
  CHECK(!wasm_ref_same(host1, host2));
  wasm_ref_t* host1_copy = wasm_ref_copy(host1);
  CHECK(wasm_ref_same(host1, host1_copy) && wasm_ref_get_host_info(host1_copy) == (void*)1);
  wasm_ref_delete(host1_copy);

  /* Through a global, from the host and from the guest. */
  wasm_val_t val;
  wasm_global_get(global, &val);
  CHECK(val.kind == WASM_EXTERNREF);
  check_ref(val.of.ref, NULL);
  wasm_val_t v2 = WASM_REF_VAL(host2);
  wasm_global_set(global, &v2);
  wasm_global_get(global, &val);
  check_ref(val.of.ref, host2);
  check_ref(call_r_v(global_get), host2);
  call_v_r(global_set, host1);
  check_ref(call_r_v(global_get), host1);
  wasm_global_get(global, &val);
  check_ref(val.of.ref, host1);
  call_v_r(global_set, NULL);
  check_ref(call_r_v(global_get), NULL);

  /* Through a table. */
  check_ref(call_i_r(table_get, 0), NULL);
  call_ir_v(table_set, 0, host1);
  call_ir_v(table_set, 1, host2);
  check_ref(call_i_r(table_get, 0), host1);
  check_ref(call_i_r(table_get, 1), host2);
  check_ref(wasm_table_get(table, 0), host1);
  CHECK(wasm_table_set(table, 2, host2));
  check_ref(call_i_r(table_get, 2), host2);
  call_ir_v(table_set, 0, NULL);
  check_ref(wasm_table_get(table, 0), NULL);

  /* Through a host function and back. */
  for (int k = 0; k < 700; ++k) {
    check_ref(call_r_r(func_call, host1), host1);
    check_ref(call_r_r(func_call, host2), host2);
    check_ref(call_r_r(func_call, NULL), NULL);
  }

  wasm_ref_delete(host1);
  wasm_ref_delete(host2);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

/* ---------------------------------------------------------------- threads */

enum { kThreads = 8, kReps = 200 };
static pthread_mutex_t g_count_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_counts[kThreads];

static wasm_trap_t* thread_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)results;
  int id = args->data[0].of.i32;
  CHECK(id >= 0 && id < kThreads);
  pthread_mutex_lock(&g_count_lock);
  ++g_counts[id];
  pthread_mutex_unlock(&g_count_lock);
  return NULL;
}

struct thread_args {
  wasm_engine_t* engine;
  wasm_shared_module_t* module;
  int id;
};

static void* run_thread(void* p) {
  struct thread_args* a = (struct thread_args*)p;
  wasm_store_t* store = wasm_store_new(a->engine);
  wasm_module_t* module = wasm_module_obtain(store, a->module);
  CHECK(module != NULL);
  wasm_functype_t* type = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasm_func_t* func = wasm_func_new(store, type, thread_callback);
  wasm_functype_delete(type);
  wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  wasm_val_t id = WASM_I32_VAL(a->id);
  wasm_global_t* global = wasm_global_new(store, gt, &id);
  wasm_globaltype_delete(gt);
  wasm_extern_t* externs[] = {wasm_func_as_extern(func), wasm_global_as_extern(global)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  for (int rep = 0; rep < kReps; ++rep) {
    wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
    CHECK(instance != NULL);
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    wasm_val_vec_t none = WASM_EMPTY_VEC, no_results = WASM_EMPTY_VEC;
    for (int k = 0; k < 10; ++k) CHECK(wasm_func_call(export_func(&exports, 0), &none, &no_results) == NULL);
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
  }
  wasm_func_delete(func);
  wasm_global_delete(global);
  wasm_module_delete(module);
  wasm_store_delete(store);
  return NULL;
}

static void example_threads(wasm_engine_t* engine) {
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load(store, "threads");
  wasm_shared_module_t* shared = wasm_module_share(module);
  wasm_module_delete(module);
  wasm_store_delete(store);
  pthread_t threads[kThreads];
  struct thread_args args[kThreads];
  for (int i = 0; i < kThreads; ++i) {
    args[i].engine = engine;
    args[i].module = shared;
    args[i].id = i;
    CHECK(pthread_create(&threads[i], NULL, run_thread, &args[i]) == 0);
  }
  for (int i = 0; i < kThreads; ++i) pthread_join(threads[i], NULL);
  for (int i = 0; i < kThreads; ++i) CHECK(g_counts[i] == kReps * 10);
  wasm_shared_module_delete(shared);
}

/* ---------------------------------------------------------------- loop */

/* A hot loop (OSR in the tiered modes) called through the API. */
static void example_loop(wasm_store_t* store) {
  wasm_module_t* module = load(store, "loop");
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_val_t as[1] = {WASM_I32_VAL(3000000)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as), results = WASM_ARRAY_VEC(rs);
  CHECK(wasm_func_call(export_func(&exports, 0), &args, &results) == NULL);
  CHECK(rs[0].kind == WASM_I64 && rs[0].of.i64 == (int64_t)3000000 * 2999999 / 2);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s DIR EXAMPLE\n", argv[0]);
    return 2;
  }
  g_dir = argv[1];
  const char* name = argv[2];
  wasm_engine_t* engine = wasm_engine_new();
  CHECK(engine != NULL);
  if (strcmp(name, "finalize") == 0) {
    example_finalize(engine);
  } else if (strcmp(name, "threads") == 0) {
    example_threads(engine);
  } else {
    static const struct {
      const char* name;
      void (*run)(wasm_store_t*);
    } examples[] = {{"hello", example_hello},     {"callback", example_callback}, {"global", example_global},
                    {"memory", example_memory},   {"table", example_table},       {"multi", example_multi},
                    {"reflect", example_reflect}, {"serialize", example_serialize}, {"start", example_start},
                    {"trap", example_trap},       {"hostref", example_hostref},   {"loop", example_loop}};
    size_t i = 0, n = sizeof examples / sizeof examples[0];
    while (i < n && strcmp(examples[i].name, name) != 0) ++i;
    if (i == n) {
      fprintf(stderr, "unknown example %s\n", name);
      return 2;
    }
    wasm_store_t* store = wasm_store_new(engine);
    CHECK(store != NULL);
    examples[i].run(store);
    wasm_store_delete(store);
    if (strcmp(name, "callback") == 0) CHECK(closure_finalized == 1); /* with its store */
  }
  wasm_engine_delete(engine);
  printf("%s: ok\n", name);
  return 0;
}
