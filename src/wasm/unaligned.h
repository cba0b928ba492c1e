// Reads and writes of a value at any address (frame slots, immediates in
// interpreter code, helper operands): memcpy, which compilers turn into one
// move, with no alignment or aliasing assumptions.
#pragma once

#include <cstring>

namespace strata {

template <class T>
inline T rd(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
// Writes sizeof(T) bytes. In a frame slot, i32/f32 leave the high half
// unspecified: readers of those types only look at the low half.
template <class T>
inline void wr(void* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

}  // namespace strata
