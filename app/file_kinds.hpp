#pragma once

#include <string>
#include <vector>

#include "sluice/source_location.hpp"

namespace sluice::app {

// The files under some paths, split into flag files and policy files, so that one command
// (`sluice validate flags/ policies/` or a folder holding both) reads each with its reader.
struct DefinitionFiles {
  std::vector<std::string> flag_files;
  std::vector<std::string> policy_files;
  Diagnostics problems;  // paths that do not exist, folders or files that cannot be read
};

// A file is a policy file when its top-level keys name a policy (`policies`, `flag`, `stages`,
// `treatment`); everything else is read as flags, whose reader then reports what is wrong.
DefinitionFiles classify_definition_files(const std::vector<std::string>& paths);

}  // namespace sluice::app
