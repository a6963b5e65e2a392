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

}  // namespace sluice
