#pragma once

#include <string>
#include <string_view>

#include "sluice/evaluation.hpp"
#include "sluice/value.hpp"

namespace sluice::server {

// One evaluation as `{"key","value","variant","reason","rule","errorCode"?}`, shared by
// `sluice eval` and POST /v1/flags/{key}/evaluate. `rule` is the matching rule's name (its index
// when unnamed), `prerequisite:KEY` for a failed prerequisite, or null. `fallback` is the
// caller's default, used when the evaluation has no value.
void append_evaluation_json(std::string& out, std::string_view key, const Evaluation& evaluation,
                            const Value& fallback);

}  // namespace sluice::server
