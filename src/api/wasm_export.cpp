// The embedding C API (include/wasm_export.h) on top of the runtime and the
// multi-module linker (runtime/linker.h).
#include "wasm_export.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/c_api_internal.h"
#include "api/handles.h"
#include "runtime/value_text.h"
#include "jit/jit.h"
#include "libc/libc_builtin.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "runtime/linker.h"
#include "wasi/wasi.h"
#include "wasi/wasi_resolver.h"
#include "wasm/module.h"

using namespace strata;

// ---------------------------------------------------------------- handles

// wasm_module_t: api/handles.h.

namespace {

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

struct NativeBinding;
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

}  // namespace

struct WASMModuleInstanceCommon {
  Instance* inst = nullptr;
  ModuleNode* node = nullptr;
  WASMModuleInstanceCommon* root = nullptr;  // itself for a root
  std::shared_ptr<InstanceGroup> group;       // roots only
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
  AppHeap heap;
  // Roots only: the WASI context of the root (null if it imports no WASI)
  // and the code of the last proc_exit (0 when _start returned).
  wasi::WasiContext* wasiCtx = nullptr;
  std::shared_ptr<wasi::WasiContext> wasiCtxShared;  // the same, for replacements
  uint32_t wasiExitCode = 0;

  // The embedder's contexts (wasm_runtime_set_context) get their keys'
  // destructors when the handle goes, however it goes.
  ~WASMModuleInstanceCommon() { capi::runContextDestructors(this); }
};

struct WASMExecEnv {
  std::unique_ptr<ExecEnv> env;
  WASMModuleInstanceCommon* moduleInst = nullptr;
  void* userData = nullptr;
  void* attachment = nullptr;
  std::string callStack;  // the trace of the last call that trapped (formatTrace)
};

namespace {

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
  std::string lastAllocError;
  // The context WASI imports are type-checked against at load time.
  std::unique_ptr<wasi::WasiContext> wasiCheckCtx;
};

std::recursive_mutex gMutex;
Runtime* gRuntime = nullptr;

std::vector<std::function<std::unique_ptr<ImportResolver>()>>& resolverFactories() {
  static auto* f = new std::vector<std::function<std::unique_ptr<ImportResolver>()>>;
  return *f;
}

thread_local WASMExecEnv* tCurrentEnv = nullptr;

// Calls running through the C API (callOn), on every thread, and groups
// with instances retired by strata_runtime_replace_module: those are freed
// when the count of running calls drops to zero.
std::atomic<int> gActiveCalls{0};
std::atomic<int> gRetiredPending{0};
void releaseRetiredIfIdle();

// ---------------------------------------------------------------- WASI

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
thread_local WasiInstantiation* tWasiInst = nullptr;

ModuleNode* nodeOfModule(ModuleNode* node, const Module* m, std::set<ModuleNode*>& seen) {
  if (!node || !seen.insert(node).second) return nullptr;
  if (node->module.get() == m) return node;
  for (ModuleNode* d : node->deps)
    if (ModuleNode* n = nodeOfModule(d, m, seen)) return n;
  return nullptr;
}

std::shared_ptr<wasi::WasiContext> makeWasiContext(const WasiArgs* args, const std::string& label) {
  wasi::WasiOptions options;
  std::string error;
  if (args) {
    if (!args->error.empty()) throw LinkError(label + ": WASI arguments: " + args->error);
    for (const std::string& d : args->dirs) options.addDir(d);
    for (const std::string& m : args->mapDirs)
      if (!options.addMapDir(m)) throw LinkError(label + ": WASI arguments: bad map_dir '" + m + "' (expected GUEST::HOST)");
    options.env = args->env;
    options.args = args->argv;
    if (args->stdinFd >= 0) options.stdinFd = static_cast<int>(args->stdinFd);
    if (args->stdoutFd >= 0) options.stdoutFd = static_cast<int>(args->stdoutFd);
    if (args->stderrFd >= 0) options.stderrFd = static_cast<int>(args->stderrFd);
  }
  std::unique_ptr<wasi::WasiContext> ctx = wasi::WasiContext::create(options, &error);
  if (!ctx) throw LinkError(label + ": WASI context: " + error);
  return std::shared_ptr<wasi::WasiContext>(std::move(ctx));
}

const WasiArgs* wasiArgsOf(ModuleNode* node) {
  auto* h = node ? static_cast<WASMModuleCommon*>(node->hostData) : nullptr;
  return h ? h->wasiArgs.get() : nullptr;
}

wasi::WasiContext* wasiContextFor(const Module& importer) {
  WasiInstantiation* wi = tWasiInst;
  if (!wi) {
    // wasm_runtime_load checks the types of WASI imports; the functions it
    // makes are thrown away.
    Runtime* rt = gRuntime;
    if (!rt) return nullptr;
    if (!rt->wasiCheckCtx) {
      std::string error;
      rt->wasiCheckCtx = wasi::WasiContext::create(wasi::WasiOptions(), &error);
    }
    return rt->wasiCheckCtx.get();
  }
  auto it = wi->contexts.find(&importer);
  if (it != wi->contexts.end()) return it->second.get();
  std::set<ModuleNode*> seen;
  ModuleNode* node = nodeOfModule(wi->root, &importer, seen);
  const WasiArgs* args = wasiArgsOf(node);
  std::shared_ptr<wasi::WasiContext> ctx;
  if (args && node != wi->root) {
    ctx = makeWasiContext(args, node->label);
  } else {
    if (!wi->rootCtx) wi->rootCtx = makeWasiContext(wasiArgsOf(wi->root), wi->root->label);
    ctx = wi->rootCtx;
  }
  wi->contexts[&importer] = ctx;
  return ctx.get();
}

void ensureWasiResolverFactory() {
  static std::once_flag once;
  std::call_once(once, [] {
    strata::capi::addResolverFactory(
        [] { return std::unique_ptr<ImportResolver>(new wasi::WasiImportResolver(wasiContextFor)); });
  });
}


void setError(char* buf, uint32_t size, const std::string& msg) {
  if (buf && size) std::snprintf(buf, size, "%s", msg.c_str());
}

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

