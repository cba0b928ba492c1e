// Shared helpers of the C API and multi-module tests: the WAT modules of
// tests/unit/multi/ (compiled to STRATA_MULTI_WASM_DIR), a counting module
// reader/destroyer, and a fixture that initialises and destroys the runtime.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "wasm_export.h"

namespace strata_test {

inline std::string multiWasmDir() {
#ifdef STRATA_MULTI_WASM_DIR
  return STRATA_MULTI_WASM_DIR;
#else
  return "";
#endif
}

inline std::vector<uint8_t> readWasm(const std::string& name) {
  std::ifstream in(multiWasmDir() + "/" + name + ".wasm", std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// What the reader handed out and what the destroyer got back.
struct ReaderLog {
  std::map<std::string, int> reads;
  std::multiset<const uint8_t*> given;
  std::multiset<const uint8_t*> destroyed;
  std::map<std::string, std::vector<uint8_t>> overrides;  // name -> bytes instead of the file
  std::set<std::string> hidden;                           // names the reader says it lacks
  int destroyCount() const { return static_cast<int>(destroyed.size()); }
  int readCount() const {
    int n = 0;
    for (auto& kv : reads) n += kv.second;
    return n;
  }
};

inline ReaderLog& readerLog() {
  static ReaderLog log;
  return log;
}

inline bool countingReader(const char* name, uint8_t** buf, uint32_t* size) {
  ReaderLog& log = readerLog();
  if (log.hidden.count(name)) return false;
  std::vector<uint8_t> bytes;
  auto o = log.overrides.find(name);
  if (o != log.overrides.end()) bytes = o->second;
  else bytes = readWasm(name);
  if (bytes.empty()) return false;
  log.reads[name]++;
  *buf = static_cast<uint8_t*>(std::malloc(bytes.size()));
  std::memcpy(*buf, bytes.data(), bytes.size());
  *size = static_cast<uint32_t>(bytes.size());
  log.given.insert(*buf);
  return true;
}

inline void countingDestroyer(uint8_t* buf, uint32_t) {
  readerLog().destroyed.insert(buf);
  std::free(buf);
}

// Initialises the runtime with the counting reader; destroys it after.
class CApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (multiWasmDir().empty()) GTEST_SKIP() << "wat2wasm was not found at configure time";
    readerLog() = ReaderLog();
    ASSERT_TRUE(wasm_runtime_init());
    wasm_runtime_set_module_reader(countingReader, countingDestroyer);
  }
  void TearDown() override {
    if (!multiWasmDir().empty()) wasm_runtime_destroy();
  }

  wasm_module_t load(const std::string& name, std::string* error = nullptr) {
    std::vector<uint8_t> bytes = readWasm(name);
    EXPECT_FALSE(bytes.empty()) << name;
    char buf[512] = "";
    wasm_module_t m = wasm_runtime_load(bytes.data(), static_cast<uint32_t>(bytes.size()), buf, sizeof buf);
    if (error) *error = buf;
    return m;
  }

  std::string loadError(const std::string& name) {
    std::string error;
    wasm_module_t m = load(name, &error);
    EXPECT_EQ(m, nullptr) << name << " loaded";
    if (m) wasm_runtime_unload(m);
    return error;
  }

  wasm_module_inst_t instantiate(wasm_module_t m, uint32_t heap = 0, std::string* error = nullptr) {
    char buf[512] = "";
    wasm_module_inst_t inst = wasm_runtime_instantiate(m, 64 * 1024, heap, buf, sizeof buf);
    if (error) *error = buf;
    return inst;
  }

  // Calls an i32-returning function of `inst` with i32 arguments.
  int32_t callI32(wasm_module_inst_t inst, const char* name, std::vector<uint32_t> args = {}) {
    wasm_function_inst_t f = wasm_runtime_lookup_function(inst, name, nullptr);
    EXPECT_NE(f, nullptr) << name;
    if (!f) return -1;
    wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 64 * 1024);
    args.resize(std::max<size_t>(args.size(), 1));
    bool ok = wasm_runtime_call_wasm(env, f, static_cast<uint32_t>(wasm_func_get_param_count(f, inst)), args.data());
    wasm_runtime_destroy_exec_env(env);
    const char* ex = wasm_runtime_get_exception(inst);
    EXPECT_TRUE(ok) << name << ": " << (ex ? ex : "");
    return static_cast<int32_t>(args[0]);
  }
};

}  // namespace strata_test
