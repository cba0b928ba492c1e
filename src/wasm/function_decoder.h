// The one validating walk over a function body.
//
// FunctionDecoder implements the spec's validation algorithm (operand and
// control stacks, unreachable code included) and drives a Consumer with one
// callback per instruction, in the style of V8's Liftoff. The same walk
// validates at load time (NullConsumer), feeds the interpreter's translator,
// and will feed the JIT's emitter: no opcode is decoded twice by hand.
//
// Consumers are called only for reachable code. A block whose start is
// reachable has all of its structured control instructions seen
// (block/loop/if/else/end, also an else or end reached only by branches),
// so a consumer can keep its own per-block state in Control::data; a block
// that starts in unreachable code is validated but reaches no consumer,
// nor does anything inside it (Control::reachableAtEntry).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wasm/binary_reader.h"
#include "wasm/module.h"
#include "wasm/opcodes.h"
#include "wasm/type_reader.h"

namespace strata {

struct MemArg {
  uint32_t alignLog2 = 0;
  uint64_t offset = 0;  // below 2^32 unless the memory is a memory64
  uint32_t memory = 0;  // multi-memory: flag bit 6 of the alignment field
};

// The immediates of a SIMD (0xfd) operator, as its class has them.
struct SimdImmediate {
  MemArg mem;            // loads and stores
  uint8_t lane = 0;      // lane operators (below OpInfo::lanes)
  uint8_t bytes[16] = {};  // v128.const: the value; i8x16.shuffle: the lane indices
};

// The block signature of a block/loop/if: empty, a single result, or a type
// index (multi-value).
struct BlockType {
  const FuncType* type = nullptr;  // set for type-index block types
  ValType single = ValType::Bottom;  // set for one-result block types

  uint32_t numParams() const { return type ? uint32_t(type->params.size()) : 0; }
  uint32_t numResults() const { return type ? uint32_t(type->results.size()) : single != ValType::Bottom; }
  ValType param(uint32_t i) const { return type->params[i]; }
  ValType result(uint32_t i) const { return type ? type->results[i] : single; }
};

// A try_table's catch clause: which exceptions it catches (a tag, or all)
// and whether the label also receives the exception as an exnref.
struct CatchClause {
  enum Kind : uint8_t { kCatch = 0, kCatchRef = 1, kCatchAll = 2, kCatchAllRef = 3 };
  Kind kind = kCatch;
  uint32_t tag = 0;    // kCatch, kCatchRef
  uint32_t depth = 0;  // the label, counted from outside the try_table
  bool catchesAll() const { return kind == kCatchAll || kind == kCatchAllRef; }
  bool withRef() const { return kind == kCatchRef || kind == kCatchAllRef; }
};

template <class ControlData>
struct ControlEntry {
  // Block, Loop, If, Else (an if past its else), TryTable, Try, Catch or
  // CatchAll (a legacy try past a catch), or End (the function).
  Op kind = Op::Block;
  BlockType sig;
  uint32_t height = 0;  // operand stack height below the block's parameters
  uint32_t initHeight = 0;  // non-defaultable locals set before the block (the decoder's log)
  bool unreachable = false;
  bool reachableAtEntry = true;
  ControlData data{};

  bool isLoop() const { return kind == Op::Loop; }
  // Values a branch to this label carries: a loop's parameters, otherwise
  // the block's results.
  uint32_t labelArity() const { return isLoop() ? sig.numParams() : sig.numResults(); }
  ValType labelType(uint32_t i) const { return isLoop() ? sig.param(i) : sig.result(i); }
};

// The consumer interface with every callback empty: validation only.
// Consumers derive from it and hide what they handle.
struct NullConsumer {
  struct ControlData {};
  using Control = ControlEntry<ControlData>;
  void onFunctionStart(Control&) {}
  void onBlock(Control&) {}
  void onLoop(Control&) {}
  void onIf(Control&) {}
  // A try_table block: `targets[i]` is the label of `catches[i]`. Its end
  // is an onEnd like a block's.
  template <class Control>
  void onTryTable(Control&, const std::vector<CatchClause>& catches, const std::vector<Control*>& targets) {}
  // Throws a new exception of the tag with the tag's parameters as values,
  // or rethrows an exnref (null traps); unreachable after, like `br`.
  void onThrow(uint32_t tag) {}
  void onThrowRef() {}
  // The legacy instructions: a try block, its catch arms (like else: the
  // arm before ends), a delegate (ends the try; `target` is the label its
  // exceptions go to, counted from outside), and rethrow of the exception
  // a catch arm (`target`) caught.
  template <class Control>
  void onTry(Control&) {}
  template <class Control>
  void onCatch(Control&, uint32_t tag, bool fallsThrough) {}
  template <class Control>
  void onCatchAll(Control&, bool fallsThrough) {}
  template <class Control>
  void onDelegate(Control&, Control& target, bool fallsThrough) {}
  template <class Control>
  void onRethrow(Control& target) {}
  // `thenFallsThrough`: the end of the then-arm is reachable.
  void onElse(Control&, bool thenFallsThrough) {}
  // `fallsThrough`: the end is reachable from the code just before it.
  void onEnd(Control&, bool fallsThrough) {}
  void onBr(Control& target) {}
  void onBrIf(Control& target) {}
  void onBrTable(const std::vector<Control*>& targets, Control& defaultTarget) {}
  void onReturn() {}
  void onUnreachable() {}
  void onCall(uint32_t funcIndex) {}
  void onCallIndirect(uint32_t typeIndex, uint32_t tableIndex) {}
  // Tail calls: the callee's results are the function's (validated); the
  // operand stack is unreachable after, as after `return`.
  void onReturnCall(uint32_t funcIndex) {}
  void onReturnCallIndirect(uint32_t typeIndex, uint32_t tableIndex) {}
  // Typed function references: the callee is the function reference on
  // top of the stack (null traps), of the type `typeIndex`.
  void onCallRef(uint32_t typeIndex) {}
  void onReturnCallRef(uint32_t typeIndex) {}
  void onDrop() {}
  void onSelect(ValType type) {}
  void onLocalGet(uint32_t index) {}
  void onLocalSet(uint32_t index) {}
  void onLocalTee(uint32_t index) {}
  void onGlobalGet(uint32_t index) {}
  void onGlobalSet(uint32_t index) {}
  void onTableGet(uint32_t table) {}
  void onTableSet(uint32_t table) {}
  void onLoad(Op op, MemArg mem) {}
  void onStore(Op op, MemArg mem) {}
  void onMemorySize(uint32_t memory) {}
  void onMemoryGrow(uint32_t memory) {}
  void onConst(ValType type, uint64_t bits) {}
  void onUnary(Op op) {}
  void onBinary(Op op) {}
  void onRefNull(ValType type) {}
  void onRefIsNull() {}
  void onRefFunc(uint32_t funcIndex) {}
  void onRefAsNonNull() {}  // traps on null
  // Branch if the reference on top is null (dropping it; it stays on the
  // stack otherwise), or if it is not null (carrying it; it is dropped
  // otherwise).
  template <class Control>
  void onBrOnNull(Control& target) {}
  template <class Control>
  void onBrOnNonNull(Control& target) {}
  void onMemoryInit(uint32_t dataIndex, uint32_t memory) {}
  void onDataDrop(uint32_t dataIndex) {}
  void onMemoryCopy(uint32_t dstMemory, uint32_t srcMemory) {}
  void onMemoryFill(uint32_t memory) {}
  void onTableInit(uint32_t elemIndex, uint32_t table) {}
  void onElemDrop(uint32_t elemIndex) {}
  void onTableCopy(uint32_t dst, uint32_t src) {}
  void onTableGrow(uint32_t table) {}
  void onTableSize(uint32_t table) {}
  void onTableFill(uint32_t table) {}
  // Every 128-bit SIMD operator (OpInfo::cls says which shape).
  void onSimd(Op op, const SimdImmediate& imm) {}
};

template <class Consumer>
class FunctionDecoder {
 public:
  using Control = ControlEntry<typename Consumer::ControlData>;

