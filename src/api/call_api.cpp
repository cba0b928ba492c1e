// The embedding C API (include/wasm_export.h): calls into wasm (argv
// cells, wasm_val_t arrays and varargs, tables, entry points), exceptions
// and termination, and the call stack of the last trap.
#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "api/wasm_export_internal.h"
#include "jit/jit.h"
#include "api/val_layouts.h"  // after wasm_export.h (wasm_export_internal.h), whose wasm_val_t it checks
#include "runtime/value_text.h"
#include "wasi/wasi.h"

using namespace strata;
using namespace strata::capi;

// ---------------------------------------------------------------- calls

namespace strata {
namespace capi {

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
  // A terminate request that found this env idle stays pending on it
  // (ExecEnv::requestInterrupt) and is stale once the exception has been
  // cleared. Dropped before the flag is read: terminate sets the flag
  // before it requests, so a live request dropped here shows as the flag.
  // Not inside a running call (a native calling back in), whose request
  // is its caller's.
  uint32_t terminateRequest = ExecEnv::kTerminated;
  if (ee->env->nativeDepth == 0)
    ee->env->interrupt.compare_exchange_strong(terminateRequest, ExecEnv::kNoInterrupt);
  if (owner && owner->terminated.load(std::memory_order_seq_cst)) {
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

}  // namespace capi
}  // namespace strata

namespace {

// 32-bit cells of a value in WAMR's argv arrays: a v128 takes four.
uint32_t cellsOf(ValType t) {
  if (t == ValType::V128) return 4;
  return (t == ValType::I32 || t == ValType::F32) ? 1 : 2;
}

bool hasV128(const FuncType& t) {
  return std::count(t.params.begin(), t.params.end(), ValType::V128) ||
         std::count(t.results.begin(), t.results.end(), ValType::V128);
}

// "an externref", "a funcref": the argument errors of call_wasm_a.
std::string withArticle(const std::string& name) {
  return (std::strchr("aeiou", name[0]) ? "an " : "a ") + name;
}

// The arguments of call_wasm_v as values, one C vararg per parameter.
bool callWasmV(wasm_exec_env_t exec_env, wasm_function_inst_t function, uint32_t num_results, wasm_val_t results[],
               uint32_t num_args, va_list list) {
  auto* f = static_cast<Function*>(function);
  if (num_args != f->type.params.size())  // call_wasm_a words the error
    return wasm_runtime_call_wasm_a(exec_env, function, num_results, results, num_args, nullptr);
  std::vector<wasm_val_t> args(num_args);
  for (uint32_t i = 0; i < num_args; ++i) {
    wasm_val_t& v = args[i];
    switch (f->type.params[i].kind()) {
      case ValKind::I32: v.kind = WASM_I32; v.of.i32 = va_arg(list, int32_t); break;
      case ValKind::I64: v.kind = WASM_I64; v.of.i64 = va_arg(list, int64_t); break;
      case ValKind::F32: v.kind = WASM_F32; v.of.f32 = float(va_arg(list, double)); break;
      case ValKind::F64: v.kind = WASM_F64; v.of.f64 = va_arg(list, double); break;
      case ValKind::FuncRef: v.kind = WASM_FUNCREF; v.of.ref = va_arg(list, wasm_ref_t*); break;
      case ValKind::ExternRef: v.kind = WASM_EXTERNREF; v.of.foreign = va_arg(list, uintptr_t); break;
      default:
        if (WASMModuleInstanceCommon* inst = exec_env->moduleInst)
          inst->exception = "argument " + std::to_string(i) + ": v128 cannot be passed as a vararg";
        return false;
    }
  }
  return wasm_runtime_call_wasm_a(exec_env, function, num_results, results, num_args, args.data());
}

// What the entry points for wasm.h's wasm_val_t refuse: its values have no
// room for a v128.
bool refuseV128(wasm_exec_env_t exec_env, const Function* f) {
  if (!hasV128(f->type)) return false;
  if (WASMModuleInstanceCommon* inst = exec_env->moduleInst)
    inst->exception =
        "a function with v128 parameters or results needs wasm_export.h's wasm_val_t, and this caller's is "
        "wasm.h's (it included wasm.h first)";
  return true;
}

}  // namespace

extern "C" {

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
      case ValKind::ExternRef:
        // A host value, as in WAMR (WASM_ANYREF is the same kind).
        if (v.kind != WASM_EXTERNREF) return fail("argument " + std::to_string(i) + " is not an externref");
        *slot = v.of.foreign;
        if (!referenceFits(*slot, t)) return fail("argument " + std::to_string(i) + " is not " + withArticle(valTypeName(t)));
        break;
      case ValKind::FuncRef:
        if (v.kind != WASM_FUNCREF) return fail("argument " + std::to_string(i) + " is not a funcref");
        *slot = reinterpret_cast<uintptr_t>(v.of.ref);
        if (!referenceFits(*slot, t)) return fail("argument " + std::to_string(i) + " is not " + withArticle(valTypeName(t)));
        break;
      default:  // exnref: a host cannot make one (referenceFits says no)
        *slot = reinterpret_cast<uintptr_t>(v.of.ref);
        if (!referenceFits(*slot, t)) return fail("argument " + std::to_string(i) + " is not " + withArticle(valTypeName(t)));
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
      case ValKind::FuncRef: r.kind = WASM_FUNCREF; r.of.ref = reinterpret_cast<wasm_ref_t*>(static_cast<uintptr_t>(value)); break;
      default: r.kind = WASM_EXTERNREF; r.of.foreign = static_cast<uintptr_t>(value);
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
  if (!module_inst) return nullptr;
  if (module_inst->exception.empty()) {
    // Terminated while no call ran on this thread: wasm_runtime_terminate
    // only sets the flag (it may run on any thread; the string is this
    // thread's).
    WASMModuleInstanceCommon* root = rootOf(module_inst);
    if (!root || !root->terminated.load(std::memory_order_acquire)) return nullptr;
    module_inst->exceptionText = std::string("Exception: ") + ExecEnv::interruptMessage(ExecEnv::kTerminated);
    return module_inst->exceptionText.c_str();
  }
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
  root->terminated.store(true, std::memory_order_seq_cst);
  for (WASMExecEnv* ee : gRuntime->envs)
    if (rootOf(ee->moduleInst) == root) ee->env->requestInterrupt(ExecEnv::kTerminated);
}

void wasm_runtime_set_instruction_count_limit(wasm_exec_env_t exec_env, int instruction_count) {
  if (!exec_env) return;
  if (instruction_count < 0) {
    exec_env->env->fuel = ExecEnv::kUnlimitedFuel;
    return;
  }
  jit::Options options = jit::options();
  if (!options.meterFuel) {
    std::lock_guard<std::recursive_mutex> lock(gMutex);
    options.meterFuel = true;
    jit::shutdown();  // no background compile reads the options while they change
    jit::configure(options);
  }
  exec_env->env->fuel = instruction_count;
}

uint64_t strata_runtime_increment_epoch(void) { return ExecEnv::incrementEpoch(); }

void strata_runtime_set_epoch_deadline(wasm_exec_env_t exec_env, uint64_t ticks_beyond_current) {
  if (exec_env) exec_env->env->setEpochDeadline(ticks_beyond_current);
}

void strata_runtime_clear_epoch_deadline(wasm_exec_env_t exec_env) {
  if (exec_env) exec_env->env->clearEpochDeadline();
}

bool wasm_runtime_call_wasm_v(wasm_exec_env_t exec_env, wasm_function_inst_t function, uint32_t num_results,
                              wasm_val_t results[], uint32_t num_args, ...) {
  if (!exec_env || !function) return false;
  va_list list;
  va_start(list, num_args);
  bool ok = callWasmV(exec_env, function, num_results, results, num_args, list);
  va_end(list);
  return ok;
}

// The same two calls for a caller whose wasm_val_t is wasm.h's (it included
// wasm.h before wasm_export.h, which renames them to these): its arrays are
// converted to and from this file's layout around the calls above. No
// header declares them here, so they are marked for export themselves.
WASM_RUNTIME_API_EXTERN bool strata_runtime_call_wasm_a_wasm_c_api_val(wasm_exec_env_t exec_env, wasm_function_inst_t function,
                                               uint32_t num_results, CApiVal results[], uint32_t num_args,
                                               CApiVal* args) {
  if (!exec_env || !function || !exec_env->env) return false;
  if (refuseV128(exec_env, static_cast<Function*>(function))) return false;
  std::vector<wasm_val_t> wideArgs(num_args), wideResults(num_results);
  for (uint32_t i = 0; args && i < num_args; ++i) wideArgs[i] = convertVal<wasm_val_t>(args[i]);
  if (!wasm_runtime_call_wasm_a(exec_env, function, num_results, wideResults.data(), num_args,
                                args ? wideArgs.data() : nullptr))
    return false;
  for (uint32_t i = 0; i < num_results; ++i) results[i] = convertVal<CApiVal>(wideResults[i]);
  return true;
}

WASM_RUNTIME_API_EXTERN bool strata_runtime_call_wasm_v_wasm_c_api_val(wasm_exec_env_t exec_env, wasm_function_inst_t function,
                                               uint32_t num_results, CApiVal results[], uint32_t num_args, ...) {
  if (!exec_env || !function) return false;
  if (refuseV128(exec_env, static_cast<Function*>(function))) return false;
  std::vector<wasm_val_t> wideResults(num_results);
  va_list list;
  va_start(list, num_args);
  bool ok = callWasmV(exec_env, function, num_results, wideResults.data(), num_args, list);
  va_end(list);
  for (uint32_t i = 0; ok && i < num_results; ++i) results[i] = convertVal<CApiVal>(wideResults[i]);
  return ok;
}

bool wasm_runtime_call_indirect(wasm_exec_env_t exec_env, uint32_t element_index, uint32_t argc, uint32_t argv[]) {
  WASMModuleInstanceCommon* h = exec_env ? exec_env->moduleInst.load() : nullptr;
  if (!h || !h->inst) return false;
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
