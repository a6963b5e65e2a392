#include "simulation.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "sluice/judge.hpp"

namespace sluice::simulation {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

constexpr double kExactBelow = 30;  // mean under which Poisson and binomial are sampled exactly

// Prometheus' default histogram buckets (seconds); the last is +Inf.
constexpr std::array<double, 15> kBucketBounds = {
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, HUGE_VAL};
constexpr double kLatencyMedian = 0.1;  // seconds
constexpr double kLatencySigma = 0.5;   // of the log

using Buckets = std::array<double, kBucketBounds.size()>;

// The probability of each (non-cumulative) bucket for a log-normal latency.
Buckets bucket_probabilities(double latency_multiplier) {
  const double mu = std::log(kLatencyMedian * latency_multiplier);
  Buckets p{};
  double below = 0;
  for (std::size_t i = 0; i < kBucketBounds.size(); ++i) {
    const double cdf = std::isinf(kBucketBounds[i])
                           ? 1.0
                           : 0.5 * std::erfc(-(std::log(kBucketBounds[i]) - mu) /
                                             (kLatencySigma * std::sqrt(2.0)));
    p[i] = std::max(0.0, cdf - below);
    below = cdf;
  }
  return p;
}

// One variant's traffic, cumulative over the analysis window.
struct VariantTraffic {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::uint64_t conversions = 0;
  Buckets latency{};  // non-cumulative counts per bucket

  void reset() { *this = VariantTraffic{}; }

  judge::VariantObservation observation(bool with_latency, bool with_conversion) const {
    judge::VariantObservation o;
    o.requests = static_cast<double>(requests);
    o.errors = static_cast<double>(errors);
    if (with_conversion && requests > 0)
      o.custom["conversion"] = static_cast<double>(conversions) / static_cast<double>(requests);
    if (with_latency) {
      double cumulative = 0;
      o.latency.reserve(latency.size());
      for (std::size_t i = 0; i < latency.size(); ++i) {
        cumulative += latency[i];
        o.latency.push_back({kBucketBounds[i], cumulative});
      }
    }
    return o;
  }
};

struct VariantModel {
  double error_rate = 0;
  double conversion_rate = 0;
  Buckets bucket_p{};
};

// One interval of one variant's traffic: Poisson arrivals, binomial errors, a multinomial split
// of the requests over the latency buckets (as conditional binomials).
VariantTraffic interval_traffic(Rng& rng, const VariantModel& model, double mean_requests) {
  VariantTraffic t;
  t.requests = mean_requests > 0 ? rng.poisson(mean_requests) : 0;
  t.errors = rng.binomial(t.requests, model.error_rate);
  t.conversions = rng.binomial(t.requests, model.conversion_rate);
  std::uint64_t remaining = t.requests;
  double remaining_p = 1.0;
  for (std::size_t i = 0; i < model.bucket_p.size() && remaining > 0; ++i) {
    const bool last = i + 1 == model.bucket_p.size();
    const double p =
        last || remaining_p <= 0 ? 1.0 : std::min(1.0, model.bucket_p[i] / remaining_p);
    const std::uint64_t k = rng.binomial(remaining, p);
    t.latency[i] = static_cast<double>(k);
    remaining -= k;
    remaining_p -= model.bucket_p[i];
  }
  return t;
}

void add(VariantTraffic& into, const VariantTraffic& t) {
  into.requests += t.requests;
  into.errors += t.errors;
  into.conversions += t.conversions;
  for (std::size_t i = 0; i < into.latency.size(); ++i)
    into.latency[i] += t.latency[i];
}

std::int64_t max_seconds_for(const Policy& policy, const Scenario& scenario) {
  if (scenario.max_seconds > 0) return scenario.max_seconds;
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < policy.stages.size(); ++i)
    sum += policy.stage_min_duration(i).count();
  return 3 * sum + 20 * policy.interval.count();
}

