// Evaluation through the C++ API: handles, prepared contexts, splits over thousands of ids
// against the spec's bucket formula, and the diagnostics compile_snapshot reports. The cases of
// evaluation order, reasons, errors, prerequisites, values and known split buckets are data:
// tests/data/evaluation/evaluation_*.json (run by evaluation_data_test.cpp).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sluice/bucketing.hpp"
#include "test_flags.hpp"

namespace sluice {
namespace {

using test::bool_flag;
using test::compile_ok;
using test::cond;
using test::evaluate;
using test::Outcome;
using test::prerequisite;
using test::rule;
using test::serve_split;
using test::serve_variant;
using test::with;

// The variant a split with `weights` (basis points, in order) serves for `key`, per the spec:
// consecutive bucket ranges over MurmurHash3(salt + "/" + key) % 10000.
std::string expected_variant(std::string_view salt, std::string_view key,
                             const std::vector<std::pair<std::string, std::uint32_t>>& weights) {
  const std::uint32_t bucket = bucket_of(salt, key);
  std::uint32_t upper = 0;
  for (const auto& [variant, basis_points] : weights) {
    upper += basis_points;
    if (bucket < upper) return variant;
  }
  return "<none>";
}

FlagDefinition color_flag(std::string key) {
  return test::flag(std::move(key), {{"red", Value("red")},
                                     {"green", Value("green")},
                                     {"blue", Value("blue")},
                                     {"off", Value("none")}});
}

// ---------------------------------------------------------------------------------------------
// Reasons

TEST(EvaluationReasons, EvaluatingByHandleEqualsEvaluatingByKey) {
  FlagDefinition f = color_flag("f");
  f.rules.push_back(rule({cond("plan", Operator::Equals, {"pro"})}, serve_variant("red"), "pro"));
  auto snapshot = compile_ok(FlagSet{{bool_flag("other"), f}, {}});
  ASSERT_NE(snapshot, nullptr);
  auto handle = snapshot->find("f");
  ASSERT_TRUE(handle.has_value());
  Context ctx = with("plan", "pro");
  PreparedContext prepared = snapshot->prepare(ctx);
  Evaluation by_key = snapshot->evaluate("f", prepared);
  Evaluation by_handle = snapshot->evaluate(*handle, prepared);
  EXPECT_EQ(by_key.value, by_handle.value);
  EXPECT_EQ(by_handle.variant, "red");
  EXPECT_EQ(by_handle.reason, Reason::TargetingMatch);
  EXPECT_EQ(by_handle.rule_index, 0);
}

// ---------------------------------------------------------------------------------------------
// Errors

// The evaluation of an unknown flag is data (evaluation_errors.json); this is the handle lookup.
TEST(EvaluationErrors, FindHasNoHandleForAnUnknownFlag) {
  auto snapshot = compile_ok(FlagSet{{bool_flag("f")}, {}});
  ASSERT_NE(snapshot, nullptr);
  EXPECT_FALSE(snapshot->find("missing").has_value());
  EXPECT_FALSE(snapshot->find("F").has_value());  // flag keys are case-sensitive
}

// The typed evaluations are data (evaluation_errors.json); this is the handle's type and key.
TEST(EvaluationErrors, HandleKnowsTheFlagTypeAndKey) {
  FlagDefinition n = test::flag("n", {{"one", Value(1)}, {"zero", Value(0)}});
  auto snapshot = compile_ok(FlagSet{{bool_flag("b"), n}, {}});
  ASSERT_NE(snapshot, nullptr);
  auto handle = snapshot->find("n");
  ASSERT_TRUE(handle.has_value());
  EXPECT_EQ(snapshot->flag_type(*handle), ValueType::Number);
  EXPECT_EQ(snapshot->flag_key(*handle), "n");
}

TEST(EvaluationErrors, ContextPreparedForAnotherSnapshot) {
  auto first = compile_ok(FlagSet{{bool_flag("f")}, {}});
  auto second = compile_ok(FlagSet{{bool_flag("f")}, {}});
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  Context ctx = with("targetingKey", "u1");
  PreparedContext prepared = first->prepare(ctx);
  Evaluation e = second->evaluate("f", prepared);
  EXPECT_EQ(e.value, nullptr);
  EXPECT_EQ(e.reason, Reason::Error);
  EXPECT_EQ(e.error, ErrorCode::General);
  auto handle = second->find("f");
  ASSERT_TRUE(handle.has_value());
  EXPECT_EQ(second->evaluate(*handle, prepared).error, ErrorCode::General);
  EXPECT_EQ(second->evaluate(*handle, PreparedContext{}).error, ErrorCode::General);
  // The right snapshot evaluates it.
  EXPECT_EQ(first->evaluate("f", prepared).error, ErrorCode::None);
}

TEST(EvaluationErrors, HandleOutOfRangeIsGeneral) {
  auto snapshot = compile_ok(FlagSet{{bool_flag("f")}, {}});
  ASSERT_NE(snapshot, nullptr);
  PreparedContext prepared = snapshot->prepare(Context{});
  Evaluation e = snapshot->evaluate(FlagHandle{7}, prepared);
  EXPECT_EQ(e.value, nullptr);
  EXPECT_EQ(e.error, ErrorCode::General);
}

// ---------------------------------------------------------------------------------------------
// Splits

TEST(EvaluationSplits, DefaultSplitFollowsTheBucketRanges) {
  const std::vector<std::pair<std::string, std::uint32_t>> weights = {
      {"red", 2000}, {"green", 3050}, {"blue", 4950}};
  FlagDefinition f = color_flag("colors");
  f.fallthrough = serve_split(weights);
  auto snapshot = compile_ok(FlagSet{{f}, {}});
  ASSERT_NE(snapshot, nullptr);
  int seen_red = 0, seen_green = 0, seen_blue = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string key = "user-" + std::to_string(i);
    SCOPED_TRACE(key);
    Outcome o = evaluate(*snapshot, "colors", with("targetingKey", key));
    ASSERT_EQ(o.variant, expected_variant("colors", key, weights));  // salt defaults to the key
    ASSERT_TRUE(o.value.has_value());
    EXPECT_EQ(*o.value, Value(o.variant));
    EXPECT_EQ(o.reason, Reason::Split);
    EXPECT_EQ(o.rule_index, -1);
    EXPECT_EQ(o.error, ErrorCode::None);
    seen_red += o.variant == "red";
    seen_green += o.variant == "green";
    seen_blue += o.variant == "blue";
  }
  // 20% / 30.5% / 49.5% of 2000 users, give or take sampling noise.
  EXPECT_NEAR(seen_red, 400, 80);
  EXPECT_NEAR(seen_green, 610, 90);
  EXPECT_NEAR(seen_blue, 990, 100);
}

TEST(EvaluationSplits, RuleSplitReportsRuleAndSplitReason) {
  const std::vector<std::pair<std::string, std::uint32_t>> weights = {{"on", 5000}, {"off", 5000}};
  FlagDefinition g = bool_flag("exp");
  g.rules.push_back(rule({cond("plan", Operator::Equals, {"free"})}, serve_variant("off"), "free"));
  g.rules.push_back(rule({cond("plan", Operator::Equals, {"pro"})}, serve_split(weights), "pros"));
  auto snapshot = compile_ok(FlagSet{{g}, {}});
  ASSERT_NE(snapshot, nullptr);
  int on = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "acct-" + std::to_string(i);
    Context ctx;
    ctx.set("targetingKey", key).set("plan", "pro");
    Outcome o = evaluate(*snapshot, "exp", ctx);
    ASSERT_EQ(o.variant, expected_variant("exp", key, weights)) << key;
    EXPECT_EQ(o.reason, Reason::Split);
    EXPECT_EQ(o.rule_index, 1);
    EXPECT_EQ(o.rule_name, "pros");
    on += o.variant == "on";
  }
  EXPECT_GT(on, 50);
  EXPECT_LT(on, 150);
}

