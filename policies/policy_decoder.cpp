#include "policy_decoder.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "basis_points.hpp"
#include "document_decoder.hpp"

// The field walking, problem reporting and duplicate and unknown keys are the flags' own
// (flags/files/document_decoder.hpp), and the wording follows flags/files/flag_decoder.cpp, so
// that `sluice validate` reads the same for flags and policies.
namespace sluice::detail {
namespace {

using Kind = DocNode::Kind;

class Decoder : public DecoderBase {
 public:
  using DecoderBase::DecoderBase;

  void document(const DocNode& root, PolicyDocumentShape shape, std::vector<Policy>& into);

 private:
  void policy(const DocNode& node, const std::string& path, std::vector<Policy>& into);
  std::optional<PolicyStage> stage(const DocNode& node, const std::string& field,
                                   const std::string& path);
  void checks(const DocNode& node, const std::string& path, PolicyChecks& into);
  void error_rate(const DocNode& node, const std::string& path, ErrorRateCheck& into);
  std::optional<LatencyCheck> latency(const DocNode& node, const std::string& path);
  std::optional<Thresholds> thresholds(const DocNode& node, std::string_view field,
                                       const std::string& path);
  std::optional<CustomCheck> custom(const DocNode& node, const std::string& field,
                                    const std::string& path);
  void metrics(const DocNode& node, const std::string& path, MetricNames& into);
  std::optional<AnomalySettings> anomaly(const DocNode& node, const std::string& path);

  // How a wrong value is shown: numbers as written, strings quoted, other kinds by name.
  std::string shown(const DocNode& node) const {
    if (node.is(Kind::Number)) return node.text;
    if (node.is(Kind::String)) return "string " + quoted(node.text);
    return name(node.kind);
  }
  // Where a field's value starts; empty when the field is absent.
  SourceLocation field_location(const Fields& fields, std::string_view key) const {
    const DocEntry* entry = fields.get(key);
    if (entry == nullptr) return {};
    return locate(entry->value.mark, fields.path_of(key));
  }
  std::optional<double> number_field(const Fields& fields, std::string_view key);
  // A whole number of at least 1 (and at most `max` when given).
  std::optional<std::uint64_t> count_field(const Fields& fields, std::string_view key,
                                           std::optional<std::uint64_t> max = std::nullopt);
  std::optional<PolicySeconds> duration_field(const Fields& fields, std::string_view key);
  template <class Parse>
  auto enum_field(const Fields& fields, std::string_view key, const char* allowed, Parse&& parse)
      -> decltype(parse(std::string_view()));
};

std::optional<double> Decoder::number_field(const Fields& fields, std::string_view key) {
  const DocEntry* entry = fields.get(key);
  if (entry == nullptr || !expect(entry->value, Kind::Number, key, fields.path_of(key))) {
    return std::nullopt;
  }
  return entry->value.number;
}

std::optional<std::uint64_t> Decoder::count_field(const Fields& fields, std::string_view key,
                                                  std::optional<std::uint64_t> max) {
  const DocEntry* entry = fields.get(key);
  if (entry == nullptr) return std::nullopt;
  const DocNode& node = entry->value;
  const std::string& text = node.text;
  const bool digits =
      node.is(Kind::Number) && !text.empty() && text.size() <= 15 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits && node.number >= 1 && (!max || node.number <= static_cast<double>(*max))) {
    return static_cast<std::uint64_t>(node.number);
  }
  report(node.mark, fields.path_of(key),
         "field " + quoted(key) + " must be a whole number " +
             (max ? "from 1 to " + std::to_string(*max) : std::string("of at least 1")) + ", got " +
             shown(node));
  return std::nullopt;
}

std::optional<PolicySeconds> Decoder::duration_field(const Fields& fields, std::string_view key) {
  const DocEntry* entry = fields.get(key);
  if (entry == nullptr) return std::nullopt;
  const DocNode& node = entry->value;
  if (node.is(Kind::String)) {
    if (auto duration = parse_duration(node.text); duration && duration->count() > 0) {
      return duration;
    }
  }
  report(node.mark, fields.path_of(key),
         "field " + quoted(key) +
             " must be a duration greater than zero such as '30s', '5m' or '1h30m', got " +
             shown(node));
  return std::nullopt;
}

template <class Parse>
auto Decoder::enum_field(const Fields& fields, std::string_view key, const char* allowed,
                         Parse&& parse) -> decltype(parse(std::string_view())) {
  const DocEntry* entry = fields.get(key);
  const std::string path = fields.path_of(key);
  if (entry == nullptr || !expect(entry->value, Kind::String, key, path)) return std::nullopt;
  if (auto value = parse(entry->value.text)) return value;
  report(
      entry->value.mark, path,
      "field " + quoted(key) + " must be one of " + allowed + "; got " + quoted(entry->value.text));
  return std::nullopt;
}

void Decoder::document(const DocNode& root, PolicyDocumentShape shape, std::vector<Policy>& into) {
  if (shape == PolicyDocumentShape::Policy) {
    if (root.is(Kind::Map)) {
      policy(root, "", into);
    } else {
      report(root.mark, "", "policy must be " + article(Kind::Map) + ", got " + name(root.kind));
    }
    return;
  }
  if (!root.is(Kind::Map)) {
    report(root.mark, "",
           "document must be " + article(Kind::Map) +
               " (a bundle with 'policies', or a single policy), got " + name(root.kind));
    return;
  }
  const bool is_bundle = std::any_of(root.entries.begin(), root.entries.end(),
                                     [](const auto& e) { return e.key == "policies"; });
  if (!is_bundle) {
    policy(root, "", into);
    return;
  }
  const Fields fields(*this, root, "", "bundle", {"policies"});
  const DocEntry* entry = fields.get("policies");
  const std::string path = fields.path_of("policies");
  if (!expect(entry->value, Kind::Sequence, "policies", path)) return;
  const auto& items = entry->value.items;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (expect(items[i], Kind::Map, indexed("policies", i), indexed(path, i))) {
      policy(items[i], indexed(path, i), into);
    }
  }
}

