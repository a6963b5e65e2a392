#include <algorithm>
#include <charconv>
#include <cmath>

#include "compiled.hpp"
#include "sluice/timestamp.hpp"

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

std::optional<std::int64_t> instant_of(const Scalar& v) {
  if (v.kind == Value::Kind::String) return parse_rfc3339_micros(v.text);
  if (v.kind == Value::Kind::Number && std::isfinite(v.number)) {
    // Unix milliseconds. Saturate far outside RFC 3339's range (years 0000-9999) so that the
    // conversion cannot overflow (undefined behaviour) and such values still order correctly.
    constexpr double kLimitMillis = 1e15;  // about year 33,658
    const double millis = std::clamp(v.number, -kLimitMillis, kLimitMillis);
    return static_cast<std::int64_t>(millis * 1000.0);
  }
  return std::nullopt;
}

Outcome test_scalar(const CompiledCondition& c, const Scalar& v) {
  const bool is_string = v.kind == Value::Kind::String;
  switch (c.test) {
    case Test::InSet:
      if (!is_string && v.kind != Value::Kind::Number && v.kind != Value::Kind::Bool) {
        return Outcome::Invalid;
      }
      return of(c.set.contains(v));
    case Test::StartsWith:
    case Test::EndsWith:
    case Test::Contains: {
      if (!is_string) return Outcome::Invalid;
      std::string_view s = v.text;
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
      if (!is_string) return Outcome::Invalid;
      const re2::StringPiece text(v.text.data(), v.text.size());
      for (const auto& re : c.regexes) {
        if (RE2::PartialMatch(text, *re)) return Outcome::True;
      }
      return Outcome::False;
    }
    case Test::NumberCompare: {
      if (v.kind != Value::Kind::Number || std::isnan(v.number)) return Outcome::Invalid;
      double x = v.number;
      auto order = x < c.number   ? std::strong_ordering::less
                   : x > c.number ? std::strong_ordering::greater
                                  : std::strong_ordering::equal;
      return of(satisfies(order, c.comparison));
    }
    case Test::SemverCompare: {
      if (!is_string) return Outcome::Invalid;
      auto version = SemVer::parse(v.text);
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

Outcome test_slot(const CompiledCondition& c, const AttributeSlot& slot) {
  if (slot.kind() != Value::Kind::Array) return test_scalar(c, scalar_of(slot));
  // A list satisfies the operator when any element does.
  const auto& elements = slot.value()->as_array();
  if (elements.empty()) return Outcome::False;
  Outcome result = Outcome::Invalid;
  for (const auto& element : elements) {
    Outcome one = element.is_array() ? Outcome::Invalid : test_scalar(c, scalar_of(element));
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

Scalar scalar_of(const Value& value) {
  Scalar s;
  s.kind = value.kind();
  switch (s.kind) {
    case Value::Kind::Bool:
      s.boolean = value.as_bool();
      break;
    case Value::Kind::Number:
      s.number = value.as_number();
      break;
    case Value::Kind::String:
      s.text = value.as_string();
      break;
    default:
      break;
  }
  return s;
}

bool ScalarSet::contains(const Scalar& v) const {
  switch (v.kind) {
    case Value::Kind::String:
      if (use_few_strings) {
        return std::any_of(few_strings.begin(), few_strings.end(),
                           [&](const std::string& s) { return s == v.text; });
      }
      return strings.find(v.text) != strings.end();
    case Value::Kind::Number:
      return std::binary_search(numbers.begin(), numbers.end(), v.number);
    case Value::Kind::Bool:
      return v.boolean ? has_true : has_false;
    default:
      return false;
  }
}

std::optional<std::string_view> key_text(const Scalar& value, char (&buffer)[32]) {
  if (value.kind == Value::Kind::String) return value.text;
  if (value.kind == Value::Kind::Number) {
    double d = value.number;
    if (d != std::trunc(d) || std::fabs(d) >= 9.007199254740992e15) return std::nullopt;
    auto result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(d));
    return std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer));
  }
  return std::nullopt;
}

bool condition_holds(const CompiledCondition& c, const CompiledSet& set, const Slots& slots) {
  Outcome outcome;
  if (c.test == Test::InSegment) {
    bool any = std::any_of(c.segments.begin(), c.segments.end(), [&](std::uint32_t s) {
      return segment_contains(set.segments[s], set, slots);
    });
    outcome = of(any);
  } else {
    const AttributeSlot& slot = slots[c.slot];
    const bool missing = !slot.present() || slot.kind() == Value::Kind::Null;
    if (c.test == Test::Exists) {
      outcome = of(!missing);
    } else if (missing) {
      outcome = Outcome::False;
    } else {
      outcome = test_slot(c, slot);
    }
  }
  if (outcome == Outcome::Invalid) return false;
  return (outcome == Outcome::True) != c.negate;
}

bool segment_contains(const CompiledSegment& segment, const CompiledSet& set, const Slots& slots) {
  if (!segment.ids.empty()) {
    const AttributeSlot& slot = slots[segment.id_slot];
    if (slot.present()) {
      char buffer[32];
      if (auto text = key_text(scalar_of(slot), buffer); text && segment.ids.contains(*text)) {
        return true;
      }
    }
  }
  if (segment.conditions.empty()) return false;
  return std::all_of(segment.conditions.begin(), segment.conditions.end(),
                     [&](const CompiledCondition& c) { return condition_holds(c, set, slots); });
}

}  // namespace sluice::detail
