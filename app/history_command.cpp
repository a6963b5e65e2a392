// `sluice history import|export`: the deployment history the anomaly model learns from, read
// from or written to a file, directly in the store (like `sluice token`). Formats: docs/history.md.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "commands.hpp"
#include "sluice/anomaly.hpp"
#include "sluice/json_text_check.hpp"
#include "sluice/store/clock.hpp"
#include "sluice/store/errors.hpp"
#include "sluice/store/store.hpp"

namespace sluice::app {
namespace {

using Json = nlohmann::ordered_json;

// A problem in the input file: "FILE:LINE: message".
class InputError : public std::runtime_error {
 public:
  InputError(const std::string& file, int line, const std::string& message)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " + message) {}
};

bool known_outcome(std::string_view outcome) {
  return outcome == "completed" || outcome == "rolled_back_auto" ||
         outcome == "rolled_back_manual" || outcome == "aborted";
}

// ---- JSON with line numbers ----

// The line of every JSON value, in document order (pre-order: a container before its members).
// nlohmann::json keeps no positions; ordered_json keeps members in document order, so walking
// the parsed document in pre-order meets the values in the same order as this scan.
std::vector<int> value_lines(const std::string& text) {
  std::vector<int> lines;
  std::vector<char> stack;  // '{' or '['
  bool expect_value = true;
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (c == '"') {
      if (expect_value) {
        lines.push_back(line);
        expect_value = false;
      }
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\')
          ++i;
        else if (text[i] == '\n')
          ++line;
      }
      continue;
    }
    if (c == ']' || c == '}') {
      if (!stack.empty()) stack.pop_back();
      expect_value = false;
      continue;
    }
    if (c == ':') {
      expect_value = true;
      continue;
    }
    if (c == ',') {
      expect_value = !stack.empty() && stack.back() == '[';
      continue;
    }
    if (expect_value) {
      lines.push_back(line);
      expect_value = false;
    }
    if (c == '{') stack.push_back('{');
    if (c == '[') {
      stack.push_back('[');
      expect_value = true;
    }
  }
  return lines;
}

class JsonLines {
 public:
  JsonLines(const Json& document, const std::string& text) {
    const std::vector<int> lines = value_lines(text);
    std::size_t next = 0;
    walk(document, lines, next);
  }
  int of(const Json& value) const {
    auto it = lines_.find(&value);
    return it == lines_.end() ? 1 : it->second;
  }

 private:
  void walk(const Json& value, const std::vector<int>& lines, std::size_t& next) {
    lines_[&value] = next < lines.size() ? lines[next] : (lines.empty() ? 1 : lines.back());
    ++next;
    if (value.is_object() || value.is_array()) {
      for (const auto& member : value)
        walk(member, lines, next);
    }
  }
  std::unordered_map<const Json*, int> lines_;
};

struct Stage {
  long long stage = 0;  // 1-based in the file, as the API shows it; 0-based in stages_json
  double percent = 0;
  std::map<std::string, double> features;
  std::vector<std::string> lower_is_worse;  // custom features where lower is worse
};

namespace feature = anomaly::feature;
const std::vector<std::string_view> kCanonical = {
    feature::error_rate_ratio,  feature::error_rate_diff,        feature::error_rate_z,
    feature::latency_p95_ratio, feature::latency_p50_ratio,      feature::treatment_share,
    feature::log_requests,      feature::time_in_stage_intervals};
const std::vector<std::string_view> kContext = {feature::treatment_share, feature::log_requests,
                                                feature::time_in_stage_intervals};

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

struct Rollout {
  std::string id;
  std::string flag;
  std::string outcome;
  std::string started_at;
  std::string finished_at;
  std::vector<Stage> stages;
};

std::string canonical(const std::string& text) {
  auto normalized = store::normalize_rfc3339(text);
  return normalized ? *normalized : std::string();
}

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

