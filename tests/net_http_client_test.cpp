// sluice::net::HttpClient against the project's own HTTP server and raw sockets on 127.0.0.1.
// Every wait is bounded by the client's timeout and run_until_idle's 30 s.
#include "sluice/net/http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "http_server.hpp"
#include "net_test_support.hpp"
#include "sluice/net/retry.hpp"
#include "sluice/net/url.hpp"

namespace sluice::net {
namespace {

using namespace std::chrono_literals;

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add_sync("POST", "/echo", [](const server::HttpRequest& r) {
      server::HttpResponse response{200, {}, r.body};
      response.set_header("X-Content-Type-Seen", std::string(r.header("Content-Type")));
      return response;
    });
    router.add_sync("GET", "/flaky", [this](const server::HttpRequest&) {
      return server::HttpResponse{++flaky_calls <= 2 ? 503 : 200, {}, "finally"};
    });
    router.add_sync("GET", "/bad", [this](const server::HttpRequest&) {
      ++bad_calls;
      return server::HttpResponse{400, {}, "no"};
    });
    router.add_sync("GET", "/busy", [this](const server::HttpRequest&) {
      ++busy_calls;
      return server::HttpResponse{429, {}, "slow down"};
    });
    router.add_sync("GET", "/big", [](const server::HttpRequest&) {
      return server::HttpResponse{200, {}, std::string(4096, 'x')};
    });
    server::HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;
    options.shutdown_grace = 1s;
    server = std::make_unique<server::HttpServer>(router, options);
    server->start();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + path;
  }

  // Sends and runs the loop; checks `done` ran exactly once, on this (the loop's) thread, and
  // not inside send().
  HttpResult send(HttpRequest request, std::optional<RetryPolicy> retry = std::nullopt) {
    int calls = 0;
    bool returned = false;
    bool inline_call = false;
    std::thread::id where;
    HttpResult out;
    auto done = [&](HttpResult result) {
      ++calls;
      inline_call = !returned;
      where = std::this_thread::get_id();
      out = std::move(result);
    };
    if (retry) {
      client.send_with_retries(std::move(request), *retry, done);
    } else {
      client.send(std::move(request), done);
    }
    returned = true;
    testing::run_until_idle(io);
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(inline_call);
    EXPECT_EQ(where, std::this_thread::get_id());
    return out;
  }

  static RetryPolicy quick_retries(int attempts) {
    return RetryPolicy{attempts, std::chrono::milliseconds(10), std::chrono::milliseconds(40)};
  }

  server::Router router;
  std::unique_ptr<server::HttpServer> server;
  std::atomic<int> flaky_calls{0};
  std::atomic<int> bad_calls{0};
  std::atomic<int> busy_calls{0};
  boost::asio::io_context io;
  HttpClient client{io};
};

TEST_F(HttpClientTest, PostsBodyAndHeadersAndLowercasesResponseHeaders) {
  HttpRequest request;
  request.method = "POST";
  request.url = url("/echo");
  request.headers["Content-Type"] = "application/x-www-form-urlencoded";
  request.body = "query=up&time=1.5";
  auto result = send(request);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.response->status, 200);
  EXPECT_EQ(result.response->body, "query=up&time=1.5");
  EXPECT_EQ(result.response->headers["x-content-type-seen"], "application/x-www-form-urlencoded");
}

TEST_F(HttpClientTest, TimesOutWhenTheServerNeverAnswers) {
  testing::BlackHole hole;
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(hole.port()) + "/";
  request.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto result = send(request);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error, "timed out after 300ms");
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
}

TEST_F(HttpClientTest, ConnectionRefused) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(testing::refused_port()) + "/";
  auto result = send(request);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error, "connection refused");
}

TEST_F(HttpClientTest, RetriesRefusedConnectionsABoundedNumberOfTimes) {
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(testing::refused_port()) + "/";
  auto result = send(request, quick_retries(3));
  EXPECT_EQ(result.error, "connection refused (3 attempts)");
}

TEST_F(HttpClientTest, RetriesServerErrorsThenSucceeds) {
  HttpRequest request;
  request.url = url("/flaky");
  auto result = send(request, quick_retries(3));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.response->status, 200);
  EXPECT_EQ(result.response->body, "finally");
  EXPECT_EQ(flaky_calls, 3);
}

TEST_F(HttpClientTest, GivesUpAfterMaxAttemptsWithTheLastAnswer) {
  HttpRequest request;
  request.url = url("/flaky");
  auto result = send(request, quick_retries(2));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.response->status, 503);
  EXPECT_EQ(flaky_calls, 2);
}

TEST_F(HttpClientTest, DoesNotRetryClientErrors) {
  HttpRequest request;
  request.url = url("/bad");
  auto result = send(request, quick_retries(5));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.response->status, 400);
  EXPECT_EQ(bad_calls, 1);
}

TEST_F(HttpClientTest, RetriesTooManyRequests) {
  HttpRequest request;
  request.url = url("/busy");
  auto result = send(request, quick_retries(3));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.response->status, 429);
  EXPECT_EQ(busy_calls, 3);
}

TEST_F(HttpClientTest, RefusesAResponseLargerThanTheLimit) {
  HttpRequest request;
  request.url = url("/big");
  request.max_response_bytes = 1000;
  auto result = send(request);
  EXPECT_EQ(result.error, "response larger than 1000 bytes");
}

TEST_F(HttpClientTest, BadUrlIsAnErrorOnTheLoop) {
  HttpRequest request;
  request.url = "ftp://127.0.0.1/secret-path";
  auto result = send(request);
  EXPECT_NE(result.error.find("only http:// and https://"), std::string::npos) << result.error;
  EXPECT_EQ(result.error.find("secret-path"), std::string::npos) << result.error;
}

