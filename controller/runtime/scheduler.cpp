#include "scheduler.hpp"

#include <time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "scheduler_decide.hpp"
#include "scheduler_plan.hpp"

namespace sluice::controller {
namespace {

namespace asio = boost::asio;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Adds the calling thread's CPU time over its lifetime to `into`. A tick's handlers run on the
// strand but not always on the same thread of the pool, so each handler measures its own span
// (a single start/end pair across handlers mixed two threads' clocks, even negative).
class CpuSpan {
 public:
  explicit CpuSpan(double& into) : into_(into), start_(thread_cpu_seconds()) {}
  ~CpuSpan() { into_ += thread_cpu_seconds() - start_; }
  CpuSpan(const CpuSpan&) = delete;
  CpuSpan& operator=(const CpuSpan&) = delete;

 private:
  double& into_;
  double start_;
};

}  // namespace

// The loop itself: the strand, the timer, the lease, the store reads and writes and the metric
// queries in flight. What is due is planned in scheduler_plan, what the answers mean is decided
// in scheduler_decide.
struct RolloutScheduler::Impl : std::enable_shared_from_this<Impl> {
  struct Tick {
    TimePoint now{};  // the tick's time: what is due, and the quiet poll's deadline
    std::function<void(const TickReport&)> done;
    TickPlan plan;
    std::size_t outstanding = 0;
    TickReport report;
  };

  Impl(asio::io_context& io, store::Store& s, RunBlocking run, metrics::MetricsSource& src,
       PolicyCache& p, std::function<TimePoint()> c, SchedulerOptions o, SchedulerHooks h)
      : strand(asio::make_strand(io)),
        timer(strand),
        store(s),
        run_blocking(std::move(run)),
        source(src),
        policies(p),
        clock(std::move(c)),
        options(o),
        hooks(std::move(h)) {}

  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  store::Store& store;
  RunBlocking run_blocking;
  metrics::MetricsSource& source;
  PolicyCache& policies;
  std::function<TimePoint()> clock;
  SchedulerOptions options;
  SchedulerHooks hooks;

  // Guarded by the strand.
  bool looping = false;  // start() was called: the timer runs the next tick
  bool busy = false;
  bool wake_requested = false;
  // After a poll that found nothing due: the store version it read and the earliest interval end
  // of any rollout. Until one of them moves, the next polls read only the store version instead
  // of every active rollout (at 10,000 rollouts the full read and parse cost ~90 ms of CPU per
  // poll, two thirds of the controller's CPU at a 30 s interval).
  struct Quiet {
    std::int64_t version = 0;
    TimePoint until{};
  };
  std::optional<Quiet> quiet;
  bool leading = false;
  bool leading_known = false;
  // The anomaly model, trained on the blocking pool at the first tick, after a tick that wrote a
  // history row (a rollout finished) and after a "history" change (an import); shared by every
  // rollout's score (trained once per change, not per rollout).
  std::shared_ptr<const anomaly::AnomalyModel> model =
      std::make_shared<const anomaly::AnomalyModel>();
  bool retrain = true;
  std::map<std::int64_t, std::string> reported_bad;  // rollouts whose stored rows do not parse

  std::mutex stop_mutex;
  std::condition_variable stopped_cv;
  bool stopping = false;  // guarded by stop_mutex
  bool idle = true;       // guarded by stop_mutex

  bool is_stopping() {
    std::lock_guard lock(stop_mutex);
    return stopping;
  }

  void set_idle(bool value) {
    std::lock_guard lock(stop_mutex);
    idle = value;
    stopped_cv.notify_all();
  }

  void error(const std::string& message) {
    if (hooks.on_error) hooks.on_error(message);
  }

