// wasm.h: vectors, types and values (see c_api.h).
#include <cstring>

#include "src/api/wasm_c_api/c_api.h"

using namespace strata;
using namespace strata::capi::wasmc;

// Types are plain values; an extern type is the first part of the four
// kinds of types that can be one.
struct wasm_valtype_t {
  wasm_valkind_t kind;
};

struct wasm_externtype_t {
  wasm_externkind_t kind;
};

struct wasm_functype_t : wasm_externtype_t {
  wasm_valtype_vec_t params;
  wasm_valtype_vec_t results;
};

struct wasm_globaltype_t : wasm_externtype_t {
  wasm_valtype_t* content;
  wasm_mutability_t mutability;
};

struct wasm_tabletype_t : wasm_externtype_t {
  wasm_valtype_t* element;
  wasm_limits_t limits;
};

struct wasm_memorytype_t : wasm_externtype_t {
  wasm_limits_t limits;
};

struct wasm_importtype_t {
  wasm_name_t module;
  wasm_name_t name;
  wasm_externtype_t* type;
};

struct wasm_exporttype_t {
  wasm_name_t name;
  wasm_externtype_t* type;
};

namespace {
void copyByte(wasm_byte_t* out, const wasm_byte_t* in) { *out = *in; }
void deleteByte(wasm_byte_t*) {}
void deleteVal(wasm_val_t* v) { wasm_val_delete(v); }
void copyName(wasm_name_t* out, const wasm_name_t* in) { wasm_byte_vec_copy(out, in); }
}  // namespace

extern "C" {

STRATA_PLAIN_VEC(byte, copyByte, deleteByte)
STRATA_PLAIN_VEC(val, wasm_val_copy, deleteVal)
STRATA_OWNED_VEC(valtype)
STRATA_OWNED_VEC(functype)
STRATA_OWNED_VEC(globaltype)
STRATA_OWNED_VEC(tabletype)
STRATA_OWNED_VEC(memorytype)
STRATA_OWNED_VEC(externtype)
STRATA_OWNED_VEC(importtype)
STRATA_OWNED_VEC(exporttype)

// --- value types -----------------------------------------------------------

wasm_valtype_t* wasm_valtype_new(wasm_valkind_t kind) { return new wasm_valtype_t{kind}; }
void wasm_valtype_delete(wasm_valtype_t* t) { delete t; }
wasm_valtype_t* wasm_valtype_copy(const wasm_valtype_t* t) { return t ? new wasm_valtype_t{t->kind} : nullptr; }
wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t* t) { return t->kind; }

// --- function types --------------------------------------------------------

wasm_functype_t* wasm_functype_new(wasm_valtype_vec_t* params, wasm_valtype_vec_t* results) {
  auto* t = new wasm_functype_t;
  t->kind = WASM_EXTERN_FUNC;
  t->params = *params;  // takes the vectors' contents over
  t->results = *results;
  vecNewEmpty(params);
  vecNewEmpty(results);
  return t;
}

void wasm_functype_delete(wasm_functype_t* t) {
  if (!t) return;
  wasm_valtype_vec_delete(&t->params);
  wasm_valtype_vec_delete(&t->results);
  delete t;
}

wasm_functype_t* wasm_functype_copy(const wasm_functype_t* t) {
  if (!t) return nullptr;
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_copy(&params, &t->params);
  wasm_valtype_vec_copy(&results, &t->results);
  return wasm_functype_new(&params, &results);
}

const wasm_valtype_vec_t* wasm_functype_params(const wasm_functype_t* t) { return &t->params; }
const wasm_valtype_vec_t* wasm_functype_results(const wasm_functype_t* t) { return &t->results; }

// --- global, table and memory types ----------------------------------------

wasm_globaltype_t* wasm_globaltype_new(wasm_valtype_t* content, wasm_mutability_t mutability) {
  auto* t = new wasm_globaltype_t;
  t->kind = WASM_EXTERN_GLOBAL;
  t->content = content;
  t->mutability = mutability;
  return t;
}

void wasm_globaltype_delete(wasm_globaltype_t* t) {
  if (!t) return;
  wasm_valtype_delete(t->content);
  delete t;
}

wasm_globaltype_t* wasm_globaltype_copy(const wasm_globaltype_t* t) {
  return t ? wasm_globaltype_new(wasm_valtype_copy(t->content), t->mutability) : nullptr;
}

const wasm_valtype_t* wasm_globaltype_content(const wasm_globaltype_t* t) { return t->content; }
wasm_mutability_t wasm_globaltype_mutability(const wasm_globaltype_t* t) { return t->mutability; }

wasm_tabletype_t* wasm_tabletype_new(wasm_valtype_t* element, const wasm_limits_t* limits) {
  auto* t = new wasm_tabletype_t;
  t->kind = WASM_EXTERN_TABLE;
  t->element = element;
  t->limits = *limits;
  return t;
}

