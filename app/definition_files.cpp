#include "definition_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace sluice::app {
namespace {

namespace fs = std::filesystem;

bool is_definition_file(const fs::path& path) {
  const auto ext = path.extension();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

bool names_a_policy(std::string_view key) {
  return key == "policies" || key == "flag" || key == "stages" || key == "treatment";
}

// Looks only at top-level keys: unindented `key:` lines in YAML, `"key":` anywhere in JSON
// (policy-only words do not appear in flag JSON).
bool is_policy_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (path.extension() == ".json") {
    for (const char* key : {"\"policies\"", "\"stages\"", "\"treatment\""}) {
      if (text.find(key) != std::string::npos) return true;
    }
    return false;
  }
  std::istringstream lines(text);
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
  std::set<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && is_definition_file(it->path())) {
          files.insert(it->path().string());
        }
      }
    } else if (fs::exists(path, ec)) {
      files.insert(path);
    } else {
      // The flag reader words this problem; hand it the path so the message is the same.
      out.flag_files.push_back(path);
    }
  }
  for (const auto& file : files) {
    (is_policy_file(file) ? out.policy_files : out.flag_files).push_back(file);
  }
  return out;
}

}  // namespace sluice::app
