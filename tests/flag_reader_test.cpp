// The YAML reader and the file loader: examples, scalar typing, every kind of diagnostic with its
// exact text and position, multi-document files and folders.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "files/basis_points.hpp"
#include "sluice/flag_loader.hpp"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kSourceDir = SLUICE_SOURCE_DIR;
const std::string kExamples = kSourceDir + "/examples/flags";
const std::string kData = kSourceDir + "/tests/data/reader";

LoadResult read_yaml(std::string_view text) {
  LoadResult result;
  read_flag_yaml(text, "f.yaml", result);
  return result;
}

std::vector<std::string> messages(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& diagnostic : result.diagnostics)
    out.push_back(diagnostic.format());
  return out;
}

const FlagDefinition* find_flag(const LoadResult& result, std::string_view key) {
  for (const auto& flag : result.definitions.flags) {
    if (flag.key == key) return &flag;
  }
  return nullptr;
}

std::vector<std::string> flag_keys(const LoadResult& result) {
  std::vector<std::string> keys;
  for (const auto& flag : result.definitions.flags)
    keys.push_back(flag.key);
  return keys;
}

// A valid flag to which a test appends one broken part.
constexpr std::string_view kFlagHead =
    "key: x\n"
    "variants: {on: true, off: false}\n"
    "off_variant: off\n";

// --- The examples -------------------------------------------------------------------------------

TEST(FlagReaderExamples, AllLoadWithoutDiagnosticsInSortedOrder) {
  const LoadResult result = load_flag_paths({kExamples});
  EXPECT_THAT(messages(result), IsEmpty());
  EXPECT_THAT(flag_keys(result), ElementsAre("ai-chatbot", "bulk-invoice-api", "maintenance-mode",
                                             "new-pdf-engine", "redesigned-dashboard"));
  EXPECT_THAT(result.definitions.segments, IsEmpty());
}

TEST(FlagReaderExamples, NewPdfEngine) {
  const LoadResult result = load_flag_paths({kExamples + "/new-pdf-engine.yaml"});
  ASSERT_THAT(messages(result), IsEmpty());
  ASSERT_EQ(result.definitions.flags.size(), 1u);
  const FlagDefinition& flag = result.definitions.flags[0];
  EXPECT_EQ(flag.key, "new-pdf-engine");
  EXPECT_EQ(flag.description,
            "New PDF export engine (streams invoices with more than 200 line items)");
  EXPECT_EQ(flag.kind, FlagKind::Release);
  EXPECT_EQ(flag.owner, "team-billing");
  EXPECT_THAT(flag.tags, ElementsAre("billing", "pdf"));
  EXPECT_EQ(flag.created, "2026-11-02T09:00:00Z");
  EXPECT_EQ(flag.updated, "2026-11-16T14:20:00Z");
  ASSERT_EQ(flag.variants.size(), 2u);
  EXPECT_EQ(flag.variants[0].name, "on");
  EXPECT_EQ(flag.variants[0].value, Value(true));
  EXPECT_EQ(flag.variants[1].name, "off");
  EXPECT_EQ(flag.variants[1].value, Value(false));
  EXPECT_TRUE(flag.enabled);
  EXPECT_EQ(flag.off_variant, "off");
  EXPECT_FALSE(flag.bucket_by.has_value());
  EXPECT_FALSE(flag.salt.has_value());
  EXPECT_THAT(flag.rules, IsEmpty());
  EXPECT_THAT(flag.prerequisites, IsEmpty());

  EXPECT_FALSE(flag.fallthrough.variant.has_value());
  ASSERT_TRUE(flag.fallthrough.split.has_value());
  const SplitDefinition& split = *flag.fallthrough.split;
  EXPECT_EQ(split.bucket_by, "accountId");
  EXPECT_FALSE(split.salt.has_value());
  ASSERT_EQ(split.weights.size(), 2u);
  EXPECT_EQ(split.weights[0].variant, "on");
  EXPECT_EQ(split.weights[0].basis_points, 500u);
  EXPECT_EQ(split.weights[1].variant, "off");
  EXPECT_EQ(split.weights[1].basis_points, 9500u);

  // Positions: the flag starts after two comment lines; `on: 5` is on line 19.
  EXPECT_EQ(flag.where.file, kExamples + "/new-pdf-engine.yaml");
  EXPECT_EQ(flag.where.line, 3);
  EXPECT_EQ(flag.where.column, 1);
  EXPECT_EQ(split.weights[0].where.line, 19);
  EXPECT_EQ(split.weights[0].where.column, 7);
  EXPECT_EQ(split.weights[0].where.path, "default.split.weights.on");
  EXPECT_EQ(flag.variants[1].where.line, 12);
  EXPECT_EQ(flag.variants[1].where.path, "variants.off");
}

