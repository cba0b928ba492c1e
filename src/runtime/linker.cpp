// Multi-module loading and linking; see linker.h for the model.
#include "runtime/linker.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "runtime/exec_env.h"

namespace strata {

namespace {

std::string joinChain(const std::vector<std::string>& chain) {
  std::string s;
  for (const std::string& c : chain) s += (s.empty() ? "" : " -> ") + c;
  return s;
}

const char* kindWord(ExternKind k) { return k == ExternKind::Func ? "function" : externKindName(k); }

std::string showGlobal(const GlobalType& t) {
  return std::string(t.mutable_ ? "(mut " : "(") + valTypeName(t.type) + ")";
}

// A resolver's message, led by "unknown import M.N" unless it says so.
std::string hostError(const Import& imp, const std::string& err) {
  if (err.rfind("unknown import", 0) == 0 || err.rfind("incompatible import", 0) == 0) return err;
  return "unknown import " + imp.module + "." + imp.name + " (" + err + ")";
}

// A host function that stands in for a function import whose exporter is
// not instantiated yet (cycles); its slot is patched when it is.
struct UnlinkedStub {
  std::string what;  // "mB.B"
};

void unlinkedCallback(void* env, Instance*, Slot*) {
  throw Trap("unlinked import " + static_cast<UnlinkedStub*>(env)->what);
}

std::shared_ptr<Function> makeStub(const FuncType& type, const std::string& what) {
  auto* stub = new UnlinkedStub{what};
  auto f = makeHostFunction(type, unlinkedCallback, stub);
  // The stub text lives as long as the function object.
  return std::shared_ptr<Function>(f.get(), [f, stub](Function*) mutable {
    f.reset();
    delete stub;
  });
}

// A Function* that does not own its instance (see linker.h: the group
// owns every instance).
std::shared_ptr<Function> borrowed(Function* f) { return std::shared_ptr<Function>(std::shared_ptr<Function>(), f); }

}  // namespace

ModuleReader directoryReader(std::vector<std::string> directories) {
  return [dirs = std::move(directories)](const std::string& name, ModuleBytes* out, std::string* whereLooked) {
    for (const std::string& dir : dirs) {
      std::string path = (dir.empty() ? std::string(".") : dir) + "/" + name + ".wasm";
      if (whereLooked) *whereLooked += (whereLooked->empty() ? "" : ", ") + path;
      std::ifstream in(path, std::ios::binary);
      if (!in) continue;
      out->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (in.bad()) continue;
      return true;
    }
    return false;
  };
}

// --------------------------------------------------------------- registry

ModuleRegistry::ModuleRegistry() = default;

ModuleRegistry::~ModuleRegistry() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  std::vector<ModuleNode*> all = all_;
  for (ModuleNode* node : all) freeNode(node);
}

void ModuleRegistry::addResolver(ImportResolver* resolver) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  resolvers_.push_back(resolver);
}

void ModuleRegistry::removeResolver(ImportResolver* resolver) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  resolvers_.erase(std::remove(resolvers_.begin(), resolvers_.end(), resolver), resolvers_.end());
}

bool ModuleRegistry::isHostModule(const std::string& name) const {
  for (ImportResolver* r : resolvers_)
    if (r->providesModule(name)) return true;
  return false;
}

bool ModuleRegistry::resolveHostImport(const Module& m, const Import& imp, Extern* out, std::string* error) const {
  for (ImportResolver* r : resolvers_) {
    if (!r->providesModule(imp.module)) continue;
    std::string err;
    if (r->resolve(m, imp, out, &err)) return true;
    *error = hostError(imp, err);
    return false;
  }
  *error = "import " + imp.module + "." + imp.name + ": no host module " + imp.module;
  return false;
}

ModuleNode* ModuleRegistry::find(const std::string& name) const {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : it->second;
}

bool ModuleRegistry::registerModule(const std::string& name, ModuleNode* node, std::string* error) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (name.empty()) return (*error = "a module cannot be registered under an empty name", false);
  if (isHostModule(name)) return (*error = "\"" + name + "\" is the name of a host (native) module", false);
  auto it = byName_.find(name);
  if (it != byName_.end()) {
    if (it->second == node) return true;
    *error = "a module named \"" + name + "\" is already registered";
    return false;
  }
  if (node->registered) {
    *error = "this module is already registered as \"" + node->name + "\"";
    return false;
  }
  node->name = name;
  node->label = name;
  node->registered = true;
  byName_[name] = node;
  return true;
}

