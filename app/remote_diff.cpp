#include "remote_diff.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <vector>

namespace sluice::app {
namespace {

constexpr std::size_t kContext = 3;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

enum class Op { Keep, Remove, Add };
struct Edit {
  Op op;
  std::size_t a;  // line index in `before` (Keep, Remove)
  std::size_t b;  // line index in `after` (Keep, Add)
};

std::vector<Edit> edits(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<Edit> out;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out.push_back({Op::Keep, i++, j++});
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push_back({Op::Remove, i++, j});  // removals before additions, as diff -u writes them
    } else {
      out.push_back({Op::Add, i, j++});
    }
  }
  return out;
}

std::string range(std::size_t start, std::size_t count) {
  // diff -u numbers lines from 1, and an empty range by the line before it.
  if (count == 0) return fmt::format("{},0", start);
  if (count == 1) return fmt::format("{}", start + 1);
  return fmt::format("{},{}", start + 1, count);
}

}  // namespace

std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& before_name, const std::string& after_name) {
  const auto a = split_lines(before);
  const auto b = split_lines(after);
  const auto script = edits(a, b);
  std::string out;
  std::size_t k = 0;
  while (k < script.size()) {
    while (k < script.size() && script[k].op == Op::Keep)
      ++k;
    if (k == script.size()) break;
    // A hunk: back up for context, then run on while changes are at most 2*context apart.
    std::size_t start = k >= kContext ? k - kContext : 0;
    std::size_t end = k;
    std::size_t keeps = 0;
    while (end < script.size()) {
      if (script[end].op == Op::Keep) {
        if (++keeps > 2 * kContext) break;
      } else {
        keeps = 0;
      }
      ++end;
    }
    std::size_t trailing = 0;
    while (trailing < end - k && script[end - 1 - trailing].op == Op::Keep)
      ++trailing;
    end -= trailing - std::min(trailing, kContext);
    std::size_t a_count = 0, b_count = 0;
    for (std::size_t i = start; i < end; ++i) {
      if (script[i].op != Op::Add) ++a_count;
      if (script[i].op != Op::Remove) ++b_count;
    }
    if (out.empty()) out = "--- " + before_name + "\n+++ " + after_name + "\n";
    out +=
        "@@ -" + range(script[start].a, a_count) + " +" + range(script[start].b, b_count) + " @@\n";
    for (std::size_t i = start; i < end; ++i) {
      const Edit& e = script[i];
      if (e.op == Op::Keep) out += " " + a[e.a] + "\n";
      if (e.op == Op::Remove) out += "-" + a[e.a] + "\n";
      if (e.op == Op::Add) out += "+" + b[e.b] + "\n";
    }
    k = end;
  }
  return out;
}

}  // namespace sluice::app
