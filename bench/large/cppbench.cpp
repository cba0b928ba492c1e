// A large C++ program for the benchmark suite: real libraries with large,
// heavily inlined functions (Eigen's dense decompositions, nlohmann::json,
// std::regex, the standard containers and algorithms), compiled to
// wasm32-wasi with clang++ and libc++. Each phase does a fixed amount of
// work; the checksum mixes every result, so all tiers and runtimes must
// print the same line.
//
//   cppbench [SCALE]   SCALE (default 4) multiplies every phase's work
#define JSON_NOEXCEPTION 1
#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <numeric>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

uint64_t g_checksum = 1469598103934665603ull;

void mix(uint64_t v) { g_checksum = (g_checksum ^ v) * 1099511628211ull; }
void mix(double v) { mix(uint64_t(int64_t(v * 1e6))); }

// A small deterministic generator (the same sequence everywhere).
struct Random {
  uint64_t state;
  explicit Random(uint64_t seed) : state(seed) {}
  uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  double uniform() { return double(next() >> 11) / double(1ull << 53); }
  int below(int n) { return int(next() % uint64_t(n)); }
};

const char* const kWords[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
                              "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
                              "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray"};
constexpr int kNumWords = sizeof(kWords) / sizeof(kWords[0]);

// --- linear algebra ---------------------------------------------------------

void linearAlgebra(int scale) {
  Random r(42);
  for (int round = 0; round < 3 * scale; ++round) {
    const int n = 48;
    Eigen::MatrixXd a(n, n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) a(i, j) = r.uniform() - 0.5 + (i == j ? n : 0);
    Eigen::VectorXd b = Eigen::VectorXd::NullaryExpr(n, [&] { return r.uniform(); });
    Eigen::VectorXd x = a.partialPivLu().solve(b);
    mix(x.sum());
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    mix(qr.matrixQR().diagonal().cwiseAbs().sum());
    Eigen::MatrixXd s = a.transpose() * a;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(s);
    mix(eig.eigenvalues().maxCoeff());
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(a.topLeftCorner(24, 24), Eigen::ComputeThinU | Eigen::ComputeThinV);
    mix(svd.singularValues()(0));
    Eigen::MatrixXf f = a.cast<float>();
    for (int k = 0; k < 4; ++k) f = (f * f.transpose()).eval() / float(n * n);
    mix(double(f.norm()));
  }
}

// --- JSON ---------------------------------------------------------------------

void json(int scale) {
  Random r(7);
  for (int round = 0; round < scale; ++round) {
    nlohmann::json doc;
    doc["name"] = "cppbench";
    for (int i = 0; i < 3000; ++i) {
      nlohmann::json item;
      item["id"] = i;
      item["word"] = kWords[r.below(kNumWords)];
      item["score"] = r.uniform() * 100;
      item["tags"] = {kWords[r.below(kNumWords)], kWords[r.below(kNumWords)]};
      item["nested"] = {{"a", r.below(1000)}, {"b", r.uniform() < 0.5}};
      doc["items"].push_back(item);
    }
    std::string text = doc.dump();
    nlohmann::json back = nlohmann::json::parse(text, nullptr, false);
    if (back.is_discarded()) std::abort();
    double total = 0;
    std::map<std::string, int> byWord;
    for (const auto& item : back["items"]) {
      total += item["score"].get<double>();
      ++byWord[item["word"].get<std::string>()];
      if (item["nested"]["b"].get<bool>()) total += item["nested"]["a"].get<int>();
    }
    mix(total);
    for (const auto& [word, count] : byWord) mix(uint64_t(count) * word.size());
    mix(uint64_t(text.size()));
  }
}

// --- text: regular expressions, strings, sorting --------------------------------

void text(int scale) {
  Random r(99);
  std::regex pattern(R"(([a-z]+)-(\d+)(?:\.(\d+))?)");
  std::vector<std::string> lines;
  for (int i = 0; i < 400 * scale; ++i) {
    std::string line;
    for (int k = 0; k < 6; ++k) {
      line += kWords[r.below(kNumWords)];
      line += '-';
      line += std::to_string(r.below(100000));
      if (r.below(2)) line += "." + std::to_string(r.below(100));
      line += ' ';
    }
    lines.push_back(line);
  }
  std::unordered_map<std::string, uint64_t> sums;
  for (const std::string& line : lines) {
    for (std::sregex_iterator it(line.begin(), line.end(), pattern), end; it != end; ++it) {
      const std::smatch& m = *it;
      sums[m[1].str()] += std::stoull(m[2].str()) + (m[3].matched ? std::stoull(m[3].str()) : 0);
    }
  }
  std::vector<std::pair<std::string, uint64_t>> sorted(sums.begin(), sums.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [word, sum] : sorted) mix(sum ^ word.size());
  std::sort(lines.begin(), lines.end());
  mix(uint64_t(std::accumulate(lines.begin(), lines.end(), size_t(0),
                               [](size_t acc, const std::string& s) { return acc * 31 + s.size(); })));
}

}  // namespace

int main(int argc, char** argv) {
  int scale = argc > 1 ? std::atoi(argv[1]) : 4;
  if (scale < 1) scale = 1;
  linearAlgebra(scale);
  json(scale);
  text(scale);
  std::printf("cppbench N=%d checksum: 0x%016" PRIx64 "\n", scale, g_checksum);
  return 0;
}