ModuleNode* ModuleRegistry::loadRoot(std::shared_ptr<const Module> module, const std::string& label,
                                     std::string* error, std::function<void()> release) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  auto* node = new ModuleNode;
  node->label = label;
  node->module = std::move(module);
  node->release = std::move(release);
  node->userRefs = 1;
  all_.push_back(node);
  std::vector<ModuleNode*> created{node};
  std::vector<std::string> chain{label};
  std::vector<ModuleNode*> visited;
  if (!loadDeps(node, chain, created, error) || !checkLinks(node, chain, visited, error)) {
    // Nothing that this load created is referenced by anyone else yet.
    node->userRefs = 0;
    for (auto it = created.rbegin(); it != created.rend(); ++it) freeNode(*it);
    return nullptr;
  }
  // Pin the transitive dependencies (the closure, so that cycles between
  // dependencies are counted once per root and still freed).
  std::vector<ModuleNode*> stack(node->deps.begin(), node->deps.end());
  std::set<ModuleNode*> seen{node};
  while (!stack.empty()) {
    ModuleNode* d = stack.back();
    stack.pop_back();
    if (!seen.insert(d).second) continue;
    node->closure.push_back(d);
    for (ModuleNode* dd : d->deps) stack.push_back(dd);
  }
  for (ModuleNode* d : node->closure) ++d->rootRefs;
  return node;
}

bool ModuleRegistry::loadDeps(ModuleNode* node, std::vector<std::string>& chain, std::vector<ModuleNode*>& created,
                              std::string* error) {
  for (const Import& imp : node->module->imports) {
    if (std::find(node->depNames.begin(), node->depNames.end(), imp.module) != node->depNames.end()) continue;
    if (isHostModule(imp.module)) continue;
    node->depNames.push_back(imp.module);
    ModuleNode* dep = loadNamed(imp.module, chain, created, error);
    if (!dep) return false;
    node->deps.push_back(dep);
  }
  return true;
}

ModuleNode* ModuleRegistry::loadNamed(const std::string& name, std::vector<std::string>& chain,
                                      std::vector<ModuleNode*>& created, std::string* error) {
  auto it = byName_.find(name);
  if (it != byName_.end()) return it->second;  // loaded already, or being loaded (a cycle)

  std::string where = "registered modules";
  ModuleBytes mb;
  std::string readerWhere;
  bool found = reader_ && reader_(name, &mb, &readerWhere);
  if (!found) {
    if (reader_) where += ", " + (readerWhere.empty() ? std::string("the module reader") : readerWhere);
    *error = joinChain(chain) + ": module \"" + name + "\" not found (looked in: " + where + ")";
    if (mb.release) mb.release();
    return nullptr;
  }
  if (mb.bytes.size() > maxModuleBytes_) {
    *error = joinChain(chain) + " -> " + name + ": the module is " + std::to_string(mb.bytes.size()) +
             " bytes, over the limit of " + std::to_string(maxModuleBytes_);
    if (mb.release) mb.release();
    return nullptr;
  }
  std::shared_ptr<const Module> module;
  try {
    module = decodeModule(std::move(mb.bytes));
  } catch (const DecodeError& e) {
    *error = joinChain(chain) + " -> " + name + ": " + e.toString();
    if (mb.release) mb.release();
    return nullptr;
  }
  auto* node = new ModuleNode;
  node->name = name;
  node->label = name;
  node->module = std::move(module);
  node->release = std::move(mb.release);
  node->registered = true;
  node->fromReader = true;
  all_.push_back(node);
  byName_[name] = node;
  created.push_back(node);
  chain.push_back(name);
  bool ok = loadDeps(node, chain, created, error);
  chain.pop_back();
  return ok ? node : nullptr;
}