TEST(EvaluationSplits, BucketByCustomAttributeAndPerSplitSalt) {
  const std::vector<std::pair<std::string, std::uint32_t>> weights = {{"on", 5000}, {"off", 5000}};
  FlagDefinition f = bool_flag("f");
  f.fallthrough = serve_split(weights, "accountId", "my-salt");
  auto snapshot = compile_ok(FlagSet{{f}, {}});
  ASSERT_NE(snapshot, nullptr);
  int differs_from_default_salt = 0;
  for (int i = 0; i < 300; ++i) {
    const std::string account = "acct-" + std::to_string(i);
    Context ctx;
    ctx.set("accountId", account).set("targetingKey", "same-user");
    Outcome o = evaluate(*snapshot, "f", ctx);
    ASSERT_EQ(o.variant, expected_variant("my-salt", account, weights)) << account;
    differs_from_default_salt += o.variant != expected_variant("f", account, weights);
  }
  EXPECT_GT(differs_from_default_salt, 50);  // the salt changes the assignment
}

TEST(EvaluationSplits, FlagLevelBucketByAndSaltAreInheritedAndOverridable) {
  const std::vector<std::pair<std::string, std::uint32_t>> weights = {{"on", 5000}, {"off", 5000}};
  FlagDefinition f = bool_flag("f");
  f.bucket_by = "orgId";
  f.salt = "flag-salt";
  f.rules.push_back(rule({cond("plan", Operator::Equals, {"pro"})},
                         serve_split(weights, "userId", "rule-salt"), "override both"));
  f.rules.push_back(rule({cond("plan", Operator::Equals, {"team"})},
                         serve_split(weights, std::nullopt, "team-salt"), "override salt"));
  f.fallthrough = serve_split(weights);  // inherits both
  auto snapshot = compile_ok(FlagSet{{f}, {}});
  ASSERT_NE(snapshot, nullptr);
  for (int i = 0; i < 200; ++i) {
    const std::string org = "org-" + std::to_string(i);
    const std::string user = "user-" + std::to_string(i * 7);
    SCOPED_TRACE(org + " " + user);
    Context ctx;
    ctx.set("orgId", org).set("userId", user).set("targetingKey", "tk");
    ctx.set("plan", "free");
    ASSERT_EQ(evaluate(*snapshot, "f", ctx).variant, expected_variant("flag-salt", org, weights));
    ctx.set("plan", "pro");
    ASSERT_EQ(evaluate(*snapshot, "f", ctx).variant, expected_variant("rule-salt", user, weights));
    ctx.set("plan", "team");
    ASSERT_EQ(evaluate(*snapshot, "f", ctx).variant, expected_variant("team-salt", org, weights));
  }
}

