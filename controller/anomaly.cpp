// The anomaly model: features, training and scoring. Pure: no I/O, no clock, no globals.
// docs/anomaly.md describes the method and its measured error rates.

#include "sluice/anomaly.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <utility>

#include "sluice/policy.hpp"
#include "sluice/rollout.hpp"
#include "statistics.hpp"

namespace sluice::anomaly {
namespace {

constexpr double kMadToSigma = 1.4826;
// Robust z at or below this is "normal"; the score grows with the squared excess above it.
constexpr double kFreeZ = 2.0;
// score = 1 - exp(-sum(excess^2) / kScoreScale): one feature at z 5 gives 0.68, z 6 0.86,
// z 7 0.96, z 8 0.99.
constexpr double kScoreScale = 8.0;
// Healthy values a baseline needs (else the feature is not scored).
constexpr std::size_t kMinBaseline = 8;
// Baselines are taken from the healthy stages closest in traffic volume (log_requests): at least
// this many, and at least this fraction of the healthy stages.
constexpr std::size_t kVolumeWindow = 60;
constexpr double kVolumeWindowFraction = 0.25;

bool finite(double v) {
  return std::isfinite(v);
}

double ratio(double a, double b) {
  if (!finite(a) || !finite(b) || b <= 0) return kMissing;
  return a / b;
}

std::string format(const char* spec, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, spec, v);
  return buffer;
}

std::string short_number(double v) {
  if (!finite(v)) return "?";
  const double a = std::fabs(v);
  if (a != 0 && a < 0.01) return format("%.2g", v);
  if (a >= 100) return format("%.0f", v);
  return format("%.2f", v);
}

double median_of(std::vector<double>& values) {
  const std::size_t n = values.size();
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(values.begin(), mid, values.end());
  double m = *mid;
  if (n % 2 == 0) {
    const double below = *std::max_element(values.begin(), mid);
    m = (m + below) / 2;
  }
  return m;
}

struct Baseline {
  double median = kMissing;
  double scale = kMissing;  // robust sigma, floored
  bool ok() const { return finite(median) && finite(scale) && scale > 0; }
};

// Median and floored 1.4826 x MAD; `values` is reordered.
Baseline baseline_of(std::vector<double>& values) {
  Baseline b;
  if (values.size() < kMinBaseline) return b;
  b.median = median_of(values);
  for (double& v : values)
    v = std::fabs(v - b.median);
  const double mad = median_of(values);
  b.scale = std::max(kMadToSigma * mad, 1e-9 + 0.01 * std::fabs(b.median));
  return b;
}

}  // namespace

// ---- Features -------------------------------------------------------------------------------

const Feature* FeatureVector::find(std::string_view name) const {
  for (const Feature& f : features)
    if (f.name == name) return &f;
  return nullptr;
}

double FeatureVector::value(std::string_view name) const {
  const Feature* f = find(name);
  return f ? f->value : kMissing;
}

void FeatureVector::set(std::string_view name, double v, Worse worse) {
  for (Feature& f : features)
    if (f.name == name) {
      f.value = v;
      f.worse = worse;
      return;
    }
  features.push_back(Feature{std::string(name), v, worse});
}

