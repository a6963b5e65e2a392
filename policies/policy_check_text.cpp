#include "policy_check_text.hpp"

#include <cstdio>

namespace sluice::policy_check_text {

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// 500 -> "5%", 3333 -> "33.33%", 50 -> "0.5%".
std::string percent_text(std::uint32_t basis_points) {
  std::string out = std::to_string(basis_points / 100);
  const std::uint32_t fraction = basis_points % 100;
  if (fraction != 0) {
    out += '.';
    out += static_cast<char>('0' + fraction / 10);
    if (fraction % 10 != 0) out += static_cast<char>('0' + fraction % 10);
  }
  return out + "%";
}

// Thresholds as written: 2 -> "2", 1.5 -> "1.5".
std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", value);
  return buffer;
}

// A location for a field of `parent`: its mark, the field's path.
SourceLocation field_of(const SourceLocation& parent, std::string_view field) {
  SourceLocation out = parent;
  if (!out.path.empty()) out.path += '.';
  out.path += field;
  return out;
}

// Where a field was written, or else its parent mapping with the field's path.
SourceLocation written_or(const SourceLocation& written, const SourceLocation& parent,
                          std::string_view field) {
  return written.line > 0 || !written.path.empty() ? written : field_of(parent, field);
}

bool is_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool is_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace sluice::policy_check_text
