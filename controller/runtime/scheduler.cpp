#include "scheduler.hpp"

#include <time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "decision_writes.hpp"
#include "rollout_history.hpp"
#include "rollout_json.hpp"
#include "sluice/analysis_window.hpp"
#include "sluice/anomaly.hpp"
#include "sluice/rollout.hpp"

namespace sluice::controller {
namespace {

namespace asio = boost::asio;
using std::chrono::seconds;

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

std::string names_key(const MetricNames& n) {
  return n.flag_label + '\x1f' + n.variant_label + '\x1f' + n.requests + '\x1f' + n.error_selector +
         '\x1f' + n.latency_histogram;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::optional<rollout::IntervalCounts> interval_of(const metrics::WindowResult& result,
                                                   const std::string& flag,
                                                   const std::string& variant) {
  auto it = result.series.find({flag, variant});
  if (it == result.series.end()) return std::nullopt;
  rollout::IntervalCounts c;
  c.requests = it->second.requests;
  c.errors = it->second.errors;
  c.latency = it->second.latency;
  return c;
}

// The anomaly model trained on every history row (oldest first). Rows whose stages or outcome do
// not parse are left out (and counted), so one bad import cannot stop the controller.
std::shared_ptr<const anomaly::AnomalyModel> train_model(
    const std::vector<store::RolloutHistoryRecord>& rows, std::size_t& skipped) {
  std::vector<anomaly::HistoryEntry> entries;
  entries.reserve(rows.size());
  skipped = 0;
  for (const auto& row : rows) {
    auto outcome = anomaly::parse_outcome(row.outcome);
    auto stages = anomaly::stages_from_json(row.stages_json);
    if (!outcome || !stages.ok()) {
      ++skipped;
      continue;
    }
    entries.push_back(anomaly::HistoryEntry{row.key, row.flag, *outcome, std::move(*stages.value),
                                            row.started_at, row.finished_at});
  }
  return std::make_shared<const anomaly::AnomalyModel>(anomaly::AnomalyModel::train(entries));
}

}  // namespace

struct RolloutScheduler::Impl : std::enable_shared_from_this<Impl> {
  struct Group {
    metrics::WindowRequest request;
    metrics::WindowResult result;
  };
  struct Due {
    store::RolloutRecord record;
    std::shared_ptr<const Policy> policy;
    rollout::RolloutState state;
    rollout::AnalysisWindow window;
    TimePoint end{};        // the interval end decided (the decision's `now`)
    bool starting = false;  // pending: the start decision, no metrics needed
    std::size_t group = 0;
    std::map<std::string, metrics::ScalarResult> custom_treatment;
    std::map<std::string, metrics::ScalarResult> custom_control;
  };
  struct Tick {
    TimePoint now{};  // the tick's time: what is due, and the quiet poll's deadline
    std::function<void(const TickReport&)> done;
    std::vector<Due> due;
    std::vector<Group> groups;
    std::size_t outstanding = 0;
    bool catching_up = false;
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
    TimePoint earliest = TimePoint::max();  // the first interval end not due yet
    const CpuSpan cpu(tick->report.cpu_seconds);
    const TimePoint now = tick->now;
    std::map<std::tuple<std::int64_t, std::string, std::int64_t>, std::size_t> group_index;
    for (auto& record : records) {
      Due due;
      try {
        due.policy = policies.policy_of(record);
        due.state = state_from_json(record.state_json);
        due.window = window_from_json(record.window_json);
      } catch (const std::exception& e) {
        if (reported_bad.emplace(record.id, e.what()).second) error(e.what());
        continue;
      }
      const seconds interval = due.policy->interval;
      if (due.state.phase == rollout::Phase::pending) {
        due.starting = true;
        due.end = now;
      } else {
        // An interval is decided `settle` after it ends, so late reports of it count.
        const TimePoint current = rollout::align_down(now - options.settle, interval);
        TimePoint next = rollout::align_down(due.window.last_tick, interval) + interval;
        if (next > current) {  // not due yet
          earliest = std::min(earliest, next);
          continue;
        }
        const TimePoint oldest = current - interval * options.max_catch_up_intervals;
        if (next < oldest) next = oldest;
        if (next < current) tick->catching_up = true;
        due.end = next;
        const auto key =
            std::make_tuple(static_cast<std::int64_t>(interval.count()),
                            names_key(due.policy->metrics), next.time_since_epoch().count());
        auto [it, inserted] = group_index.emplace(key, tick->groups.size());
        if (inserted) {
          Group group;
          group.request.at = next;
          group.request.window = interval;
          group.request.names = due.policy->metrics;
          tick->groups.push_back(std::move(group));
        }
        due.group = it->second;
        if (due.policy->checks.latency_p95) tick->groups[due.group].request.want_latency = true;
      }
      due.record = std::move(record);
      tick->due.push_back(std::move(due));
    }
    tick->report.rollouts_due = tick->due.size();
    tick->report.groups = tick->groups.size();
    if (tick->due.empty()) {
      if (!wake_requested) quiet = Quiet{version, earliest};
      return finish_tick(tick, false);
    }
    fetch(tick);
  }