TEST(FlagReaderExamples, AiChatbotRules) {
  const LoadResult result = load_flag_paths({kExamples + "/ai-chatbot.yaml"});
  ASSERT_THAT(messages(result), IsEmpty());
  const FlagDefinition& flag = result.definitions.flags.at(0);
  EXPECT_EQ(flag.owner, "team-ai");
  EXPECT_THAT(flag.tags, ElementsAre("ai", "support"));
  EXPECT_FALSE(flag.updated.has_value());
  ASSERT_EQ(flag.rules.size(), 1u);
  const RuleDefinition& rule = flag.rules[0];
  EXPECT_EQ(rule.name, "free plan in US and GB");
  EXPECT_THAT(rule.segments, IsEmpty());
  ASSERT_EQ(rule.conditions.size(), 2u);
  EXPECT_EQ(rule.conditions[0].attribute, "plan");
  EXPECT_EQ(rule.conditions[0].op, Operator::Equals);
  EXPECT_THAT(rule.conditions[0].values, ElementsAre(Value("free")));
  EXPECT_EQ(rule.conditions[1].attribute, "country");
  EXPECT_EQ(rule.conditions[1].op, Operator::In);
  EXPECT_THAT(rule.conditions[1].values, ElementsAre(Value("US"), Value("GB")));
  EXPECT_FALSE(rule.conditions[1].negate);
  EXPECT_FALSE(rule.conditions[1].case_insensitive);
  EXPECT_EQ(rule.conditions[1].where.line, 18);
  EXPECT_EQ(rule.conditions[1].where.column, 9);
  EXPECT_EQ(rule.conditions[1].where.path, "rules[0].conditions[1]");
  EXPECT_EQ(rule.serve.variant, "on");
  EXPECT_FALSE(rule.serve.split.has_value());
  EXPECT_EQ(flag.fallthrough.variant, "off");
  EXPECT_FALSE(flag.fallthrough.split.has_value());
}

TEST(FlagReaderExamples, KindsSwitchesAndStringVariants) {
  const LoadResult result = load_flag_paths({kExamples});
  ASSERT_THAT(messages(result), IsEmpty());

  const FlagDefinition* bulk = find_flag(result, "bulk-invoice-api");
  ASSERT_NE(bulk, nullptr);
  EXPECT_EQ(bulk->kind, FlagKind::Permission);
  EXPECT_THAT(bulk->rules.at(0).conditions.at(0).values,
              ElementsAre(Value("acct-1042"), Value("acct-2718"), Value("acct-3141")));

  const FlagDefinition* maintenance = find_flag(result, "maintenance-mode");
  ASSERT_NE(maintenance, nullptr);
  EXPECT_EQ(maintenance->kind, FlagKind::Ops);
  EXPECT_FALSE(maintenance->enabled);
  EXPECT_EQ(maintenance->fallthrough.variant, "on");

  const FlagDefinition* dashboard = find_flag(result, "redesigned-dashboard");
  ASSERT_NE(dashboard, nullptr);
  EXPECT_EQ(dashboard->kind, FlagKind::Experiment);
  ASSERT_EQ(dashboard->variants.size(), 2u);
  EXPECT_EQ(dashboard->variants[0].name, "old");
  EXPECT_EQ(dashboard->variants[0].value, Value("classic"));
  EXPECT_EQ(dashboard->variants[1].value, Value("redesigned"));
  EXPECT_EQ(dashboard->off_variant, "old");
  const auto& split = dashboard->fallthrough.split;
  ASSERT_TRUE(split.has_value());
  EXPECT_FALSE(split->bucket_by.has_value());
  ASSERT_EQ(split->weights.size(), 2u);
  EXPECT_EQ(split->weights[0].basis_points, 5000u);
  EXPECT_EQ(split->weights[1].variant, "new");
}

// --- Scalar typing ------------------------------------------------------------------------------

TEST(FlagReaderTyping, PlainQuotedAndObjectValues) {
  const LoadResult result = read_yaml(R"(key: typed
variants:
  on: true
  off: false
  yes: "true"
  n: 5
  neg: -2.5
  s: '5'
  block: |
    two lines
  obj: {color: red, sizes: [1, 2], nested: {a: null, b: yes, c: ~}}
off_variant: off
default: {variant: off}
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const auto& variants = result.definitions.flags.at(0).variants;
  ASSERT_EQ(variants.size(), 8u);
  // Names are the key text: YAML 1.1 would have read `on`, `off` and `yes` as booleans.
  EXPECT_EQ(variants[0].name, "on");
  EXPECT_EQ(variants[1].name, "off");
  EXPECT_EQ(variants[2].name, "yes");
  EXPECT_EQ(variants[0].value, Value(true));
  EXPECT_EQ(variants[1].value, Value(false));
  EXPECT_EQ(variants[2].value, Value("true"));
  EXPECT_EQ(variants[3].value, Value(5));
  EXPECT_EQ(variants[4].value, Value(-2.5));
  EXPECT_EQ(variants[5].value, Value("5"));
  EXPECT_EQ(variants[6].value, Value("two lines\n"));
  const Value expected(Value::Object{
      {"color", Value("red")},
      {"sizes", Value(Value::Array{Value(1), Value(2)})},
      {"nested", Value(Value::Object{{"a", Value()}, {"b", Value("yes")}, {"c", Value()}})},
  });
  EXPECT_EQ(variants[7].value, expected);
}

TEST(FlagReaderTyping, ConditionOperands) {
  const LoadResult result = read_yaml(std::string(kFlagHead) + R"(rules:
  - conditions:
      - {attribute: a, op: in, values: [1, "1", true, on, 1.5e2, 0x10, 2026-01-01, .inf]}
    serve: {variant: on}
default: {variant: off}
)");
  ASSERT_THAT(messages(result), IsEmpty());
  EXPECT_THAT(result.definitions.flags.at(0).rules.at(0).conditions.at(0).values,
              ElementsAre(Value(1), Value("1"), Value(true), Value("on"), Value(150), Value(16),
                          Value("2026-01-01"), Value(".inf")));
}

TEST(FlagReaderTyping, BooleansAreOnlyTrueAndFalse) {
  const LoadResult result = read_yaml(std::string(kFlagHead) + R"(enabled: yes
default: {variant: off}
)");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:4:10: field 'enabled' must be a boolean, got string"));
}

