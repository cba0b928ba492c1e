/* The multi-module sample: mC imports A from mA and B from mB, and mB
 * imports A from mA. Only mC is loaded by hand; the runtime asks the module
 * reader below for mB and mA while loading it, links the three and
 * instantiates them together.
 *
 *   multi_modules [DIR]     DIR holds mA.wasm, mB.wasm and mC.wasm (default .)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_export.h"

static const char *wasm_dir = ".";
static char global_heap_buf[10 * 1024 * 1024];

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
module_reader_callback(const char *module_name, uint8_t **p_buffer, uint32_t *p_size)
{
    printf("- module_reader_callback: read %s\n", module_name);
    *p_buffer = read_file(module_name, p_size);
    return *p_buffer != NULL;
}

static void
module_destroyer_callback(uint8_t *buffer, uint32_t size)
{
    printf("- module_destroyer_callback: release %u bytes\n", size);
    free(buffer);
}

int
main(int argc, char *argv[])
{
    char error_buf[256];
    int ret = 1;
    char *args[1] = { NULL };
    uint32_t size = 0;
    uint8_t *buffer = NULL;
    wasm_module_t module = NULL;
    wasm_module_inst_t module_inst = NULL;
    RuntimeInitArgs init_args;

    if (argc > 1)
        wasm_dir = argv[1];

    memset(&init_args, 0, sizeof(init_args));
    init_args.mem_alloc_type = Alloc_With_Pool;
    init_args.mem_alloc_option.pool.heap_buf = global_heap_buf;
    init_args.mem_alloc_option.pool.heap_size = sizeof(global_heap_buf);
    if (!wasm_runtime_full_init(&init_args)) {
        printf("Init runtime environment failed.\n");
        return 1;
    }

    wasm_runtime_set_module_reader(module_reader_callback, module_destroyer_callback);

    buffer = read_file("mC", &size);
    if (!buffer) {
        printf("cannot read %s/mC.wasm\n", wasm_dir);
        goto fail;
    }
    module = wasm_runtime_load(buffer, size, error_buf, sizeof(error_buf));
    if (!module) {
        printf("%s\n", error_buf);
        goto fail;
    }

    module_inst = wasm_runtime_instantiate(module, 8 * 1024, 8 * 1024, error_buf, sizeof(error_buf));
    if (!module_inst) {
        printf("%s\n", error_buf);
        goto fail;
    }

    ret = 0;
    printf("call \"C\", it will return 0xc:i32, ===> ");
    ret |= !wasm_application_execute_func(module_inst, "C", 0, args);
    printf("call \"call_B\", it will return 0xb:i32, ===> ");
    ret |= !wasm_application_execute_func(module_inst, "call_B", 0, args);
    printf("call \"call_A\", it will return 0xa:i32, ===> ");
    ret |= !wasm_application_execute_func(module_inst, "call_A", 0, args);

    /* exports of the dependencies, through the root instance */
    printf("call \"$mB$B\", it will return 0xb:i32, ===> ");
    ret |= !wasm_application_execute_func(module_inst, "$mB$B", 0, args);
    printf("call \"$mB$call_A\", it will return 0xa:i32, ===> ");
    ret |= !wasm_application_execute_func(module_inst, "$mB$call_A", 0, args);
    printf("call \"$mA$A\", it will return 0xa:i32, ===> ");
    ret |= !wasm_application_execute_func(module_inst, "$mA$A", 0, args);
    if (ret && wasm_runtime_get_exception(module_inst))
        printf("%s\n", wasm_runtime_get_exception(module_inst));

fail:
    if (module_inst)
        wasm_runtime_deinstantiate(module_inst);
    if (module)
        wasm_runtime_unload(module);
    free(buffer);
    wasm_runtime_destroy();
    return ret;
}
