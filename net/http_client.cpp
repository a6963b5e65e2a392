// The one translation unit with Boost.Beast in sluice_net (compiling Beast is slow on 2 cores).
#include "sluice/net/http_client.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <random>
#include <stdexcept>
#include <utility>

#include <openssl/ssl.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "sluice/net/retry.hpp"
#include "sluice/net/url.hpp"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
namespace ssl = asio::ssl;
using TlsStream = beast::ssl_stream<beast::tcp_stream&>;

// One TLS client context per HttpClient: verification is on, always. The system's CA paths plus
// the optional extra file; the host name check is per connection (Exchange).
std::shared_ptr<ssl::context> make_tls_context(const ClientOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context->set_default_verify_paths();
  if (!options.ca_file.empty()) {
    error_code ec;
    context->load_verify_file(options.ca_file, ec);
    if (ec) {
      throw std::runtime_error("cannot load the CA file " + options.ca_file + ": " + ec.message());
    }
  }
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// One request on its own connection. Every step runs on one strand, so the deadline timer and
// the I/O handlers never race even when several threads run the io_context. The timer cancels
// whatever step is in progress; the stream's own expiry (same deadline) is the backstop for
// the connect, write and read steps.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(asio::io_context& io, std::shared_ptr<ssl::context> tls, HttpRequest request,
           HttpUrl url, std::function<void(HttpResult)> done)
      : io_(io),
        tls_context_(std::move(tls)),
        strand_(asio::make_strand(io)),
        resolver_(strand_),
        stream_(strand_),
        timer_(strand_),
        request_(std::move(request)),
        url_(std::move(url)),
        done_(std::move(done)),
        where_(url_.host + ":" + std::to_string(url_.port)) {
    if (url_.tls) tls_ = std::make_unique<TlsStream>(stream_, *tls_context_);
  }

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->begin(); });
  }

 private:
  void begin() {
    deadline_ = std::chrono::steady_clock::now() + request_.timeout;
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->finished_) return;
      self->timed_out_ = true;
      self->resolver_.cancel();
      self->stream_.cancel();
    });
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        [self = shared_from_this()](error_code ec, tcp::resolver::results_type results) {
          self->on_resolve(ec, std::move(results));
        });
  }

  void on_resolve(error_code ec, tcp::resolver::results_type results) {
    if (ec) return fail(ec, "cannot resolve \"" + url_.host + "\"");
    if (timed_out_) return fail(asio::error::operation_aborted, "");
    stream_.expires_at(deadline_);
    stream_.async_connect(results,
                          [self = shared_from_this()](error_code connect_ec, const tcp::endpoint&) {
                            self->on_connect(connect_ec);
                          });
  }

  void on_connect(error_code ec) {
    if (ec == asio::error::connection_refused) return finish_error("connection refused");
    if (ec) return fail(ec, "connect to " + where_ + " failed");
    if (!tls_) return write_request();
    // SNI for names only (RFC 6066 forbids IP literals); the certificate must name the host.
    if (!is_ip_literal(url_.host) &&
        // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
        SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(url_.host.c_str())) != 1) {
      return finish_error("TLS with " + where_ + ": cannot set the server name");
    }
    tls_->set_verify_callback(ssl::host_name_verification(url_.host));
    stream_.expires_at(deadline_);
    tls_->async_handshake(
        ssl::stream_base::client,
        [self = shared_from_this()](error_code handshake_ec) { self->on_handshake(handshake_ec); });
  }

  void on_handshake(error_code ec) {
    if (ec) return fail(ec, "TLS handshake with " + where_ + " failed");
    write_request();
  }

  // Calls f with the stream the HTTP bytes go through: TLS over TCP, or TCP.
  template <typename F>
  void with_stream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(stream_);
    }
  }

  void write_request() {
    const auto verb = http::string_to_verb(request_.method);
    if (verb == http::verb::unknown) return finish_error("unknown method " + request_.method);
    message_.method(verb);
    message_.target(url_.target);
    message_.version(11);
    // The port only when it is not the scheme's own (some HTTPS front ends reject ":443").
    const bool default_port = url_.port == (url_.tls ? 443 : 80);
    message_.set(http::field::host,
                 default_port ? url_.host : url_.host + ":" + std::to_string(url_.port));
    message_.set(http::field::user_agent, "sluice");
    for (const auto& [name, value] : request_.headers)
      message_.set(name, value);
    message_.body() = request_.body;
    message_.keep_alive(false);  // one exchange per connection: nothing pooled to go stale
    message_.prepare_payload();
    stream_.expires_at(deadline_);
    with_stream([this](auto& stream) {
      http::async_write(stream, message_,
                        [self = shared_from_this()](error_code write_ec, std::size_t) {
                          self->on_write(write_ec);
                        });
    });
  }

  void on_write(error_code ec) {
    if (ec) return fail(ec, "write to " + where_ + " failed");
    parser_.body_limit(request_.max_response_bytes);
    stream_.expires_at(deadline_);
    with_stream([this](auto& stream) {
      http::async_read(
          stream, buffer_, parser_,
          [self = shared_from_this()](error_code read_ec, std::size_t) { self->on_read(read_ec); });
    });
  }

  void on_read(error_code ec) {
    if (ec == http::error::body_limit) {
      return finish_error("response larger than " + std::to_string(request_.max_response_bytes) +
                          " bytes");
    }
    if (ec) return fail(ec, "read from " + where_ + " failed");
    const auto& message = parser_.get();
    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      auto [it, inserted] =
          response.headers.emplace(lowercase(field.name_string()), std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    response.body = message.body();
    HttpResult result;
    result.response = std::move(response);
    finish(std::move(result));
  }

  // A timeout shows up as operation_aborted (our timer) or beast's timeout (the stream expiry).
  void fail(error_code ec, const std::string& what) {
    if (timed_out_ || ec == beast::error::timeout || ec == asio::error::operation_aborted) {
      return finish_error("timed out after " + format_timeout(request_.timeout));
    }
    finish_error(what + ": " + ec.message());
  }

  void finish_error(std::string error) {
    HttpResult result;
    result.error = std::move(error);
    finish(std::move(result));
  }

  void finish(HttpResult result) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    // Posted to the io_context, not the strand: the caller's code need not run serialised with
    // this connection, and `done` never runs inside send().
    asio::post(io_, [done = std::move(done_), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }

  asio::io_context& io_;
  std::shared_ptr<ssl::context> tls_context_;  // kept alive while the connection uses it
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  HttpRequest request_;
  HttpUrl url_;
  std::function<void(HttpResult)> done_;
  std::chrono::steady_clock::time_point deadline_;
  http::request<http::string_body> message_;
  http::response_parser<http::string_body> parser_;
  beast::flat_buffer buffer_;
  std::string where_;               // host:port, for errors (never the path: it may be secret)
  std::unique_ptr<TlsStream> tls_;  // https only; wraps stream_
  bool timed_out_ = false;
  bool finished_ = false;
};

}  // namespace

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  Impl(asio::io_context& context, const ClientOptions& options)
      : io(context), tls(make_tls_context(options)), random(std::random_device{}()) {}

  // A uniform number in [0, 1) for backoff jitter; several loop threads may ask at once.
  double unit() {
    std::lock_guard lock(random_mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(random);
  }

  void send(HttpRequest request, std::function<void(HttpResult)> done) {
    std::string why;
    auto url = parse_http_url(request.url, &why);
    if (!url) {
      HttpResult result;
      result.error = why;
      asio::post(io, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
      });
      return;
    }
    std::make_shared<Exchange>(io, tls, std::move(request), std::move(*url), std::move(done))
        ->start();
  }

  // One send_with_retries call. It owns the Impl, so a retry still pending when the HttpClient
  // goes away still completes.
  struct Retries {
    std::shared_ptr<Impl> impl;
    HttpRequest request;
    RetryPolicy policy;
    std::function<void(HttpResult)> done;
    asio::steady_timer timer;
    int attempt = 0;
  };

  static void attempt(const std::shared_ptr<Retries>& state) {
    ++state->attempt;
    state->impl->send(state->request, [state](HttpResult result) {
      const bool last = state->attempt >= state->policy.max_attempts;
      if (last || !is_retryable(result)) {
        if (!result.ok() && state->attempt > 1) {
          result.error += " (" + std::to_string(state->attempt) + " attempts)";
        }
        state->done(std::move(result));
        return;
      }
      state->timer.expires_after(
          backoff_delay(state->policy, state->attempt + 1, state->impl->unit()));
      state->timer.async_wait([state](error_code) { attempt(state); });
    });
  }

  asio::io_context& io;
  std::shared_ptr<ssl::context> tls;
  std::mutex random_mutex;
  std::mt19937_64 random;
};

HttpClient::HttpClient(asio::io_context& io, ClientOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

HttpClient::~HttpClient() = default;

void HttpClient::send(HttpRequest request, std::function<void(HttpResult)> done) {
  impl_->send(std::move(request), std::move(done));
}

void HttpClient::send_with_retries(HttpRequest request, RetryPolicy retry,
                                   std::function<void(HttpResult)> done) {
  retry.max_attempts = std::max(retry.max_attempts, 1);
  auto state = std::make_shared<Impl::Retries>(Impl::Retries{
      impl_, std::move(request), retry, std::move(done), asio::steady_timer(impl_->io), 0});
  Impl::attempt(state);
}

}  // namespace sluice::net
