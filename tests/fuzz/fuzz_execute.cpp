// Fuzz target: instantiate a module and call its exports, in the
// interpreter.
//
// Every exported function that takes only numbers or vectors is called with
// zeros, in export order (fuzz_common.h: callableExports), on one instance
// whose imports are stubs. The whole input gets deadlineMs() milliseconds
// of guest code (start function included): when they run out the watchdog
// interrupts the running code as `strata run --timeout` does, and no
// further export is called. Traps are expected outcomes; any other
// exception, a sanitizer report, a leak or a hang is a bug.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  static const bool configured = (fuzz::configure(jit::Mode::Interp), true);
  (void)configured;
  std::shared_ptr<Module> module = fuzz::boundedModule(data, size);
  if (!module) return 0;

  fuzz::Stubs stubs;
  std::vector<Extern> imports;
  if (!stubs.makeAll(*module, &imports)) return 0;
  fuzz::FailedInstances failed;
  ExecEnv env;
  fuzz::TimeLimit limit(env, fuzz::deadlineMs());
  std::shared_ptr<Instance> instance;
  try {
    instance = Instance::instantiate(module, std::move(imports), env, failed.hooks());
  } catch (const LinkError&) {
    return 0;
  } catch (const Trap&) {
    return 0;
  }
  for (const fuzz::Callable& c : fuzz::callableExports(*instance)) {
    if (limit.expired()) break;
    std::vector<Slot> args(c.function->type.paramSlots(), 0);
    try {
      env.call(c.function, args);
    } catch (const Trap&) {
    }
  }
  return 0;
}