  void arm(std::chrono::milliseconds delay) {
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code&) {
      self->begin_tick(self->clock(), {});
    });
  }

  void begin_tick(TimePoint now, std::function<void(const TickReport&)> done) {
    auto tick = std::make_shared<Tick>();
    tick->now = now;
    tick->done = std::move(done);
    if (busy || is_stopping()) {
      if (tick->done) tick->done(tick->report);  // a tick is running, or none may start
      return;
    }
    busy = true;
    wake_requested = false;
    set_idle(false);
    const bool train = std::exchange(retrain, false);
    if (train) quiet.reset();  // the new model may change decisions: read the rollouts
    run_blocking(
        [self = shared_from_this(), quiet = std::exchange(quiet, std::nullopt), train, tick] {
          // Only the replica holding the lease decides (ARCHITECTURE decision 6); the others wait.
          const bool holds_lease = self->store.hold_controller_lease();
          asio::post(self->strand, [self, holds_lease] { self->set_leading(holds_lease); });
          if (!holds_lease) {
            asio::post(self->strand, [self, tick] { self->finish_tick(tick, false); });
            return;
          }
          if (train) self->train_from_history();
          try {
            // Read first: a write that lands while the rollouts are read moves it, so the next poll
            // reads them again.
            const std::int64_t version = self->store.store_version();
            if (quiet && version == quiet->version && tick->now < quiet->until) {
              asio::post(self->strand, [self, quiet, tick] {
                if (!self->wake_requested) self->quiet = quiet;
                self->finish_tick(tick, false);
              });
              return;
            }
            auto records = self->store.list_rollouts(/*include_finished=*/false);
            asio::post(self->strand, [self, version, tick, records = std::move(records)]() mutable {
              self->plan(tick, version, std::move(records));
            });
          } catch (const std::exception& e) {
            asio::post(self->strand, [self, tick, what = std::string(e.what())] {
              self->error("controller: cannot read rollouts: " + what);
              self->finish_tick(tick, false);
            });
          }
        });
  }

  // On the blocking pool: reads the history and trains; the strand gets the model before the
  // rollouts of this tick are planned (both are posted to it in this order).
  void train_from_history() {
    try {
      // The model keeps the newest kDefaultMaxHistory; reading only those bounds the read too.
      const auto rows = store.list_history(anomaly::kDefaultMaxHistory);
      std::size_t skipped = 0;
      auto trained = train_model(rows, skipped);
      asio::post(strand, [self = shared_from_this(), trained = std::move(trained), skipped] {
        self->model = trained;
        if (skipped > 0) {
          self->error("controller: " + std::to_string(skipped) +
                      " deployment history rows do not parse; the anomaly model leaves them out");
        }
      });
    } catch (const std::exception& e) {
      asio::post(strand, [self = shared_from_this(), what = std::string(e.what())] {
        self->retrain = true;  // try again at the next poll
        self->error("controller: cannot read the deployment history: " + what);
      });
    }
  }

  void set_leading(bool now_leading) {
    if (leading_known && now_leading == leading) return;
    leading_known = true;
    leading = now_leading;
    if (hooks.on_leadership) hooks.on_leadership(leading);
  }

  // `again`: more is due at once (an older interval was caught up, or a person decided first).
  void finish_tick(const std::shared_ptr<Tick>& tick, bool again) {
    busy = false;
    set_idle(true);
    tick->report.more_due = again;
    if (tick->done) tick->done(tick->report);
    if (!looping || is_stopping()) return;
    arm(again || wake_requested ? std::chrono::milliseconds(0) : options.poll);
  }

  void plan(const std::shared_ptr<Tick>& tick, std::int64_t version,
            std::vector<store::RolloutRecord> records) {
    const CpuSpan cpu(tick->report.cpu_seconds);
    tick->plan = plan_tick(tick->now, std::move(records), policies, options);
    for (const auto& [id, why] : tick->plan.unreadable) {
      if (reported_bad.emplace(id, why).second) error(why);
    }
    tick->report.rollouts_due = tick->plan.due.size();
    tick->report.groups = tick->plan.groups.size();
    if (tick->plan.due.empty()) {
      if (!wake_requested) quiet = Quiet{version, tick->plan.earliest};
      return finish_tick(tick, false);
    }
    fetch(tick);
  }

  // One query per metric per group, plus each rollout's own custom checks (a custom query names
  // its flag, so it cannot be shared).
  void fetch(const std::shared_ptr<Tick>& tick) {
    TickPlan& plan = tick->plan;
    tick->outstanding = plan.groups.size() + 1;  // +1 until every request is sent
    auto self = shared_from_this();
    auto landed = [self, tick] {
      if (--tick->outstanding == 0) self->decide(tick);
    };
    for (std::size_t g = 0; g < plan.groups.size(); ++g) {
      source.fetch_window(
          plan.groups[g].request, [self, tick, g, landed](metrics::WindowResult result) {
            asio::post(self->strand, [tick, g, landed, result = std::move(result)]() mutable {
              tick->report.queries += result.queries;
              tick->plan.groups[g].result = std::move(result);
              landed();
            });
          });
    }
    for (std::size_t d = 0; d < plan.due.size(); ++d) {
      const DueRollout& due = plan.due[d];
      if (due.starting) continue;
      for (const auto& check : due.policy->checks.custom) {
        for (int side = 0; side < 2; ++side) {
          const std::string& variant = side == 0 ? due.policy->treatment : due.policy->control;
          ++tick->outstanding;
          source.fetch_scalar(
              metrics::ScalarRequest{due.end, custom_check_query(due, check, variant)},
              [self, tick, d, side, name = check.name, landed](metrics::ScalarResult result) {
                asio::post(self->strand,
                           [tick, d, side, name, landed, result = std::move(result)]() mutable {
                             ++tick->report.queries;
                             auto& into = side == 0 ? tick->plan.due[d].custom_treatment
                                                    : tick->plan.due[d].custom_control;
                             into[name] = std::move(result);
                             landed();
                           });
              });
        }
      }
    }
    landed();
  }

  void decide(const std::shared_ptr<Tick>& tick) {
    const TimePoint decided_at = clock();
    const CpuSpan cpu(tick->report.cpu_seconds);
    std::vector<store::DecisionWrite> writes =
        decide_tick(tick->plan, *model, source, decided_at, options.writes);
    if (writes.empty()) return finish_tick(tick, tick->plan.catching_up);
    persist(tick, std::move(writes));
  }

  void persist(const std::shared_ptr<Tick>& tick, std::vector<store::DecisionWrite> writes) {
    auto shared = std::make_shared<std::vector<store::DecisionWrite>>(std::move(writes));
    run_blocking([self = shared_from_this(), tick, shared] {
      const auto started = std::chrono::steady_clock::now();
      std::vector<store::DecisionWriteResult> results;
      std::string failure;
      try {
        results = self->store.record_decisions(*shared);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      tick->report.store_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      asio::post(self->strand, [self, tick, shared, results = std::move(results), failure] {
        self->persisted(tick, *shared, results, failure);
      });
    });
  }

  void persisted(const std::shared_ptr<Tick>& tick, const std::vector<store::DecisionWrite>& writes,
                 const std::vector<store::DecisionWriteResult>& results,
                 const std::string& failure) {
    if (!failure.empty()) {
      // Nothing was written: the same intervals are decided again at the next poll.
      error("controller: cannot persist " + std::to_string(writes.size()) +
            " decisions: " + failure);
      return finish_tick(tick, false);
    }
    for (std::size_t i = 0; i < writes.size() && i < results.size(); ++i) {
      switch (results[i].status) {
        case store::DecisionWriteStatus::Ok:
          ++tick->report.decisions_written;
          if (writes[i].history) retrain = true;  // a rollout finished: learn from it
          if (hooks.on_decision) hooks.on_decision(writes[i].decision);
          break;
        case store::DecisionWriteStatus::Conflict:
        case store::DecisionWriteStatus::Duplicate:
          ++tick->report.conflicts;
          break;
        case store::DecisionWriteStatus::NotFound:
        case store::DecisionWriteStatus::NotActive:
          break;
      }
    }
    if (hooks.on_tick) hooks.on_tick(tick->report);
    finish_tick(tick, tick->plan.catching_up || tick->report.conflicts > 0);
  }
};