TEST(EvaluationSplits, GrowingTheFirstVariantKeepsEveryoneWhoWasIn) {
  auto build = [](std::uint32_t first) {
    FlagDefinition f = bool_flag("rollout");
    f.fallthrough = serve_split({{"on", first}, {"off", 10000 - first}});
    return compile_ok(FlagSet{{f}, {}});
  };
  auto five = build(500);
  auto twenty_five = build(2500);
  ASSERT_NE(five, nullptr);
  ASSERT_NE(twenty_five, nullptr);
  int on_at_five = 0, on_at_twenty_five = 0;
  for (int i = 0; i < 4000; ++i) {
    Context ctx = with("targetingKey", "u" + std::to_string(i));
    bool was_on = evaluate(*five, "rollout", ctx).variant == "on";
    bool is_on = evaluate(*twenty_five, "rollout", ctx).variant == "on";
    if (was_on) {
      EXPECT_TRUE(is_on) << i;
    }
    on_at_five += was_on;
    on_at_twenty_five += is_on;
  }
  EXPECT_NEAR(on_at_five, 200, 60);
  EXPECT_NEAR(on_at_twenty_five, 1000, 120);
}

TEST(EvaluationSplits, ZeroWeightVariantIsNeverServed) {
  FlagDefinition f = color_flag("f");
  f.fallthrough = serve_split({{"red", 0}, {"green", 10000}, {"blue", 0}});
  auto snapshot = compile_ok(FlagSet{{f}, {}});
  ASSERT_NE(snapshot, nullptr);
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(evaluate(*snapshot, "f", with("targetingKey", std::to_string(i))).variant, "green");
  }
}

// ---------------------------------------------------------------------------------------------
// Values

TEST(EvaluationValues, ObjectVariants) {
  Value::Object blue = {{"color", Value("blue")}, {"size", Value(3)}};
  Value::Object none = {{"color", Value("none")}, {"size", Value(0)}, {"hidden", Value(true)}};
  FlagDefinition f = test::flag("theme", {{"blue", Value(blue)}, {"none", Value(none)}});
  f.rules.push_back(rule({cond("plan", Operator::Equals, {"pro"})}, serve_variant("blue"), "pro"));
  auto snapshot = compile_ok(FlagSet{{f}, {}});
  ASSERT_NE(snapshot, nullptr);
  auto handle = snapshot->find("theme");
  ASSERT_TRUE(handle.has_value());
  EXPECT_EQ(snapshot->flag_type(*handle), ValueType::Object);
  // The values are data (evaluation_values.json); here, the C++ Value keeps the members' order.
  Outcome o = evaluate(*snapshot, "theme", with("plan", "pro"), ValueType::Object);
  ASSERT_TRUE(o.value.has_value());
  ASSERT_TRUE(o.value->is_object());
  EXPECT_EQ(o.value->to_json(), R"({"color":"blue","size":3})");
  const Value* size = o.value->find("size");
  ASSERT_NE(size, nullptr);
  EXPECT_EQ(*size, Value(3));
  o = evaluate(*snapshot, "theme", Context{}, ValueType::Object);
  EXPECT_EQ(o.value->to_json(), R"({"color":"none","size":0,"hidden":true})");
}

