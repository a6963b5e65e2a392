#include "rollout_json.hpp"

#include <cmath>
#include <stdexcept>

#include "sluice/rollout_split.hpp"
#include "sluice/store/clock.hpp"

namespace sluice::controller {
namespace {

using rollout::TimePoint;

std::int64_t to_ms(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

TimePoint from_ms(std::int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

Json number(double value) {
  return std::isfinite(value) ? Json(value) : Json(nullptr);
}

// A request count as whole requests: Prometheus's increase() extrapolates over the window, so
// counts arrive with fractions (122.22222222222223) that no one could have sent.
Json whole(double value) {
  return std::isfinite(value) ? Json(std::llround(value)) : Json(nullptr);
}

template <typename T>
T field(const Json& j, const char* name, const std::string& what) {
  auto it = j.find(name);
  if (it == j.end()) throw std::runtime_error(what + ": missing field '" + name + "'");
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    throw std::runtime_error(what + ": field '" + name + "' has the wrong type");
  }
}

Json counts_json(const rollout::WindowCounts& c) {
  Json buckets = Json::array();
  for (const auto& b : c.latency) {
    buckets.push_back(Json::array(
        {std::isinf(b.upper_bound) ? Json("+Inf") : Json(b.upper_bound), b.cumulative_count}));
  }
  return Json{
      {"seen", c.seen}, {"requests", c.requests}, {"errors", c.errors}, {"latency", buckets}};
}

rollout::WindowCounts counts_from(const Json& j) {
  rollout::WindowCounts c;
  c.seen = field<bool>(j, "seen", "window counts");
  c.requests = field<double>(j, "requests", "window counts");
  c.errors = field<double>(j, "errors", "window counts");
  for (const auto& b : j.at("latency")) {
    judge::HistogramBucket bucket;
    bucket.upper_bound =
        b.at(0).is_string() ? std::numeric_limits<double>::infinity() : b.at(0).get<double>();
    bucket.cumulative_count = b.at(1).get<double>();
    c.latency.push_back(bucket);
  }
  return c;
}

Json split_json(const rollout::SplitChange& split) {
  return Json{{"treatment_bp", split.treatment_bp},
              {"cohorts", split.cohorts},
              {"control_to_all", split.control_to_all}};
}

}  // namespace

std::string rfc3339(TimePoint at) {
  return store::format_rfc3339_ms(at);
}

std::string state_to_json(const rollout::RolloutState& s) {
  return Json{{"flag", s.flag},
              {"phase", rollout::to_string(s.phase)},
              {"stage", s.stage},
              {"treatment_bp", s.treatment_bp},
              {"stage_started_at_ms", to_ms(s.stage_started_at)},
              {"window_started_at_ms", to_ms(s.window_started_at)},
              {"sequence", s.sequence},
              {"healthy_intervals", s.healthy_intervals},
              {"no_data_intervals", s.no_data_intervals},
              {"pause_cause", rollout::to_string(s.pause_cause)},
              {"paused_by", s.paused_by},
              {"pause_reason", s.pause_reason},
              {"resume_to", rollout::to_string(s.resume_to)}}
      .dump();
}

rollout::RolloutState state_from_json(const std::string& text) {
  const std::string what = "rollout state";
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    throw std::runtime_error(what + ": not JSON: " + e.what());
  }
  rollout::RolloutState s;
  s.flag = field<std::string>(j, "flag", what);
  auto phase = rollout::parse_phase(field<std::string>(j, "phase", what));
  if (!phase) throw std::runtime_error(what + ": unknown phase");
  s.phase = *phase;
  s.stage = field<std::size_t>(j, "stage", what);
  s.treatment_bp = field<std::uint32_t>(j, "treatment_bp", what);
  s.stage_started_at = from_ms(field<std::int64_t>(j, "stage_started_at_ms", what));
  s.window_started_at = from_ms(field<std::int64_t>(j, "window_started_at_ms", what));
  s.sequence = field<std::uint64_t>(j, "sequence", what);
  s.healthy_intervals = field<std::uint32_t>(j, "healthy_intervals", what);
  s.no_data_intervals = field<std::uint32_t>(j, "no_data_intervals", what);
  auto cause = rollout::parse_pause_cause(field<std::string>(j, "pause_cause", what));
  if (!cause) throw std::runtime_error(what + ": unknown pause_cause");
  s.pause_cause = *cause;
  s.paused_by = field<std::string>(j, "paused_by", what);
  s.pause_reason = field<std::string>(j, "pause_reason", what);
  auto resume_to = rollout::parse_phase(field<std::string>(j, "resume_to", what));
  if (!resume_to) throw std::runtime_error(what + ": unknown resume_to");
  s.resume_to = *resume_to;
  return s;
}

std::string window_to_json(const rollout::AnalysisWindow& w) {
  return Json{{"started_at_ms", to_ms(w.started_at)},
              {"last_tick_ms", to_ms(w.last_tick)},
              {"intervals", w.intervals},
              {"treatment", counts_json(w.treatment)},
              {"control", counts_json(w.control)}}
      .dump();
}

rollout::AnalysisWindow window_from_json(const std::string& text) {
  const std::string what = "analysis window";
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    throw std::runtime_error(what + ": not JSON: " + e.what());
  }
  rollout::AnalysisWindow w;
  w.started_at = from_ms(field<std::int64_t>(j, "started_at_ms", what));
  w.last_tick = from_ms(field<std::int64_t>(j, "last_tick_ms", what));
  w.intervals = field<std::uint32_t>(j, "intervals", what);
  try {
    w.treatment = counts_from(j.at("treatment"));
    w.control = counts_from(j.at("control"));
  } catch (const Json::exception& e) {
    throw std::runtime_error(what + ": " + e.what());
  }
  return w;
}

