// The Slack message and the webhook body shown in docs/notifications.md are generated from the
// code: a representative rollback goes through the real pipeline (judge, state machine, decision
// record, outbox row, message builders) and must equal the fenced JSON under the doc's markers.
// The field trial found the hand-written example out of date (`rolling_out` for `progressing`,
// another reason and sentence). To regenerate after a deliberate change:
//   SLUICE_UPDATE_DOCS=1 build/tests/sluice_tests --gtest_filter='NotifyDocsExample.*'

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "decision_writes.hpp"
#include "sluice/notify/slack_message.hpp"
#include "sluice/notify/webhook_message.hpp"
#include "sluice/policy_loader.hpp"
#include "sluice/rollout.hpp"

namespace sluice {
namespace {

constexpr const char* kDoc = SLUICE_SOURCE_DIR "/docs/notifications.md";
constexpr const char* kDashboard = "https://sluice.example.com";

constexpr const char* kPolicy = R"(flag: new-pdf-engine
treatment: on
control: off
interval: 30s
min_duration: 5m
min_samples: 1000
stages: [{percent: 5}, {percent: 25}, {percent: 100}]
checks:
  error_rate: {critical: 2}
  latency_p95: {max_ms: {critical: 1500}}
notify: [ops-slack, audit]
)";

// 2026-11-21 at hh:mm:ss UTC.
rollout::TimePoint at(int hours, int minutes, int seconds) {
  using namespace std::chrono;
  return sys_days{year{2026} / 11 / 21} + std::chrono::hours(hours) +
         std::chrono::minutes(minutes) + std::chrono::seconds(seconds);
}

// Cumulative buckets (seconds) scaled to `total` requests: p95 near 200 ms times `scale`.
std::vector<judge::HistogramBucket> latency(double total, double scale) {
  return {{0.1 * scale, 0.5 * total},
          {0.2 * scale, 0.95 * total},
          {0.5 * scale, 0.99 * total},
          {std::numeric_limits<double>::infinity(), total}};
}

// Stage 2 of 3 (25%), 5.5 minutes in, when the treatment's errors reach 3.1x the control's. The
// counts are what Prometheus's increase() gives: extrapolated, with fractions.
store::OutboxRecord rollback_row(const std::string& target) {
  PolicyLoadResult loaded;
  read_policy_yaml(kPolicy, "policy.yaml", loaded);
  if (!loaded.ok() || loaded.policies.size() != 1) throw std::runtime_error("bad example policy");
  const Policy& policy = loaded.policies.front();

  rollout::RolloutState state;
  state.flag = policy.flag;
  state.phase = rollout::Phase::progressing;
  state.stage = 1;
  state.treatment_bp = 2500;
  state.stage_started_at = at(11, 55, 0);
  state.window_started_at = state.stage_started_at;
  state.sequence = 6;

  rollout::Observations o;
  o.treatment.requests = 12003.333333333334;
  o.treatment.errors = 372.1111111111111;
  o.control.requests = 35996.66666666667;
  o.control.errors = 359.8888888888889;
  o.treatment.latency = latency(o.treatment.requests, 1.06);
  o.control.latency = latency(o.control.requests, 1.0);
  const rollout::Decision decision = rollout::step(policy, state, o, at(12, 0, 30));
  if (decision.kind != rollout::DecisionKind::rollback)
    throw std::runtime_error("the example is no rollback: " + decision.sentence);

  store::RolloutRecord record;
  record.id = 12;
  record.flag = policy.flag;
  controller::DecisionWriteHooks hooks;
  hooks.recipients = [&target](std::string_view, const Policy&) {
    return std::vector<std::string>{target};
  };
  const store::DecisionWrite write =
      controller::decision_write(record, policy, decision, rollout::AnalysisWindow{}, false, hooks);
  for (const store::OutboxRecord& row : write.outbox)
    if (row.event_kind == "rolled_back") return row;
  throw std::runtime_error("the rollback has no rolled_back event");
}

std::string read_doc() {
  std::ifstream in(kDoc, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fenced ```json block after `<!-- generated: NAME ... -->`: its offset and length.
std::pair<std::size_t, std::size_t> block_after(const std::string& doc, const std::string& name) {
  const std::size_t marker = doc.find("<!-- generated: " + name + " ");
  if (marker == std::string::npos) return {std::string::npos, 0};
  const std::string open = "```json\n";
  const std::size_t begin = doc.find(open, marker);
  if (begin == std::string::npos) return {std::string::npos, 0};
  const std::size_t end = doc.find("\n```", begin + open.size());
  if (end == std::string::npos) return {std::string::npos, 0};
  return {begin + open.size(), end + 1 - (begin + open.size())};
}

// Compares the doc's block with `generated`, or rewrites it under SLUICE_UPDATE_DOCS=1.
void expect_documented(const std::string& name, const std::string& body) {
  const std::string generated = nlohmann::json::parse(body).dump(2) + "\n";
  std::string doc = read_doc();
  ASSERT_FALSE(doc.empty()) << kDoc;
  const auto [offset, length] = block_after(doc, name);
  ASSERT_NE(offset, std::string::npos)
      << kDoc << " has no ```json block after <!-- generated: " << name << " ... -->";
  const char* update = std::getenv("SLUICE_UPDATE_DOCS");
  if (update != nullptr && std::string(update) == "1") {
    doc.replace(offset, length, generated);
    std::ofstream(kDoc, std::ios::binary) << doc;
    return;
  }
  EXPECT_EQ(doc.substr(offset, length), generated)
      << "docs/notifications.md's " << name
      << " example differs from what the code sends; after a deliberate change run "
         "SLUICE_UPDATE_DOCS=1 sluice_tests --gtest_filter='NotifyDocsExample.*' and review the "
         "diff";
}

TEST(NotifyDocsExample, TheWebhookExampleIsWhatTheCodeSends) {
  const std::string body = notify::webhook_body(rollback_row("audit"), kDashboard);
  // What the trial found wrong in the hand-written example: the phase the API really names.
  EXPECT_NE(body.find(R"("phase":"progressing")"), std::string::npos) << body;
  expect_documented("webhook", body);
}

TEST(NotifyDocsExample, TheSlackExampleIsWhatTheCodeSends) {
  expect_documented("slack", notify::slack_message(rollback_row("ops-slack"), kDashboard));
}

}  // namespace
}  // namespace sluice
