// `sluice rollout status` as people read it: whole requests and milliseconds, with the evidence as
// the API gives it (counts extrapolated by Prometheus's increase()).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "remote_rollout_view.hpp"

namespace sluice::app {
namespace {

TEST(RemoteRolloutView, SamplesAreWholeRequestsAndLatencyMilliseconds) {
  const auto decision = nlohmann::ordered_json::parse(R"({
    "sequence": 2, "at": "2026-11-21T12:00:30.000Z", "actor": "controller", "kind": "hold",
    "sentence": "holding",
    "evidence": {"checks": [
      {"check": "sample_ratio", "verdict": "pass", "treatment": 122.22222222222223,
       "control": 1100.0000000000002, "treatment_samples": 122.22222222222223,
       "control_samples": 1100.0000000000002},
      {"check": "latency_p95", "verdict": "pass", "treatment": 0.14690000000000003,
       "control": 0.169, "treatment_samples": 122.22222222222223, "control_samples": 1100.4}]}})");
  nlohmann::ordered_json rollout{{"flag", "checkout"},       {"id", 1},
                                 {"phase", "progressing"},   {"treatment", "on"},
                                 {"control", "off"},         {"treatment_percent", 10},
                                 {"last_decision", decision}};
  const std::string text = render_rollout(rollout, SystemTime{});
  EXPECT_NE(text.find("146.9 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("169.0 ms"), std::string::npos) << text;
  EXPECT_NE(text.find(" 122 "), std::string::npos) << text;
  EXPECT_NE(text.find("1,100"), std::string::npos) << text;
  EXPECT_EQ(text.find("122.2"), std::string::npos) << text;
  EXPECT_EQ(text.find("0.147"), std::string::npos) << text;
}

}  // namespace
}  // namespace sluice::app
