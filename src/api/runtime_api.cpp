// The embedding C API (include/wasm_export.h): the runtime's state,
// wasm_runtime_init/full_init/destroy, running modes, the runtime allocator
// (system, embedder's or pool) and the C++ seams of api/c_api_internal.h.
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/wasm_export_internal.h"
#include "jit/jit.h"

using namespace strata;
using namespace strata::capi;

namespace strata {
namespace capi {

// First-fit allocator over the embedder's pool. Blocks carry a 16-byte
// header; free neighbours are merged as allocation walks over them.
class PoolAllocator {
 public:
  PoolAllocator(void* buf, uint32_t size) {
    uintptr_t b = (reinterpret_cast<uintptr_t>(buf) + 15) & ~uintptr_t(15);
    uintptr_t e = (reinterpret_cast<uintptr_t>(buf) + size) & ~uintptr_t(15);
    base_ = reinterpret_cast<uint8_t*>(b);
    size_ = e > b ? e - b : 0;
    if (size_ >= sizeof(Header) * 2) *header(0) = Header{size_, 0};
    else size_ = 0;
  }
  uint64_t capacity() const { return size_; }
  void* alloc(uint64_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t need = ((n + 15) & ~uint64_t(15)) + sizeof(Header);
    for (uint64_t off = 0; off < size_;) {
      Header* h = header(off);
      if (!h->used) {
        // Merge following free blocks.
        while (off + h->size < size_ && !header(off + h->size)->used) h->size += header(off + h->size)->size;
        if (h->size >= need) {
          if (h->size - need >= sizeof(Header) * 2) {
            *header(off + need) = Header{h->size - need, 0};
            h->size = need;
          }
          h->used = 1;
          return base_ + off + sizeof(Header);
        }
      }
      off += h->size;
    }
    return nullptr;
  }
  void free(void* p) {
    std::lock_guard<std::mutex> lock(mutex_);
    reinterpret_cast<Header*>(static_cast<uint8_t*>(p) - sizeof(Header))->used = 0;
  }
  uint64_t usable(void* p) const {
    return reinterpret_cast<Header*>(static_cast<uint8_t*>(p) - sizeof(Header))->size - sizeof(Header);
  }
  bool owns(void* p) const { return p >= base_ && p < base_ + size_; }

 private:
  struct Header {
    uint64_t size;  // including the header
    uint64_t used;
  };
  Header* header(uint64_t off) { return reinterpret_cast<Header*>(base_ + off); }
  uint8_t* base_;
  uint64_t size_;
  std::mutex mutex_;
};

// ---------------------------------------------------------------- runtime state

// What each is for: wasm_export_internal.h.
std::recursive_mutex gMutex;
Runtime* gRuntime = nullptr;

thread_local WASMExecEnv* tCurrentEnv = nullptr;

std::atomic<int> gActiveCalls{0};
std::atomic<int> gRetiredPending{0};

// --- the runtime allocator

void* rtMalloc(uint64_t size) {
  Runtime* rt = gRuntime;
  if (!rt || size > UINT32_MAX) return nullptr;
  if (size == 0) size = 1;
  switch (rt->allocType) {
    case Alloc_With_Pool: {
      void* p = rt->pool->alloc(size);
      if (!p)
        rt->lastAllocError = "allocate memory failed: the pool of " + std::to_string(rt->pool->capacity()) +
                             " bytes cannot hold " + std::to_string(size) + " more";
      return p;
    }
    case Alloc_With_Allocator: {
      void* p = rt->mallocFn(static_cast<unsigned int>(size));
      if (!p) rt->lastAllocError = "allocate memory failed: the embedder's malloc returned NULL for " + std::to_string(size) + " bytes";
      return p;
    }
    default: {
      void* p = std::malloc(size);
      if (!p) rt->lastAllocError = "allocate memory failed: out of memory (" + std::to_string(size) + " bytes)";
      return p;
    }
  }
}

void rtFree(void* p) {
  Runtime* rt = gRuntime;
  if (!p || !rt) return;
  switch (rt->allocType) {
    case Alloc_With_Pool: rt->pool->free(p); break;
    case Alloc_With_Allocator: rt->freeFn(p); break;
    default: std::free(p);
  }
}

}  // namespace capi
}  // namespace strata

