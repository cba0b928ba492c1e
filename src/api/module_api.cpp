// The embedding C API (include/wasm_export.h): modules (load, unload,
// registration, the module reader) and instances (instantiate,
// deinstantiate, function lookup, exec envs, user and custom data).
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "api/wasm_export_internal.h"
#include "jit/jit.h"
#include "wasm/module.h"

using namespace strata;
using namespace strata::capi;

// ---------------------------------------------------------------- helpers

namespace {

WASMModuleCommon* handleOf(ModuleNode* node) {
  if (!node) return nullptr;
  if (!node->hostData) {
    auto* h = rtNew<WASMModuleCommon>();
    if (!h) return nullptr;
    h->node = node;
    node->hostData = h;
    gRuntime->moduleHandles.insert(h);
  }
  return static_cast<WASMModuleCommon*>(node->hostData);
}

std::string rootLabel(const Module& m) { return m.moduleName.empty() ? std::string("(root)") : m.moduleName; }

WASMExecEnv* newExecEnv(WASMModuleInstanceCommon* inst, uint32_t stackSize, std::string* error) {
  auto* ee = rtNew<WASMExecEnv>();
  if (!ee) {
    *error = gRuntime->lastAllocError;
    return nullptr;
  }
  try {
    ee->env.reset(new ExecEnv(stackSize ? stackSize : ExecEnv::kDefaultStackBytes));
  } catch (const std::exception& e) {
    rtDelete(ee);
    *error = std::string("cannot create an exec env: ") + e.what();
    return nullptr;
  }
  ee->moduleInst = inst;
  return ee;
}

}  // namespace

namespace strata {
namespace capi {

void onNodeFree(ModuleNode* node) {
  auto* h = static_cast<WASMModuleCommon*>(node->hostData);
  if (!h) return;
  node->hostData = nullptr;
  if (gRuntime) gRuntime->moduleHandles.erase(h);
  rtFree(h->copy);
  rtDelete(h);
}

WASMExecEnv* defaultEnv(WASMModuleInstanceCommon* h) {
  WASMModuleInstanceCommon* root = rootOf(h);
  if (!root) return nullptr;
  if (!root->defaultEnv) {
    std::string err;
    root->defaultEnv = newExecEnv(root, root->stackSize, &err);
    if (root->defaultEnv) gRuntime->envs.insert(root->defaultEnv);
    else h->exception = err;
  }
  return root->defaultEnv;
}

void freeInstanceHandles(WASMModuleInstanceCommon* root) {
  if (root->defaultEnv) {
    gRuntime->envs.erase(root->defaultEnv);
    rtDelete(root->defaultEnv);
    root->defaultEnv = nullptr;
  }
  // Drop sharing registrations that point into this group.
  for (auto it = gRuntime->shared.begin(); it != gRuntime->shared.end();)
    it = it->second == root->group ? gRuntime->shared.erase(it) : std::next(it);
  if (root->group) {
    // The group may live on (shared with other roots): its instances must
    // not point at this handle any more.
    if (root->inst) root->inst->setHostData(nullptr);
    if (root->group.use_count() == 1)
      for (const auto& inst : root->group->instances()) jit::cancelCompiles(inst.get());
    root->group.reset();
  } else {
    for (WASMModuleInstanceCommon* d : root->deps) rtDelete(d);  // failed instantiation
  }
  root->deps.clear();
  rtDelete(root);
}

}  // namespace capi
}  // namespace strata

