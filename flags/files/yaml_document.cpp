#include "yaml_document.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>

namespace sluice::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t count_digits(std::string_view s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i - start;
}

// YAML 1.2 core schema, decimal forms only: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_decimal_number(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::size_t int_digits = count_digits(s, i);
  std::size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    frac_digits = count_digits(s, i);
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (count_digits(s, i) == 0) return false;
  }
  return i == s.size();
}

// The core schema's 0x / 0o integers. `.inf` and `.nan` are left as strings on purpose: JSON, and
// so the API form of a flag, cannot carry them.
std::optional<double> parse_number(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    std::uint64_t n = 0;
    const int base = s[1] == 'x' ? 16 : 8;
    const auto [end, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), n, base);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return static_cast<double>(n);
  }
  if (!is_decimal_number(s)) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);  // from_chars does not take a plus sign
  double d = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

// Plain scalars are typed by their text (YAML 1.2 core schema, so `yes` and `on` stay strings);
// quoted and block scalars (tag "!") and explicit `!!str` are always strings.
void resolve_scalar(const YAML::Node& node, DocNode& out) {
  out.text = node.Scalar();
  const std::string& tag = node.Tag();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") {
    out.kind = DocNode::Kind::String;
    return;
  }
  const std::string& t = out.text;
  if (t == "true" || t == "True" || t == "TRUE" || t == "false" || t == "False" || t == "FALSE") {
    out.kind = DocNode::Kind::Bool;
    out.boolean = t[0] == 't' || t[0] == 'T';
    return;
  }
  if (const auto number = parse_number(t)) {
    out.kind = DocNode::Kind::Number;
    out.number = *number;
    return;
  }
  out.kind = DocNode::Kind::String;
}

Mark mark_of(const YAML::Mark& m) {
  if (m.is_null() || m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

class YamlConverter {
 public:
  YamlConverter(const std::string& file, Diagnostics& diagnostics)
      : file_(file), diagnostics_(diagnostics) {}

  // False when the document had to be abandoned (already reported).
  bool convert(const YAML::Node& node, DocNode& out, int depth) {
    out.mark = mark_of(node.Mark());
    if (++nodes_ > kMaxDocumentNodes) {
      return fail(out.mark, "document is too large (more than " +
                                std::to_string(kMaxDocumentNodes) + " nodes after aliases)");
    }
    if (depth > kMaxDocumentDepth) {
      return fail(out.mark, "document is nested more than " + std::to_string(kMaxDocumentDepth) +
                                " levels deep (or an alias refers to its own ancestor)");
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = DocNode::Kind::Null;
        return true;
      case YAML::NodeType::Scalar:
        resolve_scalar(node, out);
        return true;
      case YAML::NodeType::Sequence:
        out.kind = DocNode::Kind::Sequence;
        out.items.reserve(node.size());
        for (const auto& item : node) {
          if (!convert(item, out.items.emplace_back(), depth + 1)) return false;
        }
        return true;
      case YAML::NodeType::Map:
        out.kind = DocNode::Kind::Map;
        out.entries.reserve(node.size());
        for (const auto& pair : node) {
          const Mark key_mark = mark_of(pair.first.Mark());
          if (!pair.first.IsScalar()) {
            diagnostics_.push_back(
                {{file_, key_mark.line, key_mark.column, ""}, "mapping keys must be scalars"});
            continue;
          }
          DocEntry& entry = out.entries.emplace_back();
          entry.key = pair.first.Scalar();
          entry.key_mark = key_mark;
          if (!convert(pair.second, entry.value, depth + 1)) return false;
          // yaml-cpp marks an empty value (`key:`) where the next token starts, often on the
          // next line; the key is where the author looks.
          if (entry.value.is(DocNode::Kind::Null)) entry.value.mark = key_mark;
        }
        return true;
    }
    return true;
  }

 private:
  bool fail(Mark mark, std::string message) {
    diagnostics_.push_back({{file_, mark.line, mark.column, ""}, std::move(message)});
    return false;
  }

  const std::string& file_;
  Diagnostics& diagnostics_;
  std::size_t nodes_ = 0;
};

}  // namespace

std::vector<DocNode> parse_yaml_documents(std::string_view text, const std::string& file,
                                          Diagnostics& diagnostics) {
  std::vector<YAML::Node> roots;
  try {
    roots = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    const Mark mark = mark_of(e.mark);
    diagnostics.push_back({{file, mark.line, mark.column, ""}, "YAML syntax error: " + e.msg});
    return {};
  }

  std::vector<DocNode> documents;
  YamlConverter converter(file, diagnostics);
  for (const auto& root : roots) {
    // `---` at the end of a file, or a file of comments, is an empty document: nothing to read.
    if (root.IsNull() || !root.IsDefined()) continue;
    DocNode document;
    if (converter.convert(root, document, 0)) documents.push_back(std::move(document));
  }
  return documents;
}

}  // namespace sluice::detail
