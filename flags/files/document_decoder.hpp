#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "document.hpp"
#include "sluice/source_location.hpp"

// What the flag decoder (flag_decoder.cpp) and the policy decoder (policies/policy_decoder.cpp)
// share: field paths, problem reporting, duplicate and unknown keys, and typed access to the
// fields of a mapping, so that flags and policies are read, and their problems worded, alike.
namespace sluice::detail {

// `parent.key`, or `key` at the top.
std::string child_path(const std::string& parent, std::string_view key);
// `base[index]`.
std::string indexed(std::string_view base, std::size_t index);
// `'s'`.
std::string quoted(std::string_view s);

class Fields;

// The base of a decoder of one document: it reports problems with the file, the node's position
// and the field path, and reads fields by type. Each typed read reports a wrong type and then
// returns nothing.
class DecoderBase {
 public:
  using Kind = DocNode::Kind;

  DecoderBase(Syntax syntax, const std::string& file, Diagnostics& diagnostics)
      : syntax_(syntax), file_(file), diagnostics_(diagnostics) {}

  void report(Mark mark, const std::string& path, std::string message);
  // A problem after which the definition still reads as its author meant it.
  void report_harmless(Mark mark, const std::string& path, std::string message);
  SourceLocation locate(Mark mark, const std::string& path) const {
    return {file_, mark.line, mark.column, path};
  }

  // The entries of a mapping with later duplicates of a key reported and left out: YAML readers
  // disagree on which one wins, so neither silently does.
  std::vector<const DocEntry*> unique_entries(const DocNode& map, const std::string& path);

 protected:
  void type_error(const DocNode& node, std::string_view expected, std::string_view field,
                  const std::string& path);
  bool expect(const DocNode& node, Kind kind, std::string_view field, const std::string& path);
  std::optional<std::string> string_field(const Fields& fields, std::string_view key);
  std::optional<bool> bool_field(const Fields& fields, std::string_view key);
  std::vector<std::string> string_list_field(const Fields& fields, std::string_view key);
  void require(const Fields& fields, std::initializer_list<std::string_view> keys,
               const std::string& subject);

  std::string article(Kind kind) const { return kind_name_with_article(kind, syntax_); }
  const char* name(Kind kind) const { return kind_name(kind, syntax_); }

  Syntax syntax_;
  const std::string& file_;
  Diagnostics& diagnostics_;
};

// The fields of one mapping. Duplicate and unknown keys are reported when it is made, so every
// decoder lists the fields it understands in one place.
class Fields {
 public:
  Fields(DecoderBase& decoder, const DocNode& map, std::string path, std::string_view what,
         std::initializer_list<std::string_view> known);

  const DocEntry* get(std::string_view key) const {
    for (const DocEntry* entry : entries_) {
      if (entry->key == key) return entry;
    }
    return nullptr;
  }
  bool has(std::string_view key) const { return get(key) != nullptr; }
  std::string path_of(std::string_view key) const { return child_path(path_, key); }
  const std::string& path() const { return path_; }
  const DocNode& node() const { return map_; }

 private:
  const DocNode& map_;
  std::string path_;
  std::vector<const DocEntry*> entries_;
};

}  // namespace sluice::detail
