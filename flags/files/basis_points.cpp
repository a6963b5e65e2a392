#include "basis_points.hpp"

#include <string>

#include "sluice/flag_definition.hpp"

namespace sluice::detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::optional<std::uint32_t> percent_to_basis_points(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '+') ++i;

  // The number is `digits` * 10^-scale.
  std::string digits;
  int scale = 0;
  while (i < text.size() && is_digit(text[i]))
    digits += text[i++];
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      digits += text[i++];
      ++scale;
    }
  }
  if (digits.empty()) return std::nullopt;

  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    if (i == text.size() || !is_digit(text[i])) return std::nullopt;
    int exponent = 0;
    while (i < text.size() && is_digit(text[i])) {
      // Any exponent past a few digits is out of range either way; stop before overflowing.
      if (exponent < 100000) exponent = exponent * 10 + (text[i] - '0');
      ++i;
    }
    scale += negative ? exponent : -exponent;
  }
  if (i != text.size()) return std::nullopt;

  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 0;
  digits.erase(0, first);
  while (scale > 2 && digits.back() == '0') {  // 5.000 is exactly 5
    digits.pop_back();
    --scale;
  }
  if (scale > 2) return std::nullopt;

  // Basis points are digits * 10^(2 - scale); more than five digits is past 100%.
  const int shift = 2 - scale;
  if (static_cast<long>(digits.size()) + shift > 5) return std::nullopt;
  std::uint32_t basis_points = 0;
  for (const char c : digits)
    basis_points = basis_points * 10 + static_cast<std::uint32_t>(c - '0');
  for (int k = 0; k < shift; ++k)
    basis_points *= 10;
  if (basis_points > kTotalBasisPoints) return std::nullopt;
  return basis_points;
}

}  // namespace sluice::detail