std::uint64_t run_seed(std::uint64_t seed, std::uint32_t run) {
  std::uint64_t s = seed ^ (0xD1B54A32D192ED03ULL * (static_cast<std::uint64_t>(run) + 1));
  return splitmix64(s);
}

struct Traffic {
  Rng rng;
  VariantModel treatment;
  VariantModel control;
  double per_interval = 0;  // requests per interval over both variants
  double latency_multiplier = 1;
  double latency_creep = 0;  // added to the treatment's latency multiplier per interval
  std::uint64_t intervals = 0;

  // One interval at the given treatment share (basis points).
  std::pair<VariantTraffic, VariantTraffic> next(std::uint32_t treatment_bp) {
    if (latency_creep > 0)
      treatment.bucket_p = bucket_probabilities(
          latency_multiplier * (1 + latency_creep * static_cast<double>(intervals)));
    ++intervals;
    const double share =
        static_cast<double>(std::min<std::uint32_t>(treatment_bp, 10000)) / 10000.0;
    VariantTraffic t = interval_traffic(rng, treatment, per_interval * share);
    VariantTraffic c = interval_traffic(rng, control, per_interval * (1.0 - share));
    return {t, c};
  }
};

// One rollout's conditions: the scenario's, with its shape, and (with history) its own spread.
struct Conditions {
  double requests_per_second = 0;
  double base_error_rate = 0;
  double error_multiplier = 1;
  double latency_multiplier = 1;
  double latency_creep = 0;
  double conversion_multiplier = 1;
};

// A regression of a past rollout: errors 2.5x, latency 1.8x or conversion 0.7x.
void past_regression(Conditions& c, std::uint64_t pick) {
  switch (pick % 3) {
    case 0:
      c.error_multiplier *= 2.5;
      break;
    case 1:
      c.latency_multiplier *= 1.8;
      break;
    default:
      c.conversion_multiplier *= 0.7;
      break;
  }
}

Conditions conditions_for(const Scenario& scenario, Rng& spread, bool past, bool bad) {
  Conditions c;
  c.requests_per_second = scenario.requests_per_second;
  c.base_error_rate = scenario.base_error_rate;
  c.error_multiplier = scenario.error_multiplier;
  c.latency_multiplier = scenario.latency_multiplier;
  if (!past) {
    switch (scenario.shape) {
      case Shape::none:
        break;
      case Shape::latency_creep:
        c.latency_creep = scenario.latency_creep_per_interval;
        break;
      case Shape::error_1_6x:
        c.error_multiplier *= 1.6;
        break;
      case Shape::business_drop:
        c.conversion_multiplier *= 1 - scenario.business_drop;
        break;
    }
  }
  if (scenario.history > 0) {
    c.latency_multiplier *= 1 + 0.02 * spread.normal();
    c.error_multiplier *= std::exp(0.05 * spread.normal());
    c.conversion_multiplier *= 1 + 0.01 * spread.normal();
    if (past) {
      c.requests_per_second *= std::exp(-0.7 + 1.4 * spread.uniform());
      c.base_error_rate = 0.005 + 0.015 * spread.uniform();
      c.error_multiplier = std::exp(0.05 * spread.normal());
      if (bad) past_regression(c, spread.next());
    }
  }
  return c;
}

bool has_conversion(const Policy& policy) {
  for (const CustomCheck& c : policy.checks.custom)
    if (c.name == "conversion") return true;
  return false;
}

Traffic make_traffic(const Policy& policy, const Conditions& conditions, std::uint64_t seed,
                     double conversion_rate) {
  Traffic traffic{Rng(seed), {}, {}, 0, conditions.latency_multiplier, conditions.latency_creep, 0};
  traffic.control.error_rate = std::clamp(conditions.base_error_rate, 0.0, 1.0);
  traffic.treatment.error_rate =
      std::clamp(conditions.base_error_rate * conditions.error_multiplier, 0.0, 1.0);
  traffic.control.conversion_rate = std::clamp(conversion_rate, 0.0, 1.0);
  traffic.treatment.conversion_rate =
      std::clamp(conversion_rate * conditions.conversion_multiplier, 0.0, 1.0);
  traffic.control.bucket_p = bucket_probabilities(1.0);
  traffic.treatment.bucket_p = bucket_probabilities(conditions.latency_multiplier);
  traffic.per_interval =
      conditions.requests_per_second * static_cast<double>(policy.interval.count());
  return traffic;
}

