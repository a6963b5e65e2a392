// The meaning of policies: what the reader cannot see in one field at a time.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "policy_check_text.hpp"
#include "sluice/policy_loader.hpp"

namespace sluice {
namespace {

using namespace policy_check_text;

class Checker {
 public:
  Checker(const Policy& policy, const FlagSet* flags, Diagnostics& out)
      : policy_(policy), flags_(flags), out_(out) {}

  void run() {
    identity();
    stages();
    durations();
    error_rate(policy_.checks.error_rate);
    if (policy_.checks.latency_p95) latency(*policy_.checks.latency_p95);
    custom_checks();
    if (policy_.anomaly) anomaly(*policy_.anomaly);
    metrics();
    notify();
    if (flags_ != nullptr) against_flags();
  }

 private:
  void error(const SourceLocation& where, std::string message) {
    out_.push_back({where, std::move(message)});
  }

  void identity() {
    if (!policy_.treatment.empty() && policy_.treatment == policy_.control) {
      error(written_or(policy_.control_where, policy_.where, "control"),
            "field 'control' must name a different variant than 'treatment' (both are " +
                quoted(policy_.control) + ")");
    }
  }

  void stages() {
    const auto& stages = policy_.stages;
    if (stages.empty()) {
      error(field_of(policy_.where, "stages"), "field 'stages' must list at least one stage");
      return;
    }
    std::optional<std::uint32_t> previous;
    std::unordered_set<std::string_view> segments;
    for (const PolicyStage& stage : stages) {
      if (stage.segment) {
        if (stage.segment->empty()) {
          error(stage.where, "stage field 'segment' must not be empty");
        } else if (!segments.insert(*stage.segment).second) {
          error(stage.where,
                "stage field 'segment': segment " + quoted(*stage.segment) + " is already a stage");
        }
        if (previous) {
          error(stage.where, "stage field 'segment': cohort stage " + quoted(*stage.segment) +
                                 " must come before every percentage stage");
        }
      } else if (stage.basis_points) {
        const std::uint32_t bp = *stage.basis_points;
        if (bp == 0) {
          error(stage.where, "stage field 'percent' must be greater than 0");
        } else if (bp > kTotalBasisPoints) {
          error(stage.where, "stage field 'percent' must be at most 100, got " + percent_text(bp));
        } else if (previous && bp <= *previous) {
          error(stage.where, "stage field 'percent' must be greater than the previous stage's (" +
                                 percent_text(bp) + " after " + percent_text(*previous) + ")");
        }
        previous = std::max(previous.value_or(0), bp);
      }
      if (stage.min_duration && stage.min_duration->count() <= 0) {
        error(stage.where, "stage field 'min_duration' must be greater than zero");
      }
      if (stage.min_samples && *stage.min_samples == 0) {
        error(stage.where, "stage field 'min_samples' must be at least 1");
      }
    }
    const PolicyStage& last = stages.back();
    if (!last.basis_points && !last.segment) return;  // already reported by the reader
    if (last.basis_points != kTotalBasisPoints) {
      const std::string got =
          last.segment ? "segment " + quoted(*last.segment) : percent_text(*last.basis_points);
      error(last.where, "field 'stages' must end with a stage at 100%, the last is " + got);
    }
  }

  void durations() {
    if (policy_.interval.count() <= 0) {
      error(field_of(policy_.where, "interval"), "field 'interval' must be greater than zero");
    }
    if (policy_.min_duration.count() <= 0) {
      error(field_of(policy_.where, "min_duration"),
            "field 'min_duration' must be greater than zero");
    }
    if (policy_.min_samples == 0) {
      error(field_of(policy_.where, "min_samples"), "field 'min_samples' must be at least 1");
    }
    if (policy_.auto_resume_after &&
        (*policy_.auto_resume_after < 1 || *policy_.auto_resume_after > kMaxAutoResumeAfter)) {
      error(written_or(policy_.auto_resume_after_where, policy_.where, "auto_resume_after"),
            "field 'auto_resume_after' must be from 1 to " + std::to_string(kMaxAutoResumeAfter) +
                ", got " + std::to_string(*policy_.auto_resume_after));
    }
  }

  // Warning below critical (above, for lower_is_worse); ratios above 1 when `ratio` is set.
  void levels(const SourceLocation& where, std::string_view what, std::optional<double> warning,
              std::optional<double> critical, bool ratio, bool lower_is_worse = false) {
    const std::string prefix = std::string(what) + " field ";
    const auto above = [&](std::optional<double> value, const char* field, double bound,
                           const char* bound_text) {
      if (value && !(*value > bound)) {
        error(field_of(where, field), prefix + quoted(field) + " must be greater than " +
                                          bound_text + ", got " + number_text(*value));
      }
    };
    if (ratio) {
      above(warning, "warning", 1, "1");
      above(critical, "critical", 1, "1");
    }
    if (warning && critical) {
      const bool ordered = lower_is_worse ? *warning > *critical : *warning < *critical;
      if (!ordered) {
        error(field_of(where, "warning"),
              prefix + "'warning' (" + number_text(*warning) + ") must be " +
                  (lower_is_worse ? "above" : "below") + " 'critical' (" + number_text(*critical) +
                  ")" + (lower_is_worse ? " because lower values are worse" : ""));
      }
    }
  }