void Decoder::policy(const DocNode& node, const std::string& path, std::vector<Policy>& into) {
  const Fields fields(*this, node, path, "policy",
                      {"flag", "description", "treatment", "control", "bucket_by", "stages",
                       "interval", "min_duration", "min_samples", "on_no_data", "auto_resume_after",
                       "checks", "anomaly", "notify", "metrics"});
  Policy policy;
  policy.where = locate(node.mark, path);
  const auto flag = string_field(fields, "flag");
  if (flag) policy.flag = *flag;
  policy.flag_where = field_location(fields, "flag");
  policy.treatment_where = field_location(fields, "treatment");
  policy.control_where = field_location(fields, "control");
  policy.bucket_by_where = field_location(fields, "bucket_by");
  if (auto description = string_field(fields, "description")) policy.description = *description;
  if (auto treatment = string_field(fields, "treatment")) policy.treatment = *treatment;
  if (auto control = string_field(fields, "control")) policy.control = *control;
  policy.bucket_by = string_field(fields, "bucket_by");
  if (const DocEntry* stages = fields.get("stages")) {
    const std::string stages_path = fields.path_of("stages");
    if (expect(stages->value, Kind::Sequence, "stages", stages_path)) {
      const auto& items = stages->value.items;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (auto s = stage(items[i], indexed("stages", i), indexed(stages_path, i))) {
          policy.stages.push_back(std::move(*s));
        }
      }
    }
  }
  if (auto interval = duration_field(fields, "interval")) policy.interval = *interval;
  if (auto min_duration = duration_field(fields, "min_duration")) {
    policy.min_duration = *min_duration;
  }
  if (auto min_samples = count_field(fields, "min_samples")) policy.min_samples = *min_samples;
  if (auto action = enum_field(fields, "on_no_data", "hold, pause", parse_no_data_action)) {
    policy.on_no_data = *action;
  }
  policy.auto_resume_after_where = field_location(fields, "auto_resume_after");
  if (auto after = count_field(fields, "auto_resume_after", kMaxAutoResumeAfter)) {
    policy.auto_resume_after = static_cast<std::uint32_t>(*after);
  }
  if (const DocEntry* entry = fields.get("checks")) {
    checks(entry->value, fields.path_of("checks"), policy.checks);
  }
  if (const DocEntry* entry = fields.get("anomaly")) {
    policy.anomaly = anomaly(entry->value, fields.path_of("anomaly"));
  }
  policy.notify = string_list_field(fields, "notify");
  if (const DocEntry* entry = fields.get("metrics")) {
    metrics(entry->value, fields.path_of("metrics"), policy.metrics);
  }
  require(fields, {"flag", "treatment", "control", "stages"},
          flag ? "policy for " + quoted(*flag) : "policy");
  into.push_back(std::move(policy));
}

