// The decoder: LEB128 edge cases, error messages with offsets, limits, and
// robustness against truncated and random input.
#include <gtest/gtest.h>

#include <random>

#include "wasm_builder.h"
#include "wasm/binary_reader.h"
#include "wasm/disassembler.h"
#include "wasm/module.h"

namespace strata {
namespace {

using test::Bytes;

std::string decodeError(const Bytes& bytes) {
  try {
    decodeModule(bytes);
  } catch (const DecodeError& e) {
    return e.toString();
  }
  return "";
}

uint64_t readU32(const Bytes& b) {
  BinaryReader r(b.data(), b.data() + b.size());
  return r.readU32();
}
int64_t readS32(const Bytes& b) {
  BinaryReader r(b.data(), b.data() + b.size());
  return r.readS32();
}
std::string lebError(const Bytes& b, bool isSigned) {
  try {
    isSigned ? readS32(b) : readU32(b);
  } catch (const DecodeError& e) {
    return e.message;
  }
  return "";
}

TEST(BinaryReader, UnsignedLeb) {
  EXPECT_EQ(readU32({0x00}), 0u);
  EXPECT_EQ(readU32({0xe5, 0x8e, 0x26}), 624485u);
  EXPECT_EQ(readU32({0xff, 0xff, 0xff, 0xff, 0x0f}), 0xffffffffu);
  EXPECT_EQ(readU32({0x80, 0x80, 0x80, 0x80, 0x00}), 0u);  // padded but in range
  EXPECT_EQ(lebError({0xff, 0xff, 0xff, 0xff, 0x1f}, false), "integer too large");
  EXPECT_EQ(lebError({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, false), "integer representation too long");
  EXPECT_EQ(lebError({0x80, 0x80}, false), "unexpected end");
}

TEST(BinaryReader, SignedLeb) {
  EXPECT_EQ(readS32({0x7f}), -1);
  EXPECT_EQ(readS32({0x80, 0x7f}), -128);
  EXPECT_EQ(readS32({0xff, 0xff, 0xff, 0xff, 0x7f}), -1);
  EXPECT_EQ(readS32({0x80, 0x80, 0x80, 0x80, 0x78}), INT32_MIN);
  // The unused high bits of the last byte must repeat the sign bit.
  EXPECT_EQ(lebError({0xff, 0xff, 0xff, 0xff, 0x4f}, true), "integer too large");
  EXPECT_EQ(lebError({0x80, 0x80, 0x80, 0x80, 0x08}, true), "integer too large");
}

TEST(Decoder, HeaderErrors) {
  EXPECT_EQ(decodeError({}), "error at offset 0x0: unexpected end");
  EXPECT_EQ(decodeError({0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0}), "error at offset 0x0: magic header not detected");
  EXPECT_EQ(decodeError({0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0}), "error at offset 0x4: unknown binary version");
  EXPECT_EQ(decodeError({0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 14, 0}), "error at offset 0x8: malformed section id");
}

TEST(Decoder, TypeMismatchNamesInstructionAndOffset) {
  test::WasmBuilder b;
  uint32_t t = b.type({}, {test::I32});
  // i32.const 1; i64.const 2; i32.add
  b.func(t, {}, {0x41, 0x01, 0x42, 0x02, 0x6a});
  Bytes bytes = b.build();
  std::string err = decodeError(bytes);
  // The offset is that of the i32.add byte.
  size_t addAt = bytes.size() - 2;
  char expected[80];
  snprintf(expected, sizeof expected, "error at offset 0x%zx: type mismatch in i32.add", addAt);
  EXPECT_EQ(err, expected);
}

// Malformed and invalid SIMD: clear errors naming the instruction.
// Memory limits flags: 0x02 is a shared memory (threads), refused clearly;
// bits above 0x07 are malformed.
TEST(Decoder, MemoryLimitsFlags) {
  auto memory = [](uint8_t flags) {
    return Bytes{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x04, 0x01, flags, 0x01, 0x01};
  };
  EXPECT_EQ(decodeError(memory(0x03)), "error at offset 0xb: shared memory is not supported yet");
  EXPECT_EQ(decodeError(memory(0x08)), "error at offset 0xb: malformed limits flags");
  EXPECT_EQ(decodeError(memory(0x01)), "");
  EXPECT_EQ(decodeError(memory(0x05)), "");  // memory64, limits 1..1
}

TEST(Decoder, SimdErrors) {
  auto bodyError = [](std::vector<uint8_t> body, bool memory = true) {
    test::WasmBuilder b;
    if (memory) b.memory(1);
    b.func(b.type({}, {}), {}, body);
    return decodeError(b.build());
  };
  // v128.const, then a lane index of 16 for i8x16.extract_lane_s.
  std::vector<uint8_t> v128Const = {0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  std::vector<uint8_t> body = v128Const;
  body.insert(body.end(), {0xfd, 0x15, 16, 0x1a});
  EXPECT_NE(bodyError(body).find("invalid lane index in i8x16.extract_lane_s"), std::string::npos) << bodyError(body);
  // i8x16.shuffle with a lane of 32.
  body = v128Const;
  body.insert(body.end(), v128Const.begin(), v128Const.end());
  body.insert(body.end(), {0xfd, 0x0d, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 32, 0x1a});
  EXPECT_NE(bodyError(body).find("invalid lane index in i8x16.shuffle"), std::string::npos);
  // v128.load with alignment 2^5 (natural is 2^4).
  EXPECT_NE(bodyError({0x41, 0, 0xfd, 0x00, 5, 0, 0x1a}).find("alignment must not be larger than natural"),
            std::string::npos);
  // A v128.load without a memory.
  EXPECT_NE(bodyError({0x41, 0, 0xfd, 0x00, 4, 0, 0x1a}, false).find("unknown memory 0"), std::string::npos);
  // A v128.const cut off after 3 of its 16 bytes.
  EXPECT_NE(bodyError({0xfd, 0x0c, 1, 2, 3}).find("unexpected end"), std::string::npos);
  // No such opcode (0xfd 0x9a is unassigned).
  EXPECT_NE(bodyError({0xfd, 0x9a, 0x01}).find("illegal opcode 0xfd 154"), std::string::npos);
  // An i32 where i32x4.add wants v128.
  EXPECT_NE(bodyError({0x41, 1, 0x41, 2, 0xfd, 0xae, 0x01, 0x1a}).find("type mismatch in i32x4.add"),
            std::string::npos);
}

TEST(Disassembler, SimdImmediates) {
  test::WasmBuilder b;
  b.memory(1);
  std::vector<uint8_t> body = {0xfd, 0x0c, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0,  // v128.const
                               0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                               0xfd, 0x0d, 31, 30, 29, 28, 27, 26, 25, 24, 7, 6, 5, 4, 3, 2, 1, 0,
                               0xfd, 0x1b, 3,  // i32x4.extract_lane 3
                               0x1a,           // drop
                               0x41, 0x00,                       // address for the store
                               0x41, 0x08, 0xfd, 0x09, 2, 16,   // v128.load32_splat offset=16
                               0xfd, 0x5b, 3, 0, 1,              // v128.store64_lane offset=0 lane 1
                               };
  b.func(b.type({}, {}), {}, body);
  auto m = decodeModule(b.build());
  std::string listing = disassembleFunction(*m, 0);
  EXPECT_NE(listing.find("v128.const i32x4 0x00000001 0x00000002 0x00000003 0x00000004"), std::string::npos)
      << listing;
  EXPECT_NE(listing.find("i8x16.shuffle 31 30 29 28 27 26 25 24 7 6 5 4 3 2 1 0"), std::string::npos) << listing;
  EXPECT_NE(listing.find("i32x4.extract_lane 3"), std::string::npos) << listing;
  EXPECT_NE(listing.find("v128.load32_splat offset=16 align=4"), std::string::npos) << listing;
  EXPECT_NE(listing.find("v128.store64_lane offset=0 align=8 1"), std::string::npos) << listing;
}

TEST(Decoder, UnknownIndicesAreNamed) {
  test::WasmBuilder b;
  uint32_t t = b.type({}, {});
  b.func(t, {}, {0x10, 0x05});  // call 5
  EXPECT_NE(decodeError(b.build()).find("unknown function 5"), std::string::npos);
  test::WasmBuilder c;
  c.func(c.type({}, {}), {}, {0x20, 0x00, 0x1a});  // local.get 0; drop
  EXPECT_NE(decodeError(c.build()).find("unknown local 0"), std::string::npos);
  test::WasmBuilder m;
  m.func(m.type({}, {}), {}, {0x3f, 0x00, 0x1a});  // memory.size without a memory
  EXPECT_NE(decodeError(m.build()).find("unknown memory 0"), std::string::npos);
}

TEST(Decoder, LimitsOnLocals) {
  test::WasmBuilder b;
  b.func(b.type({}, {}), {{50000, test::I32}}, {});
  EXPECT_EQ(decodeError(b.build()), "");
  test::WasmBuilder c;
  c.func(c.type({}, {}), {{50000, test::I32}, {1, test::I64}}, {});
  EXPECT_NE(decodeError(c.build()).find("too many locals"), std::string::npos);
  // A count near 2^32 must be refused without allocating it.
  test::WasmBuilder d;
  d.func(d.type({}, {}), {{0xfffffff0u, test::I32}}, {});
  EXPECT_NE(decodeError(d.build()).find("too many locals"), std::string::npos);
}

TEST(Decoder, NestingLimit) {
  test::WasmBuilder b;
  Bytes code;
  for (int i = 0; i < 20000; ++i) code.insert(code.end(), {0x02, 0x40});  // block
  for (int i = 0; i < 20000; ++i) code.push_back(0x0b);
  b.func(b.type({}, {}), {}, code);
  EXPECT_NE(decodeError(b.build()).find("nesting too deep"), std::string::npos);
}

TEST(Decoder, UnreachableCodeIsPolymorphic) {
  test::WasmBuilder b;
  // unreachable; i32.add; drop; then the function returns i64 from bottom.
  b.func(b.type({}, {test::I64}), {}, {0x00, 0x6a, 0x1a});
  EXPECT_EQ(decodeError(b.build()), "");
  test::WasmBuilder c;
  // unreachable; i64.const 0; i32.add -> the known i64 operand still mismatches.
  c.func(c.type({}, {}), {}, {0x00, 0x42, 0x00, 0x6a, 0x1a});
  EXPECT_NE(decodeError(c.build()).find("type mismatch in i32.add"), std::string::npos);
}

// Every prefix of a valid module, and every single-byte change, decodes to a
// module or a DecodeError: never a crash, a hang or another exception.
TEST(Decoder, TruncationsAndByteFlips) {
  test::WasmBuilder b;
  uint32_t t = b.type({test::I32}, {test::I32});
  b.memory(1);
  b.func(t, {{1, test::I64}},
         {0x20, 0x00, 0x41, 0x01, 0x6a, 0x04, 0x7f, 0x41, 0x02, 0x05, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b},
         "f");
  Bytes good = b.build();
  ASSERT_EQ(decodeError(good), "");
  // A prefix ending between sections can be a valid smaller module; every
  // other prefix is rejected.
  size_t accepted = 0;
  for (size_t n = 0; n < good.size(); ++n) {
    Bytes cut(good.begin(), good.begin() + n);
    accepted += decodeError(cut).empty();
  }
  EXPECT_LE(accepted, 3u);
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      Bytes flipped = good;
      flipped[i] = v;
      EXPECT_NO_THROW({
        try {
          decodeModule(flipped);
        } catch (const DecodeError&) {
        }
      });
    }
  }
}

TEST(Decoder, RandomBytes) {
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes bytes = {0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0};
    size_t n = rng() % 64;
    for (size_t i = 0; i < n; ++i) bytes.push_back(uint8_t(rng() % 16 < 3 ? rng() % 13 : rng()));
    EXPECT_NO_THROW({
      try {
        decodeModule(bytes);
      } catch (const DecodeError&) {
      }
    });
  }
}

TEST(Decoder, NameSectionGivesFunctionNames) {
  test::WasmBuilder b;
  b.func(b.type({}, {}), {}, {});
  Bytes bytes = b.build();
  // custom section "name", subsection 1: function 0 -> "hello"
  Bytes names;
  test::name(names, "name");
  Bytes sub = {0x01};
  Bytes fnames = {0x01, 0x00};
  test::name(fnames, "hello");
  test::leb(sub, fnames.size());
  sub.insert(sub.end(), fnames.begin(), fnames.end());
  names.insert(names.end(), sub.begin(), sub.end());
  bytes.push_back(0x00);
  test::leb(bytes, names.size());
  bytes.insert(bytes.end(), names.begin(), names.end());
  auto m = decodeModule(bytes);
  EXPECT_EQ(m->functionName(0), "hello");
}

}  // namespace
}  // namespace strata
