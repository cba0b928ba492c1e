// wasm.h: engine and store, references and host info, foreign objects,
// traps and frames, modules and instances (see c_api.h).
#include <cstdlib>
#include <cstring>

#include "jit/jit.h"
#include "src/api/c_api_internal.h"
#include "src/api/wasm_c_api/c_api.h"

using namespace strata;
using namespace strata::capi::wasmc;

namespace strata::capi::wasmc {

const void* Ref::identity() const {
  switch (kind) {
    case RefKind::Func: return ext.func.get();
    case RefKind::Global: return ext.global.get();
    case RefKind::Table: return ext.table.get();
    case RefKind::Memory: return ext.memory.get();
    case RefKind::Instance: return instance.get();
    case RefKind::Module: return module.get();
    case RefKind::Foreign: return foreign;
    case RefKind::Trap: return trap.get();
  }
  return nullptr;
}

Ref* newRef(RefKind kind, wasm_store_t* store) {
  Ref* r = new Ref;
  r->kind = kind;
  r->store = store;
  return r;
}

Ref* copyRef(const Ref* r) { return r ? new Ref(*r) : nullptr; }

wasm_trap_t* newTrap(wasm_store_t* store, const std::string& message) {
  Ref* r = newRef(RefKind::Trap, store);
  r->trap = std::make_shared<TrapData>();
  r->trap->message = message;
  return as<wasm_trap_t>(r);
}

wasm_trap_t* newTrap(wasm_store_t* store, const Trap& trap) {
  wasm_trap_t* t = newTrap(store, std::string(trap.what()));
  asRef(t)->trap->frames = trap.trace;
  return t;
}

}  // namespace strata::capi::wasmc

namespace {

// Engines share the process-wide JIT configuration: the first one sets it
// up (unless the WAMR-style API already did), the last one stops the
// background compilers.
std::mutex gEngineMutex;
int gEngines = 0;

jit::Mode engineMode() {
  // STRATA_TIER picks the tier, as --tier does for the CLI (tests run the
  // API in each tier this way); the default is tiered.
  const char* tier = std::getenv("STRATA_TIER");
  if (!tier) return jit::Mode::Tiered;
  for (jit::Mode m : {jit::Mode::Interp, jit::Mode::Baseline, jit::Mode::Optimizing, jit::Mode::Jit, jit::Mode::Tiered})
    if (std::strcmp(tier, jit::modeName(m)) == 0) return m;
  capi::logMessage(kWarning, "STRATA_TIER=%s is not a tier; using tiered\n", tier);
  return jit::Mode::Tiered;
}

HostInfo* hostInfoOf(const Ref* r) {
  if (!r) return nullptr;
  if (r->kind == RefKind::Trap) return &r->trap->hostInfo;
  auto it = r->store->hostInfo.find(r->identity());
  return it == r->store->hostInfo.end() ? nullptr : &it->second;
}

// Host info is found by the object's address: the object must not die
// (and its address be reused) while the store remembers it.
HostInfo* hostInfoToSet(const Ref* r) {
  if (!r) return nullptr;
  if (r->kind != RefKind::Trap) {
    std::vector<std::shared_ptr<void>>& kept = r->store->kept;
    switch (r->kind) {
      case RefKind::Func: kept.push_back(r->ext.func); break;
      case RefKind::Global: kept.push_back(r->ext.global); break;
      case RefKind::Table: kept.push_back(r->ext.table); break;
      case RefKind::Memory: kept.push_back(r->ext.memory); break;
      case RefKind::Module: kept.push_back(std::const_pointer_cast<Module>(r->module)); break;
      default: break;  // instances and foreign objects live as long as the store
    }
    return &r->store->hostInfo[r->identity()];
  }
  return &r->trap->hostInfo;
}

void keepInstance(wasm_store_t* store, const std::shared_ptr<Instance>& inst) {
  for (const auto& i : store->instances)
    if (i == inst) return;
  store->instances.push_back(inst);
}

const char kSerializedMagic[] = "strata-serialized-module-1\n";

}  // namespace

// A frame owns a handle of its instance (null if the instance is not the
// store's), which wasm_frame_instance lends out.
struct wasm_frame_t {
  Ref* instance = nullptr;
  uint32_t funcIndex = 0;
  size_t funcOffset = 0;
  size_t moduleOffset = 0;
  ~wasm_frame_t() { delete instance; }
};

