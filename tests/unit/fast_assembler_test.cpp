// The baseline compiler's FastAssembler against asmjit's own x86::Assembler:
// every overload it encodes itself, over every register, memory base, a
// set of indexes and scales, and displacement and immediate size classes,
// gives the same bytes and the same errors as asmjit, and the cases it
// claims are really encoded directly (not silently handed to asmjit).
#include "jit/baseline/fast_assembler.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace asmjit;
using strata::jit::baseline::FastAssembler;

std::string hex(const uint8_t* p, size_t n) {
  std::ostringstream s;
  for (size_t i = 0; i < n; ++i) s << std::hex << (p[i] < 16 ? "0" : "") << int(p[i]) << ' ';
  return s.str();
}

std::vector<x86::Gp> gp32() {
  std::vector<x86::Gp> v;
  for (uint32_t i = 0; i < 16; ++i) v.push_back(x86::gpd(i));
  return v;
}
std::vector<x86::Gp> gp64() {
  std::vector<x86::Gp> v;
  for (uint32_t i = 0; i < 16; ++i) v.push_back(x86::gpq(i));
  return v;
}
std::vector<x86::Gp> gps() {
  std::vector<x86::Gp> v = gp32(), q = gp64();
  v.insert(v.end(), q.begin(), q.end());
  return v;
}
std::vector<x86::Xmm> xmms() {
  std::vector<x86::Xmm> v;
  for (uint32_t i = 0; i < 16; ++i) v.push_back(x86::xmm(i));
  return v;
}

// Every base register; no index, and indexes whose low bits or REX.X bit
// matter; each scale; displacements of every size class.
std::vector<x86::Mem> memory(uint32_t size) {
  const int32_t disps[] = {0, 1, -1, 127, 128, -128, -129, 0x12345, INT32_MAX, INT32_MIN};
  const uint32_t indexes[] = {0, 5, 8, 12, 13, 15};
  std::vector<x86::Mem> v;
  for (uint32_t base = 0; base < 16; ++base)
    for (int32_t d : disps) {
      v.push_back(x86::ptr(x86::gpq(base), d, size));
      for (uint32_t index : indexes)
        for (uint32_t shift = 0; shift < 4; shift += (d == 0 ? 1 : 3))
          v.push_back(x86::ptr(x86::gpq(base), x86::gpq(index), shift, d, size));
    }
  return v;
}

// Immediates of every size class; `wide` adds values that do not
// sign-extend from 32 bits.
std::vector<Imm> immediates(bool wide) {
  const int64_t values[] = {0,          1,           2,           -1,        31,        63,
                            127,        128,         -128,        -129,      255,       256,
                            0x7fff,     0x8000,      0x12345678,  INT32_MAX, INT32_MIN, int64_t(UINT32_MAX),
                            0x80000000, 0x100000000, -0x80000001, INT64_MAX, INT64_MIN, 0x123456789abcLL};
  std::vector<Imm> v;
  for (int64_t x : values)
    if (wide || (x >= INT32_MIN && x <= INT32_MAX)) v.push_back(Imm(x));
  return v;
}

// Emits emit(assembler, a, b) for every pair with both assemblers and
// compares instruction by instruction. With `allFast`, every pair asmjit
// accepts must have been encoded on FastAssembler's direct path.
template <typename A, typename B, typename Emit>
void expectSameAsAsmjit(const char* form, const std::vector<A>& as, const std::vector<B>& bs, Emit emit,
                        bool allFast = true) {
  CodeHolder refCode, fastCode;
  refCode.init(Environment(Arch::kX64));
  fastCode.init(Environment(Arch::kX64));
  x86::Assembler ref(&refCode);
  FastAssembler fast(&fastCode);
  int failures = 0, slow = 0;
  size_t n = 0;
  for (const A& a : as)
    for (const B& b : bs) {
      size_t refAt = ref.offset(), fastAt = fast.offset();
      uint64_t before = fast.fastEncoded();
      Error refError = emit(ref, a, b);
      Error fastError = emit(fast, a, b);
      size_t refLen = ref.offset() - refAt, fastLen = fast.offset() - fastAt;
      bool same = refError == fastError && refLen == fastLen &&
                  std::memcmp(ref.bufferData() + refAt, fast.bufferData() + fastAt, refLen) == 0;
      if (!same && ++failures <= 10)
        ADD_FAILURE() << form << " case " << n << ": asmjit error " << refError << " bytes "
                      << hex(ref.bufferData() + refAt, refLen) << "; fast error " << fastError << " bytes "
                      << hex(fast.bufferData() + fastAt, fastLen);
      if (allFast && refError == kErrorOk && fast.fastEncoded() == before && ++slow <= 5)
        ADD_FAILURE() << form << " case " << n << " (" << hex(ref.bufferData() + refAt, refLen)
                      << ") went to asmjit";
      ++n;
    }
  EXPECT_GT(n, 0u);
}

