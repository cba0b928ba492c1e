// The baseline compiler's direct encodings (see fast_assembler.h), inline:
// at most call sites the registers are constants and the memory operand a
// frame slot ([r14 + disp]), so most of each form's checks and its
// REX/ModRM computation fold away where it is used.
//
// An instruction here is
//   [66|F2|F3] [REX] opcode (1 byte, or 0F xx) ModRM [SIB] [disp8|disp32] [imm]
// and each form names its opcode and which operand goes in ModRM.reg and
// which in ModRM.rm, as the Intel manual's tables do ("89 /r": MOV r/m, r).
// Where x86 has two encodings of one instruction, the one asmjit picks is
// used, so the bytes do not depend on which assembler encoded them.
#pragma once

#include <cstring>

namespace strata::jit::baseline {

namespace x86 = asmjit::x86;

// The pieces every form is made of.
namespace encoding {

constexpr uint32_t kNoIndex = 0xFF;
constexpr size_t kMaxLength = 16;  // the longest form here is 10 bytes (movabs)

// The ModRM r/m operand: a register, or [base + (index << shift) + disp].
struct RM {
  bool isMem = false;
  uint32_t reg = 0;
  uint32_t base = 0;
  uint32_t index = kNoIndex;
  uint32_t shift = 0;
  int32_t disp = 0;
};

inline RM regRM(const asmjit::BaseReg& r) {
  RM rm;
  rm.reg = r.id();
  return rm;
}

inline bool isGp(const x86::Gp& r) { return (r.isGpd() || r.isGpq()) && r.id() < 16; }
inline bool isXmm(const x86::Xmm& r) { return r.isXmm() && r.id() < 16; }

// A memory operand encoded here: a 64-bit base register, an optional
// 64-bit index other than rsp, no segment, broadcast, address-type override
// or register home. Labels, RIP-relative and absolute addresses are
// asmjit's. The operand's size is the caller's business: where a register
// operand gives the operation's size, asmjit ignores the memory's.
[[gnu::always_inline]] inline bool plainMemory(const x86::Mem& m, RM* rm) {
  constexpr uint32_t kUnusual = x86::Mem::kSignatureMemAddrTypeMask | x86::Mem::kSignatureMemSegmentMask |
                                x86::Mem::kSignatureMemBroadcastMask | asmjit::OperandSignature::kMemRegHomeFlag;
  if (m.signature().bits() & kUnusual) return false;
  if (m.baseType() != asmjit::RegType::kX86_Gpq || m.baseId() >= 16) return false;
  if (m.hasIndex()) {
    if (m.indexType() != asmjit::RegType::kX86_Gpq || m.indexId() >= 16 || m.indexId() == x86::Gp::kIdSp) return false;
    rm->index = m.indexId();
  }
  rm->isMem = true;
  rm->base = m.baseId();
  rm->disp = m.offsetLo32();
  rm->shift = m.shift();
  return true;
}

inline bool fitsInt8(int64_t v) { return v >= -128 && v <= 127; }
inline bool fitsInt32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

inline bool isIntImm(const asmjit::Imm& i) { return i.type() == asmjit::ImmType::kInt; }

inline void put32(uint8_t*& p, uint32_t v) {
  std::memcpy(p, &v, 4);
  p += 4;
}

// [prefix] [REX] opcode ModRM [SIB] [disp]: `reg` in ModRM.reg, `rm` in
// ModRM.rm. Returns the end of the bytes written.
// Inlined into each form, where the prefix, opcode and operand kinds are
// constants: most of its branches fold away.
[[gnu::always_inline]] inline uint8_t* writeOp(uint8_t* p, uint32_t prefix, bool w, uint32_t opcode, uint32_t reg,
                                               const RM& rm) {
  if (prefix) *p++ = uint8_t(prefix);
  // REX: W (64-bit operand), R (ModRM.reg >= 8), X (SIB.index >= 8),
  // B (ModRM.rm or SIB.base >= 8); omitted when all are clear.
  uint32_t base = rm.isMem ? rm.base : rm.reg;
  uint32_t index = rm.isMem && rm.index != kNoIndex ? rm.index : 0;
  uint32_t rex = (w ? 8u : 0u) | ((reg & 8) >> 1) | ((index & 8) >> 2) | ((base & 8) >> 3);
  if (rex) *p++ = uint8_t(0x40 | rex);
  if (opcode > 0xFF) *p++ = uint8_t(opcode >> 8);
  *p++ = uint8_t(opcode);
  if (!rm.isMem) {
    *p++ = uint8_t(0xC0 | (reg & 7) << 3 | (rm.reg & 7));
    return p;
  }
  // mod 00 has no displacement, except that base rbp/r13 there means
  // RIP-relative (no SIB) or no base (SIB): those take disp8 0.
  uint32_t mod = rm.disp == 0 && (rm.base & 7) != 5 ? 0 : fitsInt8(rm.disp) ? 1 : 2;
  // rm = 100 means a SIB byte follows: for an index, and for base
  // rsp/r12, whose low bits are 100.
  bool sib = rm.index != kNoIndex || (rm.base & 7) == 4;
  *p++ = uint8_t(mod << 6 | (reg & 7) << 3 | (sib ? 4 : rm.base & 7));
  if (sib) *p++ = uint8_t(rm.shift << 6 | (rm.index == kNoIndex ? 4 : rm.index & 7) << 3 | (rm.base & 7));
  if (mod == 1) *p++ = uint8_t(rm.disp);
  if (mod == 2) put32(p, uint32_t(rm.disp));
  return p;
}

// The eight classic ALU ops share one scheme: /digit = the op, opcodes
// digit*8 + 1 (r/m, r), + 3 (r, r/m), 83 /digit ib, 81 /digit id, and
// digit*8 + 5 id for eax/rax.
inline int aluDigit(asmjit::InstId id) {
  switch (id) {
    case x86::Inst::kIdAdd: return 0;
    case x86::Inst::kIdOr: return 1;
    case x86::Inst::kIdAdc: return 2;
    case x86::Inst::kIdSbb: return 3;
    case x86::Inst::kIdAnd: return 4;
    case x86::Inst::kIdSub: return 5;
    case x86::Inst::kIdXor: return 6;
    case x86::Inst::kIdCmp: return 7;
    default: return -1;
  }
}

// The 32-bit immediate of a `size`-byte ALU op or mov to memory: for a
// 32-bit operation the value's low 32 bits (as asmjit takes them); for a
// 64-bit one, which sign-extends it, only a value that fits. asmjit has
// rules of its own for wider values (refused, truncated, or narrowed to a
// 32-bit operation, by form): those stay asmjit's.
inline bool imm32Of(const asmjit::Imm& i, uint32_t size, int32_t* out) {
  int64_t v = i.value();
  if (!isIntImm(i) || (size == 8 && !fitsInt32(v))) return false;
  *out = int32_t(uint32_t(v));
  return true;
}

// op r/m, imm: the short forms when they apply.
inline uint8_t* writeAluImm(uint8_t* p, int digit, bool w, const RM& rm, int32_t v) {
  if (fitsInt8(v)) {
    p = writeOp(p, 0, w, 0x83, uint32_t(digit), rm);
    *p++ = uint8_t(v);
  } else if (!rm.isMem && rm.reg == 0) {
    if (w) *p++ = 0x48;
    *p++ = uint8_t(digit * 8 + 5);
    put32(p, uint32_t(v));
  } else {
    p = writeOp(p, 0, w, 0x81, uint32_t(digit), rm);
    put32(p, uint32_t(v));
  }
  return p;
}

}  // namespace encoding

// Inlined into every form. The forms are leaves, with no stack frame:
// nothing on their path calls out. Room for the next instruction is made
// after each one instead (commit, _emit), out of line; without it a form
// leaves the instruction to asmjit, which grows the buffer itself.
[[gnu::always_inline]] inline bool FastAssembler::ready() {
  if (uint32_t(_instOptions | _forcedInstOptions) != 0 || _extraReg.isReg() || _inlineComment) return false;
  return size_t(_bufferEnd - _bufferPtr) >= encoding::kMaxLength;
}

[[gnu::always_inline]] inline FastAssembler::Error FastAssembler::commit(uint8_t* end) {
  _bufferPtr = end;
  asmjit::CodeBuffer& buffer = _section->_buffer;
  size_t size = size_t(end - _bufferData);
  if (size > buffer._size) buffer._size = size;
  ++fastEncoded_;
  if (size_t(_bufferEnd - end) < encoding::kMaxLength) return makeRoom();
  return asmjit::kErrorOk;
}

inline FastAssembler::Error FastAssembler::mov(const Gp& dst, const Gp& src) {
  if (encoding::isGp(dst) && src.type() == dst.type() && src.id() < 16 && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, dst.isGpq(), 0x89, src.id(), encoding::regRM(dst)));
  return x86::Assembler::mov(dst, src);
}

