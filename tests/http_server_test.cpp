// The HTTP server over real sockets on 127.0.0.1 (port 0). Waits are bounded; nothing sleeps.
#include "http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include "event_stream.hpp"
#include "http_client.hpp"
#include "server_metrics.hpp"
#include "wait_until.hpp"
#include "worker_pool.hpp"

namespace sluice::server {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;

// Polls cond until true or 5 s pass (for state that changes on the server's threads).
template <typename Cond>
bool eventually(Cond cond) {
  return testing::wait_until(cond, 5s, 5ms);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options.listen = "127.0.0.1:0";
    options.body_limit = 1024;
    options.shutdown_grace = 5s;
    options.metrics = metrics;
    router.add_sync("GET", "/hello", [](const HttpRequest&) {
      return HttpResponse{200, {{"Content-Type", "text/plain"}}, "hello"};
    });
    router.add_sync("POST", "/echo",
                    [](const HttpRequest& r) { return HttpResponse::json(200, r.body); });
    router.add_sync("GET", "/whoami", [](const HttpRequest& r) {
      return HttpResponse{200, {}, r.remote};
    });
    router.add_sync("GET", "/v1/flags/{key}/kill", [](const HttpRequest& r) {
      return HttpResponse{200, {}, std::string(r.path_param("key"))};
    });
    router.add_sync("GET", "/query", [](const HttpRequest& r) {
      return HttpResponse{
          200, {}, std::string(r.query_param("a")) + "|" + std::string(r.query_param("b"))};
    });
    router.add_sync("GET", "/boom", [](const HttpRequest&) -> HttpResponse {
      throw std::runtime_error("handler failed on purpose");
    });
    router.add("GET", "/async", [this](HttpRequest&& r, Respond respond) {
      pool.post([r = std::move(r), respond, main = std::this_thread::get_id()] {
        bool other = std::this_thread::get_id() != main;
        respond(HttpResponse{200, {}, other ? "from worker" : "same thread"});
      });
    });
    router.add("GET", "/forgets", [](HttpRequest&&, Respond) {});
    router.add_sync("GET", "/metrics", [m = metrics](const HttpRequest& r) { return m->serve(r); });
    router.add_stream("/v1/stream", [this](const HttpRequest& r, std::shared_ptr<EventSink> sink) {
      last_event_id = std::string(r.header("Last-Event-ID"));
      if (r.query_param("token") == "bad") {
        return std::optional(HttpResponse::error(401, "unauthorized", "no"));
      }
      // Sent before the response head is written: it must arrive first.
      if (!last_event_id.empty()) sink->send("", "replay", "since " + last_event_id);
      hub.subscribe(std::move(sink));
      return std::optional<HttpResponse>();
    });
  }

  void TearDown() override {
    if (server) server->stop();
    pool.join();
  }

  void start() {
    server = std::make_unique<HttpServer>(router, options);
    server->start();
    ASSERT_NE(server->port(), 0);
  }

  Router router;
  std::shared_ptr<ServerMetrics> metrics = std::make_shared<ServerMetrics>();
  EventHub hub;
  WorkerPool pool{2};
  HttpServerOptions options;
  std::unique_ptr<HttpServer> server;
  std::string last_event_id;  // written by the stream handler before the response head
};

