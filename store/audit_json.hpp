#pragma once

// The before/after documents of audit entries: the whole record, so a kill shows the state
// change and an update the definition change, and a reader needs no other table.

#include <string>

#include "sluice/store/records.hpp"

namespace sluice::store::detail {

// The definition is embedded as JSON when it parses (it always should: the server validates it)
// and as a string otherwise, so the audit log never loses what was written.
std::string audit_json(const FlagRecord& flag);
std::string audit_json(const SegmentRecord& segment);
// Never the hash: the audit log is readable by more people than the tokens table.
std::string audit_json(const TokenRecord& token);

}  // namespace sluice::store::detail