  FunctionDecoder(const Module& module, uint32_t definedIndex, Consumer& consumer)
      : module_(module),
        decl_(module.functions[definedIndex]),
        type_(module.funcType(module.numImportedFuncs + definedIndex)),
        consumer_(consumer),
        reader_(module.bytes.data() + decl_.codeBegin, module.bytes.data() + decl_.bodyEnd,
                decl_.codeBegin) {
    Scratch& s = scratch();
    locals_.swap(s.locals);
    stack_.swap(s.stack);
    controls_.swap(s.controls);
    brTargets_.swap(s.brTargets);
    locals_.clear();
    stack_.clear();
    controls_.clear();
    locals_.insert(locals_.end(), type_.params.begin(), type_.params.end());
    locals_.insert(locals_.end(), decl_.locals.begin(), decl_.locals.end());
    for (ValType t : locals_) usesV128_ |= t == ValType::V128;
    for (ValType t : type_.results) usesV128_ |= t == ValType::V128;
    localsSet_.swap(s.localsSet);
    initLog_.swap(s.initLog);
    initLog_.clear();
    localsSet_.clear();
    for (ValType t : decl_.locals)
      if (!t.defaultable()) {
        // The initialisation rule applies: mark what starts set.
        localsSet_.assign(locals_.size(), true);
        for (size_t i = type_.params.size(); i < locals_.size(); ++i) localsSet_[i] = locals_[i].defaultable();
        break;
      }
  }
  ~FunctionDecoder() {
    Scratch& s = scratch();
    controls_.clear();
    locals_.swap(s.locals);
    stack_.swap(s.stack);
    controls_.swap(s.controls);
    brTargets_.swap(s.brTargets);
    localsSet_.swap(s.localsSet);
    initLog_.swap(s.initLog);
  }
  FunctionDecoder(const FunctionDecoder&) = delete;
  FunctionDecoder& operator=(const FunctionDecoder&) = delete;

  // Validates the body and drives the consumer. Throws DecodeError.
  void decode();

  // Read-only state for consumers.
  uint32_t numLocals() const { return uint32_t(locals_.size()); }
  ValType localType(uint32_t i) const { return locals_[i]; }
  // Parameters then declared locals.
  const std::vector<ValType>& localTypes() const { return locals_; }
  const FuncType& functionType() const { return type_; }
  uint32_t stackHeight() const { return uint32_t(stack_.size()); }
  ValType stackType(uint32_t i) const { return stack_[i]; }
  size_t offset() const { return reader_.offset(); }
  size_t opOffset() const { return opOffset_; }
  // After decode(): whether any v128 value appeared (a parameter, result,
  // local or operand), which the JIT tiers need to know before compiling.
  bool usesV128() const { return usesV128_; }
  bool usesTailCalls() const { return usesTailCalls_; }
  bool usesOtherMemories() const { return usesOtherMemories_; }
  bool usesIndex64() const { return usesIndex64_; }
  bool usesExceptions() const { return usesExceptions_; }
  uint32_t legacyCatches() const { return legacyCatches_; }
  bool usesLegacyExceptions() const { return usesLegacyExceptions_; }
  const FunctionDecl& declaration() const { return decl_; }
  // The control that encloses `c` (of the current nesting), or null for
  // the function's.
  Control* enclosingControl(Control* c) { return c == &controls_.front() ? nullptr : c - 1; }
  const Module& module() const { return module_; }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    std::string m = message;
    if (currentOp_ != Op::Invalid) m += std::string(" in ") + opInfo(currentOp_).name;
    reader_.failAt(opOffset_, m);
  }

