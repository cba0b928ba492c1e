// Instance contexts (wasm_runtime_create_context_key and friends, WAMR
// 1.3+): per-instance slots for embedders' native libraries, modelled on
// pthread keys.
#include <array>
#include <mutex>
#include <unordered_map>

#include "api/c_api_internal.h"
#include "wasm_export.h"

namespace {

using Destructor = void (*)(wasm_module_inst_t, void*);

// WAMR allows 8 keys at once (WASM_MAX_INSTANCE_CONTEXTS); so does Strata.
constexpr size_t kMaxKeys = 8;

struct Key {
  bool used = false;
  Destructor dtor = nullptr;
};

struct Contexts {
  std::mutex mutex;
  std::array<Key, kMaxKeys> keys;
  std::unordered_map<wasm_module_inst_t, std::array<void*, kMaxKeys>> byInstance;
};

Contexts& contexts() {
  static Contexts* c = new Contexts;  // never destroyed: handles may outlive static teardown
  return *c;
}

// The index of a live key, or -1.
int indexOf(Contexts& c, void* key) {
  for (size_t i = 0; i < kMaxKeys; ++i)
    if (key == &c.keys[i] && c.keys[i].used) return int(i);
  return -1;
}

}  // namespace

void* wasm_runtime_create_context_key(void (*dtor)(wasm_module_inst_t inst, void* ctx)) {
  Contexts& c = contexts();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (Key& k : c.keys) {
    if (k.used) continue;
    k.used = true;
    k.dtor = dtor;
    return &k;
  }
  return nullptr;
}

void wasm_runtime_destroy_context_key(void* key) {
  Contexts& c = contexts();
  std::lock_guard<std::mutex> lock(c.mutex);
  int i = indexOf(c, key);
  if (i < 0) return;
  c.keys[size_t(i)] = Key{};
  for (auto& entry : c.byInstance) entry.second[size_t(i)] = nullptr;
}

void wasm_runtime_set_context(wasm_module_inst_t inst, void* key, void* ctx) {
  if (!inst) return;
  Contexts& c = contexts();
  std::lock_guard<std::mutex> lock(c.mutex);
  int i = indexOf(c, key);
  if (i < 0) return;
  c.byInstance[inst][size_t(i)] = ctx;  // value-initialised: all null at first
}

void wasm_runtime_set_context_spread(wasm_module_inst_t inst, void* key, void* ctx) {
  wasm_runtime_set_context(inst, key, ctx);
}

void* wasm_runtime_get_context(wasm_module_inst_t inst, void* key) {
  if (!inst) return nullptr;
  Contexts& c = contexts();
  std::lock_guard<std::mutex> lock(c.mutex);
  int i = indexOf(c, key);
  if (i < 0) return nullptr;
  auto it = c.byInstance.find(inst);
  return it == c.byInstance.end() ? nullptr : it->second[size_t(i)];
}

namespace strata::capi {

void runContextDestructors(WASMModuleInstanceCommon* inst) {
  std::array<void*, kMaxKeys> values{};
  std::array<Destructor, kMaxKeys> dtors{};
  {
    Contexts& c = contexts();
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.byInstance.find(inst);
    if (it == c.byInstance.end()) return;
    values = it->second;
    c.byInstance.erase(it);
    for (size_t i = 0; i < kMaxKeys; ++i) dtors[i] = c.keys[i].used ? c.keys[i].dtor : nullptr;
  }
  // Outside the lock: a destructor may call back into the API.
  for (size_t i = 0; i < kMaxKeys; ++i)
    if (values[i] && dtors[i]) dtors[i](inst, values[i]);
}

}  // namespace strata::capi
