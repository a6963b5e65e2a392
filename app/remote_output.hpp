#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sluice/source_location.hpp"

// What the remote subcommands print: aligned tables for people, and the server's JSON as pretty
// JSON or as YAML for scripts (`-o json`, `-o yaml`).
namespace sluice::app {

// YAML of a JSON value (yaml-cpp's emitter: block style, strings quoted when they would read
// back as another type). Ends with a newline.
std::string json_to_yaml(const nlohmann::ordered_json& value);

// Prints `value` as `output` says ("json" or "yaml") and returns true; false for any other
// output (the caller prints its human form).
bool print_structured(const nlohmann::ordered_json& value, const std::string& output);

// Columns padded to their widest cell, two spaces apart; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string str() const;
  std::size_t size() const { return rows_.size() - 1; }

 private:
  std::vector<std::vector<std::string>> rows_;
};

// Problems of a local file, sorted by file and position, as `sluice validate` prints them, then
// "N problems found; nothing was sent", on standard error.
void print_local_problems(Diagnostics problems);

// 5 -> "5%", 2.5 -> "2.5%", 33.333 -> "33.33%".
std::string percent_text(double percent);
// A JSON scalar as text: strings without quotes, null as "-".
std::string scalar_text(const nlohmann::ordered_json& value);
// A duration in seconds as "4m05s", "1h02m", "12s".
std::string duration_text(double seconds);

}  // namespace sluice::app
