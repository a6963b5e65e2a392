// The records of `sluice history` files: checks shared by both formats, and the conversion to and
// from the stored stages_json, which the anomaly model's codec (sluice/anomaly.hpp) owns.

#include "history_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "sluice/number_json.hpp"
#include "sluice/store/clock.hpp"

namespace sluice::app::history_file {

bool known_outcome(std::string_view outcome) {
  return outcome == "completed" || outcome == "rolled_back_auto" ||
         outcome == "rolled_back_manual" || outcome == "aborted";
}

bool is_custom(std::string_view name) {
  return name.size() > feature::custom_prefix.size() && name.starts_with(feature::custom_prefix);
}

bool known_feature(std::string_view name) {
  return is_custom(name) ||
         std::find(kCanonical.begin(), kCanonical.end(), name) != kCanonical.end();
}

std::string canonical_names() {
  std::string out;
  for (auto name : kCanonical)
    out += std::string(name) + ", ";
  return out + "custom:<name>";
}

std::string canonical(const std::string& text) {
  auto normalized = store::normalize_rfc3339(text);
  return normalized ? *normalized : std::string();
}

std::string format_number(double value) {
  return number_json(value).dump();
}

std::string stages_json(const std::vector<Stage>& stages) {
  std::vector<anomaly::StageFeatures> out;
  out.reserve(stages.size());
  for (const Stage& s : stages) {
    anomaly::StageFeatures stage;
    stage.stage = static_cast<std::size_t>(s.stage - 1);
    stage.treatment_bp = static_cast<std::uint32_t>(std::llround(s.percent * 100));
    auto add = [&](const std::string& name, double value) {
      const bool lower = std::find(s.lower_is_worse.begin(), s.lower_is_worse.end(), name) !=
                         s.lower_is_worse.end();
      const bool context = std::find(kContext.begin(), kContext.end(), name) != kContext.end();
      stage.features.features.push_back(anomaly::Feature{name, value,
                                                         lower     ? anomaly::Worse::lower
                                                         : context ? anomaly::Worse::neither
                                                                   : anomaly::Worse::higher});
    };
    for (auto name : kCanonical) {
      if (auto it = s.features.find(std::string(name)); it != s.features.end())
        add(it->first, it->second);
    }
    for (const auto& [name, value] : s.features) {
      if (is_custom(name)) add(name, value);
    }
    out.push_back(std::move(stage));
  }
  return anomaly::stages_to_json(out);
}

std::vector<Stage> stages_of(const store::RolloutHistoryRecord& row) {
  const auto parsed = anomaly::stages_from_json(row.stages_json);
  if (!parsed.ok()) throw std::runtime_error("history row " + row.key + ": " + parsed.error);
  std::vector<Stage> out;
  for (const anomaly::StageFeatures& s : *parsed.value) {
    Stage stage;
    stage.stage = static_cast<long long>(s.stage) + 1;
    stage.percent = static_cast<double>(s.treatment_bp) / 100.0;
    for (const anomaly::Feature& f : s.features.features) {
      if (std::isfinite(f.value)) stage.features[f.name] = f.value;
      if (f.worse == anomaly::Worse::lower) stage.lower_is_worse.push_back(f.name);
    }
    out.push_back(std::move(stage));
  }
  return out;
}

}  // namespace sluice::app::history_file
