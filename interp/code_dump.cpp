// A readable listing of translated interpreter code, for debugging the
// translator and for measuring which instructions are worth fusing.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "interp/code.h"

namespace strata {

namespace {

struct IOpInfo {
  const char* name;
  // Operand words after the handler: 32-bit slots/immediates ('s'), 64-bit
  // immediates or pointers ('q'), branch offsets ('r'), module offsets ('o').
  const char* operands;
};

const IOpInfo kIOpInfo[] = {
    {"copy", "ss"}, {"const32", "ss"}, {"const64", "sq"}, {"br", "r"}, {"br_if", "sr"},
    {"br_unless", "sr"}, {"br_table", "ss*"}, {"return", ""}, {"unreachable", ""}, {"select", "ssss"},
    {"call", "sq"}, {"call_import", "sq"}, {"call_indirect", "sssq"}, {"return_call", "sq"},
    {"return_call_import", "sq"}, {"return_call_indirect", "sssq"}, {"global.get", "sq"},
    {"global.set", "sq"}, {"memory.size", "ss"}, {"memory.grow", "sss"}, {"memory.init", "sssss"},
    {"data.drop", "s"}, {"memory.copy", "sssss"}, {"memory.fill", "ssss"}, {"use_memory", "s"},
    {"address64", "ssq"}, {"index64", "ss"}, {"table.get", "ssq"},
    {"table.set", "ssq"}, {"table.size", "sq"}, {"table.grow", "sssq"}, {"table.fill", "sssq"},
    {"table.copy", "sssqq"}, {"table.init", "ssssq"}, {"elem.drop", "s"}, {"ref.is_null", "ss"},
    {"ref.as_non_null", "ss"}, {"br_on_null", "sr"}, {"br_on_non_null", "sr"}, {"call_ref", "ss"},
    {"return_call_ref", "ss"}, {"throw", "sq"}, {"throw_ref", "s"},
    {"f32.mul_add", "ssss"}, {"f64.mul_add", "ssss"}, {"copy2", "ssss"}, {"loop_header", "o"}, {"fuel", ""},
    {"copy128", "ss"}, {"const128", "sqq"}, {"select128", "ssss"}, {"global.get128", "sq"},
    {"global.set128", "sq"}, {"i8x16.shuffle", "sssqq"},
#define STRATA_INFO_MEM(Name, enc, text, ...) {text, "sss"},
#define STRATA_INFO_UNARY(Name, enc, text, ...) {text, "ss"},
#define STRATA_INFO_BINARY(Name, enc, text, ...) {text, "sss"},
    STRATA_LOAD_OPS(STRATA_INFO_MEM) STRATA_STORE_OPS(STRATA_INFO_MEM) STRATA_UNARY_OPS(STRATA_INFO_UNARY)
        STRATA_BINARY_OPS(STRATA_INFO_BINARY)
#define STRATA_INFO_S2(Name, enc, text, ...) {text, "ss"},
#define STRATA_INFO_S3(Name, enc, text, ...) {text, "sss"},
#define STRATA_INFO_S4(Name, enc, text, ...) {text, "ssss"},
#define STRATA_INFO_S5(Name, enc, text, ...) {text, "sssss"},
    STRATA_SIMD_UNARY_OPS(STRATA_INFO_S2) STRATA_SIMD_BINARY_OPS(STRATA_INFO_S3)
        STRATA_SIMD_SHIFT_OPS(STRATA_INFO_S3) STRATA_SIMD_TERNARY_OPS(STRATA_INFO_S4)
            STRATA_SIMD_EXTRACT_OPS(STRATA_INFO_S3) STRATA_SIMD_REPLACE_OPS(STRATA_INFO_S4)
                STRATA_SIMD_LOAD_OPS(STRATA_INFO_S3) STRATA_SIMD_LOAD_LANE_OPS(STRATA_INFO_S5)
                    STRATA_SIMD_STORE_LANE_OPS(STRATA_INFO_S4){"v128.store", "sss"},
#define STRATA_INFO_IMM(Name, enc, text, ...) {text "_imm", "ssq"},
    STRATA_BINARY_OPS(STRATA_INFO_IMM)
#define STRATA_INFO_FUSED(Name, enc, text, ...) \
  {"br_if." text, "srs"}, {"br_if." text "_imm", "srq"}, {"br_unless." text, "srs"}, {"br_unless." text "_imm", "srq"},
    STRATA_COMPARE_OPS(STRATA_INFO_FUSED)
#define STRATA_INFO_ADDRESSED(Name, enc, text, ...) {text ".disp", "ssss"}, {text ".idx", "ssss"},
    STRATA_LOAD_OPS(STRATA_INFO_ADDRESSED)
#define STRATA_INFO_STORE(Name, enc, text, ...) {text ".disp", "ssss"}, {text ".const", "ssq"},
    STRATA_STORE_OPS(STRATA_INFO_STORE)
};
static_assert(sizeof(kIOpInfo) / sizeof(kIOpInfo[0]) == size_t(IOp::Count), "IOp info out of sync");

}  // namespace

std::string dumpInterpCode(const InterpCode& code) {
  std::map<const void*, size_t> byHandler;
  const void* const* handlers = interpreterHandlers();
  for (size_t i = 0; i < size_t(IOp::Count); ++i) byHandler.emplace(handlers[i], i);

  std::string out;
  char line[128];
  snprintf(line, sizeof line, "; param slots %u, local slots %u, frame %u slots\n", code.paramSlots, code.localSlots,
           code.frameSlots);
  out += line;
  const uint8_t* base = code.code.data();
  size_t pos = 0;
  while (pos + 8 <= code.code.size()) {
    const void* h;
    std::memcpy(&h, base + pos, 8);
    auto it = byHandler.find(h);
    if (it == byHandler.end()) {
      out += "  <unknown handler>\n";
      break;
    }
    const IOpInfo& info = kIOpInfo[it->second];
    snprintf(line, sizeof line, "%6zu: %-24s", pos, info.name);
    out += line;
    size_t at = pos + 8;
    uint32_t count = 0;
    for (const char* o = info.operands; *o; ++o) {
      if (*o == '*') {  // br_table: count + 1 offsets
        for (uint32_t k = 0; k <= count; ++k) {
          int32_t rel;
          std::memcpy(&rel, base + at, 4);
          snprintf(line, sizeof line, " ->%zu", pos + rel);
          out += line;
          at += 4;
        }
        break;
      }
      if (*o == 'q') {
        uint64_t v;
        std::memcpy(&v, base + at, 8);
        snprintf(line, sizeof line, " #0x%" PRIx64, v);
        at += 8;
      } else {
        uint32_t v;
        std::memcpy(&v, base + at, 4);
        if (*o == 'r')
          snprintf(line, sizeof line, " ->%zu", pos + int32_t(v));
        else if (*o == 'o')
          snprintf(line, sizeof line, " @0x%x", v);
        else
          snprintf(line, sizeof line, " %u", v);
        count = v;
        at += 4;
      }
      out += line;
    }
    out += "\n";
    pos = at;
  }
  return out;
}

}  // namespace strata
