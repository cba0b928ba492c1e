// The embedding C API (include/wasm_export.h): the app heap
// (wasm_runtime_module_malloc/free/dup_data) and the checks and
// translations between app offsets and native addresses.
#include <cstring>
#include <iterator>
#include <map>
#include <string>

#include "api/wasm_export_internal.h"

using namespace strata;
using namespace strata::capi;

namespace {

// The memory of an instance handle (memory 0), or null.
Memory* memoryOf(WASMModuleInstanceCommon* h) {
  return h && h->inst && h->inst->numMemories() ? h->inst->memory(0) : nullptr;
}

// --- app heap: a first-fit allocator over [begin, end) of memory 0, with
// its bookkeeping outside linear memory so the guest cannot corrupt it.

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

}  // namespace

namespace strata {
namespace capi {

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

}  // namespace capi
}  // namespace strata

extern "C" {

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

// The region is all of memory 0 (WAMR's, too, is the default memory, app
// heap included); Strata has no shared heap to be another region.
bool wasm_runtime_get_app_addr_range(wasm_module_inst_t module_inst, uint32_t app_offset,
                                     uint32_t* p_app_start_offset, uint32_t* p_app_end_offset) {
  Memory* mem = memoryOf(module_inst);
  // The end is one past the last byte: 2^32 for a 4 GiB memory, which
  // uint32_t cannot hold.
  if (!mem || app_offset >= mem->byteSize() || mem->byteSize() > UINT32_MAX) return false;
  if (p_app_start_offset) *p_app_start_offset = 0;
  if (p_app_end_offset) *p_app_end_offset = static_cast<uint32_t>(mem->byteSize());
  return true;
}

bool wasm_runtime_get_native_addr_range(wasm_module_inst_t module_inst, uint8_t* native_ptr,
                                        uint8_t** p_native_start_addr, uint8_t** p_native_end_addr) {
  Memory* mem = memoryOf(module_inst);
  if (!mem || native_ptr < mem->base() || uint64_t(native_ptr - mem->base()) >= mem->byteSize()) return false;
  if (p_native_start_addr) *p_native_start_addr = mem->base();
  if (p_native_end_addr) *p_native_end_addr = mem->base() + mem->byteSize();
  return true;
}

}  // extern "C"
