#include "sluice/json_text_check.hpp"

#include <string>

#include "sluice/utf8.hpp"

namespace sluice {

JsonTextCheck check_json_text(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      if (length == 0) return {JsonTextProblem::InvalidUtf8, i};
      i += length - 1;
      continue;
    }
    if (in_string) {
      if (c == '\\') {
        if (i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0x80) ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return {JsonTextProblem::TooDeep, i};
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return {};
}

std::string describe(JsonTextProblem problem, int max_depth) {
  switch (problem) {
    case JsonTextProblem::None:
      return "is valid";
    case JsonTextProblem::TooDeep:
      return "nests arrays or objects more than " + std::to_string(max_depth) + " levels deep";
    case JsonTextProblem::InvalidUtf8:
      return "is not valid UTF-8";
  }
  return "is not valid";
}

}  // namespace sluice
