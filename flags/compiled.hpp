#pragma once

// The compiled form of a flag set: what evaluation walks. Everything is resolved to indices
// (attribute slots, variant and segment indices) and every operand is pre-parsed, so evaluation
// does no lookup by name, no parsing of operands and no allocation.

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "semver.hpp"
#include "sluice/evaluation.hpp"
#include "sluice/flag_definition.hpp"
#include "sluice/snapshot.hpp"
#include "sluice/value.hpp"

namespace sluice::detail {

// FNV-1a over the bytes, optionally folding ASCII case, for string sets that are looked up by
// std::string_view (heterogeneous lookup: no temporary std::string).
struct FoldingHash {
  using is_transparent = void;
  bool fold = false;
  std::size_t operator()(std::string_view s) const;
};

struct FoldingEqual {
  using is_transparent = void;
  bool fold = false;
  bool operator()(std::string_view a, std::string_view b) const;
};

using StringSet = std::unordered_set<std::string, FoldingHash, FoldingEqual>;

// A scalar as the operators see it, whether it comes from a prepared slot or a list element.
struct Scalar {
  Value::Kind kind = Value::Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string_view text;
};

Scalar scalar_of(const Value& value);

inline Scalar scalar_of(const AttributeSlot& slot) {
  Scalar s;
  s.kind = slot.kind();
  if (s.kind == Value::Kind::String) {
    s.text = slot.text();
  } else if (s.kind == Value::Kind::Number) {
    s.number = slot.number();
  } else if (s.kind == Value::Kind::Bool) {
    s.boolean = slot.boolean();
  }
  return s;
}

// Operands of equals / in: a set per scalar type. A few case-sensitive strings are compared
// directly: for one or two short operands that beats hashing.
struct ScalarSet {
  static constexpr std::size_t kFewStrings = 8;
  StringSet strings;
  std::vector<std::string> few_strings;  // used instead of `strings` when small and exact
  bool use_few_strings = false;
  std::vector<double> numbers;  // sorted
  bool has_true = false;
  bool has_false = false;
  bool contains(const Scalar& s) const;  // false for a type the set cannot hold
};

// The operators left after normalisation (not_equals / not_in become negated equals / in).
enum class Test {
  InSet,
  StartsWith,
  EndsWith,
  Contains,
  Matches,
  NumberCompare,
  SemverCompare,
  InstantCompare,
  Exists,
  InSegment,
};

// <, <=, =, >=, > expressed as the set of orderings that satisfy it.
struct Comparison {
  bool less = false;
  bool equal = false;
  bool greater = false;
};

struct CompiledCondition {
  Test test = Test::Exists;
  std::uint32_t slot = 0;  // attribute slot
  bool negate = false;
  bool fold_case = false;
  ScalarSet set;
  std::vector<std::string> strings;  // starts_with / ends_with / contains, folded if needed
  std::vector<std::unique_ptr<RE2>> regexes;
  Comparison comparison;
  double number = 0;
  std::unique_ptr<const std::string> semver_text;  // heap-owned: `semver` views it across moves
  SemVer semver;
  std::int64_t instant_micros = 0;
  std::vector<std::uint32_t> segments;  // any of
};

struct CompiledSegment {
  std::string key;
  std::uint32_t id_slot = 0;
  StringSet ids;
  std::vector<CompiledCondition> conditions;  // all must hold, when there are any
};

struct CompiledSplit {
  std::uint32_t bucket_slot = 0;
  std::string salt;
  // Variants take consecutive ranges: a bucket below `upper_bounds[i]` (and not below the one
  // before) gets `variants[i]`.
  std::vector<std::uint32_t> upper_bounds;
  std::vector<std::uint32_t> variants;
};

struct CompiledServe {
  std::uint32_t variant = 0;  // when there is no split
  std::optional<CompiledSplit> split;
};

struct CompiledRule {
  std::string name;
  std::vector<std::uint32_t> segments;  // all of
  std::vector<CompiledCondition> conditions;
  CompiledServe serve;
};

struct CompiledPrerequisite {
  std::uint32_t flag = 0;
  std::string flag_key;
  std::vector<std::uint32_t> variants;  // of the prerequisite flag; any of
};

struct CompiledVariant {
  std::string name;
  Value value;
};

struct CompiledFlag {
  std::string key;
  // Set when the answer cannot depend on the context (disabled, or static with one variant):
  // evaluation then returns it without looking at anything else.
  std::optional<std::uint32_t> constant_variant;
  Reason constant_reason = Reason::Static;
  ValueType type = ValueType::Boolean;
  bool enabled = true;
  std::uint32_t off_variant = 0;
  std::vector<CompiledVariant> variants;
  std::vector<CompiledPrerequisite> prerequisites;
  std::vector<CompiledRule> rules;
  CompiledServe fallthrough;
  bool is_static() const { return rules.empty() && prerequisites.empty(); }
};

struct CompiledSet {
  FlagSet definitions;
  std::vector<CompiledFlag> flags;
  std::vector<CompiledSegment> segments;
  std::unordered_map<std::string, std::uint32_t, FoldingHash, FoldingEqual> flag_index;
  std::vector<std::string> attributes;  // slot -> name
  std::unordered_map<std::string, std::uint32_t, FoldingHash, FoldingEqual> attribute_slots;
};

using Slots = std::vector<AttributeSlot>;

// Condition and segment tests, shared by the evaluator (condition.cpp).
bool condition_holds(const CompiledCondition& condition, const CompiledSet& set,
                     const Slots& slots);
bool segment_contains(const CompiledSegment& segment, const CompiledSet& set, const Slots& slots);

// The text a value buckets and matches ids by: a string as is, an integral number in decimal
// (written into `buffer`). Empty optional for any other value.
std::optional<std::string_view> key_text(const Scalar& value, char (&buffer)[32]);

}  // namespace sluice::detail