inline FastAssembler::Error FastAssembler::mov(const Gp& dst, const Mem& src) {
  encoding::RM rm;
  if (encoding::isGp(dst) && encoding::plainMemory(src, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, dst.isGpq(), 0x8B, dst.id(), rm));
  return x86::Assembler::mov(dst, src);
}

inline FastAssembler::Error FastAssembler::mov(const Mem& dst, const Gp& src) {
  encoding::RM rm;
  if (encoding::isGp(src) && encoding::plainMemory(dst, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, src.isGpq(), 0x89, src.id(), rm));
  return x86::Assembler::mov(dst, src);
}

inline FastAssembler::Error FastAssembler::mov(const Gp& dst, const Imm& src) {
  if (!encoding::isGp(dst) || !encoding::isIntImm(src) || !ready()) return x86::Assembler::mov(dst, src);
  uint8_t* p = _bufferPtr;
  int64_t v = src.value();
  uint32_t r = dst.id();
  // A 32-bit register takes the low 32 bits; a 64-bit one takes
  // mov r/m64, simm32 when the value sign-extends from 32 bits, else the
  // 10-byte movabs (asmjit's choice, not mov r32, imm32).
  if (dst.isGpq() && encoding::fitsInt32(v)) {
    p = encoding::writeOp(p, 0, true, 0xC7, 0, encoding::regRM(dst));
    encoding::put32(p, uint32_t(v));
  } else {
    if (dst.isGpq() || (r & 8)) *p++ = uint8_t(0x40 | (dst.isGpq() ? 8 : 0) | (r & 8) >> 3);
    *p++ = uint8_t(0xB8 + (r & 7));
    if (dst.isGpq()) {
      std::memcpy(p, &v, 8);
      p += 8;
    } else {
      encoding::put32(p, uint32_t(v));
    }
  }
  return commit(p);
}

