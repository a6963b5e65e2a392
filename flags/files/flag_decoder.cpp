#include "flag_decoder.hpp"

#include <algorithm>
#include <utility>

#include "basis_points.hpp"
#include "flag_document_decoder.hpp"

namespace sluice::detail {

using Kind = DocNode::Kind;

void FlagDocumentDecoder::document(const DocNode& root, DocumentShape shape, FlagSet& into) {
  if (shape == DocumentShape::Flag) {
    if (root.is(Kind::Map)) {
      flag(root, "", into);
    } else {
      report(root.mark, "", "flag must be " + article(Kind::Map) + ", got " + name(root.kind));
    }
    return;
  }
  if (shape == DocumentShape::Segment) {
    segment(root, "segment", "", into);
    return;
  }
  if (!root.is(Kind::Map)) {
    report(root.mark, "",
           "document must be " + article(Kind::Map) +
               " (a bundle with 'flags' or 'segments', or a single flag), got " + name(root.kind));
    return;
  }
  const bool is_bundle = std::any_of(root.entries.begin(), root.entries.end(), [](const auto& e) {
    return e.key == "flags" || e.key == "segments";
  });
  if (is_bundle) {
    bundle(root, into);
  } else {
    flag(root, "", into);
  }
}

void FlagDocumentDecoder::bundle(const DocNode& root, FlagSet& into) {
  const Fields fields(*this, root, "", "bundle", {"flags", "segments"});
  for_each_item(fields, "flags",
                [&](const DocNode& item, const std::string& field, const std::string& path) {
                  if (expect(item, Kind::Map, field, path)) flag(item, path, into);
                });
  for_each_item(fields, "segments",
                [&](const DocNode& item, const std::string& field, const std::string& path) {
                  segment(item, field, path, into);
                });
}

void FlagDocumentDecoder::flag(const DocNode& node, const std::string& path, FlagSet& into) {
  const Fields fields(
      *this, node, path, "flag",
      {"key", "description", "kind", "owner", "tags", "created", "updated", "variants", "enabled",
       "off_variant", "bucket_by", "salt", "prerequisites", "rules", "default"});
  FlagDefinition flag;
  flag.where = locate(node.mark, path);
  const auto key = string_field(fields, "key");
  if (key) flag.key = *key;
  if (auto description = string_field(fields, "description")) flag.description = *description;
  if (const DocEntry* kind = fields.get("kind")) {
    flag.kind = flag_kind(kind->value, fields.path_of("kind")).value_or(FlagKind::Release);
  }
  if (auto owner = string_field(fields, "owner")) flag.owner = *owner;
  flag.tags = string_list_field(fields, "tags");
  flag.created = string_field(fields, "created");
  flag.updated = string_field(fields, "updated");
  if (const DocEntry* variants_entry = fields.get("variants")) {
    flag.variants = variants(variants_entry->value, fields.path_of("variants"));
  }
  if (auto enabled = bool_field(fields, "enabled")) flag.enabled = *enabled;
  if (auto off_variant = string_field(fields, "off_variant")) flag.off_variant = *off_variant;
  flag.bucket_by = string_field(fields, "bucket_by");
  flag.salt = string_field(fields, "salt");
  for_each_item(fields, "prerequisites",
                [&](const DocNode& item, const std::string& field, const std::string& item_path) {
                  if (auto p = prerequisite(item, field, item_path)) {
                    flag.prerequisites.push_back(std::move(*p));
                  }
                });
  for_each_item(fields, "rules",
                [&](const DocNode& item, const std::string& field, const std::string& item_path) {
                  if (auto r = rule(item, field, item_path)) flag.rules.push_back(std::move(*r));
                });
  if (const DocEntry* fallthrough = fields.get("default")) {
    flag.fallthrough = serve(fallthrough->value, "default", fields.path_of("default"));
  }
  require(fields, {"key", "variants", "off_variant", "default"},
          key ? "flag " + quoted(*key) : "flag");
  into.flags.push_back(std::move(flag));
}

void FlagDocumentDecoder::segment(const DocNode& node, const std::string& field,
                                  const std::string& path, FlagSet& into) {
  if (!expect(node, Kind::Map, field, path)) return;
  const Fields fields(*this, node, path, "segment",
                      {"key", "description", "attribute", "ids", "conditions"});
  SegmentDefinition segment;
  segment.where = locate(node.mark, path);
  if (auto key = string_field(fields, "key")) segment.key = *key;
  if (auto description = string_field(fields, "description")) segment.description = *description;
  if (auto attribute = string_field(fields, "attribute")) segment.attribute = *attribute;
  segment.ids = string_list_field(fields, "ids");
  for_each_item(
      fields, "conditions",
      [&](const DocNode& item, const std::string& item_field, const std::string& item_path) {
        if (auto c = condition(item, item_field, item_path)) {
          segment.conditions.push_back(std::move(*c));
        }
      });
  require(fields, {"key"}, "segment");
  into.segments.push_back(std::move(segment));
}

std::vector<VariantDefinition> FlagDocumentDecoder::variants(const DocNode& node,
                                                             const std::string& path) {
  std::vector<VariantDefinition> out;
  if (!expect(node, Kind::Map, "variants", path)) return out;
  for (const DocEntry* entry : unique_entries(node, path)) {
    const std::string variant_path = child_path(path, entry->key);
    if (auto value = variant_value(entry->value, entry->key, variant_path)) {
      out.push_back({entry->key, std::move(*value), locate(entry->key_mark, variant_path)});
    }
  }
  return out;
}

std::optional<Value> FlagDocumentDecoder::variant_value(const DocNode& node,
                                                        const std::string& variant,
                                                        const std::string& path) {
  switch (node.kind) {
    case Kind::Bool:
    case Kind::Number:
    case Kind::String:
    case Kind::Map:
      return any_value(node, path);
    case Kind::Null:
    case Kind::Sequence:
      break;
  }
  report(node.mark, path,
         "variant " + quoted(variant) + " must be a boolean, string, number or " + name(Kind::Map) +
             ", got " + name(node.kind));
  return std::nullopt;
}

Value FlagDocumentDecoder::any_value(const DocNode& node, const std::string& path) {
  switch (node.kind) {
    case Kind::Null:
      return Value();
    case Kind::Bool:
      return Value(node.boolean);
    case Kind::Number:
      return Value(node.number);
    case Kind::String:
      return Value(node.text);
    case Kind::Sequence: {
      Value::Array array;
      array.reserve(node.items.size());
      for (std::size_t i = 0; i < node.items.size(); ++i) {
        array.push_back(any_value(node.items[i], indexed(path, i)));
      }
      return Value(std::move(array));
    }
    case Kind::Map: {
      Value::Object object;
      for (const DocEntry* entry : unique_entries(node, path)) {
        object.emplace_back(entry->key, any_value(entry->value, child_path(path, entry->key)));
      }
      return Value(std::move(object));
    }
  }
  return Value();
}

std::optional<FlagKind> FlagDocumentDecoder::flag_kind(const DocNode& node,
                                                       const std::string& path) {
  if (!expect(node, Kind::String, "kind", path)) return std::nullopt;
  if (auto kind = parse_flag_kind(node.text)) return kind;
  report(node.mark, path,
         "field 'kind' must be one of " + allowed_names(FlagKind::Permission) + "; got " +
             quoted(node.text));
  return std::nullopt;
}

void decode_document(const DocNode& root, Syntax syntax, const std::string& file,
                     DocumentShape shape, LoadResult& into) {
  FlagDocumentDecoder(syntax, file, into.diagnostics).document(root, shape, into.definitions);
}

}  // namespace sluice::detail
