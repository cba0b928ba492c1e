// Linear memory: growth rules, zero-filling, guard pages, and the fallback
// used when the address space is limited.
#include <cstring>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <functional>

#include "runtime/objects.h"

namespace strata {
namespace {

constexpr uint64_t kPage = limits::kPageSize;

MemoryType memType(uint64_t min, bool hasMax = false, uint64_t max = 0) {
  MemoryType t;
  t.limits.min = min;
  t.limits.hasMax = hasMax;
  t.limits.max = max;
  return t;
}

// Runs `body` in a forked child and returns its wait status. The child
// restores default signal handling first, so a fault kills it even if the
// runtime installed a trap handler in this process.
int runInChild(const std::function<int()>& body) {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

bool readFaults(const uint8_t* p) {
  int status = runInChild([p] {
    volatile const uint8_t* vp = p;
    (void)*vp;
    return 0;
  });
  return WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
}

bool writeFaults(uint8_t* p) {
  int status = runInChild([p] {
    volatile uint8_t* vp = p;
    *vp = 1;
    return 0;
  });
  return WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif

TEST(Memory, ZeroPageMemoryHasAValidBase) {
  auto mem = Memory::create(memType(0));
  ASSERT_NE(mem->base(), nullptr);
  EXPECT_EQ(mem->byteSize(), 0u);
  EXPECT_EQ(mem->pages(), 0u);
  EXPECT_TRUE(mem->guarded());
  EXPECT_TRUE(readFaults(mem->base()));
}

TEST(Memory, CreateCommitsTheMinimum) {
  auto mem = Memory::create(memType(2, true, 5));
  EXPECT_EQ(mem->byteSize(), 2 * kPage);
  EXPECT_EQ(mem->pages(), 2u);
  // Fresh memory reads as zero and is writable up to its last byte.
  for (uint64_t i = 0; i < mem->byteSize(); i += 4093) EXPECT_EQ(mem->base()[i], 0);
  mem->base()[mem->byteSize() - 1] = 0x5a;
  EXPECT_EQ(mem->base()[mem->byteSize() - 1], 0x5a);
}

TEST(Memory, GrowReturnsOldSizeAndRespectsMax) {
  auto mem = Memory::create(memType(1, true, 3));
  uint8_t* base = mem->base();
  EXPECT_EQ(mem->grow(0), 1);
  EXPECT_EQ(mem->grow(1), 1);
  EXPECT_EQ(mem->grow(1), 2);
  EXPECT_EQ(mem->pages(), 3u);
  EXPECT_EQ(mem->grow(1), -1);
  EXPECT_EQ(mem->grow(0), 3);
  EXPECT_EQ(mem->pages(), 3u);
  EXPECT_EQ(mem->base(), base) << "a guarded memory never moves";
  // The type tracks the current size, as import matching expects.
  EXPECT_EQ(mem->type().limits.min, 3u);
}

TEST(Memory, GrowRejectsHugeDeltasWithoutOverflow) {
  auto mem = Memory::create(memType(1));
  EXPECT_EQ(mem->grow(UINT64_MAX), -1);
  EXPECT_EQ(mem->grow(UINT64_MAX - 1), -1);
  EXPECT_EQ(mem->grow(uint64_t(1) << 48), -1);
  EXPECT_EQ(mem->grow(limits::kMaxMemoryPages), -1);  // 1 + 65536 pages
  EXPECT_EQ(mem->pages(), 1u);
}

TEST(Memory, GrowUpToTheWasm32Limit) {
  auto mem = Memory::create(memType(0));
  EXPECT_EQ(mem->grow(limits::kMaxMemoryPages), 0);
  EXPECT_EQ(mem->byteSize(), uint64_t(4) << 30);
  EXPECT_EQ(mem->grow(1), -1);
  // The last byte of a 4 GiB memory is usable.
  mem->base()[mem->byteSize() - 1] = 7;
  EXPECT_EQ(mem->base()[mem->byteSize() - 1], 7);
}

TEST(Memory, MaxAboveTheLimitIsClamped) {
  auto mem = Memory::create(memType(0, true, limits::kMaxMemoryPages + 10));
  EXPECT_EQ(mem->grow(limits::kMaxMemoryPages + 1), -1);
}

TEST(Memory, CreateRejectsImpossibleTypes) {
  EXPECT_THROW(Memory::create(memType(limits::kMaxMemoryPages + 1)), std::runtime_error);
  EXPECT_THROW(Memory::create(memType(3, true, 2)), std::runtime_error);
}

TEST(Memory, GrownPagesAreZeroAndOldContentsKept) {
  auto mem = Memory::create(memType(1, true, 4));
  for (uint64_t i = 0; i < kPage; ++i) mem->base()[i] = static_cast<uint8_t>(i * 7 + 1);
  ASSERT_EQ(mem->grow(2), 1);
  for (uint64_t i = 0; i < kPage; ++i) ASSERT_EQ(mem->base()[i], static_cast<uint8_t>(i * 7 + 1));
  for (uint64_t i = kPage; i < 3 * kPage; ++i) ASSERT_EQ(mem->base()[i], 0) << i;
}

TEST(Memory, BytesPastTheSizeAreInaccessible) {
  auto mem = Memory::create(memType(1, true, 2));
  ASSERT_TRUE(mem->guarded());
  uint8_t* base = mem->base();
  EXPECT_FALSE(writeFaults(base + kPage - 1));
  EXPECT_TRUE(readFaults(base + kPage));
  EXPECT_TRUE(writeFaults(base + kPage));
  // The farthest address a wasm32 access can form: u32 index + u32 offset.
  EXPECT_TRUE(readFaults(base + 0xffffffffull + 0xffffffffull));
  ASSERT_EQ(mem->grow(1), 1);
  EXPECT_FALSE(writeFaults(base + kPage));
  EXPECT_FALSE(writeFaults(base + 2 * kPage - 1));
  EXPECT_TRUE(readFaults(base + 2 * kPage));
}

// With RLIMIT_AS too small for the 8 GiB (and 4 GiB) reservations, create()
// must still succeed, unguarded, and growth must keep contents.
TEST(Memory, FallsBackWhenAddressSpaceIsLimited) {
  if (kAsan) GTEST_SKIP() << "AddressSanitizer's shadow memory does not fit under RLIMIT_AS";
  int status = runInChild([] {
    // The reservations earlier tests left in the pool count too.
    Memory::releasePooledReservations();
    // Leave room for what the process already maps, plus 2 GiB.
    unsigned long long vmPages = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%llu", &vmPages) != 1) vmPages = 0;
      std::fclose(f);
    }
    uint64_t limit = vmPages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) + (uint64_t(2) << 30);
    struct rlimit rl = {limit, limit};
    if (setrlimit(RLIMIT_AS, &rl) != 0) return 10;
    try {
      // No maximum: even 4 GiB cannot be reserved, so growth uses mremap.
      auto mem = Memory::create(memType(1));
      if (mem->guarded()) return 11;
      if (mem->base() == nullptr || mem->byteSize() != kPage) return 12;
      mem->base()[0] = 42;
      mem->base()[kPage - 1] = 43;
      if (mem->grow(3) != 1) return 13;
      if (mem->byteSize() != 4 * kPage) return 14;
      if (mem->base()[0] != 42 || mem->base()[kPage - 1] != 43) return 15;
      for (uint64_t i = kPage; i < 4 * kPage; ++i)
        if (mem->base()[i] != 0) return 16;
      mem->base()[4 * kPage - 1] = 1;
      // More than the address-space limit allows: fails cleanly.
      if (mem->grow(limits::kMaxMemoryPages - 4) != -1) return 17;
      if (mem->pages() != 4) return 18;

      // A declared maximum fits under the limit: reserved once, never moves.
      auto bounded = Memory::create(memType(0, true, 16));
      if (bounded->guarded() || bounded->base() == nullptr) return 20;
      uint8_t* base = bounded->base();
      if (bounded->grow(16) != 0 || bounded->base() != base) return 21;
      bounded->base()[16 * kPage - 1] = 9;
      if (bounded->grow(1) != -1) return 22;

      // A zero-page memory without a maximum still has a base, and grows.
      auto empty = Memory::create(memType(0));
      if (empty->guarded() || empty->base() == nullptr) return 30;
      if (empty->grow(1) != 0) return 31;
      empty->base()[kPage - 1] = 5;
      if (empty->base()[0] != 0) return 32;
    } catch (...) {
      return 40;
    }
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(status)) << "child died with signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "see the return codes in the test body";
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

// The host's growth past the maximum (the C API's app heap) raises the
// maximum by as much: the guest's own headroom is what it declared.
TEST(Memory, GrowWithMaximumKeepsTheGuestsHeadroom) {
  MemoryType t;
  t.limits = Limits{1, 2, true};
  auto m = Memory::create(t);
  EXPECT_EQ(m->growWithMaximum(3), 1);
  EXPECT_EQ(m->pages(), 4u);
  EXPECT_EQ(m->type().limits.max, 5u);
  EXPECT_EQ(m->grow(1), 4);   // the one page of headroom declared
  EXPECT_EQ(m->grow(1), -1);
  EXPECT_EQ(m->growWithMaximum(70000), -1);  // past 4 GiB: refused, limits unchanged
  EXPECT_EQ(m->type().limits.max, 5u);
}

// A dead guarded memory's reservation is reused by the next memory
// (memory.cpp's pool): the new memory sees zeros where the old one wrote,
// and its size is its own.
TEST(Memory, AReusedReservationStartsZeroed) {
  Memory::releasePooledReservations();
  uint8_t* oldBase;
  {
    auto mem = Memory::create(memType(2));
    if (!mem->guarded()) GTEST_SKIP() << "no guard reservation on this machine";
    std::memset(mem->base(), 0xab, 2 * kPage);
    ASSERT_EQ(mem->grow(2), 2);
    mem->base()[4 * kPage - 1] = 0xcd;
    oldBase = mem->base();
  }
  auto next = Memory::create(memType(1));
  ASSERT_TRUE(next->guarded());
  EXPECT_EQ(next->base(), oldBase);  // from the pool
  EXPECT_EQ(next->byteSize(), kPage);
  for (uint64_t i = 0; i < kPage; ++i) ASSERT_EQ(next->base()[i], 0) << i;
  ASSERT_EQ(next->grow(3), 1);
  for (uint64_t i = kPage; i < 4 * kPage; ++i) ASSERT_EQ(next->base()[i], 0) << i;
  EXPECT_EQ(Memory::releasePooledReservations(), 0u);  // the one pooled is in use
}

}  // namespace
}  // namespace strata
