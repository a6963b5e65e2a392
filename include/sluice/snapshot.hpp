#pragma once

#include <cstdint>
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
}

class Snapshot;

// A context resolved against one snapshot's attribute table: each attribute the snapshot's rules
// read has a slot, so evaluation finds attributes by index without hashing or allocating. It
// points into the Context it was made from; keep that alive while the prepared context is used.
class PreparedContext {
 public:
  const Value* attribute(std::uint32_t slot) const { return slots_[slot]; }
  const Snapshot* snapshot() const { return snapshot_; }

 private:
  friend class Snapshot;
  const Snapshot* snapshot_ = nullptr;
  std::vector<const Value*> slots_;
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
