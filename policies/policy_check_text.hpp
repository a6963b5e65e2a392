#pragma once

// Words and names for policy_check.cpp's messages: how a value is quoted, a percentage or a
// threshold written as people wrote it, where a field is, and which names Prometheus accepts.

#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/source_location.hpp"

namespace sluice::policy_check_text {

std::string quoted(std::string_view s);
// 500 -> "5%", 3333 -> "33.33%", 50 -> "0.5%".
std::string percent_text(std::uint32_t basis_points);
// Thresholds as written: 2 -> "2", 1.5 -> "1.5".
std::string number_text(double value);
// A location for a field of `parent`: its mark, the field's path.
SourceLocation field_of(const SourceLocation& parent, std::string_view field);
// Where a field was written, or else its parent mapping with the field's path.
SourceLocation written_or(const SourceLocation& written, const SourceLocation& parent,
                          std::string_view field);
// Prometheus label and metric names ([a-zA-Z_][a-zA-Z0-9_]*, metrics also ':').
bool is_label_name(std::string_view s);
bool is_metric_name(std::string_view s);

}  // namespace sluice::policy_check_text
