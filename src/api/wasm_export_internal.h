// The embedding C API (include/wasm_export.h) on top of the runtime and the
// multi-module linker (runtime/linker.h) is implemented by the files below;
// this header is what they share: the instance and exec env handles, the
// runtime's state, and the helpers that more than one of them calls.
// Internal to src/api/: the rest of Strata uses api/c_api_internal.h.
//
//   runtime_api.cpp      init/destroy, running modes, the runtime allocator
//   natives_api.cpp      registered natives and their calling convention
//   module_api.cpp       modules, instances and exec envs
//   call_api.cpp         calls, exceptions and call stacks
//   app_heap_api.cpp     the app heap and address translation
//   wasi_api.cpp         WASI arguments and contexts
//   hot_replace_api.cpp  hot replacement and instance sharing
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "wasm_export.h"

#include "api/c_api_internal.h"
#include "api/handles.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "runtime/linker.h"
#include "wasi/wasi.h"

// ---------------------------------------------------------------- handles

// wasm_module_t: api/handles.h.

namespace strata {
namespace capi {

class PoolAllocator;  // runtime_api.cpp
struct NativeBinding;  // natives_api.cpp
using NativeTable = std::map<std::string, std::map<std::string, std::shared_ptr<NativeBinding>>>;

// Registered natives: the host modules "env" (always) and every name given
// to wasm_runtime_register_natives.
class NativeResolver : public ImportResolver {
 public:
  bool providesModule(const std::string& name) const override { return name == "env" || modules_.count(name); }
  bool resolve(const Module& importer, const Import& import, Extern* out, std::string* error) override;
  bool add(const std::string& module, NativeSymbol* symbols, uint32_t n, bool raw);
  // Drops what was registered with `symbols` under `module`; false if none.
  bool remove(const std::string& module, const NativeSymbol* symbols);

 private:
  NativeTable modules_;
  // Unregistered bindings: functions of modules loaded before still call
  // through them (their host environment), so they live until the runtime.
  std::vector<std::shared_ptr<NativeBinding>> retired_;
};

struct AppHeap {
  uint32_t begin = 0, end = 0;
  std::map<uint32_t, uint32_t> freeBlocks;  // offset -> size
  std::unordered_map<uint32_t, uint32_t> used;
};

}  // namespace capi
}  // namespace strata

struct WASMModuleInstanceCommon {
  strata::Instance* inst = nullptr;
  strata::ModuleNode* node = nullptr;
  WASMModuleInstanceCommon* root = nullptr;  // itself for a root
  std::shared_ptr<strata::InstanceGroup> group;  // roots only
  // Roots only: dependency handles, owned by the group (group->attachments)
  // once instantiation succeeded, since a shared group can outlive its root.
  std::vector<WASMModuleInstanceCommon*> deps;
  WASMExecEnv* defaultEnv = nullptr;            // roots only
  uint32_t stackSize = 0;
  std::string exception;      // without the "Exception: " prefix
  // wasm_runtime_terminate: calls fail with "terminated by user" until
  // wasm_runtime_clear_exception (roots only; set from any thread).
  std::atomic<bool> terminated{false};
  std::string exceptionText;  // what get_exception returned last
  void* customData = nullptr;
  strata::capi::AppHeap heap;
  // Roots only: the WASI context of the root (null if it imports no WASI)
  // and the code of the last proc_exit (0 when _start returned).
  strata::wasi::WasiContext* wasiCtx = nullptr;
  std::shared_ptr<strata::wasi::WasiContext> wasiCtxShared;  // the same, for replacements
  uint32_t wasiExitCode = 0;

  // The embedder's contexts (wasm_runtime_set_context) get their keys'
  // destructors when the handle goes, however it goes.
  ~WASMModuleInstanceCommon() { strata::capi::runContextDestructors(this); }
};

struct WASMExecEnv {
  std::unique_ptr<strata::ExecEnv> env;
  // The instance calls run for; a native call switches it for its
  // duration. Atomic: wasm_runtime_terminate reads it from other threads.
  std::atomic<WASMModuleInstanceCommon*> moduleInst{nullptr};
  void* userData = nullptr;
  void* attachment = nullptr;
  std::string callStack;  // the trace of the last call that trapped (formatTrace)
};

