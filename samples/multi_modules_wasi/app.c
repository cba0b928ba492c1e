/* A WASI command (exports _start) that imports from the reactor libstats. */
#include <stdio.h>
#include <string.h>

__attribute__((import_module("libstats"), import_name("sum_squares"))) int sum_squares(int n);
__attribute__((import_module("libstats"), import_name("init_runs"))) int init_runs(void);

int main(int argc, char **argv)
{
    printf("app: argc=%d", argc);
    for (int i = 1; i < argc; i++)
        printf(" argv[%d]=%s", i, argv[i]);
    printf("\n");
    fflush(stdout);
    int s = sum_squares(5);
    printf("app: sum_squares(5) = %d\n", s);
    printf("app: libstats initialized %d time(s)\n", init_runs());
    return s == 30 && init_runs() == 1 ? 0 : 1;
}