// --- Diagnostics --------------------------------------------------------------------------------

TEST(FlagReaderDiagnostics, UnknownFieldInRule) {
  const LoadResult result = read_yaml(std::string(kFlagHead) + R"(rules:
  - name: r
    xyz: 1
    serve: {variant: on}
default: {variant: off}
)");
  EXPECT_THAT(messages(result), ElementsAre("f.yaml:6:5: unknown field 'xyz' in rule"));
  EXPECT_EQ(result.diagnostics.at(0).where.path, "rules[0].xyz");
  // The rest of the flag is still read.
  EXPECT_EQ(result.definitions.flags.at(0).rules.at(0).serve.variant, "on");
}

TEST(FlagReaderDiagnostics, UnknownFieldsEverywhere) {
  const LoadResult result = read_yaml(R"(flags:
  - key: x
    colour: red
    variants: {on: true, off: false}
    off_variant: off
    prerequisites: [{flag: y, variants: [on], when: now}]
    rules:
      - conditions: [{attribute: a, op: exists, not: true}]
        serve: {variant: on, weight: 5}
    default:
      split: {weights: [{variant: on, weight: 100, note: x}], seed: 1}
segments:
  - {key: s, ids: [a], members: [b]}
extra: 1
)");
  EXPECT_THAT(messages(result), ElementsAre("f.yaml:14:1: unknown field 'extra' in bundle",
                                            "f.yaml:3:5: unknown field 'colour' in flag",
                                            "f.yaml:6:47: unknown field 'when' in prerequisite",
                                            "f.yaml:8:49: unknown field 'not' in condition",
                                            "f.yaml:9:30: unknown field 'weight' in serve",
                                            "f.yaml:11:63: unknown field 'seed' in split",
                                            "f.yaml:11:52: unknown field 'note' in split weight",
                                            "f.yaml:13:24: unknown field 'members' in segment"));
  EXPECT_EQ(result.diagnostics.at(3).where.path, "flags[0].rules[0].conditions[0].not");
  EXPECT_EQ(result.diagnostics.at(6).where.path, "flags[0].default.split.weights[0].note");
}

TEST(FlagReaderDiagnostics, WrongTypes) {
  const LoadResult result = read_yaml(R"(key: x
description: 42
tags: billing
variants: [on, off]
enabled: "true"
off_variant: off
salt: 2026
rules: {name: r}
default: off
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre("f.yaml:2:14: field 'description' must be a string, got number",
                  "f.yaml:3:7: field 'tags' must be a list, got string",
                  "f.yaml:4:11: field 'variants' must be a mapping, got list",
                  "f.yaml:5:10: field 'enabled' must be a boolean, got string",
                  "f.yaml:7:7: field 'salt' must be a string, got number",
                  "f.yaml:8:8: field 'rules' must be a list, got mapping",
                  "f.yaml:9:10: field 'default' must be a mapping with 'variant' or 'split', got "
                  "string"));
  EXPECT_EQ(result.diagnostics.at(3).where.path, "enabled");
}

TEST(FlagReaderDiagnostics, WrongTypesInLists) {
  const LoadResult result = read_yaml(std::string(kFlagHead) + R"(tags: [ok, 7, [x]]
rules:
  - segments: [beta, true]
    serve: {variant: on}
  - just a string
default: {variant: off}
)");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:4:12: field 'tags[1]' must be a string, got number",
                          "f.yaml:4:15: field 'tags[2]' must be a string, got list",
                          "f.yaml:6:22: field 'segments[1]' must be a string, got boolean",
                          "f.yaml:8:5: field 'rules[1]' must be a mapping, got string"));
  EXPECT_EQ(result.diagnostics.at(2).where.path, "rules[0].segments[1]");
}

