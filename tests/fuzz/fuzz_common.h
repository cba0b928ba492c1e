// What the fuzz targets that take a wasm module share: decoding, resource
// bounds, stub imports, a time limit for guest code, and the tier set-up.
//
// A fuzz input must never make the process run out of memory or time for
// a reason that is not a bug: libFuzzer reports both (-rss_limit_mb,
// -timeout). Guest code may legitimately loop forever, recurse, or ask for
// 4 GiB of memory, so the harnesses bound what a module may take:
//   - memory and table sizes: a module whose minimum is above the bound is
//     skipped, and every maximum is lowered to the bound (memory.grow and
//     table.grow fail past it, as they may in any engine);
//   - time: guest code is stopped the way `strata run --timeout` stops it
//     (ExecEnv::requestInterrupt from a watchdog thread, with loop-header
//     interrupt checks in every tier: jit::Options::interruptibleLoops);
//   - call depth: the runtime's own limits turn deep recursion into the
//     trap "call stack exhausted".
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jit/jit.h"
#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "runtime/linker.h"
#include "runtime/objects.h"
#include "wasm/module.h"

namespace strata {
namespace fuzz {

// --- resource bounds ----------------------------------------------------------

constexpr uint64_t kMaxMemoryPages = 256;  // 16 MiB per memory
constexpr size_t kMaxMemories = 8;
constexpr uint64_t kMaxTableElements = uint64_t(1) << 16;
constexpr size_t kMaxTables = 16;
// Exported functions called per input (a module may export one function
// under thousands of names).
constexpr size_t kMaxCalls = 64;

// Milliseconds of guest code per input (per tier in the differential
// target), STRATA_FUZZ_DEADLINE_MS to change it when reproducing.
inline int deadlineMs() {
  static const int ms = [] {
    const char* s = std::getenv("STRATA_FUZZ_DEADLINE_MS");
    int v = s ? std::atoi(s) : 0;
    return v > 0 ? v : 100;
  }();
  return ms;
}

// STRATA_FUZZ_VERBOSE=1: the JIT says why it could not compile a function
// (jit::Options::stats), for reproducing a finding.
inline bool verbose() {
  static const bool v = std::getenv("STRATA_FUZZ_VERBOSE") != nullptr;
  return v;
}

// The decoded and validated module, or null when the input is not one.
// Nothing but DecodeError is expected: anything else escapes and is a crash.
inline std::shared_ptr<const Module> decode(const uint8_t* data, size_t size) {
  try {
    return decodeModule(std::vector<uint8_t>(data, data + size));
  } catch (const DecodeError&) {
    return nullptr;
  }
}

// A copy of `module` that cannot take more than the bounds above, or null
// when it needs more from the start (it is then not run at all).
inline std::shared_ptr<Module> bounded(const Module& module) {
  if (module.memories.size() > kMaxMemories || module.tables.size() > kMaxTables) return nullptr;
  auto copy = std::make_shared<Module>(module);
  auto clamp = [](Limits& limits, uint64_t bound) {
    if (limits.min > bound) return false;
    if (!limits.hasMax || limits.max > bound) {
      limits.max = bound;
      limits.hasMax = true;
    }
    return true;
  };
  // Imported memories and tables are in both lists: the index spaces and
  // the import declarations, which the stubs below are made from.
  for (MemoryType& t : copy->memories)
    if (!clamp(t.limits, kMaxMemoryPages)) return nullptr;
  for (TableType& t : copy->tables)
    if (!clamp(t.limits, kMaxTableElements)) return nullptr;
  for (Import& imp : copy->imports) {
    if (imp.kind == ExternKind::Memory && !clamp(imp.memory.limits, kMaxMemoryPages)) return nullptr;
    if (imp.kind == ExternKind::Table && !clamp(imp.table.limits, kMaxTableElements)) return nullptr;
  }
  return copy;
}

// The input as a module within those bounds, or null (it does not decode,
// or it asks for more than the bounds allow).
inline std::shared_ptr<Module> boundedModule(const uint8_t* data, size_t size) {
  std::shared_ptr<const Module> decoded = decode(data, size);
  return decoded ? bounded(*decoded) : nullptr;
}

// --- stub imports ---------------------------------------------------------------

// Every import gets a stand-in of its declared type: functions that return
// zeros or trap (chosen by a hash of the import's name, so the fuzzer can
// reach both), fresh memories and tables of the declared limits, zero
// globals, new tags. Imports whose zero value would break their type (a
// non-nullable reference) cannot be stubbed: such modules are skipped,
// since a host that hands out a null where the type forbids one is the
// harness's bug, not the runtime's.
class Stubs {
 public:
  // What a stub function saw, for the differential target: one line per
  // call ("env.f(i32:0x1 f64:nan)"). Null: nothing is recorded.
  std::vector<std::string>* calls = nullptr;

