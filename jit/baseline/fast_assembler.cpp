// The baseline compiler's direct encodings (see fast_assembler.h).
//
// An instruction here is
//   [66|F2|F3] [REX] opcode (1 byte, or 0F xx) ModRM [SIB] [disp8|disp32] [imm]
// and each form names its opcode and which operand goes in ModRM.reg and
// which in ModRM.rm, as the Intel manual's tables do ("89 /r": MOV r/m, r).
// Where x86 has two encodings of one instruction, the one asmjit picks is
// used, so the bytes do not depend on which assembler encoded them.
#include "jit/baseline/fast_assembler.h"

#include <cstring>

namespace strata::jit::baseline {

using namespace asmjit;
using namespace encoding;

FastAssembler::FastAssembler(CodeHolder* code) : x86::Assembler(code) {
  makeRoom();
  swapScratch();
  // The vectors' storage is the thread's last assembler's: a typical
  // function's labels and forward jumps need no regrowing.
  firstFixup_.clear();  // asmjit labels only (the constant pool): sized on use
  fixups_.clear();
  fixups_.reserve(64);
  localOffset_.clear();
  localFirstFixup_.clear();
}

FastAssembler::~FastAssembler() { swapScratch(); }

void FastAssembler::swapScratch() {
  struct Scratch {
    std::vector<uint32_t> firstFixup;
    std::vector<Fixup> fixups;
    std::vector<uint32_t> localOffset, localFirstFixup;
  };
  thread_local Scratch s;
  firstFixup_.swap(s.firstFixup);
  fixups_.swap(s.fixups);
  localOffset_.swap(s.localOffset);
  localFirstFixup_.swap(s.localFirstFixup);
}

Error FastAssembler::makeRoom() {
  // Growing the buffer moves _bufferPtr (the CodeHolder updates its
  // attached emitters). A failure shows at the next instruction: asmjit
  // reports it.
  (void)_code->growBuffer(&_section->_buffer, kMaxLength);
  return kErrorOk;
}

Error FastAssembler::_emit(InstId instId, const Operand_& o0, const Operand_& o1, const Operand_& o2,
                           const Operand_* opExt) {
  Error err = x86::Assembler::_emit(instId, o0, o1, o2, opExt);
  if (size_t(_bufferEnd - _bufferPtr) < kMaxLength) makeRoom();
  return err;
}

// --- mov ---

// --- add, or, adc, sbb, and, sub, xor, cmp ---

// --- push, pop ---

// --- test, lea, imul, movzx, shifts ---

// --- jumps and calls to labels ---

uint8_t* FastAssembler::addFixup(uint8_t* p, uint32_t* head, uint32_t origin) {
  fixups_.push_back({uint32_t(p - _bufferData), origin, *head});
  *head = uint32_t(fixups_.size());
  ++unboundJumps_;
  put32(p, 0);
  return p;
}

void FastAssembler::jumpForward(uint32_t longOp, uint32_t* head) {
  uint8_t* p = _bufferPtr;
  if (longOp > 0xFF) *p++ = uint8_t(longOp >> 8);
  *p++ = uint8_t(longOp);
  commit(addFixup(p, head, uint32_t(p - _bufferData) + 4));
}

Error FastAssembler::patchChain(uint32_t head, int64_t target) {
  for (uint32_t i = head; i; i = fixups_[i - 1].next) {
    const Fixup& f = fixups_[i - 1];
    int64_t value = target - int64_t(f.origin);
    if (!fitsInt32(value)) return reportError(DebugUtils::errored(kErrorInvalidDisplacement));
    uint32_t bits = uint32_t(value);
    std::memcpy(_bufferData + f.at, &bits, 4);
    --unboundJumps_;
  }
  return kErrorOk;
}

Error FastAssembler::jump(InstId instId, uint32_t shortOp, uint32_t longOp, const Label& target) {
  LabelEntry* label = _code->labelEntry(target);
  if (!label || (label->isBound() && label->section() != _section) || !ready()) return emit(instId, target);
  if (label->isBound()) {
    // Backward: the displacement is known, so the short form if it reaches.
    return jumpBack(shortOp, longOp, int64_t(label->offset())) ? kErrorOk : emit(instId, target);
  }
  // Forward: rel32, patched by bind(). The chain is per label id.
  uint32_t id = target.id();
  if (id >= firstFixup_.size()) firstFixup_.resize(size_t(id) + 16, 0);
  jumpForward(longOp, &firstFixup_[id]);
  return kErrorOk;
}

Error FastAssembler::j(x86::CondCode cc, const Label& target) {
  return jump(x86::Inst::jccFromCond(cc), 0x70 | uint32_t(cc), 0x0F80 | uint32_t(cc), target);
}

Error FastAssembler::jmp(const Label& target) { return jump(x86::Inst::kIdJmp, 0xEB, 0xE9, target); }

Error FastAssembler::call(const Label& target) { return jump(x86::Inst::kIdCall, 0, 0xE8, target); }

Error FastAssembler::bind(const Label& label) {
  Error err = x86::Assembler::bind(label);
  uint32_t id = label.id();
  if (err != kErrorOk || id >= firstFixup_.size() || !firstFixup_[id]) return err;
  err = patchChain(firstFixup_[id], int64_t(_code->labelEntry(label)->offset()));
  firstFixup_[id] = 0;
  return err;
}

// --- local labels ---

FastAssembler::LocalLabel FastAssembler::newLocalLabel() {
  localOffset_.push_back(kUnbound);
  localFirstFixup_.push_back(0);
  return LocalLabel{uint32_t(localOffset_.size() - 1)};
}

Error FastAssembler::bind(LocalLabel label) {
  localOffset_[label.id] = uint32_t(offset());
  Error err = patchChain(localFirstFixup_[label.id], int64_t(offset()));
  localFirstFixup_[label.id] = 0;
  return err;
}

Error FastAssembler::lea(const Gp& dst, LocalLabel target) {
  if (!dst.isGpq() || dst.id() >= 16 || !ready()) return reportError(DebugUtils::errored(kErrorInvalidArgument));
  // REX.W [R] 8D, ModRM mod 00 rm 101: [rip + disp32], relative to the
  // instruction's end, which is the end of the displacement.
  uint8_t* p = _bufferPtr;
  *p++ = uint8_t(0x48 | (dst.id() & 8) >> 1);
  *p++ = 0x8D;
  *p++ = uint8_t(0x05 | (dst.id() & 7) << 3);
  uint32_t end = uint32_t(p - _bufferData) + 4;
  if (localOffset_[target.id] != kUnbound) {
    put32(p, uint32_t(int64_t(localOffset_[target.id]) - int64_t(end)));
    return commit(p);
  }
  return commit(addFixup(p, &localFirstFixup_[target.id], end));
}

Error FastAssembler::embedLabelDelta(LocalLabel target, LocalLabel base) {
  uint32_t origin = localOffset_[base.id];
  if (origin == kUnbound || !ready()) return reportError(DebugUtils::errored(kErrorInvalidState));
  if (localOffset_[target.id] != kUnbound) {
    uint8_t* p = _bufferPtr;
    put32(p, uint32_t(int64_t(localOffset_[target.id]) - int64_t(origin)));
    return commit(p);
  }
  return commit(addFixup(_bufferPtr, &localFirstFixup_[target.id], origin));
}

// --- ret, call and jmp through a register ---

// --- scalar SSE moves ---

}  // namespace strata::jit::baseline
