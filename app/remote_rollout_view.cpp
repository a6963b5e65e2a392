#include "remote_rollout_view.hpp"

#include <fmt/format.h>
#include <cmath>

#include "remote_output.hpp"

namespace sluice::app {
namespace {

using Json = nlohmann::ordered_json;

std::string text_of(const Json& object, const char* name, const std::string& fallback = "-") {
  if (!object.is_object()) return fallback;
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return fallback;
  return scalar_text(*it);
}

double number_of(const Json& object, const char* name) {
  if (!object.is_object()) return NAN;
  auto it = object.find(name);
  return it != object.end() && it->is_number() ? it->get<double>() : NAN;
}

std::string count_text(double value) {
  if (!std::isfinite(value)) return "-";
  std::string digits = fmt::format("{:.0f}", std::fabs(value));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return (value < 0 ? "-" : "") + digits;
}

// Error rates are fractions (shown as percentages), latencies seconds (shown in ms), the sample
// ratio's values request counts; custom checks as measured.
std::string check_value(const std::string& check, double value) {
  if (!std::isfinite(value)) return "-";
  if (check.find("error") != std::string::npos) return fmt::format("{:.2f}%", value * 100);
  if (check.find("latency") != std::string::npos) return fmt::format("{:.1f} ms", value * 1000);
  if (check == "sample_ratio") return count_text(value);
  return fmt::format("{:.4g}", value);
}

std::string verdict_text(const std::string& verdict) {
  if (verdict == "pass") return "✔ pass";
  if (verdict == "fail") return "✖ fail";
  if (verdict == "warn") return "⚠ warn";
  return verdict;
}

std::string short_time_text(const std::string& at) {
  return at.size() >= 19 && at[10] == 'T' ? at.substr(11, 8) : at;
}

}  // namespace

std::string phase_text(const std::string& phase) {
  if (phase == "pending") return "○ pending";
  if (phase == "progressing") return "◌ progressing";
  if (phase == "paused") return "॥ paused";
  if (phase == "waiting_for_approval") return "⧗ waiting_for_approval";
  if (phase == "completed") return "✔ completed";
  if (phase == "rolled_back") return "✖ rolled_back";
  if (phase == "aborted") return "⊘ aborted";
  return phase;
}

bool phase_is_final(const std::string& phase) {
  return phase == "completed" || phase == "rolled_back" || phase == "aborted";
}

std::string decision_point_text(const Json& point) {
  if (!point.is_object()) return "-";
  return fmt::format("{} {} {}", text_of(point, "phase"), text_of(point, "stage"),
                     percent_text(number_of(point, "percent")));
}

bool has_checks(const Json& decision) {
  if (!decision.is_object()) return false;
  const Json evidence = decision.value("evidence", Json());
  return evidence.is_object() && evidence.value("checks", Json::array()).is_array() &&
         !evidence.value("checks", Json::array()).empty();
}

std::string render_rollout(const Json& rollout, SystemTime now, const Json& judged) {
  std::string out;
  auto line = [&out](const std::string& name, const std::string& value) {
    out += fmt::format("{:<15}{}\n", name + ":", value);
  };
  const std::string phase = text_of(rollout, "phase");
  line("Flag", text_of(rollout, "flag") + "  (rollout " + text_of(rollout, "id") + ", started by " +
                   text_of(rollout, "started_by") + ")");
  line("Phase", phase_text(phase));
  const Json stage = rollout.value("stage", Json());
  if (stage.is_object()) {
    std::string target = stage.contains("segment") ? "cohort " + text_of(stage, "segment")
                                                   : percent_text(number_of(stage, "percent"));
    line("Stage", text_of(stage, "number") + "/" + text_of(stage, "of") + "  target " + target);
  } else {
    line("Stage", "-");
  }
  const std::string treatment = text_of(rollout, "treatment");
  const std::string control = text_of(rollout, "control");
  const Json serving = rollout.value("serving", Json());
  double share = number_of(rollout, "treatment_percent");
  if (std::isfinite(number_of(serving, "treatment_bp")))
    share = number_of(serving, "treatment_bp") / 100;
  std::string split = fmt::format("{} {} (treatment), {} {} (control)", treatment,
                                  percent_text(share), control, percent_text(100 - share));
  if (serving.is_object() && serving.value("cohorts", Json::array()).size() > 0) {
    std::string cohorts;
    for (const auto& c : serving["cohorts"])
      cohorts += (cohorts.empty() ? "" : ", ") + scalar_text(c);
    split += "; cohorts " + cohorts + " get " + treatment;
  }
  if (serving.is_object() && serving.value("control_to_all", false))
    split = fmt::format("{} 0%, {} 100% (control to everyone)", treatment, control);
  line("Split", split);
  if (!phase_is_final(phase)) {
    std::string in_stage = "-";
    if (auto started = parse_rfc3339(text_of(rollout, "stage_started_at", "")))
      in_stage = duration_text(std::chrono::duration<double>(now - *started).count());
    line("In stage", in_stage);
  }
  const Json paused = rollout.value("paused", Json());
  if (paused.is_object()) {
    std::string text = text_of(paused, "cause") + ", by " + text_of(paused, "by");
    const std::string reason = text_of(paused, "reason", "");
    if (!reason.empty()) text += ": \"" + reason + "\"";
    line("Paused", text);
  }
  const Json decision = rollout.value("last_decision", Json());
  if (decision.is_object()) {
    line("Last decision", "#" + text_of(decision, "sequence") + " " + text_of(decision, "kind") +
                              " by " + text_of(decision, "actor") + " at " +
                              text_of(decision, "at"));
    out += "  " + text_of(decision, "sentence") + "\n";
  }
  const Json& source = has_checks(decision) ? decision : judged;
  if (has_checks(source)) {
    const Json checks = source["evidence"]["checks"];
    Table table(
        {"CHECK", "VERDICT", treatment, control, "SAMPLES " + treatment, "SAMPLES " + control});
    for (const auto& c : checks) {
      const std::string name = text_of(c, "check");
      table.add({name, verdict_text(text_of(c, "verdict")),
                 check_value(name, number_of(c, "treatment")),
                 check_value(name, number_of(c, "control")),
                 count_text(number_of(c, "treatment_samples")),
                 count_text(number_of(c, "control_samples"))});
    }
    out += &source == &decision ? std::string("Checks:\n")
                                : "Checks (decision #" + text_of(source, "sequence") + ", " +
                                      short_time_text(text_of(source, "at")) + "):\n";
    std::string rows = table.str();
    std::size_t start = 0;
    while (start < rows.size()) {
      const std::size_t end = rows.find('\n', start);
      out += "  " + rows.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }
  return out;
}

}  // namespace sluice::app