// ---------------------------------------------------------------- natives

// The calling convention of natives: up to kIntRegs integer-class and 8
// float-class arguments in registers, the rest in 8-byte stack slots in
// order; this covers the System V x86-64 and AAPCS64 ABIs.
#if defined(__x86_64__)
constexpr int kIntRegs = 6;
#define STRATA_INT_PARAMS uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t
#define STRATA_INT_ARGS(a) a[0], a[1], a[2], a[3], a[4], a[5]
#define STRATA_NATIVE_CALLS 1
#elif defined(__aarch64__)
constexpr int kIntRegs = 8;
#define STRATA_INT_PARAMS uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t
#define STRATA_INT_ARGS(a) a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
#define STRATA_NATIVE_CALLS 1
#else
constexpr int kIntRegs = 6;
#define STRATA_NATIVE_CALLS 0
#endif
constexpr int kFloatRegs = 8;
constexpr int kStackArgs = 16;

struct NativeBinding {
  std::string module, name;
  NativeSymbol symbol;
  const NativeSymbol* registration = nullptr;  // the array it was registered with
  bool raw = false;
  bool typed = true;  // false: NULL signature, the importer's type is used
  std::string params;
  char result = 0;
  std::map<uint32_t, std::shared_ptr<Function>> functions;  // by canonical signature id
};

struct NativeCall {
  NativeBinding* binding;
  FuncType type;
};

ValType typeOfSigChar(char c) {
  switch (c) {
    case 'I': return ValType::I64;
    case 'f': return ValType::F32;
    case 'F': return ValType::F64;
    case 'r': return ValType::ExternRef;
    default: return ValType::I32;
  }
}

bool parseSignature(const char* sig, std::string* params, char* result) {
  params->clear();
  *result = 0;
  if (!sig || !*sig) return true;
  if (*sig != '(') return false;
  const char* p = sig + 1;
  for (; *p && *p != ')'; ++p) {
    if (!std::strchr("iIfFr*~$", *p)) return false;
    if (*p == '~' && (params->empty() || params->back() != '*')) return false;
    params->push_back(*p);
  }
  if (*p != ')') return false;
  ++p;
  if (*p) {
    if (!std::strchr("iIfFr", *p) || p[1]) return false;
    *result = *p;
  }
  int ints = 1, floats = 0, stack = 0;
  for (char c : *params) {
    bool isFloat = c == 'f' || c == 'F';
    if (isFloat ? floats++ >= kFloatRegs : ints++ >= kIntRegs) ++stack;
  }
  return stack <= kStackArgs;
}

bool checkRange(Instance* inst, uint64_t offset, uint64_t size) {
  if (!inst || !inst->numMemories()) return false;
  return offset + size <= inst->memory(0)->byteSize();
}

#if STRATA_NATIVE_CALLS
using IntNative = uint64_t (*)(STRATA_INT_PARAMS, double, double, double, double, double, double, double, double,
                               uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                               uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
using FloatNative = double (*)(STRATA_INT_PARAMS, double, double, double, double, double, double, double, double,
                               uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                               uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

#if defined(__clang__)
__attribute__((no_sanitize("function")))
#endif
uint64_t invokeNative(void* fn, const uint64_t* ints, const double* f, const uint64_t* s, bool floatResult) {
  if (floatResult) {
    double d = reinterpret_cast<FloatNative>(fn)(STRATA_INT_ARGS(ints), f[0], f[1], f[2], f[3], f[4], f[5], f[6],
                                                 f[7], s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9],
                                                 s[10], s[11], s[12], s[13], s[14], s[15]);
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    return bits;
  }
  return reinterpret_cast<IntNative>(fn)(STRATA_INT_ARGS(ints), f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
                                         s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11],
                                         s[12], s[13], s[14], s[15]);
}
#endif

