// JSON of the anomaly model: per-stage feature vectors (stages_json), history files, and the
// assessment in decision evidence. Strict parsing with errors that name the place.

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "sluice/anomaly.hpp"

namespace sluice::anomaly {
namespace {

using Json = nlohmann::ordered_json;

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Json number_or_null(double v) {
  return std::isfinite(v) ? Json(v) : Json(nullptr);
}

bool canonical(std::string_view name) {
  for (std::string_view n :
       {feature::error_rate_ratio, feature::error_rate_diff, feature::error_rate_z,
        feature::latency_p95_ratio, feature::latency_p50_ratio, feature::treatment_share,
        feature::log_requests, feature::time_in_stage_intervals})
    if (n == name) return true;
  return name.size() > feature::custom_prefix.size() &&
         name.substr(0, feature::custom_prefix.size()) == feature::custom_prefix;
}

std::string type_name(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw Error(where + ": " + what);
}

void only_members(const Json& j, const std::string& where,
                  std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    for (std::string_view a : allowed)
      ok = ok || a == key;
    if (!ok) fail(where + "." + key, "unknown member");
  }
}

const Json& member(const Json& j, const std::string& where, const char* name) {
  if (!j.contains(name)) fail(where, std::string("missing member \"") + name + "\"");
  return j.at(name);
}

Json stage_json(const StageFeatures& s) {
  Json features = Json::object();
  Json lower = Json::array();
  Json context = Json::array();
  for (const Feature& f : s.features.features) {
    features[f.name] = number_or_null(f.value);
    if (f.worse == Worse::lower) lower.push_back(f.name);
    if (f.worse == Worse::neither) context.push_back(f.name);
  }
  Json j = Json::object();
  j["stage"] = s.stage;
  j["percent"] = static_cast<double>(s.treatment_bp) / 100.0;
  j["features"] = std::move(features);
  if (!lower.empty()) j["lower_is_worse"] = std::move(lower);
  if (!context.empty()) j["context"] = std::move(context);
  return j;
}

std::set<std::string> name_list(const Json& j, const std::string& where) {
  if (!j.is_array()) fail(where, "expected an array of feature names, got " + type_name(j));
  std::set<std::string> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string())
      fail(where + "[" + std::to_string(i) + "]", "expected a string, got " + type_name(j[i]));
    out.insert(j[i].get<std::string>());
  }
  return out;
}

StageFeatures stage_from(const Json& j, const std::string& where) {
  if (!j.is_object()) fail(where, "expected an object, got " + type_name(j));
  only_members(j, where, {"stage", "percent", "features", "lower_is_worse", "context"});
  StageFeatures s;
  const Json& stage = member(j, where, "stage");
  if (!stage.is_number_integer() || stage.get<long long>() < 0)
    fail(where + ".stage", "expected a whole number >= 0, got " + stage.dump());
  s.stage = stage.get<std::size_t>();
  const Json& percent = member(j, where, "percent");
  if (!percent.is_number() || !(percent.get<double>() >= 0) || percent.get<double>() > 100)
    fail(where + ".percent", "expected a number from 0 to 100, got " + percent.dump());
  s.treatment_bp = static_cast<std::uint32_t>(std::llround(percent.get<double>() * 100));
  const Json& features = member(j, where, "features");
  if (!features.is_object())
    fail(where + ".features", "expected an object, got " + type_name(features));
  std::set<std::string> lower, context;
  if (j.contains("lower_is_worse"))
    lower = name_list(j.at("lower_is_worse"), where + ".lower_is_worse");
  if (j.contains("context")) context = name_list(j.at("context"), where + ".context");
  for (const auto& [name, value] : features.items()) {
    const std::string at = where + ".features." + name;
    if (!canonical(name))
      fail(at, "unknown feature (expected one of the canonical names or custom:<name>)");
    if (!value.is_null() && !value.is_number())
      fail(at, "expected a number or null, got " + type_name(value));
    const bool is_lower = lower.count(name) > 0;
    const bool is_context = context.count(name) > 0;
    if (is_lower && is_context) fail(at, "listed in both lower_is_worse and context");
    s.features.features.push_back(Feature{name, value.is_null() ? kMissing : value.get<double>(),
                                          is_lower     ? Worse::lower
                                          : is_context ? Worse::neither
                                                       : Worse::higher});
  }
  for (const std::string& n : lower)
    if (!features.contains(n)) fail(where + ".lower_is_worse", "\"" + n + "\" is not a feature");
  for (const std::string& n : context)
    if (!features.contains(n)) fail(where + ".context", "\"" + n + "\" is not a feature");
  return s;
}

std::vector<StageFeatures> stages_from(const Json& j, const std::string& where) {
  if (!j.is_array()) fail(where, "expected an array of stages, got " + type_name(j));
  std::vector<StageFeatures> out;
  std::set<std::size_t> seen;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    StageFeatures s = stage_from(j[i], at);
    if (!seen.insert(s.stage).second)
      fail(at + ".stage", "stage " + std::to_string(s.stage) + " appears twice");
    out.push_back(std::move(s));
  }
  return out;
}