  [[gnu::always_inline]] void push(ValType t) {
    usesV128_ |= t == ValType::V128;
    stack_.push_back(t);
  }
  [[gnu::always_inline]] ValType popAny() {
    Control& c = controls_.back();
    if (stack_.size() == c.height) {
      if (c.unreachable) return ValType::Bottom;
      fail("type mismatch");
    }
    ValType t = stack_.back();
    stack_.pop_back();
    return t;
  }
  [[gnu::always_inline]] ValType pop(ValType expected) {
    ValType actual = popAny();
    if (actual != expected && !isSubtype(actual, expected)) fail("type mismatch");
    return actual;
  }
  bool isSubtype(ValType a, ValType b) const { return strata::isSubtype(a, b, module_.typeIds.data()); }
  // A reference operand (any reference type, or unknown in unreachable code).
  ValType popRef() {
    ValType t = popAny();
    if (t != ValType::Bottom && !t.isRef()) fail("type mismatch");
    return t;
  }
  // The callee results of a tail call must be the caller's.
  void checkTailCallResults(const FuncType& callee) {
    if (callee.results.size() != type_.results.size()) fail("type mismatch");
    for (size_t i = 0; i < callee.results.size(); ++i)
      if (!isSubtype(callee.results[i], type_.results[i])) fail("type mismatch");
  }
  // Non-defaultable locals: set marks one set until the end of the
  // enclosing block; get of one not set is invalid.
  void setLocal(uint32_t i) {
    if (!localsSet_.empty() && !localsSet_[i]) {
      localsSet_[i] = true;
      initLog_.push_back(i);
    }
  }
  void resetLocals(const Control& c) {
    while (initLog_.size() > c.initHeight) {
      localsSet_[initLog_.back()] = false;
      initLog_.pop_back();
    }
  }
  void popParams(const BlockType& sig) {
    for (uint32_t i = sig.numParams(); i-- > 0;) pop(sig.param(i));
  }
  void popLabel(const Control& c) {
    for (uint32_t i = c.labelArity(); i-- > 0;) pop(c.labelType(i));
  }
  void pushLabel(const Control& c) {
    for (uint32_t i = 0; i < c.labelArity(); ++i) push(c.labelType(i));
  }
  void popResults(const Control& c) {
    for (uint32_t i = c.sig.numResults(); i-- > 0;) pop(c.sig.result(i));
  }
  void setUnreachable() {
    Control& c = controls_.back();
    stack_.resize(c.height);
    c.unreachable = true;
  }
  // Whether consumers see the current instruction: its block is not past
  // an unconditional branch and was itself entered from reachable code.
  // (A block that starts in unreachable code is still typed, from its
  // parameters, but no consumer has seen it start or its parameters pushed:
  // `unreachable` `if (param i64)` `drop` must not reach a consumer.)
  bool reachable() const { return !controls_.back().unreachable && controls_.back().reachableAtEntry; }

  Control& label(uint32_t depth) {
    if (depth >= controls_.size()) fail("unknown label");
    return controls_[controls_.size() - 1 - depth];
  }
  void pushControl(Op kind, const BlockType& sig) {
    if (controls_.size() > limits::kMaxNesting) fail("nesting too deep");
    Control c;
    c.kind = kind;
    c.sig = sig;
    c.height = uint32_t(stack_.size());
    c.initHeight = uint32_t(initLog_.size());
    c.reachableAtEntry = reachable();
    controls_.push_back(c);
    for (uint32_t i = 0; i < sig.numParams(); ++i) push(sig.param(i));
  }

  ValType readValType() { return strata::readValType(reader_, uint32_t(module_.types.size())); }
  BlockType readBlockType();
  // align (log2), then with flag bit 6 a memory index, then the offset.
  [[gnu::always_inline]] MemArg readMemArg(uint32_t maxAlign) {
    MemArg m;
    uint32_t flags = reader_.readU32();
    if (flags >= 0x80) fail("malformed memop flags");
    if (flags & 0x40) m.memory = readMemoryIndex();
    m.alignLog2 = flags & 0x3f;
    requireMemory(m.memory);
    bool is64 = module_.memories[m.memory].is64;
    m.offset = is64 ? reader_.readU64() : reader_.readU32();
    if (m.alignLog2 > maxAlign) fail("alignment must not be larger than natural");
    usesOtherMemories_ |= m.memory != 0;
    usesIndex64_ |= is64;
    return m;
  }
  // The index type (i32, or i64 for memory64/table64) of a memory's
  // addresses or a table's element indices.
  ValType addressType(uint32_t memory) {
    bool is64 = module_.memories[memory].is64;
    usesIndex64_ |= is64;
    return is64 ? ValType::I64 : ValType::I32;
  }
  ValType tableIndexType(uint32_t table) {
    bool is64 = module_.tables[table].is64;
    usesIndex64_ |= is64;
    return is64 ? ValType::I64 : ValType::I32;
  }
  void requireMemory(uint32_t index) {
    if (index >= module_.memories.size()) fail("unknown memory " + std::to_string(index));
  }
  // A memory index immediate (memory.size, grow, fill, copy, init).
  uint32_t readMemoryIndex() {
    uint32_t index = reader_.readU32();
    requireMemory(index);
    usesOtherMemories_ |= index != 0;
    return index;
  }
  uint32_t readTableIndex() {
    uint32_t t = reader_.readU32();
    if (t >= module_.tables.size()) fail("unknown table " + std::to_string(t));
    return t;
  }
  [[gnu::always_inline]] uint32_t readLocalIndex() {
    uint32_t i = reader_.readU32();
    if (i >= locals_.size()) fail("unknown local " + std::to_string(i));
    return i;
  }
  uint32_t readGlobalIndex() {
    uint32_t i = reader_.readU32();
    if (i >= module_.globalTypes.size()) fail("unknown global " + std::to_string(i));
    return i;
  }
  [[gnu::always_inline]] uint32_t readFuncIndex() {
    uint32_t i = reader_.readU32();
    if (i >= module_.funcTypes.size()) fail("unknown function " + std::to_string(i));
    return i;
  }
  // Data indices need the data count section (so single-pass decoders
  // know the count); bodies are validated after the data section, so an
  // index past the segments is reported as what it is.
  uint32_t readDataIndex() { return checkDataIndex(reader_.readU32()); }
  uint32_t checkDataIndex(uint32_t i) {
    if (i >= module_.datas.size()) fail("unknown data segment " + std::to_string(i));
    if (!module_.hasDataCount) fail("data count section required");
    return i;
  }
  uint32_t readTagIndex() {
    uint32_t i = reader_.readU32();
    if (i >= module_.tagTypes.size()) fail("unknown tag " + std::to_string(i));
    return i;
  }
  const FuncType& tagType(uint32_t tag) const { return module_.types[module_.tagTypes[tag]]; }
  // The values a catch clause passes to its label must be the label's.
  void checkCatchLabel(const CatchClause& c, const Control& target) {
    static const FuncType kNone;
    const FuncType& values = c.catchesAll() ? kNone : tagType(c.tag);
    uint32_t n = uint32_t(values.params.size()) + (c.withRef() ? 1 : 0);
    if (target.labelArity() != n) fail("type mismatch");
    for (uint32_t i = 0; i < values.params.size(); ++i)
      if (!isSubtype(values.params[i], target.labelType(i))) fail("type mismatch");
    if (c.withRef() && !isSubtype(ValType::ref(heap::Exn, false), target.labelType(n - 1))) fail("type mismatch");
  }
  uint32_t readElemIndex() {
    uint32_t i = reader_.readU32();
    if (i >= module_.elems.size()) fail("unknown elem segment " + std::to_string(i));
    return i;
  }

