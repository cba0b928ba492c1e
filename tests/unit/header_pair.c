/* Compiled (never run): <wasm_export.h> and <wasm.h> in one file, as a WAMR
 * embedder includes wasm_export.h and wasm_c_api.h, in the order
 * STRATA_WASM_H_FIRST picks, as C99 and C11 with -Wall -Wextra -pedantic
 * -Werror and as C++17 (header_pair.cpp). Uses a few names of each; what
 * the renamed value calls do at run time is tested by
 * c_api_wasm_h_first_test.cpp and c_api_export_first_test.cpp. */
#include <stddef.h>
#include <stdint.h>

#ifdef STRATA_WASM_H_FIRST
#include "wasm.h"
#include "wasm_export.h"
#else
#include "wasm_export.h"
#include "wasm.h"
#endif

/* One set of value kinds, whichever header defined it. */
typedef char strata_kinds_agree[(WASM_V128 == 4 && WASM_EXTERNREF == 128 && WASM_ANYREF == WASM_EXTERNREF &&
                                 WASM_FUNCREF == 129)
                                    ? 1
                                    : -1];

#ifdef __cplusplus
extern "C" {
#endif
void strata_header_pair(wasm_exec_env_t env, wasm_function_inst_t f, wasm_store_t *store, const wasm_func_t *func);
#ifdef __cplusplus
}
#endif

void strata_header_pair(wasm_exec_env_t env, wasm_function_inst_t f, wasm_store_t *store, const wasm_func_t *func) {
  /* wasm_export.h: one handle type, wasm_module_t; the values of the file. */
  wasm_module_inst_t inst = wasm_runtime_get_module_inst(env);
  wasm_module_t module = wasm_runtime_get_module(inst);
  wasm_valkind_t kinds[2];
  wasm_val_t args[2], results[1];
  (void)wasm_runtime_get_module_name(module);
  wasm_func_get_param_types(f, inst, kinds);
  args[0].kind = WASM_I32;
  args[0].of.i32 = 1;
  args[1].kind = WASM_EXTERNREF;
  args[1].of.foreign = (uintptr_t)0x1234; /* in either wasm_val_t */
  (void)wasm_runtime_call_wasm_a(env, f, 1, results, 2, args);
  (void)wasm_runtime_call_wasm_v(env, f, 1, results, 2, (int32_t)1, (uintptr_t)0);
  (void)wasm_runtime_lookup_function(inst, "f");

  /* wasm.h: modules are wasm_module_t*, values the file's wasm_val_t. */
  {
    wasm_byte_vec_t binary = WASM_EMPTY_VEC;
    wasm_module_t *compiled = wasm_module_new(store, &binary);
    wasm_val_vec_t vargs, vresults;
    wasm_trap_t *trap;
    wasm_val_vec_new(&vargs, 2, args);
    wasm_val_vec_new_uninitialized(&vresults, 1);
    trap = wasm_func_call(func, &vargs, &vresults);
    if (trap) wasm_trap_delete(trap);
    wasm_val_vec_delete(&vresults);
    wasm_val_vec_delete(&vargs);
    if (compiled) wasm_module_delete(compiled);
  }
}

#ifdef STRATA_HEADER_PAIR_MAIN
/* The install test links the file into a program (never run), so that
 * every function it names must be exported by libstrata.so. */
int main(void) { return 0; }
#endif