bool ModuleRegistry::checkLinks(ModuleNode* node, std::vector<std::string>& chain, std::vector<ModuleNode*>& visited,
                                std::string* error) {
  visited.push_back(node);
  const Module& m = *node->module;
  auto fail = [&](const std::string& what) {
    *error = joinChain(chain) + ": " + what;
    return false;
  };

  // WASI's command/reactor model.
  bool importsWasi = false;
  for (const Import& imp : m.imports) importsWasi |= imp.module == "wasi_snapshot_preview1";
  const Export* start = m.findExport("_start");
  const Export* init = m.findExport("_initialize");
  if (start && init && start->kind == ExternKind::Func && init->kind == ExternKind::Func)
    return fail("exports both _start (a WASI command) and _initialize (a WASI reactor)");
  if (importsWasi) {
    const Export* mem = m.findExport("memory");
    if (!mem || mem->kind != ExternKind::Memory) return fail("imports WASI but does not export its memory as \"memory\"");
    if (visited.size() > 1 && start && start->kind == ExternKind::Func)
      return fail("is a WASI command (exports _start) and cannot be a dependency; build it as a reactor "
                  "(exporting _initialize, clang -mexec-model=reactor)");
  }

  for (const Import& imp : m.imports) {
    std::string what = "import " + imp.module + "." + imp.name;
    if (isHostModule(imp.module)) {
      Extern ext;
      std::string err;
      if (!resolveHostImport(m, imp, &ext, &err)) return fail(err);
      if (imp.kind == ExternKind::Func && ext.func && ext.func->sigId != m.typeIds[imp.typeIndex])
        return fail(what + ": signature mismatch: " + node->label + " expects " + m.types[imp.typeIndex].toString() +
                    ", the host function is " + ext.func->type.toString());
      continue;
    }
    size_t k = std::find(node->depNames.begin(), node->depNames.end(), imp.module) - node->depNames.begin();
    ModuleNode* dep = node->deps.at(k);
    const Module& dm = *dep->module;
    const Export* exp = dm.findExport(imp.name);
    std::string kind = kindWord(imp.kind);
    if (!exp) return fail(what + ": " + imp.module + " exports no " + kind + " \"" + imp.name + "\"");
    if (exp->kind != imp.kind)
      return fail(what + ": " + imp.module + " exports \"" + imp.name + "\" as a " + kindWord(exp->kind) +
                  ", not a " + kind);
    switch (imp.kind) {
      case ExternKind::Func: {
        const FuncType& want = m.types[imp.typeIndex];
        const FuncType& have = dm.funcType(exp->index);
        if (m.typeIds[imp.typeIndex] != dm.typeIds[dm.funcTypes[exp->index]])
          return fail(what + ": signature mismatch: " + node->label + " expects " + want.toString() + ", " +
                      imp.module + " exports " + have.toString());
        break;
      }
      case ExternKind::Global: {
        // An immutable global may have a subtype; a mutable one the type.
        const GlobalType& have = dm.globalTypes.at(exp->index);
        ValType want = m.canonical(imp.global.type), given = dm.canonical(have.type);
        bool typeFits = imp.global.mutable_ ? given == want : isSubtype(given, want, nullptr);
        if (!typeFits || have.mutable_ != imp.global.mutable_)
          return fail(what + ": type mismatch: " + node->label + " expects a global " + showGlobal(imp.global) +
                      ", " + imp.module + " exports " + showGlobal(have));
        break;
      }
      case ExternKind::Table: {
        const TableType& have = dm.tables.at(exp->index);
        if (dm.canonical(have.elem) != m.canonical(imp.table.elem))
          return fail(what + ": type mismatch: " + node->label + " expects a table of " + valTypeName(imp.table.elem) +
                      ", " + imp.module + " exports one of " + valTypeName(have.elem));
        break;  // limits are checked at instantiation, against the current size
      }
      case ExternKind::Memory:
        break;  // likewise
      case ExternKind::Tag:
        if (m.typeIds[imp.typeIndex] != dm.typeIds[dm.tagTypes.at(exp->index)])
          return fail(what + ": type mismatch: " + node->label + " expects a tag " +
                      m.types[imp.typeIndex].toString() + ", " + imp.module + " exports one of " +
                      dm.types[dm.tagTypes.at(exp->index)].toString());
        break;
    }
  }
  for (ModuleNode* dep : node->deps) {
    if (std::find(visited.begin(), visited.end(), dep) != visited.end()) continue;
    chain.push_back(dep->label);
    bool ok = checkLinks(dep, chain, visited, error);
    chain.pop_back();
    if (!ok) return false;
  }
  return true;
}