  void error_rate(const ErrorRateCheck& check) {
    const SourceLocation where =
        written_or(check.where, field_of(policy_.where, "checks"), "error_rate");
    levels(where, "error_rate", check.warning, check.critical, /*ratio=*/true);
    if (!(check.control_floor > 0 && check.control_floor < 1)) {
      error(field_of(where, "control_floor"),
            "error_rate field 'control_floor' must be greater than 0 and less than 1, got " +
                number_text(check.control_floor));
    }
    if (!(check.false_alarm_budget > 0 && check.false_alarm_budget <= 0.5)) {
      error(field_of(where, "false_alarm_budget"),
            "error_rate field 'false_alarm_budget' must be a probability greater than 0 and at "
            "most 0.5, got " +
                number_text(check.false_alarm_budget));
    }
  }

  // Scores are in [0, 1]: warning in (0, 1), critical in (warning, 1].
  void anomaly(const AnomalySettings& settings) {
    const SourceLocation where = written_or(settings.where, policy_.where, "anomaly");
    if (!(settings.warning > 0 && settings.warning < 1)) {
      error(field_of(where, "warning"),
            "anomaly field 'warning' must be a score greater than 0 and less than 1, got " +
                number_text(settings.warning));
    }
    if (!(settings.critical > 0 && settings.critical <= 1)) {
      error(field_of(where, "critical"),
            "anomaly field 'critical' must be a score greater than 0 and at most 1, got " +
                number_text(settings.critical));
    } else if (!(settings.critical > settings.warning)) {
      error(field_of(where, "warning"),
            "anomaly field 'warning' (" + number_text(settings.warning) +
                ") must be below 'critical' (" + number_text(settings.critical) + ")");
    }
    if (settings.min_history < 1 || settings.min_history > kMaxAnomalyMinHistory) {
      error(field_of(where, "min_history"), "anomaly field 'min_history' must be from 1 to " +
                                                std::to_string(kMaxAnomalyMinHistory) + ", got " +
                                                std::to_string(settings.min_history));
    }
  }

  void latency(const LatencyCheck& check) {
    if (check.ratio) {
      levels(check.ratio->where, "latency_p95.ratio", check.ratio->warning, check.ratio->critical,
             /*ratio=*/true);
    }
    if (check.max_ms) {
      const Thresholds& bounds = *check.max_ms;
      for (const auto& [field, value] :
           {std::pair{"warning", bounds.warning}, std::pair{"critical", bounds.critical}}) {
        if (value && !(*value > 0)) {
          error(field_of(bounds.where, field), std::string("latency_p95.max_ms field '") + field +
                                                   "' must be greater than 0, got " +
                                                   number_text(*value));
        }
      }
      levels(bounds.where, "latency_p95.max_ms", bounds.warning, bounds.critical,
             /*ratio=*/false);
    }
  }

  void custom_checks() {
    std::unordered_set<std::string_view> names;
    for (const CustomCheck& check : policy_.checks.custom) {
      const std::string subject =
          check.name.empty() ? "custom check" : "custom check " + quoted(check.name);
      if (!check.name.empty() && !names.insert(check.name).second) {
        error(field_of(check.where, "name"),
              "custom check field 'name': " + quoted(check.name) + " is already a check");
      }
      query(check, subject);
      levels(check.where, subject, check.bounds.warning, check.bounds.critical, /*ratio=*/false,
             check.direction == CheckDirection::LowerIsWorse);
    }
  }

  void query(const CustomCheck& check, const std::string& subject) {
    const SourceLocation where = field_of(check.where, "query");
    const std::string& q = check.query;
    if (q.empty()) {
      error(where, subject + " field 'query' must not be empty");
      return;
    }
    bool has_variant = false;
    std::size_t at = 0;
    while ((at = q.find("{{", at)) != std::string::npos) {
      const std::size_t close = q.find("}}", at + 2);
      if (close == std::string::npos) {
        error(where, subject + " field 'query' has '{{' without a closing '}}'");
        return;
      }
      const std::string_view name = std::string_view(q).substr(at + 2, close - at - 2);
      if (name == "variant") {
        has_variant = true;
      } else if (name != "flag" && name != "window") {
        error(where, subject + " field 'query' has unknown placeholder '{{" + std::string(name) +
                         "}}'; use {{flag}}, {{variant}} or {{window}}");
      }
      at = close + 2;
    }
    if (!has_variant) {
      error(where, subject +
                       " field 'query' must use {{variant}}, so that each variant has its own "
                       "value");
    }
  }

