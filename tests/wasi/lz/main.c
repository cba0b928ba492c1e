// lz: compress or decompress a file.
//   lz c IN OUT    compress IN into OUT
//   lz d IN OUT    decompress IN into OUT
// Prints one line about what it did; exit status 0, 1 on corrupt input,
// 2 on bad usage or an I/O error (with the reason on stderr).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lz.h"

static uint8_t* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  uint8_t* buf = malloc(cap);
  for (;;) {
    if (n == cap) buf = realloc(buf, cap *= 2);
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) break;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    free(buf);
    return NULL;
  }
  *size = n;
  return buf;
}

static int write_file(const char* path, const uint8_t* data, size_t n) {
  FILE* f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(data, 1, n, f);
  return (fclose(f) == 0 && w == n) ? 0 : -1;
}

int main(int argc, char** argv) {
  if (argc != 4 || (strcmp(argv[1], "c") && strcmp(argv[1], "d"))) {
    fprintf(stderr, "usage: %s c|d IN OUT\n", argc ? argv[0] : "lz");
    return 2;
  }
  size_t n = 0;
  uint8_t* in = read_file(argv[2], &n);
  if (!in) {
    fprintf(stderr, "lz: %s: %s\n", argv[2], strerror(errno));
    return 2;
  }
  uint8_t* out;
  size_t outSize;
  if (argv[1][0] == 'c') {
    out = malloc(lz_bound(n));
    outSize = lz_compress(in, n, out);
  } else {
    long long size = lz_original_size(in, n);
    if (size < 0) {
      fprintf(stderr, "lz: %s: not compressed data\n", argv[2]);
      return 1;
    }
    outSize = (size_t)size;
    out = malloc(outSize ? outSize : 1);
    if (lz_decompress(in, n, out, outSize) != 0) {
      fprintf(stderr, "lz: %s: corrupt data\n", argv[2]);
      return 1;
    }
  }
  if (write_file(argv[3], out, outSize) != 0) {
    fprintf(stderr, "lz: %s: %s\n", argv[3], strerror(errno));
    return 2;
  }
  printf("%s %s: %zu -> %zu bytes, crc32 %08x\n", argv[1][0] == 'c' ? "compressed" : "decompressed", argv[2], n,
         outSize, lz_crc32(argv[1][0] == 'c' ? in : out, argv[1][0] == 'c' ? n : outSize));
  free(in);
  free(out);
  return 0;
}