FeatureVector observe(const Policy& policy, const rollout::RolloutState& state,
                      const rollout::Observations& observations,
                      std::chrono::system_clock::time_point now) {
  FeatureVector v;
  v.features.reserve(8 + policy.checks.custom.size());
  const judge::VariantObservation& t = observations.treatment;
  const judge::VariantObservation& c = observations.control;
  const bool usable = !observations.unavailable;
  const double nt = usable && finite(t.requests) && t.requests > 0 ? t.requests : kMissing;
  const double nc = usable && finite(c.requests) && c.requests > 0 ? c.requests : kMissing;
  const double rt = finite(nt) && finite(t.errors) ? t.errors / nt : kMissing;
  const double rc = finite(nc) && finite(c.errors) ? c.errors / nc : kMissing;
  const double floor = policy.checks.error_rate.control_floor;
  double error_ratio = kMissing;
  if (finite(rt) && finite(rc)) error_ratio = rt / std::max(rc, std::max(floor, 1e-9));
  double error_z = kMissing;
  if (finite(rt) && finite(rc)) {
    const double pooled = (t.errors + c.errors) / (nt + nc);
    // A pooled rate of 0 (no errors anywhere) is no evidence either way: z 0. The floor keeps a
    // handful of errors on a near-zero base from looking enormous.
    const double p = std::max(pooled, std::max(floor, 1e-9) / 10);
    const double se = std::sqrt(p * (1 - p) * (1 / nt + 1 / nc));
    error_z = se > 0 ? (rt - rc) / se : 0.0;
  }
  v.set(feature::error_rate_ratio, error_ratio, Worse::higher);
  v.set(feature::error_rate_diff, finite(rt) && finite(rc) ? rt - rc : kMissing, Worse::higher);
  v.set(feature::error_rate_z, error_z, Worse::higher);
  auto quantile_ratio = [&](double q) {
    if (!usable || t.latency.empty() || c.latency.empty()) return kMissing;
    const judge::QuantileResult a = judge::histogram_quantile(q, t.latency);
    const judge::QuantileResult b = judge::histogram_quantile(q, c.latency);
    if (!a.problem.empty() || !b.problem.empty()) return kMissing;
    return ratio(a.value, b.value);
  };
  v.set(feature::latency_p95_ratio, quantile_ratio(0.95), Worse::higher);
  v.set(feature::latency_p50_ratio, quantile_ratio(0.50), Worse::higher);
  v.set(feature::treatment_share,
        finite(nt) && finite(nc) ? nt / (nt + nc) : (finite(nt) ? 1.0 : kMissing), Worse::neither);
  v.set(feature::log_requests, finite(nt) ? std::log10(1 + nt) : kMissing, Worse::neither);
  const double interval = static_cast<double>(policy.interval.count());
  const double in_stage = std::chrono::duration<double>(now - state.stage_started_at).count();
  v.set(feature::time_in_stage_intervals,
        interval > 0 && state.phase != rollout::Phase::pending ? in_stage / interval : kMissing,
        Worse::neither);
  for (const CustomCheck& check : policy.checks.custom) {
    double value = kMissing;
    const auto a = t.custom.find(check.name);
    const auto b = c.custom.find(check.name);
    if (usable && a != t.custom.end() && b != c.custom.end()) value = ratio(a->second, b->second);
    v.set(std::string(feature::custom_prefix) + check.name, value,
          check.direction == CheckDirection::LowerIsWorse ? Worse::lower : Worse::higher);
  }
  return v;
}

// ---- History --------------------------------------------------------------------------------

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::completed:
      return "completed";
    case Outcome::rolled_back_auto:
      return "rolled_back_auto";
    case Outcome::rolled_back_manual:
      return "rolled_back_manual";
    case Outcome::aborted:
      return "aborted";
  }
  return "completed";
}

std::optional<Outcome> parse_outcome(std::string_view text) {
  for (Outcome o : {Outcome::completed, Outcome::rolled_back_auto, Outcome::rolled_back_manual,
                    Outcome::aborted})
    if (to_string(o) == text) return o;
  return std::nullopt;
}

std::optional<Outcome> outcome_of(const rollout::Decision& decision) {
  switch (decision.next.phase) {
    case rollout::Phase::completed:
      return Outcome::completed;
    case rollout::Phase::rolled_back:
      return decision.actor == "controller" ? Outcome::rolled_back_auto
                                            : Outcome::rolled_back_manual;
    case rollout::Phase::aborted:
      return Outcome::aborted;
    default:
      return std::nullopt;
  }
}

void record_stage(std::vector<StageFeatures>& stages, std::size_t stage, std::uint32_t treatment_bp,
                  FeatureVector features) {
  for (StageFeatures& s : stages)
    if (s.stage == stage) {
      s.treatment_bp = treatment_bp;
      s.features = std::move(features);
      return;
    }
  stages.push_back(StageFeatures{stage, treatment_bp, std::move(features)});
}

// ---- The model --------------------------------------------------------------------------------

// One past stage, as the model keeps it.
struct Point {
  std::size_t entry = 0;  // index into Trained::entries
  std::size_t stage = 0;
  std::uint32_t treatment_bp = 0;
  std::vector<double> values;  // per Trained::names; NaN = missing
  double log_requests = kMissing;
};

struct AnomalyModel::Trained {
  struct EntryInfo {
    std::string key;
    std::string flag;
    Outcome outcome = Outcome::completed;
  };
  std::vector<EntryInfo> entries;
  std::vector<std::string> names;              // every feature name seen, sorted
  std::vector<Point> points;                   // every stage of every kept entry
  std::vector<std::size_t> healthy_by_volume;  // indices of completed points, by log_requests
  std::vector<Baseline> global;                // per name, over all healthy points
  std::size_t healthy_entries = 0;
  ModelSettings settings;

  std::size_t index_of(std::string_view name) const {
    const auto it = std::lower_bound(names.begin(), names.end(), name);
    return it != names.end() && *it == name ? static_cast<std::size_t>(it - names.begin())
                                            : names.size();
  }
};

AnomalyModel::AnomalyModel() : trained_(std::make_shared<const Trained>()) {}

std::size_t AnomalyModel::history_size() const {
  return trained_->entries.size();
}

