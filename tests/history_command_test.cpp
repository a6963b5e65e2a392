// `sluice history import|export`, run as a user would run it (formats: docs/history.md).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "run_command.hpp"
#include "sluice/anomaly.hpp"
#include "sluice/store/store.hpp"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using testing::run_command;
using testing::TempDir;

const std::string kSluice = SLUICE_BINARY;
const std::string kSample = std::string(SLUICE_SOURCE_DIR) + "/examples/history/history";

std::string store_url(const TempDir& dir) {
  return "sqlite:" + dir.path() + "/sluice.db";
}

testing::CommandResult history(const TempDir& dir, const std::string& arguments) {
  return run_command("cd " + dir.path() + " && " + kSluice + " history " + arguments + " --store " +
                     store_url(dir));
}

constexpr const char* kOne = R"({
  "schema_version": 1,
  "rollouts": [
    {
      "id": "deploy-1",
      "flag": "checkout",
      "outcome": "completed",
      "started_at": "2026-10-01T10:00:00Z",
      "finished_at": "2026-10-01T13:00:00+02:00",
      "stages": [
        {"stage": 1, "percent": 5,
         "features": {"error_rate_ratio": 1.01, "latency_p95_ratio": 0.99,
                      "treatment_share": 0.05, "custom:conversion": 1.02},
         "lower_is_worse": ["custom:conversion"]},
        {"stage": 2, "percent": 50, "features": {"error_rate_ratio": 0.98}}
      ]
    }
  ]
}
)";

TEST(CliHistory, ImportsTheSampleAndCountsDuplicates) {
  TempDir dir;
  auto first = history(dir, "import " + kSample + ".csv");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("imported 46 rollouts"));
  EXPECT_THAT(first.out, HasSubstr("0 already present"));
  auto again = history(dir, "import " + kSample + ".csv");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("imported 0 rollouts"));
  EXPECT_THAT(again.out, HasSubstr("46 already present"));

  auto store = store::open_store(store_url(dir));
  const auto rows = store->list_history();
  ASSERT_EQ(rows.size(), 46u);
  EXPECT_EQ(rows.front().key, "deploy-001");
  EXPECT_EQ(rows.front().source, "import");
  // stages_json is the controller's form: 0-based stages, context features listed.
  const auto stages = nlohmann::json::parse(rows.front().stages_json);
  ASSERT_EQ(stages.size(), 4u);
  EXPECT_EQ(stages[0].at("stage"), 0);
  EXPECT_EQ(stages[3].at("percent"), 100);
  EXPECT_TRUE(stages[0].at("features").contains("error_rate_ratio"));
  EXPECT_EQ(
      stages[0].at("context"),
      nlohmann::json::parse(R"(["treatment_share","log_requests","time_in_stage_intervals"])"));
  std::size_t bad = 0;
  for (const auto& row : rows) {
    bad += row.outcome != "completed";
    // What the controller's model reads (strict): every imported row parses.
    const auto parsed = anomaly::stages_from_json(row.stages_json);
    EXPECT_TRUE(parsed.ok()) << row.key << ": " << parsed.error;
  }
  EXPECT_EQ(bad, 6u);
}

TEST(CliHistory, TheSampleGoesThroughJsonUnchanged) {
  TempDir csv_dir;
  TempDir json_dir;
  ASSERT_EQ(history(csv_dir, "import " + kSample + ".csv").exit_code, 0);
  auto json = history(csv_dir, "export");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  json_dir.write("sample.json", json.out);
  auto imported = history(json_dir, "import sample.json");
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("imported 46 rollouts"));
  EXPECT_EQ(history(json_dir, "export --format csv").out,
            history(csv_dir, "export --format csv").out);
}

TEST(CliHistory, ExportThenImportRoundTripsInBothFormats) {
  TempDir dir;
  dir.write("one.json", kOne);
  ASSERT_EQ(history(dir, "import one.json").exit_code, 0);
  {
    auto store = store::open_store(store_url(dir));
    const auto parsed = anomaly::stages_from_json(store->list_history().at(0).stages_json);
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    const auto& first = parsed.value->at(0).features;
    EXPECT_EQ(first.find("custom:conversion")->worse, anomaly::Worse::lower);
    EXPECT_EQ(first.find("treatment_share")->worse, anomaly::Worse::neither);
    EXPECT_EQ(first.find("error_rate_ratio")->worse, anomaly::Worse::higher);
  }
  auto exported = history(dir, "export --format json");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const auto file = nlohmann::json::parse(exported.out);
  EXPECT_EQ(file.at("schema_version"), 1);
  ASSERT_EQ(file.at("rollouts").size(), 1u);
  const auto& r = file.at("rollouts")[0];
  EXPECT_EQ(r.at("id"), "deploy-1");
  EXPECT_EQ(r.at("started_at"), "2026-10-01T10:00:00.000Z");
  EXPECT_EQ(r.at("finished_at"), "2026-10-01T11:00:00.000Z");
  EXPECT_EQ(r.at("stages")[0].at("stage"), 1);
  EXPECT_EQ(r.at("stages")[0].at("features").at("custom:conversion"), 1.02);
  EXPECT_EQ(r.at("stages")[0].at("lower_is_worse")[0], "custom:conversion");
  EXPECT_EQ(r.at("stages")[1].at("features").size(), 1u);

  // JSON: export -> import into a fresh store -> export gives the same file.
  TempDir other;
  other.write("exported.json", exported.out);
  ASSERT_EQ(history(other, "import exported.json").exit_code, 0);
  EXPECT_EQ(history(other, "export").out, exported.out);

  // CSV: the same (custom features' direction is not in CSV; everything else is).
  auto csv = history(dir, "export --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, HasSubstr("id,flag,outcome,started_at,finished_at,stage,percent,"
                                 "error_rate_ratio,"));
  EXPECT_THAT(csv.out, HasSubstr(",custom:conversion\n"));
  TempDir third;
  third.write("exported.csv", csv.out);
  auto imported = history(third, "import exported.csv");
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(history(third, "export --format csv").out, csv.out);
}