TEST_F(HttpServerTest, GetAndPostRoundTrip) {
  start();
  HttpClient client(server->port());
  auto get = client.get("/hello");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "hello");
  EXPECT_EQ(get.header("Content-Type"), "text/plain");
  EXPECT_EQ(get.header("Content-Length"), "5");
  auto post = client.request("POST", "/echo", R"({"a":1})");
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(post.body, R"({"a":1})");
  EXPECT_EQ(post.header("Content-Type"), "application/json");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  HttpClient client(server->port());
  auto first = client.get("/whoami");
  EXPECT_TRUE(first.keep_alive);
  EXPECT_FALSE(first.body.empty());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(client.get("/whoami").body, first.body);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  start();
  HttpClient client(server->port());
  auto response = client.request("GET", "/hello", {}, {{"Connection", "close"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.keep_alive);
  EXPECT_EQ(response.header("Connection"), "close");
}

TEST_F(HttpServerTest, MaxRequestsPerConnectionCloses) {
  options.max_requests_per_connection = 2;
  start();
  HttpClient client(server->port());
  EXPECT_TRUE(client.get("/hello").keep_alive);
  EXPECT_FALSE(client.get("/hello").keep_alive);
  EXPECT_EQ(client.get("/hello").status, 200);  // the client reconnects
}

TEST_F(HttpServerTest, NotFoundAndMethodNotAllowedAreJson) {
  start();
  HttpClient client(server->port());
  auto missing = client.get("/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("Content-Type"), "application/json");
  EXPECT_NE(missing.body.find(R"("code":"not_found")"), std::string::npos) << missing.body;
  auto wrong = client.request("DELETE", "/hello");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("Allow"), "GET");
  EXPECT_NE(wrong.body.find(R"("code":"method_not_allowed")"), std::string::npos);
}

TEST_F(HttpServerTest, TooLargeBodyIs413) {
  start();
  HttpClient client(server->port());
  auto response = client.request("POST", "/echo", std::string(2048, 'x'));
  EXPECT_EQ(response.status, 413);
  EXPECT_NE(response.body.find(R"("code":"payload_too_large")"), std::string::npos);
  EXPECT_FALSE(response.keep_alive);
  EXPECT_EQ(client.request("POST", "/echo", "small").body, "small");
}

TEST_F(HttpServerTest, HandlerExceptionIs500) {
  start();
  HttpClient client(server->port());
  auto response = client.get("/boom");
  EXPECT_EQ(response.status, 500);
  EXPECT_NE(response.body.find(R"("code":"internal")"), std::string::npos);
  EXPECT_EQ(client.get("/hello").status, 200);  // the connection and server go on
}

TEST_F(HttpServerTest, HandlerThatNeverAnswersGets500) {
  start();
  HttpClient client(server->port());
  EXPECT_EQ(client.get("/forgets").status, 500);
}

TEST_F(HttpServerTest, PathParamsArePercentDecoded) {
  start();
  HttpClient client(server->port());
  auto response = client.get("/v1/flags/team%2Fnew%20ui/kill");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "team/new ui");
}

TEST_F(HttpServerTest, QueryParamsAreDecoded) {
  start();
  HttpClient client(server->port());
  EXPECT_EQ(client.get("/query?b=x%20y&a=p+q").body, "p q|x y");
}

TEST_F(HttpServerTest, AsyncHandlerAnswersFromWorker) {
  start();
  HttpClient client(server->port());
  auto response = client.get("/async");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "from worker");
}

TEST_F(HttpServerTest, SlowHandlerDoesNotBlockOtherRequests) {
  options.threads = 1;  // one loop thread: if anything blocked it, /fast could not answer
  std::promise<void> fast_done;
  auto fast_seen = fast_done.get_future().share();
  router.add("GET", "/slow", [this, fast_seen](HttpRequest&&, Respond respond) {
    pool.post([fast_seen, respond] {
      bool ok = fast_seen.wait_for(5s) == std::future_status::ready;
      respond(HttpResponse{200, {}, ok ? "after fast" : "timed out"});
    });
  });
  start();
  auto slow = std::async(std::launch::async, [port = server->port()] {
    HttpClient client(port, 10s);
    return client.get("/slow").body;
  });
  HttpClient fast(server->port());
  // /slow may not have arrived yet; either way /hello must answer while /slow waits.
  EXPECT_EQ(fast.get("/hello").status, 200);
  fast_done.set_value();
  EXPECT_EQ(slow.get(), "after fast");
}

TEST_F(HttpServerTest, StopWaitsForInFlightRequestAndClosesIdleConnections) {
  std::promise<void> entered;
  std::promise<void> release;
  auto release_future = release.get_future().share();
  router.add("GET", "/inflight", [&, release_future](HttpRequest&&, Respond respond) {
    entered.set_value();
    pool.post([release_future, respond] {
      release_future.wait_for(5s);
      respond(HttpResponse{200, {}, "finished"});
    });
  });
  start();
  HttpClient idle(server->port());
  EXPECT_EQ(idle.get("/hello").status, 200);

  auto inflight = std::async(std::launch::async, [port = server->port()] {
    HttpClient client(port, 10s);
    return client.get("/inflight");
  });
  ASSERT_EQ(entered.get_future().wait_for(5s), std::future_status::ready);

  auto stopped = std::async(std::launch::async, [this] { server->stop(); });
  EXPECT_TRUE(idle.wait_closed(5s));  // the idle keep-alive connection goes at once
  EXPECT_EQ(stopped.wait_for(50ms), std::future_status::timeout);  // still waiting for /inflight
  release.set_value();
  auto response = inflight.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "finished");
  EXPECT_FALSE(response.keep_alive);
  EXPECT_EQ(stopped.wait_for(5s), std::future_status::ready);
  HttpClient late(server->port(), 1s);
  EXPECT_THROW(late.get("/hello"), std::runtime_error);  // no longer listening
}