inline FastAssembler::Error FastAssembler::mov(const Mem& dst, const Imm& src) {
  encoding::RM rm;
  int32_t v;
  uint32_t size = dst.size();
  if ((size == 4 || size == 8) && encoding::imm32Of(src, size, &v) && encoding::plainMemory(dst, &rm) && ready()) {
    uint8_t* p = encoding::writeOp(_bufferPtr, 0, size == 8, 0xC7, 0, rm);
    encoding::put32(p, uint32_t(v));
    return commit(p);
  }
  return x86::Assembler::mov(dst, src);
}

inline FastAssembler::Error FastAssembler::alu(InstId id, const Gp& dst, const Gp& src) {
  int digit = encoding::aluDigit(id);
  if (digit >= 0 && encoding::isGp(dst) && src.type() == dst.type() && src.id() < 16 && ready())
    return commit(
        encoding::writeOp(_bufferPtr, 0, dst.isGpq(), uint32_t(digit * 8 + 1), src.id(), encoding::regRM(dst)));
  return emit(id, dst, src);
}

inline FastAssembler::Error FastAssembler::alu(InstId id, const Gp& dst, const Mem& src) {
  int digit = encoding::aluDigit(id);
  encoding::RM rm;
  if (digit >= 0 && encoding::isGp(dst) && encoding::plainMemory(src, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, dst.isGpq(), uint32_t(digit * 8 + 3), dst.id(), rm));
  return emit(id, dst, src);
}

inline FastAssembler::Error FastAssembler::alu(InstId id, const Mem& dst, const Gp& src) {
  int digit = encoding::aluDigit(id);
  encoding::RM rm;
  if (digit >= 0 && encoding::isGp(src) && encoding::plainMemory(dst, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, src.isGpq(), uint32_t(digit * 8 + 1), src.id(), rm));
  return emit(id, dst, src);
}

inline FastAssembler::Error FastAssembler::alu(InstId id, const Gp& dst, const Imm& src) {
  int digit = encoding::aluDigit(id);
  int32_t v;
  if (digit >= 0 && encoding::isGp(dst) && encoding::imm32Of(src, dst.size(), &v) && ready())
    return commit(encoding::writeAluImm(_bufferPtr, digit, dst.isGpq(), encoding::regRM(dst), v));
  return emit(id, dst, src);
}

