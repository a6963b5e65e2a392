#include "flag_decoder.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "basis_points.hpp"
#include "document_decoder.hpp"

namespace sluice::detail {
namespace {

using Kind = DocNode::Kind;

template <class Enum>
std::string allowed_names(Enum last) {
  std::string out;
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    if (i > 0) out += ", ";
    out += to_string(static_cast<Enum>(i));
  }
  return out;
}

// A condition operand: a string, number or boolean.
std::optional<Value> scalar_value(const DocNode& node) {
  switch (node.kind) {
    case DocNode::Kind::Bool:
      return Value(node.boolean);
    case DocNode::Kind::Number:
      return Value(node.number);
    case DocNode::Kind::String:
      return Value(node.text);
    case DocNode::Kind::Null:
    case DocNode::Kind::Map:
    case DocNode::Kind::Sequence:
      break;
  }
  return std::nullopt;
}

class Decoder : public DecoderBase {
 public:
  using DecoderBase::DecoderBase;

  void document(const DocNode& root, DocumentShape shape, FlagSet& into);

 private:
  void bundle(const DocNode& root, FlagSet& into);
  void flag(const DocNode& node, const std::string& path, FlagSet& into);
  void segment(const DocNode& node, const std::string& field, const std::string& path,
               FlagSet& into);
  std::vector<VariantDefinition> variants(const DocNode& node, const std::string& path);
  std::optional<Value> variant_value(const DocNode& node, const std::string& name,
                                     const std::string& path);
  Value any_value(const DocNode& node, const std::string& path);
  std::optional<PrerequisiteDefinition> prerequisite(const DocNode& node, const std::string& field,
                                                     const std::string& path);
  std::optional<RuleDefinition> rule(const DocNode& node, const std::string& field,
                                     const std::string& path);
  std::optional<ConditionDefinition> condition(const DocNode& node, const std::string& field,
                                               const std::string& path);
  std::optional<Value> operand(const DocNode& node, std::string_view field,
                               const std::string& path);
  ServeDefinition serve(const DocNode& node, const std::string& what, const std::string& path);
  std::optional<SplitDefinition> split(const DocNode& node, const std::string& path);
  std::vector<SplitWeight> weights(const DocNode& node, const std::string& path);
  std::optional<std::uint32_t> weight(const DocNode& node, const std::string& subject,
                                      const std::string& path);
  std::optional<FlagKind> flag_kind(const DocNode& node, const std::string& path);
  std::optional<Operator> operator_of(const DocNode& node, const std::string& path);