TEST(CliHistory, JsonErrorsNameFileLineAndField) {
  TempDir dir;
  std::string text = kOne;
  dir.write("outcome.json", std::string(text).replace(text.find("\"completed\""), 11, "\"won\""));
  auto outcome = history(dir, "import outcome.json");
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_THAT(outcome.err, HasSubstr("outcome.json:7: rollouts[0]: 'outcome' must be completed"));

  dir.write("feature.json",
            std::string(text).replace(text.find("latency_p95_ratio"), 17, "latency_p99_ratio"));
  auto feature = history(dir, "import feature.json");
  EXPECT_EQ(feature.exit_code, 1);
  EXPECT_THAT(feature.err, HasSubstr("feature.json:12: rollouts[0].stages[0]: unknown feature "
                                     "'latency_p99_ratio' (known: error_rate_ratio"));

  dir.write("time.json", std::string(text).replace(text.find("2026-10-01T10"), 13, "yesterday-10"));
  auto time = history(dir, "import time.json");
  EXPECT_EQ(time.exit_code, 1);
  EXPECT_THAT(time.err, HasSubstr("time.json:8: rollouts[0]: 'started_at' is not an RFC 3339"));

  dir.write("syntax.json", "{\n  \"schema_version\": 1,\n  \"rollouts\": [\n    {,\n  ]\n}\n");
  auto syntax = history(dir, "import syntax.json");
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_THAT(syntax.err, HasSubstr("syntax.json:4: not JSON"));

  dir.write("version.json", R"({"schema_version": 2, "rollouts": []})");
  EXPECT_THAT(history(dir, "import version.json").err,
              HasSubstr("version.json:1: 'schema_version' must be 1"));

  // Nothing of a bad file is imported.
  auto store = store::open_store(store_url(dir));
  store->migrate();
  EXPECT_TRUE(store->list_history().empty());
}

TEST(CliHistory, CsvErrorsNameFileLineAndColumn) {
  TempDir dir;
  const std::string header =
      "id,flag,outcome,started_at,finished_at,stage,percent,error_rate_ratio\n";
  const std::string good =
      "d1,checkout,completed,2026-10-01T10:00:00Z,2026-10-01T11:00:00Z,1,5,1.0\n";
  dir.write("number.csv", header + good +
                              "d1,checkout,completed,2026-10-01T10:00:00Z,2026-10-01T11:00:00Z,"
                              "2,25,high\n");
  auto number = history(dir, "import number.csv");
  EXPECT_EQ(number.exit_code, 1);
  EXPECT_THAT(number.err, HasSubstr("number.csv:3: column 'error_rate_ratio': not a number"));

  dir.write("unknown.csv", "id,flag,outcome,started_at,finished_at,stage,percent,errors\n" + good);
  EXPECT_THAT(history(dir, "import unknown.csv").err,
              HasSubstr("unknown.csv:2: column 'errors': unknown feature 'errors'"));

  dir.write("header.csv", "id,flag,result\n");
  EXPECT_THAT(history(dir, "import header.csv").err, HasSubstr("header.csv:1: the header must"));

  dir.write("fields.csv", header + "d1,checkout\n");
  EXPECT_THAT(history(dir, "import fields.csv").err,
              HasSubstr("fields.csv:2: expected 8 fields like the header, found 2"));

  dir.write("mixed.csv", header + good +
                             "d1,checkout,aborted,2026-10-01T10:00:00Z,2026-10-01T11:00:00Z,2,"
                             "25,1.0\n");
  EXPECT_THAT(history(dir, "import mixed.csv").err, HasSubstr("mixed.csv:3: column 'id'"));

  // --format overrides the extension.
  dir.write("data.txt", header + good);
  auto as_csv = history(dir, "import data.txt --format csv");
  EXPECT_EQ(as_csv.exit_code, 0) << as_csv.err;
  EXPECT_THAT(as_csv.out, HasSubstr("imported 1 rollouts"));
}

TEST(CliHistory, UsageErrors) {
  TempDir dir;
  EXPECT_EQ(history(dir, "import").exit_code, 2);
  EXPECT_EQ(history(dir, "export --format xml").exit_code, 2);
  EXPECT_EQ(history(dir, "rebuild").exit_code, 2);
  auto missing = history(dir, "import nowhere.json");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("nowhere.json: cannot open"));
}

}  // namespace
}  // namespace sluice
