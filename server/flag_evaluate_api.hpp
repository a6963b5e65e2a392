#pragma once

#include <string_view>

#include "http_message.hpp"
#include "sluice/snapshot.hpp"

namespace sluice::server {

// POST /v1/flags/{key}/evaluate: evaluates one flag against the served snapshot (rollout splits
// included, what SDKs get) for the body's {"context": {...}} and answers the fields `sluice eval`
// prints plus "explanation". Snapshot reads only: runs on the event loop.
HttpResponse evaluate_flag_explained(const Snapshot* snapshot, std::string_view key,
                                     std::string_view body);

}  // namespace sluice::server
