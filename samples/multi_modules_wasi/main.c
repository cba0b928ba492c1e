/* The WASI variant of the multi-module sample: app.wasm (a WASI command)
 * imports sum_squares and init_runs from libstats.wasm (a WASI reactor).
 * Only app is loaded by hand; the module reader supplies libstats, whose
 * _initialize runs once at instantiation. app runs through
 * wasm_application_execute_main with its argv from wasm_runtime_set_wasi_args,
 * and its exit code comes from wasm_runtime_get_wasi_exit_code.
 *
 *   multi_modules_wasi DIR [ARGS...]   DIR holds app.wasm and libstats.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_export.h"

static const char *wasm_dir = ".";

static uint8_t *
read_file(const char *name, uint32_t *size)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.wasm", wasm_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc(len ? (size_t)len : 1);
        if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    if (buf)
        *size = (uint32_t)len;
    return buf;
}

static bool
reader(const char *module_name, uint8_t **p_buffer, uint32_t *p_size)
{
    *p_buffer = read_file(module_name, p_size);
    return *p_buffer != NULL;
}

static void
destroyer(uint8_t *buffer, uint32_t size)
{
    (void)size;
    free(buffer);
}

int
main(int argc, char *argv[])
{
    char error_buf[256];
    int ret = 1;
    if (argc > 1)
        wasm_dir = argv[1];
    if (!wasm_runtime_init()) {
        fprintf(stderr, "wasm_runtime_init failed\n");
        return 1;
    }
    wasm_runtime_set_module_reader(reader, destroyer);

    uint32_t size = 0;
    uint8_t *buf = read_file("app", &size);
    wasm_module_t module = NULL;
    wasm_module_inst_t inst = NULL;
    if (!buf) {
        fprintf(stderr, "cannot read %s/app.wasm\n", wasm_dir);
        goto out;
    }
    module = wasm_runtime_load(buf, size, error_buf, sizeof(error_buf));
    if (!module) {
        fprintf(stderr, "load failed: %s\n", error_buf);
        goto out;
    }
    /* The guest's argv: "app" and this program's arguments after DIR. */
    char *wasi_argv[16] = { "app" };
    int wasi_argc = 1;
    for (int i = 2; i < argc && wasi_argc < 16; i++)
        wasi_argv[wasi_argc++] = argv[i];
    wasm_runtime_set_wasi_args(module, NULL, 0, NULL, 0, NULL, 0, wasi_argv, wasi_argc);

    inst = wasm_runtime_instantiate(module, 64 * 1024, 0, error_buf, sizeof(error_buf));
    if (!inst) {
        fprintf(stderr, "instantiate failed: %s\n", error_buf);
        goto out;
    }
    if (!wasm_application_execute_main(inst, 0, NULL)) {
        fprintf(stderr, "%s\n", wasm_runtime_get_exception(inst));
        goto out;
    }
    ret = (int)wasm_runtime_get_wasi_exit_code(inst);
    printf("exit code %d\n", ret);

out:
    if (inst)
        wasm_runtime_deinstantiate(inst);
    if (module)
        wasm_runtime_unload(module);
    free(buf);
    wasm_runtime_destroy();
    return ret;
}
