#pragma once

#include <string>

namespace sluice::app {

// A unified diff (`diff -u` style, 3 lines of context) from `before` to `after`, with
// `--- before_name` / `+++ after_name` headers; "" when the texts are equal. Line-based; the
// definitions it compares are small, so a quadratic longest common subsequence is fine.
std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& before_name, const std::string& after_name);

}  // namespace sluice::app
