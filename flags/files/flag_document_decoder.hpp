#pragma once

// The decoder of flag documents, private to flags/files: documents, flags, segments and values in
// flag_decoder.cpp; prerequisites, rules, conditions and what they serve in rule_decoder.cpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "document_decoder.hpp"
#include "flag_decoder.hpp"

namespace sluice::detail {

// "a, b, c": every name of an enum whose last enumerator is `last`.
template <class Enum>
std::string allowed_names(Enum last) {
  std::string out;
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    if (i > 0) out += ", ";
    out += to_string(static_cast<Enum>(i));
  }
  return out;
}

class FlagDocumentDecoder : public DecoderBase {
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
void FlagDocumentDecoder::for_each_item(const Fields& fields, std::string_view key,
                                        DecodeItem&& decode) {
  const DocEntry* entry = fields.get(key);
  const std::string path = fields.path_of(key);
  if (entry == nullptr || !expect(entry->value, DocNode::Kind::Sequence, key, path)) return;
  const auto& items = entry->value.items;
  for (std::size_t i = 0; i < items.size(); ++i)
    decode(items[i], indexed(key, i), indexed(path, i));
}

}  // namespace sluice::detail