  // One query per metric per group, plus each rollout's own custom checks (a custom query names
  // its flag, so it cannot be shared).
  void fetch(const std::shared_ptr<Tick>& tick) {
    tick->outstanding = tick->groups.size() + 1;  // +1 until every request is sent
    auto self = shared_from_this();
    auto landed = [self, tick] {
      if (--tick->outstanding == 0) self->decide(tick);
    };
    for (std::size_t g = 0; g < tick->groups.size(); ++g) {
      source.fetch_window(
          tick->groups[g].request, [self, tick, g, landed](metrics::WindowResult result) {
            asio::post(self->strand, [tick, g, landed, result = std::move(result)]() mutable {
              tick->report.queries += result.queries;
              tick->groups[g].result = std::move(result);
              landed();
            });
          });
    }
    for (std::size_t d = 0; d < tick->due.size(); ++d) {
      Due& due = tick->due[d];
      if (due.starting) continue;
      const auto window_seconds = std::max<std::int64_t>(
          due.policy->interval.count(),
          std::chrono::duration_cast<seconds>(due.end - due.window.started_at).count());
      for (const auto& check : due.policy->checks.custom) {
        for (int side = 0; side < 2; ++side) {
          const std::string& variant = side == 0 ? due.policy->treatment : due.policy->control;
          std::string promql = replace_all(check.query, "{{flag}}", due.policy->flag);
          promql = replace_all(promql, "{{variant}}", variant);
          promql = replace_all(promql, "{{window}}", std::to_string(window_seconds) + "s");
          ++tick->outstanding;
          source.fetch_scalar(
              metrics::ScalarRequest{due.end, promql},
              [self, tick, d, side, name = check.name, landed](metrics::ScalarResult result) {
                asio::post(self->strand,
                           [tick, d, side, name, landed, result = std::move(result)]() mutable {
                             ++tick->report.queries;
                             auto& into = side == 0 ? tick->due[d].custom_treatment
                                                    : tick->due[d].custom_control;
                             into[name] = std::move(result);
                             landed();
                           });
              });
        }
      }
    }
    landed();
  }