namespace {
// The runtime's resource limits, tightened by an instance's own maximum of
// memory pages (0: none); null when nothing is limited.
std::shared_ptr<const ResourceLimits> limitsFor(const Runtime& rt, uint64_t maxMemoryPages) {
  auto limits = std::make_shared<ResourceLimits>();
  limits->maxMemoryPages = maxMemoryPages ? std::min(maxMemoryPages, rt.maxMemoryPages) : rt.maxMemoryPages;
  limits->maxTableElements = rt.maxTableElements;
  limits->maxInstances = rt.maxInstances;
  if (rt.limiter) {
    strata_resource_limiter_t limiter = rt.limiter;
    void* data = rt.limiterData;
    limits->allow = [limiter, data](ResourceLimits::Kind kind, uint64_t current, uint64_t desired) {
      return limiter(data, kind == ResourceLimits::Kind::Memory ? STRATA_RESOURCE_MEMORY : STRATA_RESOURCE_TABLE,
                     current, desired);
    };
  }
  if (limits->maxMemoryPages == UINT64_MAX && limits->maxTableElements == UINT64_MAX &&
      limits->maxInstances == UINT64_MAX && !limits->allow)
    return nullptr;
  return limits;
}

wasm_module_inst_t instantiateWith(const wasm_module_t module, uint32_t stack_size, uint32_t heap_size,
                                   uint64_t maxMemoryPages, char* error_buf, uint32_t error_buf_size) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt) return setError(error_buf, error_buf_size, "the runtime is not initialised"), nullptr;
  if (!module || !rt->moduleHandles.count(module))
    return setError(error_buf, error_buf_size, "instantiate failed: invalid module"), nullptr;
  auto* root = rtNew<WASMModuleInstanceCommon>();
  if (!root) return setError(error_buf, error_buf_size, "instantiate failed: " + rt->lastAllocError), nullptr;
  root->root = root;
  root->node = module->node;
  root->stackSize = stack_size;
  std::string error;
  root->defaultEnv = newExecEnv(root, stack_size, &error);
  if (!root->defaultEnv) {
    rtDelete(root);
    return setError(error_buf, error_buf_size, "instantiate failed: " + error), nullptr;
  }
  rt->envs.insert(root->defaultEnv);

  InstanceGroup::Options options;
  options.shared = rt->shared;
  options.limits = limitsFor(*rt, maxMemoryPages);
  bool allocFailed = false;
  options.onInstance = [&](Instance* inst, ModuleNode* node) {
    WASMModuleInstanceCommon* h = root;
    if (node != module->node) {
      h = rtNew<WASMModuleInstanceCommon>();
      if (!h) {
        allocFailed = true;
        throw LinkError(rt->lastAllocError);
      }
      h->root = root;
      h->node = node;
      root->deps.push_back(h);
    }
    h->inst = inst;
    inst->setHostData(h);
  };
  WASMExecEnv* saved = tCurrentEnv;
  tCurrentEnv = root->defaultEnv;
  WasiInstantiation wasiInst;
  wasiInst.root = module->node;
  WasiInstantiation* savedWasi = tWasiInst;
  tWasiInst = &wasiInst;
  try {
    root->group = InstanceGroup::instantiate(*rt->registry, module->node, *root->defaultEnv->env, options);
  } catch (const wasi::WasiExit& e) {
    error = "instantiate failed: proc_exit(" + std::to_string(e.code()) + ") in a start function or _initialize";
  } catch (const Trap& e) {
    error = std::string("instantiate failed: start function trapped: Exception: ") + e.what();
  } catch (const std::bad_alloc&) {
    error = "instantiate failed: allocate memory failed";
  } catch (const std::exception& e) {
    error = std::string("instantiate failed: ") + e.what();
  }
  tCurrentEnv = saved;
  tWasiInst = savedWasi;
  (void)allocFailed;
  if (root->group) {
    // The WASI contexts live as long as the instances that use them.
    for (auto& kv : wasiInst.contexts) root->group->attachments.push_back(kv.second);
    auto rc = wasiInst.contexts.find(module->node->module.get());
    if (rc != wasiInst.contexts.end()) root->wasiCtx = rc->second.get();
    root->wasiCtxShared = wasiInst.rootCtx;
    for (WASMModuleInstanceCommon* d : root->deps)
      root->group->attachments.push_back(std::shared_ptr<void>(d, [](void* p) {
        static_cast<WASMModuleInstanceCommon*>(p)->~WASMModuleInstanceCommon();
        rtFree(p);
      }));
    if (!heapInit(root, heap_size, &error)) {
      root->group.reset();  // frees the dependency handles
      root->deps.clear();
    }
  }
  if (!root->group) {
    freeInstanceHandles(root);
    return setError(error_buf, error_buf_size, error), nullptr;
  }
  rt->roots.insert(root);
  return root;
}
}  // namespace

