#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sluice/source_location.hpp"
#include "sluice/value.hpp"

// Flag and segment definitions as written by people (YAML) or sent over the API (JSON), before
// compilation. Nothing here is validated beyond its shape; `compile_snapshot` checks references,
// weights, cycles and operands. See docs/flag-format.md for the written form.
namespace sluice {

enum class FlagKind { Release, Experiment, Ops, Permission };

enum class Operator {
  Equals,
  NotEquals,
  In,
  NotIn,
  StartsWith,
  EndsWith,
  Contains,
  Matches,  // RE2, unanchored: `^...$` to match the whole value
  Lt,
  Lte,
  Gt,
  Gte,
  SemverEq,
  SemverLt,
  SemverLte,
  SemverGt,
  SemverGte,
  Before,  // RFC 3339 instants
  After,
  Exists,
  InSegment,
};

struct ConditionDefinition {
  std::string attribute;  // context attribute; unused by in_segment
  Operator op = Operator::Equals;
  std::vector<Value> values;  // `value: x` is read as a one-element list
  bool negate = false;
  bool case_insensitive = false;  // string operators only
  SourceLocation where;
};

// Basis points: 10000 is 100%, so weights have 0.01% resolution.
inline constexpr std::uint32_t kTotalBasisPoints = 10000;

struct SplitWeight {
  std::string variant;
  std::uint32_t basis_points = 0;
  SourceLocation where;
};

struct SplitDefinition {
  std::vector<SplitWeight> weights;      // variants take consecutive bucket ranges in this order
  std::optional<std::string> bucket_by;  // falls back to the flag's, then `targetingKey`
  std::optional<std::string> salt;       // falls back to the flag's, then the flag key
  SourceLocation where;
};

// What a rule or the default serves: exactly one of a variant or a split.
struct ServeDefinition {
  std::optional<std::string> variant;
  std::optional<SplitDefinition> split;
  SourceLocation where;
};

struct RuleDefinition {
  std::string name;                             // optional; results report the index when empty
  std::vector<ConditionDefinition> conditions;  // all must hold
  std::vector<std::string> segments;            // the context must be in every one of them
  ServeDefinition serve;
  SourceLocation where;
};

struct PrerequisiteDefinition {
  std::string flag;
  std::vector<std::string> variants;  // the prerequisite flag must serve one of these
  SourceLocation where;
};

struct VariantDefinition {
  std::string name;
  Value value;
  SourceLocation where;
};

struct FlagDefinition {
  std::string key;
  std::string description;
  FlagKind kind = FlagKind::Release;
  std::string owner;
  std::vector<std::string> tags;
  std::optional<std::string> created;  // RFC 3339, as written
  std::optional<std::string> updated;
  std::vector<VariantDefinition> variants;
  bool enabled = true;
  std::string off_variant;
  std::optional<std::string> bucket_by;  // default bucketing attribute for this flag's splits
  std::optional<std::string> salt;       // default salt for this flag's splits
  std::vector<PrerequisiteDefinition> prerequisites;
  std::vector<RuleDefinition> rules;  // first match wins
  ServeDefinition fallthrough;        // written `default:`
  SourceLocation where;
  // Not part of the format: set when a rollout, not the definition, decides the default (the
  // snapshot's rollout overlay), in words for explanations: "the rollout of checkout-v2
  // (completed on 2026-03-01T12:00:00.000Z; rollout 12)".
  std::string served_by;
};

// A reusable audience: contexts whose `attribute` is one of `ids`, or that meet every condition
// (when there are conditions). Segment conditions cannot reference other segments.
struct SegmentDefinition {
  std::string key;
  std::string description;
  std::string attribute = "targetingKey";
  std::vector<std::string> ids;
  std::vector<ConditionDefinition> conditions;
  SourceLocation where;
};

struct FlagSet {
  std::vector<FlagDefinition> flags;
  std::vector<SegmentDefinition> segments;
};

inline constexpr const char* kDefaultBucketBy = "targetingKey";

const char* to_string(FlagKind kind);
std::optional<FlagKind> parse_flag_kind(std::string_view s);
const char* to_string(Operator op);
std::optional<Operator> parse_operator(std::string_view s);

}  // namespace sluice
