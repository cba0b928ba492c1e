// Reference types with heap types (Wasm 3.0's typed function references):
// subtyping, type canonicalisation across modules and rec groups, and the
// decoder's errors for what the validator refuses.
#include <gtest/gtest.h>

#include "wasm_builder.h"
#include "wasm/module.h"
#include "wasm/types.h"

namespace strata {
namespace {

using test::Bytes;
using test::WasmBuilder;

ValType ref(uint32_t heapType, bool nullable) { return ValType::ref(heapType, nullable); }

TEST(ValueTypes, SubtypingOfAbstractAndConcreteReferences) {
  const uint32_t ids[] = {7, 7, 9};  // types 0 and 1 are equivalent, 2 is not
  EXPECT_TRUE(isSubtype(ref(0, false), ref(0, true), ids));
  EXPECT_FALSE(isSubtype(ref(0, true), ref(0, false), ids));
  EXPECT_TRUE(isSubtype(ref(0, false), ValType::FuncRef, ids));
  EXPECT_TRUE(isSubtype(ref(0, true), ref(1, true), ids)) << "equivalent types match";
  EXPECT_FALSE(isSubtype(ref(0, true), ref(2, true), ids));
  EXPECT_TRUE(isSubtype(ref(heap::NoFunc, true), ref(2, true), ids));
  EXPECT_FALSE(isSubtype(ref(heap::NoFunc, true), ref(2, false), ids));
  EXPECT_FALSE(isSubtype(ValType::FuncRef, ref(0, true), ids));
  EXPECT_FALSE(isSubtype(ValType::ExternRef, ValType::FuncRef, ids));
  EXPECT_TRUE(isSubtype(ref(heap::NoExtern, false), ValType::ExternRef, ids));
  EXPECT_FALSE(isSubtype(ref(heap::NoExtern, true), ValType::FuncRef, ids));
  EXPECT_TRUE(isSubtype(ValType::Bottom, ref(0, false), ids));
  EXPECT_FALSE(isSubtype(ValType::I32, ValType::I64, ids));
  // Canonical heap types compare without a module.
  EXPECT_TRUE(isSubtype(ref(heap::kCanonical | 7, false), ref(heap::kCanonical | 7, true), nullptr));
  EXPECT_FALSE(isSubtype(ref(heap::kCanonical | 7, false), ref(heap::kCanonical | 9, true), nullptr));
  EXPECT_EQ(ValType::FuncRef.kind(), ValKind::FuncRef);
  EXPECT_EQ(ref(3, false).kind(), ValKind::FuncRef);
  EXPECT_EQ(ref(heap::NoExtern, true).kind(), ValKind::ExternRef);
  EXPECT_FALSE(ref(3, false).defaultable());
  EXPECT_TRUE(ref(3, true).defaultable());
}

// A function type of value types given as their bytes each.
Bytes funcType(std::vector<Bytes> params, std::vector<Bytes> results) {
  Bytes t = {0x60};
  for (const auto* list : {&params, &results}) {
    t.push_back(uint8_t(list->size()));
    for (const Bytes& v : *list) t.insert(t.end(), v.begin(), v.end());
  }
  return t;
}

std::shared_ptr<const Module> decodeTypes(const std::vector<Bytes>& entries) {
  WasmBuilder b;
  for (const Bytes& e : entries) b.rawType(e);
  return decodeModule(b.build());
}

TEST(ValueTypes, EquivalentTypesOfDifferentModulesGetOneCanonicalId) {
  // A: 0 = (func (param i32)), 1 = (func (param (ref 0)))
  auto a = decodeTypes({funcType({{0x7f}}, {}), funcType({{0x64, 0x00}}, {})});
  // B: the same two types after an unrelated one, so at indices 1 and 2.
  auto b = decodeTypes({funcType({}, {{0x7e}}), funcType({{0x7f}}, {}), funcType({{0x64, 0x01}}, {})});
  EXPECT_EQ(a->typeIds[0], b->typeIds[1]);
  EXPECT_EQ(a->typeIds[1], b->typeIds[2]);
  EXPECT_NE(a->typeIds[1], b->typeIds[1]);
  // Nullability is part of the type.
  auto c = decodeTypes({funcType({{0x7f}}, {}), funcType({{0x63, 0x00}}, {})});
  EXPECT_NE(a->typeIds[1], c->typeIds[1]);
  // A type alone may refer to itself; equal in any module.
  auto self1 = decodeTypes({funcType({{0x63, 0x00}}, {})});
  auto self2 = decodeTypes({funcType({}, {}), funcType({{0x63, 0x01}}, {})});
  EXPECT_EQ(self1->typeIds[0], self2->typeIds[1]);
  // The same two types as one rec group are other types (iso-recursive
  // equivalence), and each group member has its own id.
  auto recGroup = [](uint8_t first) {
    Bytes g = {0x4e, 0x02};
    for (const Bytes& t : {funcType({{0x7f}}, {}), funcType({{0x64, first}}, {})}) g.insert(g.end(), t.begin(), t.end());
    return g;
  };
  auto d = decodeTypes({recGroup(0)});
  ASSERT_EQ(d->types.size(), 2u);
  EXPECT_NE(d->typeIds[0], d->typeIds[1]);
  EXPECT_NE(d->typeIds[1], a->typeIds[1]);
  auto e = decodeTypes({funcType({}, {}), recGroup(1)});
  EXPECT_EQ(d->typeIds[0], e->typeIds[1]);
  EXPECT_EQ(d->typeIds[1], e->typeIds[2]);
  // A host-made signature of abstract types is the module's type.
  EXPECT_EQ(canonicalSignatureId(FuncType{{ValType::I32}, {}}), a->typeIds[0]);
}

std::string decodeError(const Bytes& bytes) {
  try {
    decodeModule(bytes);
  } catch (const DecodeError& e) {
    return e.message + (e.unsupportedFeature.empty() ? "" : " [" + e.unsupportedFeature + "]");
  }
  return "";
}

TEST(ValueTypes, ValidatorErrors) {
  {
    SCOPED_TRACE("a forward reference outside a rec group");
    EXPECT_EQ(decodeError([] {
      WasmBuilder b;
      b.rawType(funcType({{0x63, 0x01}}, {}));
      b.rawType(funcType({}, {}));
      return b.build();
    }()), "unknown type 1");
  }
  {
    SCOPED_TRACE("a GC heap type");
    EXPECT_NE(decodeError([] {
      WasmBuilder b;
      b.rawType(funcType({{0x63, 0x6e}}, {}));
      return b.build();
    }()).find("[gc]"), std::string::npos);
  }
  {
    SCOPED_TRACE("local.get of a non-nullable local before it is set");
    WasmBuilder b;
    uint32_t t = b.type({}, {});
    b.rawType(funcType({}, {}));
    b.funcWithLocals(t, {0x01, 0x01, 0x64, 0x00}, {0x20, 0x00, 0x1a});
    EXPECT_NE(decodeError(b.build()).find("uninitialized local"), std::string::npos);
  }
  {
    SCOPED_TRACE("set in a block, read after it");
    WasmBuilder b;
    uint32_t t = b.type({}, {});
    // (block (local.set 0 (ref.func 0))) (local.get 0) drop; ref.func 0
    // needs a declaration: the export below provides it.
    b.funcWithLocals(t, {0x01, 0x01, 0x64, 0x00}, {0x02, 0x40, 0xd2, 0x00, 0x21, 0x00, 0x0b, 0x20, 0x00, 0x1a},
                     "f");
    EXPECT_NE(decodeError(b.build()).find("uninitialized local"), std::string::npos);
  }
  {
    SCOPED_TRACE("set before the block: fine");
    WasmBuilder b;
    uint32_t t = b.type({}, {});
    b.funcWithLocals(t, {0x01, 0x01, 0x64, 0x00}, {0xd2, 0x00, 0x21, 0x00, 0x02, 0x40, 0x20, 0x00, 0x1a, 0x0b}, "f");
    EXPECT_EQ(decodeError(b.build()), "");
  }
  {
    SCOPED_TRACE("call_ref of a nullable funcref without a type");
    WasmBuilder b;
    uint32_t t = b.type({}, {});
    b.func(t, {{1, 0x70}}, {0x20, 0x00, 0x14, 0x00});
    EXPECT_NE(decodeError(b.build()).find("type mismatch"), std::string::npos);
  }
  {
    SCOPED_TRACE("br_on_non_null to a label without a reference");
    WasmBuilder b;
    uint32_t t = b.type({}, {});
    b.func(t, {{1, 0x70}}, {0x02, 0x40, 0x20, 0x00, 0xd6, 0x00, 0x0b});
    EXPECT_NE(decodeError(b.build()).find("type mismatch"), std::string::npos);
  }
  {
    SCOPED_TRACE("ref.as_non_null of a number");
    WasmBuilder b;
    uint32_t t = b.type({}, {});
    b.func(t, {}, {0x41, 0x00, 0xd4, 0x1a});
    EXPECT_NE(decodeError(b.build()).find("type mismatch"), std::string::npos);
  }
}

}  // namespace
}  // namespace strata
