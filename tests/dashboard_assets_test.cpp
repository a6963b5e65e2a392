// The dashboard embedded in the binary, served by a real `sluice serve` at / and at every GET
// path outside the API.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "dashboard_assets.hpp"
#include "http_client.hpp"
#include "run_command.hpp"
#include "sluice_process.hpp"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using testing::HttpClient;
using testing::SluiceProcess;
using ::testing::StartsWith;

// The first `src="/assets/..."` in index.html: the entry script Vite wrote.
std::string entry_script(const std::string& html) {
  const std::string marker = "src=\"/assets/";
  auto start = html.find(marker);
  if (start == std::string::npos) return {};
  start += 5;  // keep the leading '/'
  auto end = html.find('"', start);
  return html.substr(start, end - start);
}

void expect_security_headers(const testing::ClientResponse& response) {
  EXPECT_EQ(response.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(response.header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(response.header("X-Frame-Options"), "DENY");
  EXPECT_THAT(response.header("Content-Security-Policy"), StartsWith("default-src 'self'"));
}

class DashboardAssets : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    server_ =
        new SluiceProcess({"--store", "sqlite:" + dir_->path() + "/sluice.db"},
                          {"SLUICE_ADMIN_TOKEN=dashboard-admin"}, dir_->path() + "/serve.log");
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  static testing::TempDir* dir_;
  static SluiceProcess* server_;
};

testing::TempDir* DashboardAssets::dir_ = nullptr;
SluiceProcess* DashboardAssets::server_ = nullptr;

TEST(DashboardAssetTable, HoldsIndexHtmlAndHashedAssets) {
  const server::DashboardAsset* index = server::find_dashboard_asset("index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  std::string html(reinterpret_cast<const char*>(index->bytes.data()), index->bytes.size());
  const std::string script = entry_script(html);
  ASSERT_FALSE(script.empty()) << html;
  const server::DashboardAsset* js = server::find_dashboard_asset(script.substr(1));
  ASSERT_NE(js, nullptr) << script;
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_GT(js->bytes.size(), 0u);
}

TEST(DashboardAssetTable, ApiPathsNeverFallBack) {
  EXPECT_TRUE(server::is_api_path("/v1"));
  EXPECT_TRUE(server::is_api_path("/v1/nope"));
  EXPECT_TRUE(server::is_api_path("/ofrep/v1/evaluate/flags"));
  EXPECT_TRUE(server::is_api_path("/healthz"));
  EXPECT_TRUE(server::is_api_path("/metrics"));
  EXPECT_FALSE(server::is_api_path("/"));
  EXPECT_FALSE(server::is_api_path("/v1x"));
  EXPECT_FALSE(server::is_api_path("/metricsboard"));
  EXPECT_FALSE(server::is_api_path("/rollouts/checkout"));
}

TEST_F(DashboardAssets, RootIsIndexHtmlWithTheScriptTag) {
  HttpClient client(server_->port());
  auto root = client.get("/");
  ASSERT_EQ(root.status, 200) << root.body;
  EXPECT_EQ(root.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(root.header("Cache-Control"), "no-cache");
  EXPECT_THAT(root.body, HasSubstr("<script type=\"module\""));
  EXPECT_FALSE(entry_script(root.body).empty());
  expect_security_headers(root);
}

TEST_F(DashboardAssets, ScriptIsJavaScriptAndImmutable) {
  HttpClient client(server_->port());
  const std::string script = entry_script(client.get("/").body);
  ASSERT_THAT(script, StartsWith("/assets/"));
  auto js = client.get(script);
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_FALSE(js.body.empty());
  expect_security_headers(js);
  // No token needed: the files hold no data.
  EXPECT_EQ(js.header("WWW-Authenticate"), "");
}

TEST_F(DashboardAssets, ClientRoutesGetIndexHtml) {
  HttpClient client(server_->port());
  const std::string index = client.get("/").body;
  for (const char* path : {"/rollouts/x", "/flags/new-checkout", "/flags/a%2Fb?tab=rules"}) {
    auto page = client.get(path);
    EXPECT_EQ(page.status, 200) << path;
    EXPECT_EQ(page.body, index) << path;
    EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8") << path;
  }
}

TEST_F(DashboardAssets, MissingAssetIsNotHtml) {
  HttpClient client(server_->port());
  auto missing = client.get("/assets/nope-123.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("Content-Type"), "application/json");
}

TEST_F(DashboardAssets, ApiPathsKeepTheirJsonErrors) {
  HttpClient client(server_->port());
  auto nope = client.get("/v1/nope");
  EXPECT_EQ(nope.status, 404);
  EXPECT_EQ(nope.header("Content-Type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(nope.body)["code"], "not_found");
  EXPECT_EQ(client.get("/ofrep/v1/nope").status, 404);
  EXPECT_EQ(client.get("/healthz").body, R"({"status":"ok"})");
  // Only GET and HEAD fall back to the dashboard.
  auto post = client.request("POST", "/rollouts/x", "{}");
  EXPECT_EQ(post.status, 404);
  EXPECT_EQ(post.header("Content-Type"), "application/json");
}

TEST_F(DashboardAssets, HeadHasTheHeadersAndNoBody) {
  HttpClient client(server_->port());
  const auto get = client.get("/flags/x");
  auto head = client.request("HEAD", "/flags/x");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
  EXPECT_TRUE(head.body.empty());
  // The connection is still usable: no stray body bytes were sent.
  EXPECT_EQ(client.get("/healthz").status, 200);
}

}  // namespace
}  // namespace sluice
