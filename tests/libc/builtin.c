/* A module built for WAMR's built-in libc: no wasi-libc, the C library
 * functions imported from "env" (clang --target=wasm32 -nostdlib
 * -Wl,--allow-undefined). `main` prints without allocating (the CLI runs
 * it); `with_heap` allocates (the C API runs it with an app heap).
 * tests/libc/expected/ holds what they print. */
typedef __SIZE_TYPE__ size_t;
int printf(const char *, ...);
int sprintf(char *, const char *, ...);
int snprintf(char *, size_t, const char *, ...);
int puts(const char *);
int putchar(int);
void *memcpy(void *, const void *, size_t);
void *memset(void *, int, size_t);
int memcmp(const void *, const void *, size_t);
size_t strlen(const char *);
int strcmp(const char *, const char *);
int strncmp(const char *, const char *, size_t);
char *strcpy(char *, const char *);
char *strncpy(char *, const char *, size_t);
char *strcat(char *, const char *);
char *strchr(const char *, int);
char *strrchr(const char *, int);
int atoi(const char *);
long strtol(const char *, char **, int);
unsigned long strtoul(const char *, char **, int);
int toupper(int);
int isdigit(int);
void *malloc(size_t);
void *calloc(size_t, size_t);
void *realloc(void *, size_t);
void free(void *);
char *strdup(const char *);

__attribute__((export_name("main"))) int main(void) {
  printf("hello %s %d %u %x %X %o %lld %llu %c|%5s|%-5d|%05d|%+d|%.2s|\n", "world", -42, 42u, 255, 255, 8,
         -(1LL << 40), 18446744073709551615ULL, 'z', "ab", 7, 42, 3, "abcdef");
  printf("%.3f %e %g %a %10.4f|%-8.2f|%*d|%.*s|\n", 3.14159265, 12345.678, 0.0001, 1.0, 2.5, -1.25, 6, 99, 3,
         "xyzzy");
  printf("%hhd %hd %ld %zu %p %%\n", (char)300, (short)70000, -5L, (size_t)123, (void *)0x1234);
  char buf[64];
  int n = snprintf(buf, 8, "%d-%d", 12345, 67890);
  puts(buf);
  printf("snprintf wanted %d\n", n);
  n = sprintf(buf, "[%s:%d]", "sp", 9);
  printf("%s %d %d\n", buf, n, (int)strlen(buf));
  strcpy(buf, "abc");
  strcat(buf, "def");
  char copy[8];
  memset(copy, 'x', sizeof copy);
  strncpy(copy, "hi", 4);
  printf("%s %s %d %d %d %d\n", buf, copy, strcmp(buf, "abcdef"), strcmp("a", "b") < 0, strncmp("abcx", "abcy", 3),
         memcmp("ab", "ac", 2) < 0);
  printf("%s %s %s\n", strchr(buf, 'c'), strrchr("a/b/c", '/'), strchr(buf, 'q') ? "found" : "none");
  char *end;
  long v = strtol("  -123xyz", &end, 10);
  printf("%d %ld %s %lu %lu\n", atoi("77"), v, end, strtoul("ff", 0, 16), strtoul("99999999999", 0, 10));
  memcpy(buf, "0123456789", 11);
  memcpy(buf + 2, buf, 5);
  printf("%s %c %d\n", buf, toupper('q'), isdigit('7') && !isdigit('a'));
  putchar('!');
  putchar('\n');
  return 0;
}

__attribute__((export_name("with_heap"))) int with_heap(void) {
  char *a = malloc(16);
  if (!a) return 1;
  strcpy(a, "heap");
  char *d = strdup(a);
  int *z = calloc(4, sizeof(int));
  char *r = realloc(a, 64);
  strcat(r, " grown");
  printf("%s %s %d %d %d\n", d, r, z[0] + z[3], d != r, (int)strlen(r));
  free(d);
  free(z);
  free(r);
  return 0;
}

/* A bad pointer traps instead of reading host memory. */
__attribute__((export_name("bad_pointer"))) int bad_pointer(void) { return (int)strlen((const char *)0x7ffffff0); }