RolloutScheduler::RolloutScheduler(asio::io_context& io, store::Store& store,
                                   RunBlocking run_blocking, metrics::MetricsSource& source,
                                   PolicyCache& policies, std::function<TimePoint()> clock,
                                   SchedulerOptions options, SchedulerHooks hooks)
    : impl_(std::make_shared<Impl>(io, store, std::move(run_blocking), source, policies,
                                   std::move(clock), options, std::move(hooks))) {
  // An import of deployment history (any replica, any process) retrains the model at the next
  // tick, whether the loop or run_once runs it.
  impl_->store.subscribe([weak = std::weak_ptr<Impl>(impl_)](const store::Change& change) {
    if (change.kind != "history") return;
    if (auto self = weak.lock()) {
      asio::post(self->strand, [self] {
        self->retrain = true;
        self->quiet.reset();
        if (!self->busy) self->timer.cancel();
      });
    }
  });
}

RolloutScheduler::~RolloutScheduler() {
  stop();
}

void RolloutScheduler::start() {
  asio::post(impl_->strand, [self = impl_] {
    self->looping = true;
    self->begin_tick(self->clock(), {});
  });
}

void RolloutScheduler::run_once(TimePoint now, std::function<void(const TickReport&)> done) {
  asio::post(impl_->strand,
             [self = impl_, now, done = std::move(done)] { self->begin_tick(now, done); });
}

void RolloutScheduler::wake() {
  asio::post(impl_->strand, [self = impl_] {
    self->quiet.reset();
    if (self->busy) {
      self->wake_requested = true;
    } else {
      self->timer.cancel();
    }
  });
}

void RolloutScheduler::stop() {
  {
    std::lock_guard lock(impl_->stop_mutex);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  asio::post(impl_->strand, [self = impl_] { self->timer.cancel(); });
  std::unique_lock lock(impl_->stop_mutex);
  impl_->stopped_cv.wait_for(lock, std::chrono::seconds(30), [&] { return impl_->idle; });
}

}  // namespace sluice::controller