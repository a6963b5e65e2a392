// The `sluice` binary's validate and eval subcommands (demo: demo_command_test.cpp), run as a user
// would run them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "run_command.hpp"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using testing::run_command;
using testing::TempDir;

const std::string kSluice = SLUICE_BINARY;
const std::string kExamples = std::string(SLUICE_SOURCE_DIR) + "/examples/flags";

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

TEST(CliValidate, AcceptsTheExamples) {
  auto result = run_command(kSluice + " validate " + kExamples);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "ok: 5 flags, 0 segments, 0 policies\n");
  EXPECT_EQ(result.err, "");
}

TEST(CliValidate, ChecksPoliciesAgainstTheFlags) {
  auto clean = run_command(kSluice + " validate " + std::string(SLUICE_SOURCE_DIR) + "/examples");
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  // The five scenario flags and examples/anomaly/checkout-redesign-flag.yaml; the policies in
  // examples/policies, examples/demo and examples/anomaly.
  EXPECT_EQ(clean.out, "ok: 6 flags, 0 segments, 3 policies\n");

  TempDir dir;
  dir.write("rollout.yaml",
            "flag: new-pdf-engine\ntreatment: onn\ncontrol: off\nstages: [{percent: 50}]\n");
  auto bad = run_command("cd " + dir.path() + " && " + kSluice + " validate " + kExamples +
                         " rollout.yaml");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("rollout.yaml:2:"));
  EXPECT_THAT(bad.err, HasSubstr("'onn'"));
  EXPECT_THAT(bad.err, HasSubstr("100%"));
}

TEST(CliValidate, ReportsEveryProblemAsFileLineColumn) {
  TempDir dir;
  dir.write("bad.yaml", R"(flags:
  - key: checkout
    variants:
      on: true
      off: false
    off_variant: of
    colour: blue
    rules:
      - conditions:
          - attribute: email
            op: matches
            value: "([a-z"
        serve:
          variant: on
    default:
      split:
        weights:
          on: 5
          off: 90
  - key: a
    variants: {on: true, off: false}
    off_variant: off
    prerequisites: [{flag: b, variants: [on]}]
    rules:
      - segments: [nobody]
        serve: {variant: onn}
    default: {variant: on}
  - key: b
    variants: {on: true, off: false}
    off_variant: off
    prerequisites: [{flag: a, variants: [on]}]
    default: {variant: on}
  - key: checkout
    variants: {on: true}
    off_variant: on
    default: {variant: on}
)");
  auto result = run_command("cd " + dir.path() + " && " + kSluice + " validate bad.yaml");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(lines(result.err),
            (std::vector<std::string>{
                "bad.yaml:2:5: field 'off_variant': unknown variant 'of' in flag 'checkout' "
                "(variants: on, off)",
                "bad.yaml:7:5: unknown field 'colour' in flag",
                "bad.yaml:10:13: condition field 'values': invalid regular expression '([a-z': "
                "missing ]: [a-z",
                "bad.yaml:17:9: split field 'weights' sums to 95%, not 100%",
                "bad.yaml:25:9: field 'segments': unknown segment 'nobody'",
                "bad.yaml:26:16: field 'variant': unknown variant 'onn' in flag 'a' (variants: on, "
                "off)",
                "bad.yaml:28:5: prerequisite cycle: b -> a -> b",
                "bad.yaml:33:5: duplicate flag key 'checkout' (first defined at bad.yaml:2:5)",
                "8 problems found",
            }));
}

TEST(CliValidate, ShapeErrorsNameTheField) {
  TempDir dir;
  dir.write("shape.yaml", R"(key: x
variants: {on: true, off: false}
enabled: "yes"
default: {variant: on}
)");
  auto result = run_command("cd " + dir.path() + " && " + kSluice + " validate shape.yaml");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("shape.yaml:3:10: field 'enabled' must be a boolean"));
  EXPECT_THAT(result.err, HasSubstr("missing required field 'off_variant'"));
  // The missing off variant is one problem, not also an "unknown variant ''" follow-on.
  EXPECT_THAT(result.err, ::testing::Not(HasSubstr("unknown variant")));
}

TEST(CliValidate, MissingPathIsAnError) {
  auto result = run_command(kSluice + " validate /nonexistent/flags.yaml");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("/nonexistent/flags.yaml: no such file or folder"));
}

TEST(CliEval, PrintsOneJsonObject) {
  auto result = run_command(kSluice + " eval --flags " + kExamples +
                            " --flag ai-chatbot --context "
                            "'{\"targetingKey\":\"u1\",\"plan\":\"free\",\"country\":\"GB\"}'");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "{\"key\":\"ai-chatbot\",\"value\":true,\"variant\":\"on\",\"reason\":"
            "\"TARGETING_MATCH\",\"rule\":\"free plan in US and GB\"}\n");
}

TEST(CliEval, UnknownFlagServesTheCallersDefault) {
  auto result = run_command(kSluice + " eval --flags " + kExamples +
                            " --flag no-such-flag --default '\"fallback\"' --context '{}'");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["value"], "fallback");
  EXPECT_EQ(json["reason"], "ERROR");
  EXPECT_EQ(json["errorCode"], "FLAG_NOT_FOUND");
  EXPECT_TRUE(json["variant"].is_null());
}

TEST(CliEval, EvaluatesEveryLineOfAContextsFile) {
  TempDir dir;
  std::string contexts = dir.write("contexts.jsonl",
                                   "{\"accountId\":\"acct-1042\",\"plan\":\"enterprise\"}\n"
                                   "this is not json\n"
                                   "{\"targetingKey\":\"u\"}\n");
  auto result = run_command(kSluice + " eval --flags " + kExamples +
                            " --flag bulk-invoice-api --contexts " + contexts);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto out = lines(result.out);
  ASSERT_EQ(out.size(), 3u);
  auto first = nlohmann::json::parse(out[0]);
  EXPECT_EQ(first["variant"], "on");
  EXPECT_EQ(first["reason"], "TARGETING_MATCH");
  auto second = nlohmann::json::parse(out[1]);
  EXPECT_EQ(second["errorCode"], "PARSE_ERROR");
  EXPECT_EQ(second["reason"], "ERROR");
  auto third = nlohmann::json::parse(out[2]);
  EXPECT_EQ(third["variant"], "off");
  EXPECT_EQ(third["reason"], "DEFAULT");
}

TEST(CliEval, AllFlagsWhenNoFlagIsNamed) {
  auto result = run_command(kSluice + " eval --flags " + kExamples + " --context '{}'");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(lines(result.out).size(), 5u);
}

TEST(CliEval, RejectsContextAndContextsTogether) {
  auto result =
      run_command(kSluice + " eval --flags " + kExamples + " --context '{}' --contexts /dev/null");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("exactly one of --context or --contexts"));
}

TEST(CliEval, RejectsAContextThatIsNotAnObject) {
  auto result = run_command(kSluice + " eval --flags " + kExamples + " --context '[1,2]'");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("context must be a JSON object"));
}

}  // namespace
}  // namespace sluice
