// Fuzz target: the spec-script reader (src/cli/wast_reader.h) on any text.
//
// readWastScript must return a script or throw WastSyntaxError (its only
// documented exception, the only one `strata spectest` catches) with a
// line and column inside the text; anything else, a sanitizer report, a
// stack overflow or a hang is a bug. A script it returns must be what the
// runner (src/cli/spectest.cpp) trusts: a command array whose
// "module_bytes" fields index WastScript::modules.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/wast_reader.h"

namespace {

[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz_wast_reader: %s\n", what.c_str());
  std::abort();
}

// Every "module_bytes" in `j` (commands nest modules in "instance" and
// "action" objects) indexes `modules`.
void checkIndices(const nlohmann::json& j, size_t modules) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "module_bytes" &&
          (!it.value().is_number_unsigned() || it.value().get<uint64_t>() >= modules))
        broken("a \"module_bytes\" that is no index of the script's modules: " + it.value().dump());
      checkIndices(it.value(), modules);
    }
  } else if (j.is_array()) {
    for (const auto& item : j) checkIndices(item, modules);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata::cli;
  const std::string text(reinterpret_cast<const char*>(data), size);
  WastScript script;
  try {
    script = readWastScript(text);
  } catch (const WastSyntaxError& e) {
    // The position is 1-based and inside the text (one past its end for
    // "unexpected end").
    int lines = 1;
    size_t lineStart = 0, longestLine = 0;
    for (size_t i = 0; i < size; ++i)
      if (text[i] == '\n') {
        ++lines;
        longestLine = std::max(longestLine, i - lineStart);
        lineStart = i + 1;
      }
    longestLine = std::max(longestLine, size - lineStart);
    if (e.line < 1 || e.line > lines || e.column < 1 || size_t(e.column) > longestLine + 1)
      broken("syntax error at a position outside the text: " + std::string(e.what()));
    if (e.message.empty()) broken("syntax error without a message");
    return 0;
  }
  if (!script.commands.is_array()) broken("the commands are not an array");
  checkIndices(script.commands, script.modules.size());
  return 0;
}