TEST_F(HttpClientTest, RequestInFlightCompletesAfterTheClientIsGone) {
  int calls = 0;
  {
    HttpClient scoped(io);
    HttpRequest request;
    request.url = url("/flaky");
    scoped.send_with_retries(request, quick_retries(3), [&](HttpResult) { ++calls; });
  }
  testing::run_until_idle(io);
  EXPECT_EQ(calls, 1);
}

TEST(Retry, OnlyTransportErrorsTimeoutsTooManyRequestsAnd5xx) {
  HttpResult transport;
  transport.error = "connection refused";
  EXPECT_TRUE(is_retryable(transport));
  for (int status : {429, 500, 502, 503, 599}) {
    EXPECT_TRUE(is_retryable(HttpResult{HttpResponse{status, {}, ""}, ""})) << status;
  }
  for (int status : {200, 204, 301, 400, 401, 404, 422}) {
    EXPECT_FALSE(is_retryable(HttpResult{HttpResponse{status, {}, ""}, ""})) << status;
  }
}

TEST(Retry, BackoffGrowsExponentiallyWithJitterAndIsCapped) {
  RetryPolicy policy{10, 200ms, 2000ms};
  EXPECT_EQ(backoff_delay(policy, 2, 0.0), 100ms);
  EXPECT_EQ(backoff_delay(policy, 2, 0.999999), 200ms);
  EXPECT_EQ(backoff_delay(policy, 3, 0.0), 200ms);
  EXPECT_EQ(backoff_delay(policy, 4, 0.5), 600ms);  // d = 800: 400 + 0.5 * 400
  EXPECT_EQ(backoff_delay(policy, 9, 0.0), 1000ms);
  EXPECT_EQ(backoff_delay(policy, 9, 1.0), 2000ms);
  EXPECT_EQ(backoff_delay(policy, 1000, 1.0), 2000ms);  // no overflow
}

TEST(Retry, RetryAfterTakesSecondsOrAnHttpDateAndIsCapped) {
  using std::chrono::system_clock;
  // 2026-11-21T10:00:00Z
  const system_clock::time_point now = system_clock::from_time_t(1795255200);
  EXPECT_EQ(retry_after_delay("30", now), 30000ms);
  EXPECT_EQ(retry_after_delay(" 0 ", now), 0ms);
  EXPECT_EQ(retry_after_delay("Sat, 21 Nov 2026 10:00:45 GMT", now), 45000ms);
  EXPECT_EQ(retry_after_delay("Sat, 21 Nov 2026 09:00:00 GMT", now), 0ms);  // already past
  EXPECT_EQ(retry_after_delay("86400", now), std::chrono::milliseconds(std::chrono::hours(1)));
  EXPECT_EQ(retry_after_delay("99999999999999999999", now, 5000ms), 5000ms);
  for (const char* bad : {"", "soon", "-5", "1.5", "Sat, 21 Nov 2026 10:00:45", "30s"}) {
    EXPECT_FALSE(retry_after_delay(bad, now)) << bad;
  }
}

TEST(Retry, FormatsTimeouts) {
  EXPECT_EQ(format_timeout(5000ms), "5s");
  EXPECT_EQ(format_timeout(1500ms), "1.5s");
  EXPECT_EQ(format_timeout(250ms), "250ms");
}

TEST(Url, SplitsHttpUrls) {
  auto url = parse_http_url("http://127.0.0.1:9090/prom/api/v1/query?a=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 9090);
  EXPECT_EQ(url->target, "/prom/api/v1/query?a=1");
  auto plain = parse_http_url("http://prometheus");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->target, "/");
  auto v6 = parse_http_url("http://[::1]:9090/x");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  auto secure = parse_http_url("https://hooks.example.com/services/T0/B0/x");
  ASSERT_TRUE(secure);
  EXPECT_TRUE(secure->tls);
  EXPECT_EQ(secure->port, 443);
  EXPECT_FALSE(plain->tls);
  std::string why;
  EXPECT_FALSE(parse_http_url("ftp://x/", &why));
  EXPECT_FALSE(parse_http_url("not a url", &why));
  EXPECT_FALSE(why.empty());
}

TEST(Url, RejectsPortsOutside1To65535) {
  // Boost.URL's port_number() wraps: 99999 was delivered to port 34463.
  for (const char* url :
       {"http://127.0.0.1:99999/hook", "http://127.0.0.1:65536/", "https://hooks.example.com:0/x",
        "http://127.0.0.1:/x", "http://127.0.0.1:4294967377/"}) {
    std::string why;
    EXPECT_FALSE(parse_http_url(url, &why)) << url;
    EXPECT_NE(why.find("port must be a number from 1 to 65535"), std::string::npos) << url << why;
  }
  auto highest = parse_http_url("http://127.0.0.1:65535/");
  ASSERT_TRUE(highest);
  EXPECT_EQ(highest->port, 65535);
  auto lowest = parse_http_url("http://127.0.0.1:1/");
  ASSERT_TRUE(lowest);
  EXPECT_EQ(lowest->port, 1);
}

TEST(Url, FormEncodesEverythingButUnreserved) {
  EXPECT_EQ(form_encode({{"query", "sum by (a) (x{s=~\"5..\"}[60s]) + 1"}, {"time", "1.5"}}),
            "query=sum%20by%20%28a%29%20%28x%7Bs%3D~%225..%22%7D%5B60s%5D%29%20%2B%201&time=1.5");
}

}  // namespace
}  // namespace sluice::net