struct wasm_shared_module_t {
  std::shared_ptr<const Module> module;
};

extern "C" {

// --- engine and store ------------------------------------------------------

wasm_config_t* wasm_config_new(void) { return new wasm_config_t; }
void wasm_config_delete(wasm_config_t* c) { delete c; }

wasm_engine_t* wasm_engine_new(void) {
  std::lock_guard<std::mutex> lock(gEngineMutex);
  if (gEngines++ == 0 && !capi::currentRegistry()) {
    jit::Options options = jit::options();
    options.mode = engineMode();
    options.interruptibleLoops = true;  // embedders may interrupt (ExecEnv::requestInterrupt)
    jit::shutdown();
    jit::configure(options);
  }
  return new wasm_engine_t;
}

wasm_engine_t* wasm_engine_new_with_config(wasm_config_t* config) {
  delete config;
  return wasm_engine_new();
}

void wasm_engine_delete(wasm_engine_t* e) {
  if (!e) return;
  delete e;
  std::lock_guard<std::mutex> lock(gEngineMutex);
  if (--gEngines == 0 && !capi::currentRegistry()) jit::shutdown();
}

wasm_store_t* wasm_store_new(wasm_engine_t* engine) {
  if (!engine) return nullptr;
  auto* s = new wasm_store_t;
  s->engine = engine;
  s->env = std::make_unique<ExecEnv>();
  return s;
}

void wasm_store_delete(wasm_store_t* s) {
  if (!s) return;
  // No background compile may hold an instance past this point.
  for (const auto& inst : s->instances) jit::cancelCompiles(inst.get());
  for (auto& [identity, info] : s->hostInfo)
    if (info.finalizer) info.finalizer(info.info);
  s->hostInfo.clear();
  s->externrefs.clear();
  s->instances.clear();
  s->hostFunctions.clear();
  s->kept.clear();
  s->foreigns.clear();
  delete s;
}

// --- references --------------------------------------------------------------

#define STRATA_REF_BASE(name)                                                                         \
  void wasm_##name##_delete(wasm_##name##_t* r) { delete asRef(r); }                                  \
  wasm_##name##_t* wasm_##name##_copy(const wasm_##name##_t* r) { return as<wasm_##name##_t>(copyRef(asRef(r))); } \
  bool wasm_##name##_same(const wasm_##name##_t* a, const wasm_##name##_t* b) {                       \
    if (!a || !b) return a == b;                                                                      \
    return asRef(a)->identity() == asRef(b)->identity();                                              \
  }                                                                                                   \
  void* wasm_##name##_get_host_info(const wasm_##name##_t* r) {                                       \
    HostInfo* h = hostInfoOf(asRef(r));                                                               \
    return h ? h->info : nullptr;                                                                     \
  }                                                                                                   \
  void wasm_##name##_set_host_info(wasm_##name##_t* r, void* info) {                                  \
    if (HostInfo* h = hostInfoToSet(asRef(r))) *h = HostInfo{info, nullptr};                          \
  }                                                                                                   \
  void wasm_##name##_set_host_info_with_finalizer(wasm_##name##_t* r, void* info, void (*fin)(void*)) { \
    if (HostInfo* h = hostInfoToSet(asRef(r))) *h = HostInfo{info, fin};                              \
  }

// The casts to and from wasm_ref_t check the kind on the way down.
#define STRATA_REF(name, KIND)                                                                        \
  STRATA_REF_BASE(name)                                                                               \
  wasm_ref_t* wasm_##name##_as_ref(wasm_##name##_t* r) { return reinterpret_cast<wasm_ref_t*>(r); }   \
  const wasm_ref_t* wasm_##name##_as_ref_const(const wasm_##name##_t* r) {                            \
    return reinterpret_cast<const wasm_ref_t*>(r);                                                    \
  }                                                                                                   \
  wasm_##name##_t* wasm_ref_as_##name(wasm_ref_t* r) {                                                \
    return r && asRef(r)->kind == KIND ? reinterpret_cast<wasm_##name##_t*>(r) : nullptr;             \
  }                                                                                                   \
  const wasm_##name##_t* wasm_ref_as_##name##_const(const wasm_ref_t* r) {                            \
    return r && asRef(r)->kind == KIND ? reinterpret_cast<const wasm_##name##_t*>(r) : nullptr;       \
  }