std::optional<PolicyStage> Decoder::stage(const DocNode& node, const std::string& field,
                                          const std::string& path) {
  if (!expect(node, Kind::Map, field, path)) return std::nullopt;
  const Fields fields(*this, node, path, "stage",
                      {"percent", "segment", "min_duration", "min_samples", "approval"});
  PolicyStage stage;
  stage.where = locate(node.mark, path);
  if (const DocEntry* percent = fields.get("percent")) {
    const DocNode& value = percent->value;
    if (value.is(Kind::Number)) stage.basis_points = percent_to_basis_points(value.text);
    if (!stage.basis_points) {
      report(value.mark, fields.path_of("percent"),
             "field 'percent' must be a number between 0 and 100 with at most two decimals, "
             "got " +
                 shown(value));
    }
  }
  stage.segment = string_field(fields, "segment");
  stage.min_duration = duration_field(fields, "min_duration");
  stage.min_samples = count_field(fields, "min_samples");
  if (auto approval = bool_field(fields, "approval")) stage.approval = *approval;
  if (fields.has("percent") && fields.has("segment")) {
    report(node.mark, path, "stage has both 'percent' and 'segment'; give only one");
  } else if (!fields.has("percent") && !fields.has("segment")) {
    report(node.mark, path, "stage needs one of 'percent' or 'segment'");
  }
  return stage;
}

void Decoder::checks(const DocNode& node, const std::string& path, PolicyChecks& into) {
  if (!expect(node, Kind::Map, "checks", path)) return;
  const Fields fields(*this, node, path, "checks", {"error_rate", "latency_p95", "custom"});
  if (const DocEntry* entry = fields.get("error_rate")) {
    error_rate(entry->value, fields.path_of("error_rate"), into.error_rate);
  }
  if (const DocEntry* entry = fields.get("latency_p95")) {
    into.latency_p95 = latency(entry->value, fields.path_of("latency_p95"));
  }
  if (const DocEntry* entry = fields.get("custom")) {
    const std::string custom_path = fields.path_of("custom");
    if (expect(entry->value, Kind::Sequence, "custom", custom_path)) {
      const auto& items = entry->value.items;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (auto c = custom(items[i], indexed("custom", i), indexed(custom_path, i))) {
          into.custom.push_back(std::move(*c));
        }
      }
    }
  }
}

void Decoder::error_rate(const DocNode& node, const std::string& path, ErrorRateCheck& into) {
  into.where = locate(node.mark, path);
  if (!expect(node, Kind::Map, "error_rate", path)) return;
  const Fields fields(*this, node, path, "error_rate",
                      {"warning", "critical", "control_floor", "false_alarm_budget"});
  into.warning = number_field(fields, "warning");
  if (auto critical = number_field(fields, "critical")) into.critical = *critical;
  if (auto floor = number_field(fields, "control_floor")) into.control_floor = *floor;
  if (auto budget = number_field(fields, "false_alarm_budget")) into.false_alarm_budget = *budget;
}

std::optional<LatencyCheck> Decoder::latency(const DocNode& node, const std::string& path) {
  if (!expect(node, Kind::Map, "latency_p95", path)) return std::nullopt;
  const Fields fields(*this, node, path, "latency_p95", {"ratio", "max_ms"});
  LatencyCheck check;
  check.where = locate(node.mark, path);
  if (const DocEntry* entry = fields.get("ratio")) {
    check.ratio = thresholds(entry->value, "ratio", fields.path_of("ratio"));
  }
  if (const DocEntry* entry = fields.get("max_ms")) {
    check.max_ms = thresholds(entry->value, "max_ms", fields.path_of("max_ms"));
  }
  if (!fields.has("ratio") && !fields.has("max_ms")) {
    report(node.mark, path, "latency_p95 needs one or both of 'ratio' and 'max_ms'");
  }
  return check;
}

