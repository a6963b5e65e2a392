#include <utility>

#include "basis_points.hpp"
#include "flag_document_decoder.hpp"

namespace sluice::detail {
namespace {

using Kind = DocNode::Kind;

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

}  // namespace

std::optional<PrerequisiteDefinition> FlagDocumentDecoder::prerequisite(const DocNode& node,
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

std::optional<RuleDefinition> FlagDocumentDecoder::rule(const DocNode& node,
                                                        const std::string& field,
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

std::optional<ConditionDefinition> FlagDocumentDecoder::condition(const DocNode& node,
                                                                  const std::string& field,
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

std::optional<Value> FlagDocumentDecoder::operand(const DocNode& node, std::string_view field,
                                                  const std::string& path) {
  if (auto scalar = scalar_value(node)) return scalar;
  std::string message =
      "field " + quoted(field) + " must be a string, number or boolean, got " + name(node.kind);
  if (field == "value" && node.is(Kind::Sequence)) message += "; use 'values' for a list";
  report(node.mark, path, std::move(message));
  return std::nullopt;
}

ServeDefinition FlagDocumentDecoder::serve(const DocNode& node, const std::string& what,
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

std::optional<SplitDefinition> FlagDocumentDecoder::split(const DocNode& node,
                                                          const std::string& path) {
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

std::vector<SplitWeight> FlagDocumentDecoder::weights(const DocNode& node,
                                                      const std::string& path) {
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

std::optional<std::uint32_t> FlagDocumentDecoder::weight(const DocNode& node,
                                                         const std::string& subject,
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

std::optional<Operator> FlagDocumentDecoder::operator_of(const DocNode& node,
                                                         const std::string& path) {
  if (!expect(node, Kind::String, "op", path)) return std::nullopt;
  if (auto op = parse_operator(node.text)) return op;
  report(node.mark, path,
         "field 'op' must be one of " + allowed_names(Operator::InSegment) + "; got " +
             quoted(node.text));
  return std::nullopt;
}

}  // namespace sluice::detail
