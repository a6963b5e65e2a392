#include "document_decoder.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

namespace sluice::detail {

std::string child_path(const std::string& parent, std::string_view key) {
  std::string out;
  out.reserve(parent.size() + 1 + key.size());
  out += parent;
  if (!parent.empty()) out += '.';
  out += key;
  return out;
}

std::string indexed(std::string_view base, std::size_t index) {
  std::string out(base);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

std::string quoted(std::string_view s) {
  std::string out = "'";
  out += s;
  out += '\'';
  return out;
}

void DecoderBase::report(Mark mark, const std::string& path, std::string message) {
  diagnostics_.push_back({locate(mark, path), std::move(message)});
}

void DecoderBase::report_harmless(Mark mark, const std::string& path, std::string message) {
  diagnostics_.push_back({locate(mark, path), std::move(message), /*meaning_intact=*/true});
}

std::vector<const DocEntry*> DecoderBase::unique_entries(const DocNode& map,
                                                         const std::string& path) {
  std::vector<const DocEntry*> out;
  out.reserve(map.entries.size());
  std::unordered_set<std::string_view> seen;
  for (const DocEntry& entry : map.entries) {
    if (!seen.insert(entry.key).second) {
      report_harmless(entry.key_mark, child_path(path, entry.key),
                      "duplicate key " + quoted(entry.key));
      continue;
    }
    out.push_back(&entry);
  }
  return out;
}

void DecoderBase::type_error(const DocNode& node, std::string_view expected, std::string_view field,
                             const std::string& path) {
  report(
      node.mark, path,
      "field " + quoted(field) + " must be " + std::string(expected) + ", got " + name(node.kind));
}

bool DecoderBase::expect(const DocNode& node, Kind kind, std::string_view field,
                         const std::string& path) {
  if (node.is(kind)) return true;
  type_error(node, article(kind), field, path);
  return false;
}

std::optional<std::string> DecoderBase::string_field(const Fields& fields, std::string_view key) {
  const DocEntry* entry = fields.get(key);
  if (entry == nullptr || !expect(entry->value, Kind::String, key, fields.path_of(key))) {
    return std::nullopt;
  }
  return entry->value.text;
}

std::optional<bool> DecoderBase::bool_field(const Fields& fields, std::string_view key) {
  const DocEntry* entry = fields.get(key);
  if (entry == nullptr || !expect(entry->value, Kind::Bool, key, fields.path_of(key))) {
    return std::nullopt;
  }
  return entry->value.boolean;
}

std::vector<std::string> DecoderBase::string_list_field(const Fields& fields,
                                                        std::string_view key) {
  std::vector<std::string> out;
  const DocEntry* entry = fields.get(key);
  const std::string path = fields.path_of(key);
  if (entry == nullptr || !expect(entry->value, Kind::Sequence, key, path)) return out;
  const auto& items = entry->value.items;
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].is(Kind::String)) {
      out.push_back(items[i].text);
    } else {
      type_error(items[i], "a string", indexed(key, i), indexed(path, i));
    }
  }
  return out;
}

void DecoderBase::require(const Fields& fields, std::initializer_list<std::string_view> keys,
                          const std::string& subject) {
  for (const std::string_view key : keys) {
    if (!fields.has(key)) {
      report(fields.node().mark, fields.path(),
             subject + " is missing required field " + quoted(key));
    }
  }
}

Fields::Fields(DecoderBase& decoder, const DocNode& map, std::string path, std::string_view what,
               std::initializer_list<std::string_view> known)
    : map_(map), path_(std::move(path)), entries_(decoder.unique_entries(map, path_)) {
  for (const DocEntry* entry : entries_) {
    if (std::find(known.begin(), known.end(), entry->key) == known.end()) {
      decoder.report_harmless(entry->key_mark, path_of(entry->key),
                              "unknown field " + quoted(entry->key) + " in " + std::string(what));
    }
  }
}

}  // namespace sluice::detail