std::optional<AnomalySettings> Decoder::anomaly(const DocNode& node, const std::string& path) {
  if (!expect(node, Kind::Map, "anomaly", path)) return std::nullopt;
  const Fields fields(*this, node, path, "anomaly",
                      {"enabled", "warning", "critical", "min_history"});
  AnomalySettings out;
  out.where = locate(node.mark, path);
  if (auto enabled = bool_field(fields, "enabled")) out.enabled = *enabled;
  if (auto warning = number_field(fields, "warning")) out.warning = *warning;
  if (auto critical = number_field(fields, "critical")) out.critical = *critical;
  if (auto min_history = count_field(fields, "min_history", kMaxAnomalyMinHistory)) {
    out.min_history = static_cast<std::uint32_t>(*min_history);
  }
  return out;
}

std::optional<Thresholds> Decoder::thresholds(const DocNode& node, std::string_view field,
                                              const std::string& path) {
  if (!expect(node, Kind::Map, field, path)) return std::nullopt;
  const Fields fields(*this, node, path, field, {"warning", "critical"});
  Thresholds out;
  out.where = locate(node.mark, path);
  out.warning = number_field(fields, "warning");
  out.critical = number_field(fields, "critical");
  if (!fields.has("warning") && !fields.has("critical")) {
    report(node.mark, path, std::string(field) + " needs one or both of 'warning' and 'critical'");
  }
  return out;
}

std::optional<CustomCheck> Decoder::custom(const DocNode& node, const std::string& field,
                                           const std::string& path) {
  if (!expect(node, Kind::Map, field, path)) return std::nullopt;
  const Fields fields(*this, node, path, "custom check",
                      {"name", "query", "direction", "compare", "warning", "critical"});
  CustomCheck check;
  check.where = locate(node.mark, path);
  check.bounds.where = check.where;
  const auto check_name = string_field(fields, "name");
  if (check_name) check.name = *check_name;
  if (auto query = string_field(fields, "query")) check.query = *query;
  if (auto direction = enum_field(fields, "direction", "higher_is_worse, lower_is_worse",
                                  parse_check_direction)) {
    check.direction = *direction;
  }
  if (auto compare = enum_field(fields, "compare", "absolute, ratio", parse_check_comparison)) {
    check.compare = *compare;
  }
  check.bounds.warning = number_field(fields, "warning");
  check.bounds.critical = number_field(fields, "critical");
  const std::string subject = check_name ? "custom check " + quoted(*check_name) : "custom check";
  require(fields, {"name", "query"}, subject);
  if (!fields.has("warning") && !fields.has("critical")) {
    report(node.mark, path, subject + " needs one or both of 'warning' and 'critical'");
  }
  return check;
}

void Decoder::metrics(const DocNode& node, const std::string& path, MetricNames& into) {
  into.where = locate(node.mark, path);
  if (!expect(node, Kind::Map, "metrics", path)) return;
  const Fields fields(
      *this, node, path, "metrics",
      {"flag_label", "variant_label", "requests", "error_selector", "latency_histogram"});
  if (auto s = string_field(fields, "flag_label")) into.flag_label = *s;
  if (auto s = string_field(fields, "variant_label")) into.variant_label = *s;
  if (auto s = string_field(fields, "requests")) into.requests = *s;
  if (auto s = string_field(fields, "error_selector")) into.error_selector = *s;
  if (auto s = string_field(fields, "latency_histogram")) into.latency_histogram = *s;
}

}  // namespace

void decode_policy_document(const DocNode& root, Syntax syntax, const std::string& file,
                            PolicyDocumentShape shape, PolicyLoadResult& into) {
  Decoder(syntax, file, into.diagnostics).document(root, shape, into.policies);
}

}  // namespace sluice::detail