// The HostCallback of every native: arguments from the wasm slots to the C
// calling convention, the result back.
void nativeCallback(void* envp, Instance* caller, Slot* slots) {
  auto* call = static_cast<NativeCall*>(envp);
  NativeBinding* b = call->binding;
  thread_local WASMExecEnv fallback;
  WASMExecEnv* ee = tCurrentEnv ? tCurrentEnv : &fallback;
  WASMModuleInstanceCommon* handle =
      caller ? static_cast<WASMModuleInstanceCommon*>(caller->hostData()) : ee->moduleInst;
  Instance* inst = caller ? caller : (handle ? handle->inst : nullptr);

  WASMModuleInstanceCommon* savedInst = ee->moduleInst;
  void* savedAttachment = ee->attachment;
  struct Restore {
    WASMExecEnv* ee;
    WASMModuleInstanceCommon* inst;
    void* attachment;
    ~Restore() {
      ee->moduleInst = inst;
      ee->attachment = attachment;
    }
  } restore{ee, savedInst, savedAttachment};
  if (handle) ee->moduleInst = handle;
  ee->attachment = b->symbol.attachment;

  const std::vector<ValType>& params = call->type.params;
  const size_t n = params.size();
  if (b->raw) {
    std::vector<uint64_t> cells(std::max<size_t>(n, 1));
    for (size_t i = 0; i < n; ++i)
      cells[i] = (params[i] == ValType::I32 || params[i] == ValType::F32) ? (slots[i] & 0xffffffffu) : slots[i];
    reinterpret_cast<void (*)(wasm_exec_env_t, uint64_t*)>(b->symbol.func_ptr)(ee, cells.data());
    if (!call->type.results.empty()) slots[0] = cells[0];
  } else {
#if STRATA_NATIVE_CALLS
    uint64_t ints[8] = {};
    double floats[kFloatRegs] = {};
    uint64_t stack[kStackArgs] = {};
    int ni = 0, nf = 0, ns = 0;
    auto pushInt = [&](uint64_t v) {
      if (ni < kIntRegs) ints[ni++] = v;
      else stack[ns++] = v;
    };
    auto pushFloat = [&](uint64_t bits) {
      if (nf < kFloatRegs) std::memcpy(&floats[nf++], &bits, sizeof bits);
      else stack[ns++] = bits;
    };
    pushInt(reinterpret_cast<uintptr_t>(ee));
    const std::string& sig = b->typed ? b->params : std::string();
    uint8_t* base = inst && inst->numMemories() ? inst->memory(0)->base() : nullptr;
    for (size_t i = 0; i < n; ++i) {
      char c = b->typed ? sig[i] : (params[i] == ValType::I64 ? 'I' : params[i] == ValType::F32 ? 'f'
                                                                  : params[i] == ValType::F64 ? 'F'
                                                                  : params[i].kind() == ValKind::ExternRef ? 'r'
                                                                                                    : 'i');
      uint64_t v = slots[i];
      switch (c) {
        case 'i':
        case '~': pushInt(v & 0xffffffffu); break;
        case 'I':
        case 'r': pushInt(v); break;
        case 'f': pushFloat(v & 0xffffffffu); break;
        case 'F': pushFloat(v); break;
        case '*': {
          uint64_t off = v & 0xffffffffu;
          uint64_t len = (i + 1 < n && sig[i + 1] == '~') ? (slots[i + 1] & 0xffffffffu) : 1;
          if (!checkRange(inst, off, len)) throw Trap("out of bounds memory access");
          pushInt(reinterpret_cast<uintptr_t>(base + off));
          break;
        }
        case '$': {
          uint64_t off = v & 0xffffffffu;
          if (!checkRange(inst, off, 1)) throw Trap("out of bounds memory access");
          uint64_t size = inst->memory(0)->byteSize();
          if (!std::memchr(base + off, 0, size - off)) throw Trap("out of bounds memory access");
          pushInt(reinterpret_cast<uintptr_t>(base + off));
          break;
        }
      }
    }
    char rc = b->typed ? b->result : (call->type.results.empty() ? 0 : "iIfFr"[0]);
    if (!b->typed && !call->type.results.empty()) {
      ValType rt = call->type.results[0];
      rc = rt == ValType::I64 ? 'I' : rt == ValType::F32 ? 'f' : rt == ValType::F64 ? 'F' : rt.kind() == ValKind::ExternRef ? 'r' : 'i';
    }
    uint64_t r = invokeNative(b->symbol.func_ptr, ints, floats, stack, rc == 'f' || rc == 'F');
    if (rc == 'i' || rc == 'f') r &= 0xffffffffu;
    if (rc) slots[0] = r;
#else
    throw Trap("native calls are not supported on this architecture (use wasm_runtime_register_natives_raw)");
#endif
  }
  if (handle && !handle->exception.empty()) {
    std::string msg;
    msg.swap(handle->exception);
    throw Trap(msg);
  }
}

// The built-in libc's malloc and free (src/libc/) on the instance's app
// heap, or on the module's own malloc/free (wasm_runtime_module_malloc).
uint32_t libcAlloc(Instance* inst, uint32_t size) {
  auto* h = inst ? static_cast<WASMModuleInstanceCommon*>(inst->hostData()) : nullptr;
  return h ? wasm_runtime_module_malloc(h, size, nullptr) : 0;
}
void libcRelease(Instance* inst, uint32_t offset) {
  if (auto* h = inst ? static_cast<WASMModuleInstanceCommon*>(inst->hostData()) : nullptr)
    wasm_runtime_module_free(h, offset);
}
uint32_t libcBlockSize(Instance* inst, uint32_t offset) {
  auto* h = inst ? static_cast<WASMModuleInstanceCommon*>(inst->hostData()) : nullptr;
  if (!h) return 0;
  auto it = h->heap.used.find(offset);
  return it == h->heap.used.end() ? 0 : it->second;
}
const libc::Heap kAppHeapForLibc{libcAlloc, libcRelease, libcBlockSize};

bool NativeResolver::add(const std::string& module, NativeSymbol* symbols, uint32_t n, bool raw) {
  std::map<std::string, std::shared_ptr<NativeBinding>> parsed;
  for (uint32_t i = 0; i < n; ++i) {
    const NativeSymbol& s = symbols[i];
    if (!s.symbol || !s.func_ptr) return false;
    auto b = std::make_shared<NativeBinding>();
    b->module = module;
    b->name = s.symbol;
    b->symbol = s;
    b->registration = symbols;
    b->raw = raw;
    b->typed = s.signature != nullptr;
    if (b->typed && !parseSignature(s.signature, &b->params, &b->result)) {
      capi::logMessage(WASM_LOG_LEVEL_ERROR, "strata: native %s.%s: invalid signature \"%s\"\n", module.c_str(), s.symbol,
                   s.signature);
      return false;
    }
    parsed[s.symbol] = std::move(b);
  }
  auto& dst = modules_[module];
  for (auto& kv : parsed) dst[kv.first] = std::move(kv.second);
  return true;
}

bool NativeResolver::remove(const std::string& module, const NativeSymbol* symbols) {
  auto m = modules_.find(module);
  if (m == modules_.end()) return false;
  bool removed = false;
  for (auto it = m->second.begin(); it != m->second.end();) {
    if (it->second->registration == symbols) {
      retired_.push_back(it->second);
      it = m->second.erase(it);
      removed = true;
    } else {
      ++it;
    }
  }
  if (m->second.empty()) modules_.erase(m);
  return removed;
}

