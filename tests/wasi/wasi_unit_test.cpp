// Unit tests of src/wasi/: path resolution with each method (forced through
// WasiOptions::resolve), host calls with garbage in the upper half of i32
// slots, bad pointers, proc_exit, import type checks.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "runtime/exec_env.h"
#include "runtime/instance.h"
#include "wasi/wasi.h"
#include "wasi/wasi_abi.h"
#include "wasi/wasi_resolver.h"
#include "wasm/module.h"

namespace strata {
namespace wasi {
namespace {

// A temporary tree: root/sandbox (preopened) and root/outside.
class Tree {
 public:
  Tree() {
    char tmpl[] = "/tmp/strata-wasi-XXXXXX";
    root_ = mkdtemp(tmpl);
    run("mkdir -p sandbox/sub/deeper outside && echo hi > sandbox/file && echo s > outside/secret && "
        "ln -s ../outside/secret sandbox/link_out && ln -s file sandbox/link_in && "
        "ln -s loop sandbox/loop && ln -s ../.. sandbox/sub/upup && ln -s .. sandbox/sub/up && "
        "ln -s sub/up/sub/up/link_in sandbox/winding");
  }
  ~Tree() { run("cd / && rm -rf '" + root_ + "'"); }
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }

 private:
  void run(const std::string& cmd) {
    std::string full = "cd '" + root_ + "' && " + cmd;
    ASSERT_EQ(std::system(full.c_str()), 0) << full;
  }
  std::string root_;
};

std::unique_ptr<WasiContext> makeContext(const Tree& tree, WasiOptions::Resolve mode) {
  WasiOptions options;
  options.args = {"prog", "arg1"};
  options.env = {"A=1"};
  options.preopens.emplace_back("sandbox", tree.path("sandbox"));
  options.resolve = mode;
  std::string error;
  auto ctx = WasiContext::create(options, &error);
  EXPECT_TRUE(ctx) << error;
  return ctx;
}

struct Resolution {
  uint16_t err;
  std::string name;
  bool trailingSlash;
};

Resolution resolve(const WasiContext& ctx, const std::string& path, bool follow) {
  int fd = -1;
  bool owns = false, slash = false;
  std::string name;
  uint16_t err = ctx.resolvePath(*ctx.fd(3), path, follow, &fd, &owns, &name, &slash);
  if (owns) ::close(fd);
  return {err, name, slash};
}

class ResolveTest : public ::testing::TestWithParam<WasiOptions::Resolve> {};

TEST_P(ResolveTest, StaysInsideThePreopen) {
  Tree tree;
  auto ctx = makeContext(tree, GetParam());
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->usesOpenat2(), GetParam() == WasiOptions::Resolve::Openat2);

  Resolution r = resolve(*ctx, "sub/../file", true);
  EXPECT_EQ(r.err, errno_::SUCCESS);
  EXPECT_EQ(r.name, "file");
  EXPECT_EQ(resolve(*ctx, "sub/deeper/", false).trailingSlash, true);
  EXPECT_EQ(resolve(*ctx, ".", false).name, ".");
  EXPECT_EQ(resolve(*ctx, "sub/..", false).name, ".");
  EXPECT_EQ(resolve(*ctx, "new-file", false).err, errno_::SUCCESS);  // may be created
  EXPECT_EQ(resolve(*ctx, "link_in", true).name, "file");
  EXPECT_EQ(resolve(*ctx, "link_in", false).name, "link_in");
  EXPECT_EQ(resolve(*ctx, "winding", true).name, "file");
  EXPECT_EQ(resolve(*ctx, "link_out", false).name, "link_out");  // the link itself is inside

