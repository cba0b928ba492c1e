// The baseline compiler's assembler: asmjit's x86::Assembler, with the
// forms the baseline compiler emits most encoded directly.
//
// Why: the baseline compiler's cost per wasm instruction is mostly the
// encoding of the two or three x86 instructions it emits, and asmjit's
// generic encoder (operand packing, a virtual call, table-driven dispatch
// over every instruction and operand form) spends about 10 ns on each. Half
// of what the baseline compiler emits is a few forms: moves between
// registers, frame slots and immediates, two-operand ALU ops, lea, test,
// movzx, shifts by a constant, scalar SSE moves. Here those are typed
// overloads that write the bytes straight into asmjit's buffer (about 1 ns).
// They shadow asmjit's overloads of the same name and operand types, so
// the compiler's code reads as any asmjit code; every other form, and any
// instruction with options, a comment, a logger or validation attached, or
// an operand outside the forms below, goes to asmjit unchanged.
//
// The forms are inline (fast_assembler_inl.h): where the compiler calls
// them, the registers are mostly constants and the memory operand a frame
// slot, so most of their checks fold away (inline, the baseline compiler
// runs 7% fewer instructions). Labels, patching and asmjit's paths are out
// of line (fast_assembler.cpp).
//
// The bytes are asmjit's own, form for form: tests/unit/fast_assembler_test.cpp
// encodes every overload here with both assemblers over every register,
// base, index, scale, displacement and immediate size class.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <vector>

namespace strata::jit::baseline {

class FastAssembler : public asmjit::x86::Assembler {
 public:
  using Error = asmjit::Error;
  using Gp = asmjit::x86::Gp;
  using Mem = asmjit::x86::Mem;
  using Xmm = asmjit::x86::Xmm;
  using Imm = asmjit::Imm;
  using InstId = asmjit::InstId;

  // Labels known only here, the baseline compiler's labels for code: an
  // asmjit label costs more to create and bind than the instructions
  // around it (a zone entry, link records, debug checks). Jumps, calls,
  // lea and jump-table entries take them; memory operands that name a
  // label (the constant pool) keep asmjit's labels.
  struct LocalLabel {
    static constexpr uint32_t kNone = UINT32_MAX;
    uint32_t id = kNone;
    bool isValid() const { return id != kNone; }
  };

  explicit FastAssembler(asmjit::CodeHolder* code);
  ~FastAssembler() override;
  FastAssembler(const FastAssembler&) = delete;
  FastAssembler& operator=(const FastAssembler&) = delete;

  // Instructions encoded here rather than by asmjit (for the tests).
  uint64_t fastEncoded() const { return fastEncoded_; }

  using asmjit::x86::Assembler::mov;
  Error mov(const Gp& dst, const Gp& src);
  Error mov(const Gp& dst, const Mem& src);
  Error mov(const Mem& dst, const Gp& src);
  Error mov(const Gp& dst, const Imm& src);
  Error mov(const Mem& dst, const Imm& src);

  // add, or, adc, sbb, and, sub, xor, cmp: `alu` takes the instruction id
  // (for callers that pick it from a table); the named overloads call it.
  Error alu(InstId id, const Gp& dst, const Gp& src);
  Error alu(InstId id, const Gp& dst, const Mem& src);
  Error alu(InstId id, const Gp& dst, const Imm& src);
  Error alu(InstId id, const Mem& dst, const Gp& src);
  Error alu(InstId id, const Mem& dst, const Imm& src);
  Error alu(InstId id, const Gp& dst, const asmjit::Operand_& src);  // a register, memory or immediate
#define STRATA_FAST_ALU(name, id)                                                       \
  using asmjit::x86::Assembler::name;                                                   \
  Error name(const Gp& o0, const Gp& o1) { return alu(asmjit::x86::Inst::id, o0, o1); }   \
  Error name(const Gp& o0, const Mem& o1) { return alu(asmjit::x86::Inst::id, o0, o1); }  \
  Error name(const Gp& o0, const Imm& o1) { return alu(asmjit::x86::Inst::id, o0, o1); }  \
  Error name(const Mem& o0, const Gp& o1) { return alu(asmjit::x86::Inst::id, o0, o1); }  \
  Error name(const Mem& o0, const Imm& o1) { return alu(asmjit::x86::Inst::id, o0, o1); }
  STRATA_FAST_ALU(add, kIdAdd)
  STRATA_FAST_ALU(or_, kIdOr)
  STRATA_FAST_ALU(adc, kIdAdc)
  STRATA_FAST_ALU(sbb, kIdSbb)
  STRATA_FAST_ALU(and_, kIdAnd)
  STRATA_FAST_ALU(sub, kIdSub)
  STRATA_FAST_ALU(xor_, kIdXor)
  STRATA_FAST_ALU(cmp, kIdCmp)
#undef STRATA_FAST_ALU

