// The JSON reader (the API's form of the flag format) and writer: field-path diagnostics, both
// weight forms, and round trips of every example and of a flag that uses every field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sluice/flag_loader.hpp"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kExamples = std::string(SLUICE_SOURCE_DIR) + "/examples/flags";

std::vector<std::string> messages(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& diagnostic : result.diagnostics)
    out.push_back(diagnostic.format());
  return out;
}

std::vector<std::string> paths(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& diagnostic : result.diagnostics)
    out.push_back(diagnostic.where.path);
  return out;
}

// --- Comparing definitions field by field (locations differ between YAML and JSON) --------------

void expect_same_conditions(const std::vector<ConditionDefinition>& a,
                            const std::vector<ConditionDefinition>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("condition " + std::to_string(i));
    EXPECT_EQ(a[i].attribute, b[i].attribute);
    EXPECT_EQ(a[i].op, b[i].op);
    EXPECT_EQ(a[i].values, b[i].values);
    EXPECT_EQ(a[i].negate, b[i].negate);
    EXPECT_EQ(a[i].case_insensitive, b[i].case_insensitive);
  }
}

void expect_same_serve(const ServeDefinition& a, const ServeDefinition& b) {
  EXPECT_EQ(a.variant, b.variant);
  ASSERT_EQ(a.split.has_value(), b.split.has_value());
  if (!a.split) return;
  EXPECT_EQ(a.split->bucket_by, b.split->bucket_by);
  EXPECT_EQ(a.split->salt, b.split->salt);
  ASSERT_EQ(a.split->weights.size(), b.split->weights.size());
  for (std::size_t i = 0; i < a.split->weights.size(); ++i) {
    EXPECT_EQ(a.split->weights[i].variant, b.split->weights[i].variant);
    EXPECT_EQ(a.split->weights[i].basis_points, b.split->weights[i].basis_points);
  }
}

void expect_same_flag(const FlagDefinition& a, const FlagDefinition& b) {
  SCOPED_TRACE("flag " + a.key);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.owner, b.owner);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.updated, b.updated);
  ASSERT_EQ(a.variants.size(), b.variants.size());
  for (std::size_t i = 0; i < a.variants.size(); ++i) {
    EXPECT_EQ(a.variants[i].name, b.variants[i].name);
    EXPECT_EQ(a.variants[i].value, b.variants[i].value) << a.variants[i].name;
  }
  EXPECT_EQ(a.enabled, b.enabled);
  EXPECT_EQ(a.off_variant, b.off_variant);
  EXPECT_EQ(a.bucket_by, b.bucket_by);
  EXPECT_EQ(a.salt, b.salt);
  ASSERT_EQ(a.prerequisites.size(), b.prerequisites.size());
  for (std::size_t i = 0; i < a.prerequisites.size(); ++i) {
    EXPECT_EQ(a.prerequisites[i].flag, b.prerequisites[i].flag);
    EXPECT_EQ(a.prerequisites[i].variants, b.prerequisites[i].variants);
  }
  ASSERT_EQ(a.rules.size(), b.rules.size());
  for (std::size_t i = 0; i < a.rules.size(); ++i) {
    SCOPED_TRACE("rule " + std::to_string(i));
    EXPECT_EQ(a.rules[i].name, b.rules[i].name);
    EXPECT_EQ(a.rules[i].segments, b.rules[i].segments);
    expect_same_conditions(a.rules[i].conditions, b.rules[i].conditions);
    expect_same_serve(a.rules[i].serve, b.rules[i].serve);
  }
  expect_same_serve(a.fallthrough, b.fallthrough);
}

// Writes `flag` as JSON, reads it back and checks that nothing was lost or changed.
void expect_round_trip(const FlagDefinition& flag) {
  const std::string json = flag_to_json(flag);
  const LoadResult back = read_single_flag_json(json);
  ASSERT_THAT(messages(back), IsEmpty()) << json;
  ASSERT_EQ(back.definitions.flags.size(), 1u);
  expect_same_flag(flag, back.definitions.flags[0]);
  EXPECT_EQ(flag_to_json(back.definitions.flags[0]), json);
}