TEST(EvaluationValues, EvaluationPointsIntoTheSnapshot) {
  auto snapshot = compile_ok(FlagSet{{bool_flag("f")}, {}});
  ASSERT_NE(snapshot, nullptr);
  Context ctx;
  PreparedContext prepared = snapshot->prepare(ctx);
  Evaluation first = snapshot->evaluate("f", prepared);
  Evaluation second = snapshot->evaluate("f", prepared);
  EXPECT_EQ(first.value, second.value);  // the same variant object, no copies
  EXPECT_EQ(snapshot->flag_count(), 1u);
  EXPECT_EQ(snapshot->definitions().flags.at(0).key, "f");
}

// ---------------------------------------------------------------------------------------------
// Compile-time diagnostics

// Compiles `set`, expects it to fail, and returns all messages.
std::string compile_errors(FlagSet set) {
  CompileResult result = compile_snapshot(std::move(set));
  EXPECT_EQ(result.snapshot, nullptr);
  EXPECT_FALSE(result.diagnostics.empty());
  return test::diagnostics_text(result);
}

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(CompileDiagnostics, UnknownVariantInServe) {
  FlagDefinition f = bool_flag("f");
  f.rules.push_back(rule({}, serve_variant("maybe"), "r"));
  EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
              AllOf(HasSubstr("field 'variant'"), HasSubstr("unknown variant 'maybe'"),
                    HasSubstr("flag 'f'")));
  FlagDefinition g = bool_flag("g");
  g.fallthrough = serve_variant("nah");
  EXPECT_THAT(compile_errors(FlagSet{{g}, {}}),
              AllOf(HasSubstr("field 'variant'"), HasSubstr("unknown variant 'nah'")));
}

TEST(CompileDiagnostics, UnknownOffVariant) {
  FlagDefinition f = bool_flag("f");
  f.off_variant = "disabled";
  EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
              AllOf(HasSubstr("off_variant"), HasSubstr("unknown variant 'disabled'")));
}

TEST(CompileDiagnostics, UnknownVariantInWeights) {
  FlagDefinition f = bool_flag("f");
  f.fallthrough = serve_split({{"on", 5000}, {"maybe", 5000}});
  EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
              AllOf(HasSubstr("field 'weights'"), HasSubstr("unknown variant 'maybe'")));
}

TEST(CompileDiagnostics, WeightsNotSummingToHundred) {
  struct Row {
    std::uint32_t first, second;
    std::string sum;
  };
  for (const Row& row : std::vector<Row>{{500, 9000, "sums to 95%"},
                                         {5000, 5050, "sums to 100.5%"},
                                         {5000, 4999, "sums to 99.99%"},
                                         {0, 0, "sums to 0%"}}) {
    SCOPED_TRACE(row.sum);
    FlagDefinition f = bool_flag("f");
    f.fallthrough = serve_split({{"on", row.first}, {"off", row.second}});
    EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
                AllOf(HasSubstr("weights"), HasSubstr(row.sum), HasSubstr("not 100%")));
  }
  FlagDefinition r = bool_flag("r");
  r.rules.push_back(rule({}, serve_split({{"on", 9500}}), "rule split"));
  EXPECT_THAT(compile_errors(FlagSet{{r}, {}}), HasSubstr("sums to 95%"));
}

TEST(CompileDiagnostics, WeightAboveHundredPercent) {
  FlagDefinition f = bool_flag("f");
  f.fallthrough = serve_split({{"on", 10001}, {"off", 0}});
  EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
              AllOf(HasSubstr("weights"), HasSubstr("weight of 'on' is above 100%")));
}

TEST(CompileDiagnostics, DuplicateSplitVariant) {
  FlagDefinition f = bool_flag("f");
  f.fallthrough = serve_split({{"on", 5000}, {"on", 5000}});
  EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
              AllOf(HasSubstr("weights"), HasSubstr("'on' listed twice")));
}

TEST(CompileDiagnostics, EmptySplitAndServeWithBothOrNeither) {
  FlagDefinition f = bool_flag("f");
  f.fallthrough = serve_split({});
  EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
              AllOf(HasSubstr("weights"), HasSubstr("at least one variant")));
  FlagDefinition g = bool_flag("g");
  g.fallthrough = serve_split({{"on", 10000}});
  g.fallthrough.variant = "on";
  EXPECT_THAT(compile_errors(FlagSet{{g}, {}}), HasSubstr("exactly one of 'variant' or 'split'"));
  FlagDefinition h = bool_flag("h");
  h.fallthrough = ServeDefinition{};
  EXPECT_THAT(compile_errors(FlagSet{{h}, {}}), HasSubstr("exactly one of 'variant' or 'split'"));
}