TEST(FlagReaderDiagnostics, MissingRequiredFields) {
  const LoadResult result = read_yaml("key: x\nkind: ops\n");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:1:1: flag 'x' is missing required field 'variants'",
                          "f.yaml:1:1: flag 'x' is missing required field 'off_variant'",
                          "f.yaml:1:1: flag 'x' is missing required field 'default'"));
  // The flag is still returned, so that later checks (duplicate keys) see it.
  EXPECT_EQ(result.definitions.flags.size(), 1u);
}

TEST(FlagReaderDiagnostics, MissingKeyAndNestedRequiredFields) {
  const LoadResult result = read_yaml(R"(flags:
  - variants: {on: true}
    off_variant: on
    rules:
      - name: staff
        conditions:
          - {op: equals, value: 1}
          - {attribute: a}
          - {op: in_segment, values: [internal]}
      - conditions: []
    default: {split: {bucket_by: accountId}}
)");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:7:13: condition is missing required field 'attribute'",
                          "f.yaml:8:13: condition is missing required field 'op'",
                          "f.yaml:5:9: rule 'staff' is missing required field 'serve'",
                          "f.yaml:10:9: rule is missing required field 'serve'",
                          "f.yaml:11:22: split is missing required field 'weights'",
                          "f.yaml:2:5: flag is missing required field 'key'"));
}

TEST(FlagReaderDiagnostics, DuplicateKeys) {
  const LoadResult result = read_yaml(std::string(kFlagHead) + R"(variants: {a: 1}
default: {variant: off, variant: on}
)");
  EXPECT_THAT(messages(result), ElementsAre("f.yaml:4:1: duplicate key 'variants'",
                                            "f.yaml:5:25: duplicate key 'variant'"));
  EXPECT_EQ(result.diagnostics.at(0).where.path, "variants");
  // The first occurrence is the one read.
  const FlagDefinition& flag = result.definitions.flags.at(0);
  ASSERT_EQ(flag.variants.size(), 2u);
  EXPECT_EQ(flag.variants[0].name, "on");
  EXPECT_EQ(flag.fallthrough.variant, "off");
}

TEST(FlagReaderDiagnostics, DuplicateVariantWeightAndObjectKeys) {
  const LoadResult result = read_yaml(R"(key: x
variants:
  on: {a: 1, a: 2}
  off: false
  on: true
off_variant: off
default:
  split:
    weights: {on: 50, on: 50}
)");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:5:3: duplicate key 'on'", "f.yaml:3:14: duplicate key 'a'",
                          "f.yaml:9:23: duplicate key 'on'"));
  EXPECT_EQ(result.diagnostics.at(1).where.path, "variants.on.a");
}

TEST(FlagReaderDiagnostics, InvalidKindAndOperator) {
  const LoadResult result = read_yaml(R"(key: x
kind: beta
variants: {on: true, off: false}
off_variant: off
rules:
  - serve: {variant: on}
  - conditions:
      - attribute: plan
        op: eq
        value: pro
    serve: {variant: on}
default: {variant: off}
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre("f.yaml:2:7: field 'kind' must be one of release, experiment, ops, permission; "
                  "got 'beta'",
                  "f.yaml:9:13: field 'op' must be one of equals, not_equals, in, not_in, "
                  "starts_with, ends_with, contains, matches, lt, lte, gt, gte, semver_eq, "
                  "semver_lt, semver_lte, semver_gt, semver_gte, before, after, exists, "
                  "in_segment; got 'eq'"));
  EXPECT_EQ(result.diagnostics.at(1).where.path, "rules[1].conditions[0].op");
}

TEST(FlagReaderDiagnostics, ServeNeedsExactlyOneOfVariantOrSplit) {
  const LoadResult result = read_yaml(std::string(kFlagHead) + R"(rules:
  - serve:
      variant: on
      split: {weights: {on: 100}}
  - serve: {}
default:
  bucket_by: x
)");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:6:7: serve has both 'variant' and 'split'; give only one",
                          "f.yaml:8:12: serve needs one of 'variant' or 'split'",
                          "f.yaml:10:3: unknown field 'bucket_by' in default",
                          "f.yaml:10:3: default needs one of 'variant' or 'split'"));
  EXPECT_EQ(result.diagnostics.at(0).where.path, "rules[0].serve");
}

TEST(FlagReaderDiagnostics, DefaultWithBothVariantAndSplit) {
  const LoadResult result = read_yaml(std::string(kFlagHead) + R"(default:
  variant: off
  split: {weights: {on: 100}}
)");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:5:3: default has both 'variant' and 'split'; give only one"));
}

TEST(FlagReaderDiagnostics, WeightsMustBePercentagesWithTwoDecimals) {
  const LoadResult result = read_yaml(R"(key: x
variants: {a: 1, b: 2, c: 3, d: 4, e: 5}
off_variant: a
default:
  split:
    weights:
      a: 33.333
      b: 150
      c: "5"
      d: -5
      e: 5%
)");
  const std::string rule = " must be a number between 0 and 100 with at most two decimals, got ";
  EXPECT_THAT(messages(result), ElementsAre("f.yaml:7:10: weight for 'a'" + rule + "33.333",
                                            "f.yaml:8:10: weight for 'b'" + rule + "150",
                                            "f.yaml:9:10: weight for 'c'" + rule + "string '5'",
                                            "f.yaml:10:10: weight for 'd'" + rule + "-5",
                                            "f.yaml:11:10: weight for 'e'" + rule + "string '5%'"));
  EXPECT_EQ(result.diagnostics.at(0).where.path, "default.split.weights.a");
}