  EXPECT_EQ(resolve(*ctx, "..", false).err, errno_::NOTCAPABLE);
  EXPECT_EQ(resolve(*ctx, "../outside/secret", true).err, errno_::NOTCAPABLE);
  EXPECT_EQ(resolve(*ctx, "sub/../../outside", true).err, errno_::NOTCAPABLE);
  EXPECT_EQ(resolve(*ctx, "/etc/passwd", true).err, errno_::NOTCAPABLE);
  EXPECT_EQ(resolve(*ctx, "link_out", true).err, errno_::NOTCAPABLE);
  EXPECT_EQ(resolve(*ctx, "sub/upup/outside/secret", false).err, errno_::NOTCAPABLE);
  EXPECT_EQ(resolve(*ctx, "sub/upup", true).err, errno_::NOTCAPABLE);
  EXPECT_EQ(resolve(*ctx, "sub/upup/", false).err, errno_::NOTCAPABLE);  // a trailing slash follows
  EXPECT_EQ(resolve(*ctx, "loop", true).err, errno_::LOOP);
  EXPECT_EQ(resolve(*ctx, "file/x", false).err, errno_::NOTDIR);
  EXPECT_EQ(resolve(*ctx, "missing/x", false).err, errno_::NOENT);
  EXPECT_EQ(resolve(*ctx, "", false).err, errno_::NOENT);
  EXPECT_EQ(resolve(*ctx, std::string("fi\0le", 5), false).err, errno_::INVAL);
}

INSTANTIATE_TEST_SUITE_P(Modes, ResolveTest,
                         ::testing::Values(WasiOptions::Resolve::Walk, WasiOptions::Resolve::Openat2),
                         [](const auto& info) {
                           return std::string(info.param == WasiOptions::Resolve::Walk ? "Walk" : "Openat2");
                         });

TEST(WasiContextTest, CreateFromLists) {
  Tree tree;
  std::string dir = tree.path("sandbox");
  std::string map = "guest::" + tree.path("outside");
  const char* dirs[] = {dir.c_str()};
  const char* maps[] = {map.c_str()};
  const char* env[] = {"K=V"};
  const char* argv[] = {"app.wasm", "x"};
  std::string error;
  auto ctx = WasiContext::createFromLists(dirs, 1, maps, 1, env, 1, argv, 2, &error);
  ASSERT_TRUE(ctx) << error;
  EXPECT_EQ(ctx->args().size(), 2u);
  EXPECT_EQ(ctx->env()[0], "K=V");
  ASSERT_TRUE(ctx->fd(3) && ctx->fd(4));
  EXPECT_EQ(ctx->fd(3)->preopenName, dir);
  EXPECT_EQ(ctx->fd(4)->preopenName, "guest");

  const char* bad[] = {"no-separator"};
  EXPECT_FALSE(WasiContext::createFromLists(nullptr, 0, bad, 1, nullptr, 0, nullptr, 0, &error));
  EXPECT_NE(error.find("GUEST::HOST"), std::string::npos);
  const char* missing[] = {"/nonexistent-strata-dir"};
  EXPECT_FALSE(WasiContext::createFromLists(missing, 1, nullptr, 0, nullptr, 0, nullptr, 0, &error));
  EXPECT_NE(error.find("/nonexistent-strata-dir"), std::string::npos);
}

// (module (memory 1)) plus one imported function of the given signature.
class HostCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static const uint8_t kMemoryModule[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                            0x05, 0x03, 0x01, 0x00, 0x01};
    module_ = decodeModule(std::vector<uint8_t>(std::begin(kMemoryModule), std::end(kMemoryModule)));
    instance_ = Instance::instantiate(module_, {}, env_);
    WasiOptions options;
    options.args = {"prog", "arg1"};
    std::string error;
    ctx_ = WasiContext::create(options, &error);
    ASSERT_TRUE(ctx_) << error;
  }

  // The host function for `name` with type `type`.
  std::shared_ptr<Function> function(const std::string& name, FuncType type) {
    Module m;
    m.types.push_back(std::move(type));
    Import imp;
    imp.module = kModuleName;
    imp.name = name;
    Extern ext;
    std::string error;
    EXPECT_TRUE(resolveWasiImport(*ctx_, m, imp, &ext, &error)) << error;
    return ext.func;
  }
  uint8_t* mem() { return instance_->memory(0)->base(); }

  ExecEnv env_;
  std::shared_ptr<const Module> module_;
  std::shared_ptr<Instance> instance_;
  std::unique_ptr<WasiContext> ctx_;
};

const FuncType kII_I{{ValType::I32, ValType::I32}, {ValType::I32}};

