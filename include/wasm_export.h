/*
 * Strata's embedding C API: the names, types and semantics of WAMR's
 * wasm_export.h (the older form: a 3-argument module reader), so that an
 * embedder written against WAMR can switch to Strata by relinking.
 *
 * Multi-module: a module's imports from another module name are resolved by
 * loading that module too (load-time linking), recursively:
 *   1. host modules first: natives registered with
 *      wasm_runtime_register_natives (any module name, "env" included) and
 *      WASI ("wasi_snapshot_preview1") when this build has it;
 *   2. a module registered under the name (wasm_runtime_register_module, or
 *      one already loaded for another dependency: each name is loaded once,
 *      so a diamond shares one module);
 *   3. the module reader (wasm_runtime_set_module_reader).
 * Link errors are one line naming the chain from the root, e.g.
 *   mC -> mB: import mA.A: mA exports no function "A"
 * Cyclic function imports (A imports from B and B from A) are supported:
 * the import that cannot be linked yet is a stub that traps
 * "unlinked import mB.B" until its exporter is instantiated.
 *
 * Ownership. wasm_runtime_load returns a module the caller owns; its
 * dependencies are reference counted (by the roots that need them) and
 * freed, with the reader's destroyer called exactly once per buffer, when
 * the last root that needs them is unloaded. wasm_runtime_instantiate
 * creates one instance of the root and one of each dependency for that
 * root (a diamond shares one instance); wasm_runtime_deinstantiate frees
 * them all together. Imported memories, tables and globals are the
 * exporter's objects (writes are seen both ways). A funcref stored in a
 * table refers to a function of this group of instances and is valid as
 * long as the group is. To let several roots share one dependency
 * instance, see strata_runtime_share_instance below. wasm_runtime_destroy
 * frees everything that is left.
 *
 * Threads: calls into different exec envs may run on different threads;
 * loading, instantiating and registering take a runtime-wide lock.
 */
#ifndef _WASM_EXPORT_H
#define _WASM_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every function below is exported from libstrata.so, which is built with
 * hidden visibility otherwise. */
#if defined(__GNUC__) || defined(__clang__)
#define WASM_RUNTIME_API_EXTERN __attribute__((visibility("default")))
#else
#define WASM_RUNTIME_API_EXTERN
#endif
#define WASM_RUNTIME_API_INTERN

/* Guarded as in WAMR: <wasm.h> declares the same handle, and its module
 * functions take a wasm_module_t* (a pointer to this handle type). */
#ifndef WASM_MODULE_T_DEFINED
#define WASM_MODULE_T_DEFINED
struct WASMModuleCommon;
typedef struct WASMModuleCommon *wasm_module_t;
#endif

struct WASMModuleInstanceCommon;
typedef struct WASMModuleInstanceCommon *wasm_module_inst_t;

typedef void WASMFunctionInstanceCommon;
typedef WASMFunctionInstanceCommon *wasm_function_inst_t;

struct WASMExecEnv;
typedef struct WASMExecEnv *wasm_exec_env_t;

/* A native function for wasm_runtime_register_natives. func_ptr is called
 * as  ret func(wasm_exec_env_t exec_env, args...)  with the arguments the
 * signature string describes: "(params)result", each one character:
 *   i  i32 (int32_t)       I  i64 (int64_t)
 *   f  f32 (float)         F  f64 (double)
 *   r  externref (uintptr_t)
 *   *  i32 app address passed as a native pointer, checked to lie in the
 *      caller's linear memory (1 byte, or the length that follows)
 *   ~  i32 length of the preceding * buffer (checked with it)
 *   $  i32 app address of a NUL-terminated string, passed as const char*
 * e.g. "(ii)i", "($)", "(*~)i", "(iF)". A NULL or empty signature means
 * "()". A native reports a trap with wasm_runtime_set_exception on the
 * instance of its exec env and returns. */
typedef struct NativeSymbol {
  const char *symbol;
  void *func_ptr;
  const char *signature;
  /* attachment object, returned by wasm_runtime_get_function_attachment */
  void *attachment;
} NativeSymbol;

#define NATIVE_FUNC_ATTR(name, func, sig, attach) \
  { name, (void *)(func), sig, attach }

typedef enum {
  /* Runtime allocations come from mem_alloc_option.pool.heap_buf. */
  Alloc_With_Pool = 0,
  /* ...from the malloc/realloc/free callbacks in mem_alloc_option.allocator. */
  Alloc_With_Allocator,
  /* ...from the C library's malloc. */
  Alloc_With_System_Allocator,
} mem_alloc_type_t;

/* What Alloc_With_Pool and Alloc_With_Allocator cover: wasm_runtime_malloc /
 * realloc / free, the runtime's handles (modules, instances, exec envs), and
 * the copy of each module's binary that a loaded module keeps for its whole
 * life. When the pool cannot hold a request, the call fails with a clear
 * error ("allocate memory failed: the pool of N bytes cannot hold M more"),
 * never a crash. What cannot come from the pool or the callbacks:
 *   - linear memories: each is a virtual-memory reservation (8 GiB of
 *     address space with guard pages, made with mmap) so that accesses need
 *     no bounds checks; the pool cannot provide reservations or guard pages;
 *   - executable pages of the JIT tier (mmap, W^X);
 *   - the decoded module and the interpreter's translated code, which the
 *     C++ core allocates with operator new;
 *   - the exec env's value stack and frame stack (operator new).
 * Pool memory is not zeroed and not freed back to anyone; the pool must
 * outlive wasm_runtime_destroy. */
typedef union MemAllocOption {
  struct {
    void *heap_buf;
    uint32_t heap_size;
  } pool;
  struct {
    void *malloc_func;   /* void *(*)(unsigned int size) */
    void *realloc_func;  /* void *(*)(void *ptr, unsigned int size) */
    void *free_func;     /* void (*)(void *ptr) */
  } allocator;
} MemAllocOption;

