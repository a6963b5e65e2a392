// `sluice history` in CSV: one row per stage, the rollout's fields repeated (docs/history.md).

#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "history_file.hpp"

namespace sluice::app::history_file {
namespace {

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

}  // namespace

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

void write_csv(const std::vector<store::RolloutHistoryRecord>& rows) {
  std::vector<std::pair<const store::RolloutHistoryRecord*, std::vector<Stage>>> parsed;
  std::map<std::string, int> present;
  for (const auto& row : rows) {
    parsed.emplace_back(&row, stages_of(row));
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

}  // namespace sluice::app::history_file
