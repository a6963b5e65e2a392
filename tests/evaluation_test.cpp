// Evaluation through the C++ API: handles, prepared contexts, splits over thousands of ids
// against the spec's bucket formula (compile diagnostics: compile_diagnostics_test.cpp). The cases
// of evaluation order, reasons, errors, prerequisites, values and known split buckets are data:
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
using test::color_flag;
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

}  // namespace
}  // namespace sluice