  void decodeSpecial(Op op);
  void decodePrefixed();
  void decodeSimd();
  uint8_t readLane(const OpInfo& info) {
    uint8_t lane = reader_.readByte();
    if (lane >= info.lanes) fail("invalid lane index");
    return lane;
  }

  // The stacks' storage is reused by the next decoder on this thread:
  // validating a module of many small functions would otherwise be mostly
  // malloc and free.
  struct Scratch {
    std::vector<ValType> locals;
    std::vector<ValType> stack;
    std::vector<Control> controls;
    std::vector<Control*> brTargets;
    std::vector<bool> localsSet;
    std::vector<uint32_t> initLog;
  };
  static Scratch& scratch() {
    thread_local Scratch s;
    return s;
  }

  const Module& module_;
  const FunctionDecl& decl_;
  const FuncType& type_;
  Consumer& consumer_;
  BinaryReader reader_;
  std::vector<ValType> locals_;
  std::vector<ValType> stack_;
  std::vector<Control> controls_;
  std::vector<Control*> brTargets_;
  // Which locals are set, tracked only when some local is non-defaultable
  // (empty otherwise), and the ones set since function start, in order.
  std::vector<bool> localsSet_;
  std::vector<uint32_t> initLog_;
  size_t opOffset_ = 0;
  Op currentOp_ = Op::Invalid;
  bool usesV128_ = false;
  bool usesTailCalls_ = false;
  bool usesOtherMemories_ = false;
  bool usesIndex64_ = false;
  bool usesExceptions_ = false;
  uint32_t legacyCatches_ = 0;
  bool usesLegacyExceptions_ = false;
  std::vector<CatchClause> catches_;
  std::vector<Control*> catchTargets_;
};

template <class Consumer>
BlockType FunctionDecoder<Consumer>::readBlockType() {
  BlockType bt;
  uint8_t b = reader_.peekByte();
  if (b == 0x40) {
    reader_.readByte();
    return bt;
  }
  if ((b & 0xc0) == 0x40) {  // a negative one-byte s33: a value type
    bt.single = readValType();
    return bt;
  }
  int64_t index = reader_.readS33();
  if (index < 0 || uint64_t(index) >= module_.types.size()) fail("unknown type");
  bt.type = &module_.types[size_t(index)];
  return bt;
}

