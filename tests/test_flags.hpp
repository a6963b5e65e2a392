#pragma once

// Small helpers to build FlagSets in C++ (no YAML reader involved) and to evaluate them with
// results that own their data (an Evaluation points into the snapshot; Outcome copies it).

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/context.hpp"
#include "sluice/evaluation.hpp"
#include "sluice/flag_definition.hpp"
#include "sluice/snapshot.hpp"
#include "sluice/value.hpp"

namespace sluice::test {

inline SourceLocation at(std::string path) {
  SourceLocation where;
  where.path = std::move(path);
  return where;
}

inline ConditionDefinition cond(std::string attribute, Operator op, std::vector<Value> values = {},
                                bool negate = false, bool case_insensitive = false) {
  ConditionDefinition c;
  c.attribute = std::move(attribute);
  c.op = op;
  c.values = std::move(values);
  c.negate = negate;
  c.case_insensitive = case_insensitive;
  c.where = at("condition");
  return c;
}

inline ConditionDefinition negated(ConditionDefinition c) {
  c.negate = !c.negate;
  return c;
}

inline ConditionDefinition folded(ConditionDefinition c) {
  c.case_insensitive = true;
  return c;
}

inline ConditionDefinition in_segment(std::vector<Value> segments, bool negate = false) {
  return cond("", Operator::InSegment, std::move(segments), negate);
}

inline ServeDefinition serve_variant(std::string name) {
  ServeDefinition serve;
  serve.variant = std::move(name);
  serve.where = at("serve");
  return serve;
}

// Weights in basis points (10000 = 100%), in bucket order.
inline ServeDefinition serve_split(std::vector<std::pair<std::string, std::uint32_t>> weights,
                                   std::optional<std::string> bucket_by = std::nullopt,
                                   std::optional<std::string> salt = std::nullopt) {
  SplitDefinition split;
  for (auto& [variant, basis_points] : weights) {
    split.weights.push_back(SplitWeight{std::move(variant), basis_points, at("weights")});
  }
  split.bucket_by = std::move(bucket_by);
  split.salt = std::move(salt);
  split.where = at("split");
  ServeDefinition serve;
  serve.split = std::move(split);
  serve.where = at("serve");
  return serve;
}

inline RuleDefinition rule(std::vector<ConditionDefinition> conditions, ServeDefinition serve,
                           std::string name = "", std::vector<std::string> segments = {}) {
  RuleDefinition r;
  r.name = std::move(name);
  r.conditions = std::move(conditions);
  r.segments = std::move(segments);
  r.serve = std::move(serve);
  r.where = at("rule");
  return r;
}

inline PrerequisiteDefinition prerequisite(std::string flag, std::vector<std::string> variants) {
  return PrerequisiteDefinition{std::move(flag), std::move(variants), at("prerequisite")};
}

// A flag with the given variants; the first is served by default, `off_variant` is the last one.
inline FlagDefinition flag(std::string key, std::vector<std::pair<std::string, Value>> variants) {
  FlagDefinition f;
  f.key = std::move(key);
  for (auto& [name, value] : variants) {
    f.variants.push_back(VariantDefinition{std::move(name), std::move(value), at("variant")});
  }
  f.off_variant = f.variants.empty() ? "" : f.variants.back().name;
  f.fallthrough = serve_variant(f.variants.empty() ? "" : f.variants.back().name);
  f.where = at("flag " + f.key);
  return f;
}

// variants on: true, off: false; off_variant off; default serves off.
inline FlagDefinition bool_flag(std::string key) {
  return flag(std::move(key), {{"on", Value(true)}, {"off", Value(false)}});
}

// String variants red, green, blue and off ("none"); off_variant off; default serves off.
inline FlagDefinition color_flag(std::string key) {
  return flag(std::move(key), {{"red", Value("red")},
                               {"green", Value("green")},
                               {"blue", Value("blue")},
                               {"off", Value("none")}});
}

inline SegmentDefinition id_segment(std::string key, std::vector<std::string> ids,
                                    std::string attribute = "targetingKey") {
  SegmentDefinition s;
  s.key = std::move(key);
  s.attribute = std::move(attribute);
  s.ids = std::move(ids);
  s.where = at("segment");
  return s;
}

inline SegmentDefinition condition_segment(std::string key,
                                           std::vector<ConditionDefinition> conditions) {
  SegmentDefinition s;
  s.key = std::move(key);
  s.conditions = std::move(conditions);
  s.where = at("segment");
  return s;
}

// Compiles and fails the current test (returning null) when there are diagnostics.
inline std::shared_ptr<const Snapshot> compile_ok(FlagSet set) {
  CompileResult result = compile_snapshot(std::move(set));
  std::string all;
  for (const auto& d : result.diagnostics)
    all += d.format() + "\n";
  EXPECT_TRUE(result.diagnostics.empty()) << all;
  EXPECT_NE(result.snapshot, nullptr);
  return result.diagnostics.empty() ? result.snapshot : nullptr;
}

// All diagnostics' messages, one per line (empty when the set compiles).
inline std::string diagnostics_text(const CompileResult& result) {
  std::string all;
  for (const auto& d : result.diagnostics)
    all += d.message + "\n";
  return all;
}

// Compiles `set`, expects it to fail, and returns all messages.
inline std::string compile_errors(FlagSet set) {
  CompileResult result = compile_snapshot(std::move(set));
  EXPECT_EQ(result.snapshot, nullptr);
  EXPECT_FALSE(result.diagnostics.empty());
  return diagnostics_text(result);
}

// An Evaluation with its strings and value copied out of the snapshot.
struct Outcome {
  std::optional<Value> value;
  std::string variant;
  Reason reason = Reason::Error;
  int rule_index = -1;
  std::string rule_name;
  ErrorCode error = ErrorCode::None;
};

inline Outcome copy_out(const Evaluation& e) {
  Outcome o;
  if (e.value != nullptr) o.value = *e.value;
  o.variant = std::string(e.variant);
  o.reason = e.reason;
  o.rule_index = e.rule_index;
  o.rule_name = std::string(e.rule_name);
  o.error = e.error;
  return o;
}

inline Outcome evaluate(const Snapshot& snapshot, std::string_view key, const Context& context,
                        std::optional<ValueType> expected = std::nullopt) {
  PreparedContext prepared = snapshot.prepare(context);
  return copy_out(snapshot.evaluate(key, prepared, expected));
}

// One flag `f` with a single rule made of `conditions` serving `on`, default `off`; returns
// whether the rule matched. Compiles `segments` alongside. Fails the test on diagnostics.
inline bool rule_matches(std::vector<ConditionDefinition> conditions, const Context& context,
                         std::vector<SegmentDefinition> segments = {}) {
  FlagDefinition f = bool_flag("f");
  f.rules.push_back(rule(std::move(conditions), serve_variant("on"), "r"));
  auto snapshot = compile_ok(FlagSet{{std::move(f)}, std::move(segments)});
  if (!snapshot) return false;
  Outcome o = evaluate(*snapshot, "f", context);
  EXPECT_EQ(o.error, ErrorCode::None);
  if (o.variant == "on") {
    EXPECT_EQ(o.reason, Reason::TargetingMatch);
    EXPECT_EQ(o.rule_index, 0);
    return true;
  }
  EXPECT_EQ(o.variant, "off");
  EXPECT_EQ(o.reason, Reason::Default);
  EXPECT_EQ(o.rule_index, -1);
  return false;
}

inline bool rule_matches(ConditionDefinition condition, const Context& context,
                         std::vector<SegmentDefinition> segments = {}) {
  std::vector<ConditionDefinition> conditions;
  conditions.push_back(std::move(condition));
  return rule_matches(std::move(conditions), context, std::move(segments));
}

// A context with one attribute.
inline Context with(std::string_view name, Value value) {
  Context c;
  c.set(name, std::move(value));
  return c;
}

inline Value list(std::vector<Value> values) {
  return Value(Value::Array(std::move(values)));
}

}  // namespace sluice::test
