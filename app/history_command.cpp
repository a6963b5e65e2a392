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
#include "history_file.hpp"
#include "sluice/anomaly.hpp"
#include "sluice/json_text_check.hpp"
#include "sluice/store/clock.hpp"
#include "sluice/store/errors.hpp"
#include "sluice/store/store.hpp"

namespace sluice::app {
namespace {

using namespace history_file;

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
// ---- records ----

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
store::RolloutHistoryRecord to_record(const Rollout& r) {
  store::RolloutHistoryRecord record;
  record.key = r.id;
  record.flag = r.flag;
  record.outcome = r.outcome;
  record.source = "import";
  record.started_at = r.started_at;
  record.finished_at = r.finished_at;
  record.stages_json = stages_json(r.stages);
  return record;
}

void write_json(const std::vector<store::RolloutHistoryRecord>& rows) {
  Json rollouts = Json::array();
  for (const auto& row : rows) {
    rollouts.push_back(Json{{"id", row.key},
                            {"flag", row.flag},
                            {"outcome", row.outcome},
                            {"started_at", row.started_at},
                            {"finished_at", row.finished_at},
                            {"stages", file_stages_json(stages_of(row))}});
  }
  std::cout << Json{{"schema_version", 1}, {"rollouts", rollouts}}.dump(2) << "\n";
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
