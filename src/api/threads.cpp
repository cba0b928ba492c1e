// WAMR's thread API (wasm_runtime_spawn_exec_env, spawn_thread, join_thread)
// on top of the public exec env functions: one pthread per spawned thread,
// running the callback with an exec env of its own.
#include <pthread.h>

#include <atomic>
#include <new>

#include "jit/jit.h"
#include "wasm_export.h"

namespace {

thread_local bool tThreadEnvInited = false;

std::atomic<uint32_t> gMaxThreads{4};  // WAMR's CLUSTER_MAX_THREAD_NUM default
std::atomic<uint32_t> gRunning{0};

struct ThreadStart {
  wasm_exec_env_t env;
  wasm_thread_callback_t callback;
  void* arg;
};

void* threadMain(void* p) {
  ThreadStart start = *static_cast<ThreadStart*>(p);
  delete static_cast<ThreadStart*>(p);
  void* result = start.callback(start.env, start.arg);
  wasm_runtime_destroy_spawned_exec_env(start.env);
  gRunning.fetch_sub(1);
  return result;
}

}  // namespace

void wasm_runtime_set_max_thread_num(uint32_t num) { gMaxThreads.store(num); }

wasm_exec_env_t wasm_runtime_spawn_exec_env(wasm_exec_env_t exec_env) {
  wasm_module_inst_t inst = exec_env ? wasm_runtime_get_module_inst(exec_env) : nullptr;
  return inst ? wasm_runtime_create_exec_env(inst, 0) : nullptr;
}

void wasm_runtime_destroy_spawned_exec_env(wasm_exec_env_t exec_env) { wasm_runtime_destroy_exec_env(exec_env); }

int32_t wasm_runtime_spawn_thread(wasm_exec_env_t exec_env, wasm_thread_t* tid, wasm_thread_callback_t callback,
                                  void* arg) {
  if (!exec_env || !tid || !callback) return -1;
  // Count the thread before it exists, so that concurrent spawns cannot
  // pass the limit together.
  if (gRunning.fetch_add(1) >= gMaxThreads.load()) {
    gRunning.fetch_sub(1);
    return -1;
  }
  wasm_exec_env_t env = wasm_runtime_spawn_exec_env(exec_env);
  auto* start = env ? new (std::nothrow) ThreadStart{env, callback, arg} : nullptr;
  pthread_t thread;
  if (!start || pthread_create(&thread, nullptr, threadMain, start) != 0) {
    delete start;
    if (env) wasm_runtime_destroy_spawned_exec_env(env);
    gRunning.fetch_sub(1);
    return -1;
  }
  *tid = wasm_thread_t(thread);
  return 0;
}

int32_t wasm_runtime_join_thread(wasm_thread_t tid, void** retval) {
  return pthread_join(pthread_t(tid), retval) == 0 ? 0 : -1;
}

bool wasm_runtime_init_thread_env(void) {
  (void)strata::jit::threadContext();  // the thread's stack bounds, read now
  tThreadEnvInited = true;
  return true;
}

void wasm_runtime_destroy_thread_env(void) { tThreadEnvInited = false; }

bool wasm_runtime_thread_env_inited(void) { return tThreadEnvInited; }
