// The check every JSON text passes before it is parsed (depth, UTF-8), and UTF-8-safe JSON
// strings for text that came from the network.
#include "sluice/json_text_check.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "sluice/utf8.hpp"
#include "sluice/value.hpp"

namespace sluice {
namespace {

std::string nested(int levels, char open = '[', char close = ']') {
  return std::string(static_cast<std::size_t>(levels), open) +
         std::string(static_cast<std::size_t>(levels), close);
}

TEST(JsonTextCheck, DepthUpToTheLimitPasses) {
  EXPECT_TRUE(check_json_text(nested(64), 64).ok());
  EXPECT_TRUE(check_json_text(R"({"context":{"a":[1,{"b":[]}]}})", 5).ok());
  EXPECT_FALSE(check_json_text(R"({"context":{"a":[1,{"b":[]}]}})", 4).ok());
  EXPECT_TRUE(check_json_text("", 64).ok());
}

TEST(JsonTextCheck, DepthBeyondTheLimitIsFoundWhereItHappens) {
  const JsonTextCheck arrays = check_json_text(nested(65), 64);
  EXPECT_EQ(arrays.problem, JsonTextProblem::TooDeep);
  EXPECT_EQ(arrays.offset, 64u);
  EXPECT_EQ(check_json_text(nested(100'000, '{', '}'), 64).problem, JsonTextProblem::TooDeep);
  // Siblings do not add up: depth is what is open at once.
  std::string siblings = "[";
  for (int i = 0; i < 1000; ++i)
    siblings += "[[]],";
  siblings += "[]]";
  EXPECT_TRUE(check_json_text(siblings, 3).ok());
}

TEST(JsonTextCheck, BracketsInsideStringsDoNotCount) {
  const std::string in_string = "[\"" + nested(1000) + "\"]";
  EXPECT_TRUE(check_json_text(in_string, 2).ok());
  // An escaped quote does not end the string; an escaped backslash before a quote does.
  EXPECT_TRUE(check_json_text(R"(["\" [[[[ \\"])", 2).ok());
  EXPECT_EQ(check_json_text(R"(["\\" ,[[[ ])", 2).problem, JsonTextProblem::TooDeep);
}

TEST(JsonTextCheck, InvalidUtf8IsFound) {
  EXPECT_TRUE(check_json_text("{\"k\":\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"}", 64).ok());
  for (const std::string bad : {"\xFF", "\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                                "\xF4\x90\x80\x80", "\xE2\x82", "\x80"}) {
    const JsonTextCheck check = check_json_text("{\"k\":\"a" + bad + "\"}", 64);
    EXPECT_EQ(check.problem, JsonTextProblem::InvalidUtf8) << ::testing::PrintToString(bad);
    EXPECT_EQ(check.offset, 7u);
  }
  // Invalid bytes right after a backslash are still found.
  EXPECT_EQ(check_json_text("[\"\\\xFF\"]", 64).problem, JsonTextProblem::InvalidUtf8);
}

TEST(JsonTextCheck, DescribesTheProblem) {
  EXPECT_EQ(describe(JsonTextProblem::TooDeep, 64),
            "nests arrays or objects more than 64 levels deep");
  EXPECT_EQ(describe(JsonTextProblem::InvalidUtf8, 64), "is not valid UTF-8");
}

TEST(Utf8, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(with_valid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(with_valid_utf8("a\xFF"
                            "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(with_valid_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // cut inside a character
}

TEST(Utf8, JsonStringsAreAlwaysValidJson) {
  // A flag key from a URL, echoed in an error body.
  for (const std::string key : {"a\xFF"
                                "b",
                                "\xC3", "\xED\xA0\x80", "ok\xC3\xA9", "q\"\\\n\x01"}) {
    std::string out;
    append_json_string(out, key);
    const auto parsed = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(parsed.is_discarded()) << out;
    EXPECT_EQ(parsed.get<std::string>(), with_valid_utf8(key));
  }
}

}  // namespace
}  // namespace sluice
