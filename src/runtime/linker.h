// Multi-module loading and linking (issue 4).
//
//   ModuleRegistry   loaded modules by name; loads a root's dependencies
//                    recursively from its import section (load-time
//                    linking), checks every wasm-to-wasm import against the
//                    exporter's declarations, and reference-counts modules
//                    so a dependency lives as long as some root needs it.
//   ImportResolver   the seam for host modules: registered natives ("env",
//                    any name given to wasm_runtime_register_natives), WASI
//                    ("wasi_snapshot_preview1", src/wasi/), the spec tests'
//                    "spectest". Resolvers are asked first, in the order
//                    they were added; a module name that no resolver claims
//                    is a wasm module to load.
//   InstanceGroup    the "store" of one root instance: it owns the instances
//                    of the root and of every dependency instantiated for it
//                    (one per module: a diamond shares one instance) and is
//                    released as a whole. Inside a group, function imports
//                    do not own their exporter (cycles would never be freed);
//                    the group keeps them all alive instead. A funcref in a
//                    table is a raw Function*, so it stays valid exactly as
//                    long as the group that owns the function's instance.
//
// Function imports between group members go through the importer's
// ImportSlot (objects.h). Every slot whose exporter is not instantiated yet
// (a cycle: A imports from B and B from A) starts as a stub that traps
// "unlinked import mB.B" and is patched with a release store once the
// exporter is ready. `patchImports` is the same patch point for a tier-up
// (JIT) or a hot replacement of a dependency.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/instance.h"
#include "runtime/objects.h"
#include "wasm/module.h"

namespace strata {

class ExecEnv;

// Provides the imports of host modules.
class ImportResolver {
 public:
  virtual ~ImportResolver() = default;
  // True when `moduleName` is a host module of this resolver. Every import
  // of such a module must then be resolved here; it is never loaded as wasm.
  virtual bool providesModule(const std::string& moduleName) const = 0;
  // Resolves one import of `importer`, from a module this resolver
  // provides. Returns false and sets *error (one line, e.g. "no native
  // function env.foo is registered") when it cannot. The declared type is
  // importer.types[import.typeIndex] for a function; the linker reports a
  // function of another type as a signature mismatch.
  virtual bool resolve(const Module& importer, const Import& import, Extern* out, std::string* error) = 0;
};

// Where the bytes of a dependency come from, in order: modules registered
// under the name, then the reader. A reader returns false and appends where
// it looked to *whereLooked when it has no such module.
struct ModuleBytes {
  std::vector<uint8_t> bytes;
  // Called exactly once when the module is freed (the C API's destroyer of
  // the reader's buffer); may be empty.
  std::function<void()> release;
};
using ModuleReader = std::function<bool(const std::string& name, ModuleBytes* out, std::string* whereLooked)>;

// The CLI's reader: NAME.wasm in each directory, in order.
ModuleReader directoryReader(std::vector<std::string> directories);

// One loaded module. Owned by its ModuleRegistry.
struct ModuleNode {
  std::string name;  // registered name; empty for an anonymous root
  std::string label; // for messages: the name, or the root's label
  std::shared_ptr<const Module> module;
  // Non-host import module names, in import order, and their nodes.
  std::vector<std::string> depNames;
  std::vector<ModuleNode*> deps;
  std::function<void()> release;  // see ModuleBytes
  bool registered = false;        // findable under `name`
  bool fromReader = false;        // loaded for a dependency, freed when unused
  int userRefs = 0;               // handles held by the embedder
  int rootRefs = 0;               // user-held modules whose closure includes this
  std::vector<ModuleNode*> closure;  // for user-held nodes: pinned dependencies
  void* hostData = nullptr;       // the C API's handle for this module
};

class ModuleRegistry {
 public:
  ModuleRegistry();
  ~ModuleRegistry();  // frees every module (releasing buffers)
  ModuleRegistry(const ModuleRegistry&) = delete;
  ModuleRegistry& operator=(const ModuleRegistry&) = delete;

  // Host modules: resolvers are asked in the order added. Not owned.
  void addResolver(ImportResolver* resolver);
  void removeResolver(ImportResolver* resolver);
  bool isHostModule(const std::string& name) const;
  // Resolves an import of a host module through the first resolver that
  // provides the module; false with a one-line *error ("unknown import M.N
  // (...)", or no resolver provides M).
  bool resolveHostImport(const Module& m, const Import& imp, Extern* out, std::string* error) const;

  void setReader(ModuleReader reader) { reader_ = std::move(reader); }
  // A dependency the reader gives larger than this is refused before it is
  // decoded (an embedder's bound on module size; roots are checked by the
  // caller, which decodes them).
  void setMaxModuleBytes(uint64_t bytes) { maxModuleBytes_ = bytes; }
  uint64_t maxModuleBytes() const { return maxModuleBytes_; }

  // Loads the dependencies of `module` recursively and checks the links.
  // `label` names the root in messages ("mC"). Returns a node the caller
  // holds (userRefs 1) or null with *error set to one line naming the
  // chain, e.g. "mC -> mB: import mA.A: mA exports no function \"A\"".
  // A failed load frees everything it loaded.
  ModuleNode* loadRoot(std::shared_ptr<const Module> module, const std::string& label, std::string* error,
                       std::function<void()> release = nullptr);
  // Drops the caller's handle; frees the module and the dependencies no
  // other root uses.
  void releaseRoot(ModuleNode* node);

  // Registers a loaded root under `name` (for later imports of `name`).
  bool registerModule(const std::string& name, ModuleNode* node, std::string* error);
  ModuleNode* find(const std::string& name) const;

