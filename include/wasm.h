/* The WebAssembly C API (the interface of github.com/WebAssembly/wasm-c-api,
 * which wasmtime, V8 and WAMR also implement), written for Strata from the
 * API's documented names, types and semantics: programs written against
 * the upstream header compile unchanged.
 *
 * Ownership: `own` marks what the receiver owns and must delete (a
 * returned object, an argument the callee takes over). Vectors own their
 * elements. Every object belongs to a store and must not outlive it.
 *
 * Strata's implementation (src/api/c_api/) in brief, where the standard
 * leaves room:
 *   - a store keeps every instance, host function and foreign object made
 *     in it alive until wasm_store_delete, which runs the finalizers of
 *     everything in it; deleting a handle earlier releases only the handle;
 *   - a store is used by one thread at a time; modules are shared across
 *     threads with wasm_module_share / wasm_module_obtain;
 *   - wasm_module_serialize writes the module's binary with a Strata
 *     header (there is no ahead-of-time code to save), deserialize reads
 *     it back and validates it again;
 *   - a trap's frames (wasm_trap_origin, wasm_trap_trace) are the wasm
 *     functions it unwound, innermost first: func_offset is 0 and
 *     module_offset is where the function's code starts (Strata records
 *     functions, not instructions);
 *   - WASM_V128 is a value kind (the enum is wasm_export.h's too) but this
 *     API does not offer it: functions with v128 in their signature cannot
 *     be called or imported through it.
 * Strata's own embedding API is <wasm_export.h> (WAMR's names). One file
 * can include both headers, in either order, as with WAMR's wasm_c_api.h
 * and wasm_export.h: they share wasm_valkind_t, wasm_val_t and
 * wasm_module_t (see "Values" and "Modules" below, and wasm_export.h). */
#ifndef WASM_H
#define WASM_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef WASM_API_EXTERN
#if defined(__GNUC__) || defined(__clang__)
#define WASM_API_EXTERN __attribute__((visibility("default")))
#else
#define WASM_API_EXTERN
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Auxiliaries */

typedef char byte_t;
typedef float float32_t;
typedef double float64_t;

#define own

#define WASM_DECLARE_OWN(name)                       \
  typedef struct wasm_##name##_t wasm_##name##_t;    \
  WASM_API_EXTERN void wasm_##name##_delete(own wasm_##name##_t*);

/* A vector of `size` elements at `data` (NULL when empty). */
#define WASM_DECLARE_VEC(name, ptr_or_none)                                                   \
  typedef struct wasm_##name##_vec_t {                                                        \
    size_t size;                                                                              \
    wasm_##name##_t ptr_or_none* data;                                                        \
  } wasm_##name##_vec_t;                                                                      \
  WASM_API_EXTERN void wasm_##name##_vec_new_empty(own wasm_##name##_vec_t* out);             \
  WASM_API_EXTERN void wasm_##name##_vec_new_uninitialized(own wasm_##name##_vec_t* out,      \
                                                           size_t);                           \
  WASM_API_EXTERN void wasm_##name##_vec_new(own wasm_##name##_vec_t* out, size_t,            \
                                             own wasm_##name##_t ptr_or_none const[]);        \
  WASM_API_EXTERN void wasm_##name##_vec_copy(own wasm_##name##_vec_t* out,                   \
                                              const wasm_##name##_vec_t*);                    \
  WASM_API_EXTERN void wasm_##name##_vec_delete(own wasm_##name##_vec_t*);

/* Byte vectors and names */

typedef byte_t wasm_byte_t;
WASM_DECLARE_VEC(byte, )

typedef wasm_byte_vec_t wasm_name_t;

#define wasm_name wasm_byte_vec
#define wasm_name_new wasm_byte_vec_new
#define wasm_name_new_empty wasm_byte_vec_new_empty
#define wasm_name_new_new_uninitialized wasm_byte_vec_new_uninitialized
#define wasm_name_copy wasm_byte_vec_copy
#define wasm_name_delete wasm_byte_vec_delete

static inline void wasm_name_new_from_string(own wasm_name_t* out, own const char* s) {
  wasm_name_new(out, strlen(s), s);
}