STRATA_REF_BASE(ref)
STRATA_REF(trap, RefKind::Trap)
STRATA_REF(foreign, RefKind::Foreign)
STRATA_REF(module, RefKind::Module)
STRATA_REF(instance, RefKind::Instance)
STRATA_REF(func, RefKind::Func)
STRATA_REF(global, RefKind::Global)
STRATA_REF(table, RefKind::Table)
STRATA_REF(memory, RefKind::Memory)

// An extern is a function, global, table or memory handle: its cast down
// from wasm_ref_t checks for any of the four kinds.
STRATA_REF_BASE(extern)
wasm_ref_t* wasm_extern_as_ref(wasm_extern_t* r) { return reinterpret_cast<wasm_ref_t*>(r); }
const wasm_ref_t* wasm_extern_as_ref_const(const wasm_extern_t* r) { return reinterpret_cast<const wasm_ref_t*>(r); }
static bool isExternKind(RefKind k) {
  return k == RefKind::Func || k == RefKind::Global || k == RefKind::Table || k == RefKind::Memory;
}
wasm_extern_t* wasm_ref_as_extern(wasm_ref_t* r) {
  return r && isExternKind(asRef(r)->kind) ? reinterpret_cast<wasm_extern_t*>(r) : nullptr;
}
const wasm_extern_t* wasm_ref_as_extern_const(const wasm_ref_t* r) {
  return r && isExternKind(asRef(r)->kind) ? reinterpret_cast<const wasm_extern_t*>(r) : nullptr;
}

// --- foreign objects ---------------------------------------------------------

wasm_foreign_t* wasm_foreign_new(wasm_store_t* store) {
  if (!store) return nullptr;
  store->foreigns.push_back(std::make_unique<Foreign>());
  Ref* r = newRef(RefKind::Foreign, store);
  r->foreign = store->foreigns.back().get();
  return as<wasm_foreign_t>(r);
}

// --- frames and traps ----------------------------------------------------------

static wasm_frame_t* newFrame(Ref* instance, uint32_t funcIndex, size_t moduleOffset) {
  auto* f = new wasm_frame_t;
  f->instance = instance;
  f->funcIndex = funcIndex;
  f->moduleOffset = moduleOffset;
  return f;
}

static wasm_frame_t* frameOf(const Ref* trap, const TraceFrame& tf) {
  Ref* instance = nullptr;
  if (wasm_store_t* store = trap->store) {
    for (const auto& inst : store->instances)
      if (inst.get() == tf.instance) {
        instance = newRef(RefKind::Instance, store);
        instance->instance = inst;
        break;
      }
  }
  return newFrame(instance, tf.funcIndex, tf.codeOffset);
}

void wasm_frame_delete(wasm_frame_t* f) { delete f; }
wasm_frame_t* wasm_frame_copy(const wasm_frame_t* f) {
  return f ? newFrame(copyRef(f->instance), f->funcIndex, f->moduleOffset) : nullptr;
}
wasm_instance_t* wasm_frame_instance(const wasm_frame_t* f) { return as<wasm_instance_t>(f->instance); }
uint32_t wasm_frame_func_index(const wasm_frame_t* f) { return f->funcIndex; }
size_t wasm_frame_func_offset(const wasm_frame_t* f) { return f->funcOffset; }
size_t wasm_frame_module_offset(const wasm_frame_t* f) { return f->moduleOffset; }
STRATA_OWNED_VEC(frame)

wasm_trap_t* wasm_trap_new(wasm_store_t* store, const wasm_message_t* message) {
  std::string text;
  if (message && message->size) {
    text.assign(message->data, message->size);
    if (!text.empty() && text.back() == '\0') text.pop_back();  // the API's messages are NUL-terminated
  }
  return newTrap(store, text);
}

void wasm_trap_message(const wasm_trap_t* trap, wasm_message_t* out) {
  const std::string& m = asRef(trap)->trap->message;
  wasm_byte_vec_new(out, m.size() + 1, m.c_str());
}

