#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "document.hpp"
#include "sluice/source_location.hpp"

namespace sluice::detail {

// The JSON text as a tree (no marks: JSON problems are located by field path). A syntax error is
// reported with nlohmann's line and column in the message and yields nothing.
std::optional<DocNode> parse_json_document(std::string_view text, const std::string& file,
                                           Diagnostics& diagnostics);

}  // namespace sluice::detail
