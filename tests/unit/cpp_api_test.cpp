// The C++ API (include/strata/strata.hpp) with v128 values: a v128
// argument or result is one Value, whatever it takes inside.
#include <strata/strata.hpp>

#include <gtest/gtest.h>

#include "c_api_multi_test.h"  // readWasm, multiWasmDir

namespace {
using strata_test::multiWasmDir;
using strata_test::readWasm;

TEST(CppApi, V128ArgumentsAndResults) {
  if (multiWasmDir().empty()) GTEST_SKIP() << "wat2wasm not found";
  strata::Runtime runtime;
  strata::Module module = strata::Module::fromBytes(readWasm("simd"));
  strata::Instance instance(runtime, module);
  // mix(i32 a, v128 v, f64 d) -> (v128 v + a per lane, i32 trunc(d))
  std::vector<strata::Value> r = instance.call(
      "mix", {strata::Value::i32(100), strata::Value::v128(0x0000000200000001ull, 0x0000000400000003ull),
              strata::Value::f64(7.9)});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], strata::Value::v128(0x0000006600000065ull, 0x0000006800000067ull));
  EXPECT_EQ(r[0].v128High(), 0x0000006800000067ull);
  EXPECT_EQ(r[1].asI32(), 7);
  EXPECT_EQ(r[0].toString(), "0x00000068000000670000006600000065:v128");
  EXPECT_THROW(r[1].v128High(), strata::Error);
  // A v128 where an i32 is expected is a signature error.
  EXPECT_THROW(instance.call("mix", {strata::Value::v128(0, 0), strata::Value::v128(0, 0), strata::Value::f64(0)}),
               strata::Error);
}

}  // namespace
