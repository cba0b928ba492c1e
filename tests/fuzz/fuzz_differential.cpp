// Fuzz target: the same module run in the interpreter and in each JIT
// configuration, with the outcomes compared.
//
// Like jit/difftest/jit_difftest.cpp (whose comparison lives in that
// program's anonymous namespace, so it is written again here, on the
// helpers of fuzz_common.h), each run is a fresh instance whose exports
// that take only numbers or vectors are called with zeros, in order:
//   interp       the reference
//   baseline     every function compiled by the baseline compiler
//   optimizing   every function compiled by the optimizing compiler
//   tiered       everything hot almost at once: functions and running
//                loops move up the tiers by OSR within a few iterations
// Compared: how instantiation ended, each call's results or trap message,
// the arguments every stub import was called with (in order), and at the
// end every global and every memory's size and bytes. NaNs compare as NaNs
// (payloads are not deterministic): in results, arguments and globals
// through fuzz_common.h's canonical forms, in memory by accepting a
// differing byte that lies in a 4- or 8-byte float that is a NaN in both.
// References compare only as null or not (their addresses differ by
// instance).
//
// Where the tiers may legitimately part, nothing after is compared: a call
// that timed out (deadlineMs() per run) or trapped with "call stack
// exhausted" (each tier's stack holds a different number of frames) ends
// the comparison there, and then the final state is not compared either.
// A difference is reported with both transcripts and aborts (a crash to
// libFuzzer); STRATA_FUZZ_VERBOSE=1 prints the interpreter's transcript of
// every input.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fuzz_common.h"