  void metrics() {
    const MetricNames& m = policy_.metrics;
    const SourceLocation where = written_or(m.where, policy_.where, "metrics");
    const auto label = [&](const std::string& value, const char* field) {
      if (!is_label_name(value)) {
        error(field_of(where, field), std::string("metrics field '") + field +
                                          "' must be a Prometheus label name, got " +
                                          quoted(value));
      }
    };
    const auto metric = [&](const std::string& value, const char* field) {
      if (!is_metric_name(value)) {
        error(field_of(where, field), std::string("metrics field '") + field +
                                          "' must be a Prometheus metric name, got " +
                                          quoted(value));
      }
    };
    label(m.flag_label, "flag_label");
    label(m.variant_label, "variant_label");
    if (!m.flag_label.empty() && m.flag_label == m.variant_label) {
      error(field_of(where, "variant_label"),
            "metrics field 'variant_label' must differ from 'flag_label'");
    }
    metric(m.requests, "requests");
    metric(m.latency_histogram, "latency_histogram");
    if (m.error_selector.empty()) {
      error(field_of(where, "error_selector"), "metrics field 'error_selector' must not be empty");
    }
  }

  void notify() {
    for (std::size_t i = 0; i < policy_.notify.size(); ++i) {
      if (policy_.notify[i].empty()) {
        error(field_of(policy_.where, "notify[" + std::to_string(i) + "]"),
              "field 'notify' must not list an empty target name");
      }
    }
  }

  void against_flags() {
    if (policy_.flag.empty()) return;  // reported by the reader
    const auto& all = flags_->flags;
    const auto flag =
        std::find_if(all.begin(), all.end(), [&](const auto& f) { return f.key == policy_.flag; });
    if (flag == all.end()) {
      error(written_or(policy_.flag_where, policy_.where, "flag"),
            "field 'flag': unknown flag " + quoted(policy_.flag));
    } else {
      variant(*flag, policy_.treatment, policy_.treatment_where, "treatment");
      variant(*flag, policy_.control, policy_.control_where, "control");
      bucket_by(*flag);
    }
    for (const PolicyStage& stage : policy_.stages) {
      if (!stage.segment || stage.segment->empty()) continue;
      const auto& segments = flags_->segments;
      if (std::none_of(segments.begin(), segments.end(),
                       [&](const auto& s) { return s.key == *stage.segment; })) {
        error(stage.where, "stage field 'segment': unknown segment " + quoted(*stage.segment));
      }
    }
  }

  void variant(const FlagDefinition& flag, const std::string& name, const SourceLocation& where,
               const char* field) {
    if (name.empty()) return;  // reported by the reader
    const auto& variants = flag.variants;
    if (std::any_of(variants.begin(), variants.end(),
                    [&](const auto& v) { return v.name == name; })) {
      return;
    }
    std::string known;
    for (const auto& v : variants)
      known += (known.empty() ? "" : ", ") + v.name;
    error(written_or(where, policy_.where, field),
          std::string("field '") + field + "': unknown variant " + quoted(name) + " in flag " +
              quoted(flag.key) + " (its variants: " + known + ")");
  }

  // The controller rolls out by rewriting the flag's default split, which keeps its bucketing.
  void bucket_by(const FlagDefinition& flag) {
    if (!policy_.bucket_by) return;
    std::string actual = flag.bucket_by.value_or(kDefaultBucketBy);
    if (flag.fallthrough.split && flag.fallthrough.split->bucket_by) {
      actual = *flag.fallthrough.split->bucket_by;
    }
    if (*policy_.bucket_by != actual) {
      error(written_or(policy_.bucket_by_where, policy_.where, "bucket_by"),
            "field 'bucket_by' is " + quoted(*policy_.bucket_by) + " but flag " + quoted(flag.key) +
                " buckets by " + quoted(actual));
    }
  }

  const Policy& policy_;
  const FlagSet* flags_;
  Diagnostics& out_;
};

}  // namespace

Diagnostics check_policy(const Policy& policy, const FlagSet* flags) {
  Diagnostics out;
  Checker(policy, flags, out).run();
  return out;
}

Diagnostics check_policies(const std::vector<Policy>& policies, const FlagSet* flags) {
  Diagnostics out;
  std::unordered_map<std::string_view, const Policy*> first;
  for (const Policy& policy : policies) {
    Diagnostics one = check_policy(policy, flags);
    out.insert(out.end(), std::make_move_iterator(one.begin()), std::make_move_iterator(one.end()));
    if (policy.flag.empty()) continue;
    const auto [it, inserted] = first.emplace(policy.flag, &policy);
    if (!inserted) {
      const SourceLocation& at = it->second->where;
      std::string where_first = at.file;
      if (at.line > 0) {
        where_first += ':' + std::to_string(at.line) + ':' + std::to_string(at.column);
      } else if (!at.path.empty()) {
        where_first += (where_first.empty() ? "" : ", ") + at.path;
      }
      out.push_back({written_or(policy.flag_where, policy.where, "flag"),
                     "duplicate policy for flag " + quoted(policy.flag) +
                         (where_first.empty() ? "" : " (first defined at " + where_first + ")")});
    }
  }
  return out;
}

}  // namespace sluice