bool NativeResolver::resolve(const Module& importer, const Import& import, Extern* out, std::string* error) {
  auto m = modules_.find(import.module);
  if (m == modules_.end() || !m->second.count(import.name)) {
    // Registered natives first, then WAMR's built-in libc for "env".
    if (import.module == "env" && import.kind == ExternKind::Func) {
      if (std::shared_ptr<Function> f = libc::builtinFunction(import.name, &kAppHeapForLibc)) {
        out->kind = ExternKind::Func;
        out->func = std::move(f);
        return true;
      }
    }
    *error = "no native " + import.module + "." + import.name + " is registered";
    return false;
  }
  if (import.kind != ExternKind::Func) {
    *error = "natives can only provide functions, not a " + std::string(externKindName(import.kind));
    return false;
  }
  NativeBinding* b = m->second[import.name].get();
  FuncType type;
  if (b->typed) {
    for (char c : b->params) type.params.push_back(typeOfSigChar(c));
    if (b->result) type.results.push_back(typeOfSigChar(b->result));
  } else if (import.typeIndex < importer.types.size()) {
    type = importer.types[import.typeIndex];
  }
  // The natives calling conventions (C arguments, 64-bit raw cells) have no
  // place for a 128-bit value.
  for (const std::vector<ValType>* list : {&type.params, &type.results})
    for (ValType t : *list)
      if (t == ValType::V128) {
        *error = "native " + import.module + "." + import.name + " cannot take or return v128 values";
        return false;
      }
  uint32_t id = canonicalSignatureId(type);
  auto it = b->functions.find(id);
  if (it == b->functions.end()) {
    auto* call = new NativeCall{b, type};
    auto f = makeHostFunction(type, nativeCallback, call);
    std::shared_ptr<Function> owned(f.get(), [f, call](Function*) mutable {
      f.reset();
      delete call;
    });
    it = b->functions.emplace(id, std::move(owned)).first;
  }
  out->kind = ExternKind::Func;
  out->func = it->second;
  return true;
}

}  // namespace

// ---------------------------------------------------------------- helpers

namespace {

Runtime* runtime() { return gRuntime; }

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

void onNodeFree(ModuleNode* node) {
  auto* h = static_cast<WASMModuleCommon*>(node->hostData);
  if (!h) return;
  node->hostData = nullptr;
  if (gRuntime) gRuntime->moduleHandles.erase(h);
  rtFree(h->copy);
  rtDelete(h);
}

std::string rootLabel(const Module& m) { return m.moduleName.empty() ? std::string("(root)") : m.moduleName; }

// The memory of an instance handle (memory 0), or null.
Memory* memoryOf(WASMModuleInstanceCommon* h) {
  return h && h->inst && h->inst->numMemories() ? h->inst->memory(0) : nullptr;
}

// --- app heap: a first-fit allocator over [begin, end) of memory 0, with
// its bookkeeping outside linear memory so the guest cannot corrupt it.

bool heapInit(WASMModuleInstanceCommon* h, uint32_t heapSize, std::string* error) {
  if (!heapSize) return true;
  Memory* mem = memoryOf(h);
  if (!mem) return true;  // no memory: module_malloc falls back or fails cleanly
  uint64_t pages = (uint64_t(heapSize) + limits::kPageSize - 1) / limits::kPageSize;
  uint64_t oldBytes = mem->byteSize();
  // Past the declared maximum if need be, as WAMR does (a module whose
  // maximum equals its initial size still gets its heap).
  if (oldBytes + pages * limits::kPageSize > (uint64_t(1) << 32) || mem->growWithMaximum(pages) < 0) {
    *error = "cannot add an app heap of " + std::to_string(heapSize) + " bytes: memory 0 cannot grow by " +
             std::to_string(pages) + " pages";
    return false;
  }
  h->heap.begin = static_cast<uint32_t>(oldBytes);
  h->heap.end = static_cast<uint32_t>(oldBytes + pages * limits::kPageSize - (pages * limits::kPageSize == (uint64_t(1) << 32) ? 1 : 0));
  h->heap.freeBlocks[h->heap.begin] = h->heap.end - h->heap.begin;
  return true;
}

uint32_t heapAlloc(AppHeap& heap, uint32_t size) {
  if (heap.end == heap.begin || size == 0) return 0;
  uint64_t need = (uint64_t(size) + 7) & ~uint64_t(7);
  for (auto it = heap.freeBlocks.begin(); it != heap.freeBlocks.end(); ++it) {
    if (it->second < need) continue;
    uint32_t off = it->first;
    uint32_t rest = it->second - static_cast<uint32_t>(need);
    heap.freeBlocks.erase(it);
    if (rest) heap.freeBlocks[off + static_cast<uint32_t>(need)] = rest;
    heap.used[off] = static_cast<uint32_t>(need);
    return off;
  }
  return 0;
}

bool heapFree(AppHeap& heap, uint32_t off) {
  auto u = heap.used.find(off);
  if (u == heap.used.end()) return false;
  uint32_t size = u->second;
  heap.used.erase(u);
  auto next = heap.freeBlocks.lower_bound(off);
  if (next != heap.freeBlocks.end() && off + size == next->first) {
    size += next->second;
    next = heap.freeBlocks.erase(next);
  }
  if (next != heap.freeBlocks.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == off) {
      prev->second += size;
      return true;
    }
  }
  heap.freeBlocks[off] = size;
  return true;
}

WASMModuleInstanceCommon* rootOf(WASMModuleInstanceCommon* h) { return h ? h->root : nullptr; }

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