template <class Consumer>
void FunctionDecoder<Consumer>::decode() {
  // The function body is an implicit block whose label is the return.
  Control fn;
  fn.kind = Op::End;
  fn.sig.type = &type_;
  fn.height = 0;
  controls_.push_back(fn);
  consumer_.onFunctionStart(controls_.back());

  while (!controls_.empty()) {
    if (reader_.atEnd()) {
      currentOp_ = Op::Invalid;
      opOffset_ = reader_.offset();
      fail("END opcode expected");
    }
    opOffset_ = reader_.offset();
    uint8_t byte = reader_.readByte();
    if (byte == 0xfc) {
      decodePrefixed();
      continue;
    }
    if (byte == 0xfd) {
      decodeSimd();
      continue;
    }
    if (byte == 0xfb) reader_.failUnsupported("gc", "garbage collection instructions are not supported yet");
    Op op = opFromByte(byte);
    currentOp_ = op;
    if (op == Op::Invalid) {
      char buf[48];
      snprintf(buf, sizeof buf, "illegal opcode 0x%02x", byte);
      currentOp_ = Op::Invalid;
      fail(buf);
    }
    const OpInfo& info = opInfo(op);
    switch (info.cls) {
      case OpClass::Unary:
        pop(ValType::fromCode(info.operand));
        push(ValType::fromCode(info.result));
        if (reachable()) consumer_.onUnary(op);
        break;
      case OpClass::Binary:
        pop(ValType::fromCode(info.operand));
        pop(ValType::fromCode(info.operand));
        push(ValType::fromCode(info.result));
        if (reachable()) consumer_.onBinary(op);
        break;
      case OpClass::Load: {
        MemArg m = readMemArg(info.maxAlign);
        pop(addressType(m.memory));
        push(ValType::fromCode(info.result));
        if (reachable()) consumer_.onLoad(op, m);
        break;
      }
      case OpClass::Store: {
        MemArg m = readMemArg(info.maxAlign);
        pop(ValType::fromCode(info.operand));
        pop(addressType(m.memory));
        if (reachable()) consumer_.onStore(op, m);
        break;
      }
      case OpClass::Special:
        // The most frequent ones here: decodeSpecial is large, and its
        // entry and exit cost more than these instructions.
        switch (op) {
          case Op::LocalGet: {
            uint32_t i = readLocalIndex();
            if (!localsSet_.empty() && !localsSet_[i]) fail("uninitialized local");
            push(locals_[i]);
            if (reachable()) consumer_.onLocalGet(i);
            break;
          }
          case Op::LocalSet: {
            uint32_t i = readLocalIndex();
            pop(locals_[i]);
            setLocal(i);
            if (reachable()) consumer_.onLocalSet(i);
            break;
          }
          case Op::LocalTee: {
            uint32_t i = readLocalIndex();
            pop(locals_[i]);
            setLocal(i);
            push(locals_[i]);
            if (reachable()) consumer_.onLocalTee(i);
            break;
          }
          case Op::I32Const: {
            uint32_t v = uint32_t(reader_.readS32());
            push(ValType::I32);
            if (reachable()) consumer_.onConst(ValType::I32, v);
            break;
          }
          default:
            decodeSpecial(op);
        }
        break;
      default:  // the SIMD classes: only after the 0xfd prefix (decodeSimd)
        break;
    }
  }
  if (!reader_.atEnd()) {
    opOffset_ = reader_.offset();
    currentOp_ = Op::Invalid;
    fail("operators remaining after end of function");
  }
}

