// wasm.h: functions (host functions too), globals, tables, memories,
// externals, and values as stack slots (see c_api.h).
#include <cstring>

#include "src/api/c_api_internal.h"
#include "src/api/wasm_c_api/c_api.h"
#include "src/api/val_layouts.h"  // after wasm.h (c_api.h), whose wasm_val_t it checks

using namespace strata;
using namespace strata::capi::wasmc;

namespace strata::capi::wasmc {

// --- values as slots --------------------------------------------------------
// Slot encoding (runtime/objects.h): 32-bit values in the low half, a
// funcref is its Function*, an externref an opaque pointer, 0 is null. An
// externref made here is the address of the object its handle names, and
// the store remembers the handle to give it back.

bool toSlot(wasm_store_t* store, const wasm_val_t& v, ValType type, Slot* out, std::string* error) {
  bool ok;
  ValType given = toValType(v.kind, &ok);
  // A reference kind names its hierarchy: funcref fits any function
  // reference type, (ref $t) included.
  if (!ok || given.kind() != type.kind()) {
    *error = std::string("expected ") + valTypeName(type) + ", got " +
             (ok ? valTypeName(given) : ("value kind " + std::to_string(v.kind)).c_str());
    return false;
  }
  switch (type.kind()) {
    case ValKind::I32: *out = uint32_t(v.of.i32); return true;
    case ValKind::I64: *out = uint64_t(v.of.i64); return true;
    case ValKind::F32: {
      uint32_t bits;
      std::memcpy(&bits, &v.of.f32, 4);
      *out = bits;
      return true;
    }
    case ValKind::F64: std::memcpy(out, &v.of.f64, 8); return true;
    default: break;
  }
  const Ref* r = asRef(v.of.ref);
  if (!r) {
    if (!referenceFits(0, type)) {
      *error = "null for a non-nullable " + valTypeName(type);
      return false;
    }
    *out = 0;
    return true;
  }
  if (type.kind() == ValKind::FuncRef) {
    if (r->kind != RefKind::Func) {
      *error = "expected a function reference";
      return false;
    }
    Slot value = reinterpret_cast<Slot>(r->ext.func.get());
    if (!referenceFits(value, type)) {
      *error = "the function is not a " + valTypeName(type);
      return false;
    }
    store->kept.push_back(r->ext.func);  // a table or global holds the raw pointer
    *out = value;
    return true;
  }
  Slot s = reinterpret_cast<Slot>(r->identity());
  store->externrefs.emplace(s, *r);  // the first handle stands for it
  *out = s;
  return true;
}

wasm_val_t fromSlot(wasm_store_t* store, Slot slot, ValType type) {
  wasm_val_t v;
  v.kind = toValKind(type);
  switch (type.kind()) {
    case ValKind::I32: v.of.i32 = int32_t(uint32_t(slot)); return v;
    case ValKind::I64: v.of.i64 = int64_t(slot); return v;
    case ValKind::F32: {
      uint32_t bits = uint32_t(slot);
      std::memcpy(&v.of.f32, &bits, 4);
      return v;
    }
    case ValKind::F64: std::memcpy(&v.of.f64, &slot, 8); return v;
    default: break;
  }
  v.of.ref = nullptr;
  if (!slot) return v;
  if (type.kind() == ValKind::FuncRef) {
    Function* f = reinterpret_cast<Function*>(slot);
    Extern ext;
    ext.kind = ExternKind::Func;
    if (f->instance) {
      ext.func = f->instance->sharedFunction(f->index);
    } else {
      auto it = store->hostFunctions.find(f);
      // A host function made elsewhere (the WAMR-style API's natives): the
      // store cannot own it, its maker keeps it alive.
      ext.func = it != store->hostFunctions.end() ? it->second : std::shared_ptr<Function>(std::shared_ptr<void>(), f);
    }
    Ref* r = newRef(RefKind::Func, store);
    r->ext = ext;
    v.of.ref = as<wasm_ref_t>(r);
    return v;
  }
  auto it = store->externrefs.find(slot);
  if (it == store->externrefs.end()) {
    // An externref this store did not make (a host function of another
    // API passed it in): a foreign object stands for it.
    Ref* r = newRef(RefKind::Foreign, store);
    store->foreigns.push_back(std::make_unique<Foreign>());
    r->foreign = store->foreigns.back().get();
    it = store->externrefs.emplace(slot, *r).first;
    delete r;
  }
  v.of.ref = as<wasm_ref_t>(copyRef(&it->second));
  return v;
}

wasm_extern_t* newExtern(wasm_store_t* store, const Extern& ext) {
  static const RefKind kinds[] = {RefKind::Func, RefKind::Table, RefKind::Memory, RefKind::Global};
  Ref* r = newRef(kinds[size_t(ext.kind)], store);
  r->ext = ext;
  return as<wasm_extern_t>(r);
}

}  // namespace strata::capi::wasmc

