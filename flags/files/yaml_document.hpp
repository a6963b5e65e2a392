#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "document.hpp"
#include "sluice/source_location.hpp"

namespace sluice::detail {

// The non-empty documents of a YAML stream, as trees with 1-based marks. A syntax error is
// reported at its position and ends the stream (yaml-cpp cannot resume after one); the documents
// before it are kept.
std::vector<DocNode> parse_yaml_documents(std::string_view text, const std::string& file,
                                          Diagnostics& diagnostics);

}  // namespace sluice::detail