template <class Consumer>
void FunctionDecoder<Consumer>::decodeSpecial(Op op) {
  switch (op) {
    case Op::Unreachable:
      if (reachable()) consumer_.onUnreachable();
      setUnreachable();
      break;
    case Op::Nop:
      break;
    case Op::Block:
    case Op::Loop: {
      BlockType bt = readBlockType();
      popParams(bt);
      pushControl(op, bt);
      Control& c = controls_.back();
      if (c.reachableAtEntry) op == Op::Block ? consumer_.onBlock(c) : consumer_.onLoop(c);
      break;
    }
    case Op::If: {
      BlockType bt = readBlockType();
      pop(ValType::I32);
      popParams(bt);
      pushControl(op, bt);
      Control& c = controls_.back();
      if (c.reachableAtEntry) consumer_.onIf(c);
      break;
    }
    case Op::TryTable: {
      BlockType bt = readBlockType();
      uint32_t n = reader_.readCount(2);
      catches_.clear();
      for (uint32_t i = 0; i < n; ++i) {
        CatchClause c;
        uint8_t kind = reader_.readByte();
        if (kind > CatchClause::kCatchAllRef) fail("malformed catch clause");
        c.kind = CatchClause::Kind(kind);
        if (!c.catchesAll()) c.tag = readTagIndex();
        c.depth = reader_.readU32();
        checkCatchLabel(c, label(c.depth));
        catches_.push_back(c);
      }
      popParams(bt);
      pushControl(op, bt);
      // The labels, counted from outside: one deeper now.
      catchTargets_.clear();
      for (const CatchClause& c : catches_) catchTargets_.push_back(&label(c.depth + 1));
      usesExceptions_ = true;
      Control& c = controls_.back();
      if (c.reachableAtEntry) consumer_.onTryTable(c, catches_, catchTargets_);
      break;
    }
    case Op::Try: {
      BlockType bt = readBlockType();
      popParams(bt);
      pushControl(op, bt);
      usesExceptions_ = usesLegacyExceptions_ = true;
      Control& c = controls_.back();
      if (c.reachableAtEntry) consumer_.onTry(c);
      break;
    }
    case Op::Catch:
    case Op::CatchAll: {
      uint32_t tag = op == Op::Catch ? readTagIndex() : 0;
      Control& c = controls_.back();
      if (c.kind != Op::Try && c.kind != Op::Catch) fail("catch without matching try");
      popResults(c);
      if (stack_.size() != c.height) fail("type mismatch");
      bool fallsThrough = !c.unreachable;
      c.kind = op;
      c.unreachable = false;
      resetLocals(c);
      ++legacyCatches_;
      if (op == Op::Catch)
        for (ValType t : tagType(tag).params) push(t);
      if (c.reachableAtEntry) op == Op::Catch ? consumer_.onCatch(c, tag, fallsThrough) : consumer_.onCatchAll(c, fallsThrough);
      break;
    }
    case Op::Delegate: {
      uint32_t depth = reader_.readU32();
      Control& c = controls_.back();
      if (c.kind != Op::Try) fail("delegate without matching try");
      if (uint64_t(depth) + 1 >= controls_.size()) fail("unknown label");
      popResults(c);
      if (stack_.size() != c.height) fail("type mismatch");
      resetLocals(c);
      bool fallsThrough = !c.unreachable;
      if (c.reachableAtEntry) consumer_.onDelegate(c, controls_[controls_.size() - 2 - depth], fallsThrough);
      BlockType sig = c.sig;
      controls_.pop_back();
      for (uint32_t i = 0; i < sig.numResults(); ++i) push(sig.result(i));
      break;
    }
    case Op::Rethrow: {
      Control& target = label(reader_.readU32());
      if (target.kind != Op::Catch && target.kind != Op::CatchAll) fail("invalid rethrow label");
      usesExceptions_ = usesLegacyExceptions_ = true;
      if (reachable()) consumer_.onRethrow(target);
      setUnreachable();
      break;
    }
    case Op::Throw: {
      uint32_t tag = readTagIndex();
      const FuncType& ft = tagType(tag);
      for (size_t i = ft.params.size(); i-- > 0;) pop(ft.params[i]);
      usesExceptions_ = true;
      if (reachable()) consumer_.onThrow(tag);
      setUnreachable();
      break;
    }
    case Op::ThrowRef:
      pop(ValType::ExnRef);
      usesExceptions_ = true;
      if (reachable()) consumer_.onThrowRef();
      setUnreachable();
      break;
    case Op::Else: {
      Control& c = controls_.back();
      if (c.kind != Op::If) fail("else without matching if");
      popResults(c);
      if (stack_.size() != c.height) fail("type mismatch");
      bool fallsThrough = !c.unreachable;
      c.kind = Op::Else;
      c.unreachable = false;
      resetLocals(c);
      for (uint32_t i = 0; i < c.sig.numParams(); ++i) push(c.sig.param(i));
      if (c.reachableAtEntry) consumer_.onElse(c, fallsThrough);
      break;
    }
    case Op::End: {
      Control& c = controls_.back();
      popResults(c);
      if (stack_.size() != c.height) fail("type mismatch");
      if (c.kind == Op::If) {
        // An if without else passes its parameters through the missing arm.
        if (c.sig.numParams() != c.sig.numResults()) fail("type mismatch");
        for (uint32_t i = 0; i < c.sig.numParams(); ++i)
          if (!isSubtype(c.sig.param(i), c.sig.result(i))) fail("type mismatch");
      }
      resetLocals(c);
      bool fallsThrough = !c.unreachable;
      if (c.reachableAtEntry) consumer_.onEnd(c, fallsThrough);
      BlockType sig = c.sig;
      controls_.pop_back();
      for (uint32_t i = 0; i < sig.numResults(); ++i) push(sig.result(i));
      break;
    }
    case Op::Br: {
      Control& target = label(reader_.readU32());
      popLabel(target);
      if (reachable()) consumer_.onBr(target);
      setUnreachable();
      break;
    }
    case Op::BrIf: {
      Control& target = label(reader_.readU32());
      pop(ValType::I32);
      popLabel(target);
      pushLabel(target);
      if (reachable()) consumer_.onBrIf(target);
      break;
    }
    case Op::BrTable: {
      uint32_t count = reader_.readCount();
      if (count > limits::kMaxBrTableSize) fail("br_table too large");
      brTargets_.clear();
      for (uint32_t i = 0; i < count; ++i) brTargets_.push_back(&label(reader_.readU32()));
      Control& def = label(reader_.readU32());
      pop(ValType::I32);
      uint32_t arity = def.labelArity();
      for (Control* t : brTargets_) {
        if (t->labelArity() != arity) fail("type mismatch");
        // Check the operands against this label without consuming them.
        std::vector<ValType> popped(arity);
        for (uint32_t i = arity; i-- > 0;) popped[i] = pop(t->labelType(i));
        for (uint32_t i = 0; i < arity; ++i) push(popped[i]);
      }
      popLabel(def);
      if (reachable()) consumer_.onBrTable(brTargets_, def);
      setUnreachable();
      break;
    }
    case Op::Return:
      popLabel(controls_.front());
      if (reachable()) consumer_.onReturn();
      setUnreachable();
      break;
    case Op::Call: {
      uint32_t f = readFuncIndex();
      const FuncType& ft = module_.funcType(f);
      for (size_t i = ft.params.size(); i-- > 0;) pop(ft.params[i]);
      for (ValType t : ft.results) push(t);
      if (reachable()) consumer_.onCall(f);
      break;
    }
    case Op::CallIndirect: {
      uint32_t typeIndex = reader_.readU32();
      if (typeIndex >= module_.types.size()) fail("unknown type");
      uint32_t table = readTableIndex();
      if (!isSubtype(module_.tables[table].elem, ValType::FuncRef)) fail("type mismatch");
      pop(tableIndexType(table));
      const FuncType& ft = module_.types[typeIndex];
      for (size_t i = ft.params.size(); i-- > 0;) pop(ft.params[i]);
      for (ValType t : ft.results) push(t);
      if (reachable()) consumer_.onCallIndirect(typeIndex, table);
      break;
    }
    case Op::CallRef:
    case Op::ReturnCallRef: {
      uint32_t typeIndex = reader_.readU32();
      if (typeIndex >= module_.types.size()) fail("unknown type");
      const FuncType& ft = module_.types[typeIndex];
      if (op == Op::ReturnCallRef) checkTailCallResults(ft);
      pop(ValType::ref(typeIndex, /*nullable=*/true));
      for (size_t i = ft.params.size(); i-- > 0;) pop(ft.params[i]);
      if (op == Op::CallRef) {
        for (ValType t : ft.results) push(t);
        if (reachable()) consumer_.onCallRef(typeIndex);
      } else {
        usesTailCalls_ = true;
        if (reachable()) consumer_.onReturnCallRef(typeIndex);
        setUnreachable();
      }
      break;
    }
    case Op::ReturnCall: {
      uint32_t f = readFuncIndex();
      const FuncType& ft = module_.funcType(f);
      checkTailCallResults(ft);
      for (size_t i = ft.params.size(); i-- > 0;) pop(ft.params[i]);
      usesTailCalls_ = true;
      if (reachable()) consumer_.onReturnCall(f);
      setUnreachable();
      break;
    }
    case Op::ReturnCallIndirect: {
      uint32_t typeIndex = reader_.readU32();
      if (typeIndex >= module_.types.size()) fail("unknown type");
      uint32_t table = readTableIndex();
      if (!isSubtype(module_.tables[table].elem, ValType::FuncRef)) fail("type mismatch");
      const FuncType& ft = module_.types[typeIndex];
      checkTailCallResults(ft);
      pop(tableIndexType(table));
      for (size_t i = ft.params.size(); i-- > 0;) pop(ft.params[i]);
      usesTailCalls_ = true;
      if (reachable()) consumer_.onReturnCallIndirect(typeIndex, table);
      setUnreachable();
      break;
    }
    case Op::Drop:
      popAny();
      if (reachable()) consumer_.onDrop();
      break;
    case Op::Select: {
      pop(ValType::I32);
      ValType t1 = popAny();
      ValType t2 = popAny();
      if (isRefType(t1) || isRefType(t2)) fail("type mismatch");
      if (t1 != t2 && t1 != ValType::Bottom && t2 != ValType::Bottom) fail("type mismatch");
      ValType t = t1 == ValType::Bottom ? t2 : t1;
      push(t);
      if (reachable()) consumer_.onSelect(t);
      break;
    }
    case Op::SelectT: {
      uint32_t n = reader_.readU32();
      if (n != 1) fail("invalid result arity");
      ValType t = readValType();
      pop(ValType::I32);
      pop(t);
      pop(t);
      push(t);
      if (reachable()) consumer_.onSelect(t);
      break;
    }
    case Op::GlobalGet: {
      uint32_t i = readGlobalIndex();
      push(module_.globalTypes[i].type);
      if (reachable()) consumer_.onGlobalGet(i);
      break;
    }
    case Op::GlobalSet: {
      uint32_t i = readGlobalIndex();
      if (!module_.globalTypes[i].mutable_) fail("global is immutable");
      pop(module_.globalTypes[i].type);
      if (reachable()) consumer_.onGlobalSet(i);
      break;
    }
    case Op::TableGet: {
      uint32_t t = readTableIndex();
      pop(tableIndexType(t));
      push(module_.tables[t].elem);
      if (reachable()) consumer_.onTableGet(t);
      break;
    }
    case Op::TableSet: {
      uint32_t t = readTableIndex();
      pop(module_.tables[t].elem);
      pop(tableIndexType(t));
      if (reachable()) consumer_.onTableSet(t);
      break;
    }
    case Op::MemorySize: {
      uint32_t memory = readMemoryIndex();
      push(addressType(memory));
      if (reachable()) consumer_.onMemorySize(memory);
      break;
    }
    case Op::MemoryGrow: {
      uint32_t memory = readMemoryIndex();
      pop(addressType(memory));
      push(addressType(memory));
      if (reachable()) consumer_.onMemoryGrow(memory);
      break;
    }
    case Op::I64Const: {
      uint64_t v = uint64_t(reader_.readS64());
      push(ValType::I64);
      if (reachable()) consumer_.onConst(ValType::I64, v);
      break;
    }
    case Op::F32Const: {
      uint32_t v = reader_.readFixedU32();
      push(ValType::F32);
      if (reachable()) consumer_.onConst(ValType::F32, v);
      break;
    }
    case Op::F64Const: {
      uint64_t v = reader_.readFixedU64();
      push(ValType::F64);
      if (reachable()) consumer_.onConst(ValType::F64, v);
      break;
    }
    case Op::RefNull: {
      ValType t = ValType::ref(readHeapType(reader_, uint32_t(module_.types.size())), /*nullable=*/true);
      push(t);
      if (reachable()) consumer_.onRefNull(t);
      break;
    }
    case Op::RefIsNull:
      popRef();
      push(ValType::I32);
      if (reachable()) consumer_.onRefIsNull();
      break;
    case Op::RefFunc: {
      uint32_t f = readFuncIndex();
      if (!module_.declaredFuncRefs[f]) fail("undeclared function reference");
      push(ValType::ref(module_.funcTypes[f], /*nullable=*/false));
      if (reachable()) consumer_.onRefFunc(f);
      break;
    }
    case Op::RefAsNonNull: {
      ValType t = popRef();
      push(t.asNonNull());
      if (reachable()) consumer_.onRefAsNonNull();
      break;
    }
    case Op::BrOnNull: {
      Control& target = label(reader_.readU32());
      ValType t = popRef();
      popLabel(target);
      pushLabel(target);
      push(t.asNonNull());
      if (reachable()) consumer_.onBrOnNull(target);
      break;
    }
    case Op::BrOnNonNull: {
      // The label's last value is the non-null reference.
      Control& target = label(reader_.readU32());
      uint32_t arity = target.labelArity();
      if (arity == 0) fail("type mismatch");
      ValType t = popRef();
      if (!isSubtype(t.asNonNull(), target.labelType(arity - 1))) fail("type mismatch");
      for (uint32_t i = arity - 1; i-- > 0;) pop(target.labelType(i));
      for (uint32_t i = 0; i + 1 < arity; ++i) push(target.labelType(i));
      if (reachable()) consumer_.onBrOnNonNull(target);
      break;
    }
    default:
      fail("illegal opcode");
  }
}