/* Execution tiers (WAMR's names), each alone or tiered:
 *   Mode_Interp          the interpreter only;
 *   Mode_Fast_JIT        every function compiled by the baseline compiler
 *                        (single pass, fast to compile) before it first runs;
 *   Mode_LLVM_JIT        every function compiled by the optimizing compiler
 *                        (asmjit's register allocator; Strata has no LLVM)
 *                        before it first runs;
 *   Mode_Multi_Tier_JIT  tiered, the default: interpret, compile hot
 *                        functions with the baseline compiler and hot
 *                        baseline code with the optimizing compiler in the
 *                        background, move running loops up a tier by OSR.
 *                        (WAMR's multi-tier mode starts in its fast JIT;
 *                        Strata's starts in the interpreter.) */
typedef enum RunningMode {
  Mode_Interp = 1,
  Mode_Fast_JIT,
  Mode_LLVM_JIT,
  Mode_Multi_Tier_JIT,
} RunningMode;

typedef struct RuntimeInitArgs {
  mem_alloc_type_t mem_alloc_type;
  MemAllocOption mem_alloc_option;
  /* natives registered by wasm_runtime_full_init */
  const char *native_module_name;
  NativeSymbol *native_symbols;
  uint32_t n_native_symbols;
  /* accepted and ignored, as in a WAMR build without these features */
  uint32_t max_thread_num;
  char ip_addr[128];
  int unused;
  int instance_port;
  uint32_t fast_jit_code_cache_size;
  /* 0: the default, Mode_Multi_Tier_JIT */
  RunningMode running_mode;
  /* accepted and ignored */
  uint32_t llvm_jit_opt_level;
  uint32_t llvm_jit_size_level;
  uint32_t segue_flags;
  /* write /tmp/perf-PID.map naming compiled functions for perf */
  bool enable_linux_perf;
} RuntimeInitArgs;

/* ---- values ---------------------------------------------------------------
 * The value kinds and wasm_val_t are shared with <wasm.h>, as WAMR's
 * wasm_export.h shares them with its wasm_c_api.h: each header defines them
 * only if no header did before it (WASM_VALKIND_T_DEFINED,
 * WASM_VAL_T_DEFINED, the guards WAMR uses), so that one file can include
 * both, in either order. The kinds are the same in both headers.
 *
 * wasm_val_t is not. This header's has Strata's v128 member and is 24 bytes
 * on x86-64; <wasm.h>'s is the standard C API's value, 16 bytes (and has no
 * v128 member). Both put `kind` first and `of` at the same offset, so a
 * single value means the same in either, but arrays of them do not. (In
 * WAMR the two definitions have one layout and the first simply wins.) A
 * file that includes both headers gets the first one's wasm_val_t, and the
 * other header's functions that take arrays of values are renamed, by
 * macros, to entry points that read arrays of that layout, so that both
 * APIs work with the file's wasm_val_t:
 *   - <wasm.h> first: wasm_runtime_call_wasm_a and wasm_runtime_call_wasm_v
 *     (below); a function with a v128 parameter or result cannot be called
 *     through them, as that wasm_val_t cannot hold one (the call fails with
 *     an exception);
 *   - this header first: <wasm.h>'s value vectors, wasm_func_new,
 *     wasm_func_new_with_env and wasm_func_call (see <wasm.h>).
 * Arrays of values, vectors included, must not be passed between files
 * that included the headers in different orders. */
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

#ifndef WASM_VAL_T_DEFINED
#define WASM_VAL_T_DEFINED
/* Tells <wasm.h>, should it come later, whose wasm_val_t this file has. */
#define STRATA_WASM_VAL_T_FROM_WASM_EXPORT_H 1
struct wasm_ref_t;
typedef struct wasm_val_t {
  wasm_valkind_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    /* a WASM_FUNCREF: the function's wasm_function_inst_t, NULL for null */
    struct wasm_ref_t *ref;
    /* a WASM_EXTERNREF: the host value, 0 for null (WAMR 1.3 and 2.x) */
    uintptr_t foreign;
    /* Strata's extension: a WASM_V128 value's 16 bytes, in memory order
     * (WAMR's wasm_val_t has no v128 member). */
    uint8_t v128[16];
  } of;
} wasm_val_t;
#endif

#if defined(STRATA_WASM_VAL_T_FROM_WASM_H)
/* <wasm.h> came first: the calls below read and write its wasm_val_t. */
#define wasm_runtime_call_wasm_a strata_runtime_call_wasm_a_wasm_c_api_val
#define wasm_runtime_call_wasm_v strata_runtime_call_wasm_v_wasm_c_api_val
#endif

/* ---- runtime ------------------------------------------------------------ */

/* Initialises the runtime with the system allocator. Calls nest: each
 * successful init needs one wasm_runtime_destroy. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_init(void);
/* Same, with an allocator choice and natives to register. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_full_init(RuntimeInitArgs *init_args);
/* Frees every module, instance, exec env and registration left. */
WASM_RUNTIME_API_EXTERN void wasm_runtime_destroy(void);

/* The tier is one for the whole process. Changing it affects functions
 * that have not run yet; set it before loading modules. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_is_running_mode_supported(RunningMode running_mode);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_set_default_running_mode(RunningMode running_mode);
/* Succeeds only for the process's mode (there are no per-instance tiers). */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_set_running_mode(wasm_module_inst_t module_inst, RunningMode running_mode);
WASM_RUNTIME_API_EXTERN RunningMode wasm_runtime_get_running_mode(wasm_module_inst_t module_inst);