  // The stand-in for `imp`; false if it cannot have one.
  bool make(const Module& module, const Import& imp, Extern* out) {
    out->kind = imp.kind;
    switch (imp.kind) {
      case ExternKind::Func: {
        auto fn = std::make_unique<StubFunction>(*this, module.canonical(module.types[imp.typeIndex]), imp);
        out->func = makeHostFunction(fn->type, &StubFunction::call, fn.get());
        out->func->sigId = module.typeIds[imp.typeIndex];  // what the linker matches
        functions_.push_back(std::move(fn));
        return true;
      }
      case ExternKind::Memory:
        out->memory = Memory::create(imp.memory);  // bounded() lowered its limits
        return true;
      case ExternKind::Table: {
        TableType type = module.canonical(imp.table);
        if (!type.elem.nullable()) return false;
        out->table = std::make_shared<Table>(type, 0);
        return true;
      }
      case ExternKind::Global: {
        GlobalType type = module.canonical(imp.global);
        if (!type.type.defaultable()) return false;
        out->global = std::make_shared<GlobalCell>();
        out->global->type = type;
        return true;
      }
      case ExternKind::Tag:
        out->tag = std::make_shared<Tag>();
        out->tag->type = module.canonical(module.types[imp.typeIndex]);
        out->tag->sigId = module.typeIds[imp.typeIndex];
        return true;
    }
    return false;
  }

  // Stand-ins for all of the module's imports, in order; false if one
  // cannot have one.
  bool makeAll(const Module& module, std::vector<Extern>* out) {
    for (const Import& imp : module.imports) {
      Extern ext;
      if (!make(module, imp, &ext)) return false;
      out->push_back(std::move(ext));
    }
    return true;
  }