void ModuleRegistry::releaseRoot(ModuleNode* node) {
  if (!node) return;
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (node->userRefs > 0) --node->userRefs;
  if (node->userRefs > 0) return;
  std::vector<ModuleNode*> closure;
  closure.swap(node->closure);
  // An embedder's module registered under a name leaves the registry with
  // its handle.
  if (node->registered && !node->fromReader) {
    byName_.erase(node->name);
    node->registered = false;
  }
  maybeFree(node);
  for (ModuleNode* d : closure) {
    --d->rootRefs;
    maybeFree(d);
  }
}

void ModuleRegistry::maybeFree(ModuleNode* node) {
  if (node->userRefs == 0 && node->rootRefs == 0) freeNode(node);
}

void ModuleRegistry::freeNode(ModuleNode* node) {
  auto it = std::find(all_.begin(), all_.end(), node);
  if (it == all_.end()) return;
  all_.erase(it);
  if (node->registered) {
    auto b = byName_.find(node->name);
    if (b != byName_.end() && b->second == node) byName_.erase(b);
  }
  // Anything still pinned by this node (destroy() frees in bulk).
  for (ModuleNode* d : node->closure)
    if (std::find(all_.begin(), all_.end(), d) != all_.end()) --d->rootRefs;
  if (onFree) onFree(node);
  if (node->release) node->release();
  delete node;
}

// --------------------------------------------------------------- instances

InstanceGroup::~InstanceGroup() {
  // Reverse instantiation order: importers before exporters.
  while (!instances_.empty()) instances_.pop_back();
  retired_.clear();
  failed_.clear();
  attachments.clear();
}

Instance* InstanceGroup::find(const std::string& moduleName) const {
  auto it = byName_.find(moduleName);
  if (it != byName_.end()) return it->second;
  auto sh = shared_.find(moduleName);
  return sh != shared_.end() && sh->second ? sh->second->find(moduleName) : nullptr;
}

size_t InstanceGroup::patchImports(Function* from, Function* to) {
  if (!from || !to || from->sigId != to->sigId) return 0;
  size_t n = 0;
  for (const auto& inst : instances_) {
    for (uint32_t i = 0; i < inst->numImportSlots(); ++i) {
      ImportSlot& slot = inst->importSlot(i);
      if (slot.load(std::memory_order_acquire) == from) {
        slot.store(to, std::memory_order_release);
        ++n;
      }
    }
  }
  return n;
}