static inline void wasm_name_new_from_string_nt(own wasm_name_t* out, own const char* s) {
  wasm_name_new(out, strlen(s) + 1, s);
}

/* Runtime environment */

WASM_DECLARE_OWN(config)
WASM_API_EXTERN own wasm_config_t* wasm_config_new(void);

WASM_DECLARE_OWN(engine)
WASM_API_EXTERN own wasm_engine_t* wasm_engine_new(void);
WASM_API_EXTERN own wasm_engine_t* wasm_engine_new_with_config(own wasm_config_t*);

WASM_DECLARE_OWN(store)
WASM_API_EXTERN own wasm_store_t* wasm_store_new(wasm_engine_t*);

/* Type attributes */

typedef uint8_t wasm_mutability_t;
enum wasm_mutability_enum {
  WASM_CONST,
  WASM_VAR,
};

typedef struct wasm_limits_t {
  uint32_t min;
  uint32_t max;
} wasm_limits_t;

static const uint32_t wasm_limits_max_default = 0xffffffff;

#define WASM_DECLARE_TYPE(name) \
  WASM_DECLARE_OWN(name)        \
  WASM_DECLARE_VEC(name, *)     \
  WASM_API_EXTERN own wasm_##name##_t* wasm_##name##_copy(const wasm_##name##_t*);

/* Value types */

WASM_DECLARE_TYPE(valtype)

/* Shared with wasm_export.h, which defines the same kinds under the same
 * guard (the guard WAMR's two headers use). */
#ifndef WASM_VALKIND_T_DEFINED
#define WASM_VALKIND_T_DEFINED
typedef uint8_t wasm_valkind_t;
enum wasm_valkind_enum {
  WASM_I32,
  WASM_I64,
  WASM_F32,
  WASM_F64,
  WASM_V128,
  WASM_EXTERNREF = 128,
  WASM_FUNCREF,
};
/* externref's name in WAMR 1.x (WAMR 2.1 renamed it WASM_EXTERNREF) and in
 * earlier versions of the standard C API. */
#define WASM_ANYREF WASM_EXTERNREF
#endif

WASM_API_EXTERN own wasm_valtype_t* wasm_valtype_new(wasm_valkind_t);
WASM_API_EXTERN wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t*);

static inline bool wasm_valkind_is_num(wasm_valkind_t k) { return k < WASM_EXTERNREF; }
static inline bool wasm_valkind_is_ref(wasm_valkind_t k) { return k >= WASM_EXTERNREF; }
static inline bool wasm_valtype_is_num(const wasm_valtype_t* t) { return wasm_valkind_is_num(wasm_valtype_kind(t)); }
static inline bool wasm_valtype_is_ref(const wasm_valtype_t* t) { return wasm_valkind_is_ref(wasm_valtype_kind(t)); }

/* Function types */

WASM_DECLARE_TYPE(functype)
WASM_API_EXTERN own wasm_functype_t* wasm_functype_new(own wasm_valtype_vec_t* params,
                                                       own wasm_valtype_vec_t* results);
WASM_API_EXTERN const wasm_valtype_vec_t* wasm_functype_params(const wasm_functype_t*);
WASM_API_EXTERN const wasm_valtype_vec_t* wasm_functype_results(const wasm_functype_t*);

/* Global types */

WASM_DECLARE_TYPE(globaltype)
WASM_API_EXTERN own wasm_globaltype_t* wasm_globaltype_new(own wasm_valtype_t*, wasm_mutability_t);
WASM_API_EXTERN const wasm_valtype_t* wasm_globaltype_content(const wasm_globaltype_t*);
WASM_API_EXTERN wasm_mutability_t wasm_globaltype_mutability(const wasm_globaltype_t*);

/* Table types */

WASM_DECLARE_TYPE(tabletype)
WASM_API_EXTERN own wasm_tabletype_t* wasm_tabletype_new(own wasm_valtype_t*, const wasm_limits_t*);
WASM_API_EXTERN const wasm_valtype_t* wasm_tabletype_element(const wasm_tabletype_t*);
WASM_API_EXTERN const wasm_limits_t* wasm_tabletype_limits(const wasm_tabletype_t*);

