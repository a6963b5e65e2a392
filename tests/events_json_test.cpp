// The body of POST /v1/events: shape, limits, and all-or-nothing.
#include "sluice/metrics/events_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::metrics {
namespace {

using ::testing::ElementsAre;

TEST(EventsJson, ReadsEventsWithDefaults) {
  auto parsed = parse_events_json(R"({"events": [
      {"flag": "checkout", "variant": "on", "outcome": "ok", "latency_ms": 12.5, "count": 3},
      {"flag": "checkout", "variant": "off", "outcome": "error", "time": 1700000000.5}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.problems.front();
  ASSERT_EQ(parsed.events.size(), 2u);
  EXPECT_EQ(parsed.events[0].flag, "checkout");
  EXPECT_EQ(parsed.events[0].variant, "on");
  EXPECT_EQ(parsed.events[0].outcome, Outcome::Ok);
  EXPECT_EQ(parsed.events[0].latency_ms, 12.5);
  EXPECT_EQ(parsed.events[0].count, 3u);
  EXPECT_FALSE(parsed.events[0].time);
  EXPECT_EQ(parsed.events[1].outcome, Outcome::Error);
  EXPECT_EQ(parsed.events[1].count, 1u);
  EXPECT_FALSE(parsed.events[1].latency_ms);
  EXPECT_EQ(parsed.events[1].time, TimePoint(std::chrono::milliseconds(1700000000500)));
}

TEST(EventsJson, NamesEveryBadFieldAndKeepsNothing) {
  auto parsed = parse_events_json(R"({"events": [
      {"flag": "a", "variant": "on", "outcome": "ok"},
      {"flag": "", "variant": 3, "outcome": "fine"},
      {"flag": "a", "variant": "on", "outcome": "ok", "count": 0, "latency_ms": -1},
      {"flag": "a", "variant": "on", "outcome": "ok", "count": 1.5, "colour": "red"},
      {"variant": "on", "outcome": "error", "count": 1000001},
      7]})");
  EXPECT_FALSE(parsed.ok());
  EXPECT_TRUE(parsed.events.empty());
  EXPECT_THAT(parsed.problems,
              ElementsAre("events[1].flag: must be a non-empty string",
                          "events[1].variant: must be a non-empty string",
                          "events[1].outcome: must be \"ok\" or \"error\"",
                          "events[2].latency_ms: must be a number from 0 to 86400000",
                          "events[2].count: must be a whole number from 1 to 1000000",
                          "events[3].colour: unknown field",
                          "events[3].count: must be a whole number from 1 to 1000000",
                          "events[4].flag: required",
                          "events[4].count: must be a whole number from 1 to 1000000",
                          "events[5]: must be an object"));
}

TEST(EventsJson, RefusesBadBodies) {
  EXPECT_EQ(parse_events_json("[]").problems.front(),
            "body: must be an object {\"events\": [...]}");
  EXPECT_EQ(parse_events_json("{}").problems.front(), "events: required, an array");
  EXPECT_EQ(parse_events_json(R"({"events": [], "extra": 1})").problems.front(),
            "extra: unknown field");
  EXPECT_NE(parse_events_json("{nope").problems.front().find("not valid JSON"), std::string::npos);
  EXPECT_TRUE(parse_events_json(R"({"events": []})").ok());
}

TEST(EventsJson, AtMostTenThousandEventsPerBatch) {
  std::string body = R"({"events": [)";
  for (std::size_t i = 0; i <= kMaxEventsPerBatch; ++i) {
    body += std::string(i ? "," : "") + R"({"flag":"f","variant":"v","outcome":"ok"})";
  }
  body += "]}";
  auto parsed = parse_events_json(body);
  EXPECT_EQ(parsed.problems,
            std::vector<std::string>{"events: at most 10000 events per batch, got 10001"});
}

TEST(EventsJson, ListsTwentyProblemsThenCounts) {
  std::string body = R"({"events": [)";
  for (int i = 0; i < 30; ++i)
    body += std::string(i ? "," : "") + R"({"flag":"f","variant":"v"})";
  body += "]}";
  auto parsed = parse_events_json(body);
  ASSERT_EQ(parsed.problems.size(), kMaxProblems + 1);
  EXPECT_EQ(parsed.problems.back(), "... and 10 more");
}

}  // namespace
}  // namespace sluice::metrics
