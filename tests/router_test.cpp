// Routing, target parsing and event-stream formatting, without a network.
#include "router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "event_stream.hpp"

namespace sluice::server {
namespace {

HttpRequest make_request(std::string method, std::string target) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  EXPECT_TRUE(parse_target(request));
  return request;
}

HttpResponse dispatch(const Router& router, HttpRequest request) {
  HttpResponse out;
  int calls = 0;
  router.dispatch(std::move(request), [&](HttpResponse response) {
    out = std::move(response);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  return out;
}

Router flag_router() {
  Router router;
  router.add_sync("GET", "/v1/flags", [](const HttpRequest&) {
    return HttpResponse{200, {}, "list"};
  });
  router.add_sync("GET", "/v1/flags/{key}", [](const HttpRequest& r) {
    return HttpResponse{200, {}, "get " + std::string(r.path_param("key"))};
  });
  router.add_sync("PUT", "/v1/flags/{key}", [](const HttpRequest&) { return HttpResponse{}; });
  router.add_sync("POST", "/v1/flags/{key}/kill", [](const HttpRequest& r) {
    return HttpResponse{200, {}, "kill " + std::string(r.path_param("key"))};
  });
  router.add_sync("POST", "/ofrep/v1/evaluate/flags/{key}", [](const HttpRequest& r) {
    return HttpResponse{200, {}, "eval " + std::string(r.path_param("key"))};
  });
  return router;
}

TEST(Router, MatchesLiteralAndParameterRoutes) {
  Router router = flag_router();
  EXPECT_EQ(dispatch(router, make_request("GET", "/v1/flags")).body, "list");
  EXPECT_EQ(dispatch(router, make_request("GET", "/v1/flags/checkout")).body, "get checkout");
  EXPECT_EQ(dispatch(router, make_request("POST", "/v1/flags/checkout/kill")).body,
            "kill checkout");
  EXPECT_EQ(dispatch(router, make_request("POST", "/ofrep/v1/evaluate/flags/new-ui")).body,
            "eval new-ui");
}

TEST(Router, PercentDecodesParametersAfterSplitting) {
  Router router = flag_router();
  HttpRequest request = make_request("GET", "/v1/flags/team%2Fnew%20ui");
  RouteMatch match = router.match(request);
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::found);
  EXPECT_EQ(match.name(), "/v1/flags/{key}");
  EXPECT_EQ(request.path_param("key"), "team/new ui");
}

TEST(Router, MatchesOnPathWhenTargetIsEmpty) {
  Router router = flag_router();
  HttpRequest request;
  request.method = "GET";
  request.path = "/v1/flags/abc";
  EXPECT_EQ(dispatch(router, std::move(request)).body, "get abc");
}

TEST(Router, UnknownPathIs404Json) {
  Router router = flag_router();
  HttpResponse response = dispatch(router, make_request("GET", "/v2/nothing"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  EXPECT_NE(response.body.find("\"code\":\"not_found\""), std::string::npos) << response.body;
  // An empty parameter names nothing, and a trailing slash is another path.
  EXPECT_EQ(dispatch(router, make_request("POST", "/v1/flags//kill")).status, 404);
  EXPECT_EQ(dispatch(router, make_request("GET", "/v1/flags/")).status, 404);
  RouteMatch match;
  EXPECT_EQ(match.name(), kUnmatchedRoute);
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router router = flag_router();
  HttpResponse response = dispatch(router, make_request("DELETE", "/v1/flags/x"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.header("Allow"), "GET, PUT");
  EXPECT_NE(response.body.find("\"code\":\"method_not_allowed\""), std::string::npos);
}

TEST(Router, HandlerExceptionIs500Json) {
  Router router;
  router.add_sync("GET", "/boom",
                  [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("kaput"); });
  HttpResponse response = dispatch(router, make_request("GET", "/boom"));
  EXPECT_EQ(response.status, 500);
  EXPECT_NE(response.body.find("\"code\":\"internal\""), std::string::npos);
}

TEST(Router, AsyncHandlerGetsRespond) {
  Router router;
  Respond saved;
  router.add("POST", "/later", [&](HttpRequest&&, Respond respond) { saved = std::move(respond); });
  int status = 0;
  router.dispatch(make_request("POST", "/later"), [&](HttpResponse r) { status = r.status; });
  EXPECT_EQ(status, 0);
  saved(HttpResponse{202, {}, {}});
  EXPECT_EQ(status, 202);
}

TEST(Router, RejectsMalformedPatterns) {
  Router router;
  EXPECT_THROW(router.add_sync("GET", "no-slash", {}), std::invalid_argument);
  EXPECT_THROW(router.add_sync("GET", "/a/{b", {}), std::invalid_argument);
  EXPECT_THROW(router.add_sync("GET", "/a/x{b}", {}), std::invalid_argument);
}

TEST(Router, ParsesTargetPathAndQuery) {
  HttpRequest request = make_request("GET", "/a%20b/c?x=1&name=new%20ui&q=a+b&flag");
  EXPECT_EQ(request.path, "/a b/c");
  EXPECT_EQ(request.query_param("x"), "1");
  EXPECT_EQ(request.query_param("name"), "new ui");
  EXPECT_EQ(request.query_param("q"), "a b");
  ASSERT_EQ(request.query.size(), 4u);
  EXPECT_EQ(request.query[3].first, "flag");
  HttpRequest bad;
  bad.target = "no-slash";
  EXPECT_FALSE(parse_target(bad));
}

TEST(Router, StreamRouteAnswers400WithoutConnection) {
  Router router;
  router.add_stream("/v1/stream", [](const HttpRequest&, std::shared_ptr<EventSink>) {
    return std::optional<HttpResponse>();
  });
  EXPECT_EQ(dispatch(router, make_request("GET", "/v1/stream")).status, 400);
  EXPECT_EQ(dispatch(router, make_request("POST", "/v1/stream")).status, 405);
}

TEST(EventStreamFormat, EventWithIdAndMultiLineData) {
  EXPECT_EQ(format_event("7", "flag", "a\nb\r\nc"),
            "id: 7\nevent: flag\ndata: a\ndata: b\ndata: c\n\n");
  EXPECT_EQ(format_event("", "", ""), "data: \n\n");
  EXPECT_EQ(format_event("1\n2", "x\ry", "d"), "id: 12\nevent: xy\ndata: d\n\n");
  EXPECT_EQ(format_comment("heartbeat"), ": heartbeat\n\n");
}

TEST(EventStreamQueue, WakesOnceUntilTaken) {
  EventStream stream(8);
  int wakes = 0;
  stream.set_waker([&] { ++wakes; });
  EXPECT_TRUE(stream.send("1", "", "a"));
  EXPECT_TRUE(stream.send("2", "", "b"));
  EXPECT_EQ(wakes, 1);
  auto pending = stream.take();
  EXPECT_EQ(pending.data, "id: 1\ndata: a\n\nid: 2\ndata: b\n\n");
  EXPECT_FALSE(pending.close);
  EXPECT_TRUE(stream.comment("x"));
  EXPECT_EQ(wakes, 2);
  stream.close();
  EXPECT_FALSE(stream.open());
  EXPECT_FALSE(stream.send("3", "", "c"));
  pending = stream.take();
  EXPECT_EQ(pending.data, ": x\n\n");
  EXPECT_TRUE(pending.close);
}

TEST(EventStreamQueue, SlowSubscriberIsClosedNotBuffered) {
  EventStream stream(3);
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(stream.send(std::to_string(i), "", "x"));
  EXPECT_FALSE(stream.send("3", "", "x"));
  EXPECT_TRUE(stream.overflowed());
  EXPECT_FALSE(stream.open());
  auto pending = stream.take();
  EXPECT_TRUE(pending.data.empty());
  EXPECT_TRUE(pending.close);
}

TEST(EventStreamHub, PublishesToOpenSinksAndDropsClosed) {
  EventHub hub;
  auto a = std::make_shared<EventStream>();
  auto b = std::make_shared<EventStream>();
  hub.subscribe(a);
  hub.subscribe(b);
  EXPECT_EQ(hub.subscribers(), 2u);
  EXPECT_EQ(hub.publish("1", "flag", "x"), 2u);
  b->disconnected();
  EXPECT_EQ(hub.publish("2", "flag", "y"), 1u);
  EXPECT_EQ(hub.subscribers(), 1u);
  EXPECT_EQ(a->take().data, "id: 1\nevent: flag\ndata: x\n\nid: 2\nevent: flag\ndata: y\n\n");
  hub.close_all();
  EXPECT_FALSE(a->open());
  EXPECT_EQ(hub.subscribers(), 0u);
}

}  // namespace
}  // namespace sluice::server