WASM_RUNTIME_API_EXTERN void *wasm_runtime_malloc(unsigned int size);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_realloc(void *ptr, unsigned int size);
WASM_RUNTIME_API_EXTERN void wasm_runtime_free(void *ptr);

/* ---- modules ------------------------------------------------------------ */

/* Decodes and validates buf, then loads its dependencies. The buffer is
 * copied and may be freed on return. NULL on failure with the reason in
 * error_buf. */
WASM_RUNTIME_API_EXTERN wasm_module_t wasm_runtime_load(uint8_t *buf, uint32_t size, char *error_buf, uint32_t error_buf_size);
/* Frees the module and the dependencies no other loaded module needs. */
WASM_RUNTIME_API_EXTERN void wasm_runtime_unload(wasm_module_t module);

/* Makes a loaded module the provider of imports from module_name. The
 * embedder still owns it (and unloads it, which unregisters it). */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_register_module(const char *module_name, wasm_module_t module, char *error_buf,
                                                          uint32_t error_buf_size);
WASM_RUNTIME_API_EXTERN wasm_module_t wasm_runtime_find_module_registered(const char *module_name);

/* A name for the module (WAMR 2.x), copied; setting it again replaces it.
 * It is the embedder's label only: imports are resolved by the names given
 * to wasm_runtime_register_module, never by this one. get returns the
 * last name set, "" if none (or for NULL); the string is valid until the
 * next set_module_name on the module or until it is freed. False, with the
 * reason in error_buf, for a NULL module or name. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_set_module_name(wasm_module_t module, const char *name, char *error_buf,
                                                          uint32_t error_buf_size);
WASM_RUNTIME_API_EXTERN const char *wasm_runtime_get_module_name(wasm_module_t module);

/* Reads the binary of a dependency: *p_buffer and *p_size; false if there
 * is no such module. The destroyer is called exactly once per buffer, when
 * that dependency is freed (or right away if it fails to load). */
typedef bool (*module_reader)(const char *module_name, uint8_t **p_buffer, uint32_t *p_size);
typedef void (*module_destroyer)(uint8_t *buffer, uint32_t size);
WASM_RUNTIME_API_EXTERN void(wasm_runtime_set_module_reader)(const module_reader reader,
                                                              const module_destroyer destroyer);
WASM_RUNTIME_API_EXTERN module_reader wasm_runtime_get_module_reader(void);
WASM_RUNTIME_API_EXTERN module_destroyer wasm_runtime_get_module_destroyer(void);

/* WAMR 1.3+ readers take the package type first; Strata asks them for
 * Wasm_Module_Bytecode. Either reader can be given to
 * wasm_runtime_set_module_reader: C11 and C++ pick this form by the
 * reader's type (below); strata_runtime_set_module_reader_ex is the same
 * by name. wasm_runtime_get_module_reader returns the older form only (NULL
 * when a package-type reader is set). */
typedef enum { Wasm_Module_Bytecode = 0, Wasm_Module_AoT, Package_Type_Unknown = 0xFFFF } package_type_t;
typedef bool (*module_reader_ex)(package_type_t module_type, const char *module_name, uint8_t **p_buffer,
                                 uint32_t *p_size);
WASM_RUNTIME_API_EXTERN void strata_runtime_set_module_reader_ex(const module_reader_ex reader,
                                                                 const module_destroyer destroyer);

/* ---- instances ---------------------------------------------------------- */

/* Instantiates the module and its dependencies, running start functions
 * (and reactors' _initialize) in dependency order. stack_size is the value
 * stack of the default exec env (wasm_application_execute_*); heap_size
 * bytes of linear memory are added to memory 0 for
 * wasm_runtime_module_malloc. */
WASM_RUNTIME_API_EXTERN wasm_module_inst_t wasm_runtime_instantiate(const wasm_module_t module, uint32_t stack_size, uint32_t heap_size,
                                                                    char *error_buf, uint32_t error_buf_size);
/* WAMR 2.x: the same with the arguments in a struct; max_memory_pages (0:
 * none) bounds every memory the instance and its dependencies create, as
 * strata_runtime_set_resource_limits does (the smaller bound wins): a
 * memory declared larger fails the instantiation, and memory.grow past it
 * returns -1. */
#ifndef INSTANTIATION_ARGS_OPTION_DEFINED
#define INSTANTIATION_ARGS_OPTION_DEFINED
typedef struct InstantiationArgs {
  uint32_t default_stack_size;
  uint32_t host_managed_heap_size;
  uint32_t max_memory_pages;
} InstantiationArgs;
#endif
WASM_RUNTIME_API_EXTERN wasm_module_inst_t wasm_runtime_instantiate_ex(const wasm_module_t module,
                                                                       const InstantiationArgs *args, char *error_buf,
                                                                       uint32_t error_buf_size);
/* Resource limits (not in WAMR), for the instances made after the call: at
 * most max_memory_pages per memory and max_table_elements per table (0: no
 * bound beyond the module's own maximum). An instance that declares more
 * fails to instantiate; growth past them (memory.grow, table.grow, the app
 * heap) fails as growth past the module's maximum does. The limiter, when
 * set, is asked about every growth the bounds let through, from the thread
 * that grows, with the current and the desired size (pages or elements),
 * and refuses it by returning false. */
typedef enum { STRATA_RESOURCE_MEMORY, STRATA_RESOURCE_TABLE } strata_resource_kind_t;
typedef bool (*strata_resource_limiter_t)(void *user_data, strata_resource_kind_t kind, uint64_t current,
                                          uint64_t desired);
WASM_RUNTIME_API_EXTERN void strata_runtime_set_resource_limits(uint64_t max_memory_pages, uint64_t max_table_elements,
                                                                strata_resource_limiter_t limiter, void *user_data);
