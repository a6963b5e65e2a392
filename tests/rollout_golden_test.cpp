// Golden decision tests of the rollout state machine: each tests/data/rollouts/*.json holds a
// policy (inline, or a path such as examples/policies/new-pdf-engine.yaml), a timeline of ticks
// in virtual time (a fake clock: offsets from the start) with per-variant counts, or manual
// commands, and the expected decision per tick. The real judge decides inside `step`.
//
// Counts: `"treatment": [requests, errors]` (and `"control"`) are CUMULATIVE since the analysis
// window began (the adapter contract); `"add_treatment"` / `"add_control"` are increments since
// the previous tick, which the harness accumulates and resets whenever the window restarts.
//
// Anomaly model: `"anomaly": {"score": 0.9, "sentence": "anomaly score 0.90: ..."}` or
// `{"abstained": true, "history": 7, "min_history": 20}` on a tick is the assessment the caller
// passes in Observations::anomaly (the model itself is tested in anomaly_test.cpp). Every such
// tick is also decided without it: the assessment may only make the decision more cautious.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sluice/policy_loader.hpp"
#include "sluice/rollout.hpp"

namespace {

using nlohmann::json;
using sluice::Policy;
using namespace sluice::rollout;

const std::filesystem::path kSourceDir = SLUICE_SOURCE_DIR;
const std::filesystem::path kGoldenDir = kSourceDir / "tests/data/rollouts";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Policy load_policy(const json& golden) {
  sluice::PolicyLoadResult loaded;
  if (golden.contains("policy_file")) {
    const std::filesystem::path path = kSourceDir / golden.at("policy_file").get<std::string>();
    sluice::read_policy_yaml(read_text(path), path.string(), loaded);
  } else {
    loaded = sluice::read_single_policy_json(golden.at("policy").dump());
  }
  for (const auto& d : loaded.diagnostics)
    ADD_FAILURE() << d.format();
  if (!loaded.ok() || loaded.policies.size() != 1) {
    ADD_FAILURE() << "the golden file needs exactly one valid policy";
    return Policy{};
  }
  const sluice::Diagnostics meaning = sluice::check_policy(loaded.policies[0], nullptr);
  for (const auto& d : meaning)
    ADD_FAILURE() << "policy: " << d.format();
  return loaded.policies[0];
}

std::chrono::milliseconds parse_offset(const json& value) {
  if (value.is_number())
    return std::chrono::milliseconds(static_cast<long long>(value.get<double>() * 1000));
  const auto d = sluice::parse_duration(value.get<std::string>());
  EXPECT_TRUE(d.has_value()) << "bad offset " << value.dump();
  return d ? std::chrono::duration_cast<std::chrono::milliseconds>(*d)
           : std::chrono::milliseconds(0);
}

double count(const json& v) {
  if (v.is_string() && v.get<std::string>() == "NaN")
    return std::numeric_limits<double>::quiet_NaN();
  return v.get<double>();
}

struct Counts {
  double requests = 0;
  double errors = 0;
};

Counts read_counts(const json& pair) {
  return {count(pair.at(0)), count(pair.at(1))};
}

// Latency: a list of [upper_bound_seconds, cumulative fraction]; "+Inf" for the last bound.
std::vector<sluice::judge::HistogramBucket> read_histogram(const json& buckets, double total) {
  std::vector<sluice::judge::HistogramBucket> out;
  for (const json& b : buckets) {
    sluice::judge::HistogramBucket bucket;
    bucket.upper_bound =
        b.at(0).is_string() ? std::numeric_limits<double>::infinity() : b.at(0).get<double>();
    bucket.cumulative_count = b.at(1).get<double>() * total;
    out.push_back(bucket);
  }
  return out;
}

sluice::anomaly::Assessment read_assessment(const json& j) {
  sluice::anomaly::Assessment a;
  a.abstained = j.value("abstained", false);
  a.history = j.value("history", std::size_t{100});
  a.min_history = j.value("min_history", std::size_t{20});
  if (a.abstained) {
    a.reason = "insufficient history (" + std::to_string(a.history) + " of " +
               std::to_string(a.min_history) + ")";
    a.sentence = "anomaly model abstains: " + a.reason;
    return a;
  }
  a.score = j.at("score").get<double>();
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", a.score);
  a.sentence = j.value("sentence", "anomaly score " + std::string(buffer));
  return a;
}

// How cautious a decision is: moving on < holding < pausing < rolling back.
int caution(DecisionKind kind) {
  switch (kind) {
    case DecisionKind::advance:
    case DecisionKind::complete:
    case DecisionKind::wait_for_approval:
    case DecisionKind::resume:
    case DecisionKind::start:
      return 0;
    case DecisionKind::hold:
    case DecisionKind::none:
      return 1;
    case DecisionKind::pause:
      return 2;
    default:
      return 3;
  }
}

std::string join(const std::vector<EventKind>& events) {
  std::string out;
  for (EventKind e : events)
    out += (out.empty() ? "" : ",") + std::string(to_string(e));
  return out;
}

// Invariants that hold for every decision, whatever the timeline.
void check_invariants(const Policy& policy, const RolloutState& before, const Decision& d,
                      const std::string& where) {
  const RolloutState& after = d.next;
  // Never skip a stage.
  EXPECT_LE(after.stage, before.stage + 1) << where << ": skipped a stage";
  EXPECT_GE(after.stage, before.stage) << where << ": went back a stage";
  if (d.kind == DecisionKind::none) {
    EXPECT_EQ(after, before) << where;
  } else {
    EXPECT_EQ(after.sequence, before.sequence + 1) << where;
  }
  if (before.terminal()) {
    EXPECT_EQ(d.kind, DecisionKind::none) << where;
  }
  if (after.phase == Phase::rolled_back) {
    EXPECT_EQ(after.treatment_bp, 0u) << where;
  }
  if (d.kind == DecisionKind::rollback) {
    ASSERT_TRUE(d.effects.split.has_value()) << where;
    EXPECT_TRUE(d.effects.split->control_to_all) << where;
    EXPECT_TRUE(d.effects.split->cohorts.empty()) << where;
  }
  // No data is never a pass: the controller does not advance on it (except the 100% soak).
  if (d.evidence && d.actor == "controller" &&
      (d.kind == DecisionKind::advance || d.kind == DecisionKind::wait_for_approval)) {
    EXPECT_EQ(d.evidence->overall, sluice::judge::Verdict::pass) << where;
    for (const auto& c : d.evidence->checks)
      EXPECT_FALSE(c.elevated) << where << c.check;
  }
  if (after.phase == Phase::progressing && !policy.stages.empty()) {
    EXPECT_EQ(after.treatment_bp, policy.stages.at(after.stage).basis_points.value_or(0)) << where;
  }
  EXPECT_FALSE(d.sentence.empty()) << where;
}

void run_golden(const std::filesystem::path& path, int& ticks_run) {
  SCOPED_TRACE(path.filename().string());
  const json golden = json::parse(read_text(path));
  const Policy policy = load_policy(golden);
  if (::testing::Test::HasFailure()) return;

  StepOptions options;
  if (golden.contains("auto_resume_after"))
    options.auto_resume_after = golden.at("auto_resume_after").get<std::uint32_t>();

  const TimePoint t0 = TimePoint{} + std::chrono::hours(24 * 365 * 56);  // a fake clock
  RolloutState state = initial_state(policy);
  Counts treatment, control;
  TimePoint window = state.window_started_at;

  // `"repeat": n` stands for n ticks one interval apart (or `"every"` apart), each with the same
  // increments and expectations.
  std::vector<json> timeline;
  for (const json& tick : golden.at("timeline")) {
    const int repeat = tick.value("repeat", 1);
    const std::chrono::milliseconds every =
        tick.contains("every")
            ? parse_offset(tick.at("every"))
            : std::chrono::duration_cast<std::chrono::milliseconds>(policy.interval);
    for (int i = 0; i < repeat; ++i) {
      json copy = tick;
      copy["at"] = static_cast<double>((parse_offset(tick.at("at")) + i * every).count()) / 1000.0;
      timeline.push_back(std::move(copy));
    }
  }

  int index = 0;
  for (const json& tick : timeline) {
    ++index;
    const std::string where =
        path.filename().string() + " tick " + std::to_string(index) +
        (tick.contains("note") ? " (" + tick["note"].get<std::string>() + ")" : "");
    const TimePoint now = t0 + parse_offset(tick.at("at"));
    const json& expect = tick.at("expect");

    if (state.window_started_at != window) {  // the window restarted: counts start from zero
      treatment = {};
      control = {};
      window = state.window_started_at;
    }

    Decision decision;
    if (tick.contains("command")) {
      const json& c = tick.at("command");
      Command command;
      const auto kind = parse_command_kind(c.at("kind").get<std::string>());
      ASSERT_TRUE(kind.has_value()) << where;
      command.kind = *kind;
      command.actor = c.value("actor", "alice");
      command.reason = c.value("reason", "");
      if (c.contains("percent"))
        command.basis_points =
            static_cast<std::uint32_t>(c.at("percent").get<double>() * 100 + 0.5);
      const CommandResult result = apply(policy, state, command, now);
      if (expect.contains("error_contains")) {
        EXPECT_FALSE(result.ok()) << where << ": expected a refusal";
        EXPECT_NE(result.error.find(expect.at("error_contains").get<std::string>()),
                  std::string::npos)
            << where << ": error was: " << result.error;
        ++ticks_run;
        continue;
      }
      ASSERT_TRUE(result.ok()) << where << ": refused: " << result.error;
      decision = *result.decision;
      EXPECT_EQ(decision.actor, command.actor) << where;
      EXPECT_EQ(decision.reason, command.reason) << where;
    } else {
      if (tick.contains("add_treatment")) {
        const Counts add = read_counts(tick.at("add_treatment"));
        treatment.requests += add.requests;
        treatment.errors += add.errors;
      }
      if (tick.contains("add_control")) {
        const Counts add = read_counts(tick.at("add_control"));
        control.requests += add.requests;
        control.errors += add.errors;
      }
      if (tick.contains("treatment")) treatment = read_counts(tick.at("treatment"));
      if (tick.contains("control")) control = read_counts(tick.at("control"));
      Observations observations;
      observations.treatment.requests = treatment.requests;
      observations.treatment.errors = treatment.errors;
      observations.control.requests = control.requests;
      observations.control.errors = control.errors;
      // Latency: a histogram shape as fractions of the requests (`[[0.1, 0.5], ["+Inf", 1]]`),
      // for the whole timeline (`"latency"`) or one tick (`"latency_shape"`).
      const json* shape = tick.contains("latency_shape") ? &tick.at("latency_shape")
                          : golden.contains("latency")   ? &golden.at("latency")
                                                         : nullptr;
      if (shape) {
        observations.treatment.latency = read_histogram(shape->at("treatment"), treatment.requests);
        observations.control.latency = read_histogram(shape->at("control"), control.requests);
      }
      if (tick.contains("unavailable"))
        observations.unavailable = tick.at("unavailable").get<std::string>();
      if (tick.contains("anomaly")) {
        const Decision without = step(policy, state, observations, now, options);
        observations.anomaly = read_assessment(tick.at("anomaly"));
        decision = step(policy, state, observations, now, options);
        EXPECT_GE(caution(decision.kind), caution(without.kind))
            << where << ": the anomaly model made " << to_string(without.kind) << " into "
            << to_string(decision.kind);
        if (policy.anomaly_enabled() && decision.kind != DecisionKind::none) {
          EXPECT_TRUE(decision.anomaly.has_value()) << where << ": no assessment in the evidence";
        }
      } else {
        decision = step(policy, state, observations, now, options);
      }
    }

    check_invariants(policy, state, decision, where);
    const RolloutState& next = decision.next;
    if (expect.contains("kind")) {
      EXPECT_EQ(to_string(decision.kind), expect.at("kind").get<std::string>())
          << where << ": " << decision.sentence;
    }
    if (expect.contains("phase")) {
      EXPECT_EQ(to_string(next.phase), expect.at("phase").get<std::string>())
          << where << ": " << decision.sentence;
    }
    if (expect.contains("share")) {
      EXPECT_EQ(format_share(next.treatment_bp), expect.at("share").get<std::string>()) << where;
    }
    if (expect.contains("stage")) {
      EXPECT_EQ(next.stage + 1, expect.at("stage").get<std::size_t>()) << where;
    }
    if (expect.contains("pause_cause")) {
      EXPECT_EQ(to_string(next.pause_cause), expect.at("pause_cause").get<std::string>()) << where;
    }
    if (expect.contains("verdict")) {
      ASSERT_TRUE(decision.evidence.has_value()) << where;
      EXPECT_EQ(sluice::judge::to_string(decision.evidence->overall),
                expect.at("verdict").get<std::string>())
          << where << ": " << decision.evidence->summary;
    }
    if (expect.contains("sentence")) {
      EXPECT_EQ(decision.sentence, expect.at("sentence").get<std::string>()) << where;
    }
    if (expect.contains("sentence_contains")) {
      EXPECT_NE(decision.sentence.find(expect.at("sentence_contains").get<std::string>()),
                std::string::npos)
          << where << ": sentence was: " << decision.sentence;
    }
    if (expect.contains("notify")) {
      EXPECT_EQ(join(decision.effects.notify), expect.at("notify").get<std::string>()) << where;
    }
    if (expect.contains("split")) {
      const json& split = expect.at("split");
      if (split.is_null()) {
        EXPECT_FALSE(decision.effects.split.has_value()) << where;
      } else {
        ASSERT_TRUE(decision.effects.split.has_value()) << where;
        EXPECT_EQ(format_share(decision.effects.split->treatment_bp), split.at("share")) << where;
        EXPECT_EQ(decision.effects.split->control_to_all, split.value("control_to_all", false))
            << where;
        if (split.contains("cohorts")) {
          EXPECT_EQ(decision.effects.split->cohorts,
                    split.at("cohorts").get<std::vector<std::string>>())
              << where;
        }
      }
    }
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << where << ": stopping this timeline; last sentence: " << decision.sentence;
      return;
    }
    state = next;
    ++ticks_run;
  }
}

std::vector<std::string> golden_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kGoldenDir))
    if (entry.path().extension() == ".json") files.push_back(entry.path().stem().string());
  std::sort(files.begin(), files.end());
  return files;
}

class RolloutGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(RolloutGolden, DecidesAsExpected) {
  int ticks = 0;
  run_golden(kGoldenDir / (GetParam() + ".json"), ticks);
  EXPECT_GT(ticks, 0);
  RecordProperty("ticks", ticks);
}

INSTANTIATE_TEST_SUITE_P(Rollout, RolloutGolden, ::testing::ValuesIn(golden_files()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(RolloutGoldenFiles, ThereAreGoldenTimelines) {
  EXPECT_GE(golden_files().size(), 10u);
}

}  // namespace