namespace strata {
namespace capi {

// ---------------------------------------------------------------- runtime state

struct Runtime {
  int initCount = 0;
  mem_alloc_type_t allocType = Alloc_With_System_Allocator;
  std::unique_ptr<PoolAllocator> pool;
  void* (*mallocFn)(unsigned int) = nullptr;
  void* (*reallocFn)(void*, unsigned int) = nullptr;
  void (*freeFn)(void*) = nullptr;

  std::unique_ptr<ModuleRegistry> registry;
  NativeResolver natives;
  std::vector<std::unique_ptr<ImportResolver>> extraResolvers;
  module_reader reader = nullptr;
  module_reader_ex readerEx = nullptr;  // the package-type form (one of the two is set)
  module_destroyer destroyer = nullptr;
  std::set<WASMModuleInstanceCommon*> roots;
  std::set<WASMExecEnv*> envs;
  std::set<WASMModuleCommon*> moduleHandles;
  std::map<std::string, std::shared_ptr<InstanceGroup>> shared;
  // strata_runtime_set_resource_limits: for the instances made after it.
  uint64_t maxMemoryPages = UINT64_MAX;
  uint64_t maxInstances = UINT64_MAX;    // strata_runtime_set_runtime_limits
  uint64_t maxModuleBytes = UINT64_MAX;
  uint64_t maxTableElements = UINT64_MAX;
  strata_resource_limiter_t limiter = nullptr;
  void* limiterData = nullptr;
  std::string lastAllocError;
  // The context WASI imports are type-checked against at load time.
  std::unique_ptr<wasi::WasiContext> wasiCheckCtx;
};

// Defined in runtime_api.cpp.
extern std::recursive_mutex gMutex;
extern Runtime* gRuntime;

inline Runtime* runtime() { return gRuntime; }

extern thread_local WASMExecEnv* tCurrentEnv;

// Calls running through the C API (callOn), on every thread, and groups
// with instances retired by strata_runtime_replace_module: those are freed
// when the count of running calls drops to zero.
extern std::atomic<int> gActiveCalls;
extern std::atomic<int> gRetiredPending;
void releaseRetiredIfIdle();  // hot_replace_api.cpp

// ---------------------------------------------------------------- WASI (wasi_api.cpp)

// The WASI contexts of one wasm_runtime_instantiate, made as the linker
// asks for them (WasiImportResolver's contextFor) and handed to the group.
// A module with its own wasm_runtime_set_wasi_args gets its own context;
// every other module of the group shares the root's (one process: one fd
// table, argv and environment).
struct WasiInstantiation {
  ModuleNode* root = nullptr;
  std::map<const Module*, std::shared_ptr<wasi::WasiContext>> contexts;
  std::shared_ptr<wasi::WasiContext> rootCtx;
};
extern thread_local WasiInstantiation* tWasiInst;

void ensureWasiResolverFactory();

// ---------------------------------------------------------------- helpers

inline void setError(char* buf, uint32_t size, const std::string& msg) {
  if (buf && size) std::snprintf(buf, size, "%s", msg.c_str());
}

// --- the runtime allocator (runtime_api.cpp)

void* rtMalloc(uint64_t size);
void rtFree(void* p);

template <typename T>
T* rtNew() {
  void* p = rtMalloc(sizeof(T));
  return p ? new (p) T() : nullptr;
}

template <typename T>
void rtDelete(T* p) {
  if (!p) return;
  p->~T();
  rtFree(p);
}

inline WASMModuleInstanceCommon* rootOf(WASMModuleInstanceCommon* h) { return h ? h->root : nullptr; }

// module_api.cpp
void onNodeFree(ModuleNode* node);
WASMExecEnv* defaultEnv(WASMModuleInstanceCommon* h);
void freeInstanceHandles(WASMModuleInstanceCommon* root);

// call_api.cpp
// Runs `f` with `ee` as the current exec env; a trap or error becomes the
// exception of ee's instance.
bool callOn(WASMExecEnv* ee, Function* f, Slot* slots);

// app_heap_api.cpp
bool heapInit(WASMModuleInstanceCommon* h, uint32_t heapSize, std::string* error);

}  // namespace capi
}  // namespace strata
