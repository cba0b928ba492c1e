// Tables, plus the other small runtime objects and type helpers they rely
// on: signature ids, host functions, type names.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "runtime/objects.h"

namespace strata {
namespace {

TableType tableType(uint64_t min, bool hasMax = false, uint64_t max = 0,
                    ValType elem = ValType::FuncRef) {
  TableType t;
  t.elem = elem;
  t.limits.min = min;
  t.limits.hasMax = hasMax;
  t.limits.max = max;
  return t;
}

TEST(Table, ConstructorFillsTheMinimumWithInit) {
  Table t(tableType(4, true, 10, ValType::ExternRef), 0x1234);
  ASSERT_EQ(t.size(), 4u);
  for (uint64_t i = 0; i < t.size(); ++i) EXPECT_EQ(t.data()[i], 0x1234u);
  EXPECT_EQ(t.type().elem, ValType::ExternRef);
  Table empty(tableType(0), 0);
  EXPECT_EQ(empty.size(), 0u);
}

TEST(Table, GrowReturnsOldSizeAndFills) {
  Table t(tableType(2, true, 5), 0);
  EXPECT_EQ(t.grow(0, 9), 2);
  EXPECT_EQ(t.grow(2, 7), 2);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t.data()[1], 0u);
  EXPECT_EQ(t.data()[2], 7u);
  EXPECT_EQ(t.data()[3], 7u);
  EXPECT_EQ(t.grow(2, 7), -1) << "past the maximum";
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.grow(1, 8), 4);
  EXPECT_EQ(t.data()[4], 8u);
  EXPECT_EQ(t.grow(1, 8), -1);
  EXPECT_EQ(t.type().limits.min, 5u) << "the type tracks the current size";
}

TEST(Table, GrowNeverThrowsOnHugeDeltas) {
  Table t(tableType(1), 0);
  EXPECT_EQ(t.grow(UINT64_MAX, 0), -1);
  EXPECT_EQ(t.grow(UINT64_MAX - 1, 0), -1);
  EXPECT_EQ(t.grow(uint64_t(1) << 40, 0), -1);
  EXPECT_EQ(t.grow(limits::kMaxTableSize, 0), -1);
  EXPECT_EQ(t.size(), 1u);
}

TEST(Table, GrowStopsAtTheImplementationLimit) {
  Table t(tableType(limits::kMaxTableSize - 1, true, UINT32_MAX), 0);
  EXPECT_EQ(t.grow(1, 3), int64_t(limits::kMaxTableSize - 1));
  EXPECT_EQ(t.size(), limits::kMaxTableSize);
  EXPECT_EQ(t.grow(1, 3), -1);
}

TEST(Table, ConstructorRejectsSizesPastTheLimit) {
  EXPECT_THROW(Table(tableType(limits::kMaxTableSize + 1), 0), std::runtime_error);
}

TEST(SignatureId, EqualTypesShareAnId) {
  FuncType a{{ValType::I32, ValType::I64}, {ValType::F32}};
  FuncType b = a;
  FuncType c{{ValType::I32}, {ValType::I64, ValType::F32}};  // same sequence, split differently
  FuncType d{{}, {}};
  EXPECT_EQ(canonicalSignatureId(a), canonicalSignatureId(b));
  EXPECT_NE(canonicalSignatureId(a), canonicalSignatureId(c));
  EXPECT_NE(canonicalSignatureId(a), canonicalSignatureId(d));
  EXPECT_NE(canonicalSignatureId(d), 0u) << "0 is reserved for 'no signature'";
  EXPECT_EQ(canonicalSignatureId(d), canonicalSignatureId(FuncType{}));
}

TEST(SignatureId, ConcurrentCallersAgree) {
  // Several threads register the same fresh types at once; each type must
  // end up with exactly one id.
  constexpr int kThreads = 4, kTypes = 200;
  std::vector<std::vector<uint32_t>> ids(kThreads, std::vector<uint32_t>(kTypes));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &ids] {
      for (int i = 0; i < kTypes; ++i) {
        // A distinctive type per i: i params of f64 and one externref result.
        FuncType ft{std::vector<ValType>(static_cast<size_t>(i) + 3, ValType::F64), {ValType::ExternRef}};
        ids[t][i] = canonicalSignatureId(ft);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint32_t> distinct;
  for (int i = 0; i < kTypes; ++i) {
    for (int t = 1; t < kThreads; ++t) EXPECT_EQ(ids[t][i], ids[0][i]);
    distinct.insert(ids[0][i]);
  }
  EXPECT_EQ(distinct.size(), size_t(kTypes));
}

void addOne(void* env, Instance*, Slot* slots) { slots[0] = slots[0] + *static_cast<int*>(env); }

TEST(HostFunction, CarriesTypeCallbackAndEnv) {
  int one = 1;
  FuncType type{{ValType::I32}, {ValType::I32}};
  auto f = makeHostFunction(type, addOne, &one);
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->isHost());
  EXPECT_EQ(f->type, type);
  EXPECT_EQ(f->sigId, canonicalSignatureId(type));
  EXPECT_EQ(f->instance, nullptr);
  Slot s = 41;
  f->host(f->hostEnv, nullptr, &s);
  EXPECT_EQ(s, 42u);
}

TEST(Types, Names) {
  EXPECT_EQ(valTypeName(ValType::I32), "i32");
  EXPECT_EQ(valTypeName(ValType::I64), "i64");
  EXPECT_EQ(valTypeName(ValType::F32), "f32");
  EXPECT_EQ(valTypeName(ValType::F64), "f64");
  EXPECT_EQ(valTypeName(ValType::V128), "v128");
  EXPECT_EQ(valTypeName(ValType::FuncRef), "funcref");
  EXPECT_EQ(valTypeName(ValType::ExternRef), "externref");
  EXPECT_EQ(valTypeName(ValType::ref(heap::Func, false)), "(ref func)");
  EXPECT_EQ(valTypeName(ValType::ref(3, true)), "(ref null 3)");
  EXPECT_EQ(valTypeName(ValType::ref(heap::NoExtern, true)), "nullexternref");
  EXPECT_EQ(valTypeName(ValType::fromCode(0x42)), "unknown");
  EXPECT_STREQ(externKindName(ExternKind::Func), "func");
  EXPECT_STREQ(externKindName(ExternKind::Table), "table");
  EXPECT_STREQ(externKindName(ExternKind::Memory), "memory");
  EXPECT_STREQ(externKindName(ExternKind::Global), "global");
  EXPECT_NE(externKindName(static_cast<ExternKind>(9)), nullptr);
}

TEST(Types, FuncTypeToString) {
  EXPECT_EQ((FuncType{{ValType::I32, ValType::I64}, {ValType::F32}}).toString(), "(i32 i64) -> (f32)");
  EXPECT_EQ(FuncType{}.toString(), "() -> ()");
  EXPECT_EQ((FuncType{{ValType::FuncRef}, {ValType::ExternRef, ValType::F64}}).toString(),
            "(funcref) -> (externref f64)");
}

}  // namespace
}  // namespace strata
