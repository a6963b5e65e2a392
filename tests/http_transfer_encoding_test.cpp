// Transfer-Encoding other than exactly "chunked" over a raw socket: RFC 9112 §6.3 says 400 and
// close. Read as a body-less request, the body would run as a second request (smuggling).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

#include "http_server.hpp"

namespace sluice::server {
namespace {

using namespace std::chrono_literals;

// Sends `bytes` on a fresh connection and reads until the server closes it (or 5 s pass).
struct RawExchange {
  std::string received;
  bool closed = false;  // the server closed the connection
};

RawExchange exchange(std::uint16_t port, const std::string& bytes) {
  RawExchange out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      out.closed = true;
      break;
    }
    out.received.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

class TransferEncodingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add_sync("POST", "/count", [this](const HttpRequest& r) {
      ++executed_;
      return HttpResponse::json(200, r.body.empty() ? "{}" : r.body);
    });
    HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.shutdown_grace = 1s;
    server_ = std::make_unique<HttpServer>(router_, options);
    server_->start();
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override { server_->stop(); }

  // A request with the given Transfer-Encoding line(s) whose body is a complete second request.
  static std::string smuggling(const std::string& transfer_encoding) {
    const std::string second = "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    return "POST /count HTTP/1.1\r\nHost: x\r\n" + transfer_encoding + "\r\n" + second;
  }

  Router router_;
  std::atomic<int> executed_{0};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TransferEncodingTest, AnythingButExactlyChunkedIs400AndClose) {
  for (const std::string te :
       {"Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: gzip\r\n",
        "Transfer-Encoding: chunked, identity\r\n", "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: identity\r\n"}) {
    const RawExchange got = exchange(server_->port(), smuggling(te));
    EXPECT_EQ(got.received.rfind("HTTP/1.1 400 ", 0), 0u) << te << got.received;
    EXPECT_NE(got.received.find("invalid_transfer_encoding"), std::string::npos) << te;
    EXPECT_EQ(count(got.received, "HTTP/1.1 "), 1u) << te << got.received;  // no second answer
    EXPECT_TRUE(got.closed) << te;
    EXPECT_EQ(executed_.load(), 0) << te;  // neither the request nor the smuggled one ran
  }
}

// Both framings at once is the classic smuggling request: Beast refuses it as malformed.
TEST_F(TransferEncodingTest, ChunkedWithContentLengthIs400AndClose) {
  const RawExchange got =
      exchange(server_->port(), smuggling("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"));
  EXPECT_EQ(got.received.rfind("HTTP/1.1 400 ", 0), 0u) << got.received;
  EXPECT_EQ(count(got.received, "HTTP/1.1 "), 1u) << got.received;
  EXPECT_TRUE(got.closed);
  EXPECT_EQ(executed_.load(), 0);
}

TEST_F(TransferEncodingTest, ChunkedStillWorks) {
  const RawExchange got = exchange(
      server_->port(),
      "POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n"
      "7\r\n{\"a\":1}\r\n0\r\n\r\n");
  EXPECT_EQ(got.received.rfind("HTTP/1.1 200 ", 0), 0u) << got.received;
  EXPECT_NE(got.received.find("{\"a\":1}"), std::string::npos) << got.received;
  EXPECT_EQ(executed_.load(), 1);
}

}  // namespace
}  // namespace sluice::server
