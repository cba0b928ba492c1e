// Only in libstrata.so: the variable that the shared library's copy of
// asmjit reads instead of libc's `stderr` (see CMakeLists.txt: Debian's
// libasmjit.a cannot refer to another library's data from a shared
// object). Set before any code of the library runs.
#include <cstdio>

extern "C" {
__attribute__((visibility("hidden"))) extern std::FILE* strata_asmjit_stderr;
std::FILE* strata_asmjit_stderr = stderr;
}
