#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/json_text_check.hpp"

// The small document tree that both front ends (yaml-cpp and nlohmann::json) produce, so that flags
// are decoded, and their problems worded, by one decoder whatever the source syntax.
namespace sluice::detail {

// Where a node starts, 1-based. JSON nodes have no position (line 0); they are found by path.
struct Mark {
  int line = 0;
  int column = 0;
};

// Which syntax a tree came from: only used to name types the way the author knows them.
enum class Syntax { Yaml, Json };

struct DocEntry;

struct DocNode {
  enum class Kind { Null, Bool, Number, String, Map, Sequence };

  Kind kind = Kind::Null;
  Mark mark;
  // Scalars: the text as written. Numbers keep it so that percentages convert exactly.
  std::string text;
  bool boolean = false;
  double number = 0;
  std::vector<DocEntry> entries;  // Map: in document order, duplicate keys kept
  std::vector<DocNode> items;     // Sequence

  bool is(Kind k) const { return kind == k; }
  bool is_scalar() const { return kind != Kind::Map && kind != Kind::Sequence; }
};

struct DocEntry {
  std::string key;  // the key's text: YAML `on:` is the name "on", never a boolean
  Mark key_mark;
  DocNode value;
};

// "string", "list" / "array", "mapping" / "object", ...
const char* kind_name(DocNode::Kind kind, Syntax syntax);
// The same with an article: "a string", "an object", ...
std::string kind_name_with_article(DocNode::Kind kind, Syntax syntax);

// Front ends stop descending here: flags are a handful of levels deep, and a YAML alias can
// refer to its own ancestor, which would otherwise recurse forever.
inline constexpr int kMaxDocumentDepth = kMaxFileNestingDepth;
// YAML aliases can make a small text expand to an enormous tree ("billion laughs"). Nodes that
// are written out are bounded by the text; this bounds the copies that aliases make.
inline constexpr std::size_t kMaxAliasNodes = 250'000;

}  // namespace sluice::detail
