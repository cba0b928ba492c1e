/* Compiled (never run) as C11 with -Wall -Wextra -pedantic -Werror: code
 * written for either era of WAMR's wasm_export.h compiles unchanged. */
#include <stddef.h>

#include "wasm_export.h"

static bool reader3(const char *name, uint8_t **buffer, uint32_t *size) {
  (void)name, (void)buffer, (void)size;
  return false;
}
static bool reader4(package_type_t type, const char *name, uint8_t **buffer, uint32_t *size) {
  (void)type, (void)name, (void)buffer, (void)size;
  return false;
}

void strata_header_forms(wasm_module_inst_t inst);
void strata_header_forms(wasm_module_inst_t inst) {
  wasm_runtime_set_module_reader(reader3, NULL);  /* WAMR 1.x */
  wasm_runtime_set_module_reader(reader4, NULL);  /* WAMR 1.3+/2.x */
  wasm_runtime_set_module_reader(NULL, NULL);
  (void)wasm_runtime_lookup_function(inst, "f", NULL); /* 1.x */
  (void)wasm_runtime_lookup_function(inst, "f");       /* 2.x */
  wasm_import_t import;
  wasm_runtime_get_import_type(NULL, 0, &import);
  wasm_val_t v;
  v.kind = WASM_I32;
  v.kind = WASM_ANYREF;    /* externref in 1.x */
  v.kind = WASM_EXTERNREF; /* and in 2.x */
  v.of.foreign = 0;
  (void)v;
}
