// The public policy readers: a front end turns the text into the flags' document tree, one
// decoder turns trees into policies. Files and folders are read as the flag loader reads them.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "json_document.hpp"
#include "policy_decoder.hpp"
#include "sluice/policy_loader.hpp"
#include "yaml_document.hpp"

namespace sluice {
namespace {

namespace fs = std::filesystem;

void report(Diagnostics& diagnostics, const std::string& file, std::string message) {
  diagnostics.push_back({{file, 0, 0, ""}, std::move(message)});
}

// The readers promise not to throw: a parser bug or exhausted memory becomes one more diagnostic.
template <class Read>
void without_throwing(const std::string& file, Diagnostics& diagnostics, Read&& read) {
  try {
    read();
  } catch (const std::exception& e) {
    report(diagnostics, file, std::string("cannot read policies: ") + e.what());
  } catch (...) {
    report(diagnostics, file, "cannot read policies: unknown error");
  }
}

bool is_policy_file(const fs::path& path) {
  const std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

void collect_folder(const fs::path& folder, std::vector<std::string>& files,
                    Diagnostics& diagnostics) {
  std::error_code ec;
  fs::recursive_directory_iterator it(folder, ec);
  const fs::recursive_directory_iterator end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && is_policy_file(it->path())) {
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

void load_into(const std::vector<std::string>& paths, PolicyLoadResult& result) {
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
      files.push_back(fs::path(path).generic_string());
    }
  }
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
    } else if (fs::path(file).extension() == ".json") {
      read_policy_json(text, file, result);
    } else {
      read_policy_yaml(text, file, result);
    }
  }
}

}  // namespace

void read_policy_yaml(std::string_view text, const std::string& file, PolicyLoadResult& into) {
  without_throwing(file, into.diagnostics, [&] {
    for (const auto& document : detail::parse_yaml_documents(text, file, into.diagnostics)) {
      detail::decode_policy_document(document, detail::Syntax::Yaml, file,
                                     detail::PolicyDocumentShape::BundleOrPolicy, into);
    }
  });
}

void read_policy_json(std::string_view text, const std::string& file, PolicyLoadResult& into) {
  without_throwing(file, into.diagnostics, [&] {
    if (auto document = detail::parse_json_document(text, file, into.diagnostics)) {
      detail::decode_policy_document(*document, detail::Syntax::Json, file,
                                     detail::PolicyDocumentShape::BundleOrPolicy, into);
    }
  });
}

PolicyLoadResult read_single_policy_json(std::string_view text) {
  PolicyLoadResult result;
  const std::string no_file;
  without_throwing(no_file, result.diagnostics, [&] {
    if (auto document = detail::parse_json_document(text, no_file, result.diagnostics)) {
      detail::decode_policy_document(*document, detail::Syntax::Json, no_file,
                                     detail::PolicyDocumentShape::Policy, result);
    }
  });
  return result;
}

PolicyLoadResult load_policy_paths(const std::vector<std::string>& paths) {
  PolicyLoadResult result;
  try {
    load_into(paths, result);
  } catch (const std::exception& e) {  // the loader promises not to throw
    report(result.diagnostics, "", std::string("cannot load policies: ") + e.what());
  }
  return result;
}

}  // namespace sluice