std::vector<Rollout> read_json(const std::string& file, const std::string& text) {
  Json document;
  // JsonLines and the checks below recurse with the document.
  if (const auto check = check_json_text(text, kMaxFileNestingDepth); !check.ok()) {
    const auto before = text.begin() + static_cast<long>(check.offset);
    throw InputError(file, 1 + static_cast<int>(std::count(text.begin(), before, '\n')),
                     "the JSON " + describe(check.problem, kMaxFileNestingDepth));
  }
  try {
    document = Json::parse(text);
  } catch (const Json::parse_error& e) {
    // e.byte is 1-based: the line is 1 + the newlines before it.
    const std::size_t end = std::min<std::size_t>(e.byte, text.size());
    const int line =
        1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(end), '\n'));
    throw InputError(file, line, std::string("not JSON: ") + e.what());
  }
  const JsonLines lines(document, text);
  if (!document.is_object()) throw InputError(file, 1, "expected an object");
  auto version = document.find("schema_version");
  if (version == document.end()) throw InputError(file, 1, "missing 'schema_version'");
  if (!version->is_number_integer() || version->get<long long>() != 1) {
    throw InputError(file, lines.of(*version), "'schema_version' must be 1");
  }
  auto list = document.find("rollouts");
  if (list == document.end() || !list->is_array()) {
    throw InputError(file, list == document.end() ? 1 : lines.of(*list),
                     "'rollouts' must be an array");
  }
  std::vector<Rollout> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    const std::string where = "rollouts[" + std::to_string(i) + "]";
    if (!item.is_object()) throw InputError(file, lines.of(item), where + ": expected an object");
    auto fail_at = [&](const Json& object, const std::string& prefix) {
      return [&, prefix](const std::string& field, const std::string& message) {
        auto it = object.find(field);
        throw InputError(file, lines.of(it == object.end() ? object : *it),
                         prefix + ": " + message);
      };
    };
    auto text_field = [&](const char* name) {
      auto it = item.find(name);
      if (it == item.end()) {
        throw InputError(file, lines.of(item), where + ": missing '" + name + "'");
      }
      if (!it->is_string()) {
        throw InputError(file, lines.of(*it), where + ": '" + name + "' must be a string");
      }
      return it->get<std::string>();
    };
    Rollout r;
    r.id = text_field("id");
    r.flag = text_field("flag");
    r.outcome = text_field("outcome");
    r.started_at = text_field("started_at");
    r.finished_at = text_field("finished_at");
    check_rollout(r, fail_at(item, where));
    auto stages = item.find("stages");
    if (stages == item.end() || !stages->is_array()) {
      throw InputError(file, stages == item.end() ? lines.of(item) : lines.of(*stages),
                       where + ": 'stages' must be an array");
    }
    for (std::size_t j = 0; j < stages->size(); ++j) {
      const Json& s = (*stages)[j];
      const std::string swhere = where + ".stages[" + std::to_string(j) + "]";
      if (!s.is_object()) throw InputError(file, lines.of(s), swhere + ": expected an object");
      Stage stage;
      auto number = s.find("stage");
      if (number == s.end() || !number->is_number_integer()) {
        throw InputError(file, lines.of(number == s.end() ? s : *number),
                         swhere + ": 'stage' must be an integer");
      }
      stage.stage = number->get<long long>();
      auto percent = s.find("percent");
      if (percent == s.end() || !percent->is_number()) {
        throw InputError(file, lines.of(percent == s.end() ? s : *percent),
                         swhere + ": 'percent' must be a number");
      }
      stage.percent = percent->get<double>();
      auto features = s.find("features");
      if (features == s.end() || !features->is_object()) {
        throw InputError(file, lines.of(features == s.end() ? s : *features),
                         swhere + ": 'features' must be an object of numbers");
      }
      for (const auto& [name, value] : features->items()) {
        if (!value.is_number()) {
          throw InputError(file, lines.of(value),
                           swhere + ": feature '" + name + "' must be a number");
        }
        stage.features[name] = value.get<double>();
      }
      if (auto lower = s.find("lower_is_worse"); lower != s.end()) {
        if (!lower->is_array()) {
          throw InputError(file, lines.of(*lower),
                           swhere + ": 'lower_is_worse' must be a list of feature names");
        }
        for (const Json& name : *lower) {
          if (!name.is_string()) {
            throw InputError(file, lines.of(name), swhere + ": 'lower_is_worse' lists names");
          }
          stage.lower_is_worse.push_back(name.get<std::string>());
        }
      }
      for (const auto& [member, value] : s.items()) {
        if (member != "stage" && member != "percent" && member != "features" &&
            member != "lower_is_worse") {
          throw InputError(file, lines.of(value), swhere + ": unknown field '" + member + "'");
        }
      }
      auto fail = [&](const std::string& field, const std::string& message) {
        const Json* at = &s;
        if (auto it = s.find(field); it != s.end())
          at = &*it;
        else if (auto f = features->find(field); f != features->end())
          at = &*f;
        throw InputError(file, lines.of(*at), swhere + ": " + message);
      };
      check_stage(stage, fail);
      r.stages.push_back(std::move(stage));
    }
    out.push_back(std::move(r));
  }
  return out;
}