  using asmjit::x86::Assembler::push;
  Error push(const Gp& r);
  using asmjit::x86::Assembler::pop;
  Error pop(const Gp& r);

  using asmjit::x86::Assembler::test;
  Error test(const Gp& a, const Gp& b);
  using asmjit::x86::Assembler::lea;
  Error lea(const Gp& dst, const Mem& src);
  using asmjit::x86::Assembler::imul;
  Error imul(const Gp& dst, const Gp& src);
  Error imul(const Gp& dst, const Mem& src);
  using asmjit::x86::Assembler::movzx;
  Error movzx(const Gp& dst, const Mem& src);  // a byte or word in memory

  // shl, shr, sar by a constant (rol, ror and the rest: asmjit's).
  Error shift(InstId id, const Gp& dst, const Imm& count);
  using asmjit::x86::Assembler::shl;
  Error shl(const Gp& dst, const Imm& count) { return shift(asmjit::x86::Inst::kIdShl, dst, count); }
  using asmjit::x86::Assembler::shr;
  Error shr(const Gp& dst, const Imm& count) { return shift(asmjit::x86::Inst::kIdShr, dst, count); }
  using asmjit::x86::Assembler::sar;
  Error sar(const Gp& dst, const Imm& count) { return shift(asmjit::x86::Inst::kIdSar, dst, count); }

  // Jumps and calls to labels. A label already bound takes the short form
  // when it reaches; a forward one the 32-bit form, patched here when the
  // label is bound (without asmjit's per-jump link records).
  using asmjit::x86::Assembler::j;
  Error j(asmjit::x86::CondCode cc, const asmjit::Label& target);
#define STRATA_FAST_JCC(name, cc) \
  using asmjit::x86::Assembler::name; \
  Error name(const asmjit::Label& target) { return j(asmjit::x86::CondCode::cc, target); } \
  Error name(LocalLabel target) { return j(asmjit::x86::CondCode::cc, target); }
  STRATA_FAST_JCC(jo, kO)
  STRATA_FAST_JCC(jno, kNO)
  STRATA_FAST_JCC(jb, kB)
  STRATA_FAST_JCC(jc, kC)
  STRATA_FAST_JCC(jnae, kNAE)
  STRATA_FAST_JCC(jae, kAE)
  STRATA_FAST_JCC(jnb, kNB)
  STRATA_FAST_JCC(jnc, kNC)
  STRATA_FAST_JCC(je, kE)
  STRATA_FAST_JCC(jz, kZ)
  STRATA_FAST_JCC(jne, kNE)
  STRATA_FAST_JCC(jnz, kNZ)
  STRATA_FAST_JCC(jbe, kBE)
  STRATA_FAST_JCC(jna, kNA)
  STRATA_FAST_JCC(ja, kA)
  STRATA_FAST_JCC(jnbe, kNBE)
  STRATA_FAST_JCC(js, kS)
  STRATA_FAST_JCC(jns, kNS)
  STRATA_FAST_JCC(jp, kP)
  STRATA_FAST_JCC(jpe, kPE)
  STRATA_FAST_JCC(jnp, kNP)
  STRATA_FAST_JCC(jpo, kPO)
  STRATA_FAST_JCC(jl, kL)
  STRATA_FAST_JCC(jnge, kNGE)
  STRATA_FAST_JCC(jge, kGE)
  STRATA_FAST_JCC(jnl, kNL)
  STRATA_FAST_JCC(jle, kLE)
  STRATA_FAST_JCC(jng, kNG)
  STRATA_FAST_JCC(jg, kG)
  STRATA_FAST_JCC(jnle, kNLE)
#undef STRATA_FAST_JCC
  using asmjit::x86::Assembler::jmp;
  Error jmp(const asmjit::Label& target);
  using asmjit::x86::Assembler::call;
  Error call(const asmjit::Label& target);