TEST(CompileDiagnostics, MixedVariantTypes) {
  FlagDefinition f = test::flag("f", {{"on", Value(true)}, {"label", Value("x")}, {"off", false}});
  EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
              AllOf(HasSubstr("variant 'label' is of type string"),
                    HasSubstr("'on' is of type boolean"), HasSubstr("one type")));
  FlagDefinition g = test::flag("g", {{"n", Value(1)}, {"o", Value(Value::Object{})}});
  EXPECT_THAT(compile_errors(FlagSet{{g}, {}}),
              AllOf(HasSubstr("variant 'o'"), HasSubstr("object"), HasSubstr("one type")));
}

TEST(CompileDiagnostics, VariantsMissingDuplicatedOrOfAnUnsupportedType) {
  FlagDefinition none = bool_flag("none");
  none.variants.clear();
  EXPECT_THAT(compile_errors(FlagSet{{none}, {}}),
              AllOf(HasSubstr("variants"), HasSubstr("at least one variant")));
  FlagDefinition dup = test::flag("dup", {{"on", true}, {"on", false}});
  EXPECT_THAT(compile_errors(FlagSet{{dup}, {}}), HasSubstr("duplicate variant 'on'"));
  FlagDefinition list = test::flag("list", {{"l", test::list({1})}, {"off", test::list({})}});
  EXPECT_THAT(compile_errors(FlagSet{{list}, {}}),
              AllOf(HasSubstr("variant 'l'"), HasSubstr("got list")));
}

// Each bad condition alone in a rule of flag `f`.
std::string condition_errors(ConditionDefinition condition,
                             std::vector<SegmentDefinition> segments = {}) {
  FlagDefinition f = bool_flag("f");
  condition.where = test::at("flags[0].rules[0].conditions[0]");
  f.rules.push_back(rule({std::move(condition)}, serve_variant("on")));
  CompileResult result = compile_snapshot(FlagSet{{f}, std::move(segments)});
  EXPECT_EQ(result.snapshot, nullptr);
  EXPECT_FALSE(result.diagnostics.empty());
  for (const auto& d : result.diagnostics) {
    EXPECT_EQ(d.where.path, "flags[0].rules[0].conditions[0]") << d.message;
  }
  return test::diagnostics_text(result);
}

TEST(CompileDiagnostics, InvalidRegex) {
  EXPECT_THAT(condition_errors(cond("path", Operator::Matches, {"ok", "(unclosed"})),
              AllOf(HasSubstr("field 'values'"), HasSubstr("invalid regular expression"),
                    HasSubstr("(unclosed")));
  // RE2 rejects backreferences that PCRE would take.
  EXPECT_THAT(condition_errors(cond("path", Operator::Matches, {R"((a)\1)"})),
              HasSubstr("invalid regular expression"));
  EXPECT_THAT(condition_errors(cond("path", Operator::Matches, {42})),
              AllOf(HasSubstr("values"), HasSubstr("needs string operands, got number")));
}

