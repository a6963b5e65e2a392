// Private to `sluice history`: the file's records (shared by the JSON and CSV formats), their
// checks, and their conversion to and from the stored stages_json (sluice/anomaly.hpp).
#pragma once

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/anomaly.hpp"
#include "sluice/number_json.hpp"
#include "sluice/store/store.hpp"

namespace sluice::app::history_file {

using Json = nlohmann::ordered_json;

// A problem in the input file: "FILE:LINE: message".
class InputError : public std::runtime_error {
 public:
  InputError(const std::string& file, int line, const std::string& message)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " + message) {}
};

bool known_outcome(std::string_view outcome);

struct Stage {
  long long stage = 0;  // 1-based in the file, as the API shows it; 0-based in stages_json
  double percent = 0;
  std::map<std::string, double> features;
  std::vector<std::string> lower_is_worse;  // custom features where lower is worse
};

namespace feature = anomaly::feature;
inline const std::vector<std::string_view> kCanonical = {
    feature::error_rate_ratio,  feature::error_rate_diff,        feature::error_rate_z,
    feature::latency_p95_ratio, feature::latency_p50_ratio,      feature::treatment_share,
    feature::log_requests,      feature::time_in_stage_intervals};
inline const std::vector<std::string_view> kContext = {
    feature::treatment_share, feature::log_requests, feature::time_in_stage_intervals};

bool is_custom(std::string_view name);
bool known_feature(std::string_view name);
std::string canonical_names();

struct Rollout {
  std::string id;
  std::string flag;
  std::string outcome;
  std::string started_at;
  std::string finished_at;
  std::vector<Stage> stages;
};

// The RFC 3339 time in canonical form, or "" when it is not one.
std::string canonical(const std::string& text);

// Checks shared by both formats; `fail(field, message)` throws with the field's line.
template <typename Fail>
void check_rollout(Rollout& r, Fail&& fail) {
  if (r.id.empty()) fail("id", "'id' must not be empty");
  if (r.flag.empty()) fail("flag", "'flag' must not be empty");
  if (!known_outcome(r.outcome)) {
    fail("outcome",
         "'outcome' must be completed, rolled_back_auto, rolled_back_manual or "
         "aborted, not '" +
             r.outcome + "'");
  }
  const std::string started = canonical(r.started_at);
  if (started.empty()) fail("started_at", "'started_at' is not an RFC 3339 time: " + r.started_at);
  const std::string finished = canonical(r.finished_at);
  if (finished.empty()) {
    fail("finished_at", "'finished_at' is not an RFC 3339 time: " + r.finished_at);
  }
  if (finished < started) fail("finished_at", "'finished_at' is before 'started_at'");
  r.started_at = started;
  r.finished_at = finished;
}

template <typename Fail>
void check_stage(const Stage& s, Fail&& fail) {
  if (s.stage < 1) fail("stage", "'stage' must be 1 or more");
  if (!(s.percent >= 0 && s.percent <= 100)) fail("percent", "'percent' must be 0 to 100");
  for (const auto& [name, value] : s.features) {
    if (!known_feature(name)) {
      fail(name, "unknown feature '" + name + "' (known: " + canonical_names() + ")");
    }
    if (!std::isfinite(value)) fail(name, "feature '" + name + "' is not a finite number");
  }
  for (const auto& name : s.lower_is_worse) {
    if (!is_custom(name)) {
      fail("lower_is_worse",
           "'lower_is_worse' lists only custom:<name> features, not '" + name + "'");
    }
  }
}

// A number as number_json (sluice/number_json.hpp) writes it: 5, not 5.0.
std::string format_number(double value);

// The file's stages as store::RolloutHistoryRecord::stages_json (anomaly::stages_to_json):
// 0-based stage index; custom features listed in lower_is_worse are "lower is worse", the
// context features (treatment_share, log_requests, time_in_stage_intervals) neither.
std::string stages_json(const std::vector<Stage>& stages);
// A stored row's stages in the file's form (anomaly::stages_from_json; features not measured,
// null, are left out). Throws naming the row when its stages_json does not parse.
std::vector<Stage> stages_of(const store::RolloutHistoryRecord& row);

// The CSV format (history_csv.cpp).
std::vector<Rollout> read_csv(const std::string& file, const std::string& text);
void write_csv(const std::vector<store::RolloutHistoryRecord>& rows);

}  // namespace sluice::app::history_file
