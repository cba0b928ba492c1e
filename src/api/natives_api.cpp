// The embedding C API (include/wasm_export.h): natives. Registration
// (wasm_runtime_register_natives, _raw, unregister), the resolver that
// links them to imports, and the calling convention that calls them; also
// the built-in libc's heap for "env" imports.
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/wasm_export_internal.h"
#include "libc/libc_builtin.h"
#include "runtime/instance.h"
#include "wasm/module.h"

using namespace strata;
using namespace strata::capi;

// ---------------------------------------------------------------- natives

namespace strata {
namespace capi {

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

}  // namespace capi
}  // namespace strata

namespace {

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
      caller ? static_cast<WASMModuleInstanceCommon*>(caller->hostData()) : ee->moduleInst.load();
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

}  // namespace

namespace strata {
namespace capi {

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

}  // namespace capi
}  // namespace strata

extern "C" {

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

bool wasm_runtime_register_natives_raw(const char* module_name, NativeSymbol* native_symbols,
                                       uint32_t n_native_symbols) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module_name || (!native_symbols && n_native_symbols)) return false;
  return gRuntime->natives.add(module_name, native_symbols, n_native_symbols, true);
}

}  // extern "C"