TEST(CompileDiagnostics, InvalidSemverOperand) {
  for (const char* bad : {"1.0", "v1.0.0", "1.0.0-", "01.2.3", "1.2.3-beta..1", "latest"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(condition_errors(cond("version", Operator::SemverGte, {bad})),
                AllOf(HasSubstr("field 'value'"), HasSubstr(std::string("'") + bad + "'"),
                      HasSubstr("is not a semantic version")));
  }
  EXPECT_THAT(condition_errors(cond("version", Operator::SemverEq, {1})),
              HasSubstr("needs string operands, got number"));
  EXPECT_THAT(condition_errors(cond("version", Operator::SemverEq, {"1.0.0", "2.0.0"})),
              HasSubstr("takes exactly one operand, got 2"));
}

TEST(CompileDiagnostics, InvalidRfc3339Operand) {
  for (const char* bad :
       {"2026-11-21", "2026-11-21T09:30:00", "2025-02-29T00:00:00Z", "next tuesday"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(condition_errors(cond("at", Operator::After, {bad})),
                AllOf(HasSubstr("field 'value'"), HasSubstr(std::string("'") + bad + "'"),
                      HasSubstr("is not an RFC 3339 date-time")));
  }
  EXPECT_THAT(condition_errors(cond("at", Operator::Before, {1795253400000.0})),
              HasSubstr("needs string operands, got number"));
}

TEST(CompileDiagnostics, WrongOperandCountOrTypeForLt) {
  EXPECT_THAT(condition_errors(cond("age", Operator::Lt, {1, 2})),
              AllOf(HasSubstr("field 'value'"), HasSubstr("operator lt"),
                    HasSubstr("exactly one operand, got 2")));
  EXPECT_THAT(condition_errors(cond("age", Operator::Lt, {})),
              AllOf(HasSubstr("operator lt"), HasSubstr("exactly one operand, got 0")));
  EXPECT_THAT(
      condition_errors(cond("age", Operator::Lt, {"18"})),
      AllOf(HasSubstr("field 'value'"), HasSubstr("operator lt needs a number, got string")));
  EXPECT_THAT(condition_errors(cond("age", Operator::Gte, {true})),
              HasSubstr("operator gte needs a number, got boolean"));
}

TEST(CompileDiagnostics, WrongOperandCountOrTypeForEquals) {
  EXPECT_THAT(condition_errors(cond("plan", Operator::Equals, {})),
              AllOf(HasSubstr("operator equals"), HasSubstr("exactly one operand, got 0")));
  EXPECT_THAT(condition_errors(cond("plan", Operator::Equals, {"a", "b"})),
              AllOf(HasSubstr("operator equals"), HasSubstr("exactly one operand, got 2")));
  EXPECT_THAT(condition_errors(cond("plan", Operator::NotEquals, {"a", "b"})),
              AllOf(HasSubstr("operator not_equals"), HasSubstr("exactly one operand, got 2")));
  EXPECT_THAT(condition_errors(cond("plan", Operator::Equals, {Value(Value::Object{})})),
              AllOf(HasSubstr("field 'values'"),
                    HasSubstr("takes strings, numbers or booleans, got object")));
  EXPECT_THAT(condition_errors(cond("plan", Operator::In, {"a", Value()})),
              AllOf(HasSubstr("operator in"), HasSubstr("got null")));
}

TEST(CompileDiagnostics, OtherOperandChecks) {
  EXPECT_THAT(condition_errors(cond("a", Operator::Exists, {"x"})),
              AllOf(HasSubstr("operator exists"), HasSubstr("takes no operands")));
  EXPECT_THAT(condition_errors(cond("a", Operator::StartsWith, {})),
              AllOf(HasSubstr("operator starts_with"), HasSubstr("at least one operand")));
  EXPECT_THAT(condition_errors(cond("a", Operator::Contains, {"x", 1})),
              AllOf(HasSubstr("operator contains"), HasSubstr("needs string operands")));
  EXPECT_THAT(condition_errors(test::in_segment({}), {test::id_segment("s", {"u1"})}),
              AllOf(HasSubstr("operator in_segment"), HasSubstr("at least one operand")));
  EXPECT_THAT(condition_errors(cond("", Operator::Equals, {"x"})),
              AllOf(HasSubstr("field 'attribute'"), HasSubstr("required")));
}

TEST(CompileDiagnostics, CaseInsensitiveOnNonStringOperator) {
  EXPECT_THAT(condition_errors(test::folded(cond("age", Operator::Lt, {18}))),
              AllOf(HasSubstr("field 'case_insensitive'"), HasSubstr("does not apply"),
                    HasSubstr("operator lt")));
  EXPECT_THAT(condition_errors(test::folded(cond("v", Operator::SemverEq, {"1.0.0"}))),
              HasSubstr("'case_insensitive' does not apply to operator semver_eq"));
}

TEST(CompileDiagnostics, UnknownSegmentInRuleAndInSegment) {
  FlagDefinition f = bool_flag("f");
  f.rules.push_back(rule({}, serve_variant("on"), "r", {"ghosts"}));
  EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
              AllOf(HasSubstr("field 'segments'"), HasSubstr("unknown segment 'ghosts'")));
  EXPECT_THAT(condition_errors(test::in_segment({"known", "phantoms"}),
                               {test::id_segment("known", {"u1"})}),
              AllOf(HasSubstr("field 'values'"), HasSubstr("unknown segment 'phantoms'")));
}

TEST(CompileDiagnostics, InSegmentInsideASegment) {
  SegmentDefinition inner = test::id_segment("inner", {"u1"});
  SegmentDefinition outer = test::condition_segment("outer", {test::in_segment({"inner"})});
  CompileResult result = compile_snapshot(FlagSet{{bool_flag("f")}, {inner, outer}});
  EXPECT_EQ(result.snapshot, nullptr);
  EXPECT_THAT(test::diagnostics_text(result),
              AllOf(HasSubstr("segment 'outer'"), HasSubstr("field 'op'"),
                    HasSubstr("in_segment is not allowed in segment conditions")));
}

TEST(CompileDiagnostics, SegmentProblems) {
  SegmentDefinition empty;
  empty.key = "empty";
  EXPECT_THAT(compile_errors(FlagSet{{}, {empty}}),
              AllOf(HasSubstr("segment 'empty'"), HasSubstr("needs 'ids' or 'conditions'")));
  EXPECT_THAT(
      compile_errors(FlagSet{{}, {test::id_segment("s", {"a"}), test::id_segment("s", {"b"})}}),
      HasSubstr("duplicate segment key 's'"));
  SegmentDefinition bad_condition =
      test::condition_segment("bad", {cond("version", Operator::SemverEq, {"one"})});
  EXPECT_THAT(compile_errors(FlagSet{{}, {bad_condition}}),
              HasSubstr("'one' is not a semantic version"));
}

TEST(CompileDiagnostics, PrerequisiteToUnknownFlagOrVariant) {
  FlagDefinition f = bool_flag("f");
  f.prerequisites.push_back(prerequisite("nope", {"on"}));
  EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
              AllOf(HasSubstr("prerequisite field 'flag'"), HasSubstr("unknown flag 'nope'")));
  FlagDefinition base = bool_flag("base");
  FlagDefinition g = bool_flag("g");
  g.prerequisites.push_back(prerequisite("base", {"enabled"}));
  EXPECT_THAT(compile_errors(FlagSet{{base, g}, {}}),
              AllOf(HasSubstr("field 'variants'"), HasSubstr("unknown variant 'enabled'"),
                    HasSubstr("flag 'base'")));
  FlagDefinition h = bool_flag("h");
  h.prerequisites.push_back(prerequisite("base", {}));
  EXPECT_THAT(compile_errors(FlagSet{{base, h}, {}}),
              AllOf(HasSubstr("prerequisite field 'variants'"), HasSubstr("at least one")));
}