constexpr std::string_view kRichFlag = R"(key: rich-flag
description: "Everything at once: \"quoted\" text, ünïcode"
kind: experiment
owner: team-x
tags: [a, b]
created: 2026-11-01T09:00:00Z
updated: 2026-11-02T10:30:00+01:00
variants:
  control: {layout: classic, columns: 2, ratio: 0.5, beta: false, extra: null, list: [1, "two", {three: 3}]}
  treatment: {layout: grid, columns: 3, ratio: 1.25, beta: true, extra: null, list: []}
  off: {}
enabled: false
off_variant: off
bucket_by: accountId
salt: rich-2026
prerequisites:
  - flag: billing-v2
    variants: [on, partial]
  - flag: other
    variant: yes
rules:
  - name: internal staff
    segments: [internal, beta]
    conditions:
      - attribute: email
        op: ends_with
        values: ["@example.com", "@example.org"]
        case_insensitive: true
      - attribute: country
        op: in
        values: [US]
        negate: true
    serve:
      variant: treatment
  - conditions:
      - {op: in_segment, values: [internal]}
      - {attribute: age, op: gte, value: 18.5}
      - {attribute: version, op: semver_gte, value: "1.2.0"}
      - {attribute: beta, op: equals, value: true}
      - {attribute: big, op: lt, value: -12345678901}
      - {attribute: plan, op: exists}
    serve:
      split:
        bucket_by: userId
        salt: s2
        weights:
          - {variant: control, weight: 33.33}
          - {variant: treatment, weight: 66.66}
          - {variant: off, weight: 0.01}
default:
  split:
    weights: {control: 50, treatment: 50}
)";

// --- Round trips --------------------------------------------------------------------------------

TEST(FlagJsonRoundTrip, EveryExampleFlag) {
  const LoadResult examples = load_flag_paths({kExamples});
  ASSERT_THAT(messages(examples), IsEmpty());
  ASSERT_EQ(examples.definitions.flags.size(), 5u);
  for (const auto& flag : examples.definitions.flags)
    expect_round_trip(flag);
}

TEST(FlagJsonRoundTrip, FlagUsingEveryField) {
  LoadResult rich;
  read_flag_yaml(kRichFlag, "rich.yaml", rich);
  ASSERT_THAT(messages(rich), IsEmpty());
  ASSERT_EQ(rich.definitions.flags.size(), 1u);
  const FlagDefinition& flag = rich.definitions.flags[0];
  // The rich flag really does use what the round trip is meant to cover.
  EXPECT_FALSE(flag.enabled);
  EXPECT_EQ(flag.salt, "rich-2026");
  EXPECT_THAT(flag.prerequisites.at(1).variants, ElementsAre("yes"));
  EXPECT_TRUE(flag.rules.at(0).conditions.at(0).case_insensitive);
  EXPECT_TRUE(flag.rules.at(0).conditions.at(1).negate);
  EXPECT_EQ(flag.rules.at(1).conditions.at(0).attribute, "");
  EXPECT_EQ(flag.rules.at(1).serve.split->weights.at(2).basis_points, 1u);
  EXPECT_TRUE(flag.variants.at(0).value.is_object());
  expect_round_trip(flag);
}

TEST(FlagJsonRoundTrip, HandBuiltFlag) {
  FlagDefinition flag;
  flag.key = "hand-built";
  flag.kind = FlagKind::Ops;
  flag.variants = {
      {"low", Value(0.25), {}}, {"high", Value(1e300), {}}, {"text", Value("a\"b"), {}}};
  flag.off_variant = "low";
  ConditionDefinition condition;
  condition.attribute = "";  // an empty attribute with a non-segment op must survive
  condition.op = Operator::Matches;
  condition.values = {Value("^a.*$")};
  RuleDefinition rule;
  rule.conditions = {condition};
  rule.serve.variant = "high";
  flag.rules = {rule};
  SplitDefinition split;
  split.weights = {{"low", 9999, {}}, {"high", 1, {}}};
  flag.fallthrough.split = split;
  expect_round_trip(flag);
}