long InstanceGroup::replace(ModuleRegistry& registry, const std::string& moduleName,
                            std::shared_ptr<const Module> replacement, ExecEnv& env,
                            const std::function<void(Instance*)>& onInstance, std::string* error) {
  std::lock_guard<std::recursive_mutex> lock(registry.mutex());
  const std::string where = "replace " + moduleName + ": ";
  auto fail = [&](const std::string& what) {
    *error = where + what;
    return -1L;
  };
  if (!replacement) return fail("no replacement module");
  auto named = byName_.find(moduleName);
  if (named == byName_.end())
    return fail(shared_.count(moduleName) ? "its instance belongs to another group (shared); replace it there"
                                          : "no instance of that name in this group");
  Instance* old = named->second;
  if (old == root_) return fail("the root instance cannot be replaced");
  const Module& nm = *replacement;

  // Every importer's use of the old instance must be a function the
  // replacement exports with the same type.
  for (const auto& inst : instances_) {
    if (inst.get() == old) continue;
    const Module& m = inst->module();
    for (const Import& imp : m.imports) {
      if (imp.module != moduleName) continue;
      const std::string what = m.moduleName.empty() ? std::string("an importer") : m.moduleName;
      if (imp.kind != ExternKind::Func)
        return fail("import " + imp.module + "." + imp.name + " is a " + kindWord(imp.kind) +
                    ", which cannot be re-pointed (only modules whose importers import functions can be replaced)");
      const Export* exp = nm.findExport(imp.name);
      if (!exp || exp->kind != ExternKind::Func)
        return fail("the replacement exports no function \"" + imp.name + "\" (imported by " +
                    (inst.get() == root_ ? std::string("the root") : what) + ")");
      if (nm.typeIds[nm.funcTypes[exp->index]] != m.typeIds[imp.typeIndex])
        return fail("signature mismatch for \"" + imp.name + "\": the importer expects " +
                    m.types[imp.typeIndex].toString() + ", the replacement exports " +
                    nm.funcType(exp->index).toString());
    }
  }

  // The replacement's imports: host modules, or this group's instances.
  std::vector<Extern> externs;
  for (const Import& imp : nm.imports) {
    const std::string what = "import " + imp.module + "." + imp.name + ": ";
    Extern ext;
    if (registry.isHostModule(imp.module)) {
      std::string err;
      if (!registry.resolveHostImport(nm, imp, &ext, &err)) return fail(err);
    } else {
      if (imp.module == moduleName) return fail(what + "the replacement cannot import from the module it replaces");
      Instance* from = find(imp.module);
      if (!from) return fail(what + imp.module + " is not instantiated in this group");
      if (!from->findExport(imp.name, &ext))
        return fail(what + imp.module + " exports no " + kindWord(imp.kind) + " \"" + imp.name + "\"");
      if (ext.kind == ExternKind::Func) ext.func = borrowed(ext.func.get());
    }
    externs.push_back(std::move(ext));
  }

  Instance::Hooks hooks;
  hooks.created = [&](Instance& inst) {
    if (onInstance) onInstance(&inst);
  };
  hooks.retainFailed = [this](std::shared_ptr<Instance> inst) { failed_.push_back(std::move(inst)); };
  hooks.limits = limits_;
  std::shared_ptr<Instance> fresh;
  try {
    fresh = Instance::instantiate(replacement, std::move(externs), env, hooks);
    if (!nm.findExport("_start")) {
      Function* init = fresh->exportedFunction("_initialize");
      if (init && init->type.params.empty() && init->type.results.empty()) env.call(init, std::vector<Slot>{});
    }
  } catch (const Trap& e) {
    if (fresh) failed_.push_back(fresh);
    return fail(std::string("the replacement trapped while starting: ") + e.what());
  } catch (const std::runtime_error& e) {
    if (fresh) failed_.push_back(fresh);
    return fail(e.what());
  }

  // Old exported function -> new export of the same name and type.
  std::map<Function*, Function*> map;
  for (const Export& exp : old->module().exports) {
    if (exp.kind != ExternKind::Func) continue;
    Function* from = old->function(exp.index);
    Function* to = fresh->exportedFunction(exp.name);
    if (from && to && from->sigId == to->sigId && from->instance == old) map[from] = to;
  }
  long n = 0;
  // Calls may run on other threads meanwhile and read these (acquire, as
  // Table::load): each new function is released whole.
  auto repointed = [&](Slot s, Slot* to) {
    auto it = map.find(reinterpret_cast<Function*>(static_cast<uintptr_t>(s)));
    if (!s || it == map.end()) return false;
    *to = reinterpret_cast<uintptr_t>(it->second);
    ++n;
    return true;
  };
  std::shared_ptr<Instance> oldOwned;
  for (auto& inst : instances_) {
    if (inst.get() == old) {
      oldOwned = inst;
      inst = fresh;  // same place in instantiation order
      continue;
    }
    const Module& m = inst->module();
    uint32_t slot = 0;
    for (const Import& imp : m.imports) {
      if (imp.kind != ExternKind::Func) continue;
      if (imp.module == moduleName) {
        inst->importSlot(slot).store(fresh->exportedFunction(imp.name), std::memory_order_release);
        ++n;
      }
      ++slot;
    }
  }
  named->second = fresh.get();
  for (const auto& inst : instances_) {
    const Module& m = inst->module();
    // Tables and globals this instance defines (imported ones are
    // re-pointed where they are defined).
    for (uint32_t t = m.numImportedTables; t < m.tables.size(); ++t) {
      Table* table = inst->table(t);
      if (!table || table->type().elem.kind() != ValKind::FuncRef) continue;
      Slot to;
      for (uint64_t i = 0; i < table->size(); ++i)
        if (repointed(table->load(i), &to)) table->store(i, to);
    }
    for (uint32_t g = m.numImportedGlobals; g < m.globalTypes.size(); ++g) {
      Slot& value = inst->global(g)->value;
      Slot to;
      if (m.globalTypes[g].type.kind() == ValKind::FuncRef && repointed(value, &to))
        __atomic_store_n(&value, to, __ATOMIC_RELEASE);
    }
  }
  retired_.push_back(std::move(oldOwned));
  return n;
}