extern "C" {

// ---------------------------------------------------------------- modules

wasm_module_t wasm_runtime_load(uint8_t* buf, uint32_t size, char* error_buf, uint32_t error_buf_size) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt) return setError(error_buf, error_buf_size, "the runtime is not initialised (wasm_runtime_init)"), nullptr;
  if (!buf) return setError(error_buf, error_buf_size, "WASM module load failed: null buffer"), nullptr;
  if (size > rt->maxModuleBytes)
    return setError(error_buf, error_buf_size,
                    "WASM module load failed: the module is " + std::to_string(size) + " bytes, over the limit of " +
                        std::to_string(rt->maxModuleBytes)),
           nullptr;
  uint8_t* copy = static_cast<uint8_t*>(rtMalloc(size ? size : 1));
  if (!copy) return setError(error_buf, error_buf_size, "WASM module load failed: " + rt->lastAllocError), nullptr;
  std::memcpy(copy, buf, size);
  std::shared_ptr<const Module> module;
  try {
    module = decodeModule(std::vector<uint8_t>(copy, copy + size));
  } catch (const DecodeError& e) {
    rtFree(copy);
    return setError(error_buf, error_buf_size, "WASM module load failed: " + e.toString()), nullptr;
  } catch (const std::exception& e) {
    rtFree(copy);
    return setError(error_buf, error_buf_size, std::string("WASM module load failed: ") + e.what()), nullptr;
  }
  auto* handle = rtNew<WASMModuleCommon>();
  if (!handle) {
    rtFree(copy);
    return setError(error_buf, error_buf_size, "WASM module load failed: " + rt->lastAllocError), nullptr;
  }
  std::string error;
  ModuleNode* node = nullptr;
  try {
    node = rt->registry->loadRoot(module, rootLabel(*module), &error);
  } catch (const std::exception& e) {
    error = std::string("WASM module load failed: ") + e.what();
  }
  if (!node) {
    rtFree(copy);
    rtDelete(handle);
    return setError(error_buf, error_buf_size, error), nullptr;
  }
  handle->node = node;
  handle->copy = copy;
  handle->size = size;
  node->hostData = handle;
  rt->moduleHandles.insert(handle);
  return handle;
}

void wasm_runtime_unload(wasm_module_t module) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt || !module || !rt->moduleHandles.count(module)) return;
  ModuleNode* node = module->node;
  if (node->userRefs == 0) return;  // a dependency: unloaded with its last root
  rt->registry->releaseRoot(node);
}

bool wasm_runtime_register_module(const char* module_name, wasm_module_t module, char* error_buf,
                                  uint32_t error_buf_size) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt) return setError(error_buf, error_buf_size, "the runtime is not initialised"), false;
  if (!module_name || !module || !rt->moduleHandles.count(module))
    return setError(error_buf, error_buf_size, "register module failed: invalid module or name"), false;
  std::string error;
  if (!rt->registry->registerModule(module_name, module->node, &error))
    return setError(error_buf, error_buf_size, "register module failed: " + error), false;
  return true;
}

wasm_module_t wasm_runtime_find_module_registered(const char* module_name) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt || !module_name) return nullptr;
  return handleOf(rt->registry->find(module_name));
}

bool wasm_runtime_set_module_name(wasm_module_t module, const char* name, char* error_buf, uint32_t error_buf_size) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt || !module || !name || !rt->moduleHandles.count(module))
    return setError(error_buf, error_buf_size, "set module name failed: invalid module or name"), false;
  module->name = name;
  return true;
}

const char* wasm_runtime_get_module_name(wasm_module_t module) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt || !module || !rt->moduleHandles.count(module)) return "";
  return module->name.c_str();
}

void(wasm_runtime_set_module_reader)(const module_reader reader, const module_destroyer destroyer) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime) return;
  gRuntime->reader = reader;
  gRuntime->readerEx = nullptr;
  gRuntime->destroyer = destroyer;
}

void strata_runtime_set_module_reader_ex(const module_reader_ex reader, const module_destroyer destroyer) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime) return;
  gRuntime->reader = nullptr;
  gRuntime->readerEx = reader;
  gRuntime->destroyer = destroyer;
}

module_reader wasm_runtime_get_module_reader(void) { return gRuntime ? gRuntime->reader : nullptr; }
module_destroyer wasm_runtime_get_module_destroyer(void) { return gRuntime ? gRuntime->destroyer : nullptr; }

// ---------------------------------------------------------------- instances


wasm_module_inst_t wasm_runtime_instantiate(const wasm_module_t module, uint32_t stack_size, uint32_t heap_size,
                                            char* error_buf, uint32_t error_buf_size) {
  return instantiateWith(module, stack_size, heap_size, 0, error_buf, error_buf_size);
}

wasm_module_inst_t wasm_runtime_instantiate_ex(const wasm_module_t module, const InstantiationArgs* args,
                                               char* error_buf, uint32_t error_buf_size) {
  if (!args) return setError(error_buf, error_buf_size, "instantiate failed: no InstantiationArgs"), nullptr;
  return instantiateWith(module, args->default_stack_size, args->host_managed_heap_size, args->max_memory_pages,
                         error_buf, error_buf_size);
}

