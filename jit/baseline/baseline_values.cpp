// The baseline compiler's operand stack: frame slots, the register pool,
// spills, conditions, helper calls and trap exits (see baseline_compiler.h).
#include <climits>

#include "jit/baseline/baseline_compiler.h"

namespace strata::jit::baseline {

namespace {
// Caller-saved registers the operand stack may use. r11 is scratch; rbx,
// rbp and r12 stay unused (no pushes to pay for).
constexpr int kGpPool[] = {0 /*rax*/, 1 /*rcx*/, 2 /*rdx*/, 6 /*rsi*/, 7 /*rdi*/, 8, 9, 10};
constexpr int kXmmPool = 15;  // xmm0-xmm14; xmm15 is scratch

const x86::Gp kCtx = x86::r15;
const x86::Gp kFp = x86::r14;
const x86::Gp kScratch = x86::r11;
const x86::Xmm kScratchXmm = x86::xmm15;

bool fitsInt32(int64_t v) { return v == int64_t(int32_t(v)); }
}  // namespace

BaselineCompiler::BaselineCompiler(FastAssembler& a, Function* fn, const Options& options)
    : a_(a), fn_(fn), inst_(*fn->instance), options_(options) {
  if (inst_.numMemories()) {
    mem_ = inst_.memory(0);
    // A memory64's indices are not covered by the guard region.
    mem0Is64_ = mem_->type().is64;
    guarded_ = mem_->guarded() && !mem0Is64_;
  }
  swapScratch();
  stack_.clear();
  countStubs_.clear();
  callStubs_.clear();
  stack_.reserve(32);
  for (int& o : gpOwner_) o = kNotInPool;
  for (int id : kGpPool) gpOwner_[id] = kFree;
  for (int i = 0; i < 16; ++i) xmmOwner_[i] = i < kXmmPool ? kFree : kNotInPool;
}

BaselineCompiler::~BaselineCompiler() { swapScratch(); }

BaselineCompiler::Scratch& BaselineCompiler::scratch() {
  thread_local Scratch s;
  return s;
}

void BaselineCompiler::swapScratch() {
  Scratch& s = scratch();
  stack_.swap(s.stack);
  localReaders_.swap(s.localReaders);
  localOffset_.swap(s.localOffset);
  countStubs_.swap(s.countStubs);
  callStubs_.swap(s.callStubs);
}

void BaselineCompiler::setDecoder(Decoder* d) { d_ = d; }

// --- frame slots ---

x86::Mem BaselineCompiler::frameSlot(uint32_t slot, uint32_t size) {
  x86::Mem m = x86::ptr(kFp, int32_t(slot * 8));
  m.setSize(size);
  return m;
}

x86::Mem BaselineCompiler::localSlot(uint32_t i, uint32_t size) const { return frameSlot(localOffset_[i], size); }

x86::Mem BaselineCompiler::stackSlot(uint32_t pos, uint32_t size) const { return frameSlot(stack_[pos].slot, size); }

void BaselineCompiler::copySlots(const x86::Mem& dst, const x86::Mem& src, uint32_t width) {
  if (width == 2) {
    a_.movdqu(kScratchXmm, src);
    a_.movdqu(dst, kScratchXmm);
  } else {
    a_.mov(kScratch, src);
    a_.mov(dst, kScratch);
  }
}

namespace {
uint32_t valueSize(ValType t) { return t == ValType::V128 ? 16 : is64(t) ? 8 : 4; }
}  // namespace

// --- registers ---

int BaselineCompiler::allocGp() {
  for (int id : kGpPool)
    if (gpOwner_[id] == kFree) {
      gpOwner_[id] = kTemp;
      return id;
    }
  // Spill the deepest register entry: the one needed last.
  int victim = -1;
  for (int id : kGpPool)
    if (gpOwner_[id] >= 0 && (victim < 0 || gpOwner_[id] < gpOwner_[victim])) victim = id;
  if (victim < 0) throw Unsupported{"no free register"};
  spill(uint32_t(gpOwner_[victim]));
  gpOwner_[victim] = kTemp;
  return victim;
}

int BaselineCompiler::allocXmm() {
  for (int id = 0; id < kXmmPool; ++id)
    if (xmmOwner_[id] == kFree) {
      xmmOwner_[id] = kTemp;
      return id;
    }
  int victim = -1;
  for (int id = 0; id < kXmmPool; ++id)
    if (xmmOwner_[id] >= 0 && (victim < 0 || xmmOwner_[id] < xmmOwner_[victim])) victim = id;
  if (victim < 0) throw Unsupported{"no free register"};
  spill(uint32_t(xmmOwner_[victim]));
  xmmOwner_[victim] = kTemp;
  return victim;
}

void BaselineCompiler::evictGp(int id) {
  int owner = gpOwner_[id];
  if (owner == kFree) return;
  if (owner < 0) throw Unsupported{"register in use"};
  Value& v = stack_[size_t(owner)];
  // Another free register if there is one (a move), else the slot.
  for (int other : kGpPool) {
    if (other == id || other == 0 || other == 1 || other == 2 || gpOwner_[other] != kFree) continue;
    a_.mov(x86::gpq(other), x86::gpq(id));
    gpOwner_[other] = owner;
    gpOwner_[id] = kFree;
    v.reg = uint8_t(other);
    return;
  }
  spill(uint32_t(owner));
}

// --- the operand stack ---

void BaselineCompiler::storeValue(uint32_t pos, x86::Mem dst) {
  const Value& v = stack_[pos];
  switch (v.kind) {
    case Value::kReg:
      dst.setSize(valueSize(v.type));
      if (v.type == ValType::V128)
        a_.movdqu(dst, xmm(v.reg));
      else if (isFloat(v.type))
        v.type == ValType::F32 ? a_.movss(dst, xmm(v.reg)) : a_.movsd(dst, xmm(v.reg));
      else
        a_.mov(dst, gpOf(v));
      return;
    case Value::kConst:
      if (v.type == ValType::V128) {
        // Two 64-bit halves (never through the flags).
        x86::Mem hi = dst;
        hi.addOffset(8);
        dst.setSize(8);
        hi.setSize(8);
        a_.mov(kScratch, imm(v.bits));
        a_.mov(dst, kScratch);
        a_.mov(kScratch, imm(v.high));
        a_.mov(hi, kScratch);
      } else if (!is64(v.type)) {
        dst.setSize(4);
        a_.mov(dst, imm(int32_t(uint32_t(v.bits))));
      } else if (fitsInt32(int64_t(v.bits))) {
        dst.setSize(8);
        a_.mov(dst, imm(int32_t(v.bits)));
      } else {
        dst.setSize(8);
        a_.mov(kScratch, imm(v.bits));
        a_.mov(dst, kScratch);
      }
      return;
    case Value::kLocal:
    case Value::kSlot: {
      x86::Mem src = v.kind == Value::kLocal ? localSlot(v.local) : stackSlot(pos);
      if (src == dst) return;
      uint32_t width = slotWidth(v.type);
      dst.setSize(8 * width);
      src.setSize(8 * width);
      copySlots(dst, src, width);
      return;
    }
    case Value::kCmp:
      throw Unsupported{"condition flags stored"};
  }
}

void BaselineCompiler::loadInto(int reg, uint32_t pos) {
  // Never touches the flags: a comparison's flags may be waiting for a
  // jcc/cmov right after this.
  const Value& v = stack_[pos];
  if (v.type == ValType::V128) {
    x86::Xmm x = xmm(reg);
    switch (v.kind) {
      case Value::kReg:
        if (v.reg != reg) a_.movaps(x, xmm(v.reg));
        return;
      case Value::kConst:
        if (v.bits == 0 && v.high == 0)
          a_.xorps(x, x);
        else
          a_.movdqu(x, constant128(v.bits, v.high));
        return;
      default:
        a_.movdqu(x, v.kind == Value::kLocal ? localSlot(v.local, 16) : stackSlot(pos, 16));
        return;
    }
  }
  if (isFloat(v.type)) {
    x86::Xmm x = xmm(reg);
    bool f32 = v.type == ValType::F32;
    switch (v.kind) {
      case Value::kReg:
        if (v.reg != reg) a_.movaps(x, xmm(v.reg));
        return;
      case Value::kConst:
        if (v.bits == 0)
          a_.xorps(x, x);  // SSE logic leaves EFLAGS alone
        else
          f32 ? a_.movss(x, constant(v.bits, true)) : a_.movsd(x, constant(v.bits, false));
        return;
      default: {
        x86::Mem m = v.kind == Value::kLocal ? localSlot(v.local) : stackSlot(pos);
        m.setSize(f32 ? 4 : 8);
        f32 ? a_.movss(x, m) : a_.movsd(x, m);
        return;
      }
    }
  }
  x86::Gp g = gp(reg, v.type);
  switch (v.kind) {
    case Value::kReg:
      if (v.reg != reg) a_.mov(g, gpOf(v));
      return;
    case Value::kConst:
      if (is64(v.type) && !fitsInt32(int64_t(v.bits)) && v.bits > 0xffffffffu)
        a_.mov(g, imm(v.bits));
      else if (is64(v.type) && int64_t(v.bits) < 0)
        a_.mov(g, imm(int32_t(v.bits)));  // sign-extending form
      else
        a_.mov(g.r32(), imm(uint32_t(v.bits)));
      return;
    case Value::kLocal:
      a_.mov(g, localSlot(v.local, valueSize(v.type)));
      return;
    case Value::kSlot:
      a_.mov(g, stackSlot(pos, valueSize(v.type)));
      return;
    case Value::kCmp:
      throw Unsupported{"condition flags loaded"};
  }
}

void BaselineCompiler::loadBits(x86::Gp r, uint32_t pos) {
  const Value& v = stack_[pos];
  if (v.type == ValType::V128) throw Unsupported{"v128 bits in a general-purpose register"};
  if (!isFloat(v.type)) return loadInto(r.id(), pos);
  bool f32 = v.type == ValType::F32;
  switch (v.kind) {
    case Value::kReg:
      f32 ? a_.movd(r.r32(), xmm(v.reg)) : a_.movq(r.r64(), xmm(v.reg));
      return;
    case Value::kConst:
      a_.mov(f32 ? x86::Gp(r.r32()) : x86::Gp(r.r64()), imm(v.bits));
      return;
    default: {
      x86::Mem m = v.kind == Value::kLocal ? localSlot(v.local, f32 ? 4 : 8) : stackSlot(pos, f32 ? 4 : 8);
      a_.mov(f32 ? x86::Gp(r.r32()) : x86::Gp(r.r64()), m);
      return;
    }
  }
}

void BaselineCompiler::spill(uint32_t pos) {
  Value& v = stack_[pos];
  if (v.kind != Value::kReg) return;
  storeValue(pos, stackSlot(pos));
  freeReg(v);
  v.kind = Value::kSlot;
}

void BaselineCompiler::materialize(uint32_t pos) {
  Value& v = stack_[pos];
  switch (v.kind) {
    case Value::kSlot:
      return;
    case Value::kReg:
      spill(pos);
      return;
    case Value::kCmp:
      materializeCondition();
      spill(pos);
      return;
    case Value::kConst:
    case Value::kLocal:
      storeValue(pos, stackSlot(pos));
      if (v.kind == Value::kLocal) --localReaders_[v.local];
      v.kind = Value::kSlot;
      return;
  }
}

void BaselineCompiler::materializeFrom(uint32_t pos, bool constants) {
  // Entries below stable_ are in their slots or constants, which nothing
  // changes: a block start only looks at what was pushed since the last.
  uint32_t from = constants ? pos : std::max(pos, stable_);
  for (uint32_t p = from; p < height(); ++p) {
    if (constants || stack_[p].kind != Value::kConst) materialize(p);
  }
  if (pos <= stable_) stable_ = height();
}

void BaselineCompiler::spillRegisters() {
  for (int id : kGpPool)
    if (gpOwner_[id] >= 0) spill(uint32_t(gpOwner_[id]));
  for (int id = 0; id < kXmmPool; ++id)
    if (xmmOwner_[id] >= 0) spill(uint32_t(xmmOwner_[id]));
}

int BaselineCompiler::toReg(uint32_t pos) {
  Value& v = stack_[pos];
  if (v.kind == Value::kReg) return v.reg;
  if (v.kind == Value::kCmp) {
    materializeCondition();
    return stack_[pos].reg;
  }
  int r = inXmm(v.type) ? allocXmm() : allocGp();
  loadInto(r, pos);
  if (v.kind == Value::kLocal) --localReaders_[v.local];
  v.kind = Value::kReg;
  v.reg = uint8_t(r);
  claim(pos);
  return r;
}

void BaselineCompiler::detachLocal(uint32_t i) {
  uint32_t left = localReaders_[i];
  for (uint32_t p = height(); left && p-- > 0;) {
    const Value& v = stack_[p];
    if (v.kind != Value::kLocal || v.local != i) continue;
    toReg(p);
    --left;
  }
}

Operand BaselineCompiler::gpSource(uint32_t pos, bool allowImm) {
  const Value& v = stack_[pos];
  switch (v.kind) {
    case Value::kReg:
      return gpOf(v);
    case Value::kConst:
      if (allowImm && (!is64(v.type) || fitsInt32(int64_t(v.bits)))) return imm(int32_t(uint32_t(v.bits)));
      return gp(toReg(pos), v.type);
    case Value::kLocal:
      return localSlot(v.local, valueSize(v.type));
    case Value::kSlot:
      return stackSlot(pos, valueSize(v.type));
    case Value::kCmp:
      return gp(toReg(pos), ValType::I32);
  }
  return Operand();
}

Operand BaselineCompiler::xmmSource(uint32_t pos) {
  const Value& v = stack_[pos];
  // A 128-bit SSE memory operand must be 16-byte aligned, and frame slots
  // are 8: v128 operands come in registers.
  if (v.type == ValType::V128) return xmm(toReg(pos));
  bool f32 = v.type == ValType::F32;
  switch (v.kind) {
    case Value::kReg:
      return xmm(v.reg);
    case Value::kConst:
      return constant(v.bits, f32);
    case Value::kLocal:
      return localSlot(v.local, f32 ? 4 : 8);
    default:
      return stackSlot(pos, f32 ? 4 : 8);
  }
}

int BaselineCompiler::resultGp(uint32_t pos) {
  const Value& v = stack_[pos];
  if (v.kind == Value::kReg) return v.reg;
  int r = allocGp();
  loadInto(r, pos);
  return r;
}

int BaselineCompiler::resultXmm(uint32_t pos) {
  const Value& v = stack_[pos];
  if (v.kind == Value::kReg) return v.reg;
  int r = allocXmm();
  loadInto(r, pos);
  return r;
}

x86::Mem BaselineCompiler::constant128(uint64_t lo, uint64_t hi) {
  auto it = constants128_.find({lo, hi});
  if (it == constants128_.end()) it = constants128_.emplace(std::make_pair(lo, hi), a_.newLabel()).first;
  return x86::xmmword_ptr(it->second);
}

x86::Mem BaselineCompiler::constant(uint64_t bits, bool f32) {
  auto& pool = f32 ? constants32_ : constants64_;
  auto it = pool.find(bits);
  if (it == pool.end()) it = pool.emplace(bits, a_.newLabel()).first;
  return f32 ? x86::dword_ptr(it->second) : x86::qword_ptr(it->second);
}

// --- conditions ---

void BaselineCompiler::annotate() {
  annotations.push_back({uint32_t(a_.offset()), uint32_t(d_->opOffset()), opNameAt(d_->module(), d_->opOffset())});
}

void BaselineCompiler::materializeCondition() {
  Value& v = top();
  Cond c = v.cond;
  int r = allocGp();  // spills are plain moves: the flags survive
  x86::Gp g = x86::gpd(r);
  a_.set(c.cc, x86::gpb(r));
  if (c.parity == 1) {
    a_.setnp(kScratch.r8());
    a_.and_(x86::gpb(r), kScratch.r8());
  } else if (c.parity == 2) {
    a_.setp(kScratch.r8());
    a_.or_(x86::gpb(r), kScratch.r8());
  }
  a_.movzx(g, x86::gpb(r));
  v.kind = Value::kReg;
  v.type = ValType::I32;
  v.reg = uint8_t(r);
  claim(height() - 1);
}

Cond BaselineCompiler::popCondition() {
  Value& v = top();
  if (v.kind == Value::kCmp) {
    Cond c = v.cond;
    pop();
    return c;
  }
  testZero(height() - 1);
  Cond c = top().cond.negated();  // != 0
  pop();
  return c;
}

void BaselineCompiler::testZero(uint32_t pos) {
  Operand src = gpSource(pos, /*allowImm=*/false);
  src.isReg() ? a_.test(src.as<x86::Gp>(), src.as<x86::Gp>()) : a_.cmp(src.as<x86::Mem>(), imm(0));
  pop();
  Value v;
  v.kind = Value::kCmp;
  v.cond = Cond{x86::CondCode::kE, 0};
  push(v);
}

// --- helper calls ---

void BaselineCompiler::callHelper(const void* fn, std::initializer_list<Arg> args, bool mayTrap) {
  // Every pool register is caller-saved: spill them all; the arguments
  // are then read from slots, constants and locals.
  spillRegisters();
  static const x86::Gp kArgs[] = {x86::rdi, x86::rsi, x86::rdx, x86::rcx, x86::r8, x86::r9};
  size_t i = 0;
  for (const Arg& arg : args) {
    x86::Gp r = kArgs[i++];
    switch (arg.kind) {
      case Arg::kImm:
        a_.mov(r, imm(arg.imm));
        break;
      case Arg::kCtx:
        a_.mov(r, kCtx);
        break;
      case Arg::kFp:
        a_.mov(r, kFp);
        break;
      case Arg::kEntry:
        loadBits(r, arg.pos);
        break;
    }
  }
  a_.mov(x86::rax, imm(uint64_t(uintptr_t(fn))));
  a_.call(x86::rax);
  if (mayTrap) checkStatus();
}

void BaselineCompiler::checkStatus() {
  if (!statusUsed_) {
    statusUsed_ = true;
    statusExit_ = a_.newLocalLabel();
  }
  a_.cmp(x86::qword_ptr(kCtx, int32_t(offsetof(JitContext, status))), imm(0));
  a_.jne(statusExit_);
}

void BaselineCompiler::refreshMemory() {
  if (mem_ && !guarded_) callHelper((const void*)&jitRefreshMemory, {ctxArg(), ptr(mem_)}, false);
}

void BaselineCompiler::refreshMemoryKeeping(x86::Gp keep) {
  if (!mem_ || guarded_) return;
  a_.push(keep);
  a_.sub(x86::rsp, imm(8));
  a_.mov(x86::rdi, kCtx);
  a_.mov(x86::rsi, imm(uint64_t(uintptr_t(mem_))));
  a_.mov(x86::rax, imm(uint64_t(uintptr_t(&jitRefreshMemory))));
  a_.call(x86::rax);
  a_.add(x86::rsp, imm(8));
  a_.pop(keep);
}

// --- traps ---

LocalLabel BaselineCompiler::trapLabel(uint32_t code) {
  if (!trapUsed_[code]) {
    trapUsed_[code] = true;
    trapLabels_[code] = a_.newLocalLabel();
  }
  return trapLabels_[code];
}

}  // namespace strata::jit::baseline