// Runs `f` with `ee` as the current exec env; a trap or error becomes the
// exception of ee's instance.
bool callOn(WASMExecEnv* ee, Function* f, Slot* slots) {
  WASMExecEnv* saved = tCurrentEnv;
  tCurrentEnv = ee;
  WASMModuleInstanceCommon* inst = ee->moduleInst;
  bool ok = false;
  gActiveCalls.fetch_add(1, std::memory_order_acq_rel);
  struct Active {
    ~Active() {
      if (gActiveCalls.fetch_sub(1, std::memory_order_acq_rel) == 1 && gRetiredPending.load() > 0)
        releaseRetiredIfIdle();
    }
  } active;
  ee->callStack.clear();
  WASMModuleInstanceCommon* owner = rootOf(inst);
  if (owner && owner->terminated.load(std::memory_order_acquire)) {
    inst->exception = ExecEnv::interruptMessage(ExecEnv::kTerminated);
    ee->moduleInst = inst;
    tCurrentEnv = saved;
    return false;
  }
  try {
    ee->env->call(f, slots);
    ok = true;
  } catch (const wasi::WasiExit& e) {
    // proc_exit ends the call successfully, as in WAMR; the code is
    // wasm_runtime_get_wasi_exit_code's.
    if (WASMModuleInstanceCommon* root = rootOf(inst)) root->wasiExitCode = e.code();
    ok = true;
  } catch (const Trap& e) {
    if (inst) inst->exception = e.what();
    ee->callStack = formatTrace(e);
  } catch (const std::bad_alloc&) {
    if (inst) inst->exception = "allocate memory failed";
  } catch (const std::exception& e) {
    if (inst) inst->exception = e.what();
  }
  ee->moduleInst = inst;
  tCurrentEnv = saved;
  return ok;
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

// 32-bit cells of a value in WAMR's argv arrays: a v128 takes four.
uint32_t cellsOf(ValType t) {
  if (t == ValType::V128) return 4;
  return (t == ValType::I32 || t == ValType::F32) ? 1 : 2;
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

// ---------------------------------------------------------------- modules

wasm_module_t wasm_runtime_load(uint8_t* buf, uint32_t size, char* error_buf, uint32_t error_buf_size) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt) return setError(error_buf, error_buf_size, "the runtime is not initialised (wasm_runtime_init)"), nullptr;
  if (!buf) return setError(error_buf, error_buf_size, "WASM module load failed: null buffer"), nullptr;
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

void wasm_runtime_deinstantiate(wasm_module_inst_t module_inst) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  Runtime* rt = runtime();
  if (!rt || !module_inst || !rt->roots.count(module_inst)) return;
  rt->roots.erase(module_inst);
  freeInstanceHandles(module_inst);
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
  return exec_env ? exec_env->moduleInst : nullptr;
}
void wasm_runtime_set_user_data(wasm_exec_env_t exec_env, void* user_data) {
  if (exec_env) exec_env->userData = user_data;
}
void* wasm_runtime_get_user_data(wasm_exec_env_t exec_env) { return exec_env ? exec_env->userData : nullptr; }
void* wasm_runtime_get_function_attachment(wasm_exec_env_t exec_env) {
  return exec_env ? exec_env->attachment : nullptr;
}

bool wasm_runtime_call_wasm(wasm_exec_env_t exec_env, wasm_function_inst_t function, uint32_t argc, uint32_t argv[]) {
  if (!exec_env || !function || !exec_env->env) return false;
  auto* f = static_cast<Function*>(function);
  WASMModuleInstanceCommon* inst = exec_env->moduleInst;
  uint32_t want = 0, results = 0;
  for (ValType t : f->type.params) want += cellsOf(t);
  for (ValType t : f->type.results) results += cellsOf(t);
  if (argc != want) {
    if (inst)
      inst->exception = "invalid argument count: the function takes " + std::to_string(want) + " cells, got " +
                        std::to_string(argc);
    return false;
  }
  // Cells to slots: one cell a slot's low half, two a slot, four (v128)
  // two slots; results back the same way.
  std::vector<Slot> slots(f->type.callSlots() + 1);
  uint32_t c = 0, at = 0;
  for (ValType t : f->type.params) {
    uint32_t n = cellsOf(t);
    if (n == 1)
      slots[at] = argv[c];
    else
      std::memcpy(&slots[at], &argv[c], 4 * n);
    c += n;
    at += slotWidth(t);
  }
  if (!callOn(exec_env, f, slots.data())) return false;
  (void)results;
  c = 0;
  at = 0;
  for (ValType t : f->type.results) {
    uint32_t n = cellsOf(t);
    std::memcpy(&argv[c], &slots[at], 4 * n);
    c += n;
    at += slotWidth(t);
  }
  return true;
}

bool wasm_runtime_call_wasm_a(wasm_exec_env_t exec_env, wasm_function_inst_t function, uint32_t num_results,
                              wasm_val_t results[], uint32_t num_args, wasm_val_t* args) {
  if (!exec_env || !function || !exec_env->env) return false;
  auto* f = static_cast<Function*>(function);
  WASMModuleInstanceCommon* inst = exec_env->moduleInst;
  auto fail = [&](const std::string& msg) {
    if (inst) inst->exception = msg;
    return false;
  };
  if (num_args != f->type.params.size())
    return fail("invalid argument count: expected " + std::to_string(f->type.params.size()) + ", got " +
                std::to_string(num_args));
  if (num_results != f->type.results.size())
    return fail("invalid result count: expected " + std::to_string(f->type.results.size()) + ", got " +
                std::to_string(num_results));
  // Values to slots by width (a v128 takes two: of.v128, Strata's
  // extension of wasm_val_t).
  std::vector<Slot> slots(f->type.callSlots() + 1);
  std::vector<uint32_t> argAt = slotOffsets(f->type.params), resultAt = slotOffsets(f->type.results);
  for (uint32_t i = 0; i < num_args; ++i) {
    ValType t = f->type.params[i];
    const wasm_val_t& v = args[i];
    if (t == ValType::V128) {
      if (v.kind != WASM_V128) return fail("argument " + std::to_string(i) + " is not a v128");
      std::memcpy(&slots[argAt[i]], v.of.v128, 16);
      continue;
    }
    Slot* slot = &slots[argAt[i]];
    switch (t.kind()) {
      case ValKind::I32: if (v.kind != WASM_I32) return fail("argument " + std::to_string(i) + " is not an i32"); *slot = uint32_t(v.of.i32); break;
      case ValKind::I64: if (v.kind != WASM_I64) return fail("argument " + std::to_string(i) + " is not an i64"); *slot = uint64_t(v.of.i64); break;
      case ValKind::F32: {
        if (v.kind != WASM_F32) return fail("argument " + std::to_string(i) + " is not an f32");
        uint32_t b;
        std::memcpy(&b, &v.of.f32, 4);
        *slot = b;
        break;
      }
      case ValKind::F64:
        if (v.kind != WASM_F64) return fail("argument " + std::to_string(i) + " is not an f64");
        std::memcpy(slot, &v.of.f64, 8);
        break;
      default:
        *slot = reinterpret_cast<uintptr_t>(v.of.ref);
        if (!referenceFits(*slot, t)) return fail("argument " + std::to_string(i) + " is not a " + valTypeName(t));
    }
  }
  if (!callOn(exec_env, f, slots.data())) return false;
  for (uint32_t i = 0; i < num_results; ++i) {
    ValType t = f->type.results[i];
    wasm_val_t& r = results[i];
    if (t == ValType::V128) {
      r.kind = WASM_V128;
      std::memcpy(r.of.v128, &slots[resultAt[i]], 16);
      continue;
    }
    const Slot value = slots[resultAt[i]];
    switch (t.kind()) {
      case ValKind::I32: r.kind = WASM_I32; r.of.i32 = int32_t(uint32_t(value)); break;
      case ValKind::I64: r.kind = WASM_I64; r.of.i64 = int64_t(value); break;
      case ValKind::F32: {
        r.kind = WASM_F32;
        uint32_t b = uint32_t(value);
        std::memcpy(&r.of.f32, &b, 4);
        break;
      }
      case ValKind::F64: r.kind = WASM_F64; std::memcpy(&r.of.f64, &value, 8); break;
      default:
        r.kind = t.kind() == ValKind::FuncRef ? WASM_FUNCREF : WASM_ANYREF;
        r.of.ref = reinterpret_cast<wasm_ref_t*>(static_cast<uintptr_t>(value));
    }
  }
  return true;
}

