#pragma once

// The anomaly model: scores what the controller sees in one stage of a rollout against the
// history of finished rollouts, from 0 (looks like the healthy past) to 1 (unlike anything that
// completed), with an explanation (the features that contribute most, the most similar past
// rollouts and how they ended). Pure code (ARCHITECTURE decision 1): no I/O, no clock reads, no
// globals; a trained model is immutable and safe to share between threads. Method, features and
// measured figures: docs/anomaly.md.
//
// Who calls what:
//  - the scheduler builds a FeatureVector per rollout per tick (`observe`), scores it with the
//    current model (`AnomalyModel::score`, passing the policy's `anomaly.min_history`) and puts
//    the Assessment into rollout::Observations::anomaly; rollout::step acts on it only when the
//    policy enables the model, and only ever more cautiously (pause or roll back, never advance).
//  - the scheduler keeps the last vector of each stage (`record_stage`) and, on the decision that
//    finishes the rollout, writes a history row: outcome (`outcome_of`) and the per-stage vectors
//    (`stages_to_json` → store::RolloutHistoryRecord::stages_json).
//  - the model is trained at start and after each finished rollout (`AnomalyModel::train`) from
//    the history rows (`stages_from_json` on stages_json, `parse_outcome` on outcome).
//  - `sluice history import/export` reads and writes files of whole entries (`history_from_json`,
//    `history_to_json`).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {
struct Policy;
}  // namespace sluice

namespace sluice::rollout {
struct RolloutState;
struct Observations;
struct Decision;
}  // namespace sluice::rollout

namespace sluice::anomaly {

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

// Defaults. The policy's `anomaly.min_history` overrides kDefaultMinHistory per policy.
inline constexpr std::size_t kDefaultMinHistory = 20;    // finished rollouts before any score
inline constexpr std::size_t kDefaultMaxHistory = 2000;  // most recent finished rollouts kept
inline constexpr std::size_t kDefaultNeighbours = 5;     // nearest past stages in an explanation
inline constexpr std::size_t kDefaultTopFeatures = 3;    // contributions in an explanation

// ---- Features -----------------------------------------------------------------------------

// Which way a feature's value gets worse. `neither`: context only (traffic share, volume, time
// in stage) — shown and used for similarity, never scored as anomalous by itself.
enum class Worse { higher, lower, neither };

struct Feature {
  std::string name;
  double value = kMissing;  // NaN = not measured this time (ignored by the model)
  Worse worse = Worse::higher;
  friend bool operator==(const Feature& a, const Feature& b) {
    return a.name == b.name && a.worse == b.worse &&
           (a.value == b.value || (a.value != a.value && b.value != b.value));
  }
};

// The canonical features, in this order (then `custom:<name>` in the policy's order):
//   error_rate_ratio        treatment error rate / max(control rate, the policy's control floor)
//   error_rate_diff         treatment error rate - control error rate (fraction, e.g. 0.004)
//   error_rate_z            two-proportion z of (treatment - control) error rate: the
//                           difference in standard errors, comparable across traffic volumes
//   latency_p95_ratio       treatment p95 / control p95 (from the latency histograms)
//   latency_p50_ratio       treatment p50 / control p50
//   treatment_share         treatment requests / (treatment + control) requests   [context]
//   log_requests            log10(1 + treatment requests) in the window           [context]
//   time_in_stage_intervals (now - stage start) / the policy's interval           [context]
//   custom:<name>           treatment value / control value of a custom metric; worse is the
//                           policy's direction for that check (higher or lower)
// A value is NaN when it cannot be computed (no requests, no histogram, no control value).
namespace feature {
inline constexpr std::string_view error_rate_ratio = "error_rate_ratio";
inline constexpr std::string_view error_rate_diff = "error_rate_diff";
inline constexpr std::string_view error_rate_z = "error_rate_z";
inline constexpr std::string_view latency_p95_ratio = "latency_p95_ratio";
inline constexpr std::string_view latency_p50_ratio = "latency_p50_ratio";
inline constexpr std::string_view treatment_share = "treatment_share";
inline constexpr std::string_view log_requests = "log_requests";
inline constexpr std::string_view time_in_stage_intervals = "time_in_stage_intervals";
inline constexpr std::string_view custom_prefix = "custom:";
}  // namespace feature

struct FeatureVector {
  std::vector<Feature> features;  // canonical order; names unique

