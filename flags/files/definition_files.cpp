#include "sluice/definition_files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace sluice {
namespace {

namespace fs = std::filesystem;

bool is_definition_file(const fs::path& path) {
  const std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

void report(Diagnostics& problems, const std::string& file, std::string message) {
  problems.push_back({{file, 0, 0, ""}, std::move(message)});
}

// The definition files under `folder`, recursively. Problems listing it are reported, and the
// files found so far are still read.
void collect_folder(const fs::path& folder, std::vector<std::string>& files,
                    Diagnostics& problems) {
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, ec);
  const fs::recursive_directory_iterator end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && is_definition_file(it->path())) {
      files.push_back(it->path().generic_string());
    }
  }
  if (ec) report(problems, folder.generic_string(), "cannot list folder: " + ec.message());
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

}  // namespace

bool DefinitionFile::is_json() const {
  return fs::path(path).extension() == ".json";
}

std::vector<DefinitionFile> read_definition_files(const std::vector<std::string>& paths,
                                                  Diagnostics& problems) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      report(problems, path,
             ec && ec != std::errc::no_such_file_or_directory ? "cannot read: " + ec.message()
                                                              : "no such file or folder");
    } else if (fs::is_directory(status)) {
      collect_folder(path, files, problems);
    } else {
      files.push_back(fs::path(path).generic_string());  // named explicitly: read whatever its name
    }
  }

  // A file named twice (itself and through its folder) is read once, not reported as duplicates.
  std::sort(files.begin(), files.end());
  std::set<fs::path> seen;
  std::vector<DefinitionFile> read;
  for (const auto& file : files) {
    std::error_code ec;
    fs::path identity = fs::weakly_canonical(file, ec);
    if (ec) identity = fs::path(file).lexically_normal();
    if (!seen.insert(identity).second) continue;
    std::string text;
    std::string error;
    if (!read_file(file, text, error)) {
      report(problems, file, "cannot read file: " + error);
      continue;
    }
    read.push_back({file, std::move(text)});
  }
  return read;
}

}  // namespace sluice