TEST(FlagReaderDiagnostics, WeightListFormProblems) {
  const LoadResult result = read_yaml(std::string(kFlagHead) + R"(default:
  split:
    weights:
      - {variant: on, weight: 1.234}
      - {variant: off}
      - {weight: 5}
      - on
    other: 1
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre("f.yaml:11:5: unknown field 'other' in split",
                  "f.yaml:7:31: field 'weight' must be a number between 0 and 100 with at most "
                  "two decimals, got 1.234",
                  "f.yaml:8:9: split weight is missing required field 'weight'",
                  "f.yaml:9:9: split weight is missing required field 'variant'",
                  "f.yaml:10:9: field 'weights[3]' must be a mapping, got string"));
  EXPECT_EQ(result.diagnostics.at(1).where.path, "default.split.weights[0].weight");
}

TEST(FlagReaderDiagnostics, ValueAndValuesTogether) {
  const LoadResult result = read_yaml(std::string(kFlagHead) + R"(rules:
  - conditions:
      - attribute: plan
        op: in
        value: free
        values: [pro]
      - {attribute: plan, op: equals, value: [a, b]}
      - {attribute: plan, op: in, values: [a, null, {x: 1}]}
      - {attribute: plan, op: in, values: pro}
    serve: {variant: on}
default: {variant: off}
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre(
          "f.yaml:9:9: condition has both 'value' and 'values'; give only one",
          "f.yaml:10:46: field 'value' must be a string, number or boolean, got list; use "
          "'values' for a list",
          "f.yaml:11:47: field 'values[1]' must be a string, number or boolean, got null",
          "f.yaml:11:53: field 'values[2]' must be a string, number or boolean, got mapping",
          "f.yaml:12:43: field 'values' must be a list, got string"));
  EXPECT_EQ(result.diagnostics.at(0).where.path, "rules[0].conditions[0].values");
  EXPECT_EQ(result.diagnostics.at(2).where.path, "rules[0].conditions[2].values[1]");
}

TEST(FlagReaderDiagnostics, VariantValuesMustBeScalarsOrObjects) {
  const LoadResult result = read_yaml(R"(key: x
variants:
  list: [1, 2]
  nothing:
  ok: 1
off_variant: ok
default: {variant: ok}
)");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:3:9: variant 'list' must be a boolean, string, number or "
                          "mapping, got list",
                          "f.yaml:4:3: variant 'nothing' must be a boolean, string, number or "
                          "mapping, got null"));
  ASSERT_EQ(result.definitions.flags.at(0).variants.size(), 1u);
  EXPECT_EQ(result.definitions.flags.at(0).variants[0].name, "ok");
}

TEST(FlagReaderDiagnostics, Prerequisites) {
  const LoadResult result = read_yaml(std::string(kFlagHead) + R"(prerequisites:
  - flag: a
    variants: [on, off]
  - flag: b
    variant: on
  - flag: c
  - variants: [on]
  - flag: d
    variant: on
    variants: [off]
default: {variant: off}
)");
  EXPECT_THAT(
      messages(result),
      ElementsAre(
          "f.yaml:9:5: prerequisite 'c' is missing required field 'variants'",
          "f.yaml:10:5: prerequisite is missing required field 'flag'",
          "f.yaml:11:5: prerequisite 'd' has both 'variant' and 'variants'; give only one"));
  const auto& prerequisites = result.definitions.flags.at(0).prerequisites;
  ASSERT_GE(prerequisites.size(), 2u);
  EXPECT_EQ(prerequisites[0].flag, "a");
  EXPECT_THAT(prerequisites[0].variants, ElementsAre("on", "off"));
  EXPECT_EQ(prerequisites[1].flag, "b");
  EXPECT_THAT(prerequisites[1].variants, ElementsAre("on"));
  EXPECT_EQ(prerequisites[1].where.line, 7);
  EXPECT_EQ(prerequisites[1].where.path, "prerequisites[1]");
}