namespace {

std::vector<std::function<std::unique_ptr<ImportResolver>()>>& resolverFactories() {
  static auto* f = new std::vector<std::function<std::unique_ptr<ImportResolver>()>>;
  return *f;
}

void destroyRuntime(Runtime* rt) {
  for (WASMExecEnv* ee : std::vector<WASMExecEnv*>(rt->envs.begin(), rt->envs.end())) {
    rt->envs.erase(ee);
    rtDelete(ee);
  }
  for (WASMModuleInstanceCommon* r : std::vector<WASMModuleInstanceCommon*>(rt->roots.begin(), rt->roots.end())) {
    rt->roots.erase(r);
    r->defaultEnv = nullptr;  // freed above
    freeInstanceHandles(r);
  }
  rt->shared.clear();
  rt->registry.reset();  // frees every module, calling destroyers
  rt->extraResolvers.clear();
  rt->wasiCheckCtx.reset();
}

}  // namespace

// ---------------------------------------------------------------- C++ seams

namespace strata {
namespace capi {

void addResolverFactory(std::function<std::unique_ptr<ImportResolver>()> factory) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  resolverFactories().push_back(std::move(factory));
}

ModuleRegistry* currentRegistry() { return gRuntime ? gRuntime->registry.get() : nullptr; }

}  // namespace capi
}  // namespace strata

// ---------------------------------------------------------------- runtime

namespace {
// The tier of the process (see jit/jit.h): set by full_init (a nonzero
// running_mode) and set_default_running_mode, while no module is loaded
// (the tier is read by code translated and compiled for loaded modules).
RunningMode gRunningMode = Mode_Multi_Tier_JIT;

// An embedder in C may pass any int as a RunningMode; read it as an int, so
// an out-of-range value is rejected rather than being undefined behaviour.
int modeValue(const RunningMode& mode) { return capi::enumValue(mode); }

bool configureTier(const RunningMode& requested, bool perfMap) {
  jit::Options options = jit::options();
  int mode = modeValue(requested);
  switch (mode) {
    case Mode_Interp: options.mode = jit::Mode::Interp; break;
    case Mode_Fast_JIT: options.mode = jit::Mode::Baseline; break;
    case Mode_LLVM_JIT: options.mode = jit::Mode::Optimizing; break;
    case Mode_Multi_Tier_JIT: options.mode = jit::Mode::Tiered; break;
    default: return false;
  }
  options.perfMap = options.perfMap || perfMap;
  options.interruptibleLoops = true;  // wasm_runtime_terminate stops loops too
  jit::shutdown();  // no background compile reads the options while they change
  jit::configure(options);
  gRunningMode = RunningMode(mode);
  return true;
}
}  // namespace

extern "C" {

bool wasm_runtime_is_running_mode_supported(RunningMode requested) {
  int mode = modeValue(requested);
  return mode == Mode_Interp || mode == Mode_Fast_JIT || mode == Mode_LLVM_JIT || mode == Mode_Multi_Tier_JIT;
}

bool wasm_runtime_set_default_running_mode(RunningMode mode) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (gRuntime && (!gRuntime->moduleHandles.empty() || !gRuntime->roots.empty())) return false;
  return configureTier(mode, false);
}

bool wasm_runtime_set_running_mode(wasm_module_inst_t inst, RunningMode mode) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  return inst && modeValue(mode) == modeValue(gRunningMode);
}

RunningMode wasm_runtime_get_running_mode(wasm_module_inst_t) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  return gRunningMode;
}