void wasm_tabletype_delete(wasm_tabletype_t* t) {
  if (!t) return;
  wasm_valtype_delete(t->element);
  delete t;
}

wasm_tabletype_t* wasm_tabletype_copy(const wasm_tabletype_t* t) {
  return t ? wasm_tabletype_new(wasm_valtype_copy(t->element), &t->limits) : nullptr;
}

const wasm_valtype_t* wasm_tabletype_element(const wasm_tabletype_t* t) { return t->element; }
const wasm_limits_t* wasm_tabletype_limits(const wasm_tabletype_t* t) { return &t->limits; }

wasm_memorytype_t* wasm_memorytype_new(const wasm_limits_t* limits) {
  auto* t = new wasm_memorytype_t;
  t->kind = WASM_EXTERN_MEMORY;
  t->limits = *limits;
  return t;
}

void wasm_memorytype_delete(wasm_memorytype_t* t) { delete t; }
wasm_memorytype_t* wasm_memorytype_copy(const wasm_memorytype_t* t) {
  return t ? wasm_memorytype_new(&t->limits) : nullptr;
}
const wasm_limits_t* wasm_memorytype_limits(const wasm_memorytype_t* t) { return &t->limits; }

// --- extern types ----------------------------------------------------------

wasm_externkind_t wasm_externtype_kind(const wasm_externtype_t* t) { return t->kind; }

void wasm_externtype_delete(wasm_externtype_t* t) {
  if (!t) return;
  switch (t->kind) {
    case WASM_EXTERN_FUNC: wasm_functype_delete(static_cast<wasm_functype_t*>(t)); break;
    case WASM_EXTERN_GLOBAL: wasm_globaltype_delete(static_cast<wasm_globaltype_t*>(t)); break;
    case WASM_EXTERN_TABLE: wasm_tabletype_delete(static_cast<wasm_tabletype_t*>(t)); break;
    default: wasm_memorytype_delete(static_cast<wasm_memorytype_t*>(t)); break;
  }
}

wasm_externtype_t* wasm_externtype_copy(const wasm_externtype_t* t) {
  if (!t) return nullptr;
  switch (t->kind) {
    case WASM_EXTERN_FUNC: return wasm_functype_copy(static_cast<const wasm_functype_t*>(t));
    case WASM_EXTERN_GLOBAL: return wasm_globaltype_copy(static_cast<const wasm_globaltype_t*>(t));
    case WASM_EXTERN_TABLE: return wasm_tabletype_copy(static_cast<const wasm_tabletype_t*>(t));
    default: return wasm_memorytype_copy(static_cast<const wasm_memorytype_t*>(t));
  }
}

#define STRATA_EXTERNTYPE_CASTS(name, KIND)                                                             \
  wasm_externtype_t* wasm_##name##_as_externtype(wasm_##name##_t* t) { return t; }                     \
  const wasm_externtype_t* wasm_##name##_as_externtype_const(const wasm_##name##_t* t) { return t; }   \
  wasm_##name##_t* wasm_externtype_as_##name(wasm_externtype_t* t) {                                   \
    return t && t->kind == KIND ? static_cast<wasm_##name##_t*>(t) : nullptr;                          \
  }                                                                                                    \
  const wasm_##name##_t* wasm_externtype_as_##name##_const(const wasm_externtype_t* t) {               \
    return t && t->kind == KIND ? static_cast<const wasm_##name##_t*>(t) : nullptr;                    \
  }

STRATA_EXTERNTYPE_CASTS(functype, WASM_EXTERN_FUNC)
STRATA_EXTERNTYPE_CASTS(globaltype, WASM_EXTERN_GLOBAL)
STRATA_EXTERNTYPE_CASTS(tabletype, WASM_EXTERN_TABLE)
STRATA_EXTERNTYPE_CASTS(memorytype, WASM_EXTERN_MEMORY)

// --- import and export types -----------------------------------------------

wasm_importtype_t* wasm_importtype_new(wasm_name_t* module, wasm_name_t* name, wasm_externtype_t* type) {
  auto* t = new wasm_importtype_t{*module, *name, type};
  vecNewEmpty(module);
  vecNewEmpty(name);
  return t;
}

void wasm_importtype_delete(wasm_importtype_t* t) {
  if (!t) return;
  wasm_name_delete(&t->module);
  wasm_name_delete(&t->name);
  wasm_externtype_delete(t->type);
  delete t;
}

wasm_importtype_t* wasm_importtype_copy(const wasm_importtype_t* t) {
  if (!t) return nullptr;
  wasm_name_t module, name;
  copyName(&module, &t->module);
  copyName(&name, &t->name);
  return wasm_importtype_new(&module, &name, wasm_externtype_copy(t->type));
}

const wasm_name_t* wasm_importtype_module(const wasm_importtype_t* t) { return &t->module; }
const wasm_name_t* wasm_importtype_name(const wasm_importtype_t* t) { return &t->name; }
const wasm_externtype_t* wasm_importtype_type(const wasm_importtype_t* t) { return t->type; }

