// The embedding C API (include/wasm_export.h): Strata's extensions for
// sharing instances between roots (strata_runtime_share_instance) and for
// replacing a module of a running group (strata_runtime_replace_module),
// with the release of the instances a replacement retires.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "api/wasm_export_internal.h"
#include "wasi/wasi.h"

using namespace strata;
using namespace strata::capi;

namespace strata {
namespace capi {

void releaseRetiredIfIdle() {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = gRuntime;
  if (!rt || gActiveCalls.load() != 0) return;  // the last call to end does it
  // What a table or global still refers to stays until the next
  // replacement in its group or wasm_runtime_deinstantiate.
  gRetiredPending.store(0);
  for (WASMModuleInstanceCommon* r : rt->roots)
    if (r->group && r->group->retiredCount()) r->group->releaseRetired();
}

}  // namespace capi
}  // namespace strata

extern "C" {

// ---------------------------------------------------------------- Strata extensions

bool strata_runtime_share_instance(const char* module_name, wasm_module_inst_t module_inst) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module_name) return false;
  if (!module_inst) return gRuntime->shared.erase(module_name) > 0;
  WASMModuleInstanceCommon* root = rootOf(module_inst);
  if (!root || !root->group || !root->group->find(module_name)) return false;
  gRuntime->shared[module_name] = root->group;
  return true;
}

// ---------------------------------------------------------------- hot replacement

bool strata_runtime_replace_module(wasm_module_inst_t module_inst, const char* module_name, wasm_module_t new_module,
                                   char* error_buf, uint32_t error_buf_size) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt) return setError(error_buf, error_buf_size, "the runtime is not initialised"), false;
  WASMModuleInstanceCommon* root = rootOf(module_inst);
  if (!root || !rt->roots.count(root) || !root->group)
    return setError(error_buf, error_buf_size, "replace failed: invalid module instance"), false;
  if (!module_name || !new_module || !rt->moduleHandles.count(new_module))
    return setError(error_buf, error_buf_size, "replace failed: invalid module or name"), false;
  // Other roots linked to this group's instances (sharing) would keep
  // calling the old code. References: the root's own, the sharing
  // registrations (later roots link to the new instance), other groups.
  long refs = 1;
  for (auto& kv : rt->shared) refs += kv.second == root->group ? 1 : 0;
  if (root->group.use_count() > refs)
    return setError(error_buf, error_buf_size,
                    std::string("replace ") + module_name +
                        ": other instances link to this group's instances (strata_runtime_share_instance)"),
           false;
  WASMExecEnv* ee = tCurrentEnv ? tCurrentEnv : defaultEnv(root);
  if (!ee) return setError(error_buf, error_buf_size, "replace failed: " + root->exception), false;

  WasiInstantiation wasiInst;
  wasiInst.root = root->node;
  wasiInst.rootCtx = root->wasiCtxShared;
  WasiInstantiation* savedWasi = tWasiInst;
  tWasiInst = &wasiInst;
  std::string error;
  WASMModuleInstanceCommon* handle = nullptr;
  long n = -1;
  try {
    n = root->group->replace(
        *rt->registry, module_name, new_module->node->module, *ee->env,
        [&](Instance* inst) {
          handle = rtNew<WASMModuleInstanceCommon>();
          if (!handle) throw LinkError(rt->lastAllocError);
          handle->root = root;
          handle->inst = inst;
          inst->setHostData(handle);
        },
        &error);
  } catch (const wasi::WasiExit& e) {
    error = std::string("replace ") + module_name + ": proc_exit(" + std::to_string(e.code()) + ") while starting";
  } catch (const std::exception& e) {
    error = std::string("replace ") + module_name + ": " + e.what();
  }
  tWasiInst = savedWasi;
  if (handle) {
    // The handle lives with the group (the new instance, or a failed one
    // the group keeps).
    root->group->attachments.push_back(std::shared_ptr<void>(handle, [](void* p) {
      static_cast<WASMModuleInstanceCommon*>(p)->~WASMModuleInstanceCommon();
      rtFree(p);
    }));
  }
  if (n < 0) return setError(error_buf, error_buf_size, error), false;
  if (n >= 0 && !wasiInst.contexts.empty())
    for (auto& kv : wasiInst.contexts) root->group->attachments.push_back(kv.second);
  gRetiredPending.fetch_add(1);
  if (gActiveCalls.load() == 0) releaseRetiredIfIdle();
  return true;
}

uint32_t strata_runtime_retired_count(wasm_module_inst_t module_inst) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  WASMModuleInstanceCommon* root = rootOf(module_inst);
  if (!gRuntime || !root || !gRuntime->roots.count(root) || !root->group) return 0;
  return static_cast<uint32_t>(root->group->retiredCount());
}

uint32_t strata_runtime_patch_imports(wasm_module_inst_t module_inst, wasm_function_inst_t from,
                                      wasm_function_inst_t to) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  WASMModuleInstanceCommon* root = rootOf(module_inst);
  if (!root || !root->group) return 0;
  return static_cast<uint32_t>(
      root->group->patchImports(static_cast<Function*>(from), static_cast<Function*>(to)));
}

}  // extern "C"
