// Private to the compiler: compiles one condition's operator and operands (compiler.cpp lends it
// where diagnostics go, the attribute slots and the segment index).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiled.hpp"
#include "sluice/snapshot.hpp"

namespace sluice::detail {

struct ConditionContext {
  std::function<void(const SourceLocation&, std::string)> error;
  std::function<std::uint32_t(std::string_view attribute)> slot;
  std::function<std::optional<std::uint32_t>(const std::string& key, const SourceLocation& where,
                                             const char* field)>
      segment;
};

void compile_condition(const ConditionDefinition& def, CompiledCondition& out,
                       const ConditionContext& context);

}  // namespace sluice::detail
