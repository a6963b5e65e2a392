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

#include "sluice/flag_loader.hpp"

namespace sluice {
namespace {

namespace fs = std::filesystem;

bool is_definition_file(const fs::path& path) {
  const std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

void report(Diagnostics& diagnostics, const std::string& file, std::string message) {
  diagnostics.push_back({{file, 0, 0, ""}, std::move(message)});
}

// The definition files under `folder`, recursively. Problems listing it are reported, and the
// files found so far are still read.
void collect_folder(const fs::path& folder, std::vector<std::string>& files,
                    Diagnostics& diagnostics) {
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, ec);
  const fs::recursive_directory_iterator end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && is_definition_file(it->path())) {
      files.push_back(it->path().generic_string());
    }
  }
  if (ec) report(diagnostics, folder.generic_string(), "cannot list folder: " + ec.message());
}

bool read_file(const std::string& path, std::string& text, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return false;
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return false;
  }
  text = std::move(contents).str();
  return true;
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
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      report(result.diagnostics, path,
             ec && ec != std::errc::no_such_file_or_directory ? "cannot read: " + ec.message()
                                                              : "no such file or folder");
    } else if (fs::is_directory(status)) {
      collect_folder(path, files, result.diagnostics);
    } else {
      files.push_back(fs::path(path).generic_string());  // named explicitly: read whatever its name
    }
  }

  // A file named twice (itself and through its folder) is read once, not reported as duplicates.
  std::sort(files.begin(), files.end());
  std::set<fs::path> seen;
  for (const auto& file : files) {
    std::error_code ec;
    fs::path identity = fs::weakly_canonical(file, ec);
    if (ec) identity = fs::path(file).lexically_normal();
    if (!seen.insert(identity).second) continue;

    std::string text;
    std::string error;
    if (!read_file(file, text, error)) {
      report(result.diagnostics, file, "cannot read file: " + error);
      continue;
    }
    if (fs::path(file).extension() == ".json") {
      read_flag_json(text, file, result);
    } else {
      read_flag_yaml(text, file, result);
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
