#pragma once

#include <string>
#include <vector>

namespace sluice {

// Where an element of a definition came from, so that every problem can be reported as
// `file:line:column: message` (YAML) or with a field path (JSON over the API).
struct SourceLocation {
  std::string file;  // empty for definitions that arrived over the API
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
  std::string path;  // field path such as `flags[0].rules[1].serve.variant`
};

// One problem found while loading or compiling definitions.
struct Diagnostic {
  SourceLocation where;
  std::string message;  // names the field and says what is wrong
  // True when the problem leaves the definition as its author meant it (an unknown field, a
  // repeated key), so checking the definition's meaning still gives useful errors.
  bool meaning_intact = false;

  // `file:line:column: message`, falling back to the field path when there is no file.
  std::string format() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace sluice