uint32_t wasm_func_get_param_count(wasm_function_inst_t func_inst, wasm_module_inst_t) {
  return func_inst ? static_cast<uint32_t>(static_cast<Function*>(func_inst)->type.params.size()) : 0;
}
uint32_t wasm_func_get_result_count(wasm_function_inst_t func_inst, wasm_module_inst_t) {
  return func_inst ? static_cast<uint32_t>(static_cast<Function*>(func_inst)->type.results.size()) : 0;
}

bool wasm_application_execute_main(wasm_module_inst_t module_inst, int32_t argc, char* argv[]) {
  if (!module_inst || !module_inst->inst) return false;
  WASMExecEnv* ee = defaultEnv(module_inst);
  if (!ee) return false;
  Instance* inst = module_inst->inst;
  if (WASMModuleInstanceCommon* root = rootOf(module_inst)) root->wasiExitCode = 0;
  Function* f = inst->exportedFunction("_start");
  if (f && f->type.params.empty()) {
    std::vector<Slot> slots(f->type.results.size() + 1);
    return callOn(ee, f, slots.data());
  }
  f = inst->exportedFunction("__main_argc_argv");
  if (!f) f = inst->exportedFunction("main");
  if (!f) {
    module_inst->exception = "lookup the entry point symbol (like _start, main) failed";
    return false;
  }
  std::vector<Slot> slots(3);
  if (f->type.params.size() == 2) {
    // argv strings and the pointer array in the app heap.
    std::vector<uint32_t> offs;
    for (int32_t i = 0; i < argc; ++i)
      offs.push_back(wasm_runtime_module_dup_data(module_inst, argv[i], uint32_t(std::strlen(argv[i]) + 1)));
    offs.push_back(0);
    uint32_t arr = wasm_runtime_module_dup_data(module_inst, reinterpret_cast<const char*>(offs.data()),
                                                uint32_t(offs.size() * 4));
    if (argc && !arr) {
      module_inst->exception = "allocate memory failed: no app heap for argv";
      return false;
    }
    slots[0] = uint32_t(argc);
    slots[1] = arr;
  } else if (!f->type.params.empty()) {
    module_inst->exception = "main has an unsupported signature " + f->type.toString();
    return false;
  }
  return callOn(ee, f, slots.data());
}

bool wasm_application_execute_func(wasm_module_inst_t module_inst, const char* name, int32_t argc, char* argv[]) {
  if (!module_inst || !name) return false;
  auto* f = static_cast<Function*>(wasm_runtime_lookup_function(module_inst, name, nullptr));
  if (!f) {
    module_inst->exception = std::string("lookup function ") + name + " failed";
    return false;
  }
  if (size_t(argc < 0 ? 0 : argc) != f->type.params.size()) {
    module_inst->exception = "invalid input argument count " + std::to_string(argc) + " (" + name + " takes " +
                             std::to_string(f->type.params.size()) + ")";
    return false;
  }
  std::vector<Slot> slots(f->type.callSlots() + 1);
  uint32_t at = 0;
  for (int32_t i = 0; i < argc; ++i) {
    ValType t = f->type.params[i];
    if (!argv || !argv[i] || !parseValueText(argv[i], t, &slots[at])) {
      module_inst->exception = std::string("invalid input argument ") + std::to_string(i) + ": '" +
                               (argv && argv[i] ? argv[i] : "") + "' is not a valid " +
                               valTypeName(f->type.params[i]);
      return false;
    }
    at += slotWidth(t);
  }
  WASMExecEnv* ee = defaultEnv(module_inst);
  if (!ee) return false;
  WASMModuleInstanceCommon* saved = ee->moduleInst;
  ee->moduleInst = module_inst;
  bool ok = callOn(ee, f, slots.data());
  ee->moduleInst = saved;
  if (!ok) return false;
  std::string line;
  at = 0;
  for (ValType t : f->type.results) {
    line += (at ? "," : "") + formatValueText(t, &slots[at]);
    at += slotWidth(t);
  }
  std::printf("%s\n", line.c_str());
  return true;
}

const char* wasm_runtime_get_exception(wasm_module_inst_t module_inst) {
  if (!module_inst || module_inst->exception.empty()) return nullptr;
  module_inst->exceptionText = "Exception: " + module_inst->exception;
  return module_inst->exceptionText.c_str();
}

void wasm_runtime_set_exception(wasm_module_inst_t module_inst, const char* exception) {
  if (module_inst) module_inst->exception = exception ? exception : "";
}

void wasm_runtime_clear_exception(wasm_module_inst_t module_inst) {
  if (!module_inst) return;
  module_inst->exception.clear();
  if (WASMModuleInstanceCommon* root = rootOf(module_inst)) root->terminated.store(false, std::memory_order_release);
}

// From any thread: every exec env of the instance's group that runs guest
// code is interrupted (each tier checks at function entries and loop
// headers), and calls fail until the exception is cleared.
void wasm_runtime_terminate(wasm_module_inst_t module_inst) {
  if (!module_inst) return;
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  WASMModuleInstanceCommon* root = rootOf(module_inst);
  if (!root || !gRuntime) return;
  root->terminated.store(true, std::memory_order_release);
  module_inst->exception = ExecEnv::interruptMessage(ExecEnv::kTerminated);
  for (WASMExecEnv* ee : gRuntime->envs)
    if (rootOf(ee->moduleInst) == root) ee->env->requestInterrupt(ExecEnv::kTerminated);
}

