// The embedding C API (include/wasm_export.h): WASI. The arguments of
// wasm_runtime_set_wasi_args(_ex), the contexts made from them at each
// instantiation (the resolver of WASI imports asks for them), and what an
// embedder can ask of a WASI instance.
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/wasm_export_internal.h"
#include "wasi/wasi.h"
#include "wasi/wasi_resolver.h"

using namespace strata;
using namespace strata::capi;

// ---------------------------------------------------------------- WASI

namespace {

ModuleNode* nodeOfModule(ModuleNode* node, const Module* m, std::set<ModuleNode*>& seen) {
  if (!node || !seen.insert(node).second) return nullptr;
  if (node->module.get() == m) return node;
  for (ModuleNode* d : node->deps)
    if (ModuleNode* n = nodeOfModule(d, m, seen)) return n;
  return nullptr;
}

std::shared_ptr<wasi::WasiContext> makeWasiContext(const WasiArgs* args, const std::string& label) {
  wasi::WasiOptions options;
  std::string error;
  if (args) {
    if (!args->error.empty()) throw LinkError(label + ": WASI arguments: " + args->error);
    for (const std::string& d : args->dirs) options.addDir(d);
    for (const std::string& m : args->mapDirs)
      if (!options.addMapDir(m)) throw LinkError(label + ": WASI arguments: bad map_dir '" + m + "' (expected GUEST::HOST)");
    options.env = args->env;
    options.args = args->argv;
    if (args->stdinFd >= 0) options.stdinFd = static_cast<int>(args->stdinFd);
    if (args->stdoutFd >= 0) options.stdoutFd = static_cast<int>(args->stdoutFd);
    if (args->stderrFd >= 0) options.stderrFd = static_cast<int>(args->stderrFd);
  }
  std::unique_ptr<wasi::WasiContext> ctx = wasi::WasiContext::create(options, &error);
  if (!ctx) throw LinkError(label + ": WASI context: " + error);
  return std::shared_ptr<wasi::WasiContext>(std::move(ctx));
}

const WasiArgs* wasiArgsOf(ModuleNode* node) {
  auto* h = node ? static_cast<WASMModuleCommon*>(node->hostData) : nullptr;
  return h ? h->wasiArgs.get() : nullptr;
}

wasi::WasiContext* wasiContextFor(const Module& importer) {
  WasiInstantiation* wi = tWasiInst;
  if (!wi) {
    // wasm_runtime_load checks the types of WASI imports; the functions it
    // makes are thrown away.
    Runtime* rt = gRuntime;
    if (!rt) return nullptr;
    if (!rt->wasiCheckCtx) {
      std::string error;
      rt->wasiCheckCtx = wasi::WasiContext::create(wasi::WasiOptions(), &error);
    }
    return rt->wasiCheckCtx.get();
  }
  auto it = wi->contexts.find(&importer);
  if (it != wi->contexts.end()) return it->second.get();
  std::set<ModuleNode*> seen;
  ModuleNode* node = nodeOfModule(wi->root, &importer, seen);
  const WasiArgs* args = wasiArgsOf(node);
  std::shared_ptr<wasi::WasiContext> ctx;
  if (args && node != wi->root) {
    ctx = makeWasiContext(args, node->label);
  } else {
    if (!wi->rootCtx) wi->rootCtx = makeWasiContext(wasiArgsOf(wi->root), wi->root->label);
    ctx = wi->rootCtx;
  }
  wi->contexts[&importer] = ctx;
  return ctx.get();
}

}  // namespace

namespace strata {
namespace capi {

thread_local WasiInstantiation* tWasiInst = nullptr;

void ensureWasiResolverFactory() {
  static std::once_flag once;
  std::call_once(once, [] {
    strata::capi::addResolverFactory(
        [] { return std::unique_ptr<ImportResolver>(new wasi::WasiImportResolver(wasiContextFor)); });
  });
}

}  // namespace capi
}  // namespace strata

extern "C" {

namespace {
void setWasiArgs(wasm_module_t module, const char* dir_list[], uint32_t dir_count, const char* map_dir_list[],
                 uint32_t map_dir_count, const char* env[], uint32_t env_count, char* argv[], int argc,
                 int64_t stdinfd, int64_t stdoutfd, int64_t stderrfd) {
  std::lock_guard<std::recursive_mutex> lock(gMutex);
  if (!gRuntime || !module || !gRuntime->moduleHandles.count(module)) return;
  auto args = std::unique_ptr<WasiArgs>(new WasiArgs);
  auto copy = [&](const char* what, const char* const* list, int64_t n, std::vector<std::string>* out) {
    if (n < 0) n = 0;
    if (n && !list) {
      if (args->error.empty()) args->error = std::string(what) + " is NULL but its count is " + std::to_string(n);
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      if (!list[i]) {
        if (args->error.empty()) args->error = std::string(what) + "[" + std::to_string(i) + "] is NULL";
        return;
      }
      out->emplace_back(list[i]);
    }
  };
  copy("dir_list", dir_list, dir_count, &args->dirs);
  copy("map_dir_list", map_dir_list, map_dir_count, &args->mapDirs);
  copy("env", env, env_count, &args->env);
  copy("argv", argv, argc, &args->argv);
  for (const std::string& e : args->env)
    if (e.find('=') == std::string::npos && args->error.empty()) args->error = "env entry '" + e + "' has no '='";
  args->stdinFd = stdinfd;
  args->stdoutFd = stdoutfd;
  args->stderrFd = stderrfd;
  module->wasiArgs = std::move(args);
}
}  // namespace

void wasm_runtime_set_wasi_args(wasm_module_t module, const char* dir_list[], uint32_t dir_count,
                                const char* map_dir_list[], uint32_t map_dir_count, const char* env[],
                                uint32_t env_count, char* argv[], int argc) {
  setWasiArgs(module, dir_list, dir_count, map_dir_list, map_dir_count, env, env_count, argv, argc, -1, -1, -1);
}

void wasm_runtime_set_wasi_args_ex(wasm_module_t module, const char* dir_list[], uint32_t dir_count,
                                   const char* map_dir_list[], uint32_t map_dir_count, const char* env[],
                                   uint32_t env_count, char* argv[], int argc, int64_t stdinfd, int64_t stdoutfd,
                                   int64_t stderrfd) {
  setWasiArgs(module, dir_list, dir_count, map_dir_list, map_dir_count, env, env_count, argv, argc, stdinfd,
              stdoutfd, stderrfd);
}

bool wasm_runtime_is_wasi_mode(wasm_module_inst_t module_inst) {
  WASMModuleInstanceCommon* root = rootOf(module_inst);
  return root && root == module_inst && root->wasiCtx;
}

wasm_function_inst_t wasm_runtime_lookup_wasi_start_function(wasm_module_inst_t module_inst) {
  if (!wasm_runtime_is_wasi_mode(module_inst)) return nullptr;
  Function* f = module_inst->inst->exportedFunction("_start");
  return f && f->type.params.empty() && f->type.results.empty() ? f : nullptr;
}

uint32_t wasm_runtime_get_wasi_exit_code(wasm_module_inst_t module_inst) {
  WASMModuleInstanceCommon* root = rootOf(module_inst);
  return root ? root->wasiExitCode : 0;
}

}  // extern "C"
