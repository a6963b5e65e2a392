// The scheduler on a real io_context and a real SQLite store, with a scripted metrics source
// standing in for Prometheus at the adapter boundary (the real Prometheus runs in the
// end-to-end tests) and a clock the test moves.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <mutex>
#include <thread>

#include "rollout_json.hpp"
#include "rollout_service.hpp"
#include "run_command.hpp"
#include "scheduler.hpp"
#include "sluice/flag_loader.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/store/store.hpp"
#include "worker_pool.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using rollout::TimePoint;

// Per interval: `treatment_share` of `rate` requests go to the treatment; errors at the given
// rates. Counts what it was asked.
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

const char* kFlags = R"(
flags:
  - key: alpha
    variants: {on: true, off: false}
    off_variant: off
    default: {variant: off}
  - key: beta
    variants: {on: true, off: false}
    off_variant: off
    default: {variant: off}
  - key: gamma
    variants: {on: true, off: false}
    off_variant: off
    default: {variant: off}
)";

std::string policy_json(const std::string& flag) {
  return R"({"flag":")" + flag + R"(","treatment":"on","control":"off","interval":"10s",
    "min_duration":"20s","min_samples":100,"stages":[{"percent":5},{"percent":50},{"percent":100}],
    "checks":{"error_rate":{"warning":1.5,"critical":2.0}}})";
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::open_store("sqlite:" + dir_.path() + "/sluice.db");
    store_->migrate();
    LoadResult read;
    read_flag_yaml(kFlags, "flags.yaml", read);
    ASSERT_TRUE(read.ok());
    flags_ = read.definitions;
    for (const auto& f : flags_.flags)
      store_->create_flag(f.key, flag_to_json(f), true, "test");
    now_ = TimePoint(std::chrono::seconds(1'800'000'000));  // on the 10 s grid
    service_ = std::make_unique<controller::RolloutService>(
        *store_, policies_, [this] { return flags_; }, [this] { return now(); }, nullptr);
    work_.emplace(boost::asio::make_work_guard(io_));
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    scheduler_.reset();
    work_.reset();
    io_.stop();
    io_thread_.join();
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
    scheduler_ = std::make_unique<controller::RolloutScheduler>(
        io_, *store_, [this](std::function<void()> task) { workers_.post(std::move(task)); },
        source_, policies_, [this] { return now(); }, options);
    scheduler_->start();
  }

  void start(const std::string& flag) {
    PolicyLoadResult read = read_single_policy_json(policy_json(flag));
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

  // Moves time one interval at a time until every rollout has decided for it.
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
  controller::PolicyCache policies_;
  std::unique_ptr<controller::RolloutService> service_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread io_thread_;
  server::WorkerPool workers_{2};
  ScriptedSource source_{io_};
  std::unique_ptr<controller::RolloutScheduler> scheduler_;
};

TEST_F(SchedulerTest, HealthyRolloutsAdvanceWithOneQueryBatchPerTickForAll) {
  source_.set_flag("alpha", 0.05, 0.01);
  source_.set_flag("beta", 0.05, 0.01);
  source_.set_flag("gamma", 0.05, 0.01);
  for (const char* f : {"alpha", "beta", "gamma"})
    start(f);
  start_scheduler();
  for (const char* f : {"alpha", "beta", "gamma"})
    wait_for_sequence(f, 1);  // start
  const int calls_before = source_.window_calls();
  tick({"alpha", "beta", "gamma"});
  EXPECT_EQ(source_.window_calls() - calls_before, 1) << "one batch for three rollouts";

  for (int i = 0; i < 20 && store_->latest_rollout("alpha")->active; ++i) {
    const auto r = controller::state_from_json(store_->latest_rollout("alpha")->state_json);
    const double share = r.treatment_bp / 10000.0;
    for (const char* f : {"alpha", "beta", "gamma"})
      source_.set_flag(f, share, 0.01);
    tick({"alpha", "beta", "gamma"});
  }
  auto record = store_->latest_rollout("alpha");
  EXPECT_EQ(record->phase, "completed");
  EXPECT_FALSE(record->active);
  std::int64_t expected = 1;
  std::int64_t last_stage = 0;
  for (const auto& d : decisions("alpha")) {
    EXPECT_EQ(d.sequence, expected++);
    EXPECT_LE(d.to_stage - last_stage, 1) << "never skips a stage: " << d.sentence;
    EXPECT_GE(d.to_stage, last_stage);
    last_stage = d.to_stage;
  }
  EXPECT_EQ(decisions("alpha").back().kind, "complete");
}

TEST_F(SchedulerTest, ThreeTimesTheErrorsRollsBackAndTheSentenceSaysWhy) {
  source_.set_flag("alpha", 0.05, 0.03);
  start("alpha");
  start_scheduler();
  wait_for_sequence("alpha", 1);
  // 50 treatment requests an interval at 5%: the sequential test needs a few hundred.
  for (int i = 0; i < 30 && store_->latest_rollout("alpha")->active; ++i)
    tick({"alpha"});
  auto record = store_->latest_rollout("alpha");
  EXPECT_EQ(record->phase, "rolled_back");
  const auto last = decisions("alpha").back();
  EXPECT_EQ(last.kind, "rollback");
  EXPECT_NE(last.sentence.find("rolled back alpha at 5%: errors 3.0% vs 1.0% on control"),
            std::string::npos)
      << last.sentence;
  EXPECT_NE(last.evidence_json.find("\"error_rate\""), std::string::npos);
}

TEST_F(SchedulerTest, MetricsDownHoldsAndSaysSo) {
  source_.set_down(true);
  start("alpha");
  start_scheduler();
  wait_for_sequence("alpha", 1);
  tick({"alpha"});
  tick({"alpha"});
  const auto last = decisions("alpha").back();
  EXPECT_EQ(last.kind, "hold");
  EXPECT_NE(last.sentence.find("timed out after 5s"), std::string::npos) << last.sentence;
  EXPECT_EQ(store_->latest_rollout("alpha")->phase, "progressing");
}

TEST_F(SchedulerTest, AnIntervalWithoutSeriesIsNoDataNotZeroTraffic) {
  source_.set_flag("alpha", 0.05, 0.01);
  source_.set_volume("alpha", 4000);  // 200 treatment requests an interval
  start("alpha");
  start_scheduler();
  wait_for_sequence("alpha", 1);
  tick({"alpha"});  // the stage has its samples (200 of 100), not its duration (10 s of 20 s)
  ASSERT_EQ(decisions("alpha").back().kind, "hold");
  source_.remove_flag("alpha");  // the application stops reporting
  for (int i = 0; i < 3; ++i)
    tick({"alpha"});  // the minimum duration has passed meanwhile
  const auto last = decisions("alpha").back();
  EXPECT_EQ(last.kind, "hold") << "advanced on old counts: " << last.sentence;
  EXPECT_NE(last.sentence.find("no requests reported for alpha"), std::string::npos)
      << last.sentence;
  EXPECT_EQ(last.verdict, "no_data");
  source_.set_flag("alpha", 0.05, 0.01);
  tick({"alpha"});
  EXPECT_EQ(decisions("alpha").back().kind, "advance");
}

TEST_F(SchedulerTest, ARestartedControllerCatchesUpMissedIntervalsInOrder) {
  // Too little treatment traffic to finish the stage: every caught-up interval is a hold. (A
  // decision that changes the split skips the intervals until its commit: the old split was
  // served while the controller was down.)
  source_.set_flag("alpha", 0.01, 0.01);
  start("alpha");
  start_scheduler();
  wait_for_sequence("alpha", 1);
  tick({"alpha"});
  scheduler_->stop();
  scheduler_.reset();
  const std::int64_t sequence = store_->latest_rollout("alpha")->sequence;
  advance(40s);  // four intervals while no controller ran
  const auto asked_before = source_.asked_at().size();
  start_scheduler();
  wait_for_sequence("alpha", sequence + 4);
  std::this_thread::sleep_for(50ms);
  const auto asked = source_.asked_at();
  ASSERT_GE(asked.size(), asked_before + 4);
  for (std::size_t i = asked_before + 1; i < asked_before + 4; ++i) {
    EXPECT_EQ(asked[i] - asked[i - 1], std::chrono::seconds(10)) << "one interval after another";
  }
  const auto all = decisions("alpha");
  EXPECT_EQ(all.size(), static_cast<std::size_t>(sequence + 4));
  for (std::size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i].sequence, static_cast<std::int64_t>(i + 1));
}

