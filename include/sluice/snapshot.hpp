#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "sluice/context.hpp"
#include "sluice/evaluation.hpp"
#include "sluice/flag_definition.hpp"
#include "sluice/source_location.hpp"

namespace sluice {

namespace detail {
struct CompiledSet;

// One context attribute as evaluation reads it. Scalars are copied in (strings of up to
// kInlineText bytes inline), so evaluation reads the prepared context front to back instead of
// chasing pointers into the Context; lists and long strings are read through `value()`.
class AttributeSlot {
 public:
  static constexpr std::size_t kInlineText = 38;

  AttributeSlot() = default;
  explicit AttributeSlot(const Value& value);

  bool present() const { return value_ != nullptr; }
  const Value* value() const { return value_; }
  Value::Kind kind() const { return static_cast<Value::Kind>(kind_); }
  bool boolean() const { return storage_[0] != 0; }
  double number() const {
    double d;
    std::memcpy(&d, storage_, sizeof d);
    return d;
  }
  std::string_view text() const {
    return length_ <= kInlineText ? std::string_view(storage_, length_)
                                  : std::string_view(value_->as_string());
  }

 private:
  // 32 bytes, so that a context's slots stay within few cache lines.
  const Value* value_ = nullptr;
  char storage_[kInlineText] = {};  // the text, the number's bytes, or the boolean
  std::uint8_t kind_ = 0;
  std::uint8_t length_ = 0;  // above kInlineText: the text lives in *value_
};
}  // namespace detail

class Snapshot;

// A context resolved against one snapshot's attribute table: each attribute the snapshot's rules
// read has a slot, so evaluation finds attributes by index without hashing or allocating. Lists
// and long strings point into the Context it was made from: keep that alive while this is used.
class PreparedContext {
 public:
  const detail::AttributeSlot& attribute(std::uint32_t slot) const { return slots_[slot]; }
  const Snapshot* snapshot() const { return snapshot_; }

 private:
  friend class Snapshot;
  const Snapshot* snapshot_ = nullptr;
  std::vector<detail::AttributeSlot> slots_;
};

// Identifies a flag within one snapshot; look it up once with `Snapshot::find`.
struct FlagHandle {
  std::uint32_t index = 0;
};

// Compiled, immutable flags and segments. Evaluation is a const call: no lock, no allocation.
// Built by `compile_snapshot`; share it as `std::shared_ptr<const Snapshot>`.
class Snapshot {
 public:
  explicit Snapshot(std::unique_ptr<const detail::CompiledSet> compiled);
  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  PreparedContext prepare(const Context& context) const;

  std::optional<FlagHandle> find(std::string_view key) const;

  // Evaluates a flag. When `expected` is given and the flag's variants have another type, the
  // result is ERROR / TYPE_MISMATCH with no value, so the caller's default applies.
  Evaluation evaluate(std::string_view key, const PreparedContext& context,
                      std::optional<ValueType> expected = std::nullopt) const;
  Evaluation evaluate(FlagHandle flag, const PreparedContext& context,
                      std::optional<ValueType> expected = std::nullopt) const;

  std::size_t flag_count() const;
  std::string_view flag_key(FlagHandle flag) const;
  ValueType flag_type(FlagHandle flag) const;
  // The definitions this snapshot was compiled from.
  const FlagSet& definitions() const;

 private:
  std::unique_ptr<const detail::CompiledSet> compiled_;
};

struct CompileResult {
  std::shared_ptr<const Snapshot> snapshot;  // null when there are diagnostics
  Diagnostics diagnostics;
};

// Checks every reference, weight, operand and prerequisite cycle and builds the snapshot. Either
// the whole set compiles or nothing does.
CompileResult compile_snapshot(FlagSet definitions);

}  // namespace sluice
