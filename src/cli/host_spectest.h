// The `spectest` host module that the official spec scripts import from.
// Its contents are fixed by the spec's test harness (the reference
// interpreter's spectest.ml): print functions, four immutable globals, a
// funcref table and a memory.
#pragma once

#include <map>
#include <string>

#include "runtime/objects.h"

namespace strata {
namespace cli {

// A set of named exports that is not backed by a wasm instance.
struct HostModule {
  std::map<std::string, Extern> exports;

  // The export named `name`, or false if there is none.
  bool find(const std::string& name, Extern* out) const {
    auto it = exports.find(name);
    if (it == exports.end()) return false;
    *out = it->second;
    return true;
  }
};

// Creates a fresh `spectest` module. Each script gets its own, so writes to
// its table and memory by one script never leak into the next.
// Throws std::runtime_error if the memory cannot be allocated.
HostModule makeSpectestModule();

}  // namespace cli
}  // namespace strata
