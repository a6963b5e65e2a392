#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <stdexcept>

namespace sluice::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

Headers copy_headers(const http::fields& fields) {
  Headers out;
  for (const auto& field : fields) {
    out.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

// Parses one block ("id: 1\ndata: x\n") of an event stream.
SseMessage parse_block(std::string_view block) {
  SseMessage message;
  bool has_data = false;
  bool has_comment = false;
  while (!block.empty()) {
    auto end = block.find('\n');
    std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view() : block.substr(end + 1);
    auto colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field.empty()) {
      if (has_comment) message.comment += '\n';
      message.comment += value;
      has_comment = true;
    } else if (field == "data") {
      if (has_data) message.data += '\n';
      message.data += value;
      has_data = true;
    } else if (field == "id") {
      message.id = value;
    } else if (field == "event") {
      message.event = value;
    }
  }
  return message;
}

}  // namespace

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

struct HttpClient::Impl {
  Impl(std::uint16_t p, std::chrono::milliseconds t, std::string h)
      : port(p), timeout(t), host(std::move(h)), socket(ioc) {}

  // Runs one asynchronous operation to completion or cancels it after `limit`.
  template <typename Start>
  beast::error_code run(std::chrono::milliseconds limit, Start start) {
    beast::error_code result;
    bool done = false;
    ioc.restart();
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc.run_for(limit);
    if (done) return result;
    beast::error_code ignored;
    socket.cancel(ignored);
    ioc.restart();
    ioc.run();
    return net::error::timed_out;
  }

  void check(beast::error_code ec, const char* what) {
    if (!ec) return;
    close();
    throw std::runtime_error(std::string("http client ") + what + ": " + ec.message());
  }

  void ensure_connected() {
    if (socket.is_open()) return;
    buffer.clear();
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port));
    check(run(timeout, [&](auto done) { net::async_connect(socket, endpoints, done); }), "connect");
  }

  void write_request(std::string_view method, std::string_view target, std::string body,
                     const Headers& headers) {
    ensure_connected();
    http::request<http::string_body> request;
    request.version(11);
    request.method_string(method);
    request.target(target);
    request.set(http::field::host, host);
    for (const auto& [name, value] : headers)
      request.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      request.body() = std::move(body);
      request.prepare_payload();
    }
    check(run(timeout, [&](auto done) { http::async_write(socket, request, done); }), "write");
  }

  void close() {
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    stream.reset();
  }

  std::uint16_t port;
  std::chrono::milliseconds timeout;
  std::string host;
  net::io_context ioc;
  tcp::socket socket;
  beast::flat_buffer buffer;
  // The event stream being read: chunk bodies go to `text` as they arrive.
  std::optional<http::response_parser<http::string_body>> stream;
  std::string text;
  bool ended = false;
  std::function<std::size_t(std::uint64_t, std::string_view, beast::error_code&)> on_chunk =
      [this](std::uint64_t, std::string_view data, beast::error_code&) -> std::size_t {
    text += data;
    return data.size();
  };
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout, std::string host)
    : impl_(std::make_unique<Impl>(port, timeout, std::move(host))) {}

HttpClient::~HttpClient() {
  impl_->close();
}

ClientResponse HttpClient::request(std::string_view method, std::string_view target,
                                   std::string body, const Headers& headers) {
  Impl& impl = *impl_;
  impl.write_request(method, target, std::move(body), headers);
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  if (method == "HEAD") parser.skip(true);
  impl.check(impl.run(impl.timeout,
                      [&](auto done) { http::async_read(impl.socket, impl.buffer, parser, done); }),
             "read");
  auto& message = parser.get();
  ClientResponse response{static_cast<int>(message.result_int()), copy_headers(message),
                          message.body(), message.keep_alive()};
  if (!response.keep_alive) impl.close();
  return response;
}

ClientResponse HttpClient::open_stream(std::string_view target, const Headers& headers) {
  Impl& impl = *impl_;
  impl.write_request("GET", target, {}, headers);
  impl.stream.emplace();
  impl.stream->body_limit(boost::none);
  impl.text.clear();
  impl.ended = false;
  impl.stream->on_chunk_body(impl.on_chunk);  // Beast keeps a reference to it
  impl.check(impl.run(impl.timeout,
                      [&](auto done) {
                        http::async_read_header(impl.socket, impl.buffer, *impl.stream, done);
                      }),
             "read stream header");
  auto& message = impl.stream->get();
  ClientResponse response{
      static_cast<int>(message.result_int()), copy_headers(message), {}, message.keep_alive()};
  if (response.status != 200) {
    // A refusal is an ordinary response: read its body.
    impl.check(impl.run(impl.timeout,
                        [&](auto done) {
                          http::async_read(impl.socket, impl.buffer, *impl.stream, done);
                        }),
               "read refusal");
    response.body = impl.stream->get().body();
    impl.ended = true;
  }
  return response;
}

std::optional<SseMessage> HttpClient::next_event(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.stream) throw std::logic_error("next_event without open_stream");
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto end = impl.text.find("\n\n");
    if (end != std::string::npos) {
      SseMessage message = parse_block(std::string_view(impl.text).substr(0, end + 1));
      impl.text.erase(0, end + 2);
      return message;
    }
    if (impl.ended) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto ec = impl.run(left, [&](auto done) {
      http::async_read_some(impl.socket, impl.buffer, *impl.stream, done);
    });
    if (ec == net::error::timed_out) return std::nullopt;
    if (ec || impl.stream->is_done()) impl.ended = true;
  }
}

bool HttpClient::stream_ended() const {
  return impl_->ended;
}

bool HttpClient::wait_closed(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.socket.is_open()) return true;
  auto deadline = Clock::now() + timeout;
  char scratch[512];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    auto ec =
        impl.run(left, [&](auto done) { impl.socket.async_read_some(net::buffer(scratch), done); });
    if (ec == net::error::timed_out) return false;
    if (ec) {
      impl.close();
      return true;
    }
  }
}

void HttpClient::close() {
  impl_->close();
}

}  // namespace sluice::testing