// ---- CSV ----

// One record of comma-separated fields; "..." quotes a field ("" inside is one quote).
std::vector<std::string> csv_fields(const std::string& line, const std::string& file, int number) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  if (quoted) throw InputError(file, number, "unterminated quoted field");
  return fields;
}

std::string csv_quote(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  std::size_t used = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size();
}

const std::vector<std::string> kCsvFixed = {"id",          "flag",  "outcome", "started_at",
                                            "finished_at", "stage", "percent"};

std::vector<Rollout> read_csv(const std::string& file, const std::string& text) {
  std::istringstream in(text);
  std::string line;
  int number = 0;
  std::vector<std::string> header;
  while (header.empty() && std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") != std::string::npos)
      header = csv_fields(line, file, number);
  }
  if (header.empty()) throw InputError(file, 1, "empty file: expected a header line");
  for (std::size_t c = 0; c < kCsvFixed.size(); ++c) {
    if (c >= header.size() || header[c] != kCsvFixed[c]) {
      throw InputError(file, number,
                       "the header must begin id,flag,outcome,started_at,finished_at,stage,"
                       "percent (column " +
                           std::to_string(c + 1) + ")");
    }
  }
  std::vector<Rollout> out;
  std::map<std::string, std::size_t> index;  // id -> position in out
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto fields = csv_fields(line, file, number);
    if (fields.size() != header.size()) {
      throw InputError(file, number,
                       "expected " + std::to_string(header.size()) +
                           " fields like the header, found " + std::to_string(fields.size()));
    }
    auto fail = [&](const std::string& field, const std::string& message) {
      throw InputError(file, number, "column '" + field + "': " + message);
    };
    Rollout r{fields[0], fields[1], fields[2], fields[3], fields[4], {}};
    check_rollout(r, fail);
    Stage stage;
    double value = 0;
    if (!parse_number(fields[5], value) || value != std::floor(value)) {
      fail("stage", "'stage' must be an integer, not '" + fields[5] + "'");
    }
    stage.stage = static_cast<long long>(value);
    if (!parse_number(fields[6], stage.percent)) {
      fail("percent", "'percent' must be a number, not '" + fields[6] + "'");
    }
    for (std::size_t c = kCsvFixed.size(); c < header.size(); ++c) {
      if (fields[c].empty()) continue;  // not measured in this stage
      if (!parse_number(fields[c], value)) {
        fail(header[c], "not a number: '" + fields[c] + "'");
      }
      stage.features[header[c]] = value;
    }
    check_stage(stage, fail);
    auto [it, inserted] = index.emplace(r.id, out.size());
    if (inserted) {
      out.push_back(std::move(r));
    } else {
      const Rollout& first = out[it->second];
      if (first.flag != r.flag || first.outcome != r.outcome || first.started_at != r.started_at ||
          first.finished_at != r.finished_at) {
        fail("id", "rollout '" + r.id + "' has other flag, outcome or times than on its first row");
      }
    }
    out[it->second].stages.push_back(std::move(stage));
  }
  return out;
}

