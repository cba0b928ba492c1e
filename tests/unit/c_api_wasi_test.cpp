// WASI through the C API: wasm_runtime_set_wasi_args(_ex),
// wasm_application_execute_main on a command that imports from a reactor,
// wasm_runtime_get_wasi_exit_code, argument errors. Modules:
// tests/unit/multi/wasi_cmd.wat, wasi_lib.wat, command.wat.
#include <fcntl.h>
#include <unistd.h>

#include "c_api_multi_test.h"

using namespace strata_test;

namespace {

// A pipe whose write end stands in for the guest's stdout.
struct Capture {
  int fds[2] = {-1, -1};
  Capture() { EXPECT_EQ(pipe(fds), 0); }
  ~Capture() {
    for (int fd : fds)
      if (fd >= 0) close(fd);
  }
  std::string take() {
    close(fds[1]);
    fds[1] = -1;
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
};

class CApiWasi : public CApiTest {};

TEST_F(CApiWasi, CommandImportingAReactorRunsWithArgsEnvAndExitCode) {
  wasm_module_t m = load("wasi_cmd");
  ASSERT_NE(m, nullptr);
  const char* env[] = {"A=1", "B=2"};
  char* argv[] = {const_cast<char*>("cmd"), const_cast<char*>("x"), const_cast<char*>("y")};
  Capture out;
  wasm_runtime_set_wasi_args_ex(m, nullptr, 0, nullptr, 0, env, 2, argv, 3, -1, out.fds[1], -1);
  std::string err;
  wasm_module_inst_t inst = instantiate(m, 0, &err);
  ASSERT_NE(inst, nullptr) << err;
  EXPECT_TRUE(wasm_runtime_is_wasi_mode(inst));
  EXPECT_NE(wasm_runtime_lookup_wasi_start_function(inst), nullptr);
  ASSERT_TRUE(wasm_application_execute_main(inst, 0, nullptr));
  EXPECT_EQ(wasm_runtime_get_exception(inst), nullptr);
  EXPECT_EQ(wasm_runtime_get_wasi_exit_code(inst), 32u);  // 3 args * 10 + 2 env
  // The reactor shares the root's context (its "lib1" goes to the same
  // pipe) and its _initialize ran exactly once, before say().
  EXPECT_EQ(out.take(), "cmd\nlib1\n");
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApiWasi, EachInstantiationGetsAFreshContextAndExitCode) {
  wasm_module_t m = load("wasi_cmd");
  ASSERT_NE(m, nullptr);
  Capture out;
  wasm_runtime_set_wasi_args_ex(m, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, -1, out.fds[1], -1);
  for (int i = 0; i < 2; ++i) {
    wasm_module_inst_t inst = instantiate(m);
    ASSERT_NE(inst, nullptr);
    EXPECT_EQ(wasm_runtime_get_wasi_exit_code(inst), 0u);
    ASSERT_TRUE(wasm_application_execute_main(inst, 0, nullptr));
    EXPECT_EQ(wasm_runtime_get_wasi_exit_code(inst), 0u);  // no args, no env
    wasm_runtime_deinstantiate(inst);
  }
  EXPECT_EQ(out.take(), "cmd\nlib1\ncmd\nlib1\n");
  wasm_runtime_unload(m);
}

TEST_F(CApiWasi, ADependencyWithItsOwnArgsGetsItsOwnContext) {
  wasm_module_t m = load("wasi_cmd");
  ASSERT_NE(m, nullptr);
  wasm_module_t lib = wasm_runtime_find_module_registered("wasi_lib");
  ASSERT_NE(lib, nullptr);
  Capture rootOut, libOut;
  wasm_runtime_set_wasi_args_ex(m, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, -1, rootOut.fds[1], -1);
  wasm_runtime_set_wasi_args_ex(lib, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, -1, libOut.fds[1], -1);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  ASSERT_TRUE(wasm_application_execute_main(inst, 0, nullptr));
  EXPECT_EQ(rootOut.take(), "cmd\n");
  EXPECT_EQ(libOut.take(), "lib1\n");
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApiWasi, CommandReturningFromStartExitsZero) {
  wasm_module_t m = load("command");
  ASSERT_NE(m, nullptr);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  EXPECT_TRUE(wasm_runtime_is_wasi_mode(inst));
  EXPECT_TRUE(wasm_application_execute_main(inst, 0, nullptr));
  EXPECT_EQ(wasm_runtime_get_wasi_exit_code(inst), 0u);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApiWasi, ProcExitThroughCallWasmSucceedsWithTheCode) {
  wasm_module_t m = load("wasi_cmd");
  ASSERT_NE(m, nullptr);
  char* argv[] = {const_cast<char*>("cmd")};
  Capture out;
  wasm_runtime_set_wasi_args_ex(m, nullptr, 0, nullptr, 0, nullptr, 0, argv, 1, -1, out.fds[1], -1);
  wasm_module_inst_t inst = instantiate(m);
  ASSERT_NE(inst, nullptr);
  wasm_function_inst_t start = wasm_runtime_lookup_wasi_start_function(inst);
  ASSERT_NE(start, nullptr);
  wasm_exec_env_t env = wasm_runtime_create_exec_env(inst, 64 * 1024);
  uint32_t cells[1] = {0};
  EXPECT_TRUE(wasm_runtime_call_wasm(env, start, 0, cells));
  EXPECT_EQ(wasm_runtime_get_wasi_exit_code(inst), 10u);
  EXPECT_EQ(wasm_runtime_get_exception(inst), nullptr);
  wasm_runtime_destroy_exec_env(env);
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_unload(m);
}

TEST_F(CApiWasi, BadArgumentsFailAtInstantiationWithAClearError) {
  wasm_module_t m = load("wasi_cmd");
  ASSERT_NE(m, nullptr);
  std::string err;
  const char* dirs[] = {"/nonexistent-strata-dir"};
  wasm_runtime_set_wasi_args(m, dirs, 1, nullptr, 0, nullptr, 0, nullptr, 0);
  EXPECT_EQ(instantiate(m, 0, &err), nullptr);
  EXPECT_EQ(err, "instantiate failed: (root): WASI context: cannot open directory '/nonexistent-strata-dir': "
                 "No such file or directory");
  wasm_runtime_set_wasi_args(m, nullptr, 2, nullptr, 0, nullptr, 0, nullptr, 0);
  EXPECT_EQ(instantiate(m, 0, &err), nullptr);
  EXPECT_EQ(err, "instantiate failed: (root): WASI arguments: dir_list is NULL but its count is 2");
  const char* maps[] = {"nocolons"};
  wasm_runtime_set_wasi_args(m, nullptr, 0, maps, 1, nullptr, 0, nullptr, 0);
  EXPECT_EQ(instantiate(m, 0, &err), nullptr);
  EXPECT_EQ(err, "instantiate failed: (root): WASI arguments: bad map_dir 'nocolons' (expected GUEST::HOST)");
  const char* env[] = {"NOEQUALS"};
  wasm_runtime_set_wasi_args(m, nullptr, 0, nullptr, 0, env, 1, nullptr, 0);
  EXPECT_EQ(instantiate(m, 0, &err), nullptr);
  EXPECT_EQ(err, "instantiate failed: (root): WASI arguments: env entry 'NOEQUALS' has no '='");
  char* argv[] = {nullptr};
  wasm_runtime_set_wasi_args(m, nullptr, 0, nullptr, 0, nullptr, 0, argv, 1);
  EXPECT_EQ(instantiate(m, 0, &err), nullptr);
  EXPECT_EQ(err, "instantiate failed: (root): WASI arguments: argv[0] is NULL");
  // Good arguments again: it works, and nothing leaked from the failures.
  wasm_runtime_set_wasi_args(m, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0);
  Capture out;  // keep the process's stdout clean
  wasm_runtime_set_wasi_args_ex(m, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0, -1, out.fds[1], -1);
  wasm_module_inst_t inst = instantiate(m, 0, &err);
  ASSERT_NE(inst, nullptr) << err;
  wasm_runtime_deinstantiate(inst);
  wasm_runtime_set_wasi_args(nullptr, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, 0);  // ignored
  wasm_runtime_unload(m);
  EXPECT_EQ(wasm_runtime_get_wasi_exit_code(nullptr), 0u);
  EXPECT_FALSE(wasm_runtime_is_wasi_mode(nullptr));
  EXPECT_EQ(wasm_runtime_lookup_wasi_start_function(nullptr), nullptr);
}

}  // namespace
