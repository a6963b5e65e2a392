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

namespace {

// Baselines are precomputed per traffic-volume bin (log10 of the treatment's requests), each
// from the healthy stages closest in volume to the bin's centre.
constexpr double kVolumeBinWidth = 0.05;  // decades
constexpr std::size_t kMaxVolumeWindow = 400;

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

struct AnomalyModel::Trained {
  struct EntryInfo {
    std::string key;
    std::string flag;
    Outcome outcome = Outcome::completed;
  };
  struct PointInfo {
    std::size_t entry = 0;  // index into entries
    std::size_t stage = 0;
    std::uint32_t treatment_bp = 0;
  };
  struct VolumeBin {
    double volume = kMissing;         // median log_requests of the window
    std::vector<Baseline> baselines;  // per name
  };
  std::vector<EntryInfo> entries;
  std::vector<std::string> names;  // every feature name seen, sorted
  std::vector<PointInfo> points;   // every stage of every kept entry
  // points x names, standardised with the global healthy baselines; NaN = missing.
  std::vector<double> standardised;
  std::vector<Baseline> global;  // per name, over all healthy stages
  double first_bin = 0;          // log_requests at the centre of bins[0]
  std::vector<VolumeBin> bins;
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
  const std::size_t width = t->names.size();

  // Raw values, points x names.
  std::vector<double> raw;
  std::vector<double> volumes;       // log_requests per point
  std::vector<std::size_t> healthy;  // healthy points with a finite volume, by volume
  for (std::size_t i : order) {
    const HistoryEntry& e = history[i];
    const std::size_t entry = t->entries.size();
    t->entries.push_back({e.key, e.flag, e.outcome});
    if (e.outcome == Outcome::completed) ++t->healthy_entries;
    for (const StageFeatures& s : e.stages) {
      const std::size_t row = t->points.size();
      t->points.push_back({entry, s.stage, s.treatment_bp});
      raw.resize(raw.size() + width, kMissing);
      for (const Feature& f : s.features.features)
        raw[row * width + t->index_of(f.name)] = f.value;
      volumes.push_back(s.features.value(feature::log_requests));
      if (e.outcome == Outcome::completed && finite(volumes.back())) healthy.push_back(row);
    }
  }
  std::stable_sort(healthy.begin(), healthy.end(),
                   [&](std::size_t a, std::size_t b) { return volumes[a] < volumes[b]; });

  std::vector<double> values;
  t->global.resize(width);
  for (std::size_t n = 0; n < width; ++n) {
    values.clear();
    for (std::size_t row = 0; row < t->points.size(); ++row)
      if (t->entries[t->points[row].entry].outcome == Outcome::completed &&
          finite(raw[row * width + n]))
        values.push_back(raw[row * width + n]);
    t->global[n] = baseline_of(values);
  }
  t->standardised.assign(raw.size(), kMissing);
  for (std::size_t row = 0; row < t->points.size(); ++row)
    for (std::size_t n = 0; n < width; ++n)
      if (t->global[n].ok() && finite(raw[row * width + n]))
        t->standardised[row * width + n] =
            (raw[row * width + n] - t->global[n].median) / t->global[n].scale;

