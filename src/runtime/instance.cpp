// Module instantiation, following the WebAssembly 2.0 specification
// (section 4.5.4, "Instantiation"): check the imports, allocate the
// module's functions, tables, memories and globals, apply the active
// element and data segments in order, then run the start function.
#include "runtime/instance.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

#include "runtime/exec_env.h"
#include "runtime/tsan.h"

namespace strata {

namespace {

std::string describeLimits(uint64_t current, const Limits& lim) {
  std::string s = "{min " + std::to_string(current);
  if (lim.hasMax) s += ", max " + std::to_string(lim.max);
  return s + "}";
}

// The spec's limit matching: the provided object is at least as large as
// required now, and can never grow past the importer's maximum.
bool limitsMatch(uint64_t actualMin, const Limits& actual, const Limits& required) {
  if (actualMin < required.min) return false;
  if (!required.hasMax) return true;
  return actual.hasMax && actual.max <= required.max;
}

[[noreturn]] void incompatible(const Import& imp, const std::string& detail) {
  // Starts with the spec test suite's wording, which harnesses match as a
  // prefix; the rest says what exactly did not fit.
  throw LinkError("incompatible import type for \"" + imp.module + "\" \"" + imp.name + "\": " + detail);
}

// Instances whose instantiation failed after their functions could have
// become reachable from outside: written into an imported table by an
// element segment, or handed to an import or a mutable imported global by a
// trapping start function. The spec keeps such function instances alive
// (the linking tests call them afterwards), and a Function* in a table does
// not own its instance, so these instances are kept for the life of the
// process. It only happens on failed instantiations of modules that import
// something, so the cost is bounded by what callers do wrong.
void retainFailedInstance(std::shared_ptr<Instance> instance) {
  static std::mutex* mutex = new std::mutex;
  static auto* retained = new std::vector<std::shared_ptr<Instance>>;
  std::lock_guard<std::mutex> lock(*mutex);
  retained->push_back(std::move(instance));
}

}  // namespace

namespace {
std::atomic<uint64_t> gLiveInstances{0};
}  // namespace

Instance::Instance(std::shared_ptr<const Module> module) : module_(std::move(module)) {
  gLiveInstances.fetch_add(1, std::memory_order_relaxed);
}

Instance::~Instance() { gLiveInstances.fetch_sub(1, std::memory_order_relaxed); }

uint64_t Instance::liveCount() { return gLiveInstances.load(std::memory_order_relaxed); }

std::shared_ptr<Instance> Instance::instantiate(std::shared_ptr<const Module> module,
                                                std::vector<Extern> imports, ExecEnv& env) {
  return instantiate(std::move(module), std::move(imports), env, Hooks{});
}

std::shared_ptr<Instance> Instance::instantiate(std::shared_ptr<const Module> module,
                                                std::vector<Extern> imports, ExecEnv& env, const Hooks& hooks) {
  if (!module) throw std::invalid_argument("Instance::instantiate: null module");
  // Not make_shared: the constructor is private. Owned by a shared_ptr from
  // the start so that shared_from_this() works while the start function runs.
  std::shared_ptr<Instance> instance(new Instance(std::move(module)));
  instance->link(imports);

  const Module& m = *instance->module_;
  // Over the embedder's limits: refused before anything of the instance
  // exists or runs.
  if (const ResourceLimits* limits = hooks.limits.get()) {
    // Counted from construction, so that threads instantiating at once
    // cannot all pass the check: the one over the bound fails.
    if (liveCount() > limits->maxInstances)
      throw LinkError("instance limit reached: " + std::to_string(limits->maxInstances) +
                      " instances are alive already");
    for (size_t i = m.numImportedTables; i < m.tables.size(); ++i)
      if (m.tables[i].limits.min > limits->maxTableElements)
        throw LinkError("table " + std::to_string(i) + " of " + std::to_string(m.tables[i].limits.min) +
                        " elements is over the limit of " + std::to_string(limits->maxTableElements));
    for (size_t i = m.numImportedMemories; i < m.memories.size(); ++i)
      if (m.memories[i].limits.min > limits->maxMemoryPages)
        throw LinkError("memory " + std::to_string(i) + " of " + std::to_string(m.memories[i].limits.min) +
                        " pages is over the limit of " + std::to_string(limits->maxMemoryPages) + " pages");
  }
  instance->droppedElems_.assign(m.elems.size(), false);
  instance->droppedDatas_.assign(m.datas.size(), false);

  // Defined functions. Their Function objects exist before any constant
  // expression runs, since ref.func may name them.
  instance->definedFunctions_.reserve(m.functions.size());
  for (size_t i = 0; i < m.functions.size(); ++i) {
    uint32_t index = m.numImportedFuncs + static_cast<uint32_t>(i);
    uint32_t typeIndex = m.funcTypes[index];
    auto f = std::make_unique<Function>();
    f->type = m.canonical(m.types[typeIndex]);
    f->sigId = m.typeIds[typeIndex];
    f->instance = instance.get();
    f->index = index;
    instance->definedFunctions_.push_back(std::move(f));
  }
  if (hooks.created) hooks.created(*instance);

  // Functions, tables and globals keep their types in canonical form
  // (Module::canonical): they meet other modules and the host.
  for (size_t i = m.numImportedTables; i < m.tables.size(); ++i)
    instance->tables_.push_back(std::make_shared<Table>(
        m.canonical(m.tables[i]), instance->evalConst(m.tableInits[i - m.numImportedTables]), hooks.limits));
  for (size_t i = m.numImportedMemories; i < m.memories.size(); ++i)
    instance->memories_.push_back(Memory::create(m.memories[i], hooks.limits));

  for (uint32_t typeIndex : std::vector<uint32_t>(m.tagTypes.begin() + m.numImportedTags, m.tagTypes.end())) {
    auto tag = std::make_shared<Tag>();
    tag->type = m.canonical(m.types[typeIndex]);
    tag->sigId = m.typeIds[typeIndex];
    instance->tags_.push_back(std::move(tag));
  }
  for (const Export& e : m.exports)
    if (e.kind == ExternKind::Tag && e.index >= m.numImportedTags && instance->tags_[e.index]->name.empty())
      instance->tags_[e.index]->name = e.name;

  // Defined globals follow the imported ones (already in globals_), each
  // evaluated in order so global.get can see every earlier global.
  for (const Global& g : m.globals) {
    auto cell = std::make_shared<GlobalCell>();
    cell->type = m.canonical(g.type);
    cell->value = instance->evalConst(g.init);
    if (g.init.kind == ConstExpr::Kind::V128) cell->high = g.init.high;
    if (g.init.kind == ConstExpr::Kind::GlobalGet && g.init.bits < instance->globals_.size())
      cell->high = instance->globals_[g.init.bits]->high;
    instance->globals_.push_back(std::move(cell));
  }

  // Built: from here other threads may reach the functions (segments may
  // write them into imported tables), some through compiled code.
  for (const auto& f : instance->definedFunctions_) tsanRelease(f.get());

  try {
    instance->initializeSegments();
    if (m.hasStart) {
      Function* start = m.startFunction < m.funcTypes.size() ? instance->function(m.startFunction) : nullptr;
      if (!start) throw std::runtime_error("start function index out of range");
      env.call(start, std::vector<Slot>{});
    }
  } catch (...) {
    // Segments applied before the failure stay applied (tables and memories
    // may be imported and shared), so this instance's functions may now be
    // referenced from objects that outlive this call.
    if (m.numImportedFuncs || m.numImportedTables || m.numImportedGlobals) {
      if (hooks.retainFailed)
        hooks.retainFailed(instance);
      else
        retainFailedInstance(instance);
    }
    throw;
  }
  return instance;
}

void Instance::link(std::vector<Extern>& imports) {
  const Module& m = *module_;
  if (imports.size() != m.imports.size())
    throw LinkError("wrong number of imports: the module needs " + std::to_string(m.imports.size()) +
                    ", got " + std::to_string(imports.size()));

  importSlots_.reset(new ImportSlot[m.numImportedFuncs]);
  uint32_t funcSlot = 0;

  for (size_t i = 0; i < imports.size(); ++i) {
    const Import& imp = m.imports[i];
    const Extern& ext = imports[i];
    if (ext.kind != imp.kind)
      incompatible(imp, std::string("expected a ") + externKindName(imp.kind) + ", got a " +
                            externKindName(ext.kind));

    switch (imp.kind) {
      case ExternKind::Func: {
        if (!ext.func) incompatible(imp, "null function");
        if (imp.typeIndex >= m.types.size() || funcSlot >= m.numImportedFuncs)
          throw LinkError("malformed module: bad function import");
        const FuncType& want = m.types[imp.typeIndex];
        if (ext.func->sigId != m.typeIds[imp.typeIndex])
          incompatible(imp, "expected a function " + want.toString() + ", got " + ext.func->type.toString());
        importSlots_[funcSlot++].store(ext.func.get(), std::memory_order_relaxed);
        break;
      }
      case ExternKind::Table: {
        if (!ext.table) incompatible(imp, "null table");
        const TableType& have = ext.table->type();
        if (have.elem != m.canonical(imp.table.elem))
          incompatible(imp, std::string("expected a table of ") + valTypeName(imp.table.elem) + ", got one of " +
                                valTypeName(have.elem));
        if (have.is64 != imp.table.is64)
          incompatible(imp, std::string("expected a table") + (imp.table.is64 ? "64" : "") + ", got a table" +
                                (have.is64 ? "64" : ""));
        if (!limitsMatch(ext.table->size(), have.limits, imp.table.limits))
          incompatible(imp, "table limits " + describeLimits(ext.table->size(), have.limits) + " do not fit " +
                                describeLimits(imp.table.limits.min, imp.table.limits));
        tables_.push_back(ext.table);
        break;
      }
      case ExternKind::Memory: {
        if (!ext.memory) incompatible(imp, "null memory");
        const Limits& have = ext.memory->type().limits;
        if (ext.memory->type().is64 != imp.memory.is64)
          incompatible(imp, std::string("expected a memory") + (imp.memory.is64 ? "64" : "") + ", got a memory" +
                                (ext.memory->type().is64 ? "64" : ""));
        if (!limitsMatch(ext.memory->pages(), have, imp.memory.limits))
          incompatible(imp, "memory limits " + describeLimits(ext.memory->pages(), have) + " do not fit " +
                                describeLimits(imp.memory.limits.min, imp.memory.limits));
        memories_.push_back(ext.memory);
        break;
      }
      case ExternKind::Global: {
        if (!ext.global) incompatible(imp, "null global");
        // An immutable global may have a subtype; a mutable one the type.
        const GlobalType& have = ext.global->type;
        ValType want = m.canonical(imp.global.type);
        bool typeFits = imp.global.mutable_ ? have.type == want : isSubtype(have.type, want, nullptr);
        if (!typeFits || have.mutable_ != imp.global.mutable_) {
          auto show = [](const GlobalType& t) {
            return std::string(t.mutable_ ? "(mut " : "(") + valTypeName(t.type) + ")";
          };
          incompatible(imp, "expected a global " + show(imp.global) + ", got " + show(have));
        }
        globals_.push_back(ext.global);
        break;
      }
      case ExternKind::Tag: {
        if (!ext.tag) incompatible(imp, "null tag");
        if (ext.tag->sigId != m.typeIds[imp.typeIndex])
          incompatible(imp, "expected a tag " + m.types[imp.typeIndex].toString() + ", got " +
                                ext.tag->type.toString());
        tags_.push_back(ext.tag);
        break;
      }
    }
  }
  if (funcSlot != m.numImportedFuncs) throw LinkError("malformed module: function import count mismatch");
  // Owning references: an imported function's instance, or a memory whose
  // exporter is gone, must outlive this instance.
  imports_ = std::move(imports);
}

Slot Instance::evalConst(const ConstExpr& expr) const {
  switch (expr.kind) {
    case ConstExpr::Kind::I32:
    case ConstExpr::Kind::F32:
      return expr.bits & 0xffffffffu;
    case ConstExpr::Kind::I64:
    case ConstExpr::Kind::F64:
    case ConstExpr::Kind::V128:  // the low half; the caller takes `high`
      return expr.bits;
    case ConstExpr::Kind::RefNull:
      return 0;
    case ConstExpr::Kind::RefFunc:
      if (expr.bits >= module_->funcTypes.size()) throw std::runtime_error("ref.func index out of range");
      return static_cast<Slot>(reinterpret_cast<uintptr_t>(function(static_cast<uint32_t>(expr.bits))));
    case ConstExpr::Kind::GlobalGet:
      // Only globals initialised so far are visible (the validator allows
      // only earlier ones).
      if (expr.bits >= globals_.size()) throw std::runtime_error("global.get index out of range");
      return globals_[expr.bits]->value;
    case ConstExpr::Kind::Program: {
      // Validated: every operator finds two operands of its type, and one
      // value of the expression's type is left (i32 or i64 arithmetic;
      // wrapping, like the instructions).
      std::vector<Slot> stack;
      for (const ConstExpr& op : expr.program) {
        if (op.kind != ConstExpr::Kind::Add && op.kind != ConstExpr::Kind::Sub && op.kind != ConstExpr::Kind::Mul) {
          stack.push_back(evalConst(op));
          continue;
        }
        if (stack.size() < 2) throw std::runtime_error("malformed constant expression");
        Slot b = stack.back();
        stack.pop_back();
        Slot a = stack.back();
        Slot r = op.kind == ConstExpr::Kind::Add ? a + b : op.kind == ConstExpr::Kind::Sub ? a - b : a * b;
        stack.back() = op.type == ValType::I32 ? (r & 0xffffffffu) : r;
      }
      if (stack.size() != 1) throw std::runtime_error("malformed constant expression");
      return stack[0];
    }
    case ConstExpr::Kind::Add:
    case ConstExpr::Kind::Sub:
    case ConstExpr::Kind::Mul:
      break;  // only inside a program
  }
  throw std::runtime_error("malformed constant expression");
}

Slot Instance::evalRef(const ConstExpr& expr) const { return evalConst(expr); }

void Instance::initializeSegments() {
  const Module& m = *module_;

  // Element segments, in order: active ones behave like table.init followed
  // by elem.drop, declarative ones are just dropped.
  for (size_t i = 0; i < m.elems.size(); ++i) {
    const ElemSegment& seg = m.elems[i];
    if (seg.mode == ElemSegment::Mode::Passive) continue;
    if (seg.mode == ElemSegment::Mode::Active) {
      if (seg.table >= tables_.size()) throw std::runtime_error("element segment table index out of range");
      Table& table = *tables_[seg.table];
      // The offset is an unsigned i32 or (table64) i64: compared so that
      // nothing wraps.
      uint64_t offset = evalConst(seg.offset);
      if (!table.type().is64) offset &= 0xffffffffu;
      if (offset > table.size() || seg.items.size() > table.size() - offset) throw Trap("out of bounds table access");
      Slot* dst = table.data() + offset;
      for (const ConstExpr& item : seg.items) *dst++ = evalRef(item);
    }
    droppedElems_[i] = true;
  }

  // Then data segments, in order: memory.init followed by data.drop.
  for (size_t i = 0; i < m.datas.size(); ++i) {
    const DataSegment& seg = m.datas[i];
    if (seg.mode != DataSegment::Mode::Active) continue;
    if (seg.memory >= memories_.size()) throw std::runtime_error("data segment memory index out of range");
    if (uint64_t(seg.begin) + seg.size > m.bytes.size()) throw std::runtime_error("data segment outside the module");
    Memory& memory = *memories_[seg.memory];
    uint64_t offset = evalConst(seg.offset);
    if (!memory.type().is64) offset &= 0xffffffffu;
    if (offset > memory.byteSize() || seg.size > memory.byteSize() - offset) throw Trap("out of bounds memory access");
    if (seg.size) std::memcpy(memory.base() + offset, m.bytes.data() + seg.begin, seg.size);
    droppedDatas_[i] = true;
  }
}

bool Instance::findExport(const std::string& name, Extern* out) {
  *out = Extern{};
  const Export* exp = module_->findExport(name);
  if (!exp) return false;
  out->kind = exp->kind;
  switch (exp->kind) {
    case ExternKind::Func:
      out->func = sharedFunction(exp->index);
      return out->func != nullptr;
    case ExternKind::Table:
      if (exp->index >= tables_.size()) return false;
      out->table = tables_[exp->index];
      return true;
    case ExternKind::Memory:
      if (exp->index >= memories_.size()) return false;
      out->memory = memories_[exp->index];
      return true;
    case ExternKind::Global:
      if (exp->index >= globals_.size()) return false;
      out->global = globals_[exp->index];
      return true;
    case ExternKind::Tag:
      if (exp->index >= tags_.size()) return false;
      out->tag = tags_[exp->index];
      return true;
  }
  return false;
}

Slot Instance::keepException(std::shared_ptr<ExceptionObject> e) {
  Slot ref = reinterpret_cast<Slot>(e.get());
  std::lock_guard<std::mutex> lock(exceptionsMutex_);
  // The same exception caught again (rethrown by throw_ref) is kept once.
  if (keptExceptions_.empty() || keptExceptions_.back() != e) keptExceptions_.push_back(std::move(e));
  return ref;
}

Function* Instance::exportedFunction(const std::string& name) {
  const Export* exp = module_->findExport(name);
  if (!exp || exp->kind != ExternKind::Func || exp->index >= module_->funcTypes.size()) return nullptr;
  return function(exp->index);
}

std::shared_ptr<Function> Instance::sharedFunction(uint32_t index) {
  if (index >= module_->funcTypes.size()) return nullptr;
  Function* f = function(index);
  if (!f) return nullptr;
  // A re-exported import: hand out the original owner's reference when the
  // slot still holds what was linked, so the exporter stays the owner.
  if (index < module_->numImportedFuncs) {
    for (const Extern& ext : imports_)
      if (ext.kind == ExternKind::Func && ext.func.get() == f) return ext.func;
  }
  // Aliasing constructor: points at the function, owns the instance (which
  // owns the function and whatever its code refers to).
  return std::shared_ptr<Function>(shared_from_this(), f);
}

}  // namespace strata