Traffic make_traffic(const Policy& policy, const Scenario& scenario, std::uint32_t run) {
  Rng spread(run_seed(scenario.seed ^ 0x5EED5EED5EEDULL, run));
  return make_traffic(policy, conditions_for(scenario, spread, false, false),
                      run_seed(scenario.seed, run),
                      has_conversion(policy) ? scenario.conversion_rate : 0.0);
}

// 2026-01-01T00:00:00Z: any fixed instant would do.
const rollout::TimePoint kStart{std::chrono::seconds{1767225600}};

double seconds_since_start(rollout::TimePoint now) {
  return std::chrono::duration<double>(now - kStart).count();
}

RunResult run_sluice(const Policy& policy, const Scenario& scenario, Traffic traffic,
                     const anomaly::AnomalyModel* model, bool record) {
  RunResult result;
  const bool with_latency = policy.checks.latency_p95.has_value() || model || record;
  const bool with_conversion = has_conversion(policy);
  const auto max_time = kStart + std::chrono::seconds{max_seconds_for(policy, scenario)};
  const std::size_t min_history =
      policy.anomaly ? policy.anomaly->min_history : anomaly::kDefaultMinHistory;

  rollout::TimePoint now = kStart;
  rollout::RolloutState state = rollout::initial_state(policy);
  state = rollout::step(policy, state, rollout::Observations{}, now).next;
  ++result.steps;
  VariantTraffic treatment;
  VariantTraffic control;
  rollout::TimePoint window = state.window_started_at;

  while (!state.terminal() && now < max_time) {
    now += policy.interval;
    auto [t, c] = traffic.next(state.treatment_bp);
    add(treatment, t);
    add(control, c);
    rollout::Observations observations;
    observations.treatment = treatment.observation(with_latency, with_conversion);
    observations.control = control.observation(with_latency, with_conversion);
    if (model || record) {
      anomaly::FeatureVector features = anomaly::observe(policy, state, observations, now);
      if (model) observations.anomaly = model->score(features, min_history);
      if (record && state.phase == rollout::Phase::progressing)
        anomaly::record_stage(result.stages, state.stage, state.treatment_bp, std::move(features));
    }
    rollout::Decision decision = rollout::step(policy, state, observations, now);
    ++result.steps;
    if (decision.anomaly && decision.evidence &&
        decision.evidence->overall != judge::Verdict::fail) {
      if (decision.kind == rollout::DecisionKind::rollback) result.rolled_back_by_anomaly = true;
      if (decision.kind == rollout::DecisionKind::pause &&
          decision.next.pause_reason.rfind("anomaly score", 0) == 0)
        result.paused_by_anomaly = true;
    }
    state = std::move(decision.next);
    if (state.phase == rollout::Phase::waiting_for_approval) {  // the simulator approves at once
      rollout::CommandResult approved = rollout::apply(
          policy, state, rollout::Command{rollout::CommandKind::approve, "simulator", "simulated"},
          now);
      if (approved.ok()) state = std::move(approved.decision->next);
    }
    if (state.window_started_at != window) {  // counts are cumulative since the window's start
      treatment.reset();
      control.reset();
      window = state.window_started_at;
    }
  }
  result.phase = state.phase;
  result.stage = state.stage;
  result.seconds = seconds_since_start(now);
  if (state.phase == rollout::Phase::rolled_back) result.seconds_to_rollback = result.seconds;
  if (state.phase == rollout::Phase::completed) result.seconds_to_complete = result.seconds;
  return result;
}