 private:
  struct StubFunction {
    StubFunction(Stubs& owner, FuncType type, const Import& imp)
        : owner(owner), type(std::move(type)), name(imp.module + "." + imp.name) {
      uint32_t h = 2166136261u;  // FNV-1a
      for (char c : name) h = (h ^ uint8_t(c)) * 16777619u;
      traps = (h & 1) != 0;
      for (ValType t : this->type.results) traps = traps || !t.defaultable();
    }
    static void call(void* env, Instance*, Slot* slots);
    Stubs& owner;
    FuncType type;
    std::string name;
    bool traps = false;
  };
  std::vector<std::unique_ptr<StubFunction>> functions_;
};

// A value as the differential target compares it: NaNs of either width
// made canonical (their payloads are not deterministic across tiers), a
// reference only as null or not.
inline uint64_t canonicalF64(uint64_t v) {
  bool nan = (v & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (v & 0xfffffffffffffull);
  return nan ? 0x7ff8000000000000ull : v;
}
inline uint32_t canonicalF32(uint32_t v) { return (v & 0x7f800000u) == 0x7f800000u && (v & 0x7fffffu) ? 0x7fc00000u : v; }
// A v128's lanes may be floats of either width: a 64-bit half that is an
// f64 NaN and each 32-bit quarter that is an f32 NaN become canonical (an
// integer lane with those bits does too, in every tier alike).
inline uint64_t canonicalV128Half(uint64_t v) {
  v = canonicalF64(v);
  return uint64_t(canonicalF32(uint32_t(v))) | (uint64_t(canonicalF32(uint32_t(v >> 32))) << 32);
}
// "i32:0x2a", "v128:0xHIGH:0xLOW", "funcref:nonnull"; `slots` holds the
// value (two slots for a v128).
inline std::string describeValue(ValType t, const Slot* slots) {
  char buf[96];
  if (t == ValType::V128)
    std::snprintf(buf, sizeof buf, "v128:0x%llx:0x%llx", (unsigned long long)canonicalV128Half(slots[1]),
                  (unsigned long long)canonicalV128Half(slots[0]));
  else if (t.isRef())
    std::snprintf(buf, sizeof buf, "%s:%s", valTypeName(t).c_str(), slots[0] ? "nonnull" : "null");
  else if (t == ValType::F32)
    std::snprintf(buf, sizeof buf, "f32:0x%x", canonicalF32(uint32_t(slots[0])));
  else if (t == ValType::F64)
    std::snprintf(buf, sizeof buf, "f64:0x%llx", (unsigned long long)canonicalF64(slots[0]));
  else if (t == ValType::I32)
    std::snprintf(buf, sizeof buf, "i32:0x%x", uint32_t(slots[0]));
  else
    std::snprintf(buf, sizeof buf, "%s:0x%llx", valTypeName(t).c_str(), (unsigned long long)slots[0]);
  return buf;
}
inline std::string describeValues(const std::vector<ValType>& types, const Slot* slots) {
  std::string out;
  for (ValType t : types) {
    out += (out.empty() ? "" : " ") + describeValue(t, slots);
    slots += slotWidth(t);
  }
  return out;
}

inline void Stubs::StubFunction::call(void* env, Instance*, Slot* slots) {
  auto* f = static_cast<StubFunction*>(env);
  if (f->owner.calls) f->owner.calls->push_back(f->name + "(" + describeValues(f->type.params, slots) + ")");
  if (f->traps) throw Trap("fuzz stub " + f->name + " trapped");
  for (uint32_t i = 0; i < f->type.resultSlots(); ++i) slots[i] = 0;
}

// The linker's view of the stubs (runtime/linker.h): every module name is a
// host module whose imports are stubbed, as an embedder's natives would be.
class StubResolver : public ImportResolver {
 public:
  explicit StubResolver(Stubs& stubs) : stubs_(stubs) {}
  bool providesModule(const std::string&) const override { return true; }
  bool resolve(const Module& importer, const Import& import, Extern* out, std::string* error) override {
    if (stubs_.make(importer, import, out)) return true;
    *error = "the fuzz harness cannot stub " + import.module + "." + import.name;
    return false;
  }

 private:
  Stubs& stubs_;
};

// Instances whose instantiation failed after their functions may have been
// stored in a stub table or global (Instance::Hooks::retainFailed): kept
// until the end of the input, when the stubs die too, instead of for the
// life of the process, which would grow with every such input.
struct FailedInstances {
  std::vector<std::shared_ptr<Instance>> kept;
  Instance::Hooks hooks() {
    Instance::Hooks h;
    h.retainFailed = [this](std::shared_ptr<Instance> i) { kept.push_back(std::move(i)); };
    return h;
  }
};

// --- exports to call ------------------------------------------------------------

// The exported functions that take only numbers or vectors, which the
// harness can call with zeros, in export order, at most kMaxCalls.
struct Callable {
  std::string name;
  Function* function;
};
inline std::vector<Callable> callableExports(Instance& instance) {
  std::vector<Callable> out;
  const Module& m = instance.module();
  for (const Export& e : m.exports) {
    if (e.kind != ExternKind::Func) continue;
    Function* f = instance.function(e.index);
    bool numeric = true;
    for (ValType t : f->type.params) numeric = numeric && !t.isRef();
    if (!numeric) continue;
    out.push_back({e.name, f});
    if (out.size() == kMaxCalls) break;
  }
  return out;
}

// --- time limit -----------------------------------------------------------------

// One watchdog thread for the process (a thread per input would cost more
// than most inputs): arm() before guest code runs, disarm() after; if the
// time runs out in between, it interrupts the env, and every tier traps
// "execution timed out" at its next function entry or loop header. After
// it fired the env stays interrupted until its outermost call returns, so
// a harness makes no further calls on it (fired() tells).
class Watchdog {
 public:
  static Watchdog& get() {
    static Watchdog* w = new Watchdog;  // never destroyed: its thread runs until exit
    return *w;
  }
  void arm(ExecEnv& env, int ms) {
    std::lock_guard<std::mutex> lock(mutex_);
    env_ = &env;
    fired_ = false;
    deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    cv_.notify_all();
  }
  // Returns whether it fired; after it returns it can no longer fire.
  bool disarm() {
    std::lock_guard<std::mutex> lock(mutex_);
    env_ = nullptr;
    return fired_;
  }
  bool fired() {
    std::lock_guard<std::mutex> lock(mutex_);
    return fired_;
  }

 private:
  Watchdog() { std::thread([this] { run(); }).detach(); }
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (!env_) {
        cv_.wait(lock);
        continue;
      }
      // Interrupting under the lock: disarm() cannot return while the
      // request is being made, so it never reaches an env that is gone.
      if (std::chrono::steady_clock::now() >= deadline_) {
        env_->requestInterrupt(ExecEnv::kTimedOut);
        fired_ = true;
        env_ = nullptr;
        continue;
      }
      cv_.wait_until(lock, deadline_);
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  ExecEnv* env_ = nullptr;
  bool fired_ = false;
  std::chrono::steady_clock::time_point deadline_;
};

// Arms the watchdog for a scope.
class TimeLimit {
 public:
  TimeLimit(ExecEnv& env, int ms) { Watchdog::get().arm(env, ms); }
  ~TimeLimit() { Watchdog::get().disarm(); }
  bool expired() const { return Watchdog::get().fired(); }
};

// --- tiers ----------------------------------------------------------------------

// How guest code runs, as `strata run --tier=...` would run it with
// --timeout (interrupt checks at loop headers). Tiered has everything hot
// almost at once and compiles on the spot (no background threads): calls
// count 1 and loop iterations 2 towards both thresholds, so loops move
// interpreter -> baseline -> optimized code by OSR within a few iterations,
// as in jit/difftest.
inline void configure(jit::Mode mode) {
  jit::Options options;
  options.mode = mode;
  options.interruptibleLoops = true;
  options.stats = verbose();
  options.threads = 0;
  if (mode == jit::Mode::Tiered) {
    options.threshold = 2;
    options.optimizeThreshold = 2;
  }
  jit::configure(options);
}

}  // namespace fuzz
}  // namespace strata