// The frames are functions (their code's offset in the module), not
// instructions: func_offset is 0.
wasm_frame_t* wasm_trap_origin(const wasm_trap_t* trap) {
  const Ref* r = asRef(trap);
  return r->trap->frames.empty() ? nullptr : frameOf(r, r->trap->frames.front());
}

void wasm_trap_trace(const wasm_trap_t* trap, wasm_frame_vec_t* out) {
  const Ref* r = asRef(trap);
  const std::vector<TraceFrame>& frames = r->trap->frames;
  wasm_frame_vec_new_uninitialized(out, frames.size());
  for (size_t i = 0; i < frames.size(); ++i) out->data[i] = frameOf(r, frames[i]);
}

// --- modules -------------------------------------------------------------------

static wasm_module_t* newModule(wasm_store_t* store, std::vector<uint8_t> bytes) {
  try {
    Ref* r = newRef(RefKind::Module, store);
    try {
      r->module = decodeModule(std::move(bytes));
    } catch (...) {
      delete r;
      throw;
    }
    return as<wasm_module_t>(r);
  } catch (const DecodeError& e) {
    capi::logMessage(kWarning, "wasm_module_new: %s\n", e.toString().c_str());
  } catch (const std::exception& e) {
    capi::logMessage(kWarning, "wasm_module_new: %s\n", e.what());
  }
  return nullptr;
}

wasm_module_t* wasm_module_new(wasm_store_t* store, const wasm_byte_vec_t* binary) {
  if (!store || !binary || (binary->size && !binary->data)) return nullptr;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(binary->data);
  return newModule(store, std::vector<uint8_t>(p, p + binary->size));
}

bool wasm_module_validate(wasm_store_t* store, const wasm_byte_vec_t* binary) {
  if (!binary || (binary->size && !binary->data)) return false;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(binary->data);
  try {
    decodeModule(std::vector<uint8_t>(p, p + binary->size));
    return true;
  } catch (const DecodeError&) {
  } catch (const std::exception&) {
  }
  (void)store;
  return false;
}

void wasm_module_imports(const wasm_module_t* module, wasm_importtype_vec_t* out) {
  const Module& m = *asRef(module)->module;
  wasm_importtype_vec_new_uninitialized(out, m.imports.size());
  for (size_t i = 0; i < m.imports.size(); ++i) {
    const Import& imp = m.imports[i];
    wasm_externtype_t* type = nullptr;
    switch (imp.kind) {
      case ExternKind::Func: type = wasm_functype_as_externtype(newFuncType(m.types[imp.typeIndex])); break;
      case ExternKind::Global: type = wasm_globaltype_as_externtype(newGlobalType(imp.global)); break;
      case ExternKind::Table: type = wasm_tabletype_as_externtype(newTableType(imp.table)); break;
      case ExternKind::Memory: type = wasm_memorytype_as_externtype(newMemoryType(imp.memory)); break;
      case ExternKind::Tag: break;  // wasm.h has no tag type: listed without one
    }
    wasm_name_t moduleName, name;
    wasm_name_new(&moduleName, imp.module.size(), imp.module.data());
    wasm_name_new(&name, imp.name.size(), imp.name.data());
    out->data[i] = wasm_importtype_new(&moduleName, &name, type);
  }
}

void wasm_module_exports(const wasm_module_t* module, wasm_exporttype_vec_t* out) {
  const Module& m = *asRef(module)->module;
  wasm_exporttype_vec_new_uninitialized(out, m.exports.size());
  for (size_t i = 0; i < m.exports.size(); ++i) {
    const Export& exp = m.exports[i];
    wasm_externtype_t* type = nullptr;
    switch (exp.kind) {
      case ExternKind::Func:
        type = wasm_functype_as_externtype(newFuncType(m.types[m.funcTypes[exp.index]]));
        break;
      case ExternKind::Global: type = wasm_globaltype_as_externtype(newGlobalType(m.globalTypes[exp.index])); break;
      case ExternKind::Table: type = wasm_tabletype_as_externtype(newTableType(m.tables[exp.index])); break;
      case ExternKind::Memory: type = wasm_memorytype_as_externtype(newMemoryType(m.memories[exp.index])); break;
      case ExternKind::Tag: break;  // wasm.h has no tag type: listed without one
    }
    wasm_name_t name;
    wasm_name_new(&name, exp.name.size(), exp.name.data());
    out->data[i] = wasm_exporttype_new(&name, type);
  }
}