template <typename A>
std::vector<A> cat(std::vector<A> a, const std::vector<A>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(FastAssembler, Mov) {
  auto mov = [](auto& as, const auto& a, const auto& b) { return as.mov(a, b); };
  expectSameAsAsmjit("mov r32, r32", gp32(), gp32(), mov);
  expectSameAsAsmjit("mov r64, r64", gp64(), gp64(), mov);
  expectSameAsAsmjit("mov r32, r64", gp32(), gp64(), mov);  // refused by both
  expectSameAsAsmjit("mov r32, m32", gp32(), cat(memory(4), memory(0)), mov);
  expectSameAsAsmjit("mov r64, m64", gp64(), cat(memory(8), memory(0)), mov);
  // The register gives the size; asmjit ignores the memory operand's.
  expectSameAsAsmjit("mov r32, m64", gp32(), memory(8), mov);
  expectSameAsAsmjit("mov m8, r64", memory(1), gp64(), mov);
  expectSameAsAsmjit("mov m32, r32", cat(memory(4), memory(0)), gp32(), mov);
  expectSameAsAsmjit("mov m64, r64", cat(memory(8), memory(0)), gp64(), mov);
  expectSameAsAsmjit("mov r, imm", gps(), immediates(true), mov);
  expectSameAsAsmjit("mov m32, imm", memory(4), immediates(true), mov);
  expectSameAsAsmjit("mov m64, imm32", memory(8), immediates(false), mov);
  expectSameAsAsmjit("mov m64, wide imm", memory(8), immediates(true), mov, false);
  expectSameAsAsmjit("mov m8, imm", memory(1), immediates(false), mov, false);
}

TEST(FastAssembler, Alu) {
  for (InstId id : {x86::Inst::kIdAdd, x86::Inst::kIdOr, x86::Inst::kIdAdc, x86::Inst::kIdSbb, x86::Inst::kIdAnd,
                    x86::Inst::kIdSub, x86::Inst::kIdXor, x86::Inst::kIdCmp}) {
    String name;
    InstAPI::instIdToString(Arch::kX64, id, name);
    SCOPED_TRACE(name.data());
    // asmjit's own instruction for the reference, FastAssembler's table
    // entry point (which the named overloads call) for the other.
    auto alu = [id](auto& as, const auto& a, const auto& b) {
      if constexpr (std::is_same_v<std::decay_t<decltype(as)>, FastAssembler>)
        return as.alu(id, a, b);
      else
        return as.emit(id, a, b);
    };
    expectSameAsAsmjit("op r32, r32", gp32(), gp32(), alu);
    expectSameAsAsmjit("op r64, r64", gp64(), gp64(), alu);
    expectSameAsAsmjit("op r32, m32", gp32(), cat(memory(4), memory(0)), alu);
    expectSameAsAsmjit("op r64, m64", gp64(), memory(8), alu);
    expectSameAsAsmjit("op m32, r32", memory(4), gp32(), alu);
    expectSameAsAsmjit("op r32, m64", gp32(), memory(8), alu);
    expectSameAsAsmjit("op m64, r64", cat(memory(8), memory(0)), gp64(), alu);
    expectSameAsAsmjit("op r32, imm", gp32(), immediates(true), alu);
    expectSameAsAsmjit("op r64, imm32", gp64(), immediates(false), alu);
    expectSameAsAsmjit("op r64, wide imm", gp64(), immediates(true), alu, false);
    expectSameAsAsmjit("op m32, imm", memory(4), immediates(true), alu);
    expectSameAsAsmjit("op m64, imm32", memory(8), immediates(false), alu);
    expectSameAsAsmjit("op m64, wide imm", memory(8), immediates(true), alu, false);
  }
  // The named overloads reach the same code.
  auto add = [](auto& as, const auto& a, const auto& b) { return as.add(a, b); };
  expectSameAsAsmjit("add r, imm", gps(), immediates(false), add);
  auto cmp = [](auto& as, const auto& a, const auto& b) { return as.cmp(a, b); };
  expectSameAsAsmjit("cmp m32, imm", memory(4), immediates(false), cmp);
  auto xor_ = [](auto& as, const auto& a, const auto& b) { return as.xor_(a, b); };
  expectSameAsAsmjit("xor r64, r64", gp64(), gp64(), xor_);
}

TEST(FastAssembler, TestLeaImulMovzx) {
  auto test = [](auto& as, const auto& a, const auto& b) { return as.test(a, b); };
  expectSameAsAsmjit("test r32, r32", gp32(), gp32(), test);
  expectSameAsAsmjit("test r64, r64", gp64(), gp64(), test);
  auto lea = [](auto& as, const auto& a, const auto& b) { return as.lea(a, b); };
  expectSameAsAsmjit("lea r, m", gps(), cat(memory(0), memory(8)), lea);
  auto imul = [](auto& as, const auto& a, const auto& b) { return as.imul(a, b); };
  expectSameAsAsmjit("imul r32, r32", gp32(), gp32(), imul);
  expectSameAsAsmjit("imul r64, r64", gp64(), gp64(), imul);
  expectSameAsAsmjit("imul r32, m32", gp32(), memory(4), imul);
  expectSameAsAsmjit("imul r64, m64", gp64(), cat(memory(8), memory(0)), imul);
  auto movzx = [](auto& as, const auto& a, const auto& b) { return as.movzx(a, b); };
  expectSameAsAsmjit("movzx r32, m8/m16", gp32(), cat(memory(1), memory(2)), movzx);
  expectSameAsAsmjit("movzx r64, m8", gp64(), memory(1), movzx, false);
}

TEST(FastAssembler, Shifts) {
  std::vector<Imm> counts;
  for (int64_t c : {0, 1, 2, 7, 31, 32, 63, 64, 255}) counts.push_back(Imm(c));
  auto shl = [](auto& as, const auto& a, const auto& b) { return as.shl(a, b); };
  auto shr = [](auto& as, const auto& a, const auto& b) { return as.shr(a, b); };
  auto sar = [](auto& as, const auto& a, const auto& b) { return as.sar(a, b); };
  expectSameAsAsmjit("shl r, imm", gps(), counts, shl);
  expectSameAsAsmjit("shr r, imm", gps(), counts, shr);
  expectSameAsAsmjit("sar r, imm", gps(), counts, sar);
}

TEST(FastAssembler, ScalarSseMoves) {
  auto movsd = [](auto& as, const auto& a, const auto& b) { return as.movsd(a, b); };
  auto movss = [](auto& as, const auto& a, const auto& b) { return as.movss(a, b); };
  expectSameAsAsmjit("movsd x, m64", xmms(), cat(memory(8), memory(0)), movsd);
  expectSameAsAsmjit("movsd m64, x", cat(memory(8), memory(0)), xmms(), movsd);
  expectSameAsAsmjit("movss x, m32", xmms(), memory(4), movss);
  expectSameAsAsmjit("movss m32, x", memory(4), xmms(), movss);
  expectSameAsAsmjit("movss x, m64", xmms(), memory(8), movss);  // the size is ignored
  expectSameAsAsmjit("movsd m32, x", memory(4), xmms(), movsd);
}

TEST(FastAssembler, PushPop) {
  auto push = [](auto& as, const auto& a, const auto&) { return as.push(a); };
  auto pop = [](auto& as, const auto& a, const auto&) { return as.pop(a); };
  std::vector<int> one = {0};
  expectSameAsAsmjit("push r64", gp64(), one, push);
  expectSameAsAsmjit("pop r64", gp64(), one, pop);
}

TEST(FastAssembler, RetAndCallsAndJumpsThroughRegisters) {
  auto call = [](auto& as, const auto& a, const auto&) { return as.call(a); };
  auto jmp = [](auto& as, const auto& a, const auto&) { return as.jmp(a); };
  auto ret = [](auto& as, const auto&, const auto&) { return as.ret(); };
  std::vector<int> one = {0};
  expectSameAsAsmjit("call r64", gp64(), one, call);
  expectSameAsAsmjit("jmp r64", gp64(), one, jmp);
  expectSameAsAsmjit("call r32", gp32(), one, call, /*allFast=*/false);  // refused by both
  expectSameAsAsmjit("ret", one, one, ret);
}

// Jumps and calls to labels: a random program of forward and backward
// jumps over short and long distances, labels bound before and after their
// jumps, assembled by both; the bytes must agree once every label is bound.
// The same random program of jumps, calls, RIP-relative leas, jump-table
// entries, binds and filler, through asmjit labels or the assembler's
// local labels, encodes as asmjit does.
TEST(FastAssembler, JumpsAndCallsToLabels) {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    bool local = seed > 20;
    SCOPED_TRACE(testing::Message() << "seed " << seed << (local ? ", local labels" : ", asmjit labels"));
    CodeHolder code, refCode;
    code.init(Environment(Arch::kX64));
    refCode.init(Environment(Arch::kX64));
    FastAssembler a(&code);
    x86::Assembler ref(&refCode);
    std::vector<Label> labels, refLabels;
    std::vector<FastAssembler::LocalLabel> locals;
    std::vector<bool> bound;
    // Table entries are relative to a label bound at the start.
    Label base = a.newLabel(), refBase = ref.newLabel();
    FastAssembler::LocalLabel localBase = a.newLocalLabel();
    ASSERT_EQ(local ? a.bind(localBase) : a.bind(base), kErrorOk);
    ASSERT_EQ(ref.bind(refBase), kErrorOk);
    uint32_t state = seed;
    auto next = [&](uint32_t n) {
      state = state * 1103515245u + 12345u;
      return (state >> 8) % n;
    };
    for (int step = 0; step < 3000; ++step) {
      uint32_t what = next(10);
      if (labels.empty() || what == 0) {
        labels.push_back(a.newLabel());
        locals.push_back(a.newLocalLabel());
        refLabels.push_back(ref.newLabel());
        bound.push_back(false);
      } else if (what == 1) {
        size_t i = next(uint32_t(labels.size()));
        if (!bound[i]) {
          ASSERT_EQ(local ? a.bind(locals[i]) : a.bind(labels[i]), kErrorOk);
          ASSERT_EQ(ref.bind(refLabels[i]), kErrorOk);
          bound[i] = true;
        }
      } else if (what <= 6) {
        size_t i = next(uint32_t(labels.size()));
        if (what == 2) {
          ASSERT_EQ(local ? a.jmp(locals[i]) : a.jmp(labels[i]), kErrorOk);
          ASSERT_EQ(ref.jmp(refLabels[i]), kErrorOk);
        } else if (what == 3) {
          ASSERT_EQ(local ? a.call(locals[i]) : a.call(labels[i]), kErrorOk);
          ASSERT_EQ(ref.call(refLabels[i]), kErrorOk);
        } else {
          x86::CondCode cc = x86::CondCode(next(16));
          ASSERT_EQ(local ? a.j(cc, locals[i]) : a.j(cc, labels[i]), kErrorOk);
          ASSERT_EQ(ref.j(cc, refLabels[i]), kErrorOk);
        }
      } else if (what == 7 && next(2)) {
        size_t i = next(uint32_t(labels.size()));
        if (next(2)) {
          x86::Gp r = x86::gpq(next(16));
          ASSERT_EQ(local ? a.lea(r, locals[i]) : a.lea(r, x86::ptr(labels[i])), kErrorOk);
          ASSERT_EQ(ref.lea(r, x86::ptr(refLabels[i])), kErrorOk);
        } else {
          ASSERT_EQ(local ? a.embedLabelDelta(locals[i], localBase) : a.embedLabelDelta(labels[i], base, 4), kErrorOk);
          ASSERT_EQ(ref.embedLabelDelta(refLabels[i], refBase, 4), kErrorOk);
        }
      } else {
        // Filler of 3 to 7 bytes, sometimes a long run: distances that
        // need rel32.
        int count = what == 9 ? 40 : 1;
        for (int k = 0; k < count; ++k) {
          int32_t disp = int32_t(next(2) ? 8 : 0x1000);
          a.mov(x86::eax, x86::dword_ptr(x86::r14, disp));
          ref.mov(x86::eax, x86::dword_ptr(x86::r14, disp));
        }
      }
    }
    for (size_t i = 0; i < labels.size(); ++i)
      if (!bound[i]) {
        ASSERT_EQ(local ? a.bind(locals[i]) : a.bind(labels[i]), kErrorOk);
        ASSERT_EQ(ref.bind(refLabels[i]), kErrorOk);
      }
    EXPECT_EQ(a.unboundJumps(), 0u);
    // asmjit resolves a table entry to a label bound after it when the
    // code is relocated; the assembler's own labels patch it at the bind.
    ASSERT_EQ(code.relocateToBase(0x10000), kErrorOk);
    ASSERT_EQ(refCode.relocateToBase(0x10000), kErrorOk);
    ASSERT_EQ(code.textSection()->bufferSize(), refCode.textSection()->bufferSize());
    EXPECT_EQ(std::memcmp(code.textSection()->data(), refCode.textSection()->data(), refCode.textSection()->bufferSize()),
              0);
  }
}