  // The value of a feature, NaN when absent or missing.
  double value(std::string_view name) const;
  const Feature* find(std::string_view name) const;
  // Sets (or adds, at the end) a feature.
  void set(std::string_view name, double value, Worse worse);

  friend bool operator==(const FeatureVector&, const FeatureVector&) = default;
};

// The vector for one rollout at one tick: the observations are the window's cumulative counts
// (as rollout::step gets them), the state says which stage and since when, the policy gives the
// control floor, the interval and the custom checks' directions. Missing data gives NaN
// features, never an error.
FeatureVector observe(const Policy& policy, const rollout::RolloutState& state,
                      const rollout::Observations& observations,
                      std::chrono::system_clock::time_point now);

// ---- History --------------------------------------------------------------------------------

enum class Outcome { completed, rolled_back_auto, rolled_back_manual, aborted };

std::string_view to_string(Outcome outcome);
std::optional<Outcome> parse_outcome(std::string_view text);

// The outcome of a decision that finishes a rollout: complete/promote to the end → completed,
// a rollback by the controller → rolled_back_auto, by a person → rolled_back_manual, abort →
// aborted. nullopt when the decision does not finish the rollout.
std::optional<Outcome> outcome_of(const rollout::Decision& decision);

// The last vector the controller saw in one stage.
struct StageFeatures {
  std::size_t stage = 0;           // index into the policy's stages
  std::uint32_t treatment_bp = 0;  // the share served, 10000 = 100%
  FeatureVector features;
  friend bool operator==(const StageFeatures&, const StageFeatures&) = default;
};

// Keeps one entry per stage: replaces the entry of `stage` if present, else appends (stages stay
// in the order first seen). For the scheduler, on every tick that judged a window.
void record_stage(std::vector<StageFeatures>& stages, std::size_t stage, std::uint32_t treatment_bp,
                  FeatureVector features);

// One finished rollout (a store::RolloutHistoryRecord, decoded).
struct HistoryEntry {
  std::string key;  // unique: "rollout/12", or the imported file's id
  std::string flag;
  Outcome outcome = Outcome::completed;
  std::vector<StageFeatures> stages;
  std::string started_at;   // RFC 3339 text as stored; not interpreted by the model
  std::string finished_at;  // RFC 3339 text; entries are ordered by it (oldest first) when kept
  friend bool operator==(const HistoryEntry&, const HistoryEntry&) = default;
};

// stages_json: a JSON array, one object per stage:
//   [{"stage": 0, "percent": 5, "features": {"error_rate_ratio": 1.02, "latency_p95_ratio":
//     null, ..., "custom:conversion": 0.98}, "lower_is_worse": ["custom:conversion"],
//     "context": ["treatment_share", "log_requests", "time_in_stage_intervals"]}]
// `percent` is treatment_bp / 100 (2.5 for 250 bp). null = NaN. `lower_is_worse` and `context`
// list the features whose Worse is not `higher` (omitted when empty).
std::string stages_to_json(std::span<const StageFeatures> stages);

// A parse result: the value, or one clear error naming the place ("stages[2].features.
// error_rate_ratio: expected a number or null, got a string").
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;
  bool ok() const { return value.has_value(); }
};

// Strict: unknown members, wrong types, negative stages, percent outside [0, 100], duplicate
// stages and feature names outside the canonical list (other than custom:<name>) are errors.
Parsed<std::vector<StageFeatures>> stages_from_json(std::string_view text);

