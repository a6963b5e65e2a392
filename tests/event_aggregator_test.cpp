// The built-in event source in virtual time: a clock the test moves by hand.
#include "sluice/metrics/event_aggregator.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "sluice/metrics/builtin_source.hpp"

namespace sluice::metrics {
namespace {

using namespace std::chrono_literals;

class EventAggregatorTest : public ::testing::Test {
 protected:
  TimePoint now = TimePoint(1700000000s);
  std::shared_ptr<EventAggregator> aggregator =
      std::make_shared<EventAggregator>([this] { return now; });

  static Event event(std::string flag, std::string variant, Outcome outcome = Outcome::Ok,
                     std::optional<double> latency_ms = std::nullopt, std::uint64_t count = 1) {
    Event e;
    e.flag = std::move(flag);
    e.variant = std::move(variant);
    e.outcome = outcome;
    e.latency_ms = latency_ms;
    e.count = count;
    return e;
  }
};

TEST_F(EventAggregatorTest, CountsRequestsAndErrorsPerVariant) {
  auto result = aggregator->ingest({event("checkout", "on", Outcome::Ok, std::nullopt, 9),
                                    event("checkout", "on", Outcome::Error),
                                    event("checkout", "off", Outcome::Ok, std::nullopt, 20)});
  EXPECT_EQ(result.accepted, 3u);
  EXPECT_EQ(result.rejected, 0u);
  auto window = aggregator->window(now, 60s, false);
  ASSERT_FALSE(window.error);
  ASSERT_EQ(window.series.size(), 2u);
  EXPECT_EQ(window.series.at({"checkout", "on"}).requests, 10);
  EXPECT_EQ(window.series.at({"checkout", "on"}).errors, 1);
  EXPECT_EQ(window.series.at({"checkout", "off"}).requests, 20);
  EXPECT_EQ(window.series.at({"checkout", "off"}).errors, 0);
  EXPECT_TRUE(window.series.at({"checkout", "on"}).latency.empty());
}

TEST_F(EventAggregatorTest, WindowIsHalfOpenOnWholeSeconds) {
  // Events at t-60 (excluded), t-59.5, t (included) for the window (t - 60s, t].
  for (auto offset : {60000ms, 59500ms, 0ms}) {
    Event e = event("f", "v");
    e.time = now - offset;
    aggregator->ingest({e});
  }
  Event late = event("f", "v");
  late.time = now + 500ms;  // after `at`: the next window
  aggregator->ingest({late});
  EXPECT_EQ(aggregator->window(now, 60s, false).series.at({"f", "v"}).requests, 2);
  EXPECT_EQ(aggregator->window(now - 60s, 60s, false).series.at({"f", "v"}).requests, 1);
  EXPECT_EQ(aggregator->window(now + 1s, 1s, false).series.at({"f", "v"}).requests, 1);
}

TEST_F(EventAggregatorTest, LatencyIsACumulativeHistogramInSeconds) {
  aggregator->ingest({event("f", "v", Outcome::Ok, 3.0),             // <= 0.005
                      event("f", "v", Outcome::Ok, 5.0),             // <= 0.005 (le is inclusive)
                      event("f", "v", Outcome::Ok, 80.0, 2),         // <= 0.1
                      event("f", "v", Outcome::Ok, 60000.0),         // +Inf
                      event("f", "v", Outcome::Ok, std::nullopt)});  // not timed
  auto window = aggregator->window(now, 60s, true);
  const auto& latency = window.series.at({"f", "v"}).latency;
  ASSERT_EQ(latency.size(), EventAggregator::kLatencyBounds.size() + 1);
  EXPECT_EQ(latency[0].upper_bound, 0.005);
  EXPECT_EQ(latency[0].cumulative_count, 2);
  EXPECT_EQ(latency[4].upper_bound, 0.075);
  EXPECT_EQ(latency[4].cumulative_count, 2);
  EXPECT_EQ(latency[5].upper_bound, 0.1);
  EXPECT_EQ(latency[5].cumulative_count, 4);
  EXPECT_EQ(latency.back().upper_bound, std::numeric_limits<double>::infinity());
  EXPECT_EQ(latency.back().cumulative_count, 5);
  EXPECT_EQ(window.series.at({"f", "v"}).requests, 6);
  EXPECT_TRUE(aggregator->window(now, 60s, false).series.at({"f", "v"}).latency.empty());
}

TEST_F(EventAggregatorTest, RejectsEventsOutsideTheRing) {
  Event old_event = event("f", "v");
  old_event.time = now - 900s;  // the ring keeps (now - 15m, now]
  Event oldest_kept = event("f", "v");
  oldest_kept.time = now - 899s;
  Event future = event("f", "v");
  future.time = now + 61s;
  auto result = aggregator->ingest(
      {old_event, oldest_kept, future, event("", "v"), event("f", "v", Outcome::Ok, -1.0)});
  EXPECT_EQ(result.accepted, 1u);
  EXPECT_EQ(result.rejected, 4u);
  auto stats = aggregator->stats();
  EXPECT_EQ(stats.rejected_too_old, 1u);
  EXPECT_EQ(stats.rejected_future, 1u);
  EXPECT_EQ(stats.rejected_invalid, 2u);
  EXPECT_EQ(stats.accepted, 1u);
}

TEST_F(EventAggregatorTest, ForgetsSecondsThatLeaveTheRing) {
  aggregator->ingest({event("f", "v")});
  EXPECT_EQ(aggregator->stats().series, 1u);
  now += 901s;
  aggregator->ingest({event("g", "v")});
  auto stats = aggregator->stats();
  EXPECT_EQ(stats.series, 1u);  // f/v had nothing left
  auto window = aggregator->window(now, 900s, false);
  ASSERT_FALSE(window.error) << *window.error;
  EXPECT_FALSE(window.series.contains({"f", "v"}));
}

TEST_F(EventAggregatorTest, WindowsBeyondTheRingAreErrors) {
  auto too_long = aggregator->window(now, 20min, false);
  EXPECT_EQ(too_long.error, "window 20m is longer than the 15m the built-in event source keeps");
  auto too_early = aggregator->window(now - 10min, 10min, false);
  ASSERT_TRUE(too_early.error);
  EXPECT_NE(too_early.error->find("before the oldest second"), std::string::npos);
  EXPECT_FALSE(aggregator->window(now, 15min, false).error);
}

TEST_F(EventAggregatorTest, BoundsTheNumberOfSeries) {
  EventAggregator small([this] { return now; }, AggregatorOptions{900s, 60s, 2});
  auto result = small.ingest({event("a", "v"), event("b", "v"), event("c", "v"), event("a", "v")});
  EXPECT_EQ(result.accepted, 3u);
  EXPECT_EQ(small.stats().rejected_series_limit, 1u);
}

TEST_F(EventAggregatorTest, LateEventsAreInsertedInOrder) {
  for (auto offset : {1s, 10s, 5s, 10s}) {
    Event e = event("f", "v");
    e.time = now - offset;
    aggregator->ingest({e});
  }
  EXPECT_EQ(aggregator->window(now - 4s, 7s, false).series.at({"f", "v"}).requests, 3);
  EXPECT_EQ(aggregator->window(now, 3s, false).series.at({"f", "v"}).requests, 1);
}

TEST_F(EventAggregatorTest, ConcurrentIngestLosesNothing) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 500; ++i)
        aggregator->ingest({event("f", "v", Outcome::Error)});
    });
  }
  for (auto& thread : threads)
    thread.join();
  auto delta = aggregator->window(now, 60s, false).series.at({"f", "v"});
  EXPECT_EQ(delta.requests, 2000);
  EXPECT_EQ(delta.errors, 2000);
}