void wasm_runtime_set_custom_data(wasm_module_inst_t module_inst, void* custom_data) {
  if (module_inst) module_inst->customData = custom_data;
}
void* wasm_runtime_get_custom_data(wasm_module_inst_t module_inst) {
  return module_inst ? module_inst->customData : nullptr;
}

// ---------------------------------------------------------------- app heap

uint32_t wasm_runtime_module_malloc(wasm_module_inst_t module_inst, uint32_t size, void** p_native_addr) {
  if (p_native_addr) *p_native_addr = nullptr;
  Memory* mem = memoryOf(module_inst);
  if (!mem) {
    if (module_inst) module_inst->exception = "app heap corrupted or unavailable: the instance has no memory";
    return 0;
  }
  uint32_t off = 0;
  if (module_inst->heap.end > module_inst->heap.begin) {
    off = heapAlloc(module_inst->heap, size);
  } else if (Function* m = module_inst->inst->exportedFunction("malloc")) {
    if (m->type.params.size() != 1 || m->type.results.size() != 1) return 0;
    WASMExecEnv* ee = defaultEnv(module_inst);
    Slot slots[2] = {size, 0};
    if (!ee || !callOn(ee, m, slots)) return 0;
    off = static_cast<uint32_t>(slots[0]);
  }
  if (!off) {
    module_inst->exception = "allocate memory failed: app heap cannot hold " + std::to_string(size) + " bytes";
    return 0;
  }
  if (p_native_addr) *p_native_addr = mem->base() + off;
  return off;
}

void wasm_runtime_module_free(wasm_module_inst_t module_inst, uint32_t ptr) {
  if (!module_inst || !ptr) return;
  if (module_inst->heap.end > module_inst->heap.begin) {
    heapFree(module_inst->heap, ptr);
  } else if (Function* f = module_inst->inst->exportedFunction("free")) {
    WASMExecEnv* ee = defaultEnv(module_inst);
    Slot slots[2] = {ptr, 0};
    if (ee && f->type.params.size() == 1) callOn(ee, f, slots);
  }
}

uint32_t wasm_runtime_module_dup_data(wasm_module_inst_t module_inst, const char* src, uint32_t size) {
  void* p = nullptr;
  uint32_t off = wasm_runtime_module_malloc(module_inst, size, &p);
  if (off && size) std::memcpy(p, src, size);
  return off;
}

bool wasm_runtime_validate_app_addr(wasm_module_inst_t module_inst, uint32_t app_offset, uint32_t size) {
  Memory* mem = memoryOf(module_inst);
  if (mem && uint64_t(app_offset) + size <= mem->byteSize()) return true;
  if (module_inst) module_inst->exception = "out of bounds memory access";
  return false;
}

bool wasm_runtime_validate_app_str_addr(wasm_module_inst_t module_inst, uint32_t app_str_offset) {
  Memory* mem = memoryOf(module_inst);
  if (mem && app_str_offset < mem->byteSize() &&
      std::memchr(mem->base() + app_str_offset, 0, mem->byteSize() - app_str_offset))
    return true;
  if (module_inst) module_inst->exception = "out of bounds memory access";
  return false;
}

bool wasm_runtime_validate_native_addr(wasm_module_inst_t module_inst, void* native_ptr, uint32_t size) {
  Memory* mem = memoryOf(module_inst);
  auto* p = static_cast<uint8_t*>(native_ptr);
  if (mem && p >= mem->base() && uint64_t(p - mem->base()) + size <= mem->byteSize()) return true;
  if (module_inst) module_inst->exception = "out of bounds memory access";
  return false;
}

void* wasm_runtime_addr_app_to_native(wasm_module_inst_t module_inst, uint32_t app_offset) {
  Memory* mem = memoryOf(module_inst);
  if (!mem || app_offset > mem->byteSize()) return nullptr;
  return mem->base() + app_offset;
}

uint32_t wasm_runtime_addr_native_to_app(wasm_module_inst_t module_inst, void* native_ptr) {
  Memory* mem = memoryOf(module_inst);
  auto* p = static_cast<uint8_t*>(native_ptr);
  if (!mem || p < mem->base() || uint64_t(p - mem->base()) > mem->byteSize()) return 0;
  return static_cast<uint32_t>(p - mem->base());
}

// ---------------------------------------------------------------- natives

bool wasm_runtime_register_natives(const char* module_name, NativeSymbol* native_symbols, uint32_t n_native_symbols) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module_name || (!native_symbols && n_native_symbols)) return false;
  return gRuntime->natives.add(module_name, native_symbols, n_native_symbols, false);
}

bool wasm_runtime_unregister_natives(const char* module_name, NativeSymbol* native_symbols) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module_name || !native_symbols) return false;
  return gRuntime->natives.remove(module_name, native_symbols);
}

bool wasm_runtime_call_wasm_v(wasm_exec_env_t exec_env, wasm_function_inst_t function, uint32_t num_results,
                              wasm_val_t results[], uint32_t num_args, ...) {
  if (!exec_env || !function) return false;
  auto* f = static_cast<Function*>(function);
  if (num_args != f->type.params.size())  // call_wasm_a words the error
    return wasm_runtime_call_wasm_a(exec_env, function, num_results, results, num_args, nullptr);
  std::vector<wasm_val_t> args(num_args);
  va_list list;
  va_start(list, num_args);
  for (uint32_t i = 0; i < num_args; ++i) {
    wasm_val_t& v = args[i];
    switch (f->type.params[i].kind()) {
      case ValKind::I32: v.kind = WASM_I32; v.of.i32 = va_arg(list, int32_t); break;
      case ValKind::I64: v.kind = WASM_I64; v.of.i64 = va_arg(list, int64_t); break;
      case ValKind::F32: v.kind = WASM_F32; v.of.f32 = float(va_arg(list, double)); break;
      case ValKind::F64: v.kind = WASM_F64; v.of.f64 = va_arg(list, double); break;
      case ValKind::FuncRef:
      case ValKind::ExternRef:
        v.kind = f->type.params[i].kind() == ValKind::FuncRef ? WASM_FUNCREF : WASM_ANYREF;
        v.of.ref = va_arg(list, wasm_ref_t*);
        break;
      default:
        va_end(list);
        if (exec_env->moduleInst)
          exec_env->moduleInst->exception = "argument " + std::to_string(i) + ": v128 cannot be passed as a vararg";
        return false;
    }
  }
  va_end(list);
  return wasm_runtime_call_wasm_a(exec_env, function, num_results, results, num_args, args.data());
}