inline FastAssembler::Error FastAssembler::alu(InstId id, const Mem& dst, const Imm& src) {
  int digit = encoding::aluDigit(id);
  int32_t v;
  encoding::RM rm;
  uint32_t size = dst.size();
  if (digit >= 0 && (size == 4 || size == 8) && encoding::imm32Of(src, size, &v) && encoding::plainMemory(dst, &rm) &&
      ready())
    return commit(encoding::writeAluImm(_bufferPtr, digit, size == 8, rm, v));
  return emit(id, dst, src);
}

inline FastAssembler::Error FastAssembler::alu(InstId id, const Gp& dst, const asmjit::Operand_& src) {
  if (src.isReg() && src.as<asmjit::BaseReg>().isGp()) return alu(id, dst, src.as<Gp>());
  if (src.isMem()) return alu(id, dst, src.as<Mem>());
  if (src.isImm()) return alu(id, dst, src.as<Imm>());
  return emit(id, dst, src);
}

inline FastAssembler::Error FastAssembler::push(const Gp& r) {
  if (r.isGpq() && r.id() < 16 && ready()) {
    uint8_t* p = _bufferPtr;
    if (r.id() & 8) *p++ = 0x41;
    *p++ = uint8_t(0x50 + (r.id() & 7));
    return commit(p);
  }
  return x86::Assembler::push(r);
}

inline FastAssembler::Error FastAssembler::pop(const Gp& r) {
  if (r.isGpq() && r.id() < 16 && ready()) {
    uint8_t* p = _bufferPtr;
    if (r.id() & 8) *p++ = 0x41;
    *p++ = uint8_t(0x58 + (r.id() & 7));
    return commit(p);
  }
  return x86::Assembler::pop(r);
}

inline FastAssembler::Error FastAssembler::test(const Gp& a, const Gp& b) {
  if (encoding::isGp(a) && b.type() == a.type() && b.id() < 16 && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, a.isGpq(), 0x85, b.id(), encoding::regRM(a)));
  return x86::Assembler::test(a, b);
}

inline FastAssembler::Error FastAssembler::lea(const Gp& dst, const Mem& src) {
  encoding::RM rm;
  if (encoding::isGp(dst) && encoding::plainMemory(src, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, dst.isGpq(), 0x8D, dst.id(), rm));
  return x86::Assembler::lea(dst, src);
}

inline FastAssembler::Error FastAssembler::imul(const Gp& dst, const Gp& src) {
  if (encoding::isGp(dst) && src.type() == dst.type() && src.id() < 16 && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, dst.isGpq(), 0x0FAF, dst.id(), encoding::regRM(src)));
  return x86::Assembler::imul(dst, src);
}

inline FastAssembler::Error FastAssembler::imul(const Gp& dst, const Mem& src) {
  encoding::RM rm;
  if (encoding::isGp(dst) && encoding::plainMemory(src, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, dst.isGpq(), 0x0FAF, dst.id(), rm));
  return x86::Assembler::imul(dst, src);
}

inline FastAssembler::Error FastAssembler::movzx(const Gp& dst, const Mem& src) {
  encoding::RM rm;
  uint32_t size = src.size();
  if (dst.isGpd() && dst.id() < 16 && (size == 1 || size == 2) && encoding::plainMemory(src, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, false, size == 1 ? 0x0FB6 : 0x0FB7, dst.id(), rm));
  return x86::Assembler::movzx(dst, src);
}

inline FastAssembler::Error FastAssembler::shift(InstId id, const Gp& dst, const Imm& count) {
  uint32_t digit = id == x86::Inst::kIdShl ? 4 : id == x86::Inst::kIdShr ? 5 : id == x86::Inst::kIdSar ? 7 : 0;
  int64_t c = count.value();
  if (digit && encoding::isGp(dst) && encoding::isIntImm(count) && c >= 0 && c <= 255 && ready()) {
    // By one: D1 /digit, no immediate.
    uint8_t* p = encoding::writeOp(_bufferPtr, 0, dst.isGpq(), c == 1 ? 0xD1 : 0xC1, digit, encoding::regRM(dst));
    if (c != 1) *p++ = uint8_t(c);
    return commit(p);
  }
  return emit(id, dst, count);
}

