#pragma once

// The rollout scheduler on a real io_context and a real SQLite store, with a scripted metrics
// source standing in for Prometheus at the adapter boundary (the real Prometheus runs in the
// end-to-end tests) and a clock the test moves. Shared by the scheduler's test files.

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rollout_service.hpp"
#include "run_command.hpp"
#include "scheduler.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/store/store.hpp"
#include "worker_pool.hpp"

namespace sluice::scheduler_test {

using namespace std::chrono_literals;
using rollout::TimePoint;

// Per interval and flag: `treatment_share` of the flag's volume (1000 requests unless set) go to
// the treatment, errors at the treatment's rate and at 1% for the control. Counts what it was
// asked.
class ScriptedSource final : public metrics::MetricsSource {
 public:
  explicit ScriptedSource(boost::asio::io_context& io) : io_(io) {}

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

// A store holding the flags of `flags_yaml` (enabled), a rollout service, an event loop thread
// and a clock on the 10 s grid; the scheduler starts when the test says so.
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
    work_.emplace(boost::asio::make_work_guard(io_));
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    scheduler_.reset();
    work_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
    workers_.join();
  }

  TimePoint now() {
    std::lock_guard lock(clock_mutex_);
    return now_;
  }
  void advance(std::chrono::seconds by) {
    std::lock_guard lock(clock_mutex_);
    now_ += by;
  }

  void start_scheduler() {
    controller::SchedulerOptions options;
    options.poll = 5ms;
    options.settle = 0ms;  // the test moves the clock to the interval end and expects its decision
    options.writes = writes_;
    scheduler_ = std::make_unique<controller::RolloutScheduler>(
        io_, *store_, [this](std::function<void()> task) { workers_.post(std::move(task)); },
        source_, policies_, [this] { return now(); }, options);
    scheduler_->start();
  }

  void start_policy(const std::string& policy_json) {
    PolicyLoadResult read = read_single_policy_json(policy_json);
    ASSERT_TRUE(read.ok());
    auto outcome = service_->start(read.policies.at(0), "alice");
    ASSERT_EQ(outcome.status, controller::StartOutcome::Status::started);
  }

  // Waits (bounded) until the flag's rollout has `sequence` decisions.
  store::RolloutRecord wait_for_sequence(const std::string& flag, std::int64_t sequence) {
    for (int i = 0; i < 1000; ++i) {
      auto r = store_->latest_rollout(flag);
      if (r && r->sequence >= sequence) return *r;
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << flag << " never reached decision " << sequence;
    return *store_->latest_rollout(flag);
  }

  std::vector<store::DecisionRecord> decisions(const std::string& flag) {
    return store_->decisions(store_->latest_rollout(flag)->id, 0, 1000);
  }

  // Moves time one interval on and waits until every still-active rollout has decided for it.
  void tick(const std::vector<std::string>& flags) {
    std::map<std::string, std::int64_t> before;
    for (const auto& f : flags)
      before[f] = store_->latest_rollout(f)->sequence;
    advance(10s);
    for (const auto& f : flags) {
      if (store_->latest_rollout(f)->active) wait_for_sequence(f, before[f] + 1);
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
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread io_thread_;
  server::WorkerPool workers_{2};
  ScriptedSource source_{io_};
  std::unique_ptr<controller::RolloutScheduler> scheduler_;
};

}  // namespace sluice::scheduler_test
