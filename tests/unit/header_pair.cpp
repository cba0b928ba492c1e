// header_pair.c compiled as C++17 (see there).
#include "header_pair.c"
