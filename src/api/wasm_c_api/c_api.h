// The standard WebAssembly C API (include/wasm.h) on top of the runtime:
// what its three files share.
//   types.cpp    vectors, value/function/global/table/memory/extern types,
//                import and export types, values
//   store.cpp    engine and store, references and host info, foreign
//                objects, traps and frames, modules and instances
//   externs.cpp  functions (host functions too), globals, tables, memories,
//                externals; the entry points for wasm_export.h's wasm_val_t
//                (see wasm.h's "Values")
//
// Every reference type of the API (wasm_func_t, wasm_extern_t, wasm_ref_t,
// ...) is one C++ object, Ref: the header's struct names stay incomplete
// and their pointers are reinterpreted as Ref*, so that wasm_func_as_extern
// and wasm_extern_as_ref are the same pointer, as the API promises.
#pragma once

#include <wasm.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "runtime/objects.h"
#include "wasm/module.h"
#include "wasm/types.h"

namespace strata::capi::wasmc {

// capi::logMessage's level for what the API cannot report otherwise:
// WASM_LOG_LEVEL_WARNING of wasm_export.h, which these files do not
// otherwise need.
constexpr int kWarning = 2;

// --- types (types.cpp) ---

ValType toValType(wasm_valkind_t kind, bool* ok);
wasm_valkind_t toValKind(ValType type);
FuncType toFuncType(const wasm_functype_t* type, bool* ok);
wasm_functype_t* newFuncType(const FuncType& type);
wasm_globaltype_t* newGlobalType(const GlobalType& type);
wasm_tabletype_t* newTableType(const TableType& type);
wasm_memorytype_t* newMemoryType(const MemoryType& type);
Limits toLimits(const wasm_limits_t& limits);

// --- references (store.cpp) ---

// The host info of one object (an identity), shared by every handle to it.
struct HostInfo {
  void* info = nullptr;
  void (*finalizer)(void*) = nullptr;
};

// A foreign object (wasm_foreign_new): an identity and nothing else. As an
// externref its address is the reference's value.
struct Foreign {};

struct TrapData {
  std::string message;  // without the terminating NUL
  std::vector<TraceFrame> frames;  // innermost first (Trap::trace)
  HostInfo hostInfo;    // a trap is not in its store's table: it can die first
  ~TrapData() {
    if (hostInfo.finalizer) hostInfo.finalizer(hostInfo.info);
  }
};

enum class RefKind : uint8_t { Func, Global, Table, Memory, Instance, Module, Foreign, Trap };

struct Ref {
  RefKind kind = RefKind::Foreign;
  wasm_store_t* store = nullptr;
  Extern ext;  // Func, Global, Table, Memory
  std::shared_ptr<Instance> instance;
  std::shared_ptr<const Module> module;
  Foreign* foreign = nullptr;
  std::shared_ptr<TrapData> trap;

  // The object the handle refers to: handles are the same reference when
  // their identities are equal.
  const void* identity() const;
};

inline Ref* asRef(const void* p) { return const_cast<Ref*>(static_cast<const Ref*>(p)); }
template <typename T>
T* as(Ref* r) {
  return reinterpret_cast<T*>(r);
}
Ref* newRef(RefKind kind, wasm_store_t* store);
Ref* copyRef(const Ref* r);
wasm_extern_t* newExtern(wasm_store_t* store, const Extern& ext);

// A trap handle with `message` (and the frames of a runtime trap).
wasm_trap_t* newTrap(wasm_store_t* store, const std::string& message);
wasm_trap_t* newTrap(wasm_store_t* store, const Trap& trap);

// --- values (externs.cpp) ---

// A value as a slot of `type`; false (and *error) when the value's kind
// does not fit. References are kept alive by the store.
bool toSlot(wasm_store_t* store, const wasm_val_t& v, ValType type, Slot* out, std::string* error);
// The value of a slot of `type`; a reference becomes a new handle owned by
// the caller.
wasm_val_t fromSlot(wasm_store_t* store, Slot slot, ValType type);

}  // namespace strata::capi::wasmc

// --- vectors ---------------------------------------------------------------
// Three element kinds: bytes (copied bitwise), values (copied with
// wasm_val_copy, which copies a reference's handle) and owned pointers
// (copied with the element type's _copy, deleted with its _delete).

namespace strata::capi::wasmc {

template <typename Vec, typename Elem>
void vecNewUninitialized(Vec* out, size_t size) {
  out->size = size;
  out->data = size ? new Elem[size]() : nullptr;
}

template <typename Vec>
void vecNewEmpty(Vec* out) {
  out->size = 0;
  out->data = nullptr;
}

}  // namespace strata::capi::wasmc