/* Runtime-wide limits (not in WAMR), for what is loaded, instantiated and
 * compiled after the call; 0 lifts a bound:
 *   max_module_bytes    a module's binary: wasm_runtime_load refuses a
 *                       larger one, and a dependency the module reader
 *                       gives is refused before it is decoded;
 *   max_instances       instances alive in the process, dependencies and
 *                       replaced ones not yet freed included: the
 *                       instantiation that would pass it fails;
 *   max_jit_code_bytes  compiled code the process holds (default 1 GiB):
 *                       past it, functions stay in the tier they are in
 *                       (interpreted, at worst) and run correctly.
 * Each failure is one line in error_buf naming the limit. */
WASM_RUNTIME_API_EXTERN void strata_runtime_set_runtime_limits(uint64_t max_module_bytes, uint64_t max_instances,
                                                               uint64_t max_jit_code_bytes);
WASM_RUNTIME_API_EXTERN void wasm_runtime_deinstantiate(wasm_module_inst_t module_inst);
/* The module the instance was made from. For a dependency's instance (see
 * wasm_runtime_get_module_inst in a native) that is the dependency's
 * module: the embedder's handle if it loaded that module itself, else a
 * handle the runtime owns, which wasm_runtime_unload ignores and which
 * lives as long as the module. */
WASM_RUNTIME_API_EXTERN wasm_module_t wasm_runtime_get_module(wasm_module_inst_t module_inst);

/* An export of the instance, or "$mB$call_A": export call_A of dependency
 * mB of this instance. The signature is ignored (may be NULL). */
WASM_RUNTIME_API_EXTERN wasm_function_inst_t(wasm_runtime_lookup_function)(wasm_module_inst_t const module_inst,
                                                                          const char *name, const char *signature);

WASM_RUNTIME_API_EXTERN wasm_exec_env_t wasm_runtime_create_exec_env(wasm_module_inst_t module_inst, uint32_t stack_size);
WASM_RUNTIME_API_EXTERN void wasm_runtime_destroy_exec_env(wasm_exec_env_t exec_env);
WASM_RUNTIME_API_EXTERN wasm_module_inst_t wasm_runtime_get_module_inst(wasm_exec_env_t exec_env);
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_user_data(wasm_exec_env_t exec_env, void *user_data);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_get_user_data(wasm_exec_env_t exec_env);
/* The attachment of the native being called. */
WASM_RUNTIME_API_EXTERN void *wasm_runtime_get_function_attachment(wasm_exec_env_t exec_env);

/* argv: 32-bit cells, i64/f64 taking two (low cell first); results are
 * written back from argv[0]. False on a trap (see get_exception). */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_call_wasm(wasm_exec_env_t exec_env, wasm_function_inst_t function, uint32_t argc, uint32_t argv[]);
/* Each argument's kind must be its parameter's (WASM_ANYREF is
 * WASM_EXTERNREF): an externref is of.foreign, a funcref of.ref (see
 * wasm_val_t). Results get their kinds and values the same way. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_call_wasm_a(wasm_exec_env_t exec_env, wasm_function_inst_t function, uint32_t num_results,
                                                      wasm_val_t results[], uint32_t num_args, wasm_val_t *args);

/* wasm_runtime_call_wasm_a with the arguments as C varargs, one per
 * parameter in its C type: int32_t, int64_t, double for f32 and f64 (C's
 * promotion), uintptr_t for an externref (as in WAMR), a
 * wasm_function_inst_t for a funcref; no v128 parameters. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_call_wasm_v(wasm_exec_env_t exec_env, wasm_function_inst_t function,
                                                      uint32_t num_results, wasm_val_t results[], uint32_t num_args,
                                                      ...);
/* Calls the function at element_index of table 0 of the exec env's
 * instance, with argv as wasm_runtime_call_wasm's cells. An empty element
 * or one out of range is the exception "uninitialized element" /
 * "undefined element". */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_call_indirect(wasm_exec_env_t exec_env, uint32_t element_index,
                                                        uint32_t argc, uint32_t argv[]);
/* The instance's own exec env (created on first use, freed with the
 * instance), the one wasm_application_execute_main uses. */
WASM_RUNTIME_API_EXTERN wasm_exec_env_t wasm_runtime_get_exec_env_singleton(wasm_module_inst_t module_inst);
WASM_RUNTIME_API_EXTERN uint32_t wasm_func_get_param_count(wasm_function_inst_t func_inst, wasm_module_inst_t module_inst);
WASM_RUNTIME_API_EXTERN uint32_t wasm_func_get_result_count(wasm_function_inst_t func_inst, wasm_module_inst_t module_inst);
/* Writes the kind of each parameter (result) of the function, as many as
 * get_param_count (get_result_count) says, to the array. The instance is
 * ignored. Kinds as wasm_func_type_get_param_valkind: a reference type
 * without a wasm_valkind_t (exnref, GC references) gives WASM_I32. */
WASM_RUNTIME_API_EXTERN void wasm_func_get_param_types(wasm_function_inst_t const func_inst,
                                                       wasm_module_inst_t const module_inst, wasm_valkind_t *param_types);
WASM_RUNTIME_API_EXTERN void wasm_func_get_result_types(wasm_function_inst_t const func_inst,
                                                        wasm_module_inst_t const module_inst, wasm_valkind_t *result_types);

/* Calls _start, else __main_argc_argv / main (with argc/argv copied into
 * the app heap when main takes them). A WASI command's arguments are those
 * of wasm_runtime_set_wasi_args (argc/argv here are ignored for _start, as
 * in WAMR); when it calls proc_exit the call still succeeds and the code is
 * wasm_runtime_get_wasi_exit_code's. */
