#pragma once

#include <string>
#include <vector>

#include "sluice/source_location.hpp"

namespace sluice {

struct DefinitionFile {
  std::string path;
  std::string text;
  bool is_json() const;  // by extension; everything else is read as YAML
};

// Expands files and folders (folders recursively: *.yaml, *.yml, *.json) into files in sorted
// order, each read once even when named twice, and reads them. A path that does not exist, a
// folder that cannot be listed and a file that cannot be read each add a diagnostic; the rest is
// still read. Shared by the flag and the policy loaders.
std::vector<DefinitionFile> read_definition_files(const std::vector<std::string>& paths,
                                                  Diagnostics& problems);

// The files under some paths, split into flag files and policy files, so that one command
// (`sluice validate flags/ policies/`, or `sluice serve --flags-dir` on a folder holding both)
// reads each with its reader.
struct DefinitionFiles {
  std::vector<std::string> flag_files;
  std::vector<std::string> policy_files;
  Diagnostics problems;  // paths that do not exist, folders or files that cannot be read
};

// A file is a policy file when its top-level keys name a policy (`policies`, `flag`, `stages`,
// `treatment`); everything else is read as flags, whose reader then reports what is wrong.
DefinitionFiles classify_definition_files(const std::vector<std::string>& paths);

}  // namespace sluice