  // Volume bins: for each, the healthy stages nearest in volume to its centre.
  if (!healthy.empty()) {
    const double lowest = volumes[healthy.front()];
    const double highest = volumes[healthy.back()];
    const std::size_t bins = 1 + static_cast<std::size_t>((highest - lowest) / kVolumeBinWidth);
    const std::size_t want = std::min(
        healthy.size(), std::clamp(static_cast<std::size_t>(kVolumeWindowFraction *
                                                            static_cast<double>(healthy.size())),
                                   kVolumeWindow, kMaxVolumeWindow));
    t->first_bin = lowest;
    t->bins.resize(bins);
    std::size_t lo = 0;
    for (std::size_t b = 0; b < bins; ++b) {
      const double centre = lowest + kVolumeBinWidth * static_cast<double>(b);
      // Slide the window [lo, lo + want) to be centred on `centre` as nearly as possible.
      while (lo + want < healthy.size() &&
             centre - volumes[healthy[lo]] > volumes[healthy[lo + want]] - centre)
        ++lo;
      Trained::VolumeBin& bin = t->bins[b];
      values.clear();
      for (std::size_t i = lo; i < lo + want; ++i)
        values.push_back(volumes[healthy[i]]);
      bin.volume = median_of(values);
      bin.baselines.resize(width);
      for (std::size_t n = 0; n < width; ++n) {
        values.clear();
        for (std::size_t i = lo; i < lo + want; ++i)
          if (finite(raw[healthy[i] * width + n])) values.push_back(raw[healthy[i] * width + n]);
        bin.baselines[n] = baseline_of(values);
      }
    }
  }
  AnomalyModel model;
  model.trained_ = std::move(t);
  return model;
}

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
  const std::size_t width = t.names.size();

  // The baselines of the healthy stages closest in traffic volume. Less traffic than they had
  // means more sampling noise: deviations are discounted by sqrt(requests now / requests
  // typical of the baseline), never amplified.
  const double volume = x.value(feature::log_requests);
  const Trained::VolumeBin* bin = nullptr;
  if (finite(volume) && !t.bins.empty()) {
    const double position = std::round((volume - t.first_bin) / kVolumeBinWidth);
    const std::size_t b = position <= 0 ? 0
                          : position >= static_cast<double>(t.bins.size() - 1)
                              ? t.bins.size() - 1
                              : static_cast<std::size_t>(position);
    bin = &t.bins[b];
  }
  const double discount = bin && finite(bin->volume) && volume < bin->volume
                              ? std::sqrt(std::pow(10.0, volume - bin->volume))
                              : 1.0;

  double energy = 0;
  std::vector<double> query(width, kMissing);  // standardised, for neighbours
  for (const Feature& f : x.features) {
    const std::size_t n = t.index_of(f.name);
    if (n == width || !finite(f.value)) continue;
    if (t.global[n].ok()) query[n] = (f.value - t.global[n].median) / t.global[n].scale;
    if (f.worse == Worse::neither) continue;
    Baseline b = bin ? bin->baselines[n] : Baseline{};
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
  // difference over the features the observation has; a feature the past stage lacks counts as
  // its healthy median (0), so stages with little data (a 100% soak without control) are not
  // "near" everything.
  std::vector<std::size_t> used;
  for (std::size_t n = 0; n < width; ++n)
    if (finite(query[n])) used.push_back(n);
  std::vector<std::pair<double, std::size_t>> best;  // distance, point
  if (!used.empty()) best.reserve(t.points.size());
  for (std::size_t row = 0; row < t.points.size() && !used.empty(); ++row) {
    const double* p = &t.standardised[row * width];
    double sum = 0;
    for (std::size_t n : used) {
      const double d = query[n] - (finite(p[n]) ? p[n] : 0.0);
      sum += d * d;
    }
    best.emplace_back(std::sqrt(sum / static_cast<double>(used.size())), row);
  }
  // Enough candidates for `neighbours` distinct rollouts in almost every case; the rest sorted
  // only when they are not.
  std::size_t candidates = std::min(best.size(), 8 * t.settings.neighbours + 8);
  std::partial_sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(candidates),
                    best.end());
  std::vector<std::size_t> seen;
  for (std::size_t i = 0; i < best.size() && a.nearest.size() < t.settings.neighbours; ++i) {
    if (i == candidates) {
      std::sort(best.begin() + static_cast<std::ptrdiff_t>(candidates), best.end());
      candidates = best.size();
    }
    const Trained::PointInfo& p = t.points[best[i].second];
    if (std::find(seen.begin(), seen.end(), p.entry) != seen.end()) continue;
    seen.push_back(p.entry);
    const Trained::EntryInfo& e = t.entries[p.entry];
    a.nearest.push_back(
        Neighbour{e.key, e.flag, e.outcome, p.stage, p.treatment_bp, best[i].first});
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