namespace {

bool hasV128(const FuncType& t) {
  for (ValType v : t.params)
    if (v == ValType::V128) return true;
  for (ValType v : t.results)
    if (v == ValType::V128) return true;
  return false;
}

// A host function's callback and what it needs to run.
struct HostFunction {
  wasm_store_t* store;
  FuncType type;
  wasm_func_callback_t callback = nullptr;
  wasm_func_callback_with_env_t callbackWithEnv = nullptr;
  void* env = nullptr;
  void (*finalizer)(void*) = nullptr;
  ~HostFunction() {
    if (finalizer) finalizer(env);
  }
};

void deleteValues(std::vector<wasm_val_t>& values) {
  for (wasm_val_t& v : values) wasm_val_delete(&v);
}

// Runs a host function for the runtime: slots to values, the callback, a
// returned trap to a thrown Trap, results back to slots.
void callHost(void* data, Instance*, Slot* slots) {
  auto* h = static_cast<HostFunction*>(data);
  const FuncType& t = h->type;
  std::vector<wasm_val_t> args(t.params.size()), results(t.results.size());
  for (size_t i = 0; i < t.params.size(); ++i) args[i] = fromSlot(h->store, slots[i], t.params[i]);
  for (size_t i = 0; i < t.results.size(); ++i) {
    results[i].kind = toValKind(t.results[i]);
    results[i].of.i64 = 0;
  }
  wasm_val_vec_t argVec{args.size(), args.data()}, resultVec{results.size(), results.data()};
  wasm_trap_t* trap = h->callback ? h->callback(&argVec, &resultVec) : h->callbackWithEnv(h->env, &argVec, &resultVec);
  deleteValues(args);
  if (trap) {
    std::string message = asRef(trap)->trap->message;
    wasm_trap_delete(trap);
    deleteValues(results);
    throw Trap(message);
  }
  std::string error;
  for (size_t i = 0; i < t.results.size(); ++i) {
    if (!toSlot(h->store, results[i], t.results[i], &slots[i], &error)) {
      deleteValues(results);
      throw Trap("host function returned a wrong value: " + error);
    }
  }
  deleteValues(results);
}

wasm_func_t* newHostFunction(wasm_store_t* store, const wasm_functype_t* type, std::unique_ptr<HostFunction> h) {
  bool ok;
  FuncType ft = toFuncType(type, &ok);
  if (!store || !ok || hasV128(ft)) {
    capi::logMessage(kWarning, "wasm_func_new: no store or an unsupported function type\n");
    return nullptr;  // ~HostFunction runs the finalizer
  }
  h->store = store;
  h->type = ft;
  HostFunction* raw = h.get();
  std::shared_ptr<Function> made = makeHostFunction(ft, callHost, raw);
  // One owner for both: the callback's data dies with the function.
  std::shared_ptr<HostFunction> data(std::move(h));
  std::shared_ptr<Function> f(made.get(), [made, data](Function*) mutable {
    made.reset();
    data.reset();
  });
  store->hostFunctions.emplace(f.get(), f);
  Ref* r = newRef(RefKind::Func, store);
  r->ext.kind = ExternKind::Func;
  r->ext.func = f;
  return as<wasm_func_t>(r);
}

Slot initSlot(wasm_store_t* store, wasm_ref_t* init, ValType elem, bool* ok) {
  wasm_val_t v;
  v.kind = toValKind(elem);
  v.of.ref = init;
  Slot s = 0;
  std::string error;
  *ok = toSlot(store, v, elem, &s, &error);
  return s;
}

}  // namespace