// There is no compiled form to save: a serialized module is its binary
// behind a header, validated again when it is read back.
void wasm_module_serialize(const wasm_module_t* module, wasm_byte_vec_t* out) {
  const std::vector<uint8_t>& bytes = asRef(module)->module->bytes;
  size_t header = sizeof kSerializedMagic - 1;
  wasm_byte_vec_new_uninitialized(out, header + bytes.size());
  std::memcpy(out->data, kSerializedMagic, header);
  if (!bytes.empty()) std::memcpy(out->data + header, bytes.data(), bytes.size());
}

wasm_module_t* wasm_module_deserialize(wasm_store_t* store, const wasm_byte_vec_t* data) {
  size_t header = sizeof kSerializedMagic - 1;
  if (!store || !data || data->size < header || std::memcmp(data->data, kSerializedMagic, header) != 0) {
    capi::logMessage(kWarning, "wasm_module_deserialize: not a module serialized by Strata\n");
    return nullptr;
  }
  const uint8_t* p = reinterpret_cast<const uint8_t*>(data->data) + header;
  return newModule(store, std::vector<uint8_t>(p, p + (data->size - header)));
}

void wasm_shared_module_delete(wasm_shared_module_t* s) { delete s; }

wasm_shared_module_t* wasm_module_share(const wasm_module_t* module) {
  return module ? new wasm_shared_module_t{asRef(module)->module} : nullptr;
}

wasm_module_t* wasm_module_obtain(wasm_store_t* store, const wasm_shared_module_t* shared) {
  if (!store || !shared) return nullptr;
  Ref* r = newRef(RefKind::Module, store);
  r->module = shared->module;
  return as<wasm_module_t>(r);
}

// --- instances -------------------------------------------------------------------

wasm_instance_t* wasm_instance_new(wasm_store_t* store, const wasm_module_t* module,
                                   const wasm_extern_vec_t* imports, wasm_trap_t** trap) {
  if (trap) *trap = nullptr;
  auto fail = [&](const std::string& message) -> wasm_instance_t* {
    if (trap) *trap = newTrap(store, message);
    return nullptr;
  };
  if (!store || !module) return fail("wasm_instance_new: no store or no module");
  const std::shared_ptr<const Module>& m = asRef(module)->module;
  size_t given = imports ? imports->size : 0;
  if (given != m->imports.size())
    return fail("module has " + std::to_string(m->imports.size()) + " imports, " + std::to_string(given) +
                " given");
  std::vector<Extern> externs;
  for (size_t i = 0; i < given; ++i) {
    const Ref* r = asRef(imports->data[i]);
    const Import& imp = m->imports[i];
    if (!r) return fail("missing import \"" + imp.module + "\" \"" + imp.name + "\"");
    if (r->ext.kind != imp.kind)
      return fail("incompatible import type for \"" + imp.module + "\" \"" + imp.name + "\": expected a " +
                  externKindName(imp.kind) + ", given a " + externKindName(r->ext.kind));
    externs.push_back(r->ext);
  }
  try {
    std::shared_ptr<Instance> inst = Instance::instantiate(m, std::move(externs), *store->env);
    keepInstance(store, inst);
    Ref* r = newRef(RefKind::Instance, store);
    r->instance = inst;
    return as<wasm_instance_t>(r);
  } catch (const Trap& e) {
    if (trap) *trap = newTrap(store, e);  // a start function's or segment's trap
    return nullptr;
  } catch (const std::exception& e) {
    // LinkError, memory that could not be allocated.
    return fail(e.what());
  }
}

void wasm_instance_exports(const wasm_instance_t* instance, wasm_extern_vec_t* out) {
  const Ref* self = asRef(instance);
  Instance& inst = *self->instance;
  const auto& exports = inst.module().exports;
  wasm_extern_vec_new_uninitialized(out, exports.size());
  for (size_t i = 0; i < exports.size(); ++i) {
    Extern ext;
    if (inst.findExport(exports[i].name, &ext)) out->data[i] = newExtern(self->store, ext);
  }
}

}  // extern "C"