std::size_t AnomalyModel::healthy_size() const {
  return trained_->healthy_entries;
}

AnomalyModel AnomalyModel::train(std::span<const HistoryEntry> history,
                                 const ModelSettings& settings) {
  auto t = std::make_shared<Trained>();
  t->settings = settings;
  // The last entry per key; then the most recent max_history by finished_at (stable).
  std::map<std::string, std::size_t> last;
  for (std::size_t i = 0; i < history.size(); ++i)
    last[history[i].key] = i;
  std::vector<std::size_t> order;
  order.reserve(last.size());
  for (const auto& [key, i] : last)
    order.push_back(i);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (history[a].finished_at != history[b].finished_at)
      return history[a].finished_at < history[b].finished_at;
    return a < b;
  });
  if (settings.max_history > 0 && order.size() > settings.max_history)
    order.erase(order.begin(),
                order.begin() + static_cast<std::ptrdiff_t>(order.size() - settings.max_history));

  std::vector<std::string> names;
  for (std::size_t i : order)
    for (const StageFeatures& s : history[i].stages)
      for (const Feature& f : s.features.features)
        names.push_back(f.name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  t->names = std::move(names);

  for (std::size_t i : order) {
    const HistoryEntry& e = history[i];
    const std::size_t entry = t->entries.size();
    t->entries.push_back({e.key, e.flag, e.outcome});
    if (e.outcome == Outcome::completed) ++t->healthy_entries;
    for (const StageFeatures& s : e.stages) {
      Point p;
      p.entry = entry;
      p.stage = s.stage;
      p.treatment_bp = s.treatment_bp;
      p.values.assign(t->names.size(), kMissing);
      for (const Feature& f : s.features.features)
        p.values[t->index_of(f.name)] = f.value;
      p.log_requests = s.features.value(feature::log_requests);
      t->points.push_back(std::move(p));
    }
  }
  for (std::size_t i = 0; i < t->points.size(); ++i)
    if (t->entries[t->points[i].entry].outcome == Outcome::completed)
      t->healthy_by_volume.push_back(i);
  std::stable_sort(t->healthy_by_volume.begin(), t->healthy_by_volume.end(),
                   [&](std::size_t a, std::size_t b) {
                     const double x = t->points[a].log_requests;
                     const double y = t->points[b].log_requests;
                     if (finite(x) != finite(y)) return finite(x);  // NaN last
                     return finite(x) && x < y;
                   });
  t->global.resize(t->names.size());
  std::vector<double> values;
  for (std::size_t n = 0; n < t->names.size(); ++n) {
    values.clear();
    for (std::size_t i : t->healthy_by_volume)
      if (finite(t->points[i].values[n])) values.push_back(t->points[i].values[n]);
    t->global[n] = baseline_of(values);
  }
  AnomalyModel model;
  model.trained_ = std::move(t);
  return model;
}

namespace {

std::string outcome_words(Outcome o) {
  switch (o) {
    case Outcome::completed:
      return "completed";
    case Outcome::rolled_back_auto:
      return "rolled back automatically";
    case Outcome::rolled_back_manual:
      return "rolled back by a person";
    case Outcome::aborted:
      return "aborted";
  }
  return "completed";
}

}  // namespace

