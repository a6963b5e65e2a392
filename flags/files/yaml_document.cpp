#include "yaml_document.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sluice::detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::size_t count_digits(std::string_view s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && is_digit(s[i]))
    ++i;
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
void resolve_scalar(const std::string& tag, const std::string& text, DocNode& out) {
  out.text = text;
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

// Builds the tree of each document from parser events. Events rather than YAML::LoadAll: in
// yaml-cpp 0.7, LoadAll loops forever, allocating, on a stray top-level `,` (upstream issue #1040),
// and events let the documents before a syntax error be kept.
class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(const std::string& file, Diagnostics& diagnostics)
      : file_(file), diagnostics_(diagnostics) {}

  const YAML::Mark& document_start() const { return document_start_; }

  // The document just read, unless it was empty or had to be abandoned (already reported).
  std::optional<DocNode> take_document() {
    if (failed_ || !root_ || root_->is(DocNode::Kind::Null)) return std::nullopt;
    return std::move(root_);
  }

  void OnDocumentStart(const YAML::Mark& mark) override {
    document_start_ = mark;
    root_.reset();
    stack_.clear();
    anchors_.clear();
    failed_ = false;
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (failed_) return;
    DocNode node;
    node.mark = mark_of(mark);
    add(std::move(node), anchor, {1, 1});
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (failed_) return;
    DocNode node;
    node.mark = mark_of(mark);
    resolve_scalar(tag, value, node);
    add(std::move(node), anchor, {1, 1});
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (failed_) return;
    const auto it = anchors_.find(anchor);
    // The parser knows the anchor, so it is still open: the alias is inside the node it names.
    if (it == anchors_.end()) return fail(mark, "alias refers to a node that contains it");
    const Anchored& anchored = it->second;
    if (!count_alias_nodes(anchored.size.nodes, mark)) return;
    if (static_cast<int>(stack_.size()) + anchored.size.height > kMaxDocumentDepth) {
      return fail(mark, too_deep());
    }
    DocNode copy = anchored.node;
    copy.mark = mark_of(mark);  // problems in it are reported where it is used
    add(std::move(copy), YAML::NullAnchor, anchored.size);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(DocNode::Kind::Sequence, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(DocNode::Kind::Map, mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Size {
    std::size_t nodes = 0;
    int height = 0;
  };
  struct Frame {
    DocNode node;
    YAML::anchor_t anchor = YAML::NullAnchor;
    Size size{1, 1};
    // Maps receive keys and values in turn.
    bool have_key = false;
    bool skip_value = false;  // the key could not be used (already reported)
    std::string key;
    Mark key_mark;
  };
  struct Anchored {
    DocNode node;
    Size size;
  };

  static std::string too_deep() {
    return "document is nested more than " + std::to_string(kMaxDocumentDepth) + " levels deep";
  }

  void fail(const YAML::Mark& mark, std::string message) {
    if (failed_) return;
    failed_ = true;
    const Mark at = mark_of(mark);
    diagnostics_.push_back({{file_, at.line, at.column, ""}, std::move(message)});
  }

  bool count_alias_nodes(std::size_t count, const YAML::Mark& mark) {
    alias_nodes_ += count;
    if (alias_nodes_ > kMaxAliasNodes) {
      fail(mark, "aliases expand to more than " + std::to_string(kMaxAliasNodes) + " nodes");
      return false;
    }
    return true;
  }

  void open(DocNode::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (failed_) return;
    if (static_cast<int>(stack_.size()) >= kMaxDocumentDepth) return fail(mark, too_deep());
    Frame& frame = stack_.emplace_back();
    frame.node.kind = kind;
    frame.node.mark = mark_of(mark);
    frame.anchor = anchor;
  }

  void close() {
    if (failed_ || stack_.empty()) return;
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    add(std::move(frame.node), frame.anchor, frame.size);
  }

  // Hands a finished node to the open container (or makes it the document).
  void add(DocNode node, YAML::anchor_t anchor, Size size) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = Anchored{node, size};
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& parent = stack_.back();
    parent.size.nodes += size.nodes;
    parent.size.height = std::max(parent.size.height, size.height + 1);
    if (parent.node.is(DocNode::Kind::Sequence)) {
      parent.node.items.push_back(std::move(node));
    } else if (!parent.have_key) {
      take_key(parent, node);
    } else {
      parent.have_key = false;
      if (parent.skip_value) return;
      // yaml-cpp marks an empty value (`key:`) where the next token starts, often on the next
      // line; the key is where the author looks.
      if (node.is(DocNode::Kind::Null)) node.mark = parent.key_mark;
      parent.node.entries.push_back({std::move(parent.key), parent.key_mark, std::move(node)});
    }
  }

  void take_key(Frame& map, const DocNode& key) {
    map.have_key = true;
    map.key_mark = key.mark;
    map.skip_value = !key.is_scalar() || key.is(DocNode::Kind::Null);
    if (!map.skip_value) {
      map.key = key.text;
      return;
    }
    diagnostics_.push_back({{file_, key.mark.line, key.mark.column, ""},
                            key.is(DocNode::Kind::Null) ? "mapping key is empty or null"
                                                        : "mapping keys must be scalars"});
  }

  const std::string& file_;
  Diagnostics& diagnostics_;
  std::size_t alias_nodes_ = 0;  // for the whole file, so that splitting it into documents does
                                 // not get around the limit
  YAML::Mark document_start_;
  std::optional<DocNode> root_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  bool failed_ = false;
};

}  // namespace

std::vector<DocNode> parse_yaml_documents(std::string_view text, const std::string& file,
                                          Diagnostics& diagnostics) {
  std::vector<DocNode> documents;
  std::istringstream stream{std::string(text)};
  TreeBuilder builder(file, diagnostics);
  try {
    YAML::Parser parser(stream);
    int previous_start = -1;
    while (parser.HandleNextDocument(builder)) {
      // A document that did not get past its first token is the yaml-cpp loop described above.
      const YAML::Mark start = builder.document_start();
      if (start.pos == previous_start) {
        const Mark at = mark_of(start);
        const bool known = start.pos >= 0 && static_cast<std::size_t>(start.pos) < text.size();
        diagnostics.push_back(
            {{file, at.line, at.column, ""},
             known ? "YAML syntax error: unexpected '" + std::string(1, text[start.pos]) + "'"
                   : std::string("YAML syntax error: unexpected token")});
        break;
      }
      previous_start = start.pos;
      if (auto document = builder.take_document()) documents.push_back(std::move(*document));
    }
  } catch (const YAML::Exception& e) {
    const Mark mark = mark_of(e.mark);
    diagnostics.push_back({{file, mark.line, mark.column, ""}, "YAML syntax error: " + e.msg});
  }
  return documents;
}

}  // namespace sluice::detail
