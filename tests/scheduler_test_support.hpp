#pragma once

// The rollout scheduler on a real io_context and a real SQLite store, with a scripted metrics
// source standing in for Prometheus at the adapter boundary (the real Prometheus runs in the
// end-to-end tests) and a clock the test moves. The test calls one tick at a time (run_once) and
// runs the event loop on its own thread until the tick is over: no timer, no sleep, and each
// tick's outcome is checked exactly. Shared by the scheduler's test files.

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rollout_service.hpp"
#include "run_command.hpp"
#include "scheduler.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/store/store.hpp"

namespace sluice::scheduler_test {

using namespace std::chrono_literals;
using rollout::TimePoint;

// Per interval and flag: `treatment_share` of the flag's volume (1000 requests unless set) go to
// the treatment, errors at the treatment's rate and at 1% for the control. Counts what it was
// asked.
class FakeMetricsSource final : public metrics::MetricsSource {
 public:
  explicit FakeMetricsSource(boost::asio::io_context& io) : io_(io) {}

  void fetch_window(const metrics::WindowRequest& request,
                    std::function<void(metrics::WindowResult)> done) override {
    metrics::WindowResult result;
    result.queries = 3;
    {
      std::lock_guard lock(mutex_);
      ++window_calls_;
      asked_at_.push_back(request.at);
      if (down_) {
        result.requests_error = "Prometheus at http://127.0.0.1:1 timed out after 5s";
      } else {
        for (const auto& [flag, shares] : flags_) {
          const double total = volume_.contains(flag) ? volume_.at(flag) : 1000.0;
          const double t = total * shares.first;
          result.series[{flag, "on"}] = {t, t * shares.second, {}, false};
          result.series[{flag, "off"}] = {total - t, (total - t) * 0.01, {}, false};
        }
      }
    }
    boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }
  void fetch_scalar(const metrics::ScalarRequest&,
                    std::function<void(metrics::ScalarResult)> done) override {
    boost::asio::post(io_, [done = std::move(done)] { done({std::nullopt, "no PromQL here"}); });
  }
  std::string name() const override { return "scripted"; }

  void set_flag(const std::string& flag, double treatment_share, double treatment_error_rate) {
    std::lock_guard lock(mutex_);
    flags_[flag] = {treatment_share, treatment_error_rate};
  }
  void set_volume(const std::string& flag, double requests_per_interval) {
    std::lock_guard lock(mutex_);
    volume_[flag] = requests_per_interval;
  }
  void remove_flag(const std::string& flag) {
    std::lock_guard lock(mutex_);
    flags_.erase(flag);
  }
  void set_down(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
  }
  int window_calls() {
    std::lock_guard lock(mutex_);
    return window_calls_;
  }
  std::vector<TimePoint> asked_at() {
    std::lock_guard lock(mutex_);
    return asked_at_;
  }