WASM_RUNTIME_API_EXTERN bool wasm_application_execute_main(wasm_module_inst_t module_inst, int32_t argc, char *argv[]);
/* Calls `name` (as lookup_function) with argv parsed for its parameter
 * types and prints the results as iwasm does: "0xc:i32", one line,
 * several results separated by ','. */
WASM_RUNTIME_API_EXTERN bool wasm_application_execute_func(wasm_module_inst_t module_inst, const char *name, int32_t argc, char *argv[]);

/* "Exception: integer divide by zero", or NULL. */
WASM_RUNTIME_API_EXTERN const char *wasm_runtime_get_exception(wasm_module_inst_t module_inst);
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_exception(wasm_module_inst_t module_inst, const char *exception);
WASM_RUNTIME_API_EXTERN void wasm_runtime_clear_exception(wasm_module_inst_t module_inst);
/* Stops the instance from any thread, as if it trapped: a call running on
 * any exec env of the instance (or of its dependencies' group) ends within
 * milliseconds in every tier (checks at function entries and loop headers)
 * and returns false with the exception "terminated by user"; later calls
 * fail the same way until wasm_runtime_clear_exception. */
WASM_RUNTIME_API_EXTERN void wasm_runtime_terminate(wasm_module_inst_t module_inst);
/* WAMR 2.x: bounds what calls on exec_env may still do; the call that runs
 * out returns false with the exception "instruction limit exceeded", and so
 * do later ones until a new limit is set. -1 lifts the bound. What differs:
 * Strata counts units of fuel, not instructions, in every tier alike: one
 * per function entry and per loop iteration (each stands for at most a
 * function's or loop body's straight-line code, so a guest out of fuel
 * cannot run on). The count goes on across calls, as in WAMR. The first
 * limit other than -1 turns metering on for code translated or compiled
 * from then on: set it before the first call of the functions it should
 * bound (metered code pays a decrement per call and iteration, so it is off
 * until asked for). */
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_instruction_count_limit(wasm_exec_env_t exec_env, int instruction_count);
/* Epoch deadlines (not in WAMR; wasmtime's epoch interruption): the embedder,
 * or a timer thread of its own, advances a process-wide epoch with
 * strata_runtime_increment_epoch (any thread; returns the new epoch). The
 * increment that reaches an exec env's deadline, set in ticks beyond the
 * current epoch, stops the call running on it as wasm_runtime_terminate
 * would (false, exception "execution timed out"), or its next call if none
 * runs. The deadline is then used up, and later calls run normally; set it
 * again before each call that needs one. Running guest code pays nothing for
 * it (the increment compares). Destroying the exec env clears it. */
WASM_RUNTIME_API_EXTERN uint64_t strata_runtime_increment_epoch(void);
WASM_RUNTIME_API_EXTERN void strata_runtime_set_epoch_deadline(wasm_exec_env_t exec_env, uint64_t ticks_beyond_current);
WASM_RUNTIME_API_EXTERN void strata_runtime_clear_epoch_deadline(wasm_exec_env_t exec_env);

/* The wasm call stack of the last call on exec_env that trapped (WAMR's
 * "dump call stack"), innermost first, one line per function:
 * "#00: 0x00b2 - fib" (the offset of the function's code in its module,
 * then its name from the name section or the export). Strata records
 * functions, not instructions, so the offset is the function's start
 * (the same in every tier, inlined callees included). Empty (size 0)
 * when the last call did not trap. dump_call_stack prints it to stdout;
 * get_call_stack_buf_size is the size with the terminating NUL;
 * dump_call_stack_to_buf copies at most len - 1 bytes and a NUL and
 * returns the bytes copied without it. */
WASM_RUNTIME_API_EXTERN void wasm_runtime_dump_call_stack(wasm_exec_env_t exec_env);
WASM_RUNTIME_API_EXTERN uint32_t wasm_runtime_get_call_stack_buf_size(wasm_exec_env_t exec_env);
WASM_RUNTIME_API_EXTERN uint32_t wasm_runtime_dump_call_stack_to_buf(wasm_exec_env_t exec_env, char *buf, uint32_t len);

WASM_RUNTIME_API_EXTERN void wasm_runtime_set_custom_data(wasm_module_inst_t module_inst, void *custom_data);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_get_custom_data(wasm_module_inst_t module_inst);

/* ---- the app heap and addresses ----------------------------------------- */

/* Allocates from the app heap (heap_size bytes of memory 0 given at
 * instantiation; without one, the module's exported malloc/free if any).
 * Returns the app offset (0 on failure) and the native address. */
WASM_RUNTIME_API_EXTERN uint32_t wasm_runtime_module_malloc(wasm_module_inst_t module_inst, uint32_t size, void **p_native_addr);
WASM_RUNTIME_API_EXTERN void wasm_runtime_module_free(wasm_module_inst_t module_inst, uint32_t ptr);
WASM_RUNTIME_API_EXTERN uint32_t wasm_runtime_module_dup_data(wasm_module_inst_t module_inst, const char *src, uint32_t size);

WASM_RUNTIME_API_EXTERN bool wasm_runtime_validate_app_addr(wasm_module_inst_t module_inst, uint32_t app_offset, uint32_t size);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_validate_app_str_addr(wasm_module_inst_t module_inst, uint32_t app_str_offset);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_validate_native_addr(wasm_module_inst_t module_inst, void *native_ptr, uint32_t size);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_addr_app_to_native(wasm_module_inst_t module_inst, uint32_t app_offset);
WASM_RUNTIME_API_EXTERN uint32_t wasm_runtime_addr_native_to_app(wasm_module_inst_t module_inst, void *native_ptr);
/* The region an address lies in: [0, size) of memory 0 (the app heap
 * included), its start and end (one past the last byte) written where the
 * pointers are not NULL. False, writing nothing, for an address outside it
 * or an instance without memory. The app form is also false for a memory
 * of 4 GiB or more, whose end does not fit its 32 bits (WAMR 1.3's width;
 * 2.x's is uint64_t). The native range is valid until the memory grows. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_get_app_addr_range(wasm_module_inst_t module_inst, uint32_t app_offset,
                                                             uint32_t *p_app_start_offset, uint32_t *p_app_end_offset);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_get_native_addr_range(wasm_module_inst_t module_inst, uint8_t *native_ptr,
                                                                uint8_t **p_native_start_addr,
                                                                uint8_t **p_native_end_addr);

/* ---- natives ------------------------------------------------------------ */