extern "C" {

// --- functions ---------------------------------------------------------------

wasm_func_t* wasm_func_new(wasm_store_t* store, const wasm_functype_t* type, wasm_func_callback_t callback) {
  auto h = std::make_unique<HostFunction>();
  h->callback = callback;
  if (!callback) return nullptr;
  return newHostFunction(store, type, std::move(h));
}

wasm_func_t* wasm_func_new_with_env(wasm_store_t* store, const wasm_functype_t* type,
                                    wasm_func_callback_with_env_t callback, void* env, void (*finalizer)(void*)) {
  auto h = std::make_unique<HostFunction>();
  h->callbackWithEnv = callback;
  h->env = env;
  h->finalizer = finalizer;
  if (!callback) return nullptr;
  return newHostFunction(store, type, std::move(h));
}

wasm_functype_t* wasm_func_type(const wasm_func_t* f) { return newFuncType(asRef(f)->ext.func->type); }
size_t wasm_func_param_arity(const wasm_func_t* f) { return asRef(f)->ext.func->type.params.size(); }
size_t wasm_func_result_arity(const wasm_func_t* f) { return asRef(f)->ext.func->type.results.size(); }

wasm_trap_t* wasm_func_call(const wasm_func_t* func, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  const Ref* r = asRef(func);
  if (!r) return nullptr;
  wasm_store_t* store = r->store;
  Function* f = r->ext.func.get();
  const FuncType& t = f->type;
  if (hasV128(t)) return newTrap(store, "wasm_func_call: v128 parameters or results are not supported by wasm.h");
  size_t nargs = args ? args->size : 0, nresults = results ? results->size : 0;
  if (nargs != t.params.size() || nresults < t.results.size())
    return newTrap(store, "wasm_func_call: the function takes " + std::to_string(t.params.size()) +
                              " arguments and returns " + std::to_string(t.results.size()) + " results; got " +
                              std::to_string(nargs) + " arguments and room for " + std::to_string(nresults));
  std::vector<Slot> slots(std::max<size_t>(t.callSlots(), 1));
  std::string error;
  for (size_t i = 0; i < nargs; ++i)
    if (!toSlot(store, args->data[i], t.params[i], &slots[i], &error))
      return newTrap(store, "wasm_func_call: argument " + std::to_string(i) + ": " + error);
  try {
    store->env->call(f, slots.data());
  } catch (const Trap& e) {
    return newTrap(store, e);
  } catch (const std::exception& e) {
    return newTrap(store, e.what());
  }
  for (size_t i = 0; i < t.results.size(); ++i) results->data[i] = fromSlot(store, slots[i], t.results[i]);
  return nullptr;
}

// --- globals -----------------------------------------------------------------

wasm_global_t* wasm_global_new(wasm_store_t* store, const wasm_globaltype_t* type, const wasm_val_t* value) {
  if (!store || !type || !value) return nullptr;
  bool ok;
  auto cell = std::make_shared<GlobalCell>();
  cell->type.type = toValType(wasm_valtype_kind(wasm_globaltype_content(type)), &ok);
  cell->type.mutable_ = wasm_globaltype_mutability(type) == WASM_VAR;
  std::string error;
  if (!ok || !toSlot(store, *value, cell->type.type, &cell->value, &error)) {
    capi::logMessage(kWarning, "wasm_global_new: %s\n", ok ? error.c_str() : "unknown value type");
    return nullptr;
  }
  Ref* r = newRef(RefKind::Global, store);
  r->ext.kind = ExternKind::Global;
  r->ext.global = cell;
  return as<wasm_global_t>(r);
}

wasm_globaltype_t* wasm_global_type(const wasm_global_t* g) { return newGlobalType(asRef(g)->ext.global->type); }

void wasm_global_get(const wasm_global_t* g, wasm_val_t* out) {
  const Ref* r = asRef(g);
  *out = fromSlot(r->store, r->ext.global->value, r->ext.global->type.type);
}

// Setting an immutable global or with a value of another type is refused
// (with a warning): the API has no way to report it.
void wasm_global_set(wasm_global_t* g, const wasm_val_t* value) {
  Ref* r = asRef(g);
  GlobalCell& cell = *r->ext.global;
  std::string error = "the global is immutable";
  Slot s;
  if (cell.type.mutable_ && value && toSlot(r->store, *value, cell.type.type, &s, &error)) {
    cell.value = s;
    return;
  }
  capi::logMessage(kWarning, "wasm_global_set: %s\n", error.c_str());
}

// --- tables ------------------------------------------------------------------

wasm_table_t* wasm_table_new(wasm_store_t* store, const wasm_tabletype_t* type, wasm_ref_t* init) {
  if (!store || !type) return nullptr;
  TableType tt;
  bool ok;
  tt.elem = toValType(wasm_valtype_kind(wasm_tabletype_element(type)), &ok);
  tt.limits = toLimits(*wasm_tabletype_limits(type));
  if (!ok || !isRefType(tt.elem) || (tt.limits.hasMax && tt.limits.max < tt.limits.min)) return nullptr;
  Slot s = initSlot(store, init, tt.elem, &ok);
  if (!ok) return nullptr;
  std::shared_ptr<Table> table;
  try {
    table = std::make_shared<Table>(tt, s);
  } catch (const std::exception& e) {
    capi::logMessage(kWarning, "wasm_table_new: %s\n", e.what());
    return nullptr;
  }
  Ref* r = newRef(RefKind::Table, store);
  r->ext.kind = ExternKind::Table;
  r->ext.table = table;
  return as<wasm_table_t>(r);
}

wasm_tabletype_t* wasm_table_type(const wasm_table_t* t) { return newTableType(asRef(t)->ext.table->type()); }

wasm_ref_t* wasm_table_get(const wasm_table_t* t, wasm_table_size_t index) {
  const Ref* r = asRef(t);
  Table& table = *r->ext.table;
  if (index >= table.size()) return nullptr;
  return fromSlot(r->store, table.data()[index], table.type().elem).of.ref;
}

bool wasm_table_set(wasm_table_t* t, wasm_table_size_t index, wasm_ref_t* ref) {
  Ref* r = asRef(t);
  Table& table = *r->ext.table;
  bool ok;
  Slot s = initSlot(r->store, ref, table.type().elem, &ok);
  if (!ok || index >= table.size()) return false;
  table.data()[index] = s;
  return true;
}

wasm_table_size_t wasm_table_size(const wasm_table_t* t) {
  uint64_t n = asRef(t)->ext.table->size();
  return n > 0xffffffffu ? 0xffffffffu : wasm_table_size_t(n);
}

bool wasm_table_grow(wasm_table_t* t, wasm_table_size_t delta, wasm_ref_t* init) {
  Ref* r = asRef(t);
  bool ok;
  Slot s = initSlot(r->store, init, r->ext.table->type().elem, &ok);
  return ok && r->ext.table->grow(delta, s) >= 0;
}

// --- memories ----------------------------------------------------------------

wasm_memory_t* wasm_memory_new(wasm_store_t* store, const wasm_memorytype_t* type) {
  if (!store || !type) return nullptr;
  MemoryType mt;
  mt.limits = toLimits(*wasm_memorytype_limits(type));
  if (mt.limits.min > limits::kMaxMemoryPages || (mt.limits.hasMax && (mt.limits.max < mt.limits.min ||
                                                                   mt.limits.max > limits::kMaxMemoryPages))) {
    capi::logMessage(kWarning, "wasm_memory_new: invalid limits\n");
    return nullptr;
  }
  std::shared_ptr<Memory> memory;
  try {
    memory = Memory::create(mt);
  } catch (const std::exception& e) {
    capi::logMessage(kWarning, "wasm_memory_new: %s\n", e.what());
    return nullptr;
  }
  Ref* r = newRef(RefKind::Memory, store);
  r->ext.kind = ExternKind::Memory;
  r->ext.memory = memory;
  return as<wasm_memory_t>(r);
}

wasm_memorytype_t* wasm_memory_type(const wasm_memory_t* m) { return newMemoryType(asRef(m)->ext.memory->type()); }
byte_t* wasm_memory_data(wasm_memory_t* m) { return reinterpret_cast<byte_t*>(asRef(m)->ext.memory->base()); }
size_t wasm_memory_data_size(const wasm_memory_t* m) { return asRef(m)->ext.memory->byteSize(); }
wasm_memory_pages_t wasm_memory_size(const wasm_memory_t* m) {
  return wasm_memory_pages_t(asRef(m)->ext.memory->pages());
}
bool wasm_memory_grow(wasm_memory_t* m, wasm_memory_pages_t delta) { return asRef(m)->ext.memory->grow(delta) >= 0; }

// --- externals -----------------------------------------------------------------

wasm_externkind_t wasm_extern_kind(const wasm_extern_t* e) {
  switch (asRef(e)->ext.kind) {
    case ExternKind::Func: return WASM_EXTERN_FUNC;
    case ExternKind::Global: return WASM_EXTERN_GLOBAL;
    case ExternKind::Table: return WASM_EXTERN_TABLE;
    default: return WASM_EXTERN_MEMORY;
  }
}

wasm_externtype_t* wasm_extern_type(const wasm_extern_t* e) {
  const Extern& ext = asRef(e)->ext;
  switch (ext.kind) {
    case ExternKind::Func: return wasm_functype_as_externtype(newFuncType(ext.func->type));
    case ExternKind::Global: return wasm_globaltype_as_externtype(newGlobalType(ext.global->type));
    case ExternKind::Table: return wasm_tabletype_as_externtype(newTableType(ext.table->type()));
    default: return wasm_memorytype_as_externtype(newMemoryType(ext.memory->type()));
  }
}

#define STRATA_EXTERN_CASTS(name, KIND)                                                                  \
  wasm_extern_t* wasm_##name##_as_extern(wasm_##name##_t* x) { return reinterpret_cast<wasm_extern_t*>(x); } \
  const wasm_extern_t* wasm_##name##_as_extern_const(const wasm_##name##_t* x) {                         \
    return reinterpret_cast<const wasm_extern_t*>(x);                                                    \
  }                                                                                                      \
  wasm_##name##_t* wasm_extern_as_##name(wasm_extern_t* e) {                                             \
    return e && asRef(e)->kind == KIND ? reinterpret_cast<wasm_##name##_t*>(e) : nullptr;                \
  }                                                                                                      \
  const wasm_##name##_t* wasm_extern_as_##name##_const(const wasm_extern_t* e) {                         \
    return e && asRef(e)->kind == KIND ? reinterpret_cast<const wasm_##name##_t*>(e) : nullptr;          \
  }