  // Binds the label and patches the forward jumps to it made here.
  Error bind(const asmjit::Label& label) override;

  // Local labels (see LocalLabel above): only the forms here take them.
  LocalLabel newLocalLabel();
  Error bind(LocalLabel label);
  Error j(asmjit::x86::CondCode cc, LocalLabel target);
  Error jmp(LocalLabel target);
  Error call(LocalLabel target);
  // lea r64, [rip + target]
  Error lea(const Gp& dst, LocalLabel target);
  // A 32-bit table entry: target's offset minus base's (base bound first),
  // as asmjit's embedLabelDelta(target, base, 4).
  using asmjit::x86::Assembler::embedLabelDelta;
  Error embedLabelDelta(LocalLabel target, LocalLabel base);
  // The offset of a bound label in the code.
  uint32_t labelOffset(LocalLabel label) const { return localOffset_[label.id]; }
  // Jumps and table entries made here to labels not bound yet. Must be
  // zero when the code is finished: asmjit does not know these references,
  // so it cannot report them.
  size_t unboundJumps() const { return unboundJumps_; }

  // ret, and calls and jumps through a register.
  using asmjit::x86::Assembler::ret;
  Error ret();
  Error call(const Gp& target);
  Error jmp(const Gp& target);

  using asmjit::x86::Assembler::movsd;
  Error movsd(const Xmm& dst, const Mem& src);
  Error movsd(const Mem& dst, const Xmm& src);
  using asmjit::x86::Assembler::movss;
  Error movss(const Xmm& dst, const Mem& src);
  Error movss(const Mem& dst, const Xmm& src);

 private:
  // True when the next instruction may be encoded here: no options,
  // extra register or comment pending, no logger or validation, and room
  // in the buffer for the longest form.
  bool ready();
  [[gnu::noinline]] Error makeRoom();
  // Every instruction asmjit encodes: then makes room as commit() does.
  Error _emit(InstId instId, const asmjit::Operand_& o0, const asmjit::Operand_& o1, const asmjit::Operand_& o2,
              const asmjit::Operand_* opExt) override;
  // Moves the assembler past the bytes just written, ending at `end`, and
  // makes room for the next instruction.
  Error commit(uint8_t* end);
  // A jump or call to a label: `shortOp` (0: none) with a rel8, `longOp`
  // (one byte, or 0F xx) with a rel32; `instId` for asmjit's path.
  Error jump(InstId instId, uint32_t shortOp, uint32_t longOp, const asmjit::Label& target);
  // The encodings shared by both kinds of label: a jump back to `target`
  // (short when it reaches; false if it does not fit at all), a forward
  // rel32 jump added to the chain `head`, and the patching of a chain.
  bool jumpBack(uint32_t shortOp, uint32_t longOp, int64_t target);
  void jumpForward(uint32_t longOp, uint32_t* head);
  // Writes a 32-bit field at p (0 for now), patched with target - origin
  // when the label whose chain is `head` is bound; returns its end.
  uint8_t* addFixup(uint8_t* p, uint32_t* head, uint32_t origin);
  Error patchChain(uint32_t head, int64_t target);
  Error jumpLocal(uint32_t shortOp, uint32_t longOp, LocalLabel target);

  uint64_t fastEncoded_ = 0;
  // Forward jumps: per label id, the first of a chain of rel32 fields to
  // patch (index + 1 into fixups_, 0 for none).
  struct Fixup {
    uint32_t at;      // offset of the 32-bit field in the section
    uint32_t origin;  // what the field is relative to: the end of a rel32, a table's base
    uint32_t next;    // the next fixup of the same label (index + 1), or 0
  };
  std::vector<uint32_t> firstFixup_;
  std::vector<Fixup> fixups_;
  static constexpr uint32_t kUnbound = UINT32_MAX;
  std::vector<uint32_t> localOffset_;      // per local label, or kUnbound
  std::vector<uint32_t> localFirstFixup_;  // per local label, as firstFixup_
  size_t unboundJumps_ = 0;
  // The four vectors' storage, reused by the next assembler on this thread.
  void swapScratch();
};

// For code generic over label kinds (jit::jumpIf).
inline FastAssembler::LocalLabel newLabelLike(FastAssembler& a, FastAssembler::LocalLabel) { return a.newLocalLabel(); }

}  // namespace strata::jit::baseline

#include "jit/baseline/fast_assembler_inl.h"