// A jump to a label that is never bound stays counted, so the baseline
// compiler can refuse the function instead of running a jump to nowhere.
TEST(FastAssembler, CountsJumpsToUnboundLabels) {
  CodeHolder code;
  code.init(Environment(Arch::kX64));
  FastAssembler a(&code);
  Label never = a.newLabel(), later = a.newLabel();
  a.jz(never);
  a.jmp(later);
  a.call(later);
  EXPECT_EQ(a.unboundJumps(), 3u);
  a.bind(later);
  EXPECT_EQ(a.unboundJumps(), 1u);
}

// What the direct path leaves to asmjit still comes out right, through a
// buffer that grows many times: a byte register and a prefix option.
TEST(FastAssembler, LeavesOtherFormsToAsmjit) {
  CodeHolder code, refCode;
  code.init(Environment(Arch::kX64));
  refCode.init(Environment(Arch::kX64));
  FastAssembler a(&code);
  x86::Assembler ref(&refCode);
  Label la = a.newLabel(), lr = ref.newLabel();
  a.bind(la);
  ref.bind(lr);
  for (int i = 0; i < 5000; ++i) {
    a.mov(x86::eax, x86::dword_ptr(x86::r14, i * 4));
    ref.mov(x86::eax, x86::dword_ptr(x86::r14, i * 4));
    a.mov(x86::byte_ptr(x86::rdi, i), x86::sil);
    ref.mov(x86::byte_ptr(x86::rdi, i), x86::sil);
    a.rep().stosq();
    ref.rep().stosq();
    a.jmp(la);
    ref.jmp(lr);
  }
  ASSERT_EQ(code.textSection()->bufferSize(), refCode.textSection()->bufferSize());
  EXPECT_EQ(std::memcmp(code.textSection()->data(), refCode.textSection()->data(), refCode.textSection()->bufferSize()),
            0);
  EXPECT_EQ(a.fastEncoded(), 10000u);  // the movs from r14 and the jumps
}

}  // namespace

