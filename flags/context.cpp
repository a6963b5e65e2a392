#include "sluice/context.hpp"

namespace sluice {

Context::Context(std::vector<Attribute> attributes) : attributes_(std::move(attributes)) {}

Context& Context::set(std::string_view name, Value value) {
  for (auto& [existing, existing_value] : attributes_) {
    if (existing == name) {
      existing_value = std::move(value);
      return *this;
    }
  }
  attributes_.emplace_back(std::string(name), std::move(value));
  return *this;
}

const Value* Context::find(std::string_view name) const {
  for (const auto& [existing, value] : attributes_) {
    if (existing == name) return &value;
  }
  return nullptr;
}

}  // namespace sluice
