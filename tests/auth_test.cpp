#include <gtest/gtest.h>

#include <set>

#include "auth.hpp"
#include "run_command.hpp"
#include "sluice/store/store.hpp"

namespace sluice::server {
namespace {

using store::TokenScope;

TEST(Auth, Sha256KnownAnswers) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Auth, GeneratedTokensAreLongRandomAndUrlSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string token = generate_token();
    ASSERT_EQ(token.size(), 7u + 43u) << token;
    EXPECT_EQ(token.rfind("sluice_", 0), 0u);
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-_",
                                      7),
              std::string::npos);
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Auth, ScopesAllowWhatTheyShould) {
  EXPECT_TRUE(scope_allows(TokenScope::Admin, Access::Write));
  EXPECT_TRUE(scope_allows(TokenScope::Read, Access::Read));
  EXPECT_TRUE(scope_allows(TokenScope::Read, Access::Evaluate));
  EXPECT_FALSE(scope_allows(TokenScope::Read, Access::Write));
  EXPECT_TRUE(scope_allows(TokenScope::Sdk, Access::Evaluate));
  EXPECT_FALSE(scope_allows(TokenScope::Sdk, Access::Read));
  EXPECT_FALSE(scope_allows(TokenScope::Sdk, Access::Write));
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::open_store("sqlite:" + dir_.path() + "/sluice.db");
    store_->migrate();
  }
  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(AuthenticatorTest, BootstrapTokenIsAdmin) {
  Authenticator auth(*store_, std::string("let-me-in"));
  auto principal = auth.authenticate("Bearer let-me-in", true);
  ASSERT_TRUE(principal);
  EXPECT_EQ(principal->name, "bootstrap");
  EXPECT_EQ(principal->scope, TokenScope::Admin);
  EXPECT_FALSE(auth.authenticate("Bearer let-me-inn", false));
  EXPECT_FALSE(auth.authenticate("let-me-in", false));  // no Bearer scheme
  EXPECT_FALSE(auth.authenticate("", false));
}

TEST_F(AuthenticatorTest, StoredTokensByHashWithCacheAndRevocation) {
  const std::string token = generate_token();
  ASSERT_EQ(store_->create_token("ci", TokenScope::Sdk, sha256_hex(token), "admin").status,
            store::WriteStatus::Ok);
  Authenticator auth(*store_, std::nullopt);
  bool needs_store = false;
  EXPECT_FALSE(auth.authenticate("Bearer " + token, /*cache_only=*/true, &needs_store));
  EXPECT_TRUE(needs_store);
  auto principal = auth.authenticate("Bearer " + token, false);
  ASSERT_TRUE(principal);
  EXPECT_EQ(principal->name, "ci");
  EXPECT_EQ(principal->scope, TokenScope::Sdk);
  // Now cached: the event loop can answer without the store.
  EXPECT_TRUE(auth.authenticate("Bearer " + token, true, &needs_store));
  EXPECT_FALSE(needs_store);

  ASSERT_TRUE(store_->revoke_token("ci", "admin"));
  EXPECT_TRUE(auth.authenticate("Bearer " + token, true));  // cached until told
  auth.forget_cached_tokens();
  EXPECT_FALSE(auth.authenticate("Bearer " + token, false));
}

TEST_F(AuthenticatorTest, PreloadedTokensAnswerCacheMissesWithoutTheStore) {
  const std::string token = generate_token();
  ASSERT_EQ(store_->create_token("web", TokenScope::Read, sha256_hex(token), "admin").status,
            store::WriteStatus::Ok);
  Authenticator auth(*store_, std::nullopt);
  auth.load_all_tokens();
  bool needs_store = true;
  auto principal = auth.authenticate("Bearer " + token, /*cache_only=*/true, &needs_store);
  ASSERT_TRUE(principal);
  EXPECT_EQ(principal->name, "web");
  EXPECT_FALSE(auth.authenticate("Bearer sluice_guess", true, &needs_store));
  EXPECT_FALSE(needs_store);  // authoritative: a miss is a wrong token
  auth.forget_cached_tokens();
  EXPECT_FALSE(auth.authenticate("Bearer " + token, true, &needs_store));
  EXPECT_TRUE(needs_store);
}

TEST(Auth, ErrorBodiesSayNothingSpecific) {
  EXPECT_EQ(unauthorized().status, 401);
  EXPECT_EQ(unauthorized().header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(unauthorized().body,
            R"({"code":"unauthorized","message":"a valid bearer token is required"})");
  EXPECT_EQ(forbidden().status, 403);
}

}  // namespace
}  // namespace sluice::server
