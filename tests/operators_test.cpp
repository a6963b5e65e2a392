// Condition operators: the cases are data, in tests/data/evaluation/operator_*.json (run by
// evaluation_data_test.cpp, and by the SDKs in other languages). What stays here cannot be
// written in JSON: NaN and infinite numbers in the context, and the C++ default of a segment's
// attribute.

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "test_flags.hpp"

namespace sluice {
namespace {

using test::cond;
using test::negated;
using test::rule_matches;
using test::with;

// JSON has no NaN: a NaN number in the context is not a number to compare, even negated.
TEST(OperatorNumbers, NaNAttributeIsATypeMismatchEvenWhenNegated) {
  const Value nan(std::numeric_limits<double>::quiet_NaN());
  for (Operator op : {Operator::Lt, Operator::Lte, Operator::Gt, Operator::Gte}) {
    SCOPED_TRACE(to_string(op));
    auto c = cond("age", op, {10});
    EXPECT_FALSE(rule_matches(c, with("age", nan)));
    EXPECT_FALSE(rule_matches(negated(c), with("age", nan)));
  }
}

// JSON has no infinity or NaN: neither is an instant, even negated.
TEST(OperatorInstants, InfiniteAndNaNInstantsAreFalseEvenWhenNegated) {
  for (Operator op : {Operator::Before, Operator::After}) {
    for (const Value& v : {Value(std::numeric_limits<double>::infinity()),
                           Value(std::numeric_limits<double>::quiet_NaN())}) {
      SCOPED_TRACE(std::string(to_string(op)) + " " + v.to_json());
      auto c = cond("at", op, {"2026-11-21T09:30:00Z"});
      EXPECT_FALSE(rule_matches(c, with("at", v)));
      EXPECT_FALSE(rule_matches(negated(c), with("at", v)));
    }
  }
}

// The data file operator_in_segment.json checks the behaviour; this checks the C++ default.
TEST(OperatorInSegment, DefaultAttributeIsTargetingKey) {
  SegmentDefinition s;
  EXPECT_EQ(s.attribute, "targetingKey");
}

}  // namespace
}  // namespace sluice