TEST(FlagReaderDiagnostics, Segments) {
  const LoadResult result = read_yaml(R"(segments:
  - key: beta
    attribute: accountId
    ids: [acct-1, acct-2]
  - key: internal
    description: Staff
    conditions:
      - {attribute: email, op: ends_with, value: "@example.com", case_insensitive: true}
  - description: no key
  - key: numeric
    ids: [1042, acct-2]
)");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:9:5: segment is missing required field 'key'",
                          "f.yaml:11:11: field 'ids[0]' must be a string, got number"));
  const auto& segments = result.definitions.segments;
  ASSERT_EQ(segments.size(), 4u);
  EXPECT_EQ(segments[0].key, "beta");
  EXPECT_EQ(segments[0].attribute, "accountId");
  EXPECT_THAT(segments[0].ids, ElementsAre("acct-1", "acct-2"));
  EXPECT_EQ(segments[1].attribute, "targetingKey");
  EXPECT_EQ(segments[1].description, "Staff");
  ASSERT_EQ(segments[1].conditions.size(), 1u);
  EXPECT_EQ(segments[1].conditions[0].op, Operator::EndsWith);
  EXPECT_TRUE(segments[1].conditions[0].case_insensitive);
  EXPECT_FALSE(segments[1].conditions[0].negate);
  EXPECT_THAT(segments[1].conditions[0].values, ElementsAre(Value("@example.com")));
  EXPECT_EQ(segments[1].conditions[0].where.path, "segments[1].conditions[0]");
  EXPECT_EQ(segments[1].where.line, 5);
  EXPECT_EQ(segments[1].where.column, 5);
}

TEST(FlagReaderDiagnostics, DocumentShape) {
  EXPECT_THAT(messages(read_yaml("- a\n- b\n")),
              ElementsAre("f.yaml:1:1: document must be a mapping (a bundle with 'flags' or "
                          "'segments', or a single flag), got list"));
  EXPECT_THAT(messages(read_yaml("flags: {key: x}\n")),
              ElementsAre("f.yaml:1:8: field 'flags' must be a list, got mapping"));
  EXPECT_THAT(messages(read_yaml("flags:\n  - plain\n")),
              ElementsAre("f.yaml:2:5: field 'flags[0]' must be a mapping, got string"));
}

TEST(FlagReaderDiagnostics, YamlSyntaxErrorHasItsPosition) {
  const LoadResult result = read_yaml("key: x\nvariants: [on, off\noff_variant: off\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].where.file, "f.yaml");
  EXPECT_EQ(result.diagnostics[0].where.line, 3);
  EXPECT_EQ(result.diagnostics[0].where.column, 12);
  EXPECT_EQ(result.diagnostics[0].format(),
            "f.yaml:3:12: YAML syntax error: end of sequence flow not found");
  EXPECT_THAT(result.definitions.flags, IsEmpty());

  EXPECT_THAT(messages(read_yaml("key: x\n  bad: indent\n")),
              ElementsAre("f.yaml:2:6: YAML syntax error: illegal map value"));
}

TEST(FlagReaderDiagnostics, AllProblemsOfAFileAreReported) {
  const LoadResult result = read_yaml(R"(flags:
  - key: one
    enabled: no
    variants: {on: true, off: false}
    off_variant: off
    default: {variant: off}
  - key: two
    kind: canary
    variants: {on: true}
    off_variant: on
    default: {split: {weights: {on: 100.5}}}
segments:
  - key: s
    ids: acct-1
)");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:3:14: field 'enabled' must be a boolean, got string",
                          "f.yaml:8:11: field 'kind' must be one of release, experiment, ops, "
                          "permission; got 'canary'",
                          "f.yaml:11:37: weight for 'on' must be a number between 0 and 100 with "
                          "at most two decimals, got 100.5",
                          "f.yaml:14:10: field 'ids' must be a list, got string"));
  EXPECT_EQ(result.diagnostics[1].where.path, "flags[1].kind");
  EXPECT_EQ(result.definitions.flags.size(), 2u);
  EXPECT_EQ(result.definitions.segments.size(), 1u);
}

TEST(FlagReaderDiagnostics, NonScalarKeysAndSelfReferentialAliasesDoNotCrash) {
  EXPECT_THAT(messages(read_yaml("? [a]\n: 1\nkey: x\n")),
              ::testing::Contains("f.yaml:1:3: mapping keys must be scalars"));

  EXPECT_THAT(messages(read_yaml("key: x\nvariants:\n  on: &loop [1, *loop]\n")),
              ElementsAre("f.yaml:3:17: alias refers to a node that contains it"));
}

TEST(FlagReaderDiagnostics, AliasesAreExpandedWithinLimits) {
  const LoadResult result = read_yaml(R"(key: x
variants:
  on: &style {color: red, sizes: [1, 2]}
  also: *style
off_variant: on
default: {variant: on}
)");
  ASSERT_THAT(messages(result), IsEmpty());
  const auto& variants = result.definitions.flags.at(0).variants;
  ASSERT_EQ(variants.size(), 2u);
  EXPECT_EQ(variants[1].value, variants[0].value);
  EXPECT_TRUE(variants[1].value.is_object());

  // "Billion laughs": ten aliases of ten aliases of ... would be 10^8 nodes.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 8; ++level) {
    const std::string previous = "*a" + std::to_string(level - 1);
    bomb += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i)
      bomb += (i ? ", " : "") + previous;
    bomb += "]\n";
  }
  const LoadResult exploded = read_yaml(bomb);
  ASSERT_EQ(exploded.diagnostics.size(), 1u);
  EXPECT_EQ(exploded.diagnostics[0].message, "aliases expand to more than 250000 nodes");
  EXPECT_THAT(exploded.definitions.flags, IsEmpty());
}