bool wasm_runtime_call_indirect(wasm_exec_env_t exec_env, uint32_t element_index, uint32_t argc, uint32_t argv[]) {
  if (!exec_env || !exec_env->moduleInst || !exec_env->moduleInst->inst) return false;
  WASMModuleInstanceCommon* h = exec_env->moduleInst;
  Instance* inst = h->inst;
  if (inst->numTables() == 0 || element_index >= inst->table(0)->size()) {
    h->exception = "undefined element";
    return false;
  }
  auto* f = reinterpret_cast<Function*>(static_cast<uintptr_t>(inst->table(0)->data()[element_index]));
  if (!f) {
    h->exception = "uninitialized element";
    return false;
  }
  return wasm_runtime_call_wasm(exec_env, f, argc, argv);
}

wasm_exec_env_t wasm_runtime_get_exec_env_singleton(wasm_module_inst_t module_inst) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module_inst) return nullptr;
  return defaultEnv(module_inst);
}

bool wasm_runtime_register_natives_raw(const char* module_name, NativeSymbol* native_symbols,
                                       uint32_t n_native_symbols) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module_name || (!native_symbols && n_native_symbols)) return false;
  return gRuntime->natives.add(module_name, native_symbols, n_native_symbols, true);
}

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

// ---------------------------------------------------------------- WASI

namespace {
void setWasiArgs(wasm_module_t module, const char* dir_list[], uint32_t dir_count, const char* map_dir_list[],
                 uint32_t map_dir_count, const char* env[], uint32_t env_count, char* argv[], int argc,
                 int64_t stdinfd, int64_t stdoutfd, int64_t stderrfd) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module || !gRuntime->moduleHandles.count(module)) return;
  auto args = std::unique_ptr<WasiArgs>(new WasiArgs);
  auto copy = [&](const char* what, const char* const* list, int64_t n, std::vector<std::string>* out) {
    if (n < 0) n = 0;
    if (n && !list) {
      if (args->error.empty()) args->error = std::string(what) + " is NULL but its count is " + std::to_string(n);
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      if (!list[i]) {
        if (args->error.empty()) args->error = std::string(what) + "[" + std::to_string(i) + "] is NULL";
        return;
      }
      out->emplace_back(list[i]);
    }
  };
  copy("dir_list", dir_list, dir_count, &args->dirs);
  copy("map_dir_list", map_dir_list, map_dir_count, &args->mapDirs);
  copy("env", env, env_count, &args->env);
  copy("argv", argv, argc, &args->argv);
  for (const std::string& e : args->env)
    if (e.find('=') == std::string::npos && args->error.empty()) args->error = "env entry '" + e + "' has no '='";
  args->stdinFd = stdinfd;
  args->stdoutFd = stdoutfd;
  args->stderrFd = stderrfd;
  module->wasiArgs = std::move(args);
}
}  // namespace

void wasm_runtime_set_wasi_args(wasm_module_t module, const char* dir_list[], uint32_t dir_count,
                                const char* map_dir_list[], uint32_t map_dir_count, const char* env[],
                                uint32_t env_count, char* argv[], int argc) {
  setWasiArgs(module, dir_list, dir_count, map_dir_list, map_dir_count, env, env_count, argv, argc, -1, -1, -1);
}

void wasm_runtime_set_wasi_args_ex(wasm_module_t module, const char* dir_list[], uint32_t dir_count,
                                   const char* map_dir_list[], uint32_t map_dir_count, const char* env[],
                                   uint32_t env_count, char* argv[], int argc, int64_t stdinfd, int64_t stdoutfd,
                                   int64_t stderrfd) {
  setWasiArgs(module, dir_list, dir_count, map_dir_list, map_dir_count, env, env_count, argv, argc, stdinfd,
              stdoutfd, stderrfd);
}

bool wasm_runtime_is_wasi_mode(wasm_module_inst_t module_inst) {
  WASMModuleInstanceCommon* root = rootOf(module_inst);
  return root && root == module_inst && root->wasiCtx;
}

wasm_function_inst_t wasm_runtime_lookup_wasi_start_function(wasm_module_inst_t module_inst) {
  if (!wasm_runtime_is_wasi_mode(module_inst)) return nullptr;
  Function* f = module_inst->inst->exportedFunction("_start");
  return f && f->type.params.empty() && f->type.results.empty() ? f : nullptr;
}

uint32_t wasm_runtime_get_wasi_exit_code(wasm_module_inst_t module_inst) {
  WASMModuleInstanceCommon* root = rootOf(module_inst);
  return root ? root->wasiExitCode : 0;
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

// ---------------------------------------------------------------- call stacks

void wasm_runtime_dump_call_stack(wasm_exec_env_t exec_env) {
  if (!exec_env || exec_env->callStack.empty()) return;
  std::fputs(exec_env->callStack.c_str(), stdout);
  std::fflush(stdout);
}

uint32_t wasm_runtime_get_call_stack_buf_size(wasm_exec_env_t exec_env) {
  if (!exec_env || exec_env->callStack.empty()) return 0;
  return uint32_t(std::min<size_t>(exec_env->callStack.size() + 1, UINT32_MAX));
}

uint32_t wasm_runtime_dump_call_stack_to_buf(wasm_exec_env_t exec_env, char* buf, uint32_t len) {
  if (!exec_env || !buf || len == 0) return 0;
  size_t n = std::min<size_t>(exec_env->callStack.size(), len - 1);
  std::memcpy(buf, exec_env->callStack.data(), n);
  buf[n] = '\0';
  return uint32_t(n);
}