// The optimizing compiler's AVX forms are found by name from the SSE ones
// (jit/simd_codegen.h): every binary SIMD instruction has one, and each is
// the VEX instruction of the same operation.
#include "jit/simd_codegen.h"

namespace strata::jit {
namespace {

TEST(SimdCodegen, AvxFormsOfTheBinaryInstructions) {
  namespace Inst = asmjit::x86::Inst;
  EXPECT_EQ(simd_x86::avxFormOf(Inst::kIdPaddd), Inst::kIdVpaddd);
  EXPECT_EQ(simd_x86::avxFormOf(Inst::kIdPandn), Inst::kIdVpandn);
  EXPECT_EQ(simd_x86::avxFormOf(Inst::kIdCmpps), Inst::kIdVcmpps);
  EXPECT_EQ(simd_x86::avxFormOf(Inst::kIdPmaddwd), Inst::kIdVpmaddwd);
  EXPECT_EQ(simd_x86::avxFormOf(Inst::kIdNone), Inst::kIdNone);
  int withForm = 0;
  for (uint32_t i = 0; i < kOpCount; ++i) {
    simd_x86::BinaryForm f = simd_x86::binaryForm(Op(i));
    if (f.inst == Inst::kIdNone) continue;
    EXPECT_NE(simd_x86::avxFormOf(f.inst), Inst::kIdNone) << opInfo(Op(i)).name;
    ++withForm;
  }
  EXPECT_GT(withForm, 60);
}

}  // namespace
}  // namespace strata::jit