/* The array must stay valid while the runtime runs (as in WAMR). Natives
 * must be registered before loading modules that import them. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_register_natives(const char *module_name, NativeSymbol *native_symbols, uint32_t n_native_symbols);
/* Raw natives: void func(wasm_exec_env_t exec_env, uint64_t *args), each
 * argument in one 64-bit cell, the result written to args[0]. */
/* Removes the natives registered under module_name with this array (the
 * pointer given to register_natives). Modules loaded before keep theirs.
 * False if no such registration exists. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_unregister_natives(const char *module_name, NativeSymbol *native_symbols);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_register_natives_raw(const char *module_name, NativeSymbol *native_symbols,
                                                               uint32_t n_native_symbols);

/* ---- WASI --------------------------------------------------------------- */

/* The WASI arguments of a module: preopened directories (the guest sees
 * each under its host path), "GUEST::HOST" mappings, "KEY=VALUE"
 * environment strings and argv (argv[0] is the program name). The strings
 * are copied. They take effect at the next wasm_runtime_instantiate, which
 * builds a new WASI context (fd table) for each root instance and fails with
 * a clear error if a directory cannot be opened or an argument is bad (a
 * NULL list with a nonzero count, a mapping without "::", an env entry
 * without '='). Modules of the same group (the root and the dependencies
 * instantiated for it) share the root's context, so a WASI reactor used as
 * a library writes to the same descriptors as the command that imports it;
 * a dependency with its own wasm_runtime_set_wasi_args gets its own. A
 * module that imports WASI without any set_wasi_args sees no arguments, no
 * environment and no preopened directory, with the process's stdio. */
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_wasi_args(wasm_module_t module, const char *dir_list[], uint32_t dir_count,
                                                        const char *map_dir_list[], uint32_t map_dir_count, const char *env[],
                                                        uint32_t env_count, char *argv[], int argc);
/* The same, with the host descriptors behind the guest's fds 0, 1 and 2
 * (-1: the process's own). They are not closed by the runtime. */
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_wasi_args_ex(wasm_module_t module, const char *dir_list[], uint32_t dir_count,
                                                           const char *map_dir_list[], uint32_t map_dir_count, const char *env[],
                                                           uint32_t env_count, char *argv[], int argc, int64_t stdinfd, int64_t stdoutfd,
                                                           int64_t stderrfd);
/* True for a root instance whose module imports WASI. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_is_wasi_mode(wasm_module_inst_t module_inst);
/* The command's _start, or NULL. */
WASM_RUNTIME_API_EXTERN wasm_function_inst_t wasm_runtime_lookup_wasi_start_function(wasm_module_inst_t module_inst);
/* A call that ends in proc_exit(code) (in the instance or any of its
 * dependencies) returns true, as in WAMR, with no exception; this is the
 * code of the last one (0 after wasm_application_execute_main when _start
 * returned normally). */
WASM_RUNTIME_API_EXTERN uint32_t wasm_runtime_get_wasi_exit_code(wasm_module_inst_t module_inst);

/* ---------------------------------------------------------------------------
 * Logging (WAMR's levels). Strata's library writes a message to stderr only
 * for a problem the embedder caused (an invalid native signature: ERROR);
 * the level filters those. Default: WASM_LOG_LEVEL_WARNING, as in WAMR.
 */
typedef enum log_level_t {
  WASM_LOG_LEVEL_FATAL = 0,
  WASM_LOG_LEVEL_ERROR = 1,
  WASM_LOG_LEVEL_WARNING = 2,
  WASM_LOG_LEVEL_DEBUG = 3,
  WASM_LOG_LEVEL_VERBOSE = 4
} log_level_t;
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_log_level(log_level_t level);

/* ---------------------------------------------------------------------------
 * Module information (WAMR 2.x).
 */
/* Strata's version (the package version). */
WASM_RUNTIME_API_EXTERN void wasm_runtime_get_version(uint32_t *major, uint32_t *minor, uint32_t *patch);
/* Whether the buffer is an execute-in-place AOT file: Strata runs wasm
 * binaries only, so always false. */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_is_xip_file(const uint8_t *buf, uint32_t size);
/* The contents of the first custom section called `name` (the bytes after
 * its name), and its length in *len; NULL if there is none. The pointer is
 * valid as long as the module is loaded. */
WASM_RUNTIME_API_EXTERN const uint8_t *wasm_runtime_get_custom_section(wasm_module_t const module, const char *name,
                                                                        uint32_t *len);

typedef enum {
  WASM_IMPORT_EXPORT_KIND_FUNC,
  WASM_IMPORT_EXPORT_KIND_TABLE,
  WASM_IMPORT_EXPORT_KIND_MEMORY,
  WASM_IMPORT_EXPORT_KIND_GLOBAL,
  /* Strata's extension: an exception tag (no type handle in `u`). */
  WASM_IMPORT_EXPORT_KIND_TAG
} wasm_import_export_kind_t;