TEST_F(HttpServerTest, StopIsBoundedByGrace) {
  options.shutdown_grace = 100ms;
  std::promise<void> entered;
  std::vector<Respond> kept;  // never answered; released after the server stopped
  router.add("GET", "/never", [&](HttpRequest&&, Respond respond) {
    kept.push_back(std::move(respond));
    entered.set_value();
  });
  start();
  auto hung = std::async(std::launch::async, [port = server->port()] {
    HttpClient client(port, 5s);
    try {
      return client.get("/never").status;
    } catch (const std::exception&) {
      return -1;  // closed without an answer
    }
  });
  ASSERT_EQ(entered.get_future().wait_for(5s), std::future_status::ready);
  auto began = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);
  EXPECT_EQ(hung.get(), -1);
  kept.clear();  // answering after stop is a no-op, not a crash
}

TEST_F(HttpServerTest, MetricsCountRequests) {
  start();
  HttpClient client(server->port());
  EXPECT_EQ(client.get("/hello").status, 200);
  auto response = client.get("/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(response.body.find(
                R"(sluice_http_requests_total{method="GET",route="/hello",status="200"} 1)"),
            std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("sluice_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(response.body.find("sluice_sse_subscribers 0"), std::string::npos);
}

TEST_F(HttpServerTest, EventStreamDeliversEventsInOrder) {
  start();
  HttpClient client(server->port());
  auto head = client.open_stream("/v1/stream", {{"Last-Event-ID", "41"}});
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(head.header("Cache-Control"), "no-cache");
  EXPECT_EQ(head.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(head.header("Content-Length"), "");
  EXPECT_EQ(last_event_id, "41");
  ASSERT_EQ(hub.subscribers(), 1u);

  auto replay = client.next_event(5s);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->event, "replay");
  EXPECT_EQ(replay->data, "since 41");
  EXPECT_EQ(hub.publish("42", "flag", "checkout"), 1u);
  EXPECT_EQ(hub.publish("43", "flag", "line one\nline two"), 1u);
  auto first = client.next_event(5s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, "42");
  EXPECT_EQ(first->event, "flag");
  EXPECT_EQ(first->data, "checkout");
  auto second = client.next_event(5s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, "43");
  EXPECT_EQ(second->data, "line one\nline two");
  EXPECT_TRUE(eventually([&] {
    return metrics->serve({}).body.find("sluice_sse_subscribers 1") != std::string::npos;
  }));
}

TEST_F(HttpServerTest, EventStreamHeartbeat) {
  options.sse_heartbeat = 200ms;
  start();
  HttpClient client(server->port());
  ASSERT_EQ(client.open_stream("/v1/stream").status, 200);
  auto beat = client.next_event(3s);
  ASSERT_TRUE(beat);
  EXPECT_EQ(beat->comment, "heartbeat");
  EXPECT_EQ(beat->data, "");
}

TEST_F(HttpServerTest, EventStreamRefusedByHandler) {
  start();
  HttpClient client(server->port());
  auto head = client.open_stream("/v1/stream?token=bad");
  EXPECT_EQ(head.status, 401);
  EXPECT_NE(head.body.find(R"("code":"unauthorized")"), std::string::npos);
  EXPECT_EQ(hub.subscribers(), 0u);
}

TEST_F(HttpServerTest, EventStreamHubDropsDisconnectedSubscriber) {
  start();
  {
    HttpClient client(server->port());
    ASSERT_EQ(client.open_stream("/v1/stream").status, 200);
    ASSERT_EQ(hub.subscribers(), 1u);
  }  // the client goes away
  EXPECT_TRUE(eventually([&] { return hub.subscribers() == 0; }));
  EXPECT_TRUE(eventually([&] {
    return metrics->serve({}).body.find("sluice_sse_subscribers 0") != std::string::npos;
  }));
}

TEST_F(HttpServerTest, EventStreamEndsOnStop) {
  start();
  HttpClient client(server->port());
  ASSERT_EQ(client.open_stream("/v1/stream").status, 200);
  hub.publish("1", "", "before stop");
  server->stop();
  auto event = client.next_event(5s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->data, "before stop");
  EXPECT_FALSE(client.next_event(5s));
  EXPECT_TRUE(client.stream_ended());
  EXPECT_EQ(hub.subscribers(), 0u);
}

}  // namespace
}  // namespace sluice::server