bool wasm_runtime_full_init(RuntimeInitArgs* args) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  ensureWasiResolverFactory();
  if (gRuntime) {
    ++gRuntime->initCount;
    return true;
  }
  // A zero running_mode keeps the default (set_default_running_mode's).
  if (!configureTier(args && modeValue(args->running_mode) != 0 ? args->running_mode : gRunningMode,
                     args && args->enable_linux_perf))
    return false;
  auto rt = std::make_unique<Runtime>();
  if (args) {
    switch (capi::enumValue(args->mem_alloc_type)) {
      case Alloc_With_Pool:
        if (!args->mem_alloc_option.pool.heap_buf || args->mem_alloc_option.pool.heap_size < 1024) return false;
        rt->pool.reset(new PoolAllocator(args->mem_alloc_option.pool.heap_buf, args->mem_alloc_option.pool.heap_size));
        break;
      case Alloc_With_Allocator:
        rt->mallocFn = reinterpret_cast<void* (*)(unsigned int)>(args->mem_alloc_option.allocator.malloc_func);
        rt->reallocFn = reinterpret_cast<void* (*)(void*, unsigned int)>(args->mem_alloc_option.allocator.realloc_func);
        rt->freeFn = reinterpret_cast<void (*)(void*)>(args->mem_alloc_option.allocator.free_func);
        if (!rt->mallocFn || !rt->freeFn) return false;
        break;
      case Alloc_With_System_Allocator: break;
      default: return false;
    }
    rt->allocType = args->mem_alloc_type;  // a valid value: read as an enum now
  }
  rt->registry.reset(new ModuleRegistry);
  rt->registry->addResolver(&rt->natives);
  for (auto& factory : resolverFactories()) {
    std::unique_ptr<ImportResolver> r = factory();
    if (!r) continue;
    rt->registry->addResolver(r.get());
    rt->extraResolvers.push_back(std::move(r));
  }
  rt->registry->onFree = onNodeFree;
  Runtime* raw = rt.get();
  rt->registry->setReader([raw](const std::string& name, ModuleBytes* out, std::string* where) {
    if (where) *where = "the module reader";
    if (!raw->reader && !raw->readerEx) {
      if (where) *where = "no module reader is set";
      return false;
    }
    uint8_t* buf = nullptr;
    uint32_t size = 0;
    bool read = raw->reader ? raw->reader(name.c_str(), &buf, &size)
                            : raw->readerEx(Wasm_Module_Bytecode, name.c_str(), &buf, &size);
    if (!read || !buf) return false;
    out->bytes.assign(buf, buf + size);
    module_destroyer destroyer = raw->destroyer;
    if (destroyer) out->release = [destroyer, buf, size] { destroyer(buf, size); };
    return true;
  });
  rt->initCount = 1;
  gRuntime = rt.release();
  if (args && args->native_symbols && args->n_native_symbols) {
    if (!wasm_runtime_register_natives(args->native_module_name ? args->native_module_name : "env",
                                       args->native_symbols, args->n_native_symbols)) {
      destroyRuntime(gRuntime);
      delete gRuntime;
      gRuntime = nullptr;
      return false;
    }
  }
  return true;
}

bool wasm_runtime_init(void) {
  RuntimeInitArgs args;
  std::memset(&args, 0, sizeof args);
  args.mem_alloc_type = Alloc_With_System_Allocator;
  return wasm_runtime_full_init(&args);
}

void wasm_runtime_destroy(void) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || --gRuntime->initCount > 0) return;
  jit::shutdown();  // no background compile outlives the runtime
  destroyRuntime(gRuntime);
  delete gRuntime;
  gRuntime = nullptr;
}

void* wasm_runtime_malloc(unsigned int size) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  return rtMalloc(size);
}

void* wasm_runtime_realloc(void* ptr, unsigned int size) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = gRuntime;
  if (!rt) return nullptr;
  if (!ptr) return rtMalloc(size);
  switch (rt->allocType) {
    case Alloc_With_Pool: {
      uint64_t have = rt->pool->usable(ptr);
      if (have >= size) return ptr;
      void* p = rtMalloc(size);
      if (!p) return nullptr;
      std::memcpy(p, ptr, have);
      rtFree(ptr);
      return p;
    }
    case Alloc_With_Allocator:
      return rt->reallocFn ? rt->reallocFn(ptr, size) : nullptr;
    default:
      return std::realloc(ptr, size);
  }
}

void wasm_runtime_free(void* ptr) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  rtFree(ptr);
}

}  // extern "C"
