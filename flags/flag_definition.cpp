#include "sluice/flag_definition.hpp"

#include <array>
#include <utility>

namespace sluice {
namespace {

constexpr std::array<std::pair<FlagKind, const char*>, 4> kKindNames{{
    {FlagKind::Release, "release"},
    {FlagKind::Experiment, "experiment"},
    {FlagKind::Ops, "ops"},
    {FlagKind::Permission, "permission"},
}};

constexpr std::array<std::pair<Operator, const char*>, 21> kOperatorNames{{
    {Operator::Equals, "equals"},
    {Operator::NotEquals, "not_equals"},
    {Operator::In, "in"},
    {Operator::NotIn, "not_in"},
    {Operator::StartsWith, "starts_with"},
    {Operator::EndsWith, "ends_with"},
    {Operator::Contains, "contains"},
    {Operator::Matches, "matches"},
    {Operator::Lt, "lt"},
    {Operator::Lte, "lte"},
    {Operator::Gt, "gt"},
    {Operator::Gte, "gte"},
    {Operator::SemverEq, "semver_eq"},
    {Operator::SemverLt, "semver_lt"},
    {Operator::SemverLte, "semver_lte"},
    {Operator::SemverGt, "semver_gt"},
    {Operator::SemverGte, "semver_gte"},
    {Operator::Before, "before"},
    {Operator::After, "after"},
    {Operator::Exists, "exists"},
    {Operator::InSegment, "in_segment"},
}};

}  // namespace

const char* to_string(FlagKind kind) {
  for (const auto& [value, name] : kKindNames) {
    if (value == kind) return name;
  }
  return "release";
}

std::optional<FlagKind> parse_flag_kind(std::string_view s) {
  for (const auto& [value, name] : kKindNames) {
    if (s == name) return value;
  }
  return std::nullopt;
}

const char* to_string(Operator op) {
  for (const auto& [value, name] : kOperatorNames) {
    if (value == op) return name;
  }
  return "equals";
}

std::optional<Operator> parse_operator(std::string_view s) {
  for (const auto& [value, name] : kOperatorNames) {
    if (s == name) return value;
  }
  return std::nullopt;
}

}  // namespace sluice
