// A small LZ77 compressor (hash chains, 64 KiB window) with a CRC-32
// trailer. Format: "SLZ1", u32 original size, then groups of a flag byte and
// up to 8 items (flag bit set: a match of u16 distance-1 and u8 length-3;
// clear: a literal byte), then u32 CRC-32 of the original data.
#pragma once

#include <stddef.h>
#include <stdint.h>

// Worst case output size for n input bytes.
size_t lz_bound(size_t n);
// Compresses `in` into `out` (lz_bound(n) bytes); returns the size.
size_t lz_compress(const uint8_t* in, size_t n, uint8_t* out);
// The original size recorded in a compressed buffer, or -1 if it is not one.
long long lz_original_size(const uint8_t* in, size_t n);
// Decompresses into `out` (lz_original_size bytes). Returns 0, or -1 on
// corrupt input (including a CRC mismatch).
int lz_decompress(const uint8_t* in, size_t n, uint8_t* out, size_t outSize);
uint32_t lz_crc32(const uint8_t* data, size_t n);