struct WASMFuncType;
typedef struct WASMFuncType *wasm_func_type_t;
struct WASMTableType;
typedef struct WASMTableType *wasm_table_type_t;
struct WASMGlobalType;
typedef struct WASMGlobalType *wasm_global_type_t;
struct WASMMemoryType;
typedef struct WASMMemoryType *wasm_memory_type_t;

typedef struct wasm_import_t {
  const char *module_name;
  const char *name;
  wasm_import_export_kind_t kind;
  bool linked; /* resolved when the module was loaded (always true: load-time linking) */
  union {
    wasm_func_type_t func_type;
    wasm_table_type_t table_type;
    wasm_global_type_t global_type;
    wasm_memory_type_t memory_type;
  } u;
} wasm_import_t;

typedef struct wasm_export_t {
  const char *name;
  wasm_import_export_kind_t kind;
  union {
    wasm_func_type_t func_type;
    wasm_table_type_t table_type;
    wasm_global_type_t global_type;
    wasm_memory_type_t memory_type;
  } u;
} wasm_export_t;

/* Counts are -1 for a null module; an out-of-range index leaves *out zeroed.
 * The strings and types stay valid as long as the module is loaded. */
WASM_RUNTIME_API_EXTERN int32_t wasm_runtime_get_import_count(const wasm_module_t module);
WASM_RUNTIME_API_EXTERN void wasm_runtime_get_import_type(const wasm_module_t module, int32_t import_index,
                                                         wasm_import_t *import_type);
WASM_RUNTIME_API_EXTERN int32_t wasm_runtime_get_export_count(const wasm_module_t module);
WASM_RUNTIME_API_EXTERN void wasm_runtime_get_export_type(const wasm_module_t module, int32_t export_index,
                                                         wasm_export_t *export_type);

WASM_RUNTIME_API_EXTERN uint32_t wasm_func_type_get_param_count(const wasm_func_type_t func_type);
WASM_RUNTIME_API_EXTERN wasm_valkind_t wasm_func_type_get_param_valkind(const wasm_func_type_t func_type,
                                                                        uint32_t param_index);
WASM_RUNTIME_API_EXTERN uint32_t wasm_func_type_get_result_count(const wasm_func_type_t func_type);
WASM_RUNTIME_API_EXTERN wasm_valkind_t wasm_func_type_get_result_valkind(const wasm_func_type_t func_type,
                                                                         uint32_t result_index);
WASM_RUNTIME_API_EXTERN wasm_valkind_t wasm_global_type_get_valkind(const wasm_global_type_t global_type);
WASM_RUNTIME_API_EXTERN bool wasm_global_type_get_mutable(const wasm_global_type_t global_type);
WASM_RUNTIME_API_EXTERN bool wasm_memory_type_get_shared(const wasm_memory_type_t memory_type);
WASM_RUNTIME_API_EXTERN uint32_t wasm_memory_type_get_init_page_count(const wasm_memory_type_t memory_type);
WASM_RUNTIME_API_EXTERN uint32_t wasm_memory_type_get_max_page_count(const wasm_memory_type_t memory_type);
WASM_RUNTIME_API_EXTERN wasm_valkind_t wasm_table_type_get_elem_kind(const wasm_table_type_t table_type);
WASM_RUNTIME_API_EXTERN bool wasm_table_type_get_shared(const wasm_table_type_t table_type);
WASM_RUNTIME_API_EXTERN uint32_t wasm_table_type_get_init_size(const wasm_table_type_t table_type);
WASM_RUNTIME_API_EXTERN uint32_t wasm_table_type_get_max_size(const wasm_table_type_t table_type);

/* ---------------------------------------------------------------------------
 * Instance contexts (WAMR 1.3+), modelled on pthread keys: up to 8 keys at
 * once (create returns NULL beyond); each module instance has one context
 * per key, NULL until set. When an instance is deinstantiated, the key's
 * destructor (if any) is called for each non-NULL context. set_context_spread
 * is set_context: Strata has no thread clusters sharing an instance.
 * Destroying a key does not call destructors; contexts set with it are
 * forgotten.
 */
WASM_RUNTIME_API_EXTERN void *wasm_runtime_create_context_key(void (*dtor)(wasm_module_inst_t inst, void *ctx));
WASM_RUNTIME_API_EXTERN void wasm_runtime_destroy_context_key(void *key);
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_context(wasm_module_inst_t inst, void *key, void *ctx);
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_context_spread(wasm_module_inst_t inst, void *key, void *ctx);
WASM_RUNTIME_API_EXTERN void *wasm_runtime_get_context(wasm_module_inst_t inst, void *key);

/* ---------------------------------------------------------------------------
 * Exec envs and threads (WAMR's thread manager API, without shared memory:
 * a spawned thread runs on the same instance and memory; the embedder
 * serialises what the guest does not). A spawned exec env has its own
 * value stack (the default size) and belongs to the caller.
 */
typedef uintptr_t wasm_thread_t;
typedef void *(*wasm_thread_callback_t)(wasm_exec_env_t exec_env, void *arg);
/* At most this many spawned threads run at once (default 4, as in WAMR);
 * spawn_thread fails beyond. */
WASM_RUNTIME_API_EXTERN void wasm_runtime_set_max_thread_num(uint32_t num);
WASM_RUNTIME_API_EXTERN wasm_exec_env_t wasm_runtime_spawn_exec_env(wasm_exec_env_t exec_env);
WASM_RUNTIME_API_EXTERN void wasm_runtime_destroy_spawned_exec_env(wasm_exec_env_t exec_env);
/* Runs callback(env, arg) on a new thread with an exec env of its own
 * (destroyed when the callback returns). 0 on success, -1 on failure. */
WASM_RUNTIME_API_EXTERN int32_t wasm_runtime_spawn_thread(wasm_exec_env_t exec_env, wasm_thread_t *tid,
                                                          wasm_thread_callback_t callback, void *arg);