  template <class DecodeItem>
  void for_each_item(const Fields& fields, std::string_view key, DecodeItem&& decode);
};

template <class DecodeItem>
void Decoder::for_each_item(const Fields& fields, std::string_view key, DecodeItem&& decode) {
  const DocEntry* entry = fields.get(key);
  const std::string path = fields.path_of(key);
  if (entry == nullptr || !expect(entry->value, Kind::Sequence, key, path)) return;
  const auto& items = entry->value.items;
  for (std::size_t i = 0; i < items.size(); ++i)
    decode(items[i], indexed(key, i), indexed(path, i));
}

void Decoder::document(const DocNode& root, DocumentShape shape, FlagSet& into) {
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

void Decoder::bundle(const DocNode& root, FlagSet& into) {
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

void Decoder::flag(const DocNode& node, const std::string& path, FlagSet& into) {
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

void Decoder::segment(const DocNode& node, const std::string& field, const std::string& path,
                      FlagSet& into) {
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

std::vector<VariantDefinition> Decoder::variants(const DocNode& node, const std::string& path) {
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

std::optional<Value> Decoder::variant_value(const DocNode& node, const std::string& variant,
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

Value Decoder::any_value(const DocNode& node, const std::string& path) {
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

std::optional<PrerequisiteDefinition> Decoder::prerequisite(const DocNode& node,
                                                            const std::string& field,
                                                            const std::string& path) {
  if (!expect(node, Kind::Map, field, path)) return std::nullopt;
  const Fields fields(*this, node, path, "prerequisite", {"flag", "variants", "variant"});
  PrerequisiteDefinition prerequisite;
  prerequisite.where = locate(node.mark, path);
  const auto flag_key = string_field(fields, "flag");
  if (flag_key) prerequisite.flag = *flag_key;
  prerequisite.variants = string_list_field(fields, "variants");
  if (auto variant = string_field(fields, "variant")) prerequisite.variants.push_back(*variant);

  const std::string subject = flag_key ? "prerequisite " + quoted(*flag_key) : "prerequisite";
  require(fields, {"flag"}, subject);
  if (fields.has("variant") && fields.has("variants")) {
    report(node.mark, path, subject + " has both 'variant' and 'variants'; give only one");
  } else if (!fields.has("variant") && !fields.has("variants")) {
    require(fields, {"variants"}, subject);
  }
  return prerequisite;
}

std::optional<RuleDefinition> Decoder::rule(const DocNode& node, const std::string& field,
                                            const std::string& path) {
  if (!expect(node, Kind::Map, field, path)) return std::nullopt;
  const Fields fields(*this, node, path, "rule", {"name", "conditions", "segments", "serve"});
  RuleDefinition rule;
  rule.where = locate(node.mark, path);
  if (auto rule_name = string_field(fields, "name")) rule.name = *rule_name;
  for_each_item(
      fields, "conditions",
      [&](const DocNode& item, const std::string& item_field, const std::string& item_path) {
        if (auto c = condition(item, item_field, item_path)) {
          rule.conditions.push_back(std::move(*c));
        }
      });
  rule.segments = string_list_field(fields, "segments");
  if (const DocEntry* serve_entry = fields.get("serve")) {
    rule.serve = serve(serve_entry->value, "serve", fields.path_of("serve"));
  }
  require(fields, {"serve"}, rule.name.empty() ? "rule" : "rule " + quoted(rule.name));
  return rule;
}

std::optional<ConditionDefinition> Decoder::condition(const DocNode& node, const std::string& field,
                                                      const std::string& path) {
  if (!expect(node, Kind::Map, field, path)) return std::nullopt;
  const Fields fields(*this, node, path, "condition",
                      {"attribute", "op", "value", "values", "negate", "case_insensitive"});
  ConditionDefinition condition;
  condition.where = locate(node.mark, path);
  if (auto attribute = string_field(fields, "attribute")) condition.attribute = *attribute;
  std::optional<Operator> op;
  if (const DocEntry* op_entry = fields.get("op")) {
    op = operator_of(op_entry->value, fields.path_of("op"));
    if (op) condition.op = *op;
  }

  const DocEntry* value = fields.get("value");
  const DocEntry* values = fields.get("values");
  if (value != nullptr && values != nullptr) {
    const DocEntry* second = std::max(value, values);  // the later one in the mapping
    report(second->key_mark, fields.path_of(second->key),
           "condition has both 'value' and 'values'; give only one");
  } else if (value != nullptr) {
    if (auto operand_value = operand(value->value, "value", fields.path_of("value"))) {
      condition.values.push_back(std::move(*operand_value));
    }
  } else if (values != nullptr) {
    const std::string values_path = fields.path_of("values");
    if (expect(values->value, Kind::Sequence, "values", values_path)) {
      const auto& items = values->value.items;
      condition.values.reserve(items.size());
      for (std::size_t i = 0; i < items.size(); ++i) {
        // Lists of ids run to thousands: name an item only when it is wrong.
        if (auto scalar = scalar_value(items[i])) {
          condition.values.push_back(std::move(*scalar));
        } else {
          operand(items[i], indexed("values", i), indexed(values_path, i));
        }
      }
    }
  }
  if (auto negate = bool_field(fields, "negate")) condition.negate = *negate;
  if (auto folded = bool_field(fields, "case_insensitive")) condition.case_insensitive = *folded;

  require(fields, {"op"}, "condition");
  // Only in_segment works without an attribute; an unknown op has been reported already.
  if (op && *op != Operator::InSegment) require(fields, {"attribute"}, "condition");
  return condition;
}

std::optional<Value> Decoder::operand(const DocNode& node, std::string_view field,
                                      const std::string& path) {
  if (auto scalar = scalar_value(node)) return scalar;
  std::string message =
      "field " + quoted(field) + " must be a string, number or boolean, got " + name(node.kind);
  if (field == "value" && node.is(Kind::Sequence)) message += "; use 'values' for a list";
  report(node.mark, path, std::move(message));
  return std::nullopt;
}

ServeDefinition Decoder::serve(const DocNode& node, const std::string& what,
                               const std::string& path) {
  ServeDefinition serve;
  serve.where = locate(node.mark, path);
  if (!node.is(Kind::Map)) {
    type_error(node, article(Kind::Map) + " with 'variant' or 'split'", what, path);
    return serve;
  }
  const Fields fields(*this, node, path, what, {"variant", "split"});
  serve.variant = string_field(fields, "variant");
  if (const DocEntry* split_entry = fields.get("split")) {
    serve.split = split(split_entry->value, fields.path_of("split"));
  }
  if (fields.has("variant") && fields.has("split")) {
    report(node.mark, path, what + " has both 'variant' and 'split'; give only one");
  } else if (!fields.has("variant") && !fields.has("split")) {
    report(node.mark, path, what + " needs one of 'variant' or 'split'");
  }
  return serve;
}

std::optional<SplitDefinition> Decoder::split(const DocNode& node, const std::string& path) {
  if (!expect(node, Kind::Map, "split", path)) return std::nullopt;
  const Fields fields(*this, node, path, "split", {"bucket_by", "salt", "weights"});
  SplitDefinition split;
  split.where = locate(node.mark, path);
  split.bucket_by = string_field(fields, "bucket_by");
  split.salt = string_field(fields, "salt");
  if (const DocEntry* weights_entry = fields.get("weights")) {
    split.weights = weights(weights_entry->value, fields.path_of("weights"));
  }
  require(fields, {"weights"}, "split");
  return split;
}

std::vector<SplitWeight> Decoder::weights(const DocNode& node, const std::string& path) {
  std::vector<SplitWeight> out;
  if (node.is(Kind::Map)) {
    for (const DocEntry* entry : unique_entries(node, path)) {
      const std::string weight_path = child_path(path, entry->key);
      if (auto bp = weight(entry->value, "weight for " + quoted(entry->key), weight_path)) {
        out.push_back({entry->key, *bp, locate(entry->key_mark, weight_path)});
      }
    }
  } else if (node.is(Kind::Sequence)) {
    for (std::size_t i = 0; i < node.items.size(); ++i) {
      const DocNode& item = node.items[i];
      const std::string item_path = indexed(path, i);
      if (!expect(item, Kind::Map, indexed("weights", i), item_path)) continue;
      const Fields fields(*this, item, item_path, "split weight", {"variant", "weight"});
      const auto variant = string_field(fields, "variant");
      std::optional<std::uint32_t> bp;
      if (const DocEntry* weight_entry = fields.get("weight")) {
        bp = weight(weight_entry->value, "field 'weight'", fields.path_of("weight"));
      }
      require(fields, {"variant", "weight"}, "split weight");
      if (variant && bp) out.push_back({*variant, *bp, locate(item.mark, item_path)});
    }
  } else {
    type_error(node, article(Kind::Map) + " or " + article(Kind::Sequence), "weights", path);
  }
  return out;
}

std::optional<std::uint32_t> Decoder::weight(const DocNode& node, const std::string& subject,
                                             const std::string& path) {
  if (node.is(Kind::Number)) {
    if (auto bp = percent_to_basis_points(node.text)) return bp;
  }
  const std::string got = node.is(Kind::Number)   ? node.text
                          : node.is(Kind::String) ? "string " + quoted(node.text)
                                                  : std::string(name(node.kind));
  report(node.mark, path,
         subject + " must be a number between 0 and 100 with at most two decimals, got " + got);
  return std::nullopt;
}

std::optional<FlagKind> Decoder::flag_kind(const DocNode& node, const std::string& path) {
  if (!expect(node, Kind::String, "kind", path)) return std::nullopt;
  if (auto kind = parse_flag_kind(node.text)) return kind;
  report(node.mark, path,
         "field 'kind' must be one of " + allowed_names(FlagKind::Permission) + "; got " +
             quoted(node.text));
  return std::nullopt;
}

std::optional<Operator> Decoder::operator_of(const DocNode& node, const std::string& path) {
  if (!expect(node, Kind::String, "op", path)) return std::nullopt;
  if (auto op = parse_operator(node.text)) return op;
  report(node.mark, path,
         "field 'op' must be one of " + allowed_names(Operator::InSegment) + "; got " +
             quoted(node.text));
  return std::nullopt;
}

}  // namespace

void decode_document(const DocNode& root, Syntax syntax, const std::string& file,
                     DocumentShape shape, LoadResult& into) {
  Decoder(syntax, file, into.diagnostics).document(root, shape, into.definitions);
}

}  // namespace sluice::detail
