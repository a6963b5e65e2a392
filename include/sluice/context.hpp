#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/value.hpp"

namespace sluice {

// The evaluation context: named attributes whose values are strings, numbers, booleans or lists
// of these. `targetingKey` is the default bucketing attribute.
class Context {
 public:
  using Attribute = std::pair<std::string, Value>;

  Context() = default;
  explicit Context(std::vector<Attribute> attributes);
  Context(std::initializer_list<Attribute> attributes) : attributes_(attributes) {}

  // Sets or replaces an attribute.
  Context& set(std::string_view name, Value value);
  const Value* find(std::string_view name) const;
  const std::vector<Attribute>& attributes() const { return attributes_; }

 private:
  std::vector<Attribute> attributes_;
};

inline constexpr std::string_view kTargetingKey = "targetingKey";

}  // namespace sluice
