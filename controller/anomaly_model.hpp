// Private to the anomaly model (anomaly.cpp trains it, anomaly_score.cpp scores with it): its
// constants, robust baselines and the trained state.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/anomaly.hpp"

namespace sluice::anomaly {

inline constexpr double kMadToSigma = 1.4826;
// Robust z at or below this is "normal"; the score grows with the squared excess above it.
inline constexpr double kFreeZ = 2.0;
// score = 1 - exp(-sum(excess^2) / kScoreScale): one feature at z 5 gives 0.68, z 6 0.86,
// z 7 0.96, z 8 0.99.
inline constexpr double kScoreScale = 8.0;
// Healthy values a baseline needs (else the feature is not scored).
inline constexpr std::size_t kMinBaseline = 8;
// Baselines are taken from the healthy stages closest in traffic volume (log_requests): at least
// this many, and at least this fraction of the healthy stages.
inline constexpr std::size_t kVolumeWindow = 60;
inline constexpr double kVolumeWindowFraction = 0.25;
// Baselines are precomputed per traffic-volume bin (log10 of the treatment's requests), each
// from the healthy stages closest in volume to the bin's centre.
inline constexpr double kVolumeBinWidth = 0.05;  // decades
inline constexpr std::size_t kMaxVolumeWindow = 400;

inline bool finite(double v) {
  return std::isfinite(v);
}

struct Baseline {
  double median = kMissing;
  double scale = kMissing;  // robust sigma, floored
  bool ok() const { return finite(median) && finite(scale) && scale > 0; }
};

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
  // What training reads once and throws away: raw values (points x names), the volume
  // (log_requests) of each point, and the healthy points with a finite volume, by volume.
  struct Raw {
    std::vector<double> values;
    std::vector<double> volumes;
    std::vector<std::size_t> healthy;
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

  // Training, in order.
  Raw read_points(std::span<const HistoryEntry> history, const std::vector<std::size_t>& order);
  void standardise(const Raw& raw);
  void bin_by_volume(const Raw& raw);

  // Scoring, in order.
  const VolumeBin* bin_for(double volume) const;
  double contribute(const FeatureVector& x, const VolumeBin* bin, double discount,
                    std::vector<double>& query, Assessment& a) const;
  void find_nearest(const std::vector<double>& query, Assessment& a) const;
};

}  // namespace sluice::anomaly