// Flagger-style analysis: every interval, the treatment's error rate over that interval alone
// against a fixed threshold; a failed check counts towards the rollback (failures are not reset
// by passes); the stage advances once its minimum duration has passed.
RunResult run_flagger(const Policy& policy, const Scenario& scenario, std::uint32_t run) {
  RunResult result;
  Traffic traffic = make_traffic(policy, scenario, run);
  const auto max_time = kStart + std::chrono::seconds{max_seconds_for(policy, scenario)};
  const double threshold = scenario.flagger_threshold_factor * scenario.base_error_rate;

  rollout::TimePoint now = kStart;
  rollout::TimePoint stage_started_at = now;
  std::size_t stage = 0;
  std::uint32_t failed = 0;
  result.phase = policy.stages.empty() ? rollout::Phase::completed : rollout::Phase::progressing;
  ++result.steps;
  while (result.phase == rollout::Phase::progressing && now < max_time) {
    now += policy.interval;
    ++result.steps;
    const std::uint32_t bp = policy.stages[stage].basis_points.value_or(0);
    auto [t, c] = traffic.next(bp);
    (void)c;
    if (t.requests > 0 &&
        static_cast<double>(t.errors) / static_cast<double>(t.requests) > threshold) {
      if (++failed >= scenario.flagger_failed_checks) {
        result.phase = rollout::Phase::rolled_back;
        break;
      }
      continue;
    }
    if (now - stage_started_at >= policy.stage_min_duration(stage)) {
      if (++stage == policy.stages.size()) {
        result.phase = rollout::Phase::completed;
        stage = policy.stages.size() - 1;
        break;
      }
      stage_started_at = now;
    }
  }
  result.stage = stage;
  result.seconds = seconds_since_start(now);
  if (result.phase == rollout::Phase::rolled_back) result.seconds_to_rollback = result.seconds;
  if (result.phase == rollout::Phase::completed) result.seconds_to_complete = result.seconds;
  return result;
}

std::string number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

std::string number(const std::optional<double>& v) {
  return v ? number(*v) : "null";
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(ch));
      out += buffer;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace

// ---- Rng ------------------------------------------------------------------------------------