/* Memory types */

WASM_DECLARE_TYPE(memorytype)
WASM_API_EXTERN own wasm_memorytype_t* wasm_memorytype_new(const wasm_limits_t*);
WASM_API_EXTERN const wasm_limits_t* wasm_memorytype_limits(const wasm_memorytype_t*);

/* Extern types */

WASM_DECLARE_TYPE(externtype)

typedef uint8_t wasm_externkind_t;
enum wasm_externkind_enum {
  WASM_EXTERN_FUNC,
  WASM_EXTERN_GLOBAL,
  WASM_EXTERN_TABLE,
  WASM_EXTERN_MEMORY,
};

WASM_API_EXTERN wasm_externkind_t wasm_externtype_kind(const wasm_externtype_t*);

WASM_API_EXTERN wasm_externtype_t* wasm_functype_as_externtype(wasm_functype_t*);
WASM_API_EXTERN wasm_externtype_t* wasm_globaltype_as_externtype(wasm_globaltype_t*);
WASM_API_EXTERN wasm_externtype_t* wasm_tabletype_as_externtype(wasm_tabletype_t*);
WASM_API_EXTERN wasm_externtype_t* wasm_memorytype_as_externtype(wasm_memorytype_t*);

WASM_API_EXTERN wasm_functype_t* wasm_externtype_as_functype(wasm_externtype_t*);
WASM_API_EXTERN wasm_globaltype_t* wasm_externtype_as_globaltype(wasm_externtype_t*);
WASM_API_EXTERN wasm_tabletype_t* wasm_externtype_as_tabletype(wasm_externtype_t*);
WASM_API_EXTERN wasm_memorytype_t* wasm_externtype_as_memorytype(wasm_externtype_t*);