Assessment AnomalyModel::score(const FeatureVector& x, std::size_t min_history) const {
  const Trained& t = *trained_;
  Assessment a;
  a.history = t.entries.size();
  a.min_history = std::max<std::size_t>(min_history, 1);
  if (a.history < a.min_history || t.healthy_entries == 0) {
    a.abstained = true;
    a.reason = a.history < a.min_history ? "insufficient history (" + std::to_string(a.history) +
                                               " of " + std::to_string(a.min_history) + ")"
                                         : "insufficient history (no completed rollouts among " +
                                               std::to_string(a.history) + ")";
    a.sentence = "anomaly model abstains: " + a.reason;
    return a;
  }
  a.abstained = false;

  // The healthy stages closest in traffic volume: the baseline for each scored feature.
  const double volume = x.value(feature::log_requests);
  std::size_t finite_volume = 0;
  while (finite_volume < t.healthy_by_volume.size() &&
         finite(t.points[t.healthy_by_volume[finite_volume]].log_requests))
    ++finite_volume;
  std::size_t lo = 0;
  std::size_t hi = t.healthy_by_volume.size();
  double window_volume = kMissing;
  if (finite(volume) && finite_volume > 0) {
    const std::size_t want = std::min(
        finite_volume,
        std::max(kVolumeWindow, static_cast<std::size_t>(kVolumeWindowFraction *
                                                         static_cast<double>(finite_volume))));
    auto volume_at = [&](std::size_t i) { return t.points[t.healthy_by_volume[i]].log_requests; };
    std::size_t mid = 0;
    while (mid < finite_volume && volume_at(mid) < volume)
      ++mid;
    lo = mid;
    hi = mid;
    while (hi - lo < want) {
      if (lo == 0) {
        ++hi;
      } else if (hi == finite_volume) {
        --lo;
      } else if (volume - volume_at(lo - 1) <= volume_at(hi) - volume) {
        --lo;
      } else {
        ++hi;
      }
    }
    std::vector<double> vols;
    for (std::size_t i = lo; i < hi; ++i)
      vols.push_back(volume_at(i));
    window_volume = median_of(vols);
  }
  // Less traffic than the baseline's stages had means more sampling noise: deviations are
  // discounted by sqrt(requests now / requests typical of the baseline), never amplified.
  const double discount = finite(volume) && finite(window_volume) && volume < window_volume
                              ? std::sqrt(std::pow(10.0, volume - window_volume))
                              : 1.0;

  double energy = 0;
  std::vector<double> values;
  std::vector<double> z_of(t.names.size(), kMissing);  // standardised, for neighbours
  for (const Feature& f : x.features) {
    const std::size_t n = t.index_of(f.name);
    if (n == t.names.size() || !finite(f.value)) continue;
    if (t.global[n].ok()) z_of[n] = (f.value - t.global[n].median) / t.global[n].scale;
    if (f.worse == Worse::neither) continue;
    values.clear();
    for (std::size_t i = lo; i < hi; ++i) {
      const double v = t.points[t.healthy_by_volume[i]].values[n];
      if (finite(v)) values.push_back(v);
    }
    Baseline b = baseline_of(values);
    if (!b.ok()) b = t.global[n];
    if (!b.ok()) continue;
    double z = (f.value - b.median) / b.scale;
    if (f.worse == Worse::lower) z = -z;
    z *= discount;
    if (z <= 0) continue;
    energy += std::pow(std::max(0.0, z - kFreeZ), 2);
    a.top.push_back(Contribution{f.name, f.value, b.median, z});
  }
  a.score = std::clamp(1.0 - std::exp(-energy / kScoreScale), 0.0, 1.0);
  std::stable_sort(a.top.begin(), a.top.end(), [](const Contribution& p, const Contribution& q) {
    return p.robust_z > q.robust_z;
  });
  if (a.top.size() > t.settings.top_features) a.top.resize(t.settings.top_features);

  // Nearest past stages (one per rollout) in the globally standardised space: root mean square
  // difference over the features both have.
  std::vector<std::pair<double, std::size_t>> best;  // distance, point
  for (std::size_t i = 0; i < t.points.size(); ++i) {
    const Point& p = t.points[i];
    double sum = 0;
    std::size_t shared = 0;
    for (std::size_t n = 0; n < z_of.size(); ++n) {
      if (!finite(z_of[n]) || !finite(p.values[n])) continue;
      const double d = z_of[n] - (p.values[n] - t.global[n].median) / t.global[n].scale;
      sum += d * d;
      ++shared;
    }
    if (shared == 0) continue;
    best.emplace_back(std::sqrt(sum / static_cast<double>(shared)), i);
  }
  std::sort(best.begin(), best.end());
  std::vector<std::size_t> seen;
  for (const auto& [distance, i] : best) {
    if (a.nearest.size() >= t.settings.neighbours) break;
    const Point& p = t.points[i];
    if (std::find(seen.begin(), seen.end(), p.entry) != seen.end()) continue;
    seen.push_back(p.entry);
    const Trained::EntryInfo& e = t.entries[p.entry];
    a.nearest.push_back(Neighbour{e.key, e.flag, e.outcome, p.stage, p.treatment_bp, distance});
  }

  std::string s = "anomaly score " + format("%.2f", a.score);
  if (a.top.empty()) {
    s += ": every feature within its healthy range";
  } else {
    s += ":";
    for (std::size_t i = 0; i < a.top.size(); ++i) {
      const Contribution& c = a.top[i];
      s += (i ? ", " : " ") + c.name + " " + short_number(c.value) + " (healthy " +
           short_number(c.healthy_median) + ", z " + format("%.1f", c.robust_z) + ")";
    }
  }
  if (!a.nearest.empty()) {
    s += "; nearest:";
    const std::size_t shown = std::min<std::size_t>(a.nearest.size(), 3);
    for (std::size_t i = 0; i < shown; ++i) {
      const Neighbour& nb = a.nearest[i];
      s += (i ? ", " : " ") + nb.key + " (" + nb.flag + ") " + outcome_words(nb.outcome);
    }
  }
  a.sentence = std::move(s);
  return a;
}

}  // namespace sluice::anomaly