 private:
  boost::asio::io_context& io_;
  std::mutex mutex_;
  std::map<std::string, std::pair<double, double>> flags_;
  std::map<std::string, double> volume_;
  bool down_ = false;
  int window_calls_ = 0;
  std::vector<TimePoint> asked_at_;
};

// A store holding the flags of `flags_yaml` (enabled), a rollout service, an event loop the test
// runs and a clock on the 10 s grid; the scheduler is made when the test says so.
class SchedulerFixture : public ::testing::Test {
 protected:
  // `writes`: the hooks decisions are written with (history rows, notification recipients).
  void open(const char* flags_yaml, controller::DecisionWriteHooks writes = {}) {
    writes_ = std::move(writes);
    store_ = store::open_store("sqlite:" + dir_.path() + "/sluice.db");
    store_->migrate();
    LoadResult read;
    read_flag_yaml(flags_yaml, "flags.yaml", read);
    ASSERT_TRUE(read.ok());
    flags_ = read.definitions;
    for (const auto& f : flags_.flags)
      store_->create_flag(f.key, flag_to_json(f), true, "test");
    now_ = TimePoint(std::chrono::seconds(1'800'000'000));  // on the 10 s grid
    service_ = std::make_unique<controller::RolloutService>(
        *store_, policies_, [this] { return flags_; }, [this] { return now(); }, nullptr, writes_);
  }

  void TearDown() override { scheduler_.reset(); }

  TimePoint now() {
    std::lock_guard lock(clock_mutex_);
    return now_;
  }
  void advance(std::chrono::seconds by) {
    std::lock_guard lock(clock_mutex_);
    now_ += by;
  }

  // Makes the scheduler (its store calls run inline); the test ticks it with step(), or starts
  // its timer loop.
  void start_scheduler() {
    controller::SchedulerOptions options;
    options.poll = 1h;     // the timer loop's tests wake it; no timer fires while a test looks
    options.settle = 0ms;  // the test moves the clock to the interval end and expects its decision
    options.writes = writes_;
    scheduler_ = std::make_unique<controller::RolloutScheduler>(
        io_, *store_, [](const std::function<void()>& task) { task(); }, source_, policies_,
        [this] { return now(); }, options);
    // Subscribed after the scheduler: the store hands each change to its subscribers in order, so
    // a change counted here has reached the scheduler's strand already.
    changes_ = std::make_shared<ChangeCounts>();
    store_->subscribe([counts = changes_](const store::Change& change) {
      std::lock_guard lock(counts->mutex);
      ++counts->seen[change.kind];
      counts->arrived.notify_all();
    });
  }

  int changes_seen(const std::string& kind) {
    std::lock_guard lock(changes_->mutex);
    return changes_->seen[kind];
  }

  // Waits (at most 10 s) until the store has delivered `count` changes of `kind` since
  // start_scheduler(): a store-owned thread delivers them, so the scheduler hears of an import
  // (and retrains at its next tick) only once this returns.
  void wait_for_changes(const std::string& kind, int count) {
    std::unique_lock lock(changes_->mutex);
    if (!changes_->arrived.wait_for(lock, 10s, [&] { return changes_->seen[kind] >= count; })) {
      ADD_FAILURE() << "fewer than " << count << " '" << kind << "' changes arrived";
    }
  }

  // One tick at the test's `now`, with the event loop run here until it is over.
  controller::TickReport step() {
    std::optional<controller::TickReport> report;
    scheduler_->run_once(now(), [&](const controller::TickReport& r) { report = r; });
    run_until([&] { return report.has_value(); });
    return report.value_or(controller::TickReport{});
  }

  // Runs the event loop on this thread until `done`; fails when no handler is ready for 10 s.
  void run_until(const std::function<bool()>& done) {
    while (!done()) {
      if (io_.run_one_for(10s) == 0) {
        ADD_FAILURE() << "the event loop had nothing to run for 10 s";
        return;
      }
    }
  }

  void start_policy(const std::string& policy_json) {
    PolicyLoadResult read = read_single_policy_json(policy_json);
    ASSERT_TRUE(read.ok());
    auto outcome = service_->start(read.policies.at(0), "alice");
    ASSERT_EQ(outcome.status, controller::StartOutcome::Status::started);
  }

  // Ticks at the current time until the flag's rollout has `sequence` decisions; fails when a
  // tick decides nothing and nothing more is due at this time.
  store::RolloutRecord wait_for_sequence(const std::string& flag, std::int64_t sequence) {
    for (int i = 0; i < 100; ++i) {
      auto r = store_->latest_rollout(flag);
      if (r && r->sequence >= sequence) return *r;
      const controller::TickReport report = step();
      if (report.decisions_written == 0 && !report.more_due) break;
    }
    auto r = store_->latest_rollout(flag);
    if (!r || r->sequence < sequence)
      ADD_FAILURE() << flag << " never reached decision " << sequence;
    return *r;
  }

  std::vector<store::DecisionRecord> decisions(const std::string& flag) {
    return store_->decisions(store_->latest_rollout(flag)->id, 0, 1000);
  }

  // Moves time one interval on and ticks once: every still-active rollout decides for it.
  void tick(const std::vector<std::string>& flags) {
    std::map<std::string, std::int64_t> before;
    for (const auto& f : flags)
      before[f] = store_->latest_rollout(f)->sequence;
    advance(10s);
    step();
    for (const auto& f : flags) {
      const auto r = store_->latest_rollout(f);
      if (r->active || r->sequence != before[f]) {
        EXPECT_EQ(r->sequence, before[f] + 1) << f << ": one decision for the interval";
      }
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  FlagSet flags_;
  std::mutex clock_mutex_;
  TimePoint now_;
  controller::DecisionWriteHooks writes_;
  controller::PolicyCache policies_;
  std::unique_ptr<controller::RolloutService> service_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  FakeMetricsSource source_{io_};
  std::unique_ptr<controller::RolloutScheduler> scheduler_;
  struct ChangeCounts {
    std::mutex mutex;
    std::condition_variable arrived;
    std::map<std::string, int> seen;
  };
  std::shared_ptr<ChangeCounts> changes_;
};

}  // namespace sluice::scheduler_test
