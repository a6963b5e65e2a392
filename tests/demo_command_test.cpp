// `sluice demo` end to end, as the quick start runs it: a real server, two rollouts on simulated
// traffic; the healthy one completes and the broken one is rolled back, each said in words.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "run_command.hpp"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using testing::run_command;

TEST(CliDemo, RollsOutTheHealthyFlagAndRollsBackTheBrokenOne) {
  const auto started = std::chrono::steady_clock::now();
  // --speed 20: the example policies' 30s interval, 5m per stage and 1,000 requests per variant
  // become 2s, 15s and 50. `timeout` is the backstop should the demo hang.
  auto result = run_command("cd " + std::string(SLUICE_SOURCE_DIR) + " && timeout 300 " +
                            SLUICE_BINARY + " demo --exit-when-done --speed 20 --timeout 200");
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_LT(seconds, 180) << result.out;

  const std::string& out = result.out;
  // Live progress, one line per decision.
  EXPECT_THAT(out, HasSubstr("started new-pdf-engine at 5% (stage 1 of 4)"));
  EXPECT_THAT(out, HasSubstr("advanced new-pdf-engine from 5% to 25%"));
  EXPECT_THAT(out, HasSubstr("errors on "));
  // The summary: phases, decisions and the sentences.
  EXPECT_THAT(out, HasSubstr("new-pdf-engine        completed after "));
  EXPECT_THAT(out, HasSubstr("completed new-pdf-engine at 100%"));
  EXPECT_THAT(out, HasSubstr("redesigned-dashboard  rolled_back after "));
  EXPECT_THAT(out, HasSubstr("rolled back redesigned-dashboard at 10%: errors "));
  EXPECT_THAT(out, HasSubstr("redesigned-dashboard new "));
  EXPECT_THAT(out, HasSubstr("The API: http://127.0.0.1:"));
  EXPECT_THAT(out, HasSubstr("(admin token demo-"));
  // The dashboard's address is printed as soon as the server answers, with the token to log in.
  EXPECT_THAT(out, HasSubstr("Dashboard: http://127.0.0.1:"));
  EXPECT_THAT(out, HasSubstr("(log in with the admin token demo-"));
}

TEST(CliDemo, SaysWhereTheExamplesAreWhenRunElsewhere) {
  testing::TempDir dir;
  auto result = run_command("cd " + dir.path() + " && " + SLUICE_BINARY + " demo --exit-when-done");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("run the demo from the repository's root folder"));
}

}  // namespace
}  // namespace sluice
