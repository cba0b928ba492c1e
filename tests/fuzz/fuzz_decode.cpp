// Fuzz target: the binary decoder and validator (decodeModule) on any bytes.
//
// decodeModule must return a module or throw DecodeError, whose offset lies
// within the input; any other exception, a sanitizer report or a hang is a
// bug. Of a module it accepts, the rest of the runtime trusts the indices
// and byte ranges without checking them again (instance.cpp, the
// interpreter's translator, the JIT): those are checked here, and every
// function is disassembled, which disassembler.h promises never throws
// nor reads outside the module.
#include <cstdio>
#include <cstdlib>

#include "fuzz_common.h"
#include "wasm/disassembler.h"

namespace strata {
namespace {

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "decoded module breaks an invariant: %s\n", what);
  std::abort();
}
#define EXPECT(cond) \
  if (!(cond)) broken(#cond)

void checkModule(const Module& m) {
  EXPECT(m.typeIds.size() == m.types.size());
  EXPECT(m.funcTypes.size() == m.numImportedFuncs + m.functions.size());
  for (uint32_t t : m.funcTypes) EXPECT(t < m.types.size());
  EXPECT(m.numImportedTables <= m.tables.size());
  EXPECT(m.tableInits.size() == m.tables.size() - m.numImportedTables);
  EXPECT(m.numImportedMemories <= m.memories.size());
  EXPECT(m.numImportedGlobals <= m.globalTypes.size());
  EXPECT(m.globals.size() == m.globalTypes.size() - m.numImportedGlobals);
  EXPECT(m.numImportedTags <= m.tagTypes.size());
  for (uint32_t t : m.tagTypes) EXPECT(t < m.types.size());
  for (const Import& imp : m.imports)
    if (imp.kind == ExternKind::Func || imp.kind == ExternKind::Tag) EXPECT(imp.typeIndex < m.types.size());
  for (const Export& e : m.exports) {
    switch (e.kind) {
      case ExternKind::Func: EXPECT(e.index < m.funcTypes.size()); break;
      case ExternKind::Table: EXPECT(e.index < m.tables.size()); break;
      case ExternKind::Memory: EXPECT(e.index < m.memories.size()); break;
      case ExternKind::Global: EXPECT(e.index < m.globalTypes.size()); break;
      case ExternKind::Tag: EXPECT(e.index < m.tagTypes.size()); break;
    }
  }
  if (m.hasStart) EXPECT(m.startFunction < m.funcTypes.size());
  for (const FunctionDecl& f : m.functions) {
    EXPECT(f.typeIndex < m.types.size());
    EXPECT(f.bodyBegin <= f.codeBegin && f.codeBegin <= f.bodyEnd && f.bodyEnd <= m.bytes.size());
  }
  for (const DataSegment& d : m.datas) {
    EXPECT(uint64_t(d.begin) + d.size <= m.bytes.size());
    if (d.mode == DataSegment::Mode::Active) EXPECT(d.memory < m.memories.size());
  }
  if (m.hasDataCount) EXPECT(m.dataCount == m.datas.size());
  for (const ElemSegment& e : m.elems)
    if (e.mode == ElemSegment::Mode::Active) EXPECT(e.table < m.tables.size());
  EXPECT(m.declaredFuncRefs.size() == m.funcTypes.size());
}

}  // namespace
}  // namespace strata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  std::shared_ptr<const Module> module;
  try {
    module = decodeModule(std::vector<uint8_t>(data, data + size));
  } catch (const DecodeError& e) {
    EXPECT(e.offset <= size);
    EXPECT(!e.message.empty());
    return 0;
  }
  checkModule(*module);
  for (uint32_t i = 0; i < module->functions.size(); ++i) (void)disassembleFunction(*module, i);
  return 0;
}
