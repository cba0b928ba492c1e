// Fuzz target: decode, link and instantiate a module, then destroy it.
//
// Instantiation goes through the linker as the C API's
// wasm_runtime_instantiate does (ModuleRegistry load-time checks, then an
// InstanceGroup), with every import resolved to a stub of its declared
// type (fuzz_common.h: functions that return zeros or trap). Globals,
// tables, memories, element and data segments are initialised and the
// start function runs, in the interpreter, for at most deadlineMs()
// milliseconds. Expected outcomes are an instance, a LinkError or a Trap;
// any other exception, a sanitizer report, a leak or a hang is a bug.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  static const bool configured = (fuzz::configure(jit::Mode::Interp), true);
  (void)configured;
  std::shared_ptr<Module> module = fuzz::boundedModule(data, size);
  if (!module) return 0;

  // Declared in the order that destroys the instances first, then what they
  // import, then the registry holding the module.
  fuzz::Stubs stubs;
  fuzz::StubResolver resolver(stubs);
  ModuleRegistry registry;
  registry.addResolver(&resolver);
  // No module is loaded from anywhere: every name is a host module above.
  registry.setReader([](const std::string&, ModuleBytes*, std::string*) { return false; });
  std::string error;
  ModuleNode* root = registry.loadRoot(module, "fuzz", &error);
  if (!root) return 0;  // a stub that cannot be made, or a link check failed
  {
    ExecEnv env;
    std::shared_ptr<InstanceGroup> group;
    try {
      fuzz::TimeLimit limit(env, fuzz::deadlineMs());
      group = InstanceGroup::instantiate(registry, root, env, InstanceGroup::Options());
    } catch (const LinkError&) {
    } catch (const Trap&) {  // a segment out of bounds, or the start function trapped or timed out
    }
  }
  registry.releaseRoot(root);
  return 0;
}
