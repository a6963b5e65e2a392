#pragma once

#include <string>

#include "sluice/context.hpp"
#include "sluice/evaluation.hpp"
#include "sluice/snapshot.hpp"

namespace sluice::server {

// One sentence a person understands for why `flag` evaluated as it did: the rule that matched
// (by name and position), a failed prerequisite, a kill, a split (weights, bucketing attribute
// and the context's bucket) or a missing bucketing attribute. Reads the definition the snapshot
// was compiled from and recomputes the bucket here, so the evaluator's hot path stays as it is.
std::string explain_evaluation(const Snapshot& snapshot, const FlagDefinition& flag,
                               const Context& context, const PreparedContext& prepared,
                               const Evaluation& evaluation);

// Why an evaluation failed with TARGETING_KEY_MISSING, for OFREP's errorDetails: "the split
// buckets by accountId; the context has no accountId". "" when what was served has no split.
std::string missing_bucket_key_text(const FlagDefinition& flag, const Evaluation& evaluation);

}  // namespace sluice::server
