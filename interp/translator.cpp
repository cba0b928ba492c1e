// Translates a function body into interpreter code, as a consumer of the
// shared validating decoder walk (wasm/function_decoder.h).
//
// Register-style operands: every operand-stack position h has a fixed frame
// slot (after the locals; a v128 takes two slots, see slotWidth()), so an
// instruction names its inputs and output slots and needs no pushes or pops
// at run time. Two cheap tricks remove most
// copies:
//  - local.get emits nothing: the stack entry refers to the local's slot
//    until something could change that local, when it is copied out;
//  - local.set/tee after an instruction retargets that instruction's output
//    to the local instead of emitting a copy;
//  - constants stay on the virtual stack: a binary operator with a constant
//    right operand becomes its immediate form (`i32.add dst, a, 1`), and a
//    comparison consumed by br_if/if fuses with the branch.
// Before any control instruction the virtual stack is "materialised" (every
// entry in its own slot), so all paths into a label agree on where values
// are.
#include <mutex>
#include <utility>

#include "interp/code.h"
#include "jit/jit.h"
#include "runtime/instance.h"
#include "wasm/function_decoder.h"

namespace strata {

IOp simpleOpFor(Op op) {
  switch (op) {
#define STRATA_MAP(Name, ...) \
  case Op::Name:              \
    return IOp::Name;
    STRATA_LOAD_OPS(STRATA_MAP)
    STRATA_STORE_OPS(STRATA_MAP)
    STRATA_UNARY_OPS(STRATA_MAP)
    STRATA_BINARY_OPS(STRATA_MAP)
    STRATA_SIMD_INTERP_OPS(STRATA_MAP)
#undef STRATA_MAP
    default:
      return IOp::Count;
  }
}

IOp immediateFormOf(IOp op) {
  switch (op) {
#define STRATA_MAP(Name, ...) \
  case IOp::Name:             \
    return IOp::Name##Imm;
    STRATA_BINARY_OPS(STRATA_MAP)
#undef STRATA_MAP
    default:
      return IOp::Count;
  }
}

IOp addressedLoadOf(IOp load, bool immediate) {
  switch (load) {
#define STRATA_MAP(Name, ...) \
  case IOp::Name:             \
    return immediate ? IOp::Name##Disp : IOp::Name##Idx;
    STRATA_LOAD_OPS(STRATA_MAP)
#undef STRATA_MAP
    default:
      return IOp::Count;
  }
}

IOp storeFormOf(IOp store, bool displaced) {
  switch (store) {
#define STRATA_MAP(Name, ...) \
  case IOp::Name:             \
    return displaced ? IOp::Name##Disp : IOp::Name##Const;
    STRATA_STORE_OPS(STRATA_MAP)
#undef STRATA_MAP
    default:
      return IOp::Count;
  }
}

IOp fusedBranchOf(IOp compare, bool branchIfTrue, bool immediate) {
  switch (compare) {
#define STRATA_MAP(Name, ...)                                                  \
  case IOp::Name:                                                              \
    return branchIfTrue ? (immediate ? IOp::BrIf##Name##Imm : IOp::BrIf##Name) \
                        : (immediate ? IOp::BrUnless##Name##Imm : IOp::BrUnless##Name);
    STRATA_COMPARE_OPS(STRATA_MAP)
#undef STRATA_MAP
    default:
      return IOp::Count;
  }
}

namespace {

constexpr uint32_t kNoPatch = UINT32_MAX;

// A branch offset to fill in once the target is known: the offset field's
// position and the start of the instruction it is relative to.
struct Fixup {
  uint32_t field = kNoPatch;
  uint32_t start = 0;
};

struct TranslatorControlData {
  uint32_t loopStart = 0;         // code offset of a loop's header
  uint32_t tryBegin = 0;          // a try's body: where its handler starts
  static constexpr uint32_t kNoHandler = UINT32_MAX;
  uint32_t handler = kNoHandler;  // a legacy try's index in InterpCode::handlers, once made
  uint32_t rethrowSlot = 0;       // a legacy catch's exnref, for rethrow
  std::vector<uint32_t> delegates;  // legacy delegates to this try, made before its handler
  InterpCode::Handler tryTable;   // a try_table's handler, added at its end (inner ones first)
  Fixup elseFixup;                // an if's branch to its else arm
  std::vector<Fixup> endFixups;   // branches to this block's end
};

// The runtime objects of its own instance that translated code points to
// (call targets, import slots, tables, globals, tags), by kind and index:
// a translation is shared by the instances of a module as a template whose
// copies have these operands rewritten (see ensureTranslated).
enum class InstanceRef : uint8_t { Function, ImportSlot, Table, Global, SharedTag };
struct Relocation {
  uint32_t at;  // offset of the 8-byte operand in the code
  InstanceRef kind;
  uint32_t index;
};

const void* instanceObject(Instance& instance, InstanceRef kind, uint32_t index) {
  switch (kind) {
    case InstanceRef::Function: return instance.function(index);
    case InstanceRef::ImportSlot: return &instance.importSlot(index);
    case InstanceRef::Table: return instance.table(index);
    case InstanceRef::Global: return instance.global(index);
    case InstanceRef::SharedTag: return &instance.sharedTag(index);
  }
  return nullptr;
}

// The distinct v128.const values of a function, in first-use order: the
// translator gives each a frame slot pair, filled once at entry, so a
// constant in a loop costs no instruction per iteration.
struct V128Constants : NullConsumer {
  std::vector<std::pair<uint64_t, uint64_t>> values;
  void onSimd(Op op, const SimdImmediate& si) {
    if (op != Op::V128Const) return;
    uint64_t lo, hi;
    std::memcpy(&lo, si.bytes, 8);
    std::memcpy(&hi, si.bytes + 8, 8);
    for (const auto& v : values)
      if (v.first == lo && v.second == hi) return;
    values.push_back({lo, hi});
  }
};

class Translator : public NullConsumer {
 public:
  struct ControlData : TranslatorControlData {};
  using Control = ControlEntry<ControlData>;
  using Decoder = FunctionDecoder<Translator>;

  Translator(Instance& instance, InterpCode& out) : instance_(instance), out_(out), handlers_(interpreterHandlers()) {}
  void setDecoder(Decoder* d) { d_ = d; }
  void setV128Constants(std::vector<std::pair<uint64_t, uint64_t>> values) { v128Consts_ = std::move(values); }

  void onFunctionStart(Control&) {
    // Fuel metering: every entry takes a unit (ExecEnv::fuel).
    if (jit::g_meterFuel) emitOp(IOp::Fuel);
    localSlot_ = slotOffsets(d_->localTypes());
    localSlots_ = slotCount(d_->localTypes());
    out_.localSlots = localSlots_;
    out_.paramSlots = d_->functionType().paramSlots();
    uint32_t slots = localSlots_;
    // The v128 constants' slots follow the locals (the operand stack then
    // starts above them), each set once here.
    for (size_t k = 0; k < v128Consts_.size(); ++k) {
      emitOp(IOp::Const128);
      u32(slots + uint32_t(2 * k));
      u64(v128Consts_[k].first);
      u64(v128Consts_[k].second);
    }
    slots += uint32_t(2 * v128Consts_.size());
    // Then one slot per legacy catch arm: the exception, for rethrow.
    rethrowSlots_ = slots;
    slots += d_->declaration().legacyCatches;
    canon_.assign(1, slots);
    maxSlots_ = slots;
  }

  // --- structured control ---
  void onBlock(Control& c) { materializeAll(); }
  void onLoop(Control& c) {
    materializeAll();
    c.data.loopStart = here();
    startLabel();
    // ...and every iteration.
    if (jit::g_meterFuel) emitOp(IOp::Fuel);
    // Where the interpreter counts (jit::g_interpreterCounts), every
    // iteration passes the header, which counts down the function's
    // counter; when it runs out the interpreter checks for interrupts and,
    // in tiered mode, the function moves up a tier and may leave for
    // compiled code entered at this loop (OSR). OSR only where the operand
    // stack is empty: then the frame's state is its locals alone, which is
    // what the JIT's OSR entry loads.
    if (jit::g_interpreterCounts) {
      emitOp(IOp::LoopHeader);
      u32(stack_.empty() ? uint32_t(d_->opOffset()) : kNoOsrLoop);
      startLabel();
    }
  }
  void onIf(Control& c) {
    Condition cond = popCondition();
    materializeAll();
    emitConditionalBranch(cond, false);
    c.data.elseFixup = placeholder();
    if (cond.hasB) emitOperandB(cond);
  }
  void onElse(Control& c, bool thenFallsThrough) {
    if (thenFallsThrough) {
      materializeAll();
      emitOp(IOp::Br);
      c.data.endFixups.push_back(placeholder());
    }
    patch(c.data.elseFixup);
    c.data.elseFixup = Fixup{};
    resetStack(c, /*results=*/false);
    startLabel();
  }
  // A try_table: first the landing code of each catch clause (jumped
  // over), which finds the exception's values where findHandler wrote them
  // (the slots from the block's height up) and branches to the clause's
  // label; then the body, whose code range the handler covers.
  void onTryTable(Control& c, const std::vector<CatchClause>& catches, const std::vector<Control*>& targets) {
    materializeAll();
    emitOp(IOp::Br);
    Fixup skip = placeholder();
    std::vector<uint32_t> savedStack = stack_, savedCanon = canon_;
    InterpCode::Handler h;
    const Module& m = d_->module();
    for (size_t i = 0; i < catches.size(); ++i) {
      const CatchClause& clause = catches[i];
      InterpCode::Catch k;
      k.tag = clause.catchesAll() ? nullptr : instance_.tag(clause.tag);
      instanceSpecific_ = true;  // the handler table points to the tag
      stack_.resize(c.height);
      k.valueSlot = canonical(c.height);
      k.landing = here();
      startLabel();
      if (!clause.catchesAll())
        for (ValType t : m.types[m.tagTypes[clause.tag]].params) pushSlot(slotWidth(t));
      if (clause.withRef()) k.refSlot = pushSlot(1);
      emitBranchTo(*targets[i]);
      h.catches.push_back(k);
      stack_ = savedStack;
      canon_ = savedCanon;
    }
    patch(skip);
    startLabel();
    h.begin = here();
    c.data.tryTable = std::move(h);
  }

  // The legacy instructions (try, catch, catch_all, delegate, rethrow),
  // which LLVM emits for -fwasm-exceptions: a try's handler covers its
  // body; each catch arm is a landing where the values are on the stack
  // and the exnref (for rethrow) in a slot of its own after the locals.
  void onTry(Control& c) {
    materializeAll();
    startLabel();
    c.data.tryBegin = here();
  }
  void onCatch(Control& c, uint32_t tag, bool fallsThrough) {
    const Module& m = d_->module();
    instanceSpecific_ = true;  // the handler table points to the tag
    legacyCatch(c, instance_.tag(tag), &m.types[m.tagTypes[tag]], fallsThrough);
  }
  void onCatchAll(Control& c, bool fallsThrough) { legacyCatch(c, nullptr, nullptr, fallsThrough); }
  void legacyCatch(Control& c, const Tag* tag, const FuncType* type, bool fallsThrough) {
    InterpCode::Handler& h = out_.handlers[closeTryBody(c)];
    if (fallsThrough) {
      materializeAll();
      emitOp(IOp::Br);
      c.data.endFixups.push_back(placeholder());
    }
    InterpCode::Catch k;
    k.tag = tag;
    k.valueSlot = canonical(c.height);
    k.refSlot = c.data.rethrowSlot = rethrowSlots_ + legacyCatches_++;
    k.landing = here();
    h.catches.push_back(k);
    stack_.resize(c.height);
    if (type)
      for (ValType t : type->params) pushSlot(slotWidth(t));
    startLabel();
  }
  // An exception in the body goes to the handler of the try that `target`
  // names (or of the nearest try around it), skipping those in between.
  void onDelegate(Control& c, Control& target, bool fallsThrough) {
    uint32_t h = closeTryBody(c);
    out_.handlers[h].delegateTo = InterpCode::kDelegateToCaller;
    for (Control* t = &target; t; t = d_->enclosingControl(t)) {
      if (t->kind == Op::Try) {
        t->data.delegates.push_back(h);
        break;
      }
    }
    onEnd(c, fallsThrough);
  }
  void onRethrow(Control& target) {
    emitOp(IOp::ThrowRef);
    u32(target.data.rethrowSlot);
    lastDst_ = kNoPatch;
  }
  // The try body ends (first catch, delegate, or end): its handler covers it.
  uint32_t closeTryBody(Control& c) {
    if (c.data.handler == TranslatorControlData::kNoHandler) {
      c.data.handler = uint32_t(out_.handlers.size());
      out_.handlers.push_back({c.data.tryBegin, here(), {}, InterpCode::kNoDelegate});
      for (uint32_t d : c.data.delegates) out_.handlers[d].delegateTo = c.data.handler;
    }
    return c.data.handler;
  }
  void onThrow(uint32_t tag) {
    uint32_t values = prepareCall(d_->module().types[d_->module().tagTypes[tag]]);
    emitOp(IOp::Throw);
    u32(values);
    instancePtr(InstanceRef::SharedTag, tag);
    lastDst_ = kNoPatch;
  }
  void onThrowRef() {
    uint32_t ref = pop();
    emitOp(IOp::ThrowRef);
    u32(ref);
    lastDst_ = kNoPatch;
  }

  void onEnd(Control& c, bool fallsThrough) {
    if (c.kind == Op::End) {  // the function's end: return
      if (fallsThrough) onReturn();
      return;
    }
    // A try_table's handler covers its body; a legacy try without catches
    // gets an empty handler, which delegates to it pass on.
    if (c.kind == Op::TryTable) {
      c.data.tryTable.end = here();
      out_.handlers.push_back(std::move(c.data.tryTable));
    }
    if (c.kind == Op::Try) closeTryBody(c);
    if (fallsThrough) materializeAll();
    if (c.data.elseFixup.field != kNoPatch) patch(c.data.elseFixup);
    for (const Fixup& f : c.data.endFixups) patch(f);
    resetStack(c, /*results=*/true);
    startLabel();
  }

  void onBr(Control& target) {
    materializeAll();
    emitBranchTo(target);
  }
  void onBrIf(Control& target) {
    Condition cond = popCondition();
    materializeAll();
    branchIf(cond, target);
  }
  // br_on_null branches without the reference, which stays on the stack
  // when it is not null; br_on_non_null branches with it and drops it
  // otherwise.
  void onBrOnNull(Control& target) {
    Condition cond;
    cond.a = pop();
    cond.reference = true;
    cond.negate = true;
    materializeAll();
    branchIf(cond, target);
    pushEntry(cond.a, 1);
  }
  void onBrOnNonNull(Control& target) {
    materializeAll();
    Condition cond;
    cond.a = canonical(uint32_t(stack_.size() - 1));
    cond.reference = true;
    branchIf(cond, target);
    stack_.pop_back();
  }
  void onBrTable(const std::vector<Control*>& targets, Control& def) {
    uint32_t index = pop();
    materializeAll();
    uint32_t start = here();
    emitOp(IOp::BrTable);
    u32(index);
    u32(uint32_t(targets.size()));
    // Targets that need value copies or are the function's return go
    // through a stub emitted after the table.
    std::vector<std::pair<Fixup, Control*>> stubs;
    auto entry = [&](Control* t) {
      if (t->kind == Op::End || needsCopies(*t)) {
        stubs.push_back({placeholder(start), t});
      } else {
        branchField(*t, start);
      }
    };
    for (Control* t : targets) entry(t);
    entry(&def);
    for (auto& [fixup, t] : stubs) {
      patch(fixup);
      emitBranchTo(*t);
    }
  }
  void onReturn() {
    // Several results are moved into slots 0.. which may hold locals that
    // other results still refer to: materialise those first. One result
    // cannot clash (a v128 copy overlapping its source is fine: Copy128
    // reads before it writes).
    if (d_->functionType().results.size() > 1) materializeAll();
    emitReturn();
  }
  void onUnreachable() { emitOp(IOp::Unreachable); }

  // --- calls ---
  // Tail calls lay their arguments out as calls do; their handlers move
  // them down to slot 0 and the callee takes over this frame.
  void onCall(uint32_t funcIndex) {
    emitDirectCall(funcIndex, IOp::Call, IOp::CallImport);
    finishCall(d_->module().funcType(funcIndex));
  }
  void onCallIndirect(uint32_t typeIndex, uint32_t table) {
    emitIndirectCall(typeIndex, table, IOp::CallIndirect);
    finishCall(d_->module().types[typeIndex]);
  }
  void onReturnCall(uint32_t funcIndex) {
    emitDirectCall(funcIndex, IOp::ReturnCall, IOp::ReturnCallImport);
    lastDst_ = kNoPatch;
  }
  void onReturnCallIndirect(uint32_t typeIndex, uint32_t table) {
    emitIndirectCall(typeIndex, table, IOp::ReturnCallIndirect);
    lastDst_ = kNoPatch;
  }
  void onCallRef(uint32_t typeIndex) {
    emitRefCall(typeIndex, IOp::CallRef);
    finishCall(d_->module().types[typeIndex]);
  }
  void onReturnCallRef(uint32_t typeIndex) {
    emitRefCall(typeIndex, IOp::ReturnCallRef);
    lastDst_ = kNoPatch;
  }
  void emitRefCall(uint32_t typeIndex, IOp op) {
    // Like the table index of call_indirect, the reference sits above the
    // arguments and is read before the callee's frame is set up.
    uint32_t refSlot = pop();
    uint32_t frame = prepareCall(d_->module().types[typeIndex]);
    emitOp(op);
    u32(frame);
    u32(refSlot);
  }
  void emitDirectCall(uint32_t funcIndex, IOp defined, IOp imported) {
    uint32_t frame = prepareCall(d_->module().funcType(funcIndex));
    if (funcIndex < d_->module().numImportedFuncs) {
      emitOp(imported);
      u32(frame);
      instancePtr(InstanceRef::ImportSlot, funcIndex);
    } else {
      emitOp(defined);
      u32(frame);
      instancePtr(InstanceRef::Function, funcIndex);
    }
  }
  void emitIndirectCall(uint32_t typeIndex, uint32_t table, IOp op) {
    narrowTableIndex(table, 0);
    const FuncType& ft = d_->module().types[typeIndex];
    // The index sits above the arguments, inside the callee's future frame:
    // the handler reads it before it sets that frame up.
    uint32_t indexSlot = pop();
    uint32_t frame = prepareCall(ft);
    emitOp(op);
    u32(frame);
    u32(indexSlot);
    u32(d_->module().typeIds[typeIndex]);
    instancePtr(InstanceRef::Table, table);
  }

  // --- parametric ---
  void onDrop() { stack_.pop_back(); }
  void onSelect(ValType t) {
    uint32_t cond = pop();
    uint32_t b = pop();
    uint32_t a = pop();
    uint32_t dst = pushSlot(slotWidth(t));
    emitOp(t == ValType::V128 ? IOp::Select128 : IOp::Select);
    dstField(dst);
    u32(a);
    u32(b);
    u32(cond);
  }

  // --- variables ---
  void onLocalGet(uint32_t i) { pushEntry(localSlot_[i], slotWidth(d_->localType(i))); }
  void onLocalSet(uint32_t i) {
    copyOutLocal(i, 1);
    uint32_t src = stack_.back();
    uint32_t slot = localSlot_[i];
    if (!retargetLast(src, slot)) emitMove(slot, src, topWidth());
    stack_.pop_back();
  }
  void onLocalTee(uint32_t i) {
    copyOutLocal(i, 1);
    uint32_t src = stack_.back();
    uint32_t slot = localSlot_[i];
    if (!retargetLast(src, slot)) emitMove(slot, src, topWidth());
    if (!isConst(src)) stack_.back() = slot;  // the value now lives in the local
    lastDst_ = kNoPatch;
  }
  void onGlobalGet(uint32_t i) {
    bool v128 = d_->module().globalTypes[i].type == ValType::V128;
    uint32_t dst = pushSlot(v128 ? 2 : 1);
    emitOp(v128 ? IOp::GlobalGet128 : IOp::GlobalGet);
    dstField(dst);
    instancePtr(InstanceRef::Global, i);
  }
  void onGlobalSet(uint32_t i) {
    bool v128 = d_->module().globalTypes[i].type == ValType::V128;
    uint32_t src = pop();
    emitOp(v128 ? IOp::GlobalSet128 : IOp::GlobalSet);
    u32(src);
    instancePtr(InstanceRef::Global, i);
  }

  // --- tables and references ---
  void onTableGet(uint32_t t) {
    narrowTableIndex(t, 0);
    uint32_t index = pop();
    uint32_t dst = pushSlot();
    emitOp(IOp::TableGet);
    dstField(dst);
    u32(index);
    instancePtr(InstanceRef::Table, t);
  }
  void onTableSet(uint32_t t) {
    narrowTableIndex(t, 1);
    uint32_t value = pop();
    uint32_t index = pop();
    emitOp(IOp::TableSet);
    u32(index);
    u32(value);
    instancePtr(InstanceRef::Table, t);
  }
  void onTableSize(uint32_t t) {
    uint32_t dst = pushSlot();
    emitOp(IOp::TableSize);
    dstField(dst);
    instancePtr(InstanceRef::Table, t);
  }
  void onTableGrow(uint32_t t) {
    narrowTableIndex(t, 0);
    uint32_t n = pop();
    uint32_t init = pop();
    uint32_t dst = pushSlot();
    emitOp(IOp::TableGrow);
    dstField(dst);
    u32(init);
    u32(n);
    instancePtr(InstanceRef::Table, t);
  }
  void onTableFill(uint32_t t) {
    narrowTableIndex(t, 0);
    narrowTableIndex(t, 2);
    uint32_t n = pop(), value = pop(), index = pop();
    emitOp(IOp::TableFill);
    u32(index);
    u32(value);
    u32(n);
    instancePtr(InstanceRef::Table, t);
  }
  void onTableCopy(uint32_t dstTable, uint32_t srcTable) {
    narrowTableIndex(dstTable, 2);
    narrowTableIndex(srcTable, 1);
    if (d_->module().tables[dstTable].is64 && d_->module().tables[srcTable].is64) narrowTableIndex(dstTable, 0);
    uint32_t n = pop(), src = pop(), dst = pop();
    emitOp(IOp::TableCopy);
    u32(dst);
    u32(src);
    u32(n);
    instancePtr(InstanceRef::Table, dstTable);
    instancePtr(InstanceRef::Table, srcTable);
  }
  void onTableInit(uint32_t seg, uint32_t t) {
    narrowTableIndex(t, 2);
    uint32_t n = pop(), src = pop(), dst = pop();
    emitOp(IOp::TableInit);
    u32(dst);
    u32(src);
    u32(n);
    u32(seg);
    instancePtr(InstanceRef::Table, t);
  }
  void onElemDrop(uint32_t seg) {
    emitOp(IOp::ElemDrop);
    u32(seg);
  }
  void onRefNull(ValType) { pushConst(0, true); }
  void onRefIsNull() { emitSimple(IOp::RefIsNull, 1); }
  void onRefAsNonNull() { emitSimple(IOp::RefAsNonNull, 1); }
  void onRefFunc(uint32_t f) {
    instanceSpecific_ = true;  // a constant, not a relocatable operand
    pushConst(uint64_t(uintptr_t(instance_.function(f))), true);
  }

  // --- memory ---
  // Loads and stores address memory 0 through the interpreter's cached
  // base and size; one that names another memory (multi-memory) is
  // bracketed by UseMemory instructions that switch the cache to that
  // memory and back, so memory 0 code pays nothing.
  template <class Emit>
  void withMemory(uint32_t memory, Emit emit) {
    if (memory == 0) {
      emit();
      return;
    }
    emitOp(IOp::UseMemory);
    u32(memory);
    emit();
    emitOp(IOp::UseMemory);
    u32(0);
  }
  void onLoad(Op op, MemArg m) {
    withMemory(m.memory, [&] { emitLoad(op, address32(m, 0)); });
  }
  void onStore(Op op, MemArg m) {
    withMemory(m.memory, [&] { emitStore(op, address32(m, 1)); });
  }

  // memory64 and table64: the handlers take 32-bit addresses and indices
  // (Strata's memories and tables stay below 2^32 bytes and elements).
  // An i64 address plus its offset becomes that u32 by an Address64
  // instruction, which traps when the sum does not fit, the access being
  // out of bounds then; an i64 table index or count by Index64, which
  // saturates at 2^32-1, out of bounds for every table. `above` counts the
  // operands above the address or index.
  MemArg address32(MemArg m, uint32_t above) {
    if (!d_->module().memories[m.memory].is64) return m;
    narrow(uint32_t(stack_.size()) - 1 - above, IOp::Address64);
    u64(m.offset);
    m.offset = 0;
    return m;
  }
  void narrowTableIndex(uint32_t table, uint32_t above) {
    if (!d_->module().tables[table].is64) return;
    narrow(uint32_t(stack_.size()) - 1 - above, IOp::Index64);
  }
  // Rewrites the entry at height h in its canonical slot with `op`.
  void narrow(uint32_t h, IOp op) {
    uint32_t slot = canonical(h);
    uint32_t entry = stack_[h];
    if (isConst(entry)) {
      emitMove(slot, entry, 1);
      entry = slot;
    }
    emitOp(op);
    u32(slot);
    u32(entry);
    stack_[h] = slot;
    lastDst_ = kNoPatch;
  }
  void emitLoad(Op op, MemArg m) {
    // An address just computed as `a + k`, `a - k` or `a + b` folds into
    // the load (a - k is a + (2^32 - k): both wrap the same way).
    if (topIsLastResult() && (last_.op == IOp::I32Add || (last_.op == IOp::I32Sub && last_.immediate))) {
      stack_.pop_back();
      LastOp add = takeBackLast();
      uint32_t k = add.op == IOp::I32Sub ? 0u - uint32_t(add.imm) : uint32_t(add.imm);
      uint32_t dst = pushSlot();
      emitOp(addressedLoadOf(simpleOpFor(op), add.immediate));
      dstField(dst);
      u32(add.a);
      u32(m.offset);
      u32(add.immediate ? k : add.b);
      return;
    }
    uint32_t addr = pop();
    uint32_t dst = pushSlot();
    emitOp(simpleOpFor(op));
    dstField(dst);
    u32(addr);
    u32(m.offset);
  }
  void emitStore(Op op, MemArg m) {
    IOp plain = simpleOpFor(op);
    uint32_t h = uint32_t(stack_.size());
    // A constant value is stored from the instruction itself.
    if (isConst(stack_[h - 1])) {
      uint64_t bits = constant(stack_[h - 1]).bits;
      stack_.pop_back();
      uint32_t addr = pop();
      emitOp(storeFormOf(plain, false));
      u32(addr);
      u32(m.offset);
      u64(bits);
      return;
    }
    // An address computed as `a + k` or `a - k` just before (the value
    // needed no instruction) folds into the store.
    if (lastIsPending() && last_.immediate && (last_.op == IOp::I32Add || last_.op == IOp::I32Sub) &&
        stack_[h - 2] == last_.dst && last_.dst == canonical(h - 2)) {
      uint32_t value = stack_[h - 1];
      stack_.resize(h - 2);
      LastOp add = takeBackLast();
      uint32_t k = add.op == IOp::I32Sub ? 0u - uint32_t(add.imm) : uint32_t(add.imm);
      emitOp(storeFormOf(plain, true));
      u32(add.a);
      u32(value);
      u32(m.offset);
      u32(k);
      return;
    }
    uint32_t value = pop();
    uint32_t addr = pop();
    emitOp(plain);
    u32(addr);
    u32(value);
    u32(m.offset);
  }
  void onMemorySize(uint32_t memory) {
    uint32_t dst = pushSlot();
    emitOp(IOp::MemorySize);
    dstField(dst);
    u32(memory);
  }
  void onMemoryGrow(uint32_t memory) {
    if (d_->module().memories[memory].is64) narrow(uint32_t(stack_.size()) - 1, IOp::Index64);
    uint32_t delta = pop();
    uint32_t dst = pushSlot();
    emitOp(IOp::MemoryGrow);
    dstField(dst);
    u32(delta);
    u32(memory);
  }
  void onMemoryInit(uint32_t seg, uint32_t memory) {
    uint32_t n = pop(), src = pop(), dst = pop();
    emitOp(IOp::MemoryInit);
    u32(seg);
    u32(dst);
    u32(src);
    u32(n);
    u32(memory);
  }
  void onDataDrop(uint32_t seg) {
    emitOp(IOp::DataDrop);
    u32(seg);
  }
  void onMemoryCopy(uint32_t dstMemory, uint32_t srcMemory) {
    uint32_t n = pop(), src = pop(), dst = pop();
    emitOp(IOp::MemoryCopy);
    u32(dst);
    u32(src);
    u32(n);
    u32(dstMemory);
    u32(srcMemory);
  }
  void onMemoryFill(uint32_t memory) {
    uint32_t n = pop(), value = pop(), dst = pop();
    emitOp(IOp::MemoryFill);
    u32(dst);
    u32(value);
    u32(n);
    u32(memory);
  }

  // --- numeric ---
  void onConst(ValType t, uint64_t bits) { pushConst(bits, t == ValType::I64 || t == ValType::F64); }
  void onUnary(Op op) { emitSimple(simpleOpFor(op), 1); }
  void onBinary(Op op) { emitSimple(simpleOpFor(op), 2); }

  // --- SIMD: operands as interpreter.cpp's handlers take them ---
  void onSimd(Op op, const SimdImmediate& imm) {
    if (!isSimdMemoryAccess(op)) {
      emitSimd(op, imm);
      return;
    }
    // The address is the first operand, under the others.
    withMemory(imm.mem.memory, [&] {
      SimdImmediate narrowed = imm;
      narrowed.mem = address32(imm.mem, uint32_t(simdOperandCount(op) - 1));
      emitSimd(op, narrowed);
    });
  }
  void emitSimd(Op op, const SimdImmediate& imm) {
    const OpInfo& info = opInfo(op);
    if (op == Op::V128Const) {
      uint64_t lo, hi;
      std::memcpy(&lo, imm.bytes, 8);
      std::memcpy(&hi, imm.bytes + 8, 8);
      for (size_t k = 0; k < v128Consts_.size(); ++k) {
        if (v128Consts_[k].first == lo && v128Consts_[k].second == hi) {
          pushEntry(localSlots_ + uint32_t(2 * k), 2);  // its slot: read-only, like a local
          return;
        }
      }
      pushConst128(lo, hi);
      return;
    }
    if (op == Op::V128Store || info.cls == OpClass::SimdStoreLane) {
      uint32_t value = pop(), addr = pop();
      emitOp(simpleOpFor(op));
      u32(addr);
      u32(value);
      u32(imm.mem.offset);
      if (info.cls == OpClass::SimdStoreLane) u32(imm.lane);
      return;
    }
    int inputs = simdOperandCount(op);
    uint32_t in[3] = {0, 0, 0};
    for (int k = inputs; k-- > 0;) in[k] = pop();
    uint32_t dst = pushSlot(slotWidth(ValType::fromCode(info.result)));
    emitOp(op == Op::I8x16Shuffle ? IOp::I8x16Shuffle : simpleOpFor(op));
    dstField(dst);
    for (int k = 0; k < inputs; ++k) u32(in[k]);
    switch (info.cls) {
      case OpClass::SimdExtract: case OpClass::SimdReplace: u32(imm.lane); break;
      case OpClass::SimdLoad: u32(imm.mem.offset); break;
      case OpClass::SimdLoadLane: u32(imm.mem.offset); u32(imm.lane); break;
      default:
        if (op == Op::I8x16Shuffle)
          for (uint8_t b : imm.bytes) out_.code.push_back(b);
        break;
    }
  }

  void finish() { out_.frameSlots = maxSlots_ + 1; }

  // After finish(): the operands that point into the instance, or false if
  // the code depends on the instance in a way they do not describe
  // (ref.func constants, exception handler tables), or if an operand was
  // overwritten after it was written (checked against the instance).
  bool relocations(std::vector<Relocation>* out) const {
    if (instanceSpecific_) return false;
    for (const Relocation& r : relocations_) {
      uint64_t value;
      if (size_t(r.at) + 8 > out_.code.size()) return false;
      std::memcpy(&value, &out_.code[r.at], 8);
      if (value != uint64_t(uintptr_t(instanceObject(instance_, r.kind, r.index)))) return false;
    }
    *out = relocations_;
    return true;
  }

 private:
  // --- the virtual operand stack: the slot where each entry's value is ---
  // The canonical slot of stack height h: canon_[h] (the locals' slots,
  // then the widths of the entries below h); canon_[h + 1] - canon_[h] is
  // the width of the entry at h.
  uint32_t canonical(uint32_t height) const { return canon_[height]; }
  uint32_t widthAt(uint32_t height) const { return canon_[height + 1] - canon_[height]; }
  uint32_t topWidth() const { return widthAt(uint32_t(stack_.size() - 1)); }
  // Stack entries are slot numbers, or kConstTag | index into consts_ for a
  // constant not yet written anywhere.
  static constexpr uint32_t kConstTag = 0x80000000u;
  struct Constant {
    uint64_t bits;
    bool wide;          // i64/f64/reference: 64 bits
    uint64_t high = 0;  // v128 (two slots): the upper half
  };
  static bool isConst(uint32_t entry) { return entry & kConstTag; }
  const Constant& constant(uint32_t entry) const { return consts_[entry & ~kConstTag]; }
  // Pushes an entry (a slot, or a constant) of `width` slots.
  void pushEntry(uint32_t entry, uint32_t width) {
    uint32_t h = uint32_t(stack_.size());
    stack_.push_back(entry);
    if (canon_.size() < h + 2) canon_.resize(h + 2);
    canon_[h + 1] = canon_[h] + width;
    if (canon_[h + 1] > maxSlots_) maxSlots_ = canon_[h + 1];
  }
  void pushConst(uint64_t bits, bool wide) {
    consts_.push_back({bits, wide});
    pushEntry(kConstTag | uint32_t(consts_.size() - 1), 1);
  }
  void pushConst128(uint64_t lo, uint64_t hi) {
    consts_.push_back({lo, true, hi});
    pushEntry(kConstTag | uint32_t(consts_.size() - 1), 2);
  }
  // Pops the top entry as a slot, writing a constant to its stack slot.
  uint32_t pop() {
    uint32_t width = topWidth();
    uint32_t e = stack_.back();
    stack_.pop_back();
    if (!isConst(e)) return e;
    uint32_t s = canonical(uint32_t(stack_.size()));
    emitMove(s, e, width);
    return s;
  }

  struct LastOp {
    uint32_t start = kNoPatch;
    uint32_t size = 0;
    IOp op = IOp::Count;  // the plain form, also when `immediate`
    uint32_t dst = 0;
    uint32_t a = 0;
    uint32_t b = 0;
    uint64_t imm = 0;
    bool immediate = false;
  };
  // Code after a label is reached from several places: no instruction
  // before it may be retargeted or fused with one after it.
  void startLabel() {
    lastDst_ = kNoPatch;
    last_.start = kNoPatch;
    lastCopy_ = kNoPatch;
  }
  // Fusion support: is the last emitted instruction still the last one, and
  // does the top of the stack hold its (not yet retargeted) result?
  bool lastIsPending() const { return last_.start != kNoPatch && last_.start + last_.size == here(); }
  bool topIsLastResult() const {
    uint32_t top = stack_.back();
    return lastIsPending() && top == last_.dst && top == canonical(uint32_t(stack_.size() - 1));
  }
  // Removes the last instruction so a fused one can replace it.
  LastOp takeBackLast() {
    LastOp op = last_;
    out_.code.resize(op.start);
    last_.start = kNoPatch;
    lastDst_ = kNoPatch;
    return op;
  }

  // A branch condition: a slot, or a comparison taken back from the code
  // to be fused into the branch.
  struct Condition {
    IOp compare = IOp::Count;  // IOp::Count: plain truth value in `a`
    bool negate = false;       // branch when the value is false
    bool reference = false;    // `a` is a reference: true means not null
    bool hasB = false;         // b operand field follows the offset
    uint32_t a = 0;
    uint32_t b = 0;
    uint64_t imm = 0;
    bool immediate = false;
  };
  Condition popCondition() {
    Condition c;
    if (topIsLastResult() && (fusedBranchOf(last_.op, true, false) != IOp::Count || last_.op == IOp::I32Eqz)) {
      stack_.pop_back();
      LastOp cmp = takeBackLast();  // the branch computes it instead
      c.a = cmp.a;
      if (cmp.op == IOp::I32Eqz) {
        c.negate = true;
      } else {
        c.compare = cmp.op;
        c.hasB = true;
        c.immediate = cmp.immediate;
        c.b = cmp.b;
        c.imm = cmp.imm;
      }
      return c;
    }
    c.a = pop();
    return c;
  }
  void emitConditionalBranch(const Condition& c, bool branchIfTrue) {
    bool ifTrue = c.negate ? !branchIfTrue : branchIfTrue;
    if (c.reference) {
      emitOp(ifTrue ? IOp::BrOnNonNull : IOp::BrOnNull);
    } else if (c.compare == IOp::Count) {
      emitOp(ifTrue ? IOp::BrIf : IOp::BrUnless);
    } else {
      emitOp(fusedBranchOf(c.compare, ifTrue, c.immediate));
    }
    u32(c.a);
  }
  void branchIf(const Condition& cond, Control& target) {
    if (target.kind == Op::End || needsCopies(target)) {
      // Copies happen only when the branch is taken: skip over them.
      emitConditionalBranch(cond, false);
      Fixup skip = placeholder();
      if (cond.hasB) emitOperandB(cond);
      emitBranchTo(target);
      patch(skip);
    } else {
      emitConditionalBranch(cond, true);
      branchField(target, opStart_);
      if (cond.hasB) emitOperandB(cond);
    }
    lastDst_ = kNoPatch;
  }
  void emitOperandB(const Condition& c) { c.immediate ? u64(c.imm) : u32(c.b); }
  // A new entry of `width` slots in its canonical slot, which it returns.
  uint32_t pushSlot(uint32_t width = 1) {
    uint32_t s = canonical(uint32_t(stack_.size()));
    pushEntry(s, width);
    return s;
  }
  // After a block's else or end the decoder's stack is the block's height
  // plus its parameters (else) or results (end); ours follows, all entries
  // canonical.
  void resetStack(const Control& c, bool results) {
    stack_.resize(c.height);
    uint32_t n = results ? c.sig.numResults() : c.sig.numParams();
    for (uint32_t i = 0; i < n; ++i) pushSlot(slotWidth(results ? c.sig.result(i) : c.sig.param(i)));
  }
  // Copy deferred local.get entries and constants into their own slots.
  void materializeAll() {
    for (uint32_t h = 0; h < stack_.size(); ++h) {
      if (stack_[h] != canonical(h)) {
        emitMove(canonical(h), stack_[h], widthAt(h));
        stack_[h] = canonical(h);
        lastDst_ = kNoPatch;
      }
    }
  }
  // Before local i changes, entries still reading it (except the top `keep`
  // ones, which the caller handles) get their own copy.
  void copyOutLocal(uint32_t local, uint32_t keep) {
    uint32_t slot = localSlot_[local];
    for (uint32_t h = 0; h + keep < stack_.size(); ++h) {
      if (stack_[h] == slot) {
        emitMove(canonical(h), slot, widthAt(h));
        stack_[h] = canonical(h);
        lastDst_ = kNoPatch;
      }
    }
  }
  // If the last instruction computed `src` into its stack slot, make it
  // write to `local` instead.
  bool retargetLast(uint32_t src, uint32_t local) {
    if (lastDst_ == kNoPatch || src != lastDstSlot_ || src != canonical(uint32_t(stack_.size() - 1))) return false;
    std::memcpy(&out_.code[lastDst_], &local, 4);
    lastDst_ = kNoPatch;
    return true;
  }

  bool needsCopies(const Control& target) const {
    uint32_t n = target.labelArity();
    uint32_t h = uint32_t(stack_.size());
    return n > 0 && canonical(h - n) != canonical(target.height);
  }

  // --- emission ---
  uint32_t here() const { return uint32_t(out_.code.size()); }
  // An add whose operand the instruction just emitted multiplied: replace
  // both by one multiply-add.
  bool fuseMultiplyAdd(IOp op, uint32_t a, uint32_t b) {
    if ((op != IOp::F32Add && op != IOp::F64Add) || !lastIsPending() || last_.immediate ||
        (last_.op != IOp::F32Mul && last_.op != IOp::F64Mul) || (a != last_.dst && b != last_.dst) ||
        last_.dst < localSlots_)
      return false;
    LastOp mul = takeBackLast();
    uint32_t dst = pushSlot();
    emitOp(op == IOp::F64Add ? IOp::F64MulAdd : IOp::F32MulAdd);
    dstField(dst);
    u32(mul.a);
    u32(mul.b);
    u32(a == mul.dst ? b : a);
    return true;
  }

  void emitOp(IOp op) {
    opStart_ = here();
    last_.start = kNoPatch;
    lastCopy_ = kNoPatch;
    ptr(handlers_[size_t(op)]);
  }
  void u32(uint32_t v) {
    size_t at = out_.code.size();
    out_.code.resize(at + 4);
    std::memcpy(&out_.code[at], &v, 4);
  }
  void u64(uint64_t v) {
    size_t at = out_.code.size();
    out_.code.resize(at + 8);
    std::memcpy(&out_.code[at], &v, 8);
  }
  void ptr(const void* p) { u64(uint64_t(uintptr_t(p))); }
  void instancePtr(InstanceRef kind, uint32_t index) {
    relocations_.push_back({here(), kind, index});
    ptr(instanceObject(instance_, kind, index));
  }
  // An output operand that a following local.set may retarget.
  void dstField(uint32_t slot) {
    lastDst_ = here();
    lastDstSlot_ = slot;
    u32(slot);
  }
  // Runs of copies (local rotations, materialisation) pair up into Copy2.
  void emitCopy(uint32_t dst, uint32_t src) {
    if (dst == src) return;
    if (lastCopy_ != kNoPatch && lastCopy_ + 16 == here()) {
      uint32_t first[2];
      std::memcpy(first, &out_.code[lastCopy_ + 8], 8);
      out_.code.resize(lastCopy_);
      emitOp(IOp::Copy2);
      u32(first[0]);
      u32(first[1]);
      u32(dst);
      u32(src);
      return;
    }
    emitOp(IOp::Copy);
    lastCopy_ = opStart_;
    u32(dst);
    u32(src);
  }
  // dst = entry, where the entry is a slot or a constant, of `width` slots.
  void emitMove(uint32_t dst, uint32_t entry, uint32_t width) {
    if (width == 2) {
      if (isConst(entry)) {
        const Constant& c = constant(entry);
        emitOp(IOp::Const128);
        u32(dst);
        u64(c.bits);
        u64(c.high);
      } else if (dst != entry) {
        emitOp(IOp::Copy128);
        u32(dst);
        u32(entry);
      }
      return;
    }
    if (!isConst(entry)) return emitCopy(dst, entry);
    const Constant& c = constant(entry);
    emitOp(c.wide ? IOp::Const64 : IOp::Const32);
    u32(dst);
    c.wide ? u64(c.bits) : u32(uint32_t(c.bits));
  }
  // dst = op(inputs...): pops `inputs` operands, pushes one result. A
  // constant right operand selects the immediate form.
  void emitSimple(IOp op, int inputs) {
    uint32_t in[2] = {0, 0};
    bool immediate = inputs == 2 && isConst(stack_.back()) && immediateFormOf(op) != IOp::Count;
    uint64_t imm = 0;
    if (immediate) {
      imm = constant(stack_.back()).bits;
      stack_.pop_back();
      in[0] = pop();
    } else {
      for (int i = inputs; i-- > 0;) in[i] = pop();
      if (fuseMultiplyAdd(op, in[0], in[1])) return;
    }
    uint32_t dst = pushSlot();
    uint32_t start = here();
    emitOp(immediate ? immediateFormOf(op) : op);
    dstField(dst);
    u32(in[0]);
    if (immediate)
      u64(imm);
    else if (inputs == 2)
      u32(in[1]);
    last_ = {start, here() - start, op, dst, in[0], in[1], imm, immediate};
  }

  // Arguments must be contiguous at the top of the stack: the callee's
  // frame starts at the first one.
  uint32_t prepareCall(const FuncType& ft) {
    materializeAll();
    uint32_t n = uint32_t(ft.params.size());
    uint32_t frame = canonical(uint32_t(stack_.size()) - n);
    stack_.resize(stack_.size() - n);
    return frame;
  }
  void finishCall(const FuncType& ft) {
    for (ValType t : ft.results) pushSlot(slotWidth(t));
    lastDst_ = kNoPatch;
  }

  // A branch offset field to be filled in later, relative to `start` (by
  // default the instruction being emitted).
  Fixup placeholder(uint32_t start = kNoPatch) {
    Fixup f{here(), start == kNoPatch ? opStart_ : start};
    u32(0);
    return f;
  }
  void patch(const Fixup& f) {
    int32_t rel = int32_t(here()) - int32_t(f.start);
    std::memcpy(&out_.code[f.field], &rel, 4);
  }
  // Appends the offset field of a branch to `target`: known for a loop
  // (backward), patched at the block's end otherwise.
  void branchField(Control& target, uint32_t start) {
    if (target.isLoop()) {
      u32(uint32_t(int32_t(target.data.loopStart) - int32_t(start)));
    } else {
      target.data.endFixups.push_back(placeholder(start));
    }
  }

  // Unconditional transfer to a label: copy its values into place and jump
  // (or return, for the function's label).
  void emitBranchTo(Control& target) {
    if (target.kind == Op::End) {
      emitReturn();
      return;
    }
    // The label's values go where its types put them, above its height.
    uint32_t n = target.labelArity();
    uint32_t h = uint32_t(stack_.size());
    uint32_t dst = canonical(target.height);
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t width = slotWidth(target.labelType(i));
      emitMove(dst, stack_[h - n + i], width);
      dst += width;
    }
    emitOp(IOp::Br);
    branchField(target, opStart_);
  }

  void emitReturn() {
    const std::vector<ValType>& results = d_->functionType().results;
    uint32_t n = uint32_t(results.size());
    uint32_t h = uint32_t(stack_.size());
    // A single result computed just now is written straight to slot 0.
    if (!(n == 1 && retargetLast(stack_[h - 1], 0))) {
      uint32_t dst = 0;
      for (uint32_t i = 0; i < n; ++i) {
        emitMove(dst, stack_[h - n + i], slotWidth(results[i]));
        dst += slotWidth(results[i]);
      }
    }
    emitOp(IOp::Return);
    lastDst_ = kNoPatch;
  }

  Instance& instance_;
  InterpCode& out_;
  std::vector<Relocation> relocations_;
  bool instanceSpecific_ = false;
  const void* const* handlers_;
  Decoder* d_ = nullptr;
  std::vector<uint32_t> localSlot_;  // each local's slot
  uint32_t localSlots_ = 0;          // slots the locals take
  uint32_t maxSlots_ = 0;
  std::vector<uint32_t> stack_;
  std::vector<uint32_t> canon_;      // see canonical()
  std::vector<std::pair<uint64_t, uint64_t>> v128Consts_;  // see V128Constants
  uint32_t rethrowSlots_ = 0;  // the first legacy catch arm's slot
  uint32_t legacyCatches_ = 0;
  std::vector<Constant> consts_;
  // The last instruction if it was a simple operator whose result a
  // following instruction may absorb (branch, multiply-add, address).
  LastOp last_;
  uint32_t lastCopy_ = kNoPatch;  // start of the last instruction if a Copy
  uint32_t opStart_ = 0;
  uint32_t lastDst_ = kNoPatch;  // code offset of the last output operand
  uint32_t lastDstSlot_ = 0;
};

std::mutex& translationMutex() {
  static std::mutex m;
  return m;
}

// The interpreter's release hook: its code (current and retired) dies with
// the function.
void releaseInterpCode(Function* f) {
  delete f->interpCode.load();
  for (InterpCode* c = f->retiredInterpCode.load(); c;) delete std::exchange(c, c->retiredNext);
}

}  // namespace

namespace {

// A function's translation for one instance of its module, with the
// operands that point into that instance: the other instances copy it and
// rewrite those, which costs a memcpy instead of a decoder walk (an
// embedder that makes an instance per request translates each function it
// runs once, not once per request).
struct TranslationTemplate {
  InterpCode code;
  std::vector<Relocation> relocations;
};

// Per module (Module::interpreterState), guarded by translationMutex():
// per defined function, whether some instance translated it, and the
// template, kept from the second translation on (a module instantiated
// once keeps nothing). Fuel metering and interpreter counting change the
// code: templates made under other settings are dropped.
struct ModuleTranslations {
  bool meterFuel = false;
  bool interpreterCounts = false;
  std::vector<uint8_t> translated;
  std::vector<std::unique_ptr<TranslationTemplate>> templates;
};

ModuleTranslations& moduleTranslations(const Module& module) {
  auto* shared = static_cast<ModuleTranslations*>(module.interpreterState.state.get());
  if (!shared) {
    auto fresh = std::make_shared<ModuleTranslations>();
    shared = fresh.get();
    module.interpreterState.state = std::move(fresh);
  }
  if (shared->translated.empty() || shared->meterFuel != jit::g_meterFuel ||
      shared->interpreterCounts != jit::g_interpreterCounts) {
    shared->meterFuel = jit::g_meterFuel;
    shared->interpreterCounts = jit::g_interpreterCounts;
    shared->translated.assign(module.functions.size(), 0);
    shared->templates.clear();
    shared->templates.resize(module.functions.size());
  }
  return *shared;
}

std::unique_ptr<InterpCode> translate(Function* f, std::vector<Relocation>* relocations, bool* relocatable) {
  Instance& instance = *f->instance;
  const Module& module = instance.module();
  auto code = std::make_unique<InterpCode>();
  Translator translator(instance, *code);
  uint32_t defined = f->index - module.numImportedFuncs;
  if (module.functions[defined].usesV128) {
    V128Constants constants;
    FunctionDecoder<V128Constants> scan(module, defined, constants);
    scan.decode();
    translator.setV128Constants(std::move(constants.values));
  }
  FunctionDecoder<Translator> decoder(module, defined, translator);
  translator.setDecoder(&decoder);
  decoder.decode();
  translator.finish();
  if (relocations) *relocatable = translator.relocations(relocations);
  return code;
}

// The code and frame layout of a translation (shared code has no handler
// tables: see relocations()).
void copyCode(const InterpCode& from, InterpCode* to) {
  to->code = from.code;
  to->paramSlots = from.paramSlots;
  to->localSlots = from.localSlots;
  to->frameSlots = from.frameSlots;
}

std::unique_ptr<InterpCode> copyFor(const TranslationTemplate& t, Instance& instance) {
  auto code = std::make_unique<InterpCode>();
  copyCode(t.code, code.get());
  for (const Relocation& r : t.relocations) {
    uint64_t p = uint64_t(uintptr_t(instanceObject(instance, r.kind, r.index)));
    std::memcpy(&code->code[r.at], &p, 8);
  }
  return code;
}

}  // namespace

std::unique_ptr<InterpCode> translateFunction(Function* f) { return translate(f, nullptr, nullptr); }

InterpCode* ensureTranslated(Function* f) {
  if (InterpCode* code = f->interpCode.load(std::memory_order_acquire)) return code;
  // Before the first code exists, so before any function holding some dies.
  static const bool registered = (addFunctionReleaseHook(&releaseInterpCode), true);
  (void)registered;
  std::lock_guard<std::mutex> lock(translationMutex());
  if (InterpCode* code = f->interpCode.load(std::memory_order_acquire)) return code;
  const Module& module = f->instance->module();
  uint32_t defined = f->index - module.numImportedFuncs;
  ModuleTranslations& shared = moduleTranslations(module);
  std::unique_ptr<InterpCode> code;
  if (const TranslationTemplate* t = shared.templates[defined].get()) {
    code = copyFor(*t, *f->instance);
  } else {
    std::vector<Relocation> relocations;
    bool relocatable = false;
    code = translate(f, &relocations, &relocatable);
    if (relocatable && shared.translated[defined]++ > 0) {
      auto t = std::make_unique<TranslationTemplate>();
      copyCode(*code, &t->code);
      t->relocations = std::move(relocations);
      shared.templates[defined] = std::move(t);
    }
  }
  f->interpCode.store(code.get(), std::memory_order_release);
  return code.release();
}

}  // namespace strata