#define STRATA_PLAIN_VEC(name, copy_elem, delete_elem)                                                 \
  void wasm_##name##_vec_new_empty(wasm_##name##_vec_t* out) { strata::capi::wasmc::vecNewEmpty(out); }                     \
  void wasm_##name##_vec_new_uninitialized(wasm_##name##_vec_t* out, size_t size) {                    \
    strata::capi::wasmc::vecNewUninitialized<wasm_##name##_vec_t, wasm_##name##_t>(out, size);                              \
  }                                                                                                    \
  void wasm_##name##_vec_new(wasm_##name##_vec_t* out, size_t size, const wasm_##name##_t data[]) {    \
    strata::capi::wasmc::vecNewUninitialized<wasm_##name##_vec_t, wasm_##name##_t>(out, size);                              \
    if (size) std::memcpy(static_cast<void*>(out->data), data, size * sizeof(wasm_##name##_t));        \
  }                                                                                                    \
  void wasm_##name##_vec_copy(wasm_##name##_vec_t* out, const wasm_##name##_vec_t* src) {              \
    strata::capi::wasmc::vecNewUninitialized<wasm_##name##_vec_t, wasm_##name##_t>(out, src ? src->size : 0);               \
    for (size_t i = 0; i < out->size; ++i) copy_elem(&out->data[i], &src->data[i]);                   \
  }                                                                                                    \
  void wasm_##name##_vec_delete(wasm_##name##_vec_t* v) {                                              \
    if (!v) return;                                                                                    \
    for (size_t i = 0; i < v->size; ++i) delete_elem(&v->data[i]);                                    \
    delete[] v->data;                                                                                  \
    v->size = 0;                                                                                       \
    v->data = nullptr;                                                                                 \
  }

#define STRATA_OWNED_VEC(name)                                                                         \
  void wasm_##name##_vec_new_empty(wasm_##name##_vec_t* out) { strata::capi::wasmc::vecNewEmpty(out); }                     \
  void wasm_##name##_vec_new_uninitialized(wasm_##name##_vec_t* out, size_t size) {                    \
    strata::capi::wasmc::vecNewUninitialized<wasm_##name##_vec_t, wasm_##name##_t*>(out, size);                             \
  }                                                                                                    \
  void wasm_##name##_vec_new(wasm_##name##_vec_t* out, size_t size, wasm_##name##_t* const data[]) {   \
    strata::capi::wasmc::vecNewUninitialized<wasm_##name##_vec_t, wasm_##name##_t*>(out, size);                             \
    for (size_t i = 0; i < size; ++i) out->data[i] = data[i];                                          \
  }                                                                                                    \
  void wasm_##name##_vec_copy(wasm_##name##_vec_t* out, const wasm_##name##_vec_t* src) {              \
    strata::capi::wasmc::vecNewUninitialized<wasm_##name##_vec_t, wasm_##name##_t*>(out, src ? src->size : 0);              \
    for (size_t i = 0; i < out->size; ++i)                                                             \
      out->data[i] = src->data[i] ? wasm_##name##_copy(src->data[i]) : nullptr;                        \
  }                                                                                                    \
  void wasm_##name##_vec_delete(wasm_##name##_vec_t* v) {                                              \
    if (!v) return;                                                                                    \
    for (size_t i = 0; i < v->size; ++i)                                                               \
      if (v->data[i]) wasm_##name##_delete(v->data[i]);                                                \
    delete[] v->data;                                                                                  \
    v->size = 0;                                                                                       \
    v->data = nullptr;                                                                                 \
  }

struct wasm_config_t {};

struct wasm_engine_t {};

struct wasm_store_t {
  wasm_engine_t* engine = nullptr;
  std::unique_ptr<strata::ExecEnv> env;
  // Everything made in the store lives until the store is deleted (the
  // API's model): instances, host functions, foreign objects, and every
  // object a reference value named (tables and globals hold raw pointers).
  std::vector<std::shared_ptr<strata::Instance>> instances;
  std::vector<std::shared_ptr<void>> kept;
  std::vector<std::unique_ptr<strata::capi::wasmc::Foreign>> foreigns;
  // Host info by identity, and the handle each externref value stands for.
  std::unordered_map<const void*, strata::capi::wasmc::HostInfo> hostInfo;
  std::unordered_map<strata::Slot, strata::capi::wasmc::Ref> externrefs;
  // Host functions by their runtime object (a funcref read back from a
  // table becomes a handle that owns it).
  std::unordered_map<const strata::Function*, std::shared_ptr<strata::Function>> hostFunctions;
};