wasm_exporttype_t* wasm_exporttype_new(wasm_name_t* name, wasm_externtype_t* type) {
  auto* t = new wasm_exporttype_t{*name, type};
  vecNewEmpty(name);
  return t;
}

void wasm_exporttype_delete(wasm_exporttype_t* t) {
  if (!t) return;
  wasm_name_delete(&t->name);
  wasm_externtype_delete(t->type);
  delete t;
}

wasm_exporttype_t* wasm_exporttype_copy(const wasm_exporttype_t* t) {
  if (!t) return nullptr;
  wasm_name_t name;
  copyName(&name, &t->name);
  return wasm_exporttype_new(&name, wasm_externtype_copy(t->type));
}

const wasm_name_t* wasm_exporttype_name(const wasm_exporttype_t* t) { return &t->name; }
const wasm_externtype_t* wasm_exporttype_type(const wasm_exporttype_t* t) { return t->type; }

// --- values ------------------------------------------------------------------

void wasm_val_delete(wasm_val_t* v) {
  if (v && wasm_valkind_is_ref(v->kind) && v->of.ref) {
    wasm_ref_delete(v->of.ref);
    v->of.ref = nullptr;
  }
}

void wasm_val_copy(wasm_val_t* out, const wasm_val_t* v) {
  *out = *v;
  if (wasm_valkind_is_ref(v->kind) && v->of.ref) out->of.ref = wasm_ref_copy(v->of.ref);
}

}  // extern "C"

// --- conversions for the other files ---------------------------------------

namespace strata::capi::wasmc {

ValType toValType(wasm_valkind_t kind, bool* ok) {
  *ok = true;
  switch (kind) {
    case WASM_I32: return ValType::I32;
    case WASM_I64: return ValType::I64;
    case WASM_F32: return ValType::F32;
    case WASM_F64: return ValType::F64;
    case WASM_EXTERNREF: return ValType::ExternRef;
    case WASM_FUNCREF: return ValType::FuncRef;
    default: *ok = false; return ValType::I32;
  }
}

// v128 has no kind in the standard API: callers refuse it first.
wasm_valkind_t toValKind(ValType type) {
  switch (type.kind()) {
    case ValKind::I64: return WASM_I64;
    case ValKind::F32: return WASM_F32;
    case ValKind::F64: return WASM_F64;
    case ValKind::ExternRef: return WASM_EXTERNREF;
    case ValKind::FuncRef: return WASM_FUNCREF;
    default: return WASM_I32;
  }
}

FuncType toFuncType(const wasm_functype_t* type, bool* ok) {
  FuncType ft;
  *ok = type != nullptr;
  if (!type) return ft;
  for (size_t i = 0; *ok && i < type->params.size; ++i)
    ft.params.push_back(toValType(type->params.data[i]->kind, ok));
  for (size_t i = 0; *ok && i < type->results.size; ++i)
    ft.results.push_back(toValType(type->results.data[i]->kind, ok));
  return ft;
}

static wasm_valtype_vec_t valTypes(const std::vector<ValType>& types) {
  wasm_valtype_vec_t v;
  wasm_valtype_vec_new_uninitialized(&v, types.size());
  for (size_t i = 0; i < types.size(); ++i) v.data[i] = wasm_valtype_new(toValKind(types[i]));
  return v;
}

wasm_functype_t* newFuncType(const FuncType& type) {
  wasm_valtype_vec_t params = valTypes(type.params), results = valTypes(type.results);
  return wasm_functype_new(&params, &results);
}

static wasm_limits_t toCLimits(const Limits& l) {
  // The API's limits are 32-bit: a memory64 or table64 past 4 Gi reports
  // the largest value.
  auto clamp = [](uint64_t v) { return v > 0xffffffffu ? 0xffffffffu : uint32_t(v); };
  return wasm_limits_t{clamp(l.min), l.hasMax ? clamp(l.max) : wasm_limits_max_default};
}

Limits toLimits(const wasm_limits_t& l) {
  Limits out;
  out.min = l.min;
  out.hasMax = l.max != wasm_limits_max_default;
  out.max = out.hasMax ? l.max : 0;
  return out;
}

wasm_globaltype_t* newGlobalType(const GlobalType& type) {
  return wasm_globaltype_new(wasm_valtype_new(toValKind(type.type)), type.mutable_ ? WASM_VAR : WASM_CONST);
}

wasm_tabletype_t* newTableType(const TableType& type) {
  wasm_limits_t limits = toCLimits(type.limits);
  return wasm_tabletype_new(wasm_valtype_new(toValKind(type.elem)), &limits);
}

wasm_memorytype_t* newMemoryType(const MemoryType& type) {
  wasm_limits_t limits = toCLimits(type.limits);
  return wasm_memorytype_new(&limits);
}

}  // namespace strata::capi::wasmc