TEST(FlagReaderDiagnostics, StrayCommaIsASyntaxErrorNotAHang) {
  // yaml-cpp 0.7's LoadAll loops forever, allocating, on this input.
  EXPECT_THAT(messages(read_yaml(",key: x\n")),
              ElementsAre("f.yaml:1:1: YAML syntax error: unexpected ','"));
  const LoadResult result = read_yaml(std::string(kFlagHead) + "default: {variant: off}\n---\n,\n");
  EXPECT_THAT(messages(result), ElementsAre("f.yaml:6:1: YAML syntax error: unexpected ','"));
  EXPECT_EQ(result.definitions.flags.size(), 1u);
}

TEST(FlagReaderDiagnostics, DocumentsBeforeASyntaxErrorAreKept) {
  const LoadResult result =
      read_yaml(std::string(kFlagHead) + "default: {variant: off}\n---\nkey: y\nvariants: [a\n");
  EXPECT_THAT(messages(result),
              ElementsAre("f.yaml:8:1: YAML syntax error: end of sequence flow not found"));
  EXPECT_THAT(flag_keys(result), ElementsAre("x"));
}

TEST(FlagReaderDiagnostics, GarbageNeverThrows) {
  for (const std::string_view text :
       {std::string_view("\t\x01{[", 4), std::string_view("key: ["), std::string_view("::: -"),
        std::string_view("\xff\xfe\x00\x01", 4), std::string_view("&a [*a, *b]"),
        std::string_view("key: !!binary 42"), std::string_view("---\n...\n---\n")}) {
    LoadResult result;
    EXPECT_NO_THROW(read_flag_yaml(text, "g.yaml", result)) << text;
  }
}

TEST(FlagReaderDiagnostics, EmptyDocumentsAreSkipped) {
  EXPECT_TRUE(read_yaml("").ok());
  EXPECT_TRUE(read_yaml("# only a comment\n").ok());
  const LoadResult result = read_yaml(std::string(kFlagHead) + "default: {variant: off}\n---\n");
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.definitions.flags.size(), 1u);
}

// --- Documents, folders and sizes ---------------------------------------------------------------

TEST(FlagReaderDocuments, SeveralDocumentsInOneFile) {
  const LoadResult result = read_yaml(R"(key: first
variants: {on: true, off: false}
off_variant: off
default: {variant: off}
---
# A bundle after a single flag.
flags:
  - key: second
    variants: {on: true, off: false}
    off_variant: off
    default: {variant: on}
segments:
  - {key: staff, ids: [u1]}
---
key: third
variants: {on: true, off: false}
off_variant: off
default: {variant: off}
)");
  ASSERT_THAT(messages(result), IsEmpty());
  EXPECT_THAT(flag_keys(result), ElementsAre("first", "second", "third"));
  ASSERT_EQ(result.definitions.segments.size(), 1u);
  EXPECT_EQ(result.definitions.segments[0].key, "staff");
  EXPECT_EQ(result.definitions.flags[1].where.line, 8);
  EXPECT_EQ(result.definitions.flags[1].where.path, "flags[0]");
  EXPECT_EQ(result.definitions.flags[2].where.line, 15);
  EXPECT_EQ(result.definitions.flags[2].where.path, "");
}

TEST(FlagReaderDocuments, TenThousandValuesAndIds) {
  std::string ids;
  for (int i = 0; i < 10000; ++i)
    ids += (i ? ", acct-" : "acct-") + std::to_string(i);
  const LoadResult result = read_yaml(std::string(kFlagHead) + "rules:\n  - conditions:\n" +
                                      "      - {attribute: accountId, op: in, values: [" + ids +
                                      "]}\n    serve: {variant: on}\ndefault: {variant: off}\n" +
                                      "---\nsegments:\n  - {key: big, ids: [" + ids + "]}\n");
  ASSERT_THAT(messages(result), IsEmpty());
  const auto& values = result.definitions.flags.at(0).rules.at(0).conditions.at(0).values;
  ASSERT_EQ(values.size(), 10000u);
  EXPECT_EQ(values.front(), Value("acct-0"));
  EXPECT_EQ(values.back(), Value("acct-9999"));
  ASSERT_EQ(result.definitions.segments.at(0).ids.size(), 10000u);
  EXPECT_EQ(result.definitions.segments[0].ids[4242], "acct-4242");
}

