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
#include "sluice/definition_files.hpp"
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

void load_into(const std::vector<std::string>& paths, PolicyLoadResult& result) {
  for (const auto& file : read_definition_files(paths, result.diagnostics)) {
    if (file.is_json()) {
      read_policy_json(file.text, file.path, result);
    } else {
      read_policy_yaml(file.text, file.path, result);
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
