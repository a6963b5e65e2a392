#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// What JSON text must pass before it is parsed. The parsers cope with any depth, but what reads
// their trees (conversion to Value, merge-patch, dump, the core's Value destructor) recurses once
// per level, so a 200 KB body of 100,000 brackets would overflow the stack. And JSON is UTF-8
// (RFC 8259 §8.1): invalid bytes would otherwise reach error messages and make them unprintable.
// The check is one pass over the bytes with no allocation, cheap enough for every OFREP request.
namespace sluice {

// The deepest any HTTP request body may nest arrays and objects. The outermost object is level 1,
// so `{"context": {...}}` leaves 62 levels for an attribute's value; flags, segments, policies
// and contexts need a handful.
inline constexpr int kMaxRequestJsonDepth = 64;

// The deepest a file may nest (flag, segment and policy files in YAML or JSON, history imports).
// Files are written by people and reviewed, so the bound is looser; it still keeps every reader
// far from yaml-cpp's own recursion guard (500 levels) and from the stack's end.
inline constexpr int kMaxFileNestingDepth = 200;

enum class JsonTextProblem {
  None,
  TooDeep,      // more than max_depth arrays or objects inside one another
  InvalidUtf8,  // a byte that does not start a well-formed UTF-8 sequence
};

struct JsonTextCheck {
  JsonTextProblem problem = JsonTextProblem::None;
  std::size_t offset = 0;  // of the offending byte, when there is a problem

  bool ok() const { return problem == JsonTextProblem::None; }
};

// Brackets inside strings do not count. The text need not be valid JSON otherwise: the parser
// judges that afterwards. When both problems occur, the first one found is reported.
JsonTextCheck check_json_text(std::string_view text, int max_depth);

// Words for the problem: "nests arrays or objects more than 64 levels deep", "is not valid UTF-8".
std::string describe(JsonTextProblem problem, int max_depth);

}  // namespace sluice