Json parse(std::string_view text) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(std::string("not JSON: ") + e.what());
  }
}

}  // namespace

std::string stages_to_json(std::span<const StageFeatures> stages) {
  Json j = Json::array();
  for (const StageFeatures& s : stages)
    j.push_back(stage_json(s));
  return j.dump();
}

Parsed<std::vector<StageFeatures>> stages_from_json(std::string_view text) {
  Parsed<std::vector<StageFeatures>> r;
  try {
    r.value = stages_from(parse(text), "stages");
  } catch (const Error& e) {
    r.error = e.what();
  }
  return r;
}

std::string history_to_json(std::span<const HistoryEntry> entries) {
  Json j = Json::array();
  for (const HistoryEntry& e : entries) {
    Json stages = Json::array();
    for (const StageFeatures& s : e.stages)
      stages.push_back(stage_json(s));
    Json o = Json::object();
    o["key"] = e.key;
    o["flag"] = e.flag;
    o["outcome"] = std::string(to_string(e.outcome));
    if (!e.started_at.empty()) o["started_at"] = e.started_at;
    if (!e.finished_at.empty()) o["finished_at"] = e.finished_at;
    o["stages"] = std::move(stages);
    j.push_back(std::move(o));
  }
  return j.dump(2);
}

Parsed<std::vector<HistoryEntry>> history_from_json(std::string_view text) {
  Parsed<std::vector<HistoryEntry>> r;
  try {
    const Json j = parse(text);
    if (!j.is_array()) fail("entries", "expected an array of entries, got " + type_name(j));
    std::vector<HistoryEntry> out;
    std::set<std::string> keys;
    for (std::size_t i = 0; i < j.size(); ++i) {
      std::string where = "entries[" + std::to_string(i) + "]";
      const Json& e = j[i];
      if (!e.is_object()) fail(where, "expected an object, got " + type_name(e));
      HistoryEntry h;
      const Json& key = member(e, where, "key");
      if (!key.is_string() || key.get<std::string>().empty())
        fail(where + ".key", "expected a non-empty string, got " + key.dump());
      h.key = key.get<std::string>();
      where += " (key " + h.key + ")";
      only_members(e, where, {"key", "flag", "outcome", "started_at", "finished_at", "stages"});
      if (!keys.insert(h.key).second) fail(where + ".key", "duplicate key");
      const Json& flag = member(e, where, "flag");
      if (!flag.is_string() || flag.get<std::string>().empty())
        fail(where + ".flag", "expected a non-empty string, got " + flag.dump());
      h.flag = flag.get<std::string>();
      const Json& outcome = member(e, where, "outcome");
      const std::optional<Outcome> o =
          outcome.is_string() ? parse_outcome(outcome.get<std::string>()) : std::nullopt;
      if (!o)
        fail(where + ".outcome",
             "expected completed, rolled_back_auto, rolled_back_manual or aborted, got " +
                 outcome.dump());
      h.outcome = *o;
      for (const char* name : {"started_at", "finished_at"}) {
        if (!e.contains(name)) continue;
        if (!e.at(name).is_string())
          fail(where + "." + name, "expected a string, got " + type_name(e.at(name)));
        (std::string_view(name) == "started_at" ? h.started_at : h.finished_at) =
            e.at(name).get<std::string>();
      }
      h.stages = stages_from(member(e, where, "stages"), where + ".stages");
      out.push_back(std::move(h));
    }
    r.value = std::move(out);
  } catch (const Error& e) {
    r.error = e.what();
  }
  return r;
}

std::string assessment_to_json(const Assessment& a) {
  Json j = Json::object();
  j["abstained"] = a.abstained;
  j["reason"] = a.reason;
  j["score"] = number_or_null(a.score);
  j["history"] = a.history;
  j["min_history"] = a.min_history;
  Json top = Json::array();
  for (const Contribution& c : a.top)
    top.push_back(Json{{"feature", c.name},
                       {"value", number_or_null(c.value)},
                       {"healthy_median", number_or_null(c.healthy_median)},
                       {"robust_z", number_or_null(c.robust_z)}});
  j["top"] = std::move(top);
  Json nearest = Json::array();
  for (const Neighbour& n : a.nearest)
    nearest.push_back(Json{{"key", n.key},
                           {"flag", n.flag},
                           {"outcome", std::string(to_string(n.outcome))},
                           {"stage", n.stage},
                           {"percent", static_cast<double>(n.treatment_bp) / 100.0},
                           {"distance", number_or_null(n.distance)}});
  j["nearest"] = std::move(nearest);
  j["sentence"] = a.sentence;
  return j.dump();
}

}  // namespace sluice::anomaly