TEST_F(SchedulerTest, APersonsCommandIsADecisionAndANonsenseOneIsRefused) {
  source_.set_flag("alpha", 0.05, 0.01);
  start("alpha");
  start_scheduler();
  wait_for_sequence("alpha", 1);
  rollout::Command pause{rollout::CommandKind::pause, "bob", "checking a support ticket", 0};
  auto paused = service_->command("alpha", pause);
  ASSERT_EQ(paused.status, controller::CommandOutcome::Status::ok) << paused.error;
  EXPECT_EQ(paused.decision->actor, "bob");
  EXPECT_EQ(paused.decision->reason, "checking a support ticket");
  auto again = service_->command("alpha", pause);
  EXPECT_EQ(again.status, controller::CommandOutcome::Status::refused);
  EXPECT_NE(again.error.find("cannot pause alpha"), std::string::npos) << again.error;
  rollout::Command percent{rollout::CommandKind::set_percent, "bob", "more traffic", 3000};
  auto set = service_->command("alpha", percent);
  ASSERT_EQ(set.status, controller::CommandOutcome::Status::ok) << set.error;
  EXPECT_EQ(set.decision->to_bp, 3000);
  auto audit = store_->audit(store::AuditQuery{.actor = "bob"});
  bool audited = false;
  for (const auto& a : audit)
    audited = audited || (a.actor == "bob" && a.target_kind == "rollout");
  EXPECT_TRUE(audited);
}

}  // namespace
}  // namespace sluice
