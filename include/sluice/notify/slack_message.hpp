#pragma once

#include <string>

#include "sluice/store/rollout_records.hpp"

namespace sluice::notify {

// The Slack incoming-webhook body (Block Kit, with a `text` fallback for notifications and old
// clients) for one outbox row: a header "Rolled back new-pdf-engine", where it went from and to,
// the decision's sentence, per-check numbers for treatment and control, who acted (and their
// reason), and a link to the dashboard when `dashboard_url` is set. Pure.
std::string slack_message(const store::OutboxRecord& row, const std::string& dashboard_url);

}  // namespace sluice::notify