namespace strata {
namespace {

struct CallRecord {
  std::string name;                    // the export, or "(instantiate)"
  std::vector<std::string> stubCalls;  // made during this call
  std::string outcome;                 // "-> i32:0x1 f64:0x0", "trap: ...", "link error: ..."
  bool cut = false;                    // the tiers may part here: see above
};

struct Run {
  std::vector<CallRecord> calls;
  bool cut = false;
  std::vector<std::string> globals;
  std::vector<std::vector<uint8_t>> memories;
};

bool incomparable(const Trap& t) {
  return std::strcmp(t.what(), "call stack exhausted") == 0 ||
         std::strcmp(t.what(), ExecEnv::interruptMessage(ExecEnv::kTimedOut)) == 0;
}

Run runIn(const std::shared_ptr<const Module>& module, jit::Mode mode) {
  fuzz::configure(mode);
  Run run;
  std::vector<std::string> stubCalls;
  fuzz::Stubs stubs;
  stubs.calls = &stubCalls;
  std::vector<Extern> imports;
  stubs.makeAll(*module, &imports);  // the caller checked that it can
  fuzz::FailedInstances failed;
  ExecEnv env;
  fuzz::TimeLimit limit(env, fuzz::deadlineMs());
  std::shared_ptr<Instance> instance;
  CallRecord start{"(instantiate)", {}, "ok"};
  try {
    instance = Instance::instantiate(module, std::move(imports), env, failed.hooks());
  } catch (const LinkError& e) {
    start.outcome = std::string("link error: ") + e.what();
  } catch (const Trap& e) {
    start.outcome = std::string("trap: ") + e.what();
    start.cut = incomparable(e);
  }
  start.stubCalls.swap(stubCalls);
  run.cut = start.cut;
  run.calls.push_back(std::move(start));
  if (!instance || run.cut) return run;

  for (const fuzz::Callable& c : fuzz::callableExports(*instance)) {
    CallRecord record{c.name, {}, ""};
    std::vector<Slot> args(c.function->type.paramSlots(), 0);
    try {
      std::vector<Slot> results = env.call(c.function, args);
      record.outcome = "-> " + fuzz::describeValues(c.function->type.results, results.data());
    } catch (const Trap& e) {
      record.outcome = std::string("trap: ") + e.what();
      record.cut = incomparable(e);
    }
    record.stubCalls.swap(stubCalls);
    run.cut = record.cut;
    run.calls.push_back(std::move(record));
    if (run.cut) return run;
  }
  for (uint32_t i = 0; i < module->globalTypes.size(); ++i) {
    GlobalCell* g = instance->global(i);
    Slot slots[2] = {g->value, g->high};
    run.globals.push_back(fuzz::describeValue(g->type.type, slots));
  }
  for (size_t i = 0; i < instance->numMemories(); ++i) {
    Memory* m = instance->memory(i);
    run.memories.emplace_back(m->base(), m->base() + m->byteSize());
  }
  return run;
}

bool isNan(const std::vector<uint8_t>& m, size_t at, size_t width) {
  if (width == 4) {
    uint32_t v;
    std::memcpy(&v, &m[at], 4);
    return (v & 0x7f800000u) == 0x7f800000u && (v & 0x7fffffu);
  }
  uint64_t v;
  std::memcpy(&v, &m[at], 8);
  return (v & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (v & 0xfffffffffffffull);
}

// Equal, or every differing byte lies in a float that is a NaN on both
// sides (at any alignment: a store may be unaligned).
bool sameMemory(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b, size_t* firstDiff) {
  if (a.size() != b.size()) {
    *firstDiff = std::min(a.size(), b.size());
    return false;
  }
  if (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0) return true;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    bool nan = false;
    for (size_t width : {size_t(4), size_t(8)})
      for (size_t at = i >= width - 1 ? i - (width - 1) : 0; !nan && at <= i && at + width <= a.size(); ++at)
        nan = isNan(a, at, width) && isNan(b, at, width);
    if (!nan) {
      *firstDiff = i;
      return false;
    }
  }
  return true;
}

std::string transcript(const Run& run, size_t calls) {
  std::string out;
  for (size_t i = 0; i < calls && i < run.calls.size(); ++i) {
    const CallRecord& r = run.calls[i];
    out += "  " + r.name + ": " + r.outcome + (r.cut ? " (not compared)" : "") + "\n";
    for (const std::string& s : r.stubCalls) out += "      calls " + s + "\n";
  }
  return out;
}

[[noreturn]] void differ(const Run& ref, const Run& other, jit::Mode mode, size_t calls, const std::string& what) {
  std::fprintf(stderr, "differential: interp and %s differ: %s\n--- interp\n%s--- %s\n%s", jit::modeName(mode),
               what.c_str(), transcript(ref, calls).c_str(), jit::modeName(mode), transcript(other, calls).c_str());
  std::abort();
}

void compare(const Run& ref, const Run& other, jit::Mode mode) {
  size_t n = std::min(ref.calls.size(), other.calls.size());
  for (size_t i = 0; i < n; ++i) {
    const CallRecord& a = ref.calls[i];
    const CallRecord& b = other.calls[i];
    if (a.cut || b.cut) return;  // a limit was hit: the tiers may part from here on
    if (a.stubCalls != b.stubCalls) differ(ref, other, mode, i + 1, "the imports called in " + a.name);
    if (a.outcome != b.outcome) differ(ref, other, mode, i + 1, "the outcome of " + a.name);
  }
  if (ref.calls.size() != other.calls.size()) differ(ref, other, mode, n + 1, "the number of calls");
  for (size_t i = 0; i < ref.globals.size(); ++i)
    if (ref.globals[i] != other.globals[i])
      differ(ref, other, mode, n, "global " + std::to_string(i) + ": " + ref.globals[i] + " vs " + other.globals[i]);
  for (size_t i = 0; i < ref.memories.size(); ++i) {
    size_t at = 0;
    if (!sameMemory(ref.memories[i], other.memories[i], &at))
      differ(ref, other, mode, n,
             "memory " + std::to_string(i) + " (" + std::to_string(ref.memories[i].size()) + " vs " +
                 std::to_string(other.memories[i].size()) + " bytes; first difference at byte " + std::to_string(at) + ")");
  }
}

}  // namespace
}  // namespace strata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  std::shared_ptr<Module> module = fuzz::boundedModule(data, size);
  if (!module) return 0;
  {
    fuzz::Stubs stubs;
    std::vector<Extern> imports;
    if (!stubs.makeAll(*module, &imports)) return 0;
  }
  Run ref = runIn(module, jit::Mode::Interp);
  if (fuzz::verbose()) std::fprintf(stderr, "--- interp\n%s", transcript(ref, ref.calls.size()).c_str());
  for (jit::Mode mode : {jit::Mode::Baseline, jit::Mode::Optimizing, jit::Mode::Tiered})
    compare(ref, runIn(module, mode), mode);
  return 0;
}