TEST(FlagReaderPaths, FoldersAreReadRecursivelyInSortedOrder) {
  const std::string tree = kData + "/tree";
  const LoadResult result = load_flag_paths({tree});
  ASSERT_THAT(messages(result), IsEmpty());  // notes.txt is not read
  EXPECT_THAT(flag_keys(result), ElementsAre("alpha", "beta", "gamma", "delta", "epsilon"));
  ASSERT_EQ(result.definitions.segments.size(), 1u);
  EXPECT_EQ(result.definitions.segments[0].key, "internal");
  EXPECT_EQ(result.definitions.flags[1].where.file, tree + "/nested/b.yml");
  EXPECT_EQ(result.definitions.flags[2].where.file, tree + "/nested/c.json");
  EXPECT_EQ(result.definitions.flags[2].where.line, 0);
  EXPECT_EQ(result.definitions.flags[2].where.path, "flags[0]");
  EXPECT_EQ(result.definitions.flags[4].where.line, 7);
  const auto& gamma_split = result.definitions.flags[2].fallthrough.split;
  ASSERT_TRUE(gamma_split.has_value());
  EXPECT_EQ(gamma_split->weights.at(1).variant, "large");
  EXPECT_EQ(gamma_split->weights.at(1).basis_points, 5000u);
}

TEST(FlagReaderPaths, FilesAreSortedAndReadOnce) {
  const std::string tree = kData + "/tree";
  const LoadResult result =
      load_flag_paths({tree + "/nested/b.yml", tree + "/a.yaml", tree, tree + "/a.yaml"});
  ASSERT_THAT(messages(result), IsEmpty());
  EXPECT_THAT(flag_keys(result), ElementsAre("alpha", "beta", "gamma", "delta", "epsilon"));
}

TEST(FlagReaderPaths, MissingPathIsReported) {
  const std::string missing = kData + "/no-such-folder";
  const LoadResult result = load_flag_paths({missing, kData + "/tree/nested/b.yml"});
  EXPECT_THAT(messages(result), ElementsAre(missing + ": no such file or folder"));
  EXPECT_THAT(flag_keys(result), ElementsAre("beta"));
}

TEST(FlagReaderPaths, DuplicateKeysAcrossFilesNameTheFirstDefinition) {
  const std::string folder = kData + "/duplicates";
  const LoadResult result = load_flag_paths({folder});
  EXPECT_THAT(messages(result),
              ElementsAre(folder + "/two.yaml:6:5: duplicate flag key 'same' (first defined at " +
                              folder + "/one.yaml:1:1)",
                          folder +
                              "/two.yaml:11:5: duplicate segment key 'staff' (first "
                              "defined at " +
                              folder + "/one.yaml:7:5)"));
}

TEST(FlagReaderPaths, DuplicateKeysInJsonNameThePath) {
  const auto folder =
      std::filesystem::temp_directory_path() / ("sluice-reader-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const std::string x = (folder / "x.json").string();
  const std::string y = (folder / "y.json").string();
  std::ofstream(x) << R"({"flags": [{"key": "k", "variants": {"a": 1}, "off_variant": "a",
                                     "default": {"variant": "a"}}]})";
  std::ofstream(y) << R"({"key": "k", "variants": {"a": 1}, "off_variant": "a",
                          "default": {"variant": "a"}})";
  const LoadResult result = load_flag_paths({folder.string()});
  std::filesystem::remove_all(folder);
  EXPECT_THAT(messages(result),
              ElementsAre(y + ": duplicate flag key 'k' (first defined at " + x + ", flags[0])"));
}

// --- Percentages --------------------------------------------------------------------------------

TEST(FlagReaderWeights, PercentToBasisPointsIsExact) {
  using detail::percent_to_basis_points;
  EXPECT_EQ(percent_to_basis_points("5"), 500u);
  EXPECT_EQ(percent_to_basis_points("95"), 9500u);
  EXPECT_EQ(percent_to_basis_points("33.33"), 3333u);
  EXPECT_EQ(percent_to_basis_points("0.01"), 1u);
  EXPECT_EQ(percent_to_basis_points("0"), 0u);
  EXPECT_EQ(percent_to_basis_points("0.0"), 0u);
  EXPECT_EQ(percent_to_basis_points("100"), 10000u);
  EXPECT_EQ(percent_to_basis_points("100.00"), 10000u);
  EXPECT_EQ(percent_to_basis_points("5.000"), 500u);
  EXPECT_EQ(percent_to_basis_points("+7"), 700u);
  EXPECT_EQ(percent_to_basis_points(".5"), 50u);
  EXPECT_EQ(percent_to_basis_points("5."), 500u);
  EXPECT_EQ(percent_to_basis_points("1e1"), 1000u);
  EXPECT_EQ(percent_to_basis_points("1e-2"), 1u);
  EXPECT_EQ(percent_to_basis_points("1E+2"), 10000u);
  EXPECT_EQ(percent_to_basis_points("007.50"), 750u);
  EXPECT_EQ(percent_to_basis_points("66.67"), 6667u);
}

TEST(FlagReaderWeights, PercentOutOfRangeOrTooPreciseIsRefused) {
  using detail::percent_to_basis_points;
  for (const char* text :
       {"33.333",  "0.001",    "1e-3", "100.01", "101", "1e3", "-5",   "-0",
        "",        ".",        "e2",   "1e",     "5%",  "abc", "0x10", "99999999999999999999",
        "1e99999", "1e-99999", " 5",   "5 "}) {
    EXPECT_FALSE(percent_to_basis_points(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace sluice
