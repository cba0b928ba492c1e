#include "runtime/exec_env.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "wasm/module.h"

namespace strata {

void interpretFunction(ExecEnv& env, Function* fn, Slot* fp);

ExecEnv::ExecEnv(uint32_t stackBytes)
    : frames_(new CallFrame[kMaxCallDepth]), stack_(), stackSlots_(std::max<uint32_t>(stackBytes / sizeof(Slot), 64)) {
  stack_.reset(new Slot[stackSlots_]);
  stackTop = stack_.get();
}

namespace {

// Restores the env's bookkeeping however the call ends (return or trap), so
// the env stays usable after a trap.
thread_local ExecEnv* tCurrentEnv = nullptr;

class CallScope {
 public:
  explicit CallScope(ExecEnv& env)
      : env_(env), top_(env.stackTop), depth_(env.callDepth), native_(env.nativeDepth), outer_(tCurrentEnv) {
    ++env.nativeDepth;
    tCurrentEnv = &env;
  }
  ~CallScope() {
    env_.stackTop = top_;
    env_.callDepth = depth_;
    env_.nativeDepth = native_;
    tCurrentEnv = outer_;
    if (native_ == 0) env_.interrupt.store(ExecEnv::kNoInterrupt, std::memory_order_relaxed);
  }

 private:
  ExecEnv& env_;
  Slot* top_;
  uint32_t depth_;
  uint32_t native_;
  ExecEnv* outer_;
};

bool is32Bit(ValType t) { return t == ValType::I32 || t == ValType::F32; }

// Host -> wasm re-entries nest interpreter frames on the native stack, and
// an interpreter frame is large (its handlers' temporaries; several times
// larger under sanitizers). Besides counting them (kMaxNativeDepth), a call
// needs this much of the thread's stack left, so a thread with a small
// stack (or a sanitizer build) traps instead of overflowing. An interpreter
// frame takes about 1 KiB in a release build, tens of KiB with ASan.
#if defined(__SANITIZE_ADDRESS__)
constexpr uintptr_t kNativeStackReserve = 512 * 1024;
#else
constexpr uintptr_t kNativeStackReserve = 64 * 1024;
#endif

// The lowest usable address of this thread's stack (0 if unknown).
uintptr_t nativeStackLow() {
  static thread_local uintptr_t low = [] {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return uintptr_t(0);
    void* addr = nullptr;
    size_t size = 0;
    int rc = pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    return rc == 0 ? uintptr_t(addr) : uintptr_t(0);
  }();
  return low;
}

bool nativeStackExhausted() {
  uintptr_t low = nativeStackLow();
  uintptr_t here = uintptr_t(__builtin_frame_address(0));
  return low != 0 && here < low + kNativeStackReserve;
}

}  // namespace

namespace {
std::atomic<ExecEnv::InterruptHook> gInterruptHook{nullptr};
}  // namespace

void ExecEnv::setInterruptHook(InterruptHook hook) { gInterruptHook.store(hook, std::memory_order_release); }

void ExecEnv::requestInterrupt(InterruptReason reason) {
  interrupt.store(reason, std::memory_order_seq_cst);
  if (InterruptHook hook = gInterruptHook.load(std::memory_order_acquire)) hook(*this);
  // After the store: a host call that made its eventfd before it checked
  // `interrupt` and saw none is woken here.
  int fd = interruptFd_.load(std::memory_order_seq_cst);
  if (fd >= 0) {
    uint64_t one = 1;
    ssize_t n = ::write(fd, &one, sizeof one);
    (void)n;  // a full counter already wakes the waiter
  }
}

int ExecEnv::interruptFd() {
  int fd = interruptFd_.load(std::memory_order_seq_cst);
  if (fd < 0) {
    fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    interruptFd_.store(fd, std::memory_order_seq_cst);
  }
  return fd;
}

void ExecEnv::drainInterruptFd() {
  int fd = interruptFd_.load(std::memory_order_seq_cst);
  uint64_t count;
  if (fd >= 0) while (::read(fd, &count, sizeof count) > 0) {}
}

ExecEnv* ExecEnv::current() { return tCurrentEnv; }

// --- epoch deadlines ---

namespace {
struct EpochState {
  std::mutex mutex;
  std::atomic<uint64_t> epoch{0};
  std::unordered_map<ExecEnv*, uint64_t> deadlines;  // absolute epochs
};
EpochState& epochState() {
  static EpochState* state = new EpochState;  // outlives static ExecEnvs
  return *state;
}
}  // namespace

uint64_t ExecEnv::currentEpoch() { return epochState().epoch.load(std::memory_order_acquire); }

uint64_t ExecEnv::incrementEpoch() {
  EpochState& s = epochState();
  std::lock_guard<std::mutex> lock(s.mutex);
  uint64_t now = s.epoch.fetch_add(1, std::memory_order_acq_rel) + 1;
  for (auto it = s.deadlines.begin(); it != s.deadlines.end();) {
    if (it->second <= now) {
      it->first->requestInterrupt(kTimedOut);
      it = s.deadlines.erase(it);
    } else {
      ++it;
    }
  }
  return now;
}

void ExecEnv::setEpochDeadline(uint64_t ticksBeyondCurrent) {
  EpochState& s = epochState();
  std::lock_guard<std::mutex> lock(s.mutex);
  uint64_t now = s.epoch.load(std::memory_order_acquire);
  uint64_t deadline = ticksBeyondCurrent > UINT64_MAX - now ? UINT64_MAX : now + ticksBeyondCurrent;
  if (deadline <= now) {
    // Already reached (0 ticks): as if the increment had just come.
    s.deadlines.erase(this);
    requestInterrupt(kTimedOut);
    return;
  }
  s.deadlines[this] = deadline;
}

void ExecEnv::clearEpochDeadline() {
  EpochState& s = epochState();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.deadlines.erase(this);
}

ExecEnv::~ExecEnv() {
  clearEpochDeadline();
  if (int fd = interruptFd_.load(); fd >= 0) ::close(fd);
}

const char* ExecEnv::interruptMessage(uint32_t reason) {
  switch (reason) {
    case kTerminated: return "terminated by user";
    case kTimedOut: return "execution timed out";
    default: return "interrupted";
  }
}

void ExecEnv::call(Function* f, Slot* slots) {
  const size_t params = f->type.paramSlots();
  const size_t results = f->type.resultSlots();
  if (f->isHost()) {
    f->host(f->hostEnv, nullptr, slots);
  } else {
    if (nativeDepth >= kMaxNativeDepth || nativeStackExhausted()) throw Trap("call stack exhausted");
    Slot* fp = stackTop;
    if (fp + std::max(params, results) > stackLimit()) throw Trap("call stack exhausted");
    CallScope scope(*this);
    checkInterrupt();  // requested before the call began
    std::copy(slots, slots + params, fp);
    try {
      interpretFunction(*this, f, fp);
    } catch (const DecodeError& e) {
      // Bodies were validated at load; a failure here is our bug, reported
      // as a trap rather than a crash.
      throw Trap("internal error translating function: " + e.message);
    }
    std::copy(fp, fp + results, slots);
  }
  uint32_t at = 0;
  for (ValType t : f->type.results) {
    if (is32Bit(t)) slots[at] &= 0xffffffffu;
    at += slotWidth(t);
  }
}

std::vector<Slot> ExecEnv::call(Function* f, const std::vector<Slot>& args) {
  if (args.size() != f->type.paramSlots()) throw Trap("wrong number of arguments");
  std::vector<Slot> slots(f->type.callSlots());
  std::copy(args.begin(), args.end(), slots.begin());
  call(f, slots.data());
  slots.resize(f->type.resultSlots());
  return slots;
}

}  // namespace strata