size_t InstanceGroup::releaseRetired() {
  if (retired_.empty()) return 0;
  // Retired instances still referenced from a live table or global, or
  // from one kept that way, stay.
  std::set<Instance*> kept;
  auto scan = [&](const Instance& inst) {
    const Module& m = inst.module();
    auto note = [&](Slot s) {
      if (!s) return;
      Function* f = reinterpret_cast<Function*>(static_cast<uintptr_t>(s));
      for (const auto& r : retired_)
        if (f->instance == r.get()) kept.insert(r.get());
    };
    for (uint32_t t = m.numImportedTables; t < m.tables.size(); ++t) {
      Table* table = inst.table(t);
      if (table && table->type().elem.kind() == ValKind::FuncRef)
        for (uint64_t i = 0; i < table->size(); ++i) note(table->data()[i]);
    }
    for (uint32_t g = m.numImportedGlobals; g < m.globalTypes.size(); ++g)
      if (m.globalTypes[g].type.kind() == ValKind::FuncRef) note(inst.global(g)->value);
  };
  for (const auto& inst : instances_) scan(*inst);
  for (size_t before = 0; before != kept.size();) {
    before = kept.size();
    for (const auto& r : retired_)
      if (kept.count(r.get())) scan(*r);
  }
  size_t freed = 0;
  for (auto it = retired_.begin(); it != retired_.end();) {
    if (kept.count(it->get())) {
      ++it;
    } else {
      it = retired_.erase(it);
      ++freed;
    }
  }
  return freed;
}