STRATA_EXTERN_CASTS(func, RefKind::Func)
STRATA_EXTERN_CASTS(global, RefKind::Global)
STRATA_EXTERN_CASTS(table, RefKind::Table)
STRATA_EXTERN_CASTS(memory, RefKind::Memory)

STRATA_OWNED_VEC(extern)

}  // extern "C"

// --- the entry points for wasm_export.h's wasm_val_t ---------------------------
// A file that included wasm_export.h before wasm.h has that header's
// wasm_val_t (ExportVal, larger than this file's), and wasm.h renames the
// functions that take arrays of values to these (see wasm.h). They convert
// the arrays to this file's layout around the functions above. Functions
// taking one value need no such entry point: both layouts agree on a
// value's first bytes, which is all those read and write. No header
// declares these here, so they are marked for export themselves.

namespace {

using strata::capi::convertVal;
using strata::capi::ExportVal;

struct ExportValVec {
  size_t size;
  ExportVal* data;
};
using ExportValCallback = wasm_trap_t* (*)(const ExportValVec* args, ExportValVec* results);
using ExportValCallbackWithEnv = wasm_trap_t* (*)(void* env, const ExportValVec* args, ExportValVec* results);

// wasm_val_copy and wasm_val_delete on the other layout (a v128 keeps all
// its bytes).
void copyExportVal(ExportVal* out, const ExportVal& v) {
  *out = v;
  if (wasm_valkind_is_ref(v.kind) && v.of.ref) out->of.ref = wasm_ref_copy(v.of.ref);
}
void deleteExportVal(ExportVal* v) {
  if (wasm_valkind_is_ref(v->kind) && v->of.ref) {
    wasm_ref_delete(v->of.ref);
    v->of.ref = nullptr;
  }
}

// The embedder's callback behind a host function made by the entry points
// below: the env of the wasm_func_new_with_env they call.
struct ExportValHost {
  ExportValCallback callback;
  ExportValCallbackWithEnv callbackWithEnv;
  void* env;
  void (*finalizer)(void*);
};

void deleteExportValHost(void* data) {
  auto* h = static_cast<ExportValHost*>(data);
  if (h->finalizer) h->finalizer(h->env);
  delete h;
}

// Arguments and results cross bitwise: the arguments stay the caller's
// (callHost deletes them), the results' references move to the runtime.
wasm_trap_t* callExportValHost(void* data, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  auto* h = static_cast<ExportValHost*>(data);
  std::vector<ExportVal> a(args->size), r(results->size);
  for (size_t i = 0; i < a.size(); ++i) a[i] = convertVal<ExportVal>(args->data[i]);
  for (size_t i = 0; i < r.size(); ++i) r[i] = convertVal<ExportVal>(results->data[i]);  // the kinds callHost set
  ExportValVec argVec{a.size(), a.data()}, resultVec{r.size(), r.data()};
  wasm_trap_t* trap = h->callback ? h->callback(&argVec, &resultVec) : h->callbackWithEnv(h->env, &argVec, &resultVec);
  for (size_t i = 0; i < r.size(); ++i) results->data[i] = convertVal<wasm_val_t>(r[i]);
  return trap;
}

}  // namespace

