// The evidence a decision carries (controller/runtime/rollout_json.cpp) as people read it:
// Prometheus's increase() extrapolates, so counts arrive as 122.22222222222223; the evidence shows
// whole requests and keeps the measured value as *_raw, and latencies read in milliseconds.

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

#include "rollout_json.hpp"
#include "sluice/judge.hpp"

namespace sluice::controller {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

judge::Observations fractional_counts() {
  judge::Observations o;
  o.treatment.requests = 122.22222222222223;
  o.treatment.errors = 11.11111111111111;
  o.control.requests = 1100.0000000000002;
  o.control.errors = 4.444444444444445;
  o.expected_treatment_share_bp = 1000;
  return o;
}

const Json& check_named(const Json& evidence, const std::string& name) {
  for (const Json& c : evidence.at("checks"))
    if (c.at("check") == name) return c;
  throw std::runtime_error("no check " + name);
}

TEST(RolloutEvidenceJson, SampleCountsAreWholeRequestsWithTheRawValueKept) {
  judge::Settings settings;
  settings.error_rate->min_samples = 100;
  const Json evidence = evidence_json(judge::evaluate(settings, fractional_counts()));

  const Json& errors = check_named(evidence, "error_rate");
  EXPECT_TRUE(errors.at("treatment_samples").is_number_integer()) << errors.dump();
  EXPECT_EQ(errors.at("treatment_samples"), 122);
  EXPECT_EQ(errors.at("control_samples"), 1100);
  EXPECT_DOUBLE_EQ(errors.at("treatment_samples_raw").get<double>(), 122.22222222222223);
  EXPECT_EQ(errors.at("explanation").get<std::string>().find("122.2"), std::string::npos)
      << errors.at("explanation");

  const Json& ratio = check_named(evidence, "sample_ratio");
  EXPECT_EQ(ratio.at("treatment"), 122);
  EXPECT_EQ(ratio.at("control"), 1100);
  EXPECT_DOUBLE_EQ(ratio.at("treatment_raw").get<double>(), 122.22222222222223);
  EXPECT_NE(ratio.at("explanation").get<std::string>().find("of 1,222 requests"), std::string::npos)
      << ratio.at("explanation");
}

TEST(RolloutEvidenceJson, LatencySentenceSaysMilliseconds) {
  judge::Settings settings;
  settings.error_rate.reset();
  judge::LatencyCheck latency;
  latency.critical_ratio = 1.5;
  latency.min_samples = 10;
  settings.latency = latency;
  judge::Observations o = fractional_counts();
  o.treatment.latency = {{0.1, 50}, {0.2, 100}, {0.4, 122}, {kInf, 122}};
  o.control.latency = {{0.1, 500}, {0.2, 1000}, {0.4, 1100}, {kInf, 1100}};
  const Json evidence = evidence_json(judge::evaluate(settings, o));
  const std::string sentence = check_named(evidence, "latency_p95").at("explanation");
  EXPECT_NE(sentence.find(" ms vs "), std::string::npos) << sentence;
  EXPECT_NE(sentence.find(" ms on control over 122 requests"), std::string::npos) << sentence;
}

}  // namespace
}  // namespace sluice::controller
