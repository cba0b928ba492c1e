/* A WASI reactor used as a library (clang -mexec-model=reactor): no main;
 * its _initialize runs libc's set-up and the constructor below, and must
 * run exactly once before anything calls into it. The functions it exports
 * take and return integers only: the command that imports them has its own
 * linear memory, so pointers would not mean the same thing. */
#include <stdio.h>

static int squares[16];
static int init_runs;

__attribute__((constructor)) static void fill_table(void)
{
    for (int i = 0; i < 16; i++)
        squares[i] = i * i;
    init_runs++;
}

__attribute__((export_name("init_runs"))) int stats_init_runs(void)
{
    return init_runs;
}

/* Sum of i*i for i in [0, n), from the table the constructor filled. */
__attribute__((export_name("sum_squares"))) int stats_sum_squares(int n)
{
    int s = 0;
    for (int i = 0; i < n && i < 16; i++)
        s += squares[i];
    /* The library writes to the same stdout as the command (one WASI
     * context per group of instances). Its stdio buffer is its own, so it
     * flushes before returning. */
    printf("libstats: sum_squares(%d) = %d\n", n, s);
    fflush(stdout);
    return s;
}