  // Called with every node just before it is freed (the C API frees its
  // handle there).
  std::function<void(ModuleNode*)> onFree;

  std::recursive_mutex& mutex() { return mutex_; }

 private:
  ModuleNode* loadNamed(const std::string& name, std::vector<std::string>& chain, std::vector<ModuleNode*>& created,
                        std::string* error);
  bool loadDeps(ModuleNode* node, std::vector<std::string>& chain, std::vector<ModuleNode*>& created,
                std::string* error);
  bool checkLinks(ModuleNode* node, std::vector<std::string>& chain, std::vector<ModuleNode*>& visited,
                  std::string* error);
  void freeNode(ModuleNode* node);
  void maybeFree(ModuleNode* node);

  mutable std::recursive_mutex mutex_;
  std::vector<ImportResolver*> resolvers_;
  ModuleReader reader_;
  uint64_t maxModuleBytes_ = UINT64_MAX;
  std::map<std::string, ModuleNode*> byName_;
  std::vector<ModuleNode*> all_;
};

// The instances of one root and its dependencies.
class InstanceGroup {
 public:
  ~InstanceGroup();

  struct Options {
    // Run each instance's `_initialize` (a WASI reactor's, or any module's
    // that exports one of type () -> ()) once, right after its start
    // function and before anything can call into it.
    bool runInitialize = true;
    // The same for the root (false: the caller runs the root's _initialize).
    bool initializeRoot = true;
    // Existing groups whose instance of a module name is used instead of a
    // new one (the embedder's opt-in sharing). Kept alive by this group.
    std::map<std::string, std::shared_ptr<InstanceGroup>> shared;
    // Called with each instance right after it is created (before its start
    // function), e.g. to attach the C API's handle.
    std::function<void(Instance*, ModuleNode*)> onInstance;
    // Limits on the memories and tables every instance of the group
    // creates (Instance::Hooks::limits); kept for hot replacements.
    std::shared_ptr<const ResourceLimits> limits;
  };

  // Instantiates `root`'s dependencies in dependency order (each once),
  // then the root. Throws LinkError (a chain-prefixed message) or Trap (a
  // start function trapped; `*failedModule` says whose).
  static std::shared_ptr<InstanceGroup> instantiate(ModuleRegistry& registry, ModuleNode* root, ExecEnv& env,
                                                    const Options& options);

  Instance* root() const { return root_; }
  // Makes the root findable under `name` (find, and Options::shared of
  // later groups), for a root registered after it was instantiated (the
  // spec scripts' `register`).
  void alias(const std::string& name) { byName_[name] = root_; }
  // The instance of dependency `moduleName` (or the root's, by its name).
  Instance* find(const std::string& moduleName) const;
  const std::vector<std::shared_ptr<Instance>>& instances() const { return instances_; }

  // Re-points every import slot in this group that holds `from` to `to`
  // (same type required; a release store per slot). Returns how many slots
  // changed. The tier-up / hot-replace patch point.
  size_t patchImports(Function* from, Function* to);

  // Hot replacement of a dependency ("beyond the peers"): instantiates
  // `replacement` in place of this group's instance of `moduleName` and
  // re-points every reference the group holds to the old instance's
  // exported functions: the importers' slots (one release store each, the
  // patchImports mechanism) and funcref elements of live tables and
  // globals, each to the new export of the same name. The replacement's
  // imports come from this group's instances (by module name) and from host
  // modules; its start function and a reactor's _initialize run on `env`
  // before anything is re-pointed. Its state starts fresh (nothing of the
  // old instance's memory or globals is carried over).
  //
  // Fails, changing nothing, with *error set to one line when: moduleName
  // is the root or no instance of this group; an importer imports a
  // memory, table or global from it (those cannot be re-pointed); the
  // replacement lacks a function an importer uses or its type differs; the
  // replacement imports a module that is not in the group, or fails to
  // instantiate. Another group that links to this one's instance
  // (Options::shared) would keep calling the old code: the caller must not
  // replace a module such groups use (the C API refuses).
  //
  // A call already running in the old code finishes there; the old
  // instance is kept as "retired" (its memory, its functions) until
  // releaseRetired(), which the caller may call only when no call into this
  // group is running on any thread. `onInstance` is called with the new
  // instance right after it is created. Returns the number of references
  // re-pointed (or -1 on failure).
  long replace(ModuleRegistry& registry, const std::string& moduleName, std::shared_ptr<const Module> replacement,
               ExecEnv& env, const std::function<void(Instance*)>& onInstance, std::string* error);
  // Frees the retired instances that no live table or global of the group
  // refers to any more (a function that was not exported, stored in a
  // table, keeps its instance). Returns how many were freed.
  size_t releaseRetired();
  size_t retiredCount() const { return retired_.size(); }

  // Objects of the embedding layer released with the group (the C API's
  // per-instance handles), after its instances.
  std::vector<std::shared_ptr<void>> attachments;

 private:
  InstanceGroup() = default;
  std::vector<std::shared_ptr<Instance>> instances_;  // instantiation order
  std::map<std::string, Instance*> byName_;
  std::vector<std::shared_ptr<Function>> stubs_;
  std::vector<std::shared_ptr<Instance>> failed_;  // failed instantiations whose functions may be referenced
  std::vector<std::shared_ptr<Instance>> retired_;  // replaced instances (see replace)
  std::shared_ptr<const ResourceLimits> limits_;      // Options::limits
  std::map<std::string, std::shared_ptr<InstanceGroup>> shared_;
  Instance* root_ = nullptr;
};

}  // namespace strata