TEST(FlagJsonRoundTrip, SegmentsThroughABundle) {
  LoadResult yaml;
  read_flag_yaml(R"(segments:
  - key: internal
    description: Staff accounts
    conditions:
      - {attribute: email, op: ends_with, value: "@example.com", case_insensitive: true}
  - key: beta
    attribute: accountId
    ids: [acct-1, acct-2]
)",
                 "s.yaml", yaml);
  ASSERT_THAT(messages(yaml), IsEmpty());
  std::string bundle = R"({"segments": [)";
  for (std::size_t i = 0; i < yaml.definitions.segments.size(); ++i) {
    if (i > 0) bundle += ',';
    bundle += segment_to_json(yaml.definitions.segments[i]);
  }
  bundle += "]}";
  LoadResult back;
  read_flag_json(bundle, "", back);
  ASSERT_THAT(messages(back), IsEmpty());
  ASSERT_EQ(back.definitions.segments.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& a = yaml.definitions.segments[i];
    const auto& b = back.definitions.segments[i];
    EXPECT_EQ(a.key, b.key);
    EXPECT_EQ(a.description, b.description);
    EXPECT_EQ(a.attribute, b.attribute);
    EXPECT_EQ(a.ids, b.ids);
    expect_same_conditions(a.conditions, b.conditions);
  }
}

// --- The writer ---------------------------------------------------------------------------------

TEST(FlagJsonWriter, ExactTextOfAnExample) {
  const LoadResult result = load_flag_paths({kExamples + "/new-pdf-engine.yaml"});
  ASSERT_THAT(messages(result), IsEmpty());
  const std::string expected =
      R"j({"key":"new-pdf-engine","description":"New PDF export engine (streams invoices )j"
      R"j(with more than 200 line items)","kind":"release","owner":"team-billing",)j"
      R"j("tags":["billing","pdf"],"created":"2026-11-02T09:00:00Z",)j"
      R"j("updated":"2026-11-16T14:20:00Z","variants":{"on":true,"off":false},)j"
      R"j("enabled":true,"off_variant":"off","prerequisites":[],"rules":[],)j"
      R"j("default":{"split":{"bucket_by":"accountId","weights":[{"variant":"on",)j"
      R"j("weight":5},{"variant":"off","weight":95}]}}})j";
  EXPECT_EQ(flag_to_json(result.definitions.flags.at(0)), expected);
}

TEST(FlagJsonWriter, RulesConditionsAndFractionalWeights) {
  const LoadResult result = read_single_flag_json(R"({
    "key": "f", "variants": {"b": {"z": 1, "a": [2.5, null]}, "a": 3}, "off_variant": "a",
    "rules": [{"name": "r", "segments": ["s"],
               "conditions": [{"attribute": "x", "op": "in", "value": 1, "negate": true},
                              {"op": "in_segment", "values": ["s"]}],
               "serve": {"split": {"salt": "q", "weights": {"a": 33.33, "b": 66.67}}}}],
    "default": {"variant": "a"}})");
  ASSERT_THAT(messages(result), IsEmpty());
  EXPECT_EQ(flag_to_json(result.definitions.flags.at(0)),
            R"({"key":"f","description":"","kind":"release","owner":"","tags":[],)"
            R"("variants":{"b":{"z":1,"a":[2.5,null]},"a":3},"enabled":true,"off_variant":"a",)"
            R"("prerequisites":[],"rules":[{"name":"r","segments":["s"],"conditions":[)"
            R"({"attribute":"x","op":"in","values":[1],"negate":true},)"
            R"({"op":"in_segment","values":["s"]}],"serve":{"split":{"salt":"q","weights":[)"
            R"({"variant":"a","weight":33.33},{"variant":"b","weight":66.67}]}}}],)"
            R"("default":{"variant":"a"}})");
}

TEST(FlagJsonWriter, Segment) {
  SegmentDefinition segment;
  segment.key = "beta";
  segment.ids = {"acct-1"};
  EXPECT_EQ(segment_to_json(segment),
            R"({"key":"beta","description":"","attribute":"targetingKey","ids":["acct-1"],)"
            R"("conditions":[]})");
}

// --- The reader ---------------------------------------------------------------------------------