/* Waits for the thread; *retval (if not NULL) is what the callback
 * returned. 0 on success. */
WASM_RUNTIME_API_EXTERN int32_t wasm_runtime_join_thread(wasm_thread_t tid, void **retval);

/* A host thread that was not spawned by the runtime calls init before it
 * calls into wasm and destroy after, as in WAMR. Strata needs no other
 * per-thread set-up: init prepares the JIT's per-thread state (the thread's
 * stack bounds) ahead of the first call, and a thread that skips it still
 * works. thread_env_inited says whether this thread called init (and not
 * destroy since). */
WASM_RUNTIME_API_EXTERN bool wasm_runtime_init_thread_env(void);
WASM_RUNTIME_API_EXTERN void wasm_runtime_destroy_thread_env(void);
WASM_RUNTIME_API_EXTERN bool wasm_runtime_thread_env_inited(void);

/* ---- Strata extensions -------------------------------------------------- */

/* Opt-in sharing of dependency instances: after this call, instantiating
 * any root that depends on module_name links to the instance of
 * module_name inside module_inst's group (module_inst's own module or one
 * of its dependencies) instead of creating a new one. That group then lives
 * until module_inst is deinstantiated and every instance linked to it is
 * too. Pass NULL to stop sharing module_name. */
WASM_RUNTIME_API_EXTERN bool strata_runtime_share_instance(const char *module_name, wasm_module_inst_t module_inst);

/* How many of the root's import slots (and its dependencies') point at a
 * function, and re-pointing them: the patch point of tier-up and of hot
 * replacement. Returns the number of slots patched. */
WASM_RUNTIME_API_EXTERN uint32_t strata_runtime_patch_imports(wasm_module_inst_t module_inst, wasm_function_inst_t from,
                                                              wasm_function_inst_t to);

/* Hot replacement of a dependency (no peer runtime has it): instantiates
 * new_module (loaded with wasm_runtime_load) in place of module_inst's
 * dependency module_name, then re-points every reference the group holds
 * to the old instance's exported functions (the importers' import slots,
 * one atomic store each, and funcref elements of the group's tables and
 * globals) to the new instance's exports of the same names. new_module's
 * own imports come from the group's instances (by module name) and host
 * modules; its start function and a reactor's _initialize run first, on the
 * calling thread's exec env. Its state starts fresh: the old instance's
 * memory and globals are not carried over. new_module may be unloaded
 * afterwards; the instance keeps what it needs. The C++ form is
 * strata::InstanceGroup::replace (src/runtime/linker.h).
 *
 * Fails, changing nothing, with one line in error_buf when: module_name is
 * the root or not a dependency of this group; an importer imports a memory,
 * table or global from it; new_module lacks a function an importer uses or
 * its type differs; new_module imports a module not in the group or fails
 * to start; other roots' instances link to this group
 * (strata_runtime_share_instance).
 *
 * In-flight calls: a call already running in the old code (for instance the
 * native that called this function) finishes on the old code; every call
 * made after this function returns (through an import slot, a table, or
 * lookup_function "$name$f") runs the new code. The old instance is
 * "retired" and freed when no call through this API is running on any
 * thread (the moment the last running wasm_runtime_call_wasm /
 * wasm_application_execute_* returns, or at once if none is running),
 * unless a table or global of the group still refers to one of its
 * functions that was not exported (then at the next replacement in the
 * group or at wasm_runtime_deinstantiate). wasm_function_inst_t handles of
 * the old instance's functions must not be used after the replacement. */
WASM_RUNTIME_API_EXTERN bool strata_runtime_replace_module(wasm_module_inst_t module_inst, const char *module_name,
                                                           wasm_module_t new_module, char *error_buf, uint32_t error_buf_size);
/* How many replaced instances of module_inst's group are not freed yet. */
WASM_RUNTIME_API_EXTERN uint32_t strata_runtime_retired_count(wasm_module_inst_t module_inst);

#ifdef __cplusplus
}
#endif

/* Code written for either era of WAMR's API compiles: the 2-argument
 * wasm_runtime_lookup_function of WAMR 2.x beside the 3-argument one, and
 * a package-type module reader beside the older one. */
#ifdef __cplusplus
#include <type_traits>
inline wasm_function_inst_t wasm_runtime_lookup_function(wasm_module_inst_t const module_inst, const char *name) {
  return wasm_runtime_lookup_function(module_inst, name, nullptr);
}
/* A package-type reader (only a reader of exactly that type: nullptr and
 * NULL keep meaning "no reader" through the C function). */
template <class Reader, typename std::enable_if<std::is_convertible<Reader, module_reader_ex>::value &&
                                                    !std::is_convertible<Reader, module_reader>::value,
                                                int>::type = 0>
inline void wasm_runtime_set_module_reader(Reader reader, const module_destroyer destroyer) {
  strata_runtime_set_module_reader_ex(reader, destroyer);
}
#else
#define STRATA_PICK_3_(_1, _2, _3, name, ...) name
#define STRATA_LOOKUP_2_(inst, name) (wasm_runtime_lookup_function)(inst, name, NULL)
#define STRATA_LOOKUP_3_(inst, name, sig) (wasm_runtime_lookup_function)(inst, name, sig)
#define wasm_runtime_lookup_function(...) \
  STRATA_PICK_3_(__VA_ARGS__, STRATA_LOOKUP_3_, STRATA_LOOKUP_2_, unused)(__VA_ARGS__)
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define wasm_runtime_set_module_reader(reader, destroyer)                                 \
  _Generic((reader), module_reader_ex: strata_runtime_set_module_reader_ex, default: \
           (wasm_runtime_set_module_reader))(reader, destroyer)
#endif
#endif

#endif /* _WASM_EXPORT_H */