std::shared_ptr<InstanceGroup> InstanceGroup::instantiate(ModuleRegistry& registry, ModuleNode* root, ExecEnv& env,
                                                          const Options& options) {
  std::lock_guard<std::recursive_mutex> lock(registry.mutex());
  std::shared_ptr<InstanceGroup> group(new InstanceGroup);
  group->limits_ = options.limits;
  group->shared_ = options.shared;

  enum State { kNone, kInProgress, kDone };
  std::map<ModuleNode*, State> state;
  std::map<ModuleNode*, Instance*> instOf;
  struct Pending {
    Instance* importer;
    uint32_t slot;
    ModuleNode* exporter;
    std::string name;
    std::string importerLabel;
  };
  std::vector<Pending> pending;

  auto patchPendingFor = [&](ModuleNode* exporter, Instance& inst) {
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->exporter != exporter) {
        ++it;
        continue;
      }
      Function* f = inst.exportedFunction(it->name);
      ImportSlot& slot = it->importer->importSlot(it->slot);
      Function* stub = slot.load(std::memory_order_acquire);
      if (!f || f->sigId != stub->sigId)
        throw LinkError(it->importerLabel + ": import " + exporter->label + "." + it->name + ": cannot be linked");
      slot.store(f, std::memory_order_release);
      it = pending.erase(it);
    }
  };

  std::function<void(ModuleNode*, std::vector<std::string>&)> visit = [&](ModuleNode* node,
                                                                          std::vector<std::string>& chain) {
    if (!node->name.empty()) {
      auto sh = options.shared.find(node->name);
      if (sh != options.shared.end() && sh->second && node != root) {
        Instance* inst = sh->second->find(node->name);
        if (!inst) throw LinkError(joinChain(chain) + ": the shared group has no instance of " + node->name);
        instOf[node] = inst;
        state[node] = kDone;
        return;
      }
    }
    state[node] = kInProgress;
    for (ModuleNode* dep : node->deps) {
      if (state[dep] != kNone) continue;
      chain.push_back(dep->label);
      visit(dep, chain);
      chain.pop_back();
    }

    const Module& m = *node->module;
    std::vector<Extern> externs;
    externs.reserve(m.imports.size());
    struct Stubbed {
      uint32_t slot;
      ModuleNode* exporter;
      std::string name;
    };
    std::vector<Stubbed> stubbed;
    uint32_t funcSlot = 0;
    for (const Import& imp : m.imports) {
      const std::string what = "import " + imp.module + "." + imp.name;
      Extern ext;
      if (registry.isHostModule(imp.module)) {
        std::string err;
        if (!registry.resolveHostImport(m, imp, &ext, &err)) throw LinkError(joinChain(chain) + ": " + err);
      } else {
        size_t k = std::find(node->depNames.begin(), node->depNames.end(), imp.module) - node->depNames.begin();
        if (k >= node->deps.size()) throw LinkError(joinChain(chain) + ": " + what + ": module not loaded");
        ModuleNode* dep = node->deps[k];
        if (state[dep] == kDone) {
          Instance* di = instOf[dep];
          if (!di->findExport(imp.name, &ext))
            throw LinkError(joinChain(chain) + ": " + what + ": " + imp.module + " exports no " +
                            kindWord(imp.kind) + " \"" + imp.name + "\"");
          if (ext.kind == ExternKind::Func) ext.func = borrowed(ext.func.get());
        } else if (imp.kind == ExternKind::Func) {
          // A cycle: the exporter is still being instantiated.
          ext.kind = ExternKind::Func;
          ext.func = makeStub(m.types[imp.typeIndex], imp.module + "." + imp.name);
          group->stubs_.push_back(ext.func);
          stubbed.push_back({funcSlot, dep, imp.name});
        } else {
          throw LinkError(joinChain(chain) + ": " + what + ": a " + kindWord(imp.kind) +
                          " cannot be imported around a cycle (" + imp.module + " is not instantiated yet)");
        }
      }
      if (imp.kind == ExternKind::Func) ++funcSlot;
      externs.push_back(std::move(ext));
    }

    Instance::Hooks hooks;
    const std::string label = joinChain(chain);
    hooks.created = [&](Instance& inst) {
      for (const Stubbed& s : stubbed) pending.push_back({&inst, s.slot, s.exporter, s.name, label});
      if (options.onInstance) options.onInstance(&inst, node);
      // Importers that were instantiated first (cycles) now see this
      // instance's functions, before its start function runs.
      patchPendingFor(node, inst);
    };
    InstanceGroup* g = group.get();
    hooks.retainFailed = [g](std::shared_ptr<Instance> inst) { g->failed_.push_back(std::move(inst)); };
    hooks.limits = options.limits;
    std::shared_ptr<Instance> inst;
    try {
      inst = Instance::instantiate(node->module, std::move(externs), env, hooks);
    } catch (const Trap&) {
      throw;
    } catch (const std::runtime_error& e) {
      // LinkError, or a memory or table that could not be allocated. Other
      // exceptions (WASI's proc_exit in a start function) pass through.
      std::string msg = e.what();
      if (msg.rfind(label + ":", 0) == 0) throw;
      throw LinkError(label + ": " + msg);
    }
    group->instances_.push_back(inst);
    instOf[node] = inst.get();
    if (!node->name.empty()) group->byName_[node->name] = inst.get();
    state[node] = kDone;

    if (options.runInitialize && (node != root || options.initializeRoot) && !m.findExport("_start")) {
      Function* init = inst->exportedFunction("_initialize");
      if (init && init->type.params.empty() && init->type.results.empty()) env.call(init, std::vector<Slot>{});
    }
  };

  std::vector<std::string> chain{root->label};
  try {
    visit(root, chain);
  } catch (...) {
    // An instance that failed after its element segments ran may have
    // stored its functions in a table of a shared group, which outlives
    // this one: that group keeps this whole group (the failed instance and
    // what it imports) alive. This group then drops its own references to
    // the shared groups, so that no cycle is left.
    if (!group->failed_.empty() && !group->shared_.empty()) {
      std::map<std::string, std::shared_ptr<InstanceGroup>> shared;
      shared.swap(group->shared_);
      for (auto& kv : shared)
        if (kv.second) kv.second->attachments.push_back(group);
    }
    throw;
  }
  group->root_ = instOf[root];
  if (!pending.empty()) throw LinkError(pending.front().importerLabel + ": unresolved import cycle");
  return group;
}

}  // namespace strata