TEST(CompileDiagnostics, PrerequisiteCycles) {
  FlagDefinition a = bool_flag("a");
  FlagDefinition b = bool_flag("b");
  a.prerequisites.push_back(prerequisite("b", {"on"}));
  b.prerequisites.push_back(prerequisite("a", {"on"}));
  CompileResult two = compile_snapshot(FlagSet{{a, b}, {}});
  EXPECT_EQ(two.snapshot, nullptr);
  ASSERT_EQ(two.diagnostics.size(), 1u) << test::diagnostics_text(two);
  EXPECT_THAT(two.diagnostics[0].message, HasSubstr("prerequisite cycle: b -> a -> b"));

  FlagDefinition self = bool_flag("self");
  self.prerequisites.push_back(prerequisite("self", {"on"}));
  EXPECT_THAT(compile_errors(FlagSet{{self}, {}}), HasSubstr("prerequisite cycle: self -> self"));

  FlagDefinition x = bool_flag("x");
  FlagDefinition y = bool_flag("y");
  FlagDefinition z = bool_flag("z");
  FlagDefinition entry = bool_flag("entry");
  entry.prerequisites.push_back(prerequisite("x", {"on"}));
  x.prerequisites.push_back(prerequisite("y", {"on"}));
  y.prerequisites.push_back(prerequisite("z", {"on"}));
  z.prerequisites.push_back(prerequisite("x", {"off"}));
  EXPECT_THAT(compile_errors(FlagSet{{entry, x, y, z}, {}}),
              AllOf(HasSubstr("prerequisite cycle: z -> x -> y -> z"),
                    ::testing::Not(HasSubstr("entry ->"))));
}

TEST(CompileDiagnostics, SharedPrerequisiteIsNotACycle) {
  FlagDefinition base = bool_flag("base");
  FlagDefinition left = bool_flag("left");
  FlagDefinition right = bool_flag("right");
  FlagDefinition top = bool_flag("top");
  left.prerequisites.push_back(prerequisite("base", {"off"}));
  right.prerequisites.push_back(prerequisite("base", {"off"}));
  top.prerequisites.push_back(prerequisite("left", {"off"}));
  top.prerequisites.push_back(prerequisite("right", {"off"}));
  EXPECT_NE(compile_ok(FlagSet{{top, left, right, base}, {}}), nullptr);
}

TEST(CompileDiagnostics, DuplicateFlagKeys) {
  FlagDefinition first = bool_flag("dup");
  FlagDefinition second = bool_flag("dup");
  second.where = test::at("flags[3]");
  CompileResult result = compile_snapshot(FlagSet{{first, second}, {}});
  EXPECT_EQ(result.snapshot, nullptr);
  ASSERT_EQ(result.diagnostics.size(), 1u) << test::diagnostics_text(result);
  EXPECT_THAT(result.diagnostics[0].message,
              AllOf(HasSubstr("duplicate flag key 'dup'"), HasSubstr("first defined at flag dup")));
  EXPECT_EQ(result.diagnostics[0].where.path, "flags[3]");
}