void strata_runtime_set_resource_limits(uint64_t max_memory_pages, uint64_t max_table_elements,
                                        strata_resource_limiter_t limiter, void* user_data) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt) return;
  rt->maxMemoryPages = max_memory_pages ? max_memory_pages : UINT64_MAX;
  rt->maxTableElements = max_table_elements ? max_table_elements : UINT64_MAX;
  rt->limiter = limiter;
  rt->limiterData = user_data;
}

void strata_runtime_set_runtime_limits(uint64_t max_module_bytes, uint64_t max_instances,
                                       uint64_t max_jit_code_bytes) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt) return;
  rt->maxModuleBytes = max_module_bytes ? max_module_bytes : UINT64_MAX;
  rt->registry->setMaxModuleBytes(rt->maxModuleBytes);
  rt->maxInstances = max_instances ? max_instances : UINT64_MAX;
  jit::setCodeLimit(max_jit_code_bytes ? max_jit_code_bytes : jit::Options::kDefaultCodeLimit);
}

void wasm_runtime_deinstantiate(wasm_module_inst_t module_inst) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt || !module_inst || !rt->roots.count(module_inst)) return;
  rt->roots.erase(module_inst);
  freeInstanceHandles(module_inst);
}

// A dependency's node gets its handle here on first use, as with
// wasm_runtime_find_module_registered; the handle is freed with the node.
wasm_module_t wasm_runtime_get_module(wasm_module_inst_t module_inst) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module_inst) return nullptr;
  return handleOf(module_inst->node);
}

wasm_function_inst_t(wasm_runtime_lookup_function)(wasm_module_inst_t const module_inst, const char* name,
                                                   const char* signature) {
  (void)signature;
  if (!module_inst || !name || !module_inst->inst) return nullptr;
  std::string n = name;
  Instance* inst = module_inst->inst;
  if (n.size() > 2 && n[0] == '$') {
    size_t sep = n.find('$', 1);
    if (sep == std::string::npos) return nullptr;
    std::string mod = n.substr(1, sep - 1);
    WASMModuleInstanceCommon* root = rootOf(module_inst);
    inst = root && root->group ? root->group->find(mod) : nullptr;
    if (!inst) return nullptr;
    n = n.substr(sep + 1);
  }
  return inst->exportedFunction(n);
}

wasm_exec_env_t wasm_runtime_create_exec_env(wasm_module_inst_t module_inst, uint32_t stack_size) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module_inst) return nullptr;
  std::string error;
  WASMExecEnv* ee = newExecEnv(module_inst, stack_size, &error);
  if (!ee) {
    module_inst->exception = error;
    return nullptr;
  }
  gRuntime->envs.insert(ee);
  return ee;
}

void wasm_runtime_destroy_exec_env(wasm_exec_env_t exec_env) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !exec_env || !gRuntime->envs.count(exec_env)) return;
  for (WASMModuleInstanceCommon* r : gRuntime->roots)
    if (r->defaultEnv == exec_env) return;  // owned by its instance
  gRuntime->envs.erase(exec_env);
  rtDelete(exec_env);
}

wasm_module_inst_t wasm_runtime_get_module_inst(wasm_exec_env_t exec_env) {
  return exec_env ? exec_env->moduleInst.load() : nullptr;
}
void wasm_runtime_set_user_data(wasm_exec_env_t exec_env, void* user_data) {
  if (exec_env) exec_env->userData = user_data;
}
void* wasm_runtime_get_user_data(wasm_exec_env_t exec_env) { return exec_env ? exec_env->userData : nullptr; }
void* wasm_runtime_get_function_attachment(wasm_exec_env_t exec_env) {
  return exec_env ? exec_env->attachment : nullptr;
}

void wasm_runtime_set_custom_data(wasm_module_inst_t module_inst, void* custom_data) {
  if (module_inst) module_inst->customData = custom_data;
}
void* wasm_runtime_get_custom_data(wasm_module_inst_t module_inst) {
  return module_inst ? module_inst->customData : nullptr;
}

wasm_exec_env_t wasm_runtime_get_exec_env_singleton(wasm_module_inst_t module_inst) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module_inst) return nullptr;
  return defaultEnv(module_inst);
}

}  // extern "C"
