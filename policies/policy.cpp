#include "sluice/policy.hpp"

#include <cstdint>
#include <limits>
#include <string>

namespace sluice {

const char* to_string(NoDataAction action) {
  switch (action) {
    case NoDataAction::Hold:
      return "hold";
    case NoDataAction::Pause:
      return "pause";
  }
  return "hold";
}

std::optional<NoDataAction> parse_no_data_action(std::string_view s) {
  if (s == "hold") return NoDataAction::Hold;
  if (s == "pause") return NoDataAction::Pause;
  return std::nullopt;
}

const char* to_string(CheckDirection direction) {
  switch (direction) {
    case CheckDirection::HigherIsWorse:
      return "higher_is_worse";
    case CheckDirection::LowerIsWorse:
      return "lower_is_worse";
  }
  return "higher_is_worse";
}

std::optional<CheckDirection> parse_check_direction(std::string_view s) {
  if (s == "higher_is_worse") return CheckDirection::HigherIsWorse;
  if (s == "lower_is_worse") return CheckDirection::LowerIsWorse;
  return std::nullopt;
}

const char* to_string(CheckComparison comparison) {
  switch (comparison) {
    case CheckComparison::Absolute:
      return "absolute";
    case CheckComparison::Ratio:
      return "ratio";
  }
  return "absolute";
}

std::optional<CheckComparison> parse_check_comparison(std::string_view s) {
  if (s == "absolute") return CheckComparison::Absolute;
  if (s == "ratio") return CheckComparison::Ratio;
  return std::nullopt;
}

std::optional<PolicySeconds> parse_duration(std::string_view text) {
  // A year in seconds is 3.2e7: bound each number well below overflow.
  constexpr std::int64_t kMaxNumber = 1'000'000'000;
  static constexpr struct {
    char unit;
    std::int64_t seconds;
  } kUnits[] = {{'h', 3600}, {'m', 60}, {'s', 1}};
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must come largest first, each at most once
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      if (number > kMaxNumber) return std::nullopt;
      ++i;
    }
    if (i == start || i == text.size()) return std::nullopt;
    const char unit = text[i++];
    while (next_unit < std::size(kUnits) && kUnits[next_unit].unit != unit)
      ++next_unit;
    if (next_unit == std::size(kUnits)) return std::nullopt;
    total += number * kUnits[next_unit].seconds;
    ++next_unit;
  }
  return PolicySeconds(total);
}

std::string format_duration(PolicySeconds duration) {
  std::int64_t left = duration.count();
  if (left <= 0) return std::to_string(left) + "s";
  std::string out;
  const std::int64_t hours = left / 3600;
  left %= 3600;
  const std::int64_t minutes = left / 60;
  const std::int64_t seconds = left % 60;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (minutes > 0) out += std::to_string(minutes) + "m";
  if (seconds > 0) out += std::to_string(seconds) + "s";
  return out;
}

}  // namespace sluice