extern "C" {

WASM_API_EXTERN void strata_wasm_val_vec_new_uninitialized_wasm_export_val(ExportValVec* out, size_t size) {
  vecNewUninitialized<ExportValVec, ExportVal>(out, size);
}

WASM_API_EXTERN void strata_wasm_val_vec_new_wasm_export_val(ExportValVec* out, size_t size, const ExportVal data[]) {
  vecNewUninitialized<ExportValVec, ExportVal>(out, size);
  if (size) std::memcpy(static_cast<void*>(out->data), data, size * sizeof(ExportVal));
}

WASM_API_EXTERN void strata_wasm_val_vec_copy_wasm_export_val(ExportValVec* out, const ExportValVec* src) {
  vecNewUninitialized<ExportValVec, ExportVal>(out, src ? src->size : 0);
  for (size_t i = 0; i < out->size; ++i) copyExportVal(&out->data[i], src->data[i]);
}

WASM_API_EXTERN void strata_wasm_val_vec_delete_wasm_export_val(ExportValVec* v) {
  if (!v) return;
  for (size_t i = 0; i < v->size; ++i) deleteExportVal(&v->data[i]);
  delete[] v->data;
  v->size = 0;
  v->data = nullptr;
}

// wasm_func_new_with_env runs the finalizer itself when it fails.
WASM_API_EXTERN wasm_func_t* strata_wasm_func_new_wasm_export_val(wasm_store_t* store, const wasm_functype_t* type,
                                                                  ExportValCallback callback) {
  if (!callback) return nullptr;
  return wasm_func_new_with_env(store, type, callExportValHost, new ExportValHost{callback, nullptr, nullptr, nullptr},
                                deleteExportValHost);
}

WASM_API_EXTERN wasm_func_t* strata_wasm_func_new_with_env_wasm_export_val(wasm_store_t* store,
                                                                           const wasm_functype_t* type,
                                                                           ExportValCallbackWithEnv callback,
                                                                           void* env, void (*finalizer)(void*)) {
  if (!callback) {  // as wasm_func_new_with_env: the env is finalized
    if (finalizer) finalizer(env);
    return nullptr;
  }
  return wasm_func_new_with_env(store, type, callExportValHost, new ExportValHost{nullptr, callback, env, finalizer},
                                deleteExportValHost);
}

WASM_API_EXTERN wasm_trap_t* strata_wasm_func_call_wasm_export_val(const wasm_func_t* func, const ExportValVec* args,
                                                                   ExportValVec* results) {
  std::vector<wasm_val_t> a, r;
  for (size_t i = 0; args && i < args->size; ++i) a.push_back(convertVal<wasm_val_t>(args->data[i]));
  for (size_t i = 0; results && i < results->size; ++i) r.push_back(convertVal<wasm_val_t>(results->data[i]));
  wasm_val_vec_t argVec{a.size(), a.data()}, resultVec{r.size(), r.data()};
  wasm_trap_t* trap = wasm_func_call(func, args ? &argVec : nullptr, results ? &resultVec : nullptr);
  // Only the results the function has were written (and own references).
  if (!trap && func)
    for (size_t i = 0; i < wasm_func_result_arity(func); ++i) results->data[i] = convertVal<ExportVal>(r[i]);
  return trap;
}

}  // extern "C"
