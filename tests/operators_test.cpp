// Every condition operator, evaluated through a compiled flag: one rule made of the condition
// serves `on`, the default serves `off`. Expected outcomes follow docs/flag-format.md.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "test_flags.hpp"

namespace sluice {
namespace {

using test::cond;
using test::folded;
using test::list;
using test::negated;
using test::rule_matches;
using test::with;

struct Case {
  std::string name;
  ConditionDefinition condition;
  Context context;
  bool expected;
};

void run(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(rule_matches(c.condition, c.context), c.expected) << c.name;
  }
}

Value object(Value::Object members) {
  return Value(std::move(members));
}

// ---------------------------------------------------------------------------------------------
// equals / not_equals

TEST(OperatorEquals, Strings) {
  auto eq = cond("plan", Operator::Equals, {"pro"});
  auto ne = cond("plan", Operator::NotEquals, {"pro"});
  run({
      {"equal string", eq, with("plan", "pro"), true},
      {"other string", eq, with("plan", "free"), false},
      {"case-sensitive by default", eq, with("plan", "Pro"), false},
      {"case_insensitive folds ASCII", folded(eq), with("plan", "PRO"), true},
      {"case_insensitive still compares", folded(eq), with("plan", "PROS"), false},
      {"prefix is not equal", eq, with("plan", "pro-max"), false},
      {"empty string", eq, with("plan", ""), false},
      {"number is another type", eq, with("plan", 1), false},
      {"not_equals other string", ne, with("plan", "free"), true},
      {"not_equals equal string", ne, with("plan", "pro"), false},
      {"not_equals case-sensitive", ne, with("plan", "PRO"), true},
      {"not_equals case_insensitive", folded(ne), with("plan", "PRO"), false},
      {"negated equals", negated(eq), with("plan", "pro"), false},
      {"negated equals, other", negated(eq), with("plan", "free"), true},
      {"negated not_equals", negated(ne), with("plan", "pro"), true},
  });
}

TEST(OperatorEquals, NumbersAndBooleans) {
  auto num = cond("seats", Operator::Equals, {42});
  auto fraction = cond("ratio", Operator::Equals, {0.25});
  auto yes = cond("beta", Operator::Equals, {true});
  auto no = cond("beta", Operator::Equals, {false});
  run({
      {"equal integer", num, with("seats", 42), true},
      {"equal as double", num, with("seats", 42.0), true},
      {"other number", num, with("seats", 43), false},
      {"near number", num, with("seats", 42.000001), false},
      {"string of the number is another type", num, with("seats", "42"), false},
      {"fraction", fraction, with("ratio", 0.25), true},
      {"true equals true", yes, with("beta", true), true},
      {"false is not true", yes, with("beta", false), false},
      {"false equals false", no, with("beta", false), true},
      {"string 'true' is not a boolean", yes, with("beta", "true"), false},
      {"number 1 is not a boolean", yes, with("beta", 1), false},
      {"not_equals number", cond("seats", Operator::NotEquals, {42}), with("seats", 7), true},
      {"not_equals same number", cond("seats", Operator::NotEquals, {42}), with("seats", 42),
       false},
      {"not_equals boolean", cond("beta", Operator::NotEquals, {true}), with("beta", false), true},
  });
}

TEST(OperatorEquals, ObjectAttributeIsATypeMismatchEvenWhenNegated) {
  Value obj = object({{"plan", Value("pro")}});
  EXPECT_FALSE(rule_matches(cond("plan", Operator::Equals, {"pro"}), with("plan", obj)));
  EXPECT_FALSE(rule_matches(cond("plan", Operator::NotEquals, {"pro"}), with("plan", obj)));
  EXPECT_FALSE(rule_matches(negated(cond("plan", Operator::Equals, {"pro"})), with("plan", obj)));
}

// ---------------------------------------------------------------------------------------------
// in / not_in

TEST(OperatorIn, StringsNumbersBooleans) {
  auto plans = cond("plan", Operator::In, {"free", "pro"});
  auto sizes = cond("seats", Operator::In, {1, 5, 10.5});
  auto flags = cond("beta", Operator::In, {true});
  run({
      {"first string", plans, with("plan", "free"), true},
      {"second string", plans, with("plan", "pro"), true},
      {"absent string", plans, with("plan", "enterprise"), false},
      {"case-sensitive by default", plans, with("plan", "Free"), false},
      {"case_insensitive", folded(plans), with("plan", "FrEe"), true},
      {"case_insensitive absent", folded(plans), with("plan", "FREEDOM"), false},
      {"number in list", sizes, with("seats", 5), true},
      {"fraction in list", sizes, with("seats", 10.5), true},
      {"number not in list", sizes, with("seats", 2), false},
      {"string of number", sizes, with("seats", "5"), false},
      {"boolean in list", flags, with("beta", true), true},
      {"boolean not in list", flags, with("beta", false), false},
  });
}

TEST(OperatorIn, MixedList) {
  auto mixed = cond("x", Operator::In, {"pro", 42, true});
  run({
      {"string member", mixed, with("x", "pro"), true},
      {"number member", mixed, with("x", 42), true},
      {"boolean member", mixed, with("x", true), true},
      {"other boolean", mixed, with("x", false), false},
      {"number as string", mixed, with("x", "42"), false},
      {"boolean as string", mixed, with("x", "true"), false},
      {"other number", mixed, with("x", 43), false},
      {"not_in, member", cond("x", Operator::NotIn, {"pro", 42, true}), with("x", 42), false},
      {"not_in, non-member", cond("x", Operator::NotIn, {"pro", 42, true}), with("x", false), true},
  });
}

TEST(OperatorIn, NotIn) {
  auto not_us = cond("country", Operator::NotIn, {"US"});
  run({
      {"other country", not_us, with("country", "DE"), true},
      {"listed country", not_us, with("country", "US"), false},
      {"missing country matches (as in Unleash and flagd)", not_us, Context{}, true},
      {"null country counts as missing", not_us, with("country", Value()), true},
      {"case-sensitive by default", not_us, with("country", "us"), true},
      {"case_insensitive", folded(not_us), with("country", "us"), false},
      {"negated not_in is in", negated(not_us), with("country", "US"), true},
      {"negated not_in, missing", negated(not_us), Context{}, false},
  });
}

TEST(OperatorIn, TenThousandIds) {
  std::vector<Value> ids;
  std::vector<Value> numbers;
  for (int i = 0; i < 10000; ++i) {
    ids.emplace_back("user-" + std::to_string(i));
    numbers.emplace_back(i * 3);
  }
  auto in_ids = cond("targetingKey", Operator::In, ids);
  auto in_numbers = cond("n", Operator::In, numbers);
  run({
      {"first id", in_ids, with("targetingKey", "user-0"), true},
      {"middle id", in_ids, with("targetingKey", "user-5000"), true},
      {"last id", in_ids, with("targetingKey", "user-9999"), true},
      {"id past the end", in_ids, with("targetingKey", "user-10000"), false},
      {"id prefix", in_ids, with("targetingKey", "user-"), false},
      {"not_in, listed", cond("targetingKey", Operator::NotIn, ids),
       with("targetingKey", "user-1234"), false},
      {"not_in, unlisted", cond("targetingKey", Operator::NotIn, ids),
       with("targetingKey", "admin"), true},
      {"number 0", in_numbers, with("n", 0), true},
      {"number 29997", in_numbers, with("n", 29997), true},
      {"number 29998", in_numbers, with("n", 29998), false},
      {"number 15000", in_numbers, with("n", 15000), true},
      {"number 15001", in_numbers, with("n", 15001), false},
      {"negative", in_numbers, with("n", -3), false},
  });
}

// ---------------------------------------------------------------------------------------------
// starts_with / ends_with / contains

TEST(OperatorStrings, StartsWith) {
  auto sw = cond("email", Operator::StartsWith, {"admin@", "root@"});
  run({
      {"first operand", sw, with("email", "admin@example.com"), true},
      {"second operand", sw, with("email", "root@example.com"), true},
      {"neither", sw, with("email", "user@example.com"), false},
      {"in the middle is not a prefix", sw, with("email", "x-admin@example.com"), false},
      {"value shorter than operand", sw, with("email", "adm"), false},
      {"value equal to operand", sw, with("email", "admin@"), true},
      {"case-sensitive by default", sw, with("email", "Admin@example.com"), false},
      {"case_insensitive", folded(sw), with("email", "ADMIN@EXAMPLE.COM"), true},
      {"case_insensitive, second operand", folded(sw), with("email", "Root@x"), true},
      {"negated", negated(sw), with("email", "user@example.com"), true},
      {"negated, matching", negated(sw), with("email", "admin@example.com"), false},
  });
}

TEST(OperatorStrings, EndsWith) {
  auto ew = cond("email", Operator::EndsWith, {"@example.com", "@example.org"});
  run({
      {"first operand", ew, with("email", "ann@example.com"), true},
      {"second operand", ew, with("email", "ann@example.org"), true},
      {"neither", ew, with("email", "ann@example.net"), false},
      {"at the start is not a suffix", ew, with("email", "@example.com.evil"), false},
      {"value shorter than operand", ew, with("email", ".com"), false},
      {"case-sensitive by default", ew, with("email", "ann@EXAMPLE.com"), false},
      {"case_insensitive", folded(ew), with("email", "ANN@EXAMPLE.COM"), true},
      {"case_insensitive folds ASCII only", folded(cond("name", Operator::EndsWith, {"école"})),
       with("name", "ÉCOLE"), false},
      {"case_insensitive ASCII part of UTF-8", folded(cond("name", Operator::EndsWith, {"école"})),
       with("name", "grande école"), true},
      {"negated", negated(ew), with("email", "ann@example.net"), true},
  });
}

TEST(OperatorStrings, Contains) {
  auto has = cond("ua", Operator::Contains, {"Chrome", "Firefox"});
  run({
      {"first operand", has, with("ua", "Mozilla/5.0 Chrome/120"), true},
      {"second operand", has, with("ua", "Mozilla/5.0 Firefox/121"), true},
      {"at the start", has, with("ua", "Chrome"), true},
      {"neither", has, with("ua", "Mozilla/5.0 Safari/17"), false},
      {"case-sensitive by default", has, with("ua", "mozilla chrome"), false},
      {"case_insensitive", folded(has), with("ua", "mozilla CHROME"), true},
      {"case_insensitive, at the end", folded(has), with("ua", "x fIrEfOx"), true},
      {"case_insensitive, longer operand", folded(has), with("ua", "chrom"), false},
      {"negated", negated(has), with("ua", "Safari"), true},
      {"negated, matching", negated(has), with("ua", "Chrome"), false},
  });
}

TEST(OperatorStrings, NonStringAttributeIsATypeMismatchEvenWhenNegated) {
  for (Operator op : {Operator::StartsWith, Operator::EndsWith, Operator::Contains}) {
    SCOPED_TRACE(to_string(op));
    auto c = cond("id", op, {"10"});
    EXPECT_FALSE(rule_matches(c, with("id", 1042)));
    EXPECT_FALSE(rule_matches(negated(c), with("id", 1042)));
    EXPECT_FALSE(rule_matches(c, with("id", true)));
    EXPECT_FALSE(rule_matches(negated(c), with("id", true)));
    EXPECT_FALSE(rule_matches(negated(c), with("id", Value(Value::Object{}))));
  }
}

// ---------------------------------------------------------------------------------------------
// matches (RE2)

TEST(OperatorMatches, Regexes) {
  auto unanchored = cond("path", Operator::Matches, {"admin"});
  auto anchored = cond("path", Operator::Matches, {"^/admin(/.*)?$"});
  auto digits = cond("id", Operator::Matches, {R"(^\d{4}$)"});
  auto several = cond("host", Operator::Matches, {R"(\.internal$)", "^staging-"});
  run({
      {"unanchored finds inside", unanchored, with("path", "/x/admin/y"), true},
      {"unanchored, absent", unanchored, with("path", "/x/user"), false},
      {"anchored, whole value", anchored, with("path", "/admin/users"), true},
      {"anchored, exact", anchored, with("path", "/admin"), true},
      {"anchored, prefix only", anchored, with("path", "/administrator"), false},
      {"anchored, not at start", anchored, with("path", "/x/admin"), false},
      {"character class", digits, with("id", "1042"), true},
      {"character class, too long", digits, with("id", "10420"), false},
      {"case-sensitive by default", unanchored, with("path", "/ADMIN"), false},
      {"case_insensitive", folded(unanchored), with("path", "/ADMIN"), true},
      {"case_insensitive anchored", folded(anchored), with("path", "/Admin/X"), true},
      {"several patterns: first", several, with("host", "db.internal"), true},
      {"several patterns: second", several, with("host", "staging-web"), true},
      {"several patterns: none", several, with("host", "prod-web.example.com"), false},
      {"negated", negated(unanchored), with("path", "/user"), true},
      {"negated, matching", negated(unanchored), with("path", "/admin"), false},
  });
}

// docs/decisions.md: `matches` with case_insensitive uses RE2's Unicode-aware folding, unlike
// the other string operators, which fold ASCII only.
TEST(OperatorMatches, CaseInsensitiveUsesRe2UnicodeFolding) {
  auto ecole = folded(cond("name", Operator::Matches, {"^école$"}));
  EXPECT_TRUE(rule_matches(ecole, with("name", "ÉCOLE")));
  EXPECT_FALSE(rule_matches(cond("name", Operator::Matches, {"^école$"}), with("name", "ÉCOLE")));
}

TEST(OperatorMatches, NonStringAttributeIsATypeMismatchEvenWhenNegated) {
  auto digits = cond("id", Operator::Matches, {R"(\d+)"});
  EXPECT_FALSE(rule_matches(digits, with("id", 1042)));
  EXPECT_FALSE(rule_matches(negated(digits), with("id", 1042)));
  EXPECT_TRUE(rule_matches(digits, with("id", "1042")));
}

// ---------------------------------------------------------------------------------------------
// lt / lte / gt / gte

TEST(OperatorNumbers, Comparisons) {
  struct Row {
    double attribute;
    bool lt, lte, gt, gte;
  };
  const std::vector<Row> rows = {
      {9.5, true, true, false, false},         {10, false, true, false, true},
      {10.5, false, false, true, true},        {-100, true, true, false, false},
      {1e12, false, false, true, true},        {10.000000001, false, false, true, true},
      {9.999999999, true, true, false, false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE("attribute " + std::to_string(row.attribute));
    Context ctx = with("age", row.attribute);
    EXPECT_EQ(rule_matches(cond("age", Operator::Lt, {10}), ctx), row.lt);
    EXPECT_EQ(rule_matches(cond("age", Operator::Lte, {10}), ctx), row.lte);
    EXPECT_EQ(rule_matches(cond("age", Operator::Gt, {10}), ctx), row.gt);
    EXPECT_EQ(rule_matches(cond("age", Operator::Gte, {10}), ctx), row.gte);
    EXPECT_EQ(rule_matches(negated(cond("age", Operator::Lt, {10})), ctx), !row.lt);
    EXPECT_EQ(rule_matches(negated(cond("age", Operator::Gte, {10})), ctx), !row.gte);
  }
}

TEST(OperatorNumbers, NegativeAndFractionalOperands) {
  run({
      {"gt negative", cond("t", Operator::Gt, {-2.5}), with("t", -2), true},
      {"lt negative", cond("t", Operator::Lt, {-2.5}), with("t", -3), true},
      {"lte fraction equal", cond("t", Operator::Lte, {0.1}), with("t", 0.1), true},
      {"gte zero, negative zero", cond("t", Operator::Gte, {0}), with("t", -0.0), true},
  });
}

TEST(OperatorNumbers, NonNumberAttributeIsATypeMismatchEvenWhenNegated) {
  for (Operator op : {Operator::Lt, Operator::Lte, Operator::Gt, Operator::Gte}) {
    SCOPED_TRACE(to_string(op));
    auto c = cond("age", op, {10});
    for (const Value& v : {Value("5"), Value("50"), Value(true), Value(Value::Object{}),
                           Value(std::numeric_limits<double>::quiet_NaN())}) {
      SCOPED_TRACE(v.to_json());
      EXPECT_FALSE(rule_matches(c, with("age", v)));
      EXPECT_FALSE(rule_matches(negated(c), with("age", v)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// semver_*

// SemVer 2.0.0 §11: each version has lower precedence than the next.
const std::vector<std::string> kPrecedenceChain = {
    "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
    "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
};

TEST(OperatorSemver, SpecPrecedenceChainEveryPairEveryOperator) {
  for (std::size_t i = 0; i < kPrecedenceChain.size(); ++i) {
    for (std::size_t j = 0; j < kPrecedenceChain.size(); ++j) {
      const std::string& attribute = kPrecedenceChain[i];
      const std::string& operand = kPrecedenceChain[j];
      SCOPED_TRACE(attribute + " vs operand " + operand);
      Context ctx = with("version", attribute);
      EXPECT_EQ(rule_matches(cond("version", Operator::SemverEq, {operand}), ctx), i == j);
      EXPECT_EQ(rule_matches(cond("version", Operator::SemverLt, {operand}), ctx), i < j);
      EXPECT_EQ(rule_matches(cond("version", Operator::SemverLte, {operand}), ctx), i <= j);
      EXPECT_EQ(rule_matches(cond("version", Operator::SemverGt, {operand}), ctx), i > j);
      EXPECT_EQ(rule_matches(cond("version", Operator::SemverGte, {operand}), ctx), i >= j);
    }
  }
}

TEST(OperatorSemver, NumericAndBuildMetadata) {
  run({
      {"minor compares numerically", cond("v", Operator::SemverGt, {"1.9.0"}), with("v", "1.10.0"),
       true},
      {"major compares numerically", cond("v", Operator::SemverLt, {"10.0.0"}), with("v", "9.9.9"),
       true},
      {"patch", cond("v", Operator::SemverLt, {"1.0.10"}), with("v", "1.0.9"), true},
      {"numeric pre-release identifier", cond("v", Operator::SemverGt, {"1.0.0-alpha.9"}),
       with("v", "1.0.0-alpha.10"), true},
      {"numeric before alphanumeric", cond("v", Operator::SemverLt, {"1.0.0-alpha.a"}),
       with("v", "1.0.0-alpha.999"), true},
      {"pre-release is above the previous release", cond("v", Operator::SemverGt, {"0.9.9"}),
       with("v", "1.0.0-alpha"), true},
      {"build metadata ignored in the context", cond("v", Operator::SemverEq, {"1.0.0"}),
       with("v", "1.0.0+build.5"), true},
      {"build metadata ignored in the operand", cond("v", Operator::SemverEq, {"1.0.0+sha.abc"}),
       with("v", "1.0.0"), true},
      {"different build metadata is equal", cond("v", Operator::SemverEq, {"1.0.0-rc.1+a"}),
       with("v", "1.0.0-rc.1+b"), true},
      {"build metadata does not order", cond("v", Operator::SemverGt, {"1.0.0+1"}),
       with("v", "1.0.0+2"), false},
      {"build metadata does not order (lt)", cond("v", Operator::SemverLt, {"1.0.0+2"}),
       with("v", "1.0.0+1"), false},
      {"negated semver_lt", negated(cond("v", Operator::SemverLt, {"2.0.0"})), with("v", "2.0.0"),
       true},
      {"negated semver_eq", negated(cond("v", Operator::SemverEq, {"2.0.0"})), with("v", "2.0.0"),
       false},
      {"list attribute: any element", cond("v", Operator::SemverGte, {"2.0.0"}),
       with("v", test::list({"1.0.0", "2.1.0"})), true},
  });
}

TEST(OperatorSemver, InvalidVersionInContextIsFalseEvenWhenNegated) {
  const std::vector<Value> invalid = {
      Value("1.0"),    Value("v1.0.0"), Value("01.0.0"),  Value("1.0.0-"),
      Value("banana"), Value(""),       Value("1.0.0 "),  Value("1.0.0-01"),
      Value(1),        Value(true),     Value("1.2.3.4"), Value("1.0.0-alpha..1"),
  };
  for (Operator op : {Operator::SemverEq, Operator::SemverLt, Operator::SemverLte,
                      Operator::SemverGt, Operator::SemverGte}) {
    for (const auto& v : invalid) {
      SCOPED_TRACE(std::string(to_string(op)) + " " + v.to_json());
      auto c = cond("version", op, {"1.0.0"});
      EXPECT_FALSE(rule_matches(c, with("version", v)));
      EXPECT_FALSE(rule_matches(negated(c), with("version", v)));
    }
  }
}

// A pre-release operand is kept by the compiled condition; it must stay valid however many
// conditions the rule has (the compiled conditions are moved when their vector grows).
TEST(OperatorSemver, PrereleaseOperandSurvivesOtherConditionsInTheRule) {
  std::vector<ConditionDefinition> conditions;
  conditions.push_back(cond("version", Operator::SemverLt, {"1.0.0-beta.2"}));
  for (int i = 0; i < 8; ++i) {
    conditions.push_back(cond("attr" + std::to_string(i), Operator::Exists));
  }
  Context ctx;
  for (int i = 0; i < 8; ++i)
    ctx.set("attr" + std::to_string(i), i);
  ctx.set("version", "1.0.0-beta.1");
  EXPECT_TRUE(rule_matches(conditions, ctx));
  ctx.set("version", "1.0.0-beta.11");
  EXPECT_FALSE(rule_matches(conditions, ctx));
  ctx.set("version", "1.0.0-alpha");
  EXPECT_TRUE(rule_matches(conditions, ctx));
  ctx.set("version", "1.0.0-beta.2");
  EXPECT_FALSE(rule_matches(conditions, ctx));
}

// The same hazard, arranged so that the freed storage is reused by the next rule: rule 0's
// operand must still read 1.0.0-beta.2 after rule 1 is compiled.
TEST(OperatorSemver, PrereleaseOperandIsNotOverwrittenByTheNextRule) {
  FlagDefinition f = test::bool_flag("f");
  f.variants.push_back(VariantDefinition{"other", Value(false), test::at("variant")});
  f.rules.push_back(test::rule(
      {cond("version", Operator::SemverLt, {"1.0.0-beta.2"}), cond("version", Operator::Exists)},
      test::serve_variant("on"), "below beta.2"));
  f.rules.push_back(test::rule({cond("version", Operator::SemverEq, {"1.0.0-alpha0"})},
                               test::serve_variant("other"), "alpha0"));
  auto snapshot = test::compile_ok(FlagSet{{f}, {}});
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(test::evaluate(*snapshot, "f", with("version", "1.0.0-beta.1")).variant, "on");
  EXPECT_EQ(test::evaluate(*snapshot, "f", with("version", "1.0.0-beta.11")).variant, "off");
  EXPECT_EQ(test::evaluate(*snapshot, "f", with("version", "1.0.0-alpha0")).variant, "on");
}

// ---------------------------------------------------------------------------------------------
// before / after

constexpr double kOperandMillis = 1795253400000.0;  // 2026-11-21T09:30:00Z

TEST(OperatorInstants, Rfc3339Strings) {
  auto before = cond("at", Operator::Before, {"2026-11-21T09:30:00Z"});
  auto after = cond("at", Operator::After, {"2026-11-21T09:30:00Z"});
  run({
      {"one second before", before, with("at", "2026-11-21T09:29:59Z"), true},
      {"one second before, after", after, with("at", "2026-11-21T09:29:59Z"), false},
      {"one second after", after, with("at", "2026-11-21T09:30:01Z"), true},
      {"one second after, before", before, with("at", "2026-11-21T09:30:01Z"), false},
      {"same instant: not before (strict)", before, with("at", "2026-11-21T09:30:00Z"), false},
      {"same instant: not after (strict)", after, with("at", "2026-11-21T09:30:00Z"), false},
      {"same instant at +05:30, not before", before, with("at", "2026-11-21T15:00:00+05:30"),
       false},
      {"same instant at +05:30, not after", after, with("at", "2026-11-21T15:00:00+05:30"), false},
      {"same instant at -08:00, not before", before, with("at", "2026-11-21T01:30:00-08:00"),
       false},
      {"same instant at -08:00, not after", after, with("at", "2026-11-21T01:30:00-08:00"), false},
      {"+05:30 local time later but instant earlier", before,
       with("at", "2026-11-21T14:59:59+05:30"), true},
      {"-08:00 local time earlier but instant later", after,
       with("at", "2026-11-21T01:30:01-08:00"), true},
      {"previous day at -10:00 is after", after, with("at", "2026-11-20T23:59:00-10:00"), true},
      {"fractional microsecond after", after, with("at", "2026-11-21T09:30:00.000001Z"), true},
      {"fractional microsecond before", before, with("at", "2026-11-21T09:29:59.999999Z"), true},
      {"fraction .0 is the same instant", after, with("at", "2026-11-21T09:30:00.000Z"), false},
      {"lowercase t and z", before, with("at", "2026-11-21t09:29:00z"), true},
      {"negated before", negated(before), with("at", "2026-11-21T09:30:00Z"), true},
      {"negated after", negated(after), with("at", "2026-11-21T10:00:00Z"), false},
  });
}

TEST(OperatorInstants, OperandWithOffsetAndFraction) {
  auto after = cond("at", Operator::After, {"2026-11-21T15:00:00.5+05:30"});  // 09:30:00.5Z
  run({
      {"just before the half second", after, with("at", "2026-11-21T09:30:00.499999Z"), false},
      {"at the half second", after, with("at", "2026-11-21T09:30:00.500Z"), false},
      {"just after the half second", after, with("at", "2026-11-21T09:30:00.500001Z"), true},
      {"same instant at -08:00", after, with("at", "2026-11-21T01:30:00.5-08:00"), false},
  });
}

TEST(OperatorInstants, UnixMillisecondsInTheContext) {
  auto before = cond("at", Operator::Before, {"2026-11-21T09:30:00Z"});
  auto after = cond("at", Operator::After, {"2026-11-21T09:30:00Z"});
  run({
      {"one ms before", before, with("at", kOperandMillis - 1), true},
      {"one ms before, after", after, with("at", kOperandMillis - 1), false},
      {"same ms, not before", before, with("at", kOperandMillis), false},
      {"same ms, not after", after, with("at", kOperandMillis), false},
      {"one ms after", after, with("at", kOperandMillis + 1), true},
      {"half a ms after", after, with("at", kOperandMillis + 0.5), true},
      {"epoch is before", before, with("at", 0), true},
      {"negative (before 1970) is before", before, with("at", -1000), true},
      {"list of instants: any", after, with("at", test::list({0, kOperandMillis + 1})), true},
  });
}

// Numbers far outside the range of RFC 3339 still order correctly (they must not wrap around
// when converted to microseconds).
TEST(OperatorInstants, HugeMillisecondValuesKeepTheirOrder) {
  auto before = cond("at", Operator::Before, {"2026-11-21T09:30:00Z"});
  auto after = cond("at", Operator::After, {"2026-11-21T09:30:00Z"});
  EXPECT_TRUE(rule_matches(after, with("at", 1e17)));
  EXPECT_FALSE(rule_matches(before, with("at", 1e17)));
  EXPECT_TRUE(rule_matches(before, with("at", -1e17)));
  EXPECT_FALSE(rule_matches(after, with("at", -1e17)));
  EXPECT_TRUE(rule_matches(after, with("at", 1e300)));
  EXPECT_FALSE(rule_matches(before, with("at", 1e300)));
}

TEST(OperatorInstants, InvalidInstantsAreFalseEvenWhenNegated) {
  const std::vector<Value> invalid = {
      Value("yesterday"),
      Value("2026-11-21"),
      Value("2026-11-21T09:30:00"),  // no offset
      Value("2026-13-01T00:00:00Z"),
      Value("2025-02-29T00:00:00Z"),
      Value("2026-11-21T09:30:00+0530"),
      Value("1795253400000"),  // milliseconds as a string
      Value(""),
      Value(true),
      Value(Value::Object{}),
      Value(std::numeric_limits<double>::infinity()),
      Value(std::numeric_limits<double>::quiet_NaN()),
  };
  for (Operator op : {Operator::Before, Operator::After}) {
    for (const auto& v : invalid) {
      SCOPED_TRACE(std::string(to_string(op)) + " " + v.to_json());
      auto c = cond("at", op, {"2026-11-21T09:30:00Z"});
      EXPECT_FALSE(rule_matches(c, with("at", v)));
      EXPECT_FALSE(rule_matches(negated(c), with("at", v)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// exists

TEST(OperatorExists, PresenceOfAnyType) {
  auto exists = cond("plan", Operator::Exists);
  run({
      {"string", exists, with("plan", "pro"), true},
      {"empty string", exists, with("plan", ""), true},
      {"false boolean", exists, with("plan", false), true},
      {"zero", exists, with("plan", 0), true},
      {"empty list", exists, with("plan", test::list({})), true},
      {"object", exists, with("plan", Value(Value::Object{})), true},
      {"missing", exists, Context{}, false},
      {"another attribute only", exists, with("Plan", "pro"), false},
      {"null counts as absent", exists, with("plan", Value()), false},
      {"negated, missing", negated(exists), Context{}, true},
      {"negated, present", negated(exists), with("plan", "pro"), false},
  });
}

// ---------------------------------------------------------------------------------------------
// in_segment

TEST(OperatorInSegment, IdsOnACustomAttribute) {
  std::vector<SegmentDefinition> segments = {
      test::id_segment("beta-accounts", {"1042", "acct-7"}, "accountId")};
  auto in = test::in_segment({"beta-accounts"});
  auto out = test::in_segment({"beta-accounts"}, true);
  struct Row {
    std::string name;
    Context context;
    bool in;
  };
  const std::vector<Row> rows = {
      {"string id", with("accountId", "acct-7"), true},
      {"numeric attribute matches id '1042'", with("accountId", 1042), true},
      {"numeric attribute written as double", with("accountId", 1042.0), true},
      {"string '1042'", with("accountId", "1042"), true},
      {"fractional number is no id", with("accountId", 1042.5), false},
      {"unlisted id", with("accountId", "acct-8"), false},
      {"ids are case-sensitive", with("accountId", "ACCT-7"), false},
      {"targetingKey is not the segment attribute", with("targetingKey", "acct-7"), false},
      {"missing attribute", Context{}, false},
      {"boolean attribute", with("accountId", true), false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(rule_matches(in, row.context, segments), row.in);
    EXPECT_EQ(rule_matches(out, row.context, segments), !row.in);
  }
}

TEST(OperatorInSegment, DefaultAttributeIsTargetingKey) {
  SegmentDefinition s;
  s.key = "vips";
  s.ids = {"u1", "u2"};
  s.where = test::at("segment");
  EXPECT_EQ(s.attribute, "targetingKey");
  EXPECT_TRUE(rule_matches(test::in_segment({"vips"}), with("targetingKey", "u2"), {s}));
  EXPECT_FALSE(rule_matches(test::in_segment({"vips"}), with("targetingKey", "u3"), {s}));
}

TEST(OperatorInSegment, ConditionSegment) {
  std::vector<SegmentDefinition> segments = {
      test::condition_segment("staff", {folded(cond("email", Operator::EndsWith, {"@example.com"})),
                                        cond("active", Operator::Equals, {true})})};
  auto in = test::in_segment({"staff"});
  Context staff;
  staff.set("email", "Ann@Example.com").set("active", true);
  Context inactive;
  inactive.set("email", "ann@example.com").set("active", false);
  Context outsider;
  outsider.set("email", "ann@other.com").set("active", true);
  EXPECT_TRUE(rule_matches(in, staff, segments));
  EXPECT_FALSE(rule_matches(in, inactive, segments));  // every condition must hold
  EXPECT_FALSE(rule_matches(in, outsider, segments));
  EXPECT_FALSE(rule_matches(test::in_segment({"staff"}, true), staff, segments));
  EXPECT_TRUE(rule_matches(test::in_segment({"staff"}, true), outsider, segments));
}

TEST(OperatorInSegment, SegmentWithIdsAndConditions) {
  SegmentDefinition s = test::id_segment("early", {"u1"});
  s.conditions = {cond("plan", Operator::Equals, {"pro"})};
  auto in = test::in_segment({"early"});
  Context listed_free;
  listed_free.set("targetingKey", "u1").set("plan", "free");
  Context unlisted_pro;
  unlisted_pro.set("targetingKey", "u2").set("plan", "pro");
  Context unlisted_free;
  unlisted_free.set("targetingKey", "u2").set("plan", "free");
  EXPECT_TRUE(rule_matches(in, listed_free, {s}));     // in by id
  EXPECT_TRUE(rule_matches(in, unlisted_pro, {s}));    // in by conditions
  EXPECT_FALSE(rule_matches(in, unlisted_free, {s}));  // neither
  EXPECT_TRUE(rule_matches(test::in_segment({"early"}, true), unlisted_free, {s}));
}

TEST(OperatorInSegment, SeveralSegmentsMeansAny) {
  std::vector<SegmentDefinition> segments = {test::id_segment("a", {"u1"}),
                                             test::id_segment("b", {"u2"})};
  auto in = test::in_segment({"a", "b"});
  EXPECT_TRUE(rule_matches(in, with("targetingKey", "u1"), segments));
  EXPECT_TRUE(rule_matches(in, with("targetingKey", "u2"), segments));
  EXPECT_FALSE(rule_matches(in, with("targetingKey", "u3"), segments));
  EXPECT_FALSE(
      rule_matches(test::in_segment({"a", "b"}, true), with("targetingKey", "u2"), segments));
}

TEST(OperatorInSegment, TenThousandIds) {
  std::vector<std::string> ids;
  for (int i = 0; i < 10000; ++i)
    ids.push_back(std::to_string(100000 + i));
  std::vector<SegmentDefinition> segments = {test::id_segment("big", ids, "accountId")};
  auto in = test::in_segment({"big"});
  EXPECT_TRUE(rule_matches(in, with("accountId", 100000), segments));
  EXPECT_TRUE(rule_matches(in, with("accountId", "109999"), segments));
  EXPECT_FALSE(rule_matches(in, with("accountId", 110000), segments));
}

// ---------------------------------------------------------------------------------------------
// Edge cases that hold for every operator

// One condition per operator family that would hold for a suitable value.
std::vector<ConditionDefinition> one_of_each_operator() {
  return {
      cond("a", Operator::Equals, {"x"}),
      cond("a", Operator::NotEquals, {"x"}),
      cond("a", Operator::In, {"x", "y"}),
      cond("a", Operator::NotIn, {"x", "y"}),
      cond("a", Operator::StartsWith, {"x"}),
      cond("a", Operator::EndsWith, {"x"}),
      cond("a", Operator::Contains, {"x"}),
      cond("a", Operator::Matches, {"x"}),
      cond("a", Operator::Lt, {1}),
      cond("a", Operator::Lte, {1}),
      cond("a", Operator::Gt, {1}),
      cond("a", Operator::Gte, {1}),
      cond("a", Operator::SemverEq, {"1.0.0"}),
      cond("a", Operator::SemverLt, {"1.0.0"}),
      cond("a", Operator::SemverLte, {"1.0.0"}),
      cond("a", Operator::SemverGt, {"1.0.0"}),
      cond("a", Operator::SemverGte, {"1.0.0"}),
      cond("a", Operator::Before, {"2026-01-01T00:00:00Z"}),
      cond("a", Operator::After, {"2026-01-01T00:00:00Z"}),
  };
}

// A missing attribute makes the operator false, so the plain condition is false and the negated
// one true; `not_equals` / `not_in` are negations themselves.
TEST(OperatorEdgeCases, MissingAttribute) {
  for (const auto& c : one_of_each_operator()) {
    SCOPED_TRACE(to_string(c.op));
    const bool inherently_negated = c.op == Operator::NotEquals || c.op == Operator::NotIn;
    Context other = with("b", "x");
    EXPECT_EQ(rule_matches(c, other), inherently_negated);
    EXPECT_EQ(rule_matches(negated(c), other), !inherently_negated);
  }
  EXPECT_FALSE(rule_matches(cond("a", Operator::Exists), Context{}));
  EXPECT_TRUE(rule_matches(negated(cond("a", Operator::Exists)), Context{}));
}

TEST(OperatorEdgeCases, NullAttributeIsLikeMissing) {
  for (const auto& c : one_of_each_operator()) {
    SCOPED_TRACE(to_string(c.op));
    const bool inherently_negated = c.op == Operator::NotEquals || c.op == Operator::NotIn;
    Context null = with("a", Value());
    EXPECT_EQ(rule_matches(c, null), inherently_negated);
    EXPECT_EQ(rule_matches(negated(c), null), !inherently_negated);
  }
}

// An object is the wrong type for every operator: false whether or not negated.
TEST(OperatorEdgeCases, WrongTypeIsFalseWhetherOrNotNegated) {
  Context obj = with("a", Value(Value::Object{{"x", Value("x")}}));
  for (const auto& c : one_of_each_operator()) {
    SCOPED_TRACE(to_string(c.op));
    EXPECT_FALSE(rule_matches(c, obj));
    EXPECT_FALSE(rule_matches(negated(c), obj));
  }
  // A nested list is not a scalar either.
  Context nested = with("a", test::list({test::list({"x"})}));
  EXPECT_FALSE(rule_matches(cond("a", Operator::Equals, {"x"}), nested));
  EXPECT_FALSE(rule_matches(cond("a", Operator::NotEquals, {"x"}), nested));
}

TEST(OperatorEdgeCases, ListAttributeSatisfiesWhenAnyElementDoes) {
  auto groups = [](std::vector<Value> v) { return with("groups", test::list(std::move(v))); };
  run({
      {"in: one element listed", cond("groups", Operator::In, {"admin"}), groups({"dev", "admin"}),
       true},
      {"in: none listed", cond("groups", Operator::In, {"admin"}), groups({"dev", "ops"}), false},
      {"not_in: one element listed", cond("groups", Operator::NotIn, {"admin"}),
       groups({"dev", "admin"}), false},
      {"not_in: none listed", cond("groups", Operator::NotIn, {"admin"}), groups({"dev"}), true},
      {"equals: second element", cond("groups", Operator::Equals, {"ops"}), groups({"dev", "ops"}),
       true},
      {"starts_with: any element", cond("groups", Operator::StartsWith, {"team-"}),
       groups({"x", "team-a"}), true},
      {"matches: any element", cond("groups", Operator::Matches, {"^o"}), groups({"dev", "ops"}),
       true},
      {"gt: any number", cond("groups", Operator::Gt, {10}), groups({1, 20}), true},
      {"gt: no number", cond("groups", Operator::Gt, {10}), groups({1, 2}), false},
      {"mixed types: the string element matches", cond("groups", Operator::StartsWith, {"a"}),
       groups({1, "abc"}), true},
      {"mixed types: no element matches, negated",
       negated(cond("groups", Operator::StartsWith, {"z"})), groups({1, "abc"}), true},
      {"only wrong types: false", cond("groups", Operator::StartsWith, {"a"}), groups({1, 2}),
       false},
      {"only wrong types: false even negated", negated(cond("groups", Operator::StartsWith, {"a"})),
       groups({1, 2}), false},
  });
}

TEST(OperatorEdgeCases, EmptyListSatisfiesNoOperator) {
  Context empty = with("groups", test::list({}));
  EXPECT_FALSE(rule_matches(cond("groups", Operator::In, {"admin"}), empty));
  EXPECT_TRUE(rule_matches(cond("groups", Operator::NotIn, {"admin"}), empty));
  EXPECT_FALSE(rule_matches(cond("groups", Operator::Contains, {""}), empty));
  EXPECT_TRUE(rule_matches(negated(cond("groups", Operator::Contains, {"a"})), empty));
}

TEST(OperatorEdgeCases, AttributeNamesAreCaseSensitive) {
  EXPECT_FALSE(rule_matches(cond("plan", Operator::Equals, {"pro"}), with("Plan", "pro")));
  EXPECT_TRUE(rule_matches(cond("Plan", Operator::Equals, {"pro"}), with("Plan", "pro")));
}

TEST(OperatorEdgeCases, AllConditionsOfARuleMustHold) {
  std::vector<ConditionDefinition> both = {cond("plan", Operator::Equals, {"pro"}),
                                           cond("seats", Operator::Gte, {10})};
  Context pro_big;
  pro_big.set("plan", "pro").set("seats", 12);
  Context pro_small;
  pro_small.set("plan", "pro").set("seats", 3);
  EXPECT_TRUE(rule_matches(both, pro_big));
  EXPECT_FALSE(rule_matches(both, pro_small));
  EXPECT_FALSE(rule_matches(both, with("plan", "pro")));
}

}  // namespace
}  // namespace sluice