// Flag keys: docs/flag-format.md and docs/decisions.md agree on these.
TEST(CompileDiagnostics, FlagKeyValidity) {
  for (const std::string& good :
       {std::string("a"), std::string("new-pdf-engine"), std::string("Billing.V2_beta"),
        std::string("9lives"), std::string(128, 'k')}) {
    SCOPED_TRACE(good);
    EXPECT_NE(compile_ok(FlagSet{{bool_flag(good)}, {}}), nullptr);
  }
  for (const std::string& bad :
       {std::string(""), std::string("has space"), std::string("a/b"), std::string("tab\there"),
        std::string("nl\n"), std::string(257, 'k')}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(compile_errors(FlagSet{{bool_flag(bad)}, {}}), HasSubstr("field 'key'"));
  }
}

// docs/decisions.md: keys are 1-256 bytes of UTF-8 without whitespace, control characters or '/'.
TEST(CompileDiagnostics, FlagKeyRejectsSpacesSlashesControlsAndOverlongKeys) {
  for (const std::string& bad : {std::string("has space"), std::string("a/b"),
                                 std::string("tab\tkey"), std::string(257, 'k')}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(compile_errors(FlagSet{{bool_flag(bad)}, {}}), HasSubstr("field 'key'"));
  }
  for (const std::string& good :
       {std::string("caf\xc3\xa9"), std::string("a:b"), std::string(256, 'k')}) {
    SCOPED_TRACE(good);
    EXPECT_TRUE(compile_snapshot(FlagSet{{bool_flag(good)}, {}}).diagnostics.empty());
  }
}

TEST(CompileDiagnostics, InvalidCreatedOrUpdatedTimestamp) {
  FlagDefinition f = bool_flag("f");
  f.created = "2026-11-01 09:00";
  EXPECT_THAT(compile_errors(FlagSet{{f}, {}}),
              AllOf(HasSubstr("field 'created'"), HasSubstr("'2026-11-01 09:00'"),
                    HasSubstr("not an RFC 3339 date-time")));
  FlagDefinition g = bool_flag("g");
  g.created = "2026-11-01T09:00:00Z";
  g.updated = "2026-02-30T10:30:00Z";
  EXPECT_THAT(compile_errors(FlagSet{{g}, {}}),
              AllOf(HasSubstr("field 'updated'"), ::testing::Not(HasSubstr("'created'"))));
  FlagDefinition h = bool_flag("h");
  h.created = "2026-11-01T09:00:00Z";
  h.updated = "2026-11-02T10:30:00+01:00";
  EXPECT_NE(compile_ok(FlagSet{{h}, {}}), nullptr);
}

TEST(CompileDiagnostics, AllProblemsAreReportedTogether) {
  FlagDefinition a = bool_flag("a");
  a.off_variant = "nope";
  FlagDefinition b = bool_flag("b");
  b.fallthrough = serve_split({{"on", 100}});
  b.rules.push_back(rule({cond("x", Operator::Matches, {"("})}, serve_variant("on")));
  CompileResult result = compile_snapshot(FlagSet{{a, b}, {}});
  EXPECT_EQ(result.snapshot, nullptr);
  const std::string all = test::diagnostics_text(result);
  EXPECT_THAT(all, AllOf(HasSubstr("unknown variant 'nope'"), HasSubstr("sums to 1%"),
                         HasSubstr("invalid regular expression")));
  EXPECT_EQ(result.diagnostics.size(), 3u) << all;
}

TEST(CompileDiagnostics, ValidSetHasNoDiagnostics) {
  FlagDefinition f = color_flag("f");
  f.created = "2026-11-01T09:00:00Z";
  f.rules.push_back(
      rule({cond("v", Operator::SemverGte, {"1.2.3-rc.1+build"}),
            cond("at", Operator::Before, {"2026-12-01T00:00:00+05:30"}),
            cond("p", Operator::Matches, {"^a", "b$"}, false, true), test::in_segment({"s"})},
           serve_split({{"red", 3333}, {"green", 3333}, {"blue", 3334}}), "r"));
  CompileResult result =
      compile_snapshot(FlagSet{{f}, {test::id_segment("s", {"u1"}, "accountId")}});
  EXPECT_NE(result.snapshot, nullptr);
  EXPECT_TRUE(result.diagnostics.empty()) << test::diagnostics_text(result);
}

}  // namespace
}  // namespace sluice