// Whole numbers without a fraction (5, not 5.0), others as JSON writes them (shortest exact).
Json number_json(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return Json(static_cast<long long>(value));
  }
  return Json(value);
}

std::string format_number(double value) {
  return number_json(value).dump();
}

// ---- records ----

// The file's stages in the form of store::RolloutHistoryRecord::stages_json (sluice/anomaly.hpp,
// stages_to_json): 0-based stage index, features in canonical order, the lists of features that
// are not "higher is worse".
Json stages_json(const std::vector<Stage>& stages) {
  Json out = Json::array();
  for (const Stage& s : stages) {
    Json features = Json::object();
    Json context = Json::array();
    for (auto name : kCanonical) {
      auto it = s.features.find(std::string(name));
      if (it == s.features.end()) continue;
      features[std::string(name)] = it->second;
      if (std::find(kContext.begin(), kContext.end(), name) != kContext.end())
        context.push_back(std::string(name));
    }
    for (const auto& [name, value] : s.features) {
      if (is_custom(name)) features[name] = value;
    }
    Json stage{{"stage", s.stage - 1}, {"percent", s.percent}, {"features", features}};
    if (!s.lower_is_worse.empty()) stage["lower_is_worse"] = s.lower_is_worse;
    if (!context.empty()) stage["context"] = context;
    out.push_back(std::move(stage));
  }
  return out;
}

// The file's form of a stored row's stages (features not measured, null, are left out).
Json file_stages_json(const std::vector<Stage>& stages) {
  Json out = Json::array();
  for (const Stage& s : stages) {
    Json features = Json::object();
    for (auto name : kCanonical) {
      if (auto it = s.features.find(std::string(name)); it != s.features.end())
        features[std::string(name)] = number_json(it->second);
    }
    for (const auto& [name, value] : s.features) {
      if (is_custom(name)) features[name] = number_json(value);
    }
    Json stage{{"stage", s.stage}, {"percent", number_json(s.percent)}, {"features", features}};
    if (!s.lower_is_worse.empty()) stage["lower_is_worse"] = s.lower_is_worse;
    out.push_back(std::move(stage));
  }
  return out;
}

std::vector<Stage> stages_from_json(const std::string& text, const std::string& key) {
  std::vector<Stage> out;
  const Json j = Json::parse(text, nullptr, false);
  if (!j.is_array()) throw std::runtime_error("history row " + key + ": stages are not a list");
  for (const Json& s : j) {
    Stage stage;
    stage.stage = s.value("stage", 0LL) + 1;
    stage.percent = s.value("percent", 0.0);
    if (auto f = s.find("features"); f != s.end() && f->is_object()) {
      for (const auto& [name, value] : f->items()) {
        if (value.is_number()) stage.features[name] = value.get<double>();
      }
    }
    if (auto lower = s.find("lower_is_worse"); lower != s.end() && lower->is_array()) {
      for (const Json& name : *lower) {
        if (name.is_string()) stage.lower_is_worse.push_back(name.get<std::string>());
      }
    }
    out.push_back(std::move(stage));
  }
  return out;
}

store::RolloutHistoryRecord to_record(const Rollout& r) {
  store::RolloutHistoryRecord record;
  record.key = r.id;
  record.flag = r.flag;
  record.outcome = r.outcome;
  record.source = "import";
  record.started_at = r.started_at;
  record.finished_at = r.finished_at;
  record.stages_json = stages_json(r.stages).dump();
  return record;
}

