// A module instance: the module's functions bound to their tables,
// memories, globals and imports.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/objects.h"
#include "wasm/module.h"

namespace strata {

class ExecEnv;

class Instance : public std::enable_shared_from_this<Instance> {
 public:
  // Links `imports` (one Extern per module import, in import order) and runs
  // the module's initialisation: globals, element and data segments, then
  // the start function, on `env`.
  // Throws LinkError when an import does not fit, Trap when a segment is out
  // of bounds or the start function traps.
  static std::shared_ptr<Instance> instantiate(std::shared_ptr<const Module> module,
                                               std::vector<Extern> imports, ExecEnv& env);

  // The same, with hooks for an owner of instances (runtime/linker.h):
  struct Hooks {
    // Called once the instance exists and its imports are linked, before
    // its globals, segments and start function (e.g. to patch other
    // instances' import slots that point at it, or attach host data).
    std::function<void(Instance&)> created;
    // Receives the instance when instantiation fails after its functions
    // may have become reachable from outside (see instance.cpp). Without
    // it such instances are kept for the life of the process.
    std::function<void(std::shared_ptr<Instance>)> retainFailed;
    // The embedder's limits on the memories and tables the instance
    // creates (none: only the module's own maximums).
    std::shared_ptr<const ResourceLimits> limits;
  };
  static std::shared_ptr<Instance> instantiate(std::shared_ptr<const Module> module,
                                               std::vector<Extern> imports, ExecEnv& env, const Hooks& hooks);
  ~Instance();
  // Instances alive in the process, being built ones included
  // (ResourceLimits::maxInstances).
  static uint64_t liveCount();

  const Module& module() const { return *module_; }
  const std::shared_ptr<const Module>& modulePtr() const { return module_; }

  // The function at `index` of the function space. Imports answer with
  // whatever their slot holds now.
  Function* function(uint32_t index) const {
    return index < module_->numImportedFuncs ? importSlots_[index].load(std::memory_order_acquire)
                                             : definedFunctions_[index - module_->numImportedFuncs].get();
  }
  ImportSlot& importSlot(uint32_t index) { return importSlots_[index]; }
  uint32_t numImportSlots() const { return module_->numImportedFuncs; }

  Table* table(uint32_t index) const { return tables_[index].get(); }
  Memory* memory(uint32_t index) const { return memories_[index].get(); }
  GlobalCell* global(uint32_t index) const { return globals_[index].get(); }
  Tag* tag(uint32_t index) const { return tags_[index].get(); }
  const std::shared_ptr<Tag>& sharedTag(uint32_t index) const { return tags_[index]; }
  // An exception caught as an exnref (catch_ref, catch_all_ref): the
  // instance keeps it alive from then on, as nothing tracks where exnref
  // values go (no GC); freed with the instance. Returns the exnref.
  Slot keepException(std::shared_ptr<ExceptionObject> e);
  size_t numMemories() const { return memories_.size(); }
  size_t numTables() const { return tables_.size(); }

  bool elemDropped(uint32_t seg) const { return droppedElems_[seg]; }
  bool dataDropped(uint32_t seg) const { return droppedDatas_[seg]; }
  void dropElem(uint32_t seg) { droppedElems_[seg] = true; }
  void dropData(uint32_t seg) { droppedDatas_[seg] = true; }

  // Evaluates an element segment item (a constant expression) to a reference.
  Slot evalRef(const ConstExpr& expr) const;

  // The export named `name` as an Extern, or an Extern with nothing set.
  bool findExport(const std::string& name, Extern* out);
  Function* exportedFunction(const std::string& name);

  // An Extern for function `index` that keeps this instance alive.
  std::shared_ptr<Function> sharedFunction(uint32_t index);

  // Opaque data of the embedding layer (the C API's module instance
  // handle); the runtime never touches it.
  void* hostData() const { return hostData_; }
  void setHostData(void* data) { hostData_ = data; }

 private:
  explicit Instance(std::shared_ptr<const Module> module);
  Slot evalConst(const ConstExpr& expr) const;
  void link(std::vector<Extern>& imports);
  void initializeSegments();

  std::shared_ptr<const Module> module_;
  std::vector<Extern> imports_;  // keeps imported objects (and their owners) alive
  std::unique_ptr<ImportSlot[]> importSlots_;
  std::vector<std::unique_ptr<Function>> definedFunctions_;
  std::vector<std::shared_ptr<Table>> tables_;
  std::vector<std::shared_ptr<Memory>> memories_;
  std::vector<std::shared_ptr<GlobalCell>> globals_;
  std::vector<std::shared_ptr<Tag>> tags_;
  std::mutex exceptionsMutex_;
  std::vector<std::shared_ptr<ExceptionObject>> keptExceptions_;
  std::vector<bool> droppedElems_;
  std::vector<bool> droppedDatas_;
  void* hostData_ = nullptr;
};

}  // namespace strata