// The `sluice history import/export` file: a JSON array of entries:
//   [{"key": "rollout/12", "flag": "checkout", "outcome": "completed",
//     "started_at": "2026-11-20T10:00:00Z", "finished_at": "2026-11-20T11:00:00Z",
//     "stages": [...as stages_json...]}]
// Strict like stages_from_json; keys must be non-empty and unique within the file, outcome one
// of the four names, started_at/finished_at optional strings. Errors name the entry
// ("entries[3] (key rollout/9).outcome: ...").
std::string history_to_json(std::span<const HistoryEntry> entries);
Parsed<std::vector<HistoryEntry>> history_from_json(std::string_view text);

// ---- The model --------------------------------------------------------------------------------

struct ModelSettings {
  // Only the most recent (by finished_at, then by position) this many finished rollouts are
  // used: bounds training and the nearest-neighbour search (score is O(stages kept x features)).
  std::size_t max_history = kDefaultMaxHistory;
  std::size_t neighbours = kDefaultNeighbours;
  std::size_t top_features = kDefaultTopFeatures;
};

// One feature's part in a score.
struct Contribution {
  std::string name;
  double value = kMissing;           // now
  double healthy_median = kMissing;  // over the stages of completed rollouts
  double robust_z = 0;  // (value - median) / (1.4826 x MAD), signed so that > 0 is worse
};

// A similar past stage (distance in the standardised feature space; smaller = more similar).
struct Neighbour {
  std::string key;
  std::string flag;
  Outcome outcome = Outcome::completed;
  std::size_t stage = 0;
  std::uint32_t treatment_bp = 0;
  double distance = 0;
};

struct Assessment {
  // Too little history to say anything: score is 0 and nothing else is set but the reason.
  bool abstained = true;
  std::string reason;              // "insufficient history (7 of 20)" when abstained
  double score = 0;                // [0, 1]: 0 = like the healthy past, 1 = far outside it
  std::vector<Contribution> top;   // the most anomalous features, worst first (z > 0 only)
  std::vector<Neighbour> nearest;  // closest first
  std::size_t history = 0;         // finished rollouts the model was trained on
  std::size_t min_history = kDefaultMinHistory;
  // One sentence: "anomaly score 0.93: latency_p95_ratio 1.31 (healthy 1.00, z 6.2),
  // error_rate_ratio 1.58 (healthy 1.01, z 3.1); nearest: rollout/41 (search) rolled back
  // automatically, rollout/17 (cart) completed, ..." or "anomaly model abstains: insufficient
  // history (7 of 20)".
  std::string sentence;
};

// A compact JSON object of the assessment (for decision evidence):
//   {"abstained": false, "reason": "", "score": 0.93, "history": 140, "min_history": 20,
//    "top": [{"feature": ..., "value": ..., "healthy_median": ..., "robust_z": ...}],
//    "nearest": [{"key": ..., "flag": ..., "outcome": ..., "stage": 1, "percent": 5,
//                 "distance": 0.8}], "sentence": "..."}
std::string assessment_to_json(const Assessment& assessment);

class AnomalyModel {
 public:
  // An untrained model: every score abstains ("insufficient history (0 of N)").
  AnomalyModel();

  // Trains on finished rollouts (any order; entries with the same key: the last one counts).
  // Baselines come from the stages of `completed` rollouts; neighbours from every outcome.
  // Deterministic: the same history gives the same model.
  static AnomalyModel train(std::span<const HistoryEntry> history,
                            const ModelSettings& settings = {});

  // Scores one vector. Abstains when fewer than `min_history` finished rollouts were used
  // (min_history 0 is treated as 1: a model needs some history).
  Assessment score(const FeatureVector& observation,
                   std::size_t min_history = kDefaultMinHistory) const;

  std::size_t history_size() const;  // finished rollouts used (after max_history)
  std::size_t healthy_size() const;  // of which completed

 private:
  struct Trained;
  std::shared_ptr<const Trained> trained_;  // immutable; copies share it
};

}  // namespace sluice::anomaly