  std::optional<std::string> unavailable_for(const Due& due, const Group& group) {
    const auto& r = group.result;
    if (r.requests_error) return *r.requests_error;
    if (r.errors_error) return *r.errors_error;
    if (due.policy->checks.latency_p95 && r.latency_error) return *r.latency_error;
    for (const auto* variant : {&due.policy->treatment, &due.policy->control}) {
      auto it = r.series.find({due.policy->flag, *variant});
      if (it != r.series.end() && it->second.has_nan) {
        return "NaN in the metrics of variant " + *variant;
      }
    }
    // Neither variant has a series: the application is not reporting (or not being scraped).
    // That is no data, never zero traffic — judging the stage's earlier counts again could let a
    // stage advance on old data.
    if (!r.series.contains({due.policy->flag, due.policy->treatment}) &&
        !r.series.contains({due.policy->flag, due.policy->control})) {
      return "no requests reported for " + due.policy->flag + " (" + due.policy->treatment +
             " or " + due.policy->control + ") in the last " +
             std::to_string(due.policy->interval.count()) + "s from " + source.name();
    }
    return std::nullopt;
  }

  void decide(const std::shared_ptr<Tick>& tick) {
    const TimePoint decided_at = clock();
    const CpuSpan cpu(tick->report.cpu_seconds);
    std::vector<store::DecisionWrite> writes;
    writes.reserve(tick->due.size());
    for (auto& due : tick->due) {
      const Policy& policy = *due.policy;
      rollout::Observations observations;
      rollout::AnalysisWindow window = due.window;
      if (!due.starting) {
        const Group& group = tick->groups[due.group];
        observations.unavailable = unavailable_for(due, group);
        if (!observations.unavailable) {
          rollout::add_interval(window, due.end, policy.interval,
                                interval_of(group.result, policy.flag, policy.treatment),
                                interval_of(group.result, policy.flag, policy.control));
        } else {
          window.last_tick = std::max(window.last_tick, due.end);
        }
        if (!observations.unavailable) {
          observations = rollout::observations_of(window);
          for (const auto& [name, result] : due.custom_treatment) {
            if (result.value) observations.treatment.custom[name] = *result.value;
          }
          for (const auto& [name, result] : due.custom_control) {
            if (result.value) observations.control.custom[name] = *result.value;
          }
          observe_anomaly(due, observations);
        }
      }
      rollout::Decision decision = rollout::step(policy, due.state, observations, due.end);
      if (decision.kind == rollout::DecisionKind::none) continue;
      rollout::AnalysisWindow next_window =
          rollout::carry_window(window, decision.next, policy.interval);
      if (decision.effects.split) {
        // The new split is served from the commit on, not from the interval end the decision
        // is dated at: the interval the commit falls in mixes both splits and is not judged.
        next_window.last_tick =
            std::max(next_window.last_tick, rollout::align_up(decided_at, policy.interval));
      }
      writes.push_back(decision_write(due.record, policy, decision, next_window, /*audit=*/false,
                                      options.writes));
    }
    if (writes.empty()) return finish_tick(tick, tick->catching_up);
    persist(tick, std::move(writes));
  }

  // What the anomaly model sees of this interval: the feature vector, kept as the stage's summary
  // in the window JSON for the history row written when the rollout finishes (every rollout:
  // the history is the training data, whether or not its own policy uses the model), and scored
  // for the state machine when the policy enables the model.
  void observe_anomaly(Due& due, rollout::Observations& observations) {
    const Policy& policy = *due.policy;
    anomaly::FeatureVector features = anomaly::observe(policy, due.state, observations, due.end);
    if (policy.anomaly_enabled()) {
      observations.anomaly = model->score(features, policy.anomaly->min_history);
    }
    std::vector<anomaly::StageFeatures> stages = stage_features_of(due.record.window_json);
    // Waiting for approval, `stage` is the one to enter; the one before it is still served.
    const std::size_t served =
        due.state.phase == rollout::Phase::waiting_for_approval && due.state.stage > 0
            ? due.state.stage - 1
            : due.state.stage;
    anomaly::record_stage(stages, served, due.state.treatment_bp, std::move(features));
    // decision_write carries the member from the record into the decision's window.
    due.record.window_json =
        with_stage_features(due.record.window_json, anomaly::stages_to_json(stages));
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
    finish_tick(tick, tick->catching_up || tick->report.conflicts > 0);
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
