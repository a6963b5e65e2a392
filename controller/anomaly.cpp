// The anomaly model: training (features: anomaly_features.cpp; scoring: anomaly_score.cpp). Pure:
// no I/O, no clock, no globals. docs/anomaly.md describes the method and its measured error rates.

#include <map>
#include <memory>
#include <utility>

#include "anomaly_model.hpp"

namespace sluice::anomaly {
namespace {

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

// The last entry per key; then the most recent max_history by finished_at (stable).
std::vector<std::size_t> kept_entries(std::span<const HistoryEntry> history,
                                      const ModelSettings& settings) {
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
  return order;
}

std::vector<std::string> feature_names(std::span<const HistoryEntry> history,
                                       const std::vector<std::size_t>& order) {
  std::vector<std::string> names;
  for (std::size_t i : order)
    for (const StageFeatures& s : history[i].stages)
      for (const Feature& f : s.features.features)
        names.push_back(f.name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace

AnomalyModel::Trained::Raw AnomalyModel::Trained::read_points(
    std::span<const HistoryEntry> history, const std::vector<std::size_t>& order) {
  const std::size_t width = names.size();
  Raw raw;
  for (std::size_t i : order) {
    const HistoryEntry& e = history[i];
    const std::size_t entry = entries.size();
    entries.push_back({e.key, e.flag, e.outcome});
    if (e.outcome == Outcome::completed) ++healthy_entries;
    for (const StageFeatures& s : e.stages) {
      const std::size_t row = points.size();
      points.push_back({entry, s.stage, s.treatment_bp});
      raw.values.resize(raw.values.size() + width, kMissing);
      for (const Feature& f : s.features.features)
        raw.values[row * width + index_of(f.name)] = f.value;
      raw.volumes.push_back(s.features.value(feature::log_requests));
      if (e.outcome == Outcome::completed && finite(raw.volumes.back())) raw.healthy.push_back(row);
    }
  }
  std::stable_sort(raw.healthy.begin(), raw.healthy.end(),
                   [&](std::size_t a, std::size_t b) { return raw.volumes[a] < raw.volumes[b]; });
  return raw;
}

// The global healthy baseline of each feature, and every point standardised with it.
void AnomalyModel::Trained::standardise(const Raw& raw) {
  const std::size_t width = names.size();
  std::vector<double> values;
  global.resize(width);
  for (std::size_t n = 0; n < width; ++n) {
    values.clear();
    for (std::size_t row = 0; row < points.size(); ++row)
      if (entries[points[row].entry].outcome == Outcome::completed &&
          finite(raw.values[row * width + n]))
        values.push_back(raw.values[row * width + n]);
    global[n] = baseline_of(values);
  }
  standardised.assign(raw.values.size(), kMissing);
  for (std::size_t row = 0; row < points.size(); ++row)
    for (std::size_t n = 0; n < width; ++n)
      if (global[n].ok() && finite(raw.values[row * width + n]))
        standardised[row * width + n] =
            (raw.values[row * width + n] - global[n].median) / global[n].scale;
}

// Volume bins: for each, the healthy stages nearest in volume to its centre.
void AnomalyModel::Trained::bin_by_volume(const Raw& raw) {
  const std::vector<std::size_t>& healthy = raw.healthy;
  if (healthy.empty()) return;
  const std::size_t width = names.size();
  const double lowest = raw.volumes[healthy.front()];
  const double highest = raw.volumes[healthy.back()];
  const std::size_t count = 1 + static_cast<std::size_t>((highest - lowest) / kVolumeBinWidth);
  const std::size_t want = std::min(
      healthy.size(), std::clamp(static_cast<std::size_t>(kVolumeWindowFraction *
                                                          static_cast<double>(healthy.size())),
                                 kVolumeWindow, kMaxVolumeWindow));
  first_bin = lowest;
  bins.resize(count);
  std::vector<double> values;
  std::size_t lo = 0;
  for (std::size_t b = 0; b < count; ++b) {
    const double centre = lowest + kVolumeBinWidth * static_cast<double>(b);
    // Slide the window [lo, lo + want) to be centred on `centre` as nearly as possible.
    while (lo + want < healthy.size() &&
           centre - raw.volumes[healthy[lo]] > raw.volumes[healthy[lo + want]] - centre)
      ++lo;
    VolumeBin& bin = bins[b];
    values.clear();
    for (std::size_t i = lo; i < lo + want; ++i)
      values.push_back(raw.volumes[healthy[i]]);
    bin.volume = median_of(values);
    bin.baselines.resize(width);
    for (std::size_t n = 0; n < width; ++n) {
      values.clear();
      for (std::size_t i = lo; i < lo + want; ++i)
        if (finite(raw.values[healthy[i] * width + n]))
          values.push_back(raw.values[healthy[i] * width + n]);
      bin.baselines[n] = baseline_of(values);
    }
  }
}

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
  const std::vector<std::size_t> order = kept_entries(history, settings);
  t->names = feature_names(history, order);
  const Trained::Raw raw = t->read_points(history, order);
  t->standardise(raw);
  t->bin_by_volume(raw);
  AnomalyModel model;
  model.trained_ = std::move(t);
  return model;
}

}  // namespace sluice::anomaly
