// The diagnostics compile_snapshot reports (docs/flag-format.md) for references between
// definitions (segments, prerequisites and their cycles), flag keys, timestamps, and all problems
// of a set together. Split from evaluation_test.cpp.

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
