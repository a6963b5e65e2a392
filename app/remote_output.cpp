#include "remote_output.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

namespace sluice::app {
namespace {

using Json = nlohmann::ordered_json;

void emit(YAML::Emitter& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      if (value.empty()) out << YAML::Flow;  // "{}" rather than a dangling block
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      if (value.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : value)
        emit(out, item);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      // A string that reads back as a number, a boolean or null keeps its type in quotes.
      const bool looks_typed = text.empty() || Json::parse(text, nullptr, false).is_primitive() ||
                               text == "~" || text == "Null" || text == "NULL" || text == "True" ||
                               text == "False";
      if (looks_typed) {
        out << YAML::DoubleQuoted << text;
      } else {
        out << text;
      }
      break;
    }
    case Json::value_t::boolean:
      out << (value.get<bool>() ? "true" : "false");
      break;
    case Json::value_t::null:
    case Json::value_t::discarded:
      out << YAML::Null;
      break;
    default:
      out << value.dump();  // numbers as JSON writes them
  }
}

}  // namespace

std::string json_to_yaml(const Json& value) {
  YAML::Emitter out;
  emit(out, value);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

bool print_structured(const Json& value, const std::string& output) {
  if (output == "json") {
    std::printf("%s\n", value.dump(2).c_str());
    return true;
  }
  if (output == "yaml") {
    std::fputs(json_to_yaml(value).c_str(), stdout);
    return true;
  }
  return false;
}

namespace {

// Columns are as wide as what a terminal shows: code points, not bytes (✔, ✖, ◌ are 3 bytes).
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

std::string Table::str() const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  std::string text;
  for (const auto& row : rows_) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    text += line + '\n';
  }
  return text;
}

void print_local_problems(Diagnostics problems) {
  std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) <
           std::tie(b.where.file, b.where.line, b.where.column);
  });
  for (const auto& d : problems)
    std::fprintf(stderr, "%s\n", d.format().c_str());
  std::fprintf(stderr, "sluice: %zu problem%s found; nothing was sent\n", problems.size(),
               problems.size() == 1 ? "" : "s");
}

std::string percent_text(double percent) {
  if (!std::isfinite(percent)) return "-";
  std::string text = fmt::format("{:.2f}", percent);
  while (text.back() == '0')
    text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text + "%";
}

std::string scalar_text(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  const auto total = static_cast<long long>(seconds);
  const long long h = total / 3600, m = total % 3600 / 60, s = total % 60;
  if (h > 0) return fmt::format("{}h{:02}m", h, m);
  if (m > 0) return fmt::format("{}m{:02}s", m, s);
  return fmt::format("{}s", s);
}

}  // namespace sluice::app
