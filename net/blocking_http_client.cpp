#include "sluice/net/blocking_http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <stdexcept>

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

HeaderList copy_headers(const http::fields& fields) {
  HeaderList out;
  for (const auto& field : fields) {
    out.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

std::string timeout_text(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 == 0)
    return "timed out after " + std::to_string(timeout.count() / 1000) + "s";
  return "timed out after " + std::to_string(timeout.count()) + "ms";
}

// Parses one block ("id: 1\ndata: x\n") of an event stream.
StreamEvent parse_block(std::string_view block) {
  StreamEvent message;
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

// Why an exchange stopped, for BlockingResponse::error.
struct Failure {
  std::string error;
  bool before_response = false;  // nothing of the response had arrived
  bool connecting = false;       // the connection could not be opened
};

}  // namespace

std::string BlockingResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

struct BlockingHttpClient::Impl {
  Impl(std::string h, std::uint16_t p)
      : host(std::move(h)),
        port(p),
        host_header((host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                    std::to_string(port)),
        ioc(1),
        socket(ioc) {}

  // Runs one asynchronous operation to completion or cancels it at `deadline`.
  template <typename Start>
  beast::error_code run(Clock::time_point deadline, Start start) {
    beast::error_code result;
    bool done = false;
    ioc.restart();
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc.run_until(deadline);
    if (done) return result;
    beast::error_code ignored;
    socket.cancel(ignored);
    ioc.restart();
    ioc.run();
    return asio::error::timed_out;
  }

  std::optional<Failure> fail(beast::error_code ec, const char* what,
                              std::chrono::milliseconds timeout, bool before_response) {
    if (!ec) return std::nullopt;
    close();
    if (ec == asio::error::timed_out) return Failure{timeout_text(timeout), false};
    if (ec == asio::error::connection_refused) return Failure{"connection refused", false};
    return Failure{std::string(what) + ": " + ec.message(), before_response};
  }

  std::optional<Failure> connect(Clock::time_point deadline, std::chrono::milliseconds timeout) {
    buffer.clear();
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return Failure{"cannot resolve \"" + host + "\": " + ec.message(), false, true};
    if (auto failure =
            fail(run(deadline, [&](auto done) { asio::async_connect(socket, endpoints, done); }),
                 "connect", timeout, false)) {
      failure->connecting = true;
      return failure;
    }
    socket.set_option(tcp::no_delay(true), ec);
    used = false;
    return std::nullopt;
  }

  std::optional<Failure> write_request(std::string_view method, std::string_view target,
                                       std::string body, const HeaderList& headers,
                                       Clock::time_point deadline,
                                       std::chrono::milliseconds timeout) {
    if (!socket.is_open()) {
      if (auto failure = connect(deadline, timeout)) return failure;
    }
    http::request<http::string_body> request;
    request.version(11);
    request.method_string(method);
    request.target(target);
    request.set(http::field::host, host_header);
    for (const auto& [name, value] : headers)
      request.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      request.body() = std::move(body);
      request.prepare_payload();
    }
    return fail(run(deadline, [&](auto done) { http::async_write(socket, request, done); }),
                "write", timeout, true);
  }

  void close() {
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    stream.reset();
  }

  std::string host;
  std::uint16_t port;
  std::string host_header;
  asio::io_context ioc;
  tcp::socket socket;
  beast::flat_buffer buffer;
  bool used = false;  // an exchange completed on this connection
  std::optional<std::size_t> body_limit;
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

BlockingHttpClient::BlockingHttpClient(std::string host, std::uint16_t port)
    : impl_(std::make_unique<Impl>(std::move(host), port)) {}

BlockingHttpClient::~BlockingHttpClient() {
  impl_->close();
}

void BlockingHttpClient::set_body_limit(std::optional<std::size_t> limit) {
  impl_->body_limit = limit;
}

BlockingResponse BlockingHttpClient::exchange(std::string_view method, std::string_view target,
                                              std::string body, const HeaderList& headers,
                                              std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  const auto deadline = Clock::now() + timeout;
  const bool reused = impl.socket.is_open() && impl.used;
  BlockingResponse response;
  auto failed = [&](Failure failure) {
    response.error = std::move(failure.error);
    response.stale_connection = reused && failure.before_response;
    response.connect_failed = failure.connecting;
    return response;
  };
  if (auto failure =
          impl.write_request(method, target, std::move(body), headers, deadline, timeout)) {
    return failed(std::move(*failure));
  }
  http::response_parser<http::string_body> parser;
  if (impl.body_limit)
    parser.body_limit(*impl.body_limit);
  else
    parser.body_limit(boost::none);
  if (method == "HEAD") parser.skip(true);
  const auto ec = impl.run(
      deadline, [&](auto done) { http::async_read(impl.socket, impl.buffer, parser, done); });
  if (ec) {
    const bool nothing_read = !parser.got_some() && impl.buffer.size() == 0;
    return failed(*impl.fail(ec, "read", timeout, nothing_read));
  }
  auto& message = parser.get();
  response.status = static_cast<int>(message.result_int());
  response.headers = copy_headers(message);
  response.body = std::move(message.body());
  response.keep_alive = message.keep_alive();
  impl.used = true;
  if (!response.keep_alive) impl.close();
  return response;
}

BlockingResponse BlockingHttpClient::open_stream(std::string_view target, const HeaderList& headers,
                                                 std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  const auto deadline = Clock::now() + timeout;
  BlockingResponse response;
  if (auto failure = impl.write_request("GET", target, {}, headers, deadline, timeout)) {
    response.error = std::move(failure->error);
    return response;
  }
  impl.stream.emplace();
  impl.stream->body_limit(boost::none);
  impl.text.clear();
  impl.ended = false;
  impl.stream->on_chunk_body(impl.on_chunk);  // Beast keeps a reference to it
  auto ec = impl.run(deadline, [&](auto done) {
    http::async_read_header(impl.socket, impl.buffer, *impl.stream, done);
  });
  if (auto failure = impl.fail(ec, "read stream header", timeout, false)) {
    response.error = std::move(failure->error);
    return response;
  }
  auto& message = impl.stream->get();
  response.status = static_cast<int>(message.result_int());
  response.headers = copy_headers(message);
  response.keep_alive = message.keep_alive();
  if (response.status != 200) {
    // A refusal is an ordinary response: read its body.
    ec = impl.run(deadline, [&](auto done) {
      http::async_read(impl.socket, impl.buffer, *impl.stream, done);
    });
    response.body = impl.stream->get().body();
    impl.ended = true;
    if (auto failure = impl.fail(ec, "read refusal", timeout, false)) {
      BlockingResponse failed;
      failed.error = std::move(failure->error);
      return failed;
    }
  }
  return response;
}

std::optional<StreamEvent> BlockingHttpClient::next_event(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.stream) throw std::logic_error("next_event without open_stream");
  const auto deadline = Clock::now() + timeout;
  while (true) {
    auto end = impl.text.find("\n\n");
    if (end != std::string::npos) {
      StreamEvent message = parse_block(std::string_view(impl.text).substr(0, end + 1));
      impl.text.erase(0, end + 2);
      return message;
    }
    if (impl.ended || Clock::now() >= deadline) return std::nullopt;
    auto ec = impl.run(deadline, [&](auto done) {
      http::async_read_some(impl.socket, impl.buffer, *impl.stream, done);
    });
    if (ec == asio::error::timed_out) return std::nullopt;
    if (ec || impl.stream->is_done()) impl.ended = true;
  }
}

bool BlockingHttpClient::stream_ended() const {
  return impl_->ended;
}

bool BlockingHttpClient::wait_closed(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.socket.is_open()) return true;
  const auto deadline = Clock::now() + timeout;
  char scratch[512];
  while (true) {
    if (Clock::now() >= deadline) return false;
    auto ec = impl.run(
        deadline, [&](auto done) { impl.socket.async_read_some(asio::buffer(scratch), done); });
    if (ec == asio::error::timed_out) return false;
    if (ec) {
      impl.close();
      return true;
    }
  }
}

void BlockingHttpClient::close() {
  impl_->close();
}

}  // namespace sluice::net
