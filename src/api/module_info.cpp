// The C API's logging level and what an embedder can ask of a loaded
// module: version, custom sections, imports and exports with their types
// (include/wasm_export.h, WAMR 2.x names), and the parameter and result
// kinds of a function instance.
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "api/c_api_internal.h"
#include "api/handles.h"
#include "runtime/objects.h"
#include "wasm/binary_reader.h"
#include "wasm/module.h"
#include "wasm_export.h"

#ifndef STRATA_VERSION_MAJOR
#define STRATA_VERSION_MAJOR 0  // the build defines these from PROJECT_VERSION
#define STRATA_VERSION_MINOR 0
#define STRATA_VERSION_PATCH 0
#endif

using namespace strata;

namespace {

std::atomic<int> gLogLevel{WASM_LOG_LEVEL_WARNING};

const Module* moduleOf(const wasm_module_t module) {
  return module && module->node && module->node->module ? module->node->module.get() : nullptr;
}

wasm_valkind_t valkindOf(ValType t) {
  switch (t.kind()) {
    case ValKind::I32: return WASM_I32;
    case ValKind::I64: return WASM_I64;
    case ValKind::F32: return WASM_F32;
    case ValKind::F64: return WASM_F64;
    case ValKind::V128: return WASM_V128;
    case ValKind::FuncRef: return WASM_FUNCREF;
    case ValKind::ExternRef: return WASM_EXTERNREF;
    default: break;  // exnref and GC references have no kind here
  }
  return WASM_I32;
}

wasm_import_export_kind_t kindOf(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return WASM_IMPORT_EXPORT_KIND_FUNC;
    case ExternKind::Table: return WASM_IMPORT_EXPORT_KIND_TABLE;
    case ExternKind::Memory: return WASM_IMPORT_EXPORT_KIND_MEMORY;
    case ExternKind::Global: return WASM_IMPORT_EXPORT_KIND_GLOBAL;
    case ExternKind::Tag: return WASM_IMPORT_EXPORT_KIND_TAG;
  }
  return WASM_IMPORT_EXPORT_KIND_FUNC;
}

// The type handles are the module's own type objects.
const FuncType* funcType(const wasm_func_type_t t) { return reinterpret_cast<const FuncType*>(t); }
const GlobalType* globalType(const wasm_global_type_t t) { return reinterpret_cast<const GlobalType*>(t); }
const MemoryType* memoryType(const wasm_memory_type_t t) { return reinterpret_cast<const MemoryType*>(t); }
const TableType* tableType(const wasm_table_type_t t) { return reinterpret_cast<const TableType*>(t); }

uint32_t clampToU32(uint64_t v) { return v > 0xffffffffu ? 0xffffffffu : uint32_t(v); }

}  // namespace

namespace strata::capi {

void logMessage(int level, const char* format, ...) {
  if (level > gLogLevel.load(std::memory_order_relaxed)) return;
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
}

}  // namespace strata::capi

void wasm_runtime_set_log_level(log_level_t level) {
  int raw = capi::enumValue(level);
  if (raw < WASM_LOG_LEVEL_FATAL) raw = WASM_LOG_LEVEL_FATAL;
  if (raw > WASM_LOG_LEVEL_VERBOSE) raw = WASM_LOG_LEVEL_VERBOSE;
  gLogLevel.store(raw, std::memory_order_relaxed);
}

void wasm_runtime_get_version(uint32_t* major, uint32_t* minor, uint32_t* patch) {
  if (major) *major = STRATA_VERSION_MAJOR;
  if (minor) *minor = STRATA_VERSION_MINOR;
  if (patch) *patch = STRATA_VERSION_PATCH;
}

bool wasm_runtime_is_xip_file(const uint8_t* buf, uint32_t size) {
  (void)buf;
  (void)size;
  return false;
}

const uint8_t* wasm_runtime_get_custom_section(wasm_module_t const module, const char* name, uint32_t* len) {
  const Module* m = moduleOf(module);
  if (!m || !name) return nullptr;
  // The module was validated at load: its sections are well formed.
  const std::vector<uint8_t>& bytes = m->bytes;
  try {
    BinaryReader r(bytes.data() + 8, bytes.data() + bytes.size(), 8);
    while (!r.atEnd()) {
      uint8_t id = r.readByte();
      uint32_t size = r.readU32();
      const uint8_t* start = r.readBytes(size);
      if (id != 0) continue;
      BinaryReader section(start, start + size);
      uint32_t nameLength = section.readU32();
      const uint8_t* sectionName = section.readBytes(nameLength);
      if (nameLength == std::strlen(name) && std::memcmp(sectionName, name, nameLength) == 0) {
        if (len) *len = uint32_t(section.remaining());
        return section.pos();
      }
    }
  } catch (const DecodeError&) {
  }
  return nullptr;
}

int32_t wasm_runtime_get_import_count(const wasm_module_t module) {
  const Module* m = moduleOf(module);
  return m ? int32_t(m->imports.size()) : -1;
}

void wasm_runtime_get_import_type(const wasm_module_t module, int32_t import_index, wasm_import_t* import_type) {
  if (!import_type) return;
  std::memset(import_type, 0, sizeof *import_type);
  const Module* m = moduleOf(module);
  if (!m || import_index < 0 || size_t(import_index) >= m->imports.size()) return;
  const Import& imp = m->imports[size_t(import_index)];
  import_type->module_name = imp.module.c_str();
  import_type->name = imp.name.c_str();
  import_type->kind = kindOf(imp.kind);
  import_type->linked = true;  // a loaded module's imports were all resolved
  switch (imp.kind) {
    case ExternKind::Func:
      import_type->u.func_type = reinterpret_cast<wasm_func_type_t>(const_cast<FuncType*>(&m->types[imp.typeIndex]));
      break;
    case ExternKind::Table:
      import_type->u.table_type = reinterpret_cast<wasm_table_type_t>(const_cast<TableType*>(&imp.table));
      break;
    case ExternKind::Memory:
      import_type->u.memory_type = reinterpret_cast<wasm_memory_type_t>(const_cast<MemoryType*>(&imp.memory));
      break;
    case ExternKind::Global:
      import_type->u.global_type = reinterpret_cast<wasm_global_type_t>(const_cast<GlobalType*>(&imp.global));
      break;
    case ExternKind::Tag:
      break;
  }
}