Rng::Rng(std::uint64_t seed) {
  for (std::uint64_t& word : s_)
    word = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double Rng::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::uint64_t Rng::poisson(double mean) {
  if (!(mean > 0)) return 0;
  if (mean < kExactBelow) {
    const double limit = std::exp(-mean);
    std::uint64_t k = 0;
    double product = uniform();
    while (product > limit) {
      ++k;
      product *= uniform();
    }
    return k;
  }
  const double x = std::floor(mean + std::sqrt(mean) * normal() + 0.5);
  return x <= 0 ? 0 : static_cast<std::uint64_t>(x);
}

std::uint64_t Rng::binomial(std::uint64_t n, double p) {
  if (n == 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  const bool flip = p > 0.5;
  const double q = flip ? 1.0 - p : p;
  const double nd = static_cast<double>(n);
  std::uint64_t k = 0;
  if (nd * q < kExactBelow) {  // inversion of the CDF
    const double u = uniform();
    double pk = std::pow(1.0 - q, nd);
    double cdf = pk;
    const double odds = q / (1.0 - q);
    while (u > cdf && k < n) {
      pk *= static_cast<double>(n - k) / static_cast<double>(k + 1) * odds;
      ++k;
      cdf += pk;
      if (pk <= 0) break;  // rounding left the CDF short of u: k is already far in the tail
    }
  } else {
    const double x = std::floor(nd * q + std::sqrt(nd * q * (1.0 - q)) * normal() + 0.5);
    k = x <= 0 ? 0 : std::min(n, static_cast<std::uint64_t>(x));
  }
  return flip ? n - k : k;
}

// ---- Simulation -------------------------------------------------------------------------------

RunResult simulate_one(const Policy& policy, const Scenario& scenario, std::uint32_t run,
                       const anomaly::AnomalyModel* model) {
  if (scenario.judge == Judge::flagger) return run_flagger(policy, scenario, run);
  return run_sluice(policy, scenario, make_traffic(policy, scenario, run),
                    scenario.anomaly ? model : nullptr, false);
}

std::vector<anomaly::HistoryEntry> simulate_history(const Policy& policy,
                                                    const Scenario& scenario) {
  std::vector<anomaly::HistoryEntry> history;
  history.reserve(scenario.history);
  // The past is simulated without the model, like the controller before it had one.
  Policy past = policy;
  past.anomaly.reset();
  const std::uint64_t seed = scenario.seed ^ 0xA11CE5EEDULL;
  for (std::uint32_t i = 0; i < scenario.history; ++i) {
    Rng spread(run_seed(seed ^ 0x5EED5EED5EEDULL, i));
    const bool bad = spread.uniform() < scenario.history_bad_fraction;
    const Conditions conditions = conditions_for(scenario, spread, true, bad);
    const RunResult r =
        run_sluice(past, scenario,
                   make_traffic(past, conditions, run_seed(seed, i),
                                has_conversion(past) ? scenario.conversion_rate : 0.0),
                   nullptr, true);
    anomaly::HistoryEntry e;
    e.key = "sim/" + std::to_string(i);
    e.flag = "past-" + std::to_string(i % 12);
    char finished[32];
    std::snprintf(finished, sizeof finished, "2026-10-%02uT%02u:%02u:00Z", 1 + (i / 96) % 28,
                  (i / 4) % 24, (i % 4) * 15);
    e.finished_at = finished;
    // Not finished by max_seconds (paused on a warning, say): a person would have decided; the
    // generator calls it rolled back by a person.
    e.outcome = r.phase == rollout::Phase::completed     ? anomaly::Outcome::completed
                : r.phase == rollout::Phase::rolled_back ? anomaly::Outcome::rolled_back_auto
                                                         : anomaly::Outcome::rolled_back_manual;
    e.stages = r.stages;
    history.push_back(std::move(e));
  }
  return history;
}

std::optional<Shape> parse_shape(std::string_view text) {
  for (Shape s : {Shape::none, Shape::latency_creep, Shape::error_1_6x, Shape::business_drop})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::string_view to_string(Shape shape) {
  switch (shape) {
    case Shape::none:
      return "none";
    case Shape::latency_creep:
      return "latency-creep";
    case Shape::error_1_6x:
      return "error-1.6x";
    case Shape::business_drop:
      return "business-drop";
  }
  return "none";
}

std::optional<double> percentile(std::vector<double> values, double q) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(q * static_cast<double>(values.size()));
  const std::size_t index =
      rank < 1 ? 0 : std::min(values.size() - 1, static_cast<std::size_t>(rank) - 1);
  return values[index];
}

Summary simulate(const Policy& policy, const Scenario& scenario) {
  Summary s;
  s.runs = scenario.runs;
  s.rolled_back_at_stage.assign(policy.stages.size(), 0);
  std::vector<double> rollback_seconds;
  std::vector<double> complete_seconds;
  anomaly::AnomalyModel model;
  if (scenario.history > 0 && scenario.judge == Judge::sluice) {
    const std::vector<anomaly::HistoryEntry> history = simulate_history(policy, scenario);
    model = anomaly::AnomalyModel::train(history);
    s.history = static_cast<std::uint32_t>(model.history_size());
    s.history_completed = static_cast<std::uint32_t>(model.healthy_size());
  }
  for (std::uint32_t run = 0; run < scenario.runs; ++run) {
    const RunResult r = simulate_one(policy, scenario, run, &model);
    s.steps += r.steps;
    if (r.rolled_back_by_anomaly) ++s.rolled_back_by_anomaly;
    if (r.paused_by_anomaly) ++s.paused_by_anomaly;
    switch (r.phase) {
      case rollout::Phase::rolled_back:
        ++s.rolled_back;
        if (r.stage < s.rolled_back_at_stage.size()) ++s.rolled_back_at_stage[r.stage];
        break;
      case rollout::Phase::completed:
        ++s.completed;
        break;
      case rollout::Phase::paused:
        ++s.paused;
        break;
      case rollout::Phase::aborted:
        ++s.aborted;
        break;
      default:
        ++s.unfinished;
        break;
    }
    if (r.seconds_to_rollback) rollback_seconds.push_back(*r.seconds_to_rollback);
    if (r.seconds_to_complete) complete_seconds.push_back(*r.seconds_to_complete);
  }
  s.seconds_to_rollback_p50 = percentile(rollback_seconds, 0.50);
  s.seconds_to_rollback_p95 = percentile(rollback_seconds, 0.95);
  s.seconds_to_complete_p50 = percentile(complete_seconds, 0.50);
  s.seconds_to_complete_p95 = percentile(complete_seconds, 0.95);
  return s;
}

std::string to_json(const Policy& policy, const Scenario& scenario, const Summary& s) {
  const double runs = s.runs == 0 ? 1.0 : static_cast<double>(s.runs);
  std::string j = "{";
  j += "\"flag\":" + quoted(policy.flag);
  j += ",\"judge\":" + quoted(scenario.judge == Judge::flagger ? "flagger" : "sluice");
  j += ",\"traffic_rps\":" + number(scenario.requests_per_second);
  j += ",\"base_error\":" + number(scenario.base_error_rate);
  j += ",\"error_multiplier\":" + number(scenario.error_multiplier);
  j += ",\"latency_multiplier\":" + number(scenario.latency_multiplier);
  j += ",\"seed\":" + std::to_string(scenario.seed);
  j += ",\"interval_seconds\":" + std::to_string(policy.interval.count());
  j += ",\"max_seconds\":" + std::to_string(max_seconds_for(policy, scenario));
  if (scenario.judge == Judge::flagger) {
    j += ",\"flagger_threshold\":" +
         number(scenario.flagger_threshold_factor * scenario.base_error_rate);
    j += ",\"flagger_failed_checks\":" + std::to_string(scenario.flagger_failed_checks);
  }
  if (scenario.shape != Shape::none)
    j += ",\"shape\":" + quoted(std::string(to_string(scenario.shape)));
  if (scenario.history > 0 || scenario.anomaly) {
    j += ",\"anomaly\":" + std::string(scenario.anomaly ? "true" : "false");
    j += ",\"history\":" + std::to_string(s.history);
    j += ",\"history_completed\":" + std::to_string(s.history_completed);
  }
  j += ",\"runs\":" + std::to_string(s.runs);
  j += ",\"rolled_back\":" + std::to_string(s.rolled_back);
  j += ",\"completed\":" + std::to_string(s.completed);
  j += ",\"paused\":" + std::to_string(s.paused);
  j += ",\"unfinished\":" + std::to_string(s.unfinished);
  j += ",\"aborted\":" + std::to_string(s.aborted);
  j += ",\"rollback_rate\":" + number(static_cast<double>(s.rolled_back) / runs);
  j += ",\"detection_rate\":" + number(static_cast<double>(s.runs - s.completed) / runs);
  if (scenario.anomaly) {
    j += ",\"rolled_back_by_anomaly\":" + std::to_string(s.rolled_back_by_anomaly);
    j += ",\"paused_by_anomaly\":" + std::to_string(s.paused_by_anomaly);
  }
  j += ",\"seconds_to_rollback_p50\":" + number(s.seconds_to_rollback_p50);
  j += ",\"seconds_to_rollback_p95\":" + number(s.seconds_to_rollback_p95);
  j += ",\"seconds_to_complete_p50\":" + number(s.seconds_to_complete_p50);
  j += ",\"seconds_to_complete_p95\":" + number(s.seconds_to_complete_p95);
  j += ",\"rolled_back_at_stage\":[";
  for (std::size_t i = 0; i < s.rolled_back_at_stage.size(); ++i)
    j += (i ? "," : "") + std::to_string(s.rolled_back_at_stage[i]);
  j += "],\"intervals_judged\":" + std::to_string(s.steps);
  j += "}";
  return j;
}

}  // namespace sluice::simulation