Json evidence_json(const judge::Judgement& judgement) {
  Json checks = Json::array();
  for (const auto& c : judgement.checks) {
    // The sample ratio's values are request counts too.
    const bool counts = c.check == "sample_ratio";
    Json check{{"check", c.check},
               {"verdict", judge::to_string(c.verdict)},
               {"treatment", counts ? whole(c.treatment_value) : number(c.treatment_value)},
               {"control", counts ? whole(c.control_value) : number(c.control_value)},
               {"treatment_samples", whole(c.treatment_samples)},
               {"control_samples", whole(c.control_samples)},
               {"effect", number(c.effect)},
               {"threshold", number(c.effect_threshold)},
               {"statistic", number(c.statistic)},
               {"statistic_threshold", number(c.statistic_threshold)},
               {"p_value", number(c.p_value)},
               {"elevated", c.elevated},
               {"explanation", c.explanation}};
    // What the judge computed with, as measured, for anyone checking the arithmetic.
    if (counts) {
      check["treatment_raw"] = number(c.treatment_value);
      check["control_raw"] = number(c.control_value);
    }
    check["treatment_samples_raw"] = number(c.treatment_samples);
    check["control_samples_raw"] = number(c.control_samples);
    checks.push_back(std::move(check));
  }
  return Json{{"overall", judge::to_string(judgement.overall)},
              {"summary", judgement.summary},
              {"checks", checks}};
}

store::DecisionRecord decision_record(const rollout::Decision& d, std::int64_t rollout_id,
                                      const std::string& flag) {
  store::DecisionRecord r;
  r.rollout_id = rollout_id;
  r.sequence = static_cast<std::int64_t>(d.next.sequence);
  r.flag = flag;
  r.at = rfc3339(d.at);
  r.actor = d.actor;
  r.kind = std::string(rollout::to_string(d.kind));
  r.from_phase = std::string(rollout::to_string(d.from_phase));
  r.to_phase = std::string(rollout::to_string(d.next.phase));
  r.from_stage = static_cast<std::int64_t>(d.from_stage);
  r.to_stage = static_cast<std::int64_t>(d.next.stage);
  r.from_bp = d.from_bp;
  r.to_bp = d.next.treatment_bp;
  r.verdict = d.evidence ? std::string(judge::to_string(d.evidence->overall)) : std::string();
  r.reason = d.reason;
  r.sentence = d.sentence;
  Json evidence = d.evidence ? evidence_json(*d.evidence) : Json(nullptr);
  if (d.effects.split) {
    if (evidence.is_null()) evidence = Json::object();
    evidence["split"] = split_json(*d.effects.split);
  }
  if (d.anomaly) {
    // What the anomaly model said of this interval (docs/anomaly.md), abstentions included.
    if (evidence.is_null()) evidence = Json::object();
    evidence["anomaly"] = Json::parse(anomaly::assessment_to_json(*d.anomaly));
  }
  r.evidence_json = evidence.dump();
  return r;
}

Json decision_view(const store::DecisionRecord& r) {
  Json evidence = Json::parse(r.evidence_json.empty() ? "null" : r.evidence_json, nullptr, false);
  return Json{{"sequence", r.sequence},
              {"at", r.at},
              {"flag", r.flag},
              {"actor", r.actor},
              {"kind", r.kind},
              {"from",
               {{"phase", r.from_phase},
                {"stage", r.from_stage + 1},
                {"percent", static_cast<double>(r.from_bp) / 100.0}}},
              {"to",
               {{"phase", r.to_phase},
                {"stage", r.to_stage + 1},
                {"percent", static_cast<double>(r.to_bp) / 100.0}}},
              {"verdict", r.verdict.empty() ? Json(nullptr) : Json(r.verdict)},
              {"reason", r.reason.empty() ? Json(nullptr) : Json(r.reason)},
              {"sentence", r.sentence},
              {"evidence", evidence.is_discarded() ? Json(nullptr) : evidence}};
}

Json rollout_view(const store::RolloutRecord& record, const Policy& policy,
                  const rollout::RolloutState& s) {
  const rollout::SplitChange split = rollout::served_split(policy, s);
  Json stage = nullptr;
  if (!policy.stages.empty() && s.phase != rollout::Phase::pending) {
    const PolicyStage& ps = policy.stages.at(std::min(s.stage, policy.stages.size() - 1));
    stage = Json{{"number", s.stage + 1}, {"of", policy.stages.size()}};
    if (ps.segment) stage["segment"] = *ps.segment;
    if (ps.basis_points) stage["percent"] = static_cast<double>(*ps.basis_points) / 100.0;
  }
  Json paused = nullptr;
  if (s.phase == rollout::Phase::paused) {
    paused = Json{{"cause", rollout::to_string(s.pause_cause)},
                  {"by", s.paused_by},
                  {"reason", s.pause_reason}};
  }
  return Json{{"id", record.id},
              {"flag", record.flag},
              {"phase", rollout::to_string(s.phase)},
              {"active", record.active},
              {"stage", stage},
              {"treatment", policy.treatment},
              {"control", policy.control},
              {"treatment_percent", static_cast<double>(s.treatment_bp) / 100.0},
              {"serving", split_json(split)},
              {"paused", paused},
              {"stage_started_at", rfc3339(s.stage_started_at)},
              {"window_started_at", rfc3339(s.window_started_at)},
              {"sequence", record.sequence},
              {"started_by", record.started_by},
              {"created_at", record.created_at},
              {"updated_at", record.updated_at}};
}

}  // namespace sluice::controller