inline bool FastAssembler::jumpBack(uint32_t shortOp, uint32_t longOp, int64_t target) {
  uint8_t* p = _bufferPtr;
  int64_t at = int64_t(offset());
  int64_t rel8 = target - (at + 2);
  if (shortOp && encoding::fitsInt8(rel8)) {
    *p++ = uint8_t(shortOp);
    *p++ = uint8_t(rel8);
    commit(p);
    return true;
  }
  int64_t rel32 = target - (at + (longOp > 0xFF ? 6 : 5));
  if (!encoding::fitsInt32(rel32)) return false;
  if (longOp > 0xFF) *p++ = uint8_t(longOp >> 8);
  *p++ = uint8_t(longOp);
  encoding::put32(p, uint32_t(rel32));
  commit(p);
  return true;
}

// Local labels have no asmjit fallback: the forms here are always
// encodable (the baseline compiler attaches no logger or options; only a
// buffer that cannot grow stops them).
inline FastAssembler::Error FastAssembler::jumpLocal(uint32_t shortOp, uint32_t longOp, LocalLabel target) {
  if (!ready()) return reportError(asmjit::DebugUtils::errored(asmjit::kErrorOutOfMemory));
  if (localOffset_[target.id] == kUnbound) {
    jumpForward(longOp, &localFirstFixup_[target.id]);
    return asmjit::kErrorOk;
  }
  if (jumpBack(shortOp, longOp, localOffset_[target.id])) return asmjit::kErrorOk;
  return reportError(asmjit::DebugUtils::errored(asmjit::kErrorInvalidDisplacement));
}

inline FastAssembler::Error FastAssembler::j(x86::CondCode cc, LocalLabel target) {
  return jumpLocal(0x70 | uint32_t(cc), 0x0F80 | uint32_t(cc), target);
}

inline FastAssembler::Error FastAssembler::jmp(LocalLabel target) { return jumpLocal(0xEB, 0xE9, target); }

inline FastAssembler::Error FastAssembler::call(LocalLabel target) { return jumpLocal(0, 0xE8, target); }

inline FastAssembler::Error FastAssembler::ret() {
  if (!ready()) return x86::Assembler::ret();
  uint8_t* p = _bufferPtr;
  *p++ = 0xC3;
  return commit(p);
}

inline FastAssembler::Error FastAssembler::call(const Gp& target) {
  // FF /2, FF /4: the 64-bit operand size is the default (no REX.W).
  if (target.isGpq() && target.id() < 16 && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, false, 0xFF, 2, encoding::regRM(target)));
  return x86::Assembler::call(target);
}

inline FastAssembler::Error FastAssembler::jmp(const Gp& target) {
  if (target.isGpq() && target.id() < 16 && ready())
    return commit(encoding::writeOp(_bufferPtr, 0, false, 0xFF, 4, encoding::regRM(target)));
  return x86::Assembler::jmp(target);
}

inline FastAssembler::Error FastAssembler::movsd(const Xmm& dst, const Mem& src) {
  encoding::RM rm;
  if (encoding::isXmm(dst) && encoding::plainMemory(src, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0xF2, false, 0x0F10, dst.id(), rm));
  return x86::Assembler::movsd(dst, src);
}

inline FastAssembler::Error FastAssembler::movsd(const Mem& dst, const Xmm& src) {
  encoding::RM rm;
  if (encoding::isXmm(src) && encoding::plainMemory(dst, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0xF2, false, 0x0F11, src.id(), rm));
  return x86::Assembler::movsd(dst, src);
}

inline FastAssembler::Error FastAssembler::movss(const Xmm& dst, const Mem& src) {
  encoding::RM rm;
  if (encoding::isXmm(dst) && encoding::plainMemory(src, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0xF3, false, 0x0F10, dst.id(), rm));
  return x86::Assembler::movss(dst, src);
}

inline FastAssembler::Error FastAssembler::movss(const Mem& dst, const Xmm& src) {
  encoding::RM rm;
  if (encoding::isXmm(src) && encoding::plainMemory(dst, &rm) && ready())
    return commit(encoding::writeOp(_bufferPtr, 0xF3, false, 0x0F11, src.id(), rm));
  return x86::Assembler::movss(dst, src);
}
}  // namespace strata::jit::baseline