TEST_F(EventAggregatorTest, BuiltinSourceAnswersOnTheLoopWithOneQuery) {
  aggregator->ingest({event("checkout", "on", Outcome::Error, 20.0)});
  boost::asio::io_context io;
  BuiltinSource source(io, aggregator);
  EXPECT_EQ(source.name(), "built-in events");
  std::optional<WindowResult> got;
  WindowRequest request;
  request.at = now;
  request.window = 30s;
  request.want_latency = true;
  source.fetch_window(request, [&](WindowResult result) { got = std::move(result); });
  EXPECT_FALSE(got);  // posted, not inline
  io.run_for(5s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->queries, 1);
  EXPECT_FALSE(got->requests_error);
  EXPECT_EQ(got->series.at({"checkout", "on"}).errors, 1);
  EXPECT_FALSE(got->series.at({"checkout", "on"}).latency.empty());

  request.window = 1h;
  got.reset();
  source.fetch_window(request, [&](WindowResult result) { got = std::move(result); });
  io.restart();
  io.run_for(5s);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->series.empty());
  ASSERT_TRUE(got->requests_error);
  EXPECT_NE(got->requests_error->find("longer than the 15m"), std::string::npos);
  EXPECT_EQ(got->errors_error, got->requests_error);

  std::optional<ScalarResult> scalar;
  source.fetch_scalar(ScalarRequest{now, "up"}, [&](ScalarResult result) { scalar = result; });
  io.restart();
  io.run_for(5s);
  ASSERT_TRUE(scalar);
  EXPECT_FALSE(scalar->value);
  EXPECT_EQ(scalar->error,
            "custom PromQL checks need Prometheus; the built-in event source has none");
}

}  // namespace
}  // namespace sluice::metrics
