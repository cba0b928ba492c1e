// Embeds Strata through its installed public API only: decodes a module
// whose bytes are below, calls its exports and checks results, errors and
// traps. Exit status 0 means every check passed.
#include <strata/strata.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

// wat2wasm output of:
// (module
//   (func $fac (export "fac") (param i64) (result i64)
//     (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
//       (then (i64.const 1))
//       (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
//   (func (export "div") (param i32 i32) (result i32)
//     (i32.div_s (local.get 0) (local.get 1)))
//   (func (export "hypot") (param f64 f64) (result f64)
//     (f64.sqrt (f64.add (f64.mul (local.get 0) (local.get 0))
//                        (f64.mul (local.get 1) (local.get 1))))))
const std::vector<uint8_t> kModule = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x12, 0x03, 0x60, 0x01, 0x7e, 0x01, 0x7e,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7c, 0x7c, 0x01, 0x7c, 0x03, 0x04, 0x03, 0x00,
    0x01, 0x02, 0x07, 0x15, 0x03, 0x03, 0x66, 0x61, 0x63, 0x00, 0x00, 0x03, 0x64, 0x69, 0x76, 0x00,
    0x01, 0x05, 0x68, 0x79, 0x70, 0x6f, 0x74, 0x00, 0x02, 0x0a, 0x30, 0x03, 0x17, 0x00, 0x20, 0x00,
    0x42, 0x02, 0x54, 0x04, 0x7e, 0x42, 0x01, 0x05, 0x20, 0x00, 0x20, 0x00, 0x42, 0x01, 0x7d, 0x10,
    0x00, 0x7e, 0x0b, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x0e, 0x00, 0x20, 0x00,
    0x20, 0x00, 0xa2, 0x20, 0x01, 0x20, 0x01, 0xa2, 0xa0, 0x9f, 0x0b};

int passes = 0;
int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what.c_str());
  ++(ok ? passes : failures);
}

// Runs `f`, which must throw exactly E; returns its message ("" if not).
template <class E, class F>
std::string expectThrow(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    std::printf("  unexpected exception: %s\n", e.what());
  }
  return "";
}

}  // namespace

int main() {
  try {
    strata::Runtime runtime;
    strata::Module module = strata::Module::fromBytes(kModule);
    check(module.exportedFunctions() == std::vector<std::string>{"fac", "div", "hypot"}, "exported functions");
    strata::Instance instance(runtime, module);

    auto fac = instance.call("fac", {strata::Value::i64(20)});
    check(fac.size() == 1 && fac[0].asI64() == 2432902008176640000LL, "fac(20) = 20!");

    auto div = instance.call("div", {strata::Value::i32(-7), strata::Value::i32(2)});
    check(div.size() == 1 && div[0].asI32() == -3, "div(-7, 2) = -3, " + div.at(0).toString());

    auto hyp = instance.call("hypot", {strata::Value::f64(3.0), strata::Value::f64(4.0)});
    check(hyp.size() == 1 && hyp[0].asF64() == 5.0 && hyp[0].toString() == "5:f64",
          "hypot(3, 4) = " + hyp.at(0).toString());

    std::string trap = expectThrow<strata::Trap>(
        [&] { instance.call("div", {strata::Value::i32(1), strata::Value::i32(0)}); });
    check(trap == "integer divide by zero", "div(1, 0) traps: \"" + trap + "\"");
    // A trap unwinds the guest stack; the instance must stay usable.
    check(instance.call("div", {strata::Value::i32(9), strata::Value::i32(3)}).at(0).asI32() == 3,
          "instance usable after a trap");

    std::string err = expectThrow<strata::Error>([&] { instance.call("div", {strata::Value::i64(1)}); });
    check(!err.empty(), "wrong arguments rejected: \"" + err + "\"");
    err = expectThrow<strata::Error>([&] { instance.call("nope", {}); });
    check(err == "unknown export \"nope\"", "unknown export rejected: \"" + err + "\"");

    std::vector<uint8_t> truncated(kModule.begin(), kModule.begin() + 40);
    err = expectThrow<strata::Error>([&] { strata::Module::fromBytes(truncated); });
    check(err.rfind("error at offset 0x", 0) == 0, "truncated module rejected: \"" + err + "\"");
  } catch (const std::exception& e) {
    std::printf("FAILED: unexpected exception: %s\n", e.what());
    return 1;
  }
  std::printf("client checks: %d passed, %d failed\n", passes, failures);
  return failures == 0 ? 0 : 1;
}
