// Linear memories backed by virtual-memory reservations.
//
// The normal layout reserves far more address space than a wasm32 memory can
// ever use, so that any `base + u32 index + u32 offset` access lands either
// in the accessible prefix or in PROT_NONE pages. Execution tiers can then
// skip bounds checks and let the SIGSEGV handler turn faults into traps.
// Growing only changes page protections, so base() never moves.
//
// When the reservation is refused (RLIMIT_AS, small address spaces) we fall
// back to smaller mappings and report guarded() == false: callers must then
// bounds-check explicitly and reload base()/byteSize() after anything that
// may grow the memory, because the last fallback moves it with mremap.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/objects.h"

namespace strata {

namespace {

// 8 GiB covers base + u32 + u32. The extra 64 KiB covers the bytes that an
// access starting just below 8 GiB reads past it (up to 8 for i64, more for
// future v128), so even a page-straddling access faults inside our own
// reservation instead of touching whatever is mapped next.
constexpr uint64_t kGuardedReservation = (uint64_t(8) << 30) + limits::kPageSize;

uint64_t osPageSize() {
  static const uint64_t size = [] {
    long s = sysconf(_SC_PAGESIZE);
    return s > 0 ? static_cast<uint64_t>(s) : uint64_t(4096);
  }();
  return size;
}

uint8_t* mapNone(uint64_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
}

bool makeAccessible(uint8_t* begin, uint64_t bytes) {
  return bytes == 0 || mprotect(begin, bytes, PROT_READ | PROT_WRITE) == 0;
}

// Guard reservations of dead memories, kept for the next ones (as
// wasmtime's pooling allocator keeps its slots): mapping and unmapping 8 GiB
// of address space was most of what creating and destroying a small
// instance cost (bench/micro/instantiate_bench.cpp). A reservation comes
// back with its accessible prefix replaced by fresh PROT_NONE pages (one
// mmap over it: the old pages are dropped, so the next memory reads zeros
// and the pool holds no RSS), exactly as mapNone left it.
class ReservationPool {
 public:
  static ReservationPool& get() {
    static auto* pool = new ReservationPool;  // leaked: memories may die during static destruction
    return *pool;
  }
  uint8_t* take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return nullptr;
    uint8_t* base = free_.back();
    free_.pop_back();
    return base;
  }
  // Takes `base` back (its first `accessible` bytes were accessible), or
  // unmaps it when the pool is full or the reset fails.
  void give(uint8_t* base, uint64_t accessible) {
    if (accessible) {
      uint64_t bytes = (accessible + osPageSize() - 1) / osPageSize() * osPageSize();
      void* p = mmap(base, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
      if (p == MAP_FAILED) {
        munmap(base, kGuardedReservation);
        return;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (free_.size() < kMaxKept) {
        free_.push_back(base);
        return;
      }
    }
    munmap(base, kGuardedReservation);
  }
  size_t releaseAll() {
    std::vector<uint8_t*> all;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      all.swap(free_);
    }
    for (uint8_t* base : all) munmap(base, kGuardedReservation);
    return all.size();
  }

 private:
  // 16 x 8 GiB of address space (of 128 TiB), page tables and VMAs only.
  static constexpr size_t kMaxKept = 16;
  std::mutex mutex_;
  std::vector<uint8_t*> free_;
};

uint8_t* reserveGuarded() {
  if (uint8_t* base = ReservationPool::get().take()) return base;
  return mapNone(kGuardedReservation);
}

}  // namespace

std::shared_ptr<Memory> Memory::create(const MemoryType& type, std::shared_ptr<const ResourceLimits> limits) {
  const Limits& lim = type.limits;
  if (lim.min > limits::kMaxMemoryPages)
    throw std::runtime_error("memory size exceeds the implementation limit");
  if (lim.hasMax && lim.max < lim.min)
    throw std::runtime_error("memory maximum is smaller than its minimum");

  // Constructor is private, so no make_shared.
  std::shared_ptr<Memory> mem(new Memory());
  mem->type_ = type;
  mem->limits_ = std::move(limits);
  mem->size_ = lim.min * limits::kPageSize;

  // 1. The full guard reservation.
  if (uint8_t* base = reserveGuarded()) {
    if (!makeAccessible(base, mem->size_)) {
      int err = errno;
      ReservationPool::get().give(base, 0);
      throw std::runtime_error("cannot allocate linear memory: " + std::string(std::strerror(err)));
    }
    mem->base_ = base;
    mem->reserved_ = kGuardedReservation;
    mem->guarded_ = true;
    return mem;
  }

  // 2. Just enough address space for the largest size this memory can reach,
  // so growing still never moves it. At least one OS page, so that even a
  // zero-page memory has a real, non-null base.
  uint64_t maxPages = lim.hasMax && lim.max < limits::kMaxMemoryPages ? lim.max : limits::kMaxMemoryPages;
  uint64_t maxBytes = maxPages * limits::kPageSize;
  if (maxBytes < osPageSize()) maxBytes = osPageSize();
  if (uint8_t* base = mapNone(maxBytes)) {
    if (!makeAccessible(base, mem->size_)) {
      int err = errno;
      munmap(base, maxBytes);
      throw std::runtime_error("cannot allocate linear memory: " + std::string(std::strerror(err)));
    }
    mem->base_ = base;
    mem->reserved_ = maxBytes;
    return mem;
  }

  // 3. Only the current size; grow() will mremap, possibly moving the base.
  uint64_t bytes = mem->size_ < osPageSize() ? osPageSize() : mem->size_;
  uint8_t* base = mapNone(bytes);
  if (!base || !makeAccessible(base, mem->size_)) {
    int err = errno;
    if (base) munmap(base, bytes);
    throw std::runtime_error("cannot allocate linear memory: " + std::string(std::strerror(err)));
  }
  mem->base_ = base;
  mem->reserved_ = bytes;
  return mem;
}

size_t Memory::releasePooledReservations() { return ReservationPool::get().releaseAll(); }

Memory::~Memory() {
  if (base_ && guarded_)
    ReservationPool::get().give(base_, size_);
  else if (base_)
    munmap(base_, reserved_);
}

int64_t Memory::growWithMaximum(uint64_t deltaPages) {
  Limits saved = type_.limits;
  if (type_.limits.hasMax) {
    if (deltaPages > limits::kMaxMemoryPages - std::min(type_.limits.max, limits::kMaxMemoryPages)) return -1;
    type_.limits.max += deltaPages;
  }
  int64_t old = grow(deltaPages);
  if (old < 0) type_.limits = saved;
  return old;
}

int64_t Memory::grow(uint64_t deltaPages) {
  const uint64_t oldPages = pages();
  uint64_t maxPages = limits::kMaxMemoryPages;
  if (type_.limits.hasMax && type_.limits.max < maxPages) maxPages = type_.limits.max;
  // Subtraction form: deltaPages may be anything up to 2^64-1.
  if (oldPages > maxPages || deltaPages > maxPages - oldPages) return -1;
  if (deltaPages == 0) return static_cast<int64_t>(oldPages);
  if (limits_ && !limits_->allowsGrowth(ResourceLimits::Kind::Memory, oldPages, oldPages + deltaPages)) return -1;

  const uint64_t newSize = (oldPages + deltaPages) * limits::kPageSize;
  if (newSize > reserved_) {
    // Only the last fallback gets here: the reservation is exactly the
    // mapped size. The kernel may move the mapping; the new tail is fresh
    // anonymous memory and therefore zero.
    void* p = mremap(base_, reserved_, newSize, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return -1;
    base_ = static_cast<uint8_t*>(p);
    reserved_ = newSize;
  }
  // Pages past the old size were never accessible, hence never written, so
  // they read as zero once opened up.
  if (!makeAccessible(base_ + size_, newSize - size_)) return -1;
  size_ = newSize;
  // As in the spec, the type tracks the current size, so that a grown memory
  // still matches imports that require the larger minimum.
  type_.limits.min = oldPages + deltaPages;
  return static_cast<int64_t>(oldPages);
}

}  // namespace strata
