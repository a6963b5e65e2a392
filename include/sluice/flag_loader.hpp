#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sluice/flag_definition.hpp"
#include "sluice/source_location.hpp"

// Reads flag and segment definitions from YAML files and from JSON (the API's form of the same
// structure). The reader checks shape only (unknown fields, wrong types, missing fields, duplicate
// mapping keys); `compile_snapshot` checks meaning. docs/flag-format.md describes the format.
namespace sluice {

struct LoadResult {
  FlagSet definitions;
  Diagnostics diagnostics;
  bool ok() const { return diagnostics.empty(); }
};

// Reads YAML text (one or more documents). `file` names the source in diagnostics.
void read_flag_yaml(std::string_view text, const std::string& file, LoadResult& into);

// Reads a JSON document of the same structure: a bundle `{"flags": [...], "segments": [...]}`,
// or a single flag object. Diagnostics carry the field path; `file` may be empty.
void read_flag_json(std::string_view text, const std::string& file, LoadResult& into);

// Reads a single flag given as JSON (the body of `PUT /v1/flags/{key}`).
LoadResult read_single_flag_json(std::string_view text);

// Reads a single segment given as JSON (the body of `PUT /v1/segments/{key}`).
LoadResult read_single_segment_json(std::string_view text);

// Reads files and folders (recursively: *.yaml, *.yml, *.json), in sorted path order.
LoadResult load_flag_paths(const std::vector<std::string>& paths);

// The JSON form of a definition that `read_single_flag_json` accepts back unchanged.
std::string flag_to_json(const FlagDefinition& flag);
std::string segment_to_json(const SegmentDefinition& segment);

}  // namespace sluice
