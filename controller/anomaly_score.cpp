// The anomaly model's scoring: robust z of each feature against the healthy stages of like volume,
// the nearest past stages, and the sentence that explains the score. Pure.

#include <cstdio>
#include <string>
#include <utility>

#include "anomaly_model.hpp"

namespace sluice::anomaly {
namespace {

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

std::string abstention_reason(std::size_t history, std::size_t min_history) {
  return history < min_history
             ? "insufficient history (" + std::to_string(history) + " of " +
                   std::to_string(min_history) + ")"
             : "insufficient history (no completed rollouts among " + std::to_string(history) + ")";
}

std::string sentence_of(const Assessment& a) {
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
  return s;
}

}  // namespace

// The baselines of the healthy stages closest in traffic volume.
const AnomalyModel::Trained::VolumeBin* AnomalyModel::Trained::bin_for(double volume) const {
  if (!finite(volume) || bins.empty()) return nullptr;
  const double position = std::round((volume - first_bin) / kVolumeBinWidth);
  const std::size_t b = position <= 0 ? 0
                        : position >= static_cast<double>(bins.size() - 1)
                            ? bins.size() - 1
                            : static_cast<std::size_t>(position);
  return &bins[b];
}

// Each feature's robust z against its baseline into `a.top`; returns the energy. Also fills
// `query`: the observation standardised with the global baselines, for the neighbours.
double AnomalyModel::Trained::contribute(const FeatureVector& x, const VolumeBin* bin,
                                         double discount, std::vector<double>& query,
                                         Assessment& a) const {
  const std::size_t width = names.size();
  double energy = 0;
  for (const Feature& f : x.features) {
    const std::size_t n = index_of(f.name);
    if (n == width || !finite(f.value)) continue;
    if (global[n].ok()) query[n] = (f.value - global[n].median) / global[n].scale;
    if (f.worse == Worse::neither) continue;
    Baseline b = bin ? bin->baselines[n] : Baseline{};
    if (!b.ok()) b = global[n];
    if (!b.ok()) continue;
    double z = (f.value - b.median) / b.scale;
    if (f.worse == Worse::lower) z = -z;
    z *= discount;
    if (z <= 0) continue;
    energy += std::pow(std::max(0.0, z - kFreeZ), 2);
    a.top.push_back(Contribution{f.name, f.value, b.median, z});
  }
  return energy;
}

// Nearest past stages (one per rollout) in the globally standardised space: root mean square
// difference over the features the observation has; a feature the past stage lacks counts as
// its healthy median (0), so stages with little data (a 100% soak without control) are not
// "near" everything.
void AnomalyModel::Trained::find_nearest(const std::vector<double>& query, Assessment& a) const {
  const std::size_t width = names.size();
  std::vector<std::size_t> used;
  for (std::size_t n = 0; n < width; ++n)
    if (finite(query[n])) used.push_back(n);
  std::vector<std::pair<double, std::size_t>> best;  // distance, point
  if (!used.empty()) best.reserve(points.size());
  for (std::size_t row = 0; row < points.size() && !used.empty(); ++row) {
    const double* p = &standardised[row * width];
    double sum = 0;
    for (std::size_t n : used) {
      const double d = query[n] - (finite(p[n]) ? p[n] : 0.0);
      sum += d * d;
    }
    best.emplace_back(std::sqrt(sum / static_cast<double>(used.size())), row);
  }
  // Enough candidates for `neighbours` distinct rollouts in almost every case; the rest sorted
  // only when they are not.
  std::size_t candidates = std::min(best.size(), 8 * settings.neighbours + 8);
  std::partial_sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(candidates),
                    best.end());
  std::vector<std::size_t> seen;
  for (std::size_t i = 0; i < best.size() && a.nearest.size() < settings.neighbours; ++i) {
    if (i == candidates) {
      std::sort(best.begin() + static_cast<std::ptrdiff_t>(candidates), best.end());
      candidates = best.size();
    }
    const PointInfo& p = points[best[i].second];
    if (std::find(seen.begin(), seen.end(), p.entry) != seen.end()) continue;
    seen.push_back(p.entry);
    const EntryInfo& e = entries[p.entry];
    a.nearest.push_back(
        Neighbour{e.key, e.flag, e.outcome, p.stage, p.treatment_bp, best[i].first});
  }
}

Assessment AnomalyModel::score(const FeatureVector& x, std::size_t min_history) const {
  const Trained& t = *trained_;
  Assessment a;
  a.history = t.entries.size();
  a.min_history = std::max<std::size_t>(min_history, 1);
  if (a.history < a.min_history || t.healthy_entries == 0) {
    a.abstained = true;
    a.reason = abstention_reason(a.history, a.min_history);
    a.sentence = "anomaly model abstains: " + a.reason;
    return a;
  }
  a.abstained = false;
  // Less traffic than the baseline had means more sampling noise: deviations are discounted by
  // sqrt(requests now / requests typical of the baseline), never amplified.
  const double volume = x.value(feature::log_requests);
  const Trained::VolumeBin* bin = t.bin_for(volume);
  const double discount = bin && finite(bin->volume) && volume < bin->volume
                              ? std::sqrt(std::pow(10.0, volume - bin->volume))
                              : 1.0;
  std::vector<double> query(t.names.size(), kMissing);  // standardised, for neighbours
  const double energy = t.contribute(x, bin, discount, query, a);
  a.score = std::clamp(1.0 - std::exp(-energy / kScoreScale), 0.0, 1.0);
  std::stable_sort(a.top.begin(), a.top.end(), [](const Contribution& p, const Contribution& q) {
    return p.robust_z > q.robust_z;
  });
  if (a.top.size() > t.settings.top_features) a.top.resize(t.settings.top_features);
  t.find_nearest(query, a);
  a.sentence = sentence_of(a);
  return a;
}

}  // namespace sluice::anomaly