// The 0xfd operators: their typing rules by class (opcodes.def's lists).
template <class Consumer>
void FunctionDecoder<Consumer>::decodeSimd() {
  uint32_t sub = reader_.readU32();
  Op op = opFromPrefixed(0xfd, sub);
  currentOp_ = op;
  if (op == Op::Invalid) fail("illegal opcode 0xfd " + std::to_string(sub));
  const OpInfo& info = opInfo(op);
  SimdImmediate imm;
  switch (info.cls) {
    case OpClass::SimdUnary:
      pop(ValType::fromCode(info.operand));
      push(ValType::fromCode(info.result));
      break;
    case OpClass::SimdBinary:
      pop(ValType::V128);
      pop(ValType::V128);
      push(ValType::V128);
      break;
    case OpClass::SimdShift:
      pop(ValType::I32);
      pop(ValType::V128);
      push(ValType::V128);
      break;
    case OpClass::SimdTernary:
      pop(ValType::V128);
      pop(ValType::V128);
      pop(ValType::V128);
      push(ValType::V128);
      break;
    case OpClass::SimdExtract:
      imm.lane = readLane(info);
      pop(ValType::V128);
      push(ValType::fromCode(info.result));
      break;
    case OpClass::SimdReplace:
      imm.lane = readLane(info);
      pop(ValType::fromCode(info.operand));
      pop(ValType::V128);
      push(ValType::V128);
      break;
    case OpClass::SimdLoad:
      imm.mem = readMemArg(info.maxAlign);
      pop(addressType(imm.mem.memory));
      push(ValType::V128);
      break;
    case OpClass::SimdLoadLane:
      imm.mem = readMemArg(info.maxAlign);
      imm.lane = readLane(info);
      pop(ValType::V128);
      pop(addressType(imm.mem.memory));
      push(ValType::V128);
      break;
    case OpClass::SimdStoreLane:
      imm.mem = readMemArg(info.maxAlign);
      imm.lane = readLane(info);
      pop(ValType::V128);
      pop(addressType(imm.mem.memory));
      break;
    default:  // SimdSpecial
      if (op == Op::V128Store) {
        imm.mem = readMemArg(4);
        pop(ValType::V128);
        pop(addressType(imm.mem.memory));
      } else if (op == Op::V128Const) {
        for (uint8_t& b : imm.bytes) b = reader_.readByte();
        push(ValType::V128);
      } else {  // i8x16.shuffle
        for (uint8_t& b : imm.bytes) {
          b = reader_.readByte();
          if (b >= 32) fail("invalid lane index");
        }
        pop(ValType::V128);
        pop(ValType::V128);
        push(ValType::V128);
      }
      break;
  }
  if (reachable()) consumer_.onSimd(op, imm);
}

