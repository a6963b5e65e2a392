// The diagnostics compile_snapshot reports (docs/flag-format.md) for variants, splits and
// condition operands, each with its field (references between definitions, keys and the whole
// set: compile_references_test.cpp). Split from evaluation_test.cpp.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "test_flags.hpp"

namespace sluice {
namespace {

using test::bool_flag;
using test::color_flag;
using test::compile_errors;
using test::compile_ok;
using test::cond;
using test::prerequisite;
using test::rule;
using test::serve_split;
using test::serve_variant;

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

}  // namespace
}  // namespace sluice