WASM_API_EXTERN const wasm_externtype_t* wasm_functype_as_externtype_const(const wasm_functype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_globaltype_as_externtype_const(const wasm_globaltype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_tabletype_as_externtype_const(const wasm_tabletype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_memorytype_as_externtype_const(const wasm_memorytype_t*);

WASM_API_EXTERN const wasm_functype_t* wasm_externtype_as_functype_const(const wasm_externtype_t*);
WASM_API_EXTERN const wasm_globaltype_t* wasm_externtype_as_globaltype_const(const wasm_externtype_t*);
WASM_API_EXTERN const wasm_tabletype_t* wasm_externtype_as_tabletype_const(const wasm_externtype_t*);
WASM_API_EXTERN const wasm_memorytype_t* wasm_externtype_as_memorytype_const(const wasm_externtype_t*);

/* Import types */

WASM_DECLARE_TYPE(importtype)
WASM_API_EXTERN own wasm_importtype_t* wasm_importtype_new(own wasm_name_t* module, own wasm_name_t* name,
                                                           own wasm_externtype_t*);
WASM_API_EXTERN const wasm_name_t* wasm_importtype_module(const wasm_importtype_t*);
WASM_API_EXTERN const wasm_name_t* wasm_importtype_name(const wasm_importtype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_importtype_type(const wasm_importtype_t*);

/* Export types */

WASM_DECLARE_TYPE(exporttype)
WASM_API_EXTERN own wasm_exporttype_t* wasm_exporttype_new(own wasm_name_t*, own wasm_externtype_t*);
WASM_API_EXTERN const wasm_name_t* wasm_exporttype_name(const wasm_exporttype_t*);
WASM_API_EXTERN const wasm_externtype_t* wasm_exporttype_type(const wasm_exporttype_t*);

/* Values. wasm_val_t is guarded as in WAMR: a file that included
 * wasm_export.h first has that header's wasm_val_t, which is larger (it has
 * Strata's v128 member, see wasm_export.h), and then the functions below
 * that take arrays of values (the vectors, wasm_func_new,
 * wasm_func_new_with_env, wasm_func_call and so the callbacks' vectors)
 * are renamed by macros to entry points that read and write arrays of that
 * layout. Both layouts put `kind` first and `of` at the same offset, so the
 * functions taking one value work unchanged. */

struct wasm_ref_t;

#ifndef WASM_VAL_T_DEFINED
#define WASM_VAL_T_DEFINED
/* Tells wasm_export.h, should it come later, whose wasm_val_t this file
 * has. */
#define STRATA_WASM_VAL_T_FROM_WASM_H 1
typedef struct wasm_val_t {
  wasm_valkind_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float32_t f32;
    float64_t f64;
    struct wasm_ref_t* ref;
    /* Not in the standard API: wasm_export.h's name for an externref's host
     * value, so that code calling wasm_runtime_call_wasm_a compiles
     * whichever header came first. Same size as `ref`: the layout is the
     * standard one. This API's externrefs are `ref`. */
    uintptr_t foreign;
  } of;
} wasm_val_t;
#endif

#if defined(STRATA_WASM_VAL_T_FROM_WASM_EXPORT_H)
#define wasm_val_vec_new_uninitialized strata_wasm_val_vec_new_uninitialized_wasm_export_val
#define wasm_val_vec_new strata_wasm_val_vec_new_wasm_export_val
#define wasm_val_vec_copy strata_wasm_val_vec_copy_wasm_export_val
#define wasm_val_vec_delete strata_wasm_val_vec_delete_wasm_export_val
#define wasm_func_new strata_wasm_func_new_wasm_export_val
#define wasm_func_new_with_env strata_wasm_func_new_with_env_wasm_export_val
#define wasm_func_call strata_wasm_func_call_wasm_export_val
#endif

WASM_API_EXTERN void wasm_val_delete(own wasm_val_t* v);
WASM_API_EXTERN void wasm_val_copy(own wasm_val_t* out, const wasm_val_t*);

WASM_DECLARE_VEC(val, )

/* References */

#define WASM_DECLARE_REF_BASE(name)                                                          \
  WASM_DECLARE_OWN(name)                                                                     \
  WASM_API_EXTERN own wasm_##name##_t* wasm_##name##_copy(const wasm_##name##_t*);           \
  WASM_API_EXTERN bool wasm_##name##_same(const wasm_##name##_t*, const wasm_##name##_t*);   \
  WASM_API_EXTERN void* wasm_##name##_get_host_info(const wasm_##name##_t*);                 \
  WASM_API_EXTERN void wasm_##name##_set_host_info(wasm_##name##_t*, void*);                 \
  WASM_API_EXTERN void wasm_##name##_set_host_info_with_finalizer(wasm_##name##_t*, void*,   \
                                                                  void (*)(void*));

#define WASM_DECLARE_REF(name)                                                                   \
  WASM_DECLARE_REF_BASE(name)                                                                    \
  WASM_API_EXTERN wasm_ref_t* wasm_##name##_as_ref(wasm_##name##_t*);                            \
  WASM_API_EXTERN wasm_##name##_t* wasm_ref_as_##name(wasm_ref_t*);                              \
  WASM_API_EXTERN const wasm_ref_t* wasm_##name##_as_ref_const(const wasm_##name##_t*);          \
  WASM_API_EXTERN const wasm_##name##_t* wasm_ref_as_##name##_const(const wasm_ref_t*);

#define WASM_DECLARE_SHARABLE_REF(name)                                                         \
  WASM_DECLARE_REF(name)                                                                        \
  WASM_DECLARE_OWN(shared_##name)                                                               \
  WASM_API_EXTERN own wasm_shared_##name##_t* wasm_##name##_share(const wasm_##name##_t*);      \
  WASM_API_EXTERN own wasm_##name##_t* wasm_##name##_obtain(wasm_store_t*,                      \
                                                            const wasm_shared_##name##_t*);

WASM_DECLARE_REF_BASE(ref)

/* Frames */

WASM_DECLARE_OWN(frame)
WASM_DECLARE_VEC(frame, *)
WASM_API_EXTERN own wasm_frame_t* wasm_frame_copy(const wasm_frame_t*);

WASM_API_EXTERN struct wasm_instance_t* wasm_frame_instance(const wasm_frame_t*);
WASM_API_EXTERN uint32_t wasm_frame_func_index(const wasm_frame_t*);
WASM_API_EXTERN size_t wasm_frame_func_offset(const wasm_frame_t*);
WASM_API_EXTERN size_t wasm_frame_module_offset(const wasm_frame_t*);

/* Traps */

typedef wasm_name_t wasm_message_t; /* null-terminated */

WASM_DECLARE_REF(trap)

WASM_API_EXTERN own wasm_trap_t* wasm_trap_new(wasm_store_t* store, const wasm_message_t*);
WASM_API_EXTERN void wasm_trap_message(const wasm_trap_t*, own wasm_message_t* out);
WASM_API_EXTERN own wasm_frame_t* wasm_trap_origin(const wasm_trap_t*);
WASM_API_EXTERN void wasm_trap_trace(const wasm_trap_t*, own wasm_frame_vec_t* out);

/* Foreign objects */

WASM_DECLARE_REF(foreign)

WASM_API_EXTERN own wasm_foreign_t* wasm_foreign_new(wasm_store_t*);

/* Modules. wasm_module_t is declared as in WAMR, whose wasm_c_api.h shares
 * it with wasm_export.h: it is wasm_export.h's module handle type (a
 * pointer), and this API's module objects are wasm_module_t* as everywhere
 * else. Code written against the upstream header, which only ever names
 * wasm_module_t*, compiles unchanged. A wasm_module_t* of this API and a
 * wasm_module_t of wasm_export.h are different objects: neither can be
 * passed to the other API. The declarations are those
 * WASM_DECLARE_SHARABLE_REF(module) would make, less its typedef. */
#ifndef WASM_MODULE_T_DEFINED
#define WASM_MODULE_T_DEFINED
struct WASMModuleCommon;
typedef struct WASMModuleCommon* wasm_module_t;
#endif

WASM_API_EXTERN void wasm_module_delete(own wasm_module_t*);
WASM_API_EXTERN own wasm_module_t* wasm_module_copy(const wasm_module_t*);
WASM_API_EXTERN bool wasm_module_same(const wasm_module_t*, const wasm_module_t*);
WASM_API_EXTERN void* wasm_module_get_host_info(const wasm_module_t*);
WASM_API_EXTERN void wasm_module_set_host_info(wasm_module_t*, void*);
WASM_API_EXTERN void wasm_module_set_host_info_with_finalizer(wasm_module_t*, void*, void (*)(void*));
WASM_API_EXTERN wasm_ref_t* wasm_module_as_ref(wasm_module_t*);
WASM_API_EXTERN wasm_module_t* wasm_ref_as_module(wasm_ref_t*);
WASM_API_EXTERN const wasm_ref_t* wasm_module_as_ref_const(const wasm_module_t*);
WASM_API_EXTERN const wasm_module_t* wasm_ref_as_module_const(const wasm_ref_t*);

WASM_DECLARE_OWN(shared_module)
WASM_API_EXTERN own wasm_shared_module_t* wasm_module_share(const wasm_module_t*);
WASM_API_EXTERN own wasm_module_t* wasm_module_obtain(wasm_store_t*, const wasm_shared_module_t*);

WASM_API_EXTERN own wasm_module_t* wasm_module_new(wasm_store_t*, const wasm_byte_vec_t* binary);
WASM_API_EXTERN bool wasm_module_validate(wasm_store_t*, const wasm_byte_vec_t* binary);
WASM_API_EXTERN void wasm_module_imports(const wasm_module_t*, own wasm_importtype_vec_t* out);
WASM_API_EXTERN void wasm_module_exports(const wasm_module_t*, own wasm_exporttype_vec_t* out);
WASM_API_EXTERN void wasm_module_serialize(const wasm_module_t*, own wasm_byte_vec_t* out);
WASM_API_EXTERN own wasm_module_t* wasm_module_deserialize(wasm_store_t*, const wasm_byte_vec_t*);

/* Function instances */

WASM_DECLARE_REF(func)

typedef own wasm_trap_t* (*wasm_func_callback_t)(const wasm_val_vec_t* args, own wasm_val_vec_t* results);
typedef own wasm_trap_t* (*wasm_func_callback_with_env_t)(void* env, const wasm_val_vec_t* args,
                                                           own wasm_val_vec_t* results);

WASM_API_EXTERN own wasm_func_t* wasm_func_new(wasm_store_t*, const wasm_functype_t*, wasm_func_callback_t);
WASM_API_EXTERN own wasm_func_t* wasm_func_new_with_env(wasm_store_t*, const wasm_functype_t* type,
                                                        wasm_func_callback_with_env_t, void* env,
                                                        void (*finalizer)(void*));

WASM_API_EXTERN own wasm_functype_t* wasm_func_type(const wasm_func_t*);
WASM_API_EXTERN size_t wasm_func_param_arity(const wasm_func_t*);
WASM_API_EXTERN size_t wasm_func_result_arity(const wasm_func_t*);

/* results->size must be the function's result arity; the results'
 * references are owned by the caller. Returns NULL, or the trap. */
WASM_API_EXTERN own wasm_trap_t* wasm_func_call(const wasm_func_t*, const wasm_val_vec_t* args,
                                                wasm_val_vec_t* results);

/* Global instances */

WASM_DECLARE_REF(global)

WASM_API_EXTERN own wasm_global_t* wasm_global_new(wasm_store_t*, const wasm_globaltype_t*, const wasm_val_t*);
WASM_API_EXTERN own wasm_globaltype_t* wasm_global_type(const wasm_global_t*);
WASM_API_EXTERN void wasm_global_get(const wasm_global_t*, own wasm_val_t* out);
WASM_API_EXTERN void wasm_global_set(wasm_global_t*, const wasm_val_t*);

/* Table instances */

WASM_DECLARE_REF(table)

typedef uint32_t wasm_table_size_t;

WASM_API_EXTERN own wasm_table_t* wasm_table_new(wasm_store_t*, const wasm_tabletype_t*, wasm_ref_t* init);
WASM_API_EXTERN own wasm_tabletype_t* wasm_table_type(const wasm_table_t*);
WASM_API_EXTERN own wasm_ref_t* wasm_table_get(const wasm_table_t*, wasm_table_size_t index);
WASM_API_EXTERN bool wasm_table_set(wasm_table_t*, wasm_table_size_t index, wasm_ref_t*);
WASM_API_EXTERN wasm_table_size_t wasm_table_size(const wasm_table_t*);
WASM_API_EXTERN bool wasm_table_grow(wasm_table_t*, wasm_table_size_t delta, wasm_ref_t* init);

/* Memory instances */

WASM_DECLARE_REF(memory)

typedef uint32_t wasm_memory_pages_t;

static const size_t MEMORY_PAGE_SIZE = 0x10000;

WASM_API_EXTERN own wasm_memory_t* wasm_memory_new(wasm_store_t*, const wasm_memorytype_t*);
WASM_API_EXTERN own wasm_memorytype_t* wasm_memory_type(const wasm_memory_t*);
WASM_API_EXTERN byte_t* wasm_memory_data(wasm_memory_t*);
WASM_API_EXTERN size_t wasm_memory_data_size(const wasm_memory_t*);
WASM_API_EXTERN wasm_memory_pages_t wasm_memory_size(const wasm_memory_t*);
WASM_API_EXTERN bool wasm_memory_grow(wasm_memory_t*, wasm_memory_pages_t delta);

/* Externals */

WASM_DECLARE_REF(extern)
WASM_DECLARE_VEC(extern, *)

WASM_API_EXTERN wasm_externkind_t wasm_extern_kind(const wasm_extern_t*);
WASM_API_EXTERN own wasm_externtype_t* wasm_extern_type(const wasm_extern_t*);

WASM_API_EXTERN wasm_extern_t* wasm_func_as_extern(wasm_func_t*);
WASM_API_EXTERN wasm_extern_t* wasm_global_as_extern(wasm_global_t*);
WASM_API_EXTERN wasm_extern_t* wasm_table_as_extern(wasm_table_t*);
WASM_API_EXTERN wasm_extern_t* wasm_memory_as_extern(wasm_memory_t*);

WASM_API_EXTERN wasm_func_t* wasm_extern_as_func(wasm_extern_t*);
WASM_API_EXTERN wasm_global_t* wasm_extern_as_global(wasm_extern_t*);
WASM_API_EXTERN wasm_table_t* wasm_extern_as_table(wasm_extern_t*);
WASM_API_EXTERN wasm_memory_t* wasm_extern_as_memory(wasm_extern_t*);

WASM_API_EXTERN const wasm_extern_t* wasm_func_as_extern_const(const wasm_func_t*);
WASM_API_EXTERN const wasm_extern_t* wasm_global_as_extern_const(const wasm_global_t*);
WASM_API_EXTERN const wasm_extern_t* wasm_table_as_extern_const(const wasm_table_t*);
WASM_API_EXTERN const wasm_extern_t* wasm_memory_as_extern_const(const wasm_memory_t*);

WASM_API_EXTERN const wasm_func_t* wasm_extern_as_func_const(const wasm_extern_t*);
WASM_API_EXTERN const wasm_global_t* wasm_extern_as_global_const(const wasm_extern_t*);
WASM_API_EXTERN const wasm_table_t* wasm_extern_as_table_const(const wasm_extern_t*);
WASM_API_EXTERN const wasm_memory_t* wasm_extern_as_memory_const(const wasm_extern_t*);

/* Module instances */

WASM_DECLARE_REF(instance)

/* imports: one extern per module import, in import order. On failure
 * returns NULL and, if trap is not NULL, stores a trap with the reason
 * (a link error or the start function's trap) there. */
WASM_API_EXTERN own wasm_instance_t* wasm_instance_new(wasm_store_t*, const wasm_module_t*,
                                                       const wasm_extern_vec_t* imports, own wasm_trap_t**);

WASM_API_EXTERN void wasm_instance_exports(const wasm_instance_t*, own wasm_extern_vec_t* out);

/* Convenience */

#define WASM_EMPTY_VEC {0, NULL}
#define WASM_ARRAY_VEC(array) {sizeof(array) / sizeof(*(array)), array}

static inline own wasm_valtype_t* wasm_valtype_new_i32(void) { return wasm_valtype_new(WASM_I32); }
static inline own wasm_valtype_t* wasm_valtype_new_i64(void) { return wasm_valtype_new(WASM_I64); }
static inline own wasm_valtype_t* wasm_valtype_new_f32(void) { return wasm_valtype_new(WASM_F32); }
static inline own wasm_valtype_t* wasm_valtype_new_f64(void) { return wasm_valtype_new(WASM_F64); }
static inline own wasm_valtype_t* wasm_valtype_new_externref(void) { return wasm_valtype_new(WASM_EXTERNREF); }
static inline own wasm_valtype_t* wasm_valtype_new_anyref(void) { return wasm_valtype_new(WASM_ANYREF); }
static inline own wasm_valtype_t* wasm_valtype_new_funcref(void) { return wasm_valtype_new(WASM_FUNCREF); }

static inline own wasm_functype_t* wasm_functype_new_n_m_(size_t n, own wasm_valtype_t* const ps[],
                                                          size_t m, own wasm_valtype_t* const rs[]) {
  wasm_valtype_vec_t params, results;
  if (n)
    wasm_valtype_vec_new(&params, n, ps);
  else
    wasm_valtype_vec_new_empty(&params);
  if (m)
    wasm_valtype_vec_new(&results, m, rs);
  else
    wasm_valtype_vec_new_empty(&results);
  return wasm_functype_new(&params, &results);
}

static inline own wasm_functype_t* wasm_functype_new_0_0(void) { return wasm_functype_new_n_m_(0, NULL, 0, NULL); }

static inline own wasm_functype_t* wasm_functype_new_1_0(own wasm_valtype_t* p) {
  wasm_valtype_t* ps[1] = {p};
  return wasm_functype_new_n_m_(1, ps, 0, NULL);
}

static inline own wasm_functype_t* wasm_functype_new_2_0(own wasm_valtype_t* p1, own wasm_valtype_t* p2) {
  wasm_valtype_t* ps[2] = {p1, p2};
  return wasm_functype_new_n_m_(2, ps, 0, NULL);
}

static inline own wasm_functype_t* wasm_functype_new_3_0(own wasm_valtype_t* p1, own wasm_valtype_t* p2,
                                                         own wasm_valtype_t* p3) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  return wasm_functype_new_n_m_(3, ps, 0, NULL);
}

static inline own wasm_functype_t* wasm_functype_new_0_1(own wasm_valtype_t* r) {
  wasm_valtype_t* rs[1] = {r};
  return wasm_functype_new_n_m_(0, NULL, 1, rs);
}

static inline own wasm_functype_t* wasm_functype_new_1_1(own wasm_valtype_t* p, own wasm_valtype_t* r) {
  wasm_valtype_t* ps[1] = {p};
  wasm_valtype_t* rs[1] = {r};
  return wasm_functype_new_n_m_(1, ps, 1, rs);
}

static inline own wasm_functype_t* wasm_functype_new_2_1(own wasm_valtype_t* p1, own wasm_valtype_t* p2,
                                                         own wasm_valtype_t* r) {
  wasm_valtype_t* ps[2] = {p1, p2};
  wasm_valtype_t* rs[1] = {r};
  return wasm_functype_new_n_m_(2, ps, 1, rs);
}

static inline own wasm_functype_t* wasm_functype_new_3_1(own wasm_valtype_t* p1, own wasm_valtype_t* p2,
                                                         own wasm_valtype_t* p3, own wasm_valtype_t* r) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  wasm_valtype_t* rs[1] = {r};
  return wasm_functype_new_n_m_(3, ps, 1, rs);
}

static inline own wasm_functype_t* wasm_functype_new_0_2(own wasm_valtype_t* r1, own wasm_valtype_t* r2) {
  wasm_valtype_t* rs[2] = {r1, r2};
  return wasm_functype_new_n_m_(0, NULL, 2, rs);
}

static inline own wasm_functype_t* wasm_functype_new_1_2(own wasm_valtype_t* p, own wasm_valtype_t* r1,
                                                         own wasm_valtype_t* r2) {
  wasm_valtype_t* ps[1] = {p};
  wasm_valtype_t* rs[2] = {r1, r2};
  return wasm_functype_new_n_m_(1, ps, 2, rs);
}

static inline own wasm_functype_t* wasm_functype_new_2_2(own wasm_valtype_t* p1, own wasm_valtype_t* p2,
                                                         own wasm_valtype_t* r1, own wasm_valtype_t* r2) {
  wasm_valtype_t* ps[2] = {p1, p2};
  wasm_valtype_t* rs[2] = {r1, r2};
  return wasm_functype_new_n_m_(2, ps, 2, rs);
}

static inline own wasm_functype_t* wasm_functype_new_3_2(own wasm_valtype_t* p1, own wasm_valtype_t* p2,
                                                         own wasm_valtype_t* p3, own wasm_valtype_t* r1,
                                                         own wasm_valtype_t* r2) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  wasm_valtype_t* rs[2] = {r1, r2};
  return wasm_functype_new_n_m_(3, ps, 2, rs);
}

/* A host pointer as a value (an i64 on 64-bit hosts) and back. */
static inline void wasm_val_init_ptr(own wasm_val_t* out, void* p) {
  out->kind = sizeof(void*) == 8 ? WASM_I64 : WASM_I32;
  if (sizeof(void*) == 8)
    out->of.i64 = (int64_t)(intptr_t)p;
  else
    out->of.i32 = (int32_t)(intptr_t)p;
}

static inline void* wasm_val_ptr(const wasm_val_t* val) {
  return sizeof(void*) == 8 ? (void*)(intptr_t)val->of.i64 : (void*)(intptr_t)val->of.i32;
}

#define WASM_I32_VAL(i) {.kind = WASM_I32, .of = {.i32 = i}}
#define WASM_I64_VAL(i) {.kind = WASM_I64, .of = {.i64 = i}}
#define WASM_F32_VAL(z) {.kind = WASM_F32, .of = {.f32 = z}}
#define WASM_F64_VAL(z) {.kind = WASM_F64, .of = {.f64 = z}}
#define WASM_REF_VAL(r) {.kind = WASM_EXTERNREF, .of = {.ref = r}}
#define WASM_INIT_VAL {.kind = WASM_EXTERNREF, .of = {.ref = NULL}}



#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WASM_H */