void write_json(const std::vector<store::RolloutHistoryRecord>& rows) {
  Json rollouts = Json::array();
  for (const auto& row : rows) {
    rollouts.push_back(
        Json{{"id", row.key},
             {"flag", row.flag},
             {"outcome", row.outcome},
             {"started_at", row.started_at},
             {"finished_at", row.finished_at},
             {"stages", file_stages_json(stages_from_json(row.stages_json, row.key))}});
  }
  std::cout << Json{{"schema_version", 1}, {"rollouts", rollouts}}.dump(2) << "\n";
}

void write_csv(const std::vector<store::RolloutHistoryRecord>& rows) {
  std::vector<std::pair<const store::RolloutHistoryRecord*, std::vector<Stage>>> parsed;
  std::map<std::string, int> present;
  for (const auto& row : rows) {
    parsed.emplace_back(&row, stages_from_json(row.stages_json, row.key));
    for (const Stage& s : parsed.back().second) {
      for (const auto& entry : s.features)
        present[entry.first] = 0;
    }
  }
  // The canonical features (all of them, so every export has the same columns), then custom
  // ones by name.
  std::vector<std::string> names(kCanonical.begin(), kCanonical.end());
  for (const auto& entry : present) {
    if (is_custom(entry.first)) names.push_back(entry.first);
  }
  std::string out;
  for (std::size_t c = 0; c < kCsvFixed.size(); ++c)
    out += (c ? "," : "") + kCsvFixed[c];
  for (const auto& name : names)
    out += "," + csv_quote(name);
  out += "\n";
  for (const auto& [row, stages] : parsed) {
    for (const Stage& s : stages) {
      out += csv_quote(row->key) + "," + csv_quote(row->flag) + "," + row->outcome + "," +
             row->started_at + "," + row->finished_at + "," + std::to_string(s.stage) + "," +
             format_number(s.percent);
      for (const auto& name : names) {
        out += ",";
        if (auto it = s.features.find(name); it != s.features.end())
          out += format_number(it->second);
      }
      out += "\n";
    }
  }
  std::cout << out;
}

std::string format_of(const HistoryOptions& options) {
  if (!options.format.empty()) return options.format;
  const std::string& f = options.file;
  if (f.size() >= 4 && f.compare(f.size() - 4, 4, ".csv") == 0) return "csv";
  return "json";
}

std::vector<store::RolloutHistoryRecord> read_history_file(const std::string& path,
                                                           const std::string& format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const auto rollouts = format == "csv" ? read_csv(path, text) : read_json(path, text);
  std::vector<store::RolloutHistoryRecord> records;
  records.reserve(rollouts.size());
  for (const auto& r : rollouts)
    records.push_back(to_record(r));
  return records;
}

}  // namespace

int run_history(const HistoryOptions& options) {
  const std::string name = "sluice history " + options.action;
  try {
    if (options.action == "import") {
      if (options.file.empty()) {
        fmt::print(stderr, "{}: FILE is required\n", name);
        return kExitUsage;
      }
      const auto records = read_history_file(options.file, format_of(options));
      auto store = store::open_store(options.store);
      store->migrate();
      const auto result = store->import_history(records, "cli");
      fmt::print("imported {} rollouts from {} ({} already present, kept as they were)\n",
                 result.inserted, options.file, result.duplicates);
      return kExitOk;
    }
    if (options.action == "export") {
      if (!options.file.empty()) {
        fmt::print(stderr, "{}: writes to standard output; takes no FILE\n", name);
        return kExitUsage;
      }
      auto store = store::open_store(options.store);
      store->migrate();
      const auto rows = store->list_history();
      if (options.format == "csv")
        write_csv(rows);
      else
        write_json(rows);
      return kExitOk;
    }
    fmt::print(stderr, "sluice history: unknown action '{}' (import, export)\n", options.action);
    return kExitUsage;
  } catch (const store::StoreError& e) {
    fmt::print(stderr, "{}: {}\n", name, e.what());
    return kExitInvalid;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", name, e.what());
    return kExitInvalid;
  }
}

}  // namespace sluice::app
