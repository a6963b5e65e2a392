#include "sluice/snapshot.hpp"

#include <algorithm>

#include "compiled.hpp"
#include "sluice/bucketing.hpp"

namespace sluice {
namespace {

using detail::CompiledFlag;
using detail::CompiledServe;
using detail::CompiledSet;

// What a flag resolves to, before it is turned into an Evaluation.
struct Resolution {
  std::uint32_t variant = 0;
  Reason reason = Reason::Default;
  int rule_index = -1;
  std::string_view rule_name;
  ErrorCode error = ErrorCode::None;
};

using detail::Slots;

Resolution serve(const CompiledFlag& flag, const CompiledServe& serve, const Slots& slots,
                 Reason reason_without_split, int rule_index, std::string_view rule_name) {
  if (!serve.split) return {serve.variant, reason_without_split, rule_index, rule_name};
  const auto& split = *serve.split;
  const detail::AttributeSlot& key = slots[split.bucket_slot];
  char buffer[32];
  std::optional<std::string_view> text;
  if (key.present()) text = detail::key_text(detail::scalar_of(key), buffer);
  if (!text) {
    // Without its bucketing attribute a context is not bucketed at all: fail closed.
    return {flag.off_variant, Reason::Error, rule_index, rule_name, ErrorCode::TargetingKeyMissing};
  }
  const std::uint32_t bucket = bucket_of(split.salt, *text);
  auto it = std::upper_bound(split.upper_bounds.begin(), split.upper_bounds.end(), bucket);
  // Weights sum to 10000 and bucket < 10000, so some range holds it.
  auto index = static_cast<std::size_t>(it - split.upper_bounds.begin());
  return {split.variants[index], Reason::Split, rule_index, rule_name};
}

Resolution resolve(const CompiledSet& set, const CompiledFlag& flag, const Slots& slots) {
  if (!flag.enabled) return {flag.off_variant, Reason::Disabled};
  for (const auto& prerequisite : flag.prerequisites) {
    Resolution required = resolve(set, set.flags[prerequisite.flag], slots);
    bool met = required.error == ErrorCode::None &&
               std::find(prerequisite.variants.begin(), prerequisite.variants.end(),
                         required.variant) != prerequisite.variants.end();
    if (!met) return {flag.off_variant, Reason::Default, -1, prerequisite.flag_key};
  }
  for (std::size_t i = 0; i < flag.rules.size(); ++i) {
    const auto& rule = flag.rules[i];
    bool in_segments = std::all_of(rule.segments.begin(), rule.segments.end(), [&](auto s) {
      return detail::segment_contains(set.segments[s], set, slots);
    });
    if (!in_segments) continue;
    bool holds = std::all_of(rule.conditions.begin(), rule.conditions.end(),
                             [&](const auto& c) { return detail::condition_holds(c, set, slots); });
    if (holds) {
      return serve(flag, rule.serve, slots, Reason::TargetingMatch, static_cast<int>(i), rule.name);
    }
  }
  return serve(flag, flag.fallthrough, slots, flag.is_static() ? Reason::Static : Reason::Default,
               -1, {});
}

Evaluation error_evaluation(ErrorCode code) {
  Evaluation result;
  result.reason = Reason::Error;
  result.error = code;
  return result;
}

}  // namespace

Snapshot::Snapshot(std::unique_ptr<const detail::CompiledSet> compiled)
    : compiled_(std::move(compiled)) {}

Snapshot::~Snapshot() = default;

namespace detail {

AttributeSlot::AttributeSlot(const Value& value)
    : value_(&value), kind_(static_cast<std::uint8_t>(value.kind())) {
  switch (value.kind()) {
    case Value::Kind::Bool:
      storage_[0] = value.as_bool() ? 1 : 0;
      break;
    case Value::Kind::Number: {
      const double number = value.as_number();
      std::memcpy(storage_, &number, sizeof number);
      break;
    }
    case Value::Kind::String: {
      const std::string& text = value.as_string();
      if (text.size() <= kInlineText) {
        length_ = static_cast<std::uint8_t>(text.size());
        text.copy(storage_, text.size());
      } else {
        length_ = kInlineText + 1;
      }
      break;
    }
    default:
      break;
  }
}

}  // namespace detail

PreparedContext Snapshot::prepare(const Context& context) const {
  PreparedContext prepared;
  prepared.snapshot_ = this;
  prepared.slots_.resize(compiled_->attributes.size());
  for (const auto& [name, value] : context.attributes()) {
    auto it = compiled_->attribute_slots.find(std::string_view(name));
    if (it != compiled_->attribute_slots.end()) {
      prepared.slots_[it->second] = detail::AttributeSlot(value);
    }
  }
  return prepared;
}

std::optional<FlagHandle> Snapshot::find(std::string_view key) const {
  auto it = compiled_->flag_index.find(key);
  if (it == compiled_->flag_index.end()) return std::nullopt;
  return FlagHandle{it->second};
}

Evaluation Snapshot::evaluate(std::string_view key, const PreparedContext& context,
                              std::optional<ValueType> expected) const {
  auto handle = find(key);
  if (!handle) return error_evaluation(ErrorCode::FlagNotFound);
  return evaluate(*handle, context, expected);
}

Evaluation Snapshot::evaluate(FlagHandle handle, const PreparedContext& context,
                              std::optional<ValueType> expected) const {
  if (context.snapshot() != this || handle.index >= compiled_->flags.size()) {
    return error_evaluation(ErrorCode::General);  // prepared against another snapshot
  }
  const CompiledFlag& flag = compiled_->flags[handle.index];
  if (expected && *expected != flag.type) return error_evaluation(ErrorCode::TypeMismatch);
  if (flag.constant_variant) {
    const auto& variant = flag.variants[*flag.constant_variant];
    return Evaluation{&variant.value, variant.name, flag.constant_reason};
  }
  Resolution r = resolve(*compiled_, flag, context.slots_);
  const auto& variant = flag.variants[r.variant];
  return Evaluation{&variant.value, variant.name, r.reason, r.rule_index, r.rule_name, r.error};
}

std::size_t Snapshot::flag_count() const {
  return compiled_->flags.size();
}

std::string_view Snapshot::flag_key(FlagHandle flag) const {
  return compiled_->flags[flag.index].key;
}

ValueType Snapshot::flag_type(FlagHandle flag) const {
  return compiled_->flags[flag.index].type;
}

const FlagSet& Snapshot::definitions() const {
  return compiled_->definitions;
}

}  // namespace sluice