template <class Consumer>
void FunctionDecoder<Consumer>::decodePrefixed() {
  uint32_t sub = reader_.readU32();
  Op op = opFromPrefixed(0xfc, sub);
  currentOp_ = op;
  if (op == Op::Invalid) fail("illegal opcode 0xfc " + std::to_string(sub));
  const OpInfo& info = opInfo(op);
  if (info.cls == OpClass::Unary) {  // the saturating truncations
    pop(ValType::fromCode(info.operand));
    push(ValType::fromCode(info.result));
    if (reachable()) consumer_.onUnary(op);
    return;
  }
  switch (op) {
    case Op::MemoryInit: {
      // The memory is checked before the segment (the data index comes
      // first in the encoding).
      uint32_t seg = reader_.readU32();
      uint32_t memory = readMemoryIndex();
      checkDataIndex(seg);
      pop(ValType::I32), pop(ValType::I32), pop(addressType(memory));  // n, source offset, destination
      if (reachable()) consumer_.onMemoryInit(seg, memory);
      break;
    }
    case Op::DataDrop: {
      uint32_t seg = readDataIndex();
      if (reachable()) consumer_.onDataDrop(seg);
      break;
    }
    case Op::MemoryCopy: {
      uint32_t dst = readMemoryIndex();
      uint32_t src = readMemoryIndex();
      // The length is i64 only between two memory64s.
      ValType dt = addressType(dst), st = addressType(src);
      pop(dt == ValType::I64 && st == ValType::I64 ? ValType::I64 : ValType::I32), pop(st), pop(dt);
      if (reachable()) consumer_.onMemoryCopy(dst, src);
      break;
    }
    case Op::MemoryFill: {
      uint32_t memory = readMemoryIndex();
      ValType at = addressType(memory);
      pop(at), pop(ValType::I32), pop(at);  // n, value, destination
      if (reachable()) consumer_.onMemoryFill(memory);
      break;
    }
    case Op::TableInit: {
      size_t segAt = reader_.offset();
      uint32_t seg = reader_.readU32();
      uint32_t t = readTableIndex();
      if (seg >= module_.elems.size()) reader_.failAt(segAt, "unknown elem segment " + std::to_string(seg));
      if (!isSubtype(module_.elems[seg].type, module_.tables[t].elem)) fail("type mismatch");
      pop(ValType::I32), pop(ValType::I32), pop(tableIndexType(t));  // n, source offset, destination
      if (reachable()) consumer_.onTableInit(seg, t);
      break;
    }
    case Op::ElemDrop: {
      uint32_t seg = readElemIndex();
      if (reachable()) consumer_.onElemDrop(seg);
      break;
    }
    case Op::TableCopy: {
      uint32_t dst = readTableIndex();
      uint32_t src = readTableIndex();
      if (!isSubtype(module_.tables[src].elem, module_.tables[dst].elem)) fail("type mismatch");
      ValType dt = tableIndexType(dst), st = tableIndexType(src);
      pop(dt == ValType::I64 && st == ValType::I64 ? ValType::I64 : ValType::I32), pop(st), pop(dt);
      if (reachable()) consumer_.onTableCopy(dst, src);
      break;
    }
    case Op::TableGrow: {
      uint32_t t = readTableIndex();
      pop(tableIndexType(t));
      pop(module_.tables[t].elem);
      push(tableIndexType(t));
      if (reachable()) consumer_.onTableGrow(t);
      break;
    }
    case Op::TableSize: {
      uint32_t t = readTableIndex();
      push(tableIndexType(t));
      if (reachable()) consumer_.onTableSize(t);
      break;
    }
    case Op::TableFill: {
      uint32_t t = readTableIndex();
      pop(tableIndexType(t));
      pop(module_.tables[t].elem);
      pop(tableIndexType(t));
      if (reachable()) consumer_.onTableFill(t);
      break;
    }
    default:
      fail("illegal opcode");
  }
}

}  // namespace strata