TEST(FlagJsonReader, BundleWithBothWeightFormsKeepsOrder) {
  LoadResult result;
  read_flag_json(R"({
    "flags": [
      {"key": "one", "variants": {"z": 1, "a": 2}, "off_variant": "z",
       "default": {"split": {"bucket_by": "accountId", "weights": {"z": 5, "a": 95}}}},
      {"key": "two", "variants": {"on": true, "off": false}, "off_variant": "off",
       "prerequisites": [{"flag": "one", "variant": "z"}],
       "default": {"split": {"weights": [{"variant": "off", "weight": 99.99},
                                         {"variant": "on", "weight": 0.01}]}}}
    ],
    "segments": [{"key": "s", "ids": ["a", "b"]}]
  })",
                 "bundle.json", result);
  ASSERT_THAT(messages(result), IsEmpty());
  ASSERT_EQ(result.definitions.flags.size(), 2u);
  const FlagDefinition& one = result.definitions.flags[0];
  EXPECT_EQ(one.variants.at(0).name, "z");
  EXPECT_EQ(one.variants.at(0).value, Value(1));
  const auto& one_weights = one.fallthrough.split->weights;
  ASSERT_EQ(one_weights.size(), 2u);
  EXPECT_EQ(one_weights[0].variant, "z");
  EXPECT_EQ(one_weights[0].basis_points, 500u);
  EXPECT_EQ(one_weights[1].basis_points, 9500u);
  EXPECT_EQ(one_weights[1].where.path, "flags[0].default.split.weights.a");
  EXPECT_EQ(one_weights[1].where.line, 0);
  EXPECT_EQ(one.where.file, "bundle.json");
  EXPECT_EQ(one.where.path, "flags[0]");

  const FlagDefinition& two = result.definitions.flags[1];
  EXPECT_THAT(two.prerequisites.at(0).variants, ElementsAre("z"));
  const auto& two_weights = two.fallthrough.split->weights;
  ASSERT_EQ(two_weights.size(), 2u);
  EXPECT_EQ(two_weights[0].basis_points, 9999u);
  EXPECT_EQ(two_weights[1].basis_points, 1u);
  EXPECT_EQ(two_weights[1].where.path, "flags[1].default.split.weights[1]");
  EXPECT_THAT(result.definitions.segments.at(0).ids, ElementsAre("a", "b"));
}

TEST(FlagJsonReader, OperandsAndNumbers) {
  const LoadResult result = read_single_flag_json(R"({"key": "n",
    "variants": {"a": 1e2, "b": -0.5, "c": 18446744073709551615},
    "off_variant": "a",
    "rules": [{"conditions": [{"attribute": "x", "op": "in", "values": [1, 1.5, "x", true]}],
               "serve": {"variant": "b"}}],
    "default": {"split": {"weights": {"a": 1e1, "b": 9e1}}}})");
  ASSERT_THAT(messages(result), IsEmpty());
  const FlagDefinition& flag = result.definitions.flags.at(0);
  EXPECT_EQ(flag.variants[0].value, Value(100));
  EXPECT_EQ(flag.variants[1].value, Value(-0.5));
  EXPECT_EQ(flag.variants[2].value, Value(18446744073709551615.0));
  EXPECT_THAT(flag.rules.at(0).conditions.at(0).values,
              ElementsAre(Value(1), Value(1.5), Value("x"), Value(true)));
  EXPECT_EQ(flag.fallthrough.split->weights.at(0).basis_points, 1000u);
  EXPECT_EQ(flag.fallthrough.split->weights.at(1).basis_points, 9000u);
}

// --- Diagnostics --------------------------------------------------------------------------------

TEST(FlagJsonDiagnostics, SingleFlagProblemsAreLocatedByPath) {
  const LoadResult result = read_single_flag_json(R"({
    "key": "x", "enabled": "true", "variants": ["on"], "off_variant": "on", "colour": 1,
    "rules": [{"serve": {"variant": "on"}},
              {"conditions": [{"attribute": "a", "op": "eq", "value": 1}], "serve": {}}],
    "default": {"split": {"weights": [{"variant": "on", "weight": 33.333}, "x"]}}})");
  EXPECT_THAT(
      messages(result),
      ElementsAre("colour: unknown field 'colour' in flag",
                  "variants: field 'variants' must be an object, got array",
                  "enabled: field 'enabled' must be a boolean, got string",
                  "rules[1].conditions[0].op: field 'op' must be one of equals, not_equals, in, "
                  "not_in, starts_with, ends_with, contains, matches, lt, lte, gt, gte, "
                  "semver_eq, semver_lt, semver_lte, semver_gt, semver_gte, before, after, "
                  "exists, in_segment; got 'eq'",
                  "rules[1].serve: serve needs one of 'variant' or 'split'",
                  "default.split.weights[0].weight: field 'weight' must be a number between 0 "
                  "and 100 with at most two decimals, got 33.333",
                  "default.split.weights[1]: field 'weights[1]' must be an object, got string"));
  for (const auto& diagnostic : result.diagnostics) {
    EXPECT_EQ(diagnostic.where.line, 0) << diagnostic.message;
    EXPECT_EQ(diagnostic.where.file, "") << diagnostic.message;
  }
}

