// Loading definitions from files and folders, and the checks that need all of them at once.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "sluice/definition_files.hpp"
#include "sluice/flag_loader.hpp"

namespace sluice {
namespace {

namespace fs = std::filesystem;

void report(Diagnostics& diagnostics, const std::string& file, std::string message) {
  diagnostics.push_back({{file, 0, 0, ""}, std::move(message)});
}

std::string describe(const SourceLocation& where) {
  if (where.line > 0) {
    return where.file + ':' + std::to_string(where.line) + ':' + std::to_string(where.column);
  }
  if (where.file.empty()) return where.path;
  return where.path.empty() ? where.file : where.file + ", " + where.path;
}

// Keys are unique across all files, so this cannot be checked file by file. The diagnostic goes
// at the second definition and names the first.
template <class Definition>
void report_duplicate_keys(const std::vector<Definition>& definitions, const char* what,
                           Diagnostics& diagnostics) {
  std::unordered_map<std::string, const SourceLocation*> first_seen;
  for (const auto& definition : definitions) {
    if (definition.key.empty()) continue;  // already reported as missing
    const auto [first, inserted] = first_seen.emplace(definition.key, &definition.where);
    if (!inserted) {
      diagnostics.push_back({definition.where, std::string("duplicate ") + what + " key '" +
                                                   definition.key + "' (first defined at " +
                                                   describe(*first->second) + ")"});
    }
  }
}

}  // namespace

namespace {

void load_into(const std::vector<std::string>& paths, LoadResult& result) {
  for (const auto& file : read_definition_files(paths, result.diagnostics)) {
    if (file.is_json()) {
      read_flag_json(file.text, file.path, result);
    } else {
      read_flag_yaml(file.text, file.path, result);
    }
  }

  report_duplicate_keys(result.definitions.flags, "flag", result.diagnostics);
  report_duplicate_keys(result.definitions.segments, "segment", result.diagnostics);
}

}  // namespace

LoadResult load_flag_paths(const std::vector<std::string>& paths) {
  LoadResult result;
  try {
    load_into(paths, result);
  } catch (const std::exception& e) {  // the loader promises not to throw
    report(result.diagnostics, "", std::string("cannot load definitions: ") + e.what());
  }
  return result;
}

}  // namespace sluice