int32_t wasm_runtime_get_export_count(const wasm_module_t module) {
  const Module* m = moduleOf(module);
  return m ? int32_t(m->exports.size()) : -1;
}

void wasm_runtime_get_export_type(const wasm_module_t module, int32_t export_index, wasm_export_t* export_type) {
  if (!export_type) return;
  std::memset(export_type, 0, sizeof *export_type);
  const Module* m = moduleOf(module);
  if (!m || export_index < 0 || size_t(export_index) >= m->exports.size()) return;
  const Export& exp = m->exports[size_t(export_index)];
  export_type->name = exp.name.c_str();
  export_type->kind = kindOf(exp.kind);
  switch (exp.kind) {
    case ExternKind::Func:
      export_type->u.func_type = reinterpret_cast<wasm_func_type_t>(const_cast<FuncType*>(&m->funcType(exp.index)));
      break;
    case ExternKind::Table:
      export_type->u.table_type = reinterpret_cast<wasm_table_type_t>(const_cast<TableType*>(&m->tables[exp.index]));
      break;
    case ExternKind::Memory:
      export_type->u.memory_type =
          reinterpret_cast<wasm_memory_type_t>(const_cast<MemoryType*>(&m->memories[exp.index]));
      break;
    case ExternKind::Global:
      export_type->u.global_type =
          reinterpret_cast<wasm_global_type_t>(const_cast<GlobalType*>(&m->globalTypes[exp.index]));
      break;
    case ExternKind::Tag:
      break;
  }
}

uint32_t wasm_func_type_get_param_count(const wasm_func_type_t func_type) {
  return func_type ? uint32_t(funcType(func_type)->params.size()) : 0;
}
wasm_valkind_t wasm_func_type_get_param_valkind(const wasm_func_type_t func_type, uint32_t param_index) {
  if (!func_type || param_index >= funcType(func_type)->params.size()) return WASM_I32;
  return valkindOf(funcType(func_type)->params[param_index]);
}
uint32_t wasm_func_type_get_result_count(const wasm_func_type_t func_type) {
  return func_type ? uint32_t(funcType(func_type)->results.size()) : 0;
}
wasm_valkind_t wasm_func_type_get_result_valkind(const wasm_func_type_t func_type, uint32_t result_index) {
  if (!func_type || result_index >= funcType(func_type)->results.size()) return WASM_I32;
  return valkindOf(funcType(func_type)->results[result_index]);
}
// A wasm_function_inst_t is the runtime's Function; its type is the
// module's function type.
void wasm_func_get_param_types(wasm_function_inst_t const func_inst, wasm_module_inst_t const,
                               wasm_valkind_t* param_types) {
  if (!func_inst || !param_types) return;
  const FuncType& t = static_cast<const Function*>(func_inst)->type;
  for (size_t i = 0; i < t.params.size(); ++i) param_types[i] = valkindOf(t.params[i]);
}
void wasm_func_get_result_types(wasm_function_inst_t const func_inst, wasm_module_inst_t const,
                                wasm_valkind_t* result_types) {
  if (!func_inst || !result_types) return;
  const FuncType& t = static_cast<const Function*>(func_inst)->type;
  for (size_t i = 0; i < t.results.size(); ++i) result_types[i] = valkindOf(t.results[i]);
}
wasm_valkind_t wasm_global_type_get_valkind(const wasm_global_type_t global_type) {
  return global_type ? valkindOf(globalType(global_type)->type) : wasm_valkind_t(WASM_I32);
}
bool wasm_global_type_get_mutable(const wasm_global_type_t global_type) {
  return global_type && globalType(global_type)->mutable_;
}
bool wasm_memory_type_get_shared(const wasm_memory_type_t memory_type) {
  (void)memory_type;
  return false;  // shared memories are refused at load
}
uint32_t wasm_memory_type_get_init_page_count(const wasm_memory_type_t memory_type) {
  return memory_type ? clampToU32(memoryType(memory_type)->limits.min) : 0;
}
uint32_t wasm_memory_type_get_max_page_count(const wasm_memory_type_t memory_type) {
  if (!memory_type) return 0;
  const Limits& l = memoryType(memory_type)->limits;
  return l.hasMax ? clampToU32(l.max) : clampToU32(limits::kMaxMemoryPages);
}
wasm_valkind_t wasm_table_type_get_elem_kind(const wasm_table_type_t table_type) {
  return table_type ? valkindOf(tableType(table_type)->elem) : wasm_valkind_t(WASM_FUNCREF);
}
bool wasm_table_type_get_shared(const wasm_table_type_t table_type) {
  (void)table_type;
  return false;
}
uint32_t wasm_table_type_get_init_size(const wasm_table_type_t table_type) {
  return table_type ? clampToU32(tableType(table_type)->limits.min) : 0;
}
uint32_t wasm_table_type_get_max_size(const wasm_table_type_t table_type) {
  if (!table_type) return 0;
  const Limits& l = tableType(table_type)->limits;
  return l.hasMax ? clampToU32(l.max) : 0xffffffffu;
}