TEST(FlagJsonDiagnostics, BundleProblemsCarryFileAndPath) {
  LoadResult result;
  read_flag_json(R"({"flags": [{"key": "a", "variants": {"on": true}, "off_variant": "on",
                                "default": {"variant": "on", "split": {"weights": {"on": 100}}}},
                               {"key": "b"}, 7],
                     "segments": [{"ids": ["x", 1]}]})",
                 "api.json", result);
  EXPECT_THAT(paths(result), ElementsAre("flags[0].default", "flags[1]", "flags[1]", "flags[1]",
                                         "flags[2]", "segments[0].ids[1]", "segments[0]"));
  EXPECT_EQ(result.diagnostics.at(0).message,
            "default has both 'variant' and 'split'; give only one");
  EXPECT_EQ(result.diagnostics.at(1).message, "flag 'b' is missing required field 'variants'");
  EXPECT_EQ(result.diagnostics.at(4).message, "field 'flags[2]' must be an object, got number");
  EXPECT_EQ(result.diagnostics.at(5).message, "field 'ids[1]' must be a string, got number");
  EXPECT_EQ(result.diagnostics.at(6).message, "segment is missing required field 'key'");
  EXPECT_EQ(result.diagnostics.at(0).where.file, "api.json");
}

TEST(FlagJsonDiagnostics, MissingFieldsOfTheWholeFlag) {
  const LoadResult result = read_single_flag_json(R"({"description": "no key"})");
  EXPECT_THAT(messages(result), ElementsAre("flag is missing required field 'key'",
                                            "flag is missing required field 'variants'",
                                            "flag is missing required field 'off_variant'",
                                            "flag is missing required field 'default'"));
}

TEST(FlagJsonDiagnostics, SingleFlagMustBeOneFlagObject) {
  EXPECT_THAT(messages(read_single_flag_json("[1, 2]")),
              ElementsAre("flag must be an object, got array"));
  const LoadResult bundle = read_single_flag_json(R"({"flags": []})");
  ASSERT_FALSE(bundle.ok());
  EXPECT_EQ(bundle.diagnostics[0].format(), "flags: unknown field 'flags' in flag");
  EXPECT_THAT(messages(read_single_flag_json("null")),
              ElementsAre("flag must be an object, got null"));

  LoadResult document;
  read_flag_json("\"text\"", "d.json", document);
  EXPECT_THAT(messages(document),
              ElementsAre("d.json: document must be an object (a bundle with 'flags' or "
                          "'segments', or a single flag), got string"));
}

TEST(FlagJsonDiagnostics, SyntaxErrors) {
  EXPECT_THAT(messages(read_single_flag_json("{\n  \"key\": tru}")),
              ElementsAre("JSON syntax error at line 2, column 13: syntax error while parsing "
                          "value - invalid literal; last read: '\"key\": tru}'"));
  LoadResult empty;
  read_flag_json("", "e.json", empty);
  EXPECT_THAT(messages(empty),
              ElementsAre("e.json: JSON syntax error at line 1, column 1: syntax error while "
                          "parsing value - unexpected end of input; expected '[', '{', or a "
                          "literal"));
}

TEST(FlagJsonDiagnostics, DeepNestingIsRefusedNotFollowed) {
  std::string deep = R"({"key": "d", "variants": {"a": {"x": )";
  deep += std::string(100000, '[') + std::string(100000, ']') + "}}}";
  LoadResult result;
  EXPECT_NO_THROW(result = read_single_flag_json(deep));
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].message, "document is nested more than 200 levels deep");
  EXPECT_TRUE(result.definitions.flags.empty());
}

}  // namespace
}  // namespace sluice
