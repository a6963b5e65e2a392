#include "document.hpp"

namespace sluice::detail {

const char* kind_name(DocNode::Kind kind, Syntax syntax) {
  switch (kind) {
    case DocNode::Kind::Null:
      return "null";
    case DocNode::Kind::Bool:
      return "boolean";
    case DocNode::Kind::Number:
      return "number";
    case DocNode::Kind::String:
      return "string";
    case DocNode::Kind::Map:
      return syntax == Syntax::Json ? "object" : "mapping";
    case DocNode::Kind::Sequence:
      return syntax == Syntax::Json ? "array" : "list";
  }
  return "value";
}

std::string kind_name_with_article(DocNode::Kind kind, Syntax syntax) {
  std::string name = kind_name(kind, syntax);
  const bool vowel = name.front() == 'a' || name.front() == 'o';
  return (vowel ? "an " : "a ") + name;
}

}  // namespace sluice::detail