TEST_F(HostCallTest, UpperHalfOfI32SlotsIsIgnored) {
  auto f = function("args_sizes_get", kII_I);
  Slot slots[2] = {0xdeadbeef00000010ull, 0xffffffff00000014ull};
  f->host(f->hostEnv, instance_.get(), slots);
  EXPECT_EQ(static_cast<uint32_t>(slots[0]), errno_::SUCCESS);
  uint32_t argc, size;
  std::memcpy(&argc, mem() + 16, 4);
  std::memcpy(&size, mem() + 20, 4);
  EXPECT_EQ(argc, 2u);
  EXPECT_EQ(size, 10u);  // "prog\0arg1\0"
}

TEST_F(HostCallTest, BadPointersFault) {
  auto f = function("args_sizes_get", kII_I);
  Slot slots[2] = {65536 - 3, 0};
  f->host(f->hostEnv, instance_.get(), slots);
  EXPECT_EQ(slots[0], errno_::FAULT);
  slots[0] = 0xffffffffu;
  slots[1] = 0;
  f->host(f->hostEnv, instance_.get(), slots);
  EXPECT_EQ(slots[0], errno_::FAULT);
  auto r = function("random_get", kII_I);
  Slot rs[2] = {65536 - 8, 9};
  r->host(r->hostEnv, instance_.get(), rs);
  EXPECT_EQ(rs[0], errno_::FAULT);
  Slot ok[2] = {65536 - 8, 8};
  r->host(r->hostEnv, instance_.get(), ok);
  EXPECT_EQ(ok[0], errno_::SUCCESS);
  // Without a calling instance there is no memory: every pointer is bad.
  Slot none[2] = {0, 4};
  f->host(f->hostEnv, nullptr, none);
  EXPECT_EQ(none[0], errno_::FAULT);
}

TEST_F(HostCallTest, ProcExitThrowsItsCode) {
  auto f = function("proc_exit", FuncType{{ValType::I32}, {}});
  Slot slots[1] = {0xabcdef0000000103ull};
  try {
    f->host(f->hostEnv, instance_.get(), slots);
    FAIL() << "proc_exit returned";
  } catch (const WasiExit& e) {
    EXPECT_EQ(e.code(), 0x103u);
  }
}

TEST_F(HostCallTest, ImportsAreTypeChecked) {
  Module m;
  m.types.push_back(FuncType{{ValType::I64}, {ValType::I32}});
  Import imp;
  imp.module = kModuleName;
  imp.name = "fd_close";
  Extern ext;
  std::string error;
  EXPECT_FALSE(resolveWasiImport(*ctx_, m, imp, &ext, &error));
  EXPECT_EQ(error, "incompatible import type for wasi_snapshot_preview1.fd_close: expected a function (i32) -> (i32), got (i64) -> (i32)");
  imp.name = "fd_nonexistent";
  EXPECT_FALSE(resolveWasiImport(*ctx_, m, imp, &ext, &error));
  EXPECT_EQ(error, "unknown import wasi_snapshot_preview1.fd_nonexistent");
  imp.name = "fd_close";
  imp.kind = ExternKind::Memory;
  EXPECT_FALSE(resolveWasiImport(*ctx_, m, imp, &ext, &error));
  EXPECT_EQ(wasiFunctionNames().size(), 46u);
}

TEST_F(HostCallTest, ImportResolverForTheLinker) {
  Module m;
  m.types.push_back(FuncType{{ValType::I32}, {ValType::I32}});
  Import imp;
  imp.module = kModuleName;
  imp.name = "fd_close";
  Extern ext;
  std::string error;
  WasiImportResolver resolver([this](const Module&) { return ctx_.get(); });
  EXPECT_TRUE(resolver.providesModule("wasi_snapshot_preview1"));
  EXPECT_FALSE(resolver.providesModule("env"));
  EXPECT_TRUE(resolver.resolve(m, imp, &ext, &error)) << error;
  EXPECT_TRUE(ext.func && ext.func->hostEnv == ctx_.get());
  WasiImportResolver none([](const Module&) { return static_cast<WasiContext*>(nullptr); });
  EXPECT_FALSE(none.resolve(m, imp, &ext, &error));
}

}  // namespace
}  // namespace wasi
}  // namespace strata
