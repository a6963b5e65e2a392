#include <algorithm>
#include <charconv>
#include <cmath>

#include "compiled.hpp"
#include "timestamp.hpp"

namespace sluice::detail {
namespace {

char fold(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_text(std::string_view a, std::string_view b, bool fold_case) {
  if (a.size() != b.size()) return false;
  if (!fold_case) return a == b;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

bool contains_text(std::string_view haystack, std::string_view needle, bool fold_case) {
  if (!fold_case) return haystack.find(needle) != std::string_view::npos;
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (equal_text(haystack.substr(i, needle.size()), needle, true)) return true;
  }
  return false;
}

// The outcome of one operator on one value. A missing attribute is `False`, so negation makes it
// true; a value of the wrong type is `Invalid`, which stays false even when negated.
enum class Outcome { False, True, Invalid };

Outcome of(bool b) {
  return b ? Outcome::True : Outcome::False;
}

bool satisfies(std::strong_ordering order, const Comparison& wanted) {
  if (order == std::strong_ordering::less) return wanted.less;
  if (order == std::strong_ordering::greater) return wanted.greater;
  return wanted.equal;
}

std::optional<std::int64_t> instant_of(const Value& v) {
  if (v.is_string()) return parse_rfc3339_micros(v.as_string());
  if (v.is_number() && std::isfinite(v.as_number())) {
    // Unix milliseconds. Saturate far outside RFC 3339's range (years 0000-9999) so that the
    // conversion cannot overflow (undefined behaviour) and such values still order correctly.
    constexpr double kLimitMillis = 1e15;  // about year 33,658
    const double millis = std::clamp(v.as_number(), -kLimitMillis, kLimitMillis);
    return static_cast<std::int64_t>(millis * 1000.0);
  }
  return std::nullopt;
}

Outcome test_scalar(const CompiledCondition& c, const Value& v) {
  switch (c.test) {
    case Test::InSet:
      if (!v.is_string() && !v.is_number() && !v.is_bool()) return Outcome::Invalid;
      return of(c.set.contains(v));
    case Test::StartsWith:
    case Test::EndsWith:
    case Test::Contains: {
      if (!v.is_string()) return Outcome::Invalid;
      std::string_view s = v.as_string();
      for (const auto& operand : c.strings) {
        bool hit = false;
        if (c.test == Test::Contains) {
          hit = contains_text(s, operand, c.fold_case);
        } else if (operand.size() <= s.size()) {
          std::string_view part = c.test == Test::StartsWith ? s.substr(0, operand.size())
                                                             : s.substr(s.size() - operand.size());
          hit = equal_text(part, operand, c.fold_case);
        }
        if (hit) return Outcome::True;
      }
      return Outcome::False;
    }
    case Test::Matches: {
      if (!v.is_string()) return Outcome::Invalid;
      for (const auto& re : c.regexes) {
        if (RE2::PartialMatch(v.as_string(), *re)) return Outcome::True;
      }
      return Outcome::False;
    }
    case Test::NumberCompare: {
      if (!v.is_number() || std::isnan(v.as_number())) return Outcome::Invalid;
      double x = v.as_number();
      auto order = x < c.number   ? std::strong_ordering::less
                   : x > c.number ? std::strong_ordering::greater
                                  : std::strong_ordering::equal;
      return of(satisfies(order, c.comparison));
    }
    case Test::SemverCompare: {
      if (!v.is_string()) return Outcome::Invalid;
      auto version = SemVer::parse(v.as_string());
      if (!version) return Outcome::Invalid;
      return of(satisfies(compare(*version, c.semver), c.comparison));
    }
    case Test::InstantCompare: {
      auto instant = instant_of(v);
      if (!instant) return Outcome::Invalid;
      return of(satisfies(*instant <=> c.instant_micros, c.comparison));
    }
    case Test::Exists:
    case Test::InSegment:
      break;  // handled before values are looked at
  }
  return Outcome::Invalid;
}

Outcome test_value(const CompiledCondition& c, const Value& v) {
  if (!v.is_array()) return test_scalar(c, v);
  // A list satisfies the operator when any element does.
  Outcome result = Outcome::Invalid;
  if (v.as_array().empty()) return Outcome::False;
  for (const auto& element : v.as_array()) {
    Outcome one = element.is_array() ? Outcome::Invalid : test_scalar(c, element);
    if (one == Outcome::True) return Outcome::True;
    if (one == Outcome::False) result = Outcome::False;
  }
  return result;
}

}  // namespace

std::size_t FoldingHash::operator()(std::string_view s) const {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(fold ? sluice::detail::fold(c) : c);
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h);
}

bool FoldingEqual::operator()(std::string_view a, std::string_view b) const {
  return equal_text(a, b, fold);
}

bool ScalarSet::contains(const Value& v) const {
  switch (v.kind()) {
    case Value::Kind::String:
      return strings.find(std::string_view(v.as_string())) != strings.end();
    case Value::Kind::Number:
      return std::binary_search(numbers.begin(), numbers.end(), v.as_number());
    case Value::Kind::Bool:
      return v.as_bool() ? has_true : has_false;
    default:
      return false;
  }
}

std::optional<std::string_view> key_text(const Value& value, char (&buffer)[32]) {
  if (value.is_string()) return std::string_view(value.as_string());
  if (value.is_number()) {
    double d = value.as_number();
    if (d != std::trunc(d) || std::fabs(d) >= 9.007199254740992e15) return std::nullopt;
    auto result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(d));
    return std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer));
  }
  return std::nullopt;
}

bool condition_holds(const CompiledCondition& c, const CompiledSet& set,
                     const std::vector<const Value*>& slots) {
  Outcome outcome;
  if (c.test == Test::InSegment) {
    bool any = std::any_of(c.segments.begin(), c.segments.end(), [&](std::uint32_t s) {
      return segment_contains(set.segments[s], set, slots);
    });
    outcome = of(any);
  } else {
    const Value* value = slots[c.slot];
    if (c.test == Test::Exists) {
      outcome = of(value != nullptr && !value->is_null());
    } else if (value == nullptr || value->is_null()) {
      outcome = Outcome::False;
    } else {
      outcome = test_value(c, *value);
    }
  }
  if (outcome == Outcome::Invalid) return false;
  return (outcome == Outcome::True) != c.negate;
}

bool segment_contains(const CompiledSegment& segment, const CompiledSet& set,
                      const std::vector<const Value*>& slots) {
  if (!segment.ids.empty()) {
    if (const Value* value = slots[segment.id_slot]) {
      char buffer[32];
      if (auto text = key_text(*value, buffer); text && segment.ids.contains(*text)) return true;
    }
  }
  if (segment.conditions.empty()) return false;
  return std::all_of(segment.conditions.begin(), segment.conditions.end(),
                     [&](const CompiledCondition& c) { return condition_holds(c, set, slots); });
}

}  // namespace sluice::detail
