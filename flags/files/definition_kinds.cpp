#include <sstream>

#include "sluice/definition_files.hpp"

namespace sluice {
namespace {

bool names_a_policy(std::string_view key) {
  return key == "policies" || key == "flag" || key == "stages" || key == "treatment";
}

// Looks only at top-level keys: unindented `key:` lines in YAML, `"key":` anywhere in JSON
// (policy-only words do not appear in flag JSON).
bool is_policy_file(const DefinitionFile& file) {
  if (file.is_json()) {
    for (const char* key : {"\"policies\"", "\"stages\"", "\"treatment\""}) {
      if (file.text.find(key) != std::string::npos) return true;
    }
    return false;
  }
  std::istringstream lines(file.text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == '-') {
      continue;
    }
    const auto colon = line.find(':');
    if (colon != std::string::npos && names_a_policy(std::string_view(line).substr(0, colon))) {
      return true;
    }
  }
  return false;
}

}  // namespace

DefinitionFiles classify_definition_files(const std::vector<std::string>& paths) {
  DefinitionFiles out;
  for (const auto& file : read_definition_files(paths, out.problems)) {
    (is_policy_file(file) ? out.policy_files : out.flag_files).push_back(file.path);
  }
  return out;
}

}  // namespace sluice
