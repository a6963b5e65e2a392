#include "http_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <system_error>
#include <thread>
#include <vector>

#include "http_server_session.hpp"

namespace sluice::server {
namespace {

using namespace detail;  // NOLINT: the private Beast aliases

// Accepts connections on its own strand and hands each to a Session on a new strand.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, std::shared_ptr<ServerShared> shared)
      : ioc_(ioc),
        acceptor_(net::make_strand(ioc)),
        retry_(acceptor_.get_executor()),
        shared_(std::move(shared)) {}

  void listen(const tcp::endpoint& endpoint) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void start() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
  }

  void close() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
    });
  }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Usually out of file descriptors: wait a little instead of spinning on the error.
      std::cerr << "sluice: http accept: " << ec.message() << '\n';
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec) self->do_accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // small responses must not wait for Nagle
    std::make_shared<Session>(std::move(socket), shared_)->run();
    do_accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  std::shared_ptr<ServerShared> shared_;
};

tcp::endpoint resolve_listen(net::io_context& ioc, const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "listen address needs host:port: " + listen);
  }
  std::string host = listen.substr(0, colon);
  std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, port, tcp::resolver::passive);
  return results.begin()->endpoint();
}

}  // namespace

struct HttpServer::Impl {
  Impl(Router& router, Options options)
      : shared(std::make_shared<ServerShared>(router, std::move(options))) {}

  // Sessions that are still registered, as owners, taken under the lock.
  std::vector<std::shared_ptr<Session>> live_sessions() {
    std::vector<std::shared_ptr<Session>> out;
    std::lock_guard lock(shared->mutex);
    for (auto& [key, weak] : shared->sessions) {
      if (auto session = weak.lock()) out.push_back(std::move(session));
    }
    return out;
  }

  // Waits until every session has ended or the deadline passes.
  bool wait_drained(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(shared->mutex);
    return shared->drained.wait_until(lock, deadline, [&] { return shared->sessions.empty(); });
  }

  std::shared_ptr<ServerShared> shared;  // declared first: outlives the io_context
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::shared_ptr<Listener> listener;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  bool started = false;
  bool stopped = false;
};

HttpServer::HttpServer(Router& router, Options options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  if (impl_->started) return;
  impl_->listener = std::make_shared<Listener>(impl_->ioc, impl_->shared);
  try {
    impl_->listener->listen(resolve_listen(impl_->ioc, impl_->shared->options.listen));
  } catch (const boost::system::system_error& e) {
    // Boost's what() ends with the library's source location; the operator needs the reason.
    throw std::system_error(e.code(), "cannot listen on " + impl_->shared->options.listen);
  }
  impl_->port = impl_->listener->port();
  impl_->started = true;
  // Keeps the threads running while only worker-pool handlers have work in flight.
  impl_->work.emplace(impl_->ioc.get_executor());
  impl_->listener->start();
  std::size_t count = impl_->shared->options.threads == 0 ? 1 : impl_->shared->options.threads;
  for (std::size_t i = 0; i < count; ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
}

boost::asio::io_context& HttpServer::io_context() {
  return impl_->ioc;
}

std::uint16_t HttpServer::port() const {
  return impl_->port;
}

void HttpServer::stop() {
  Impl& impl = *impl_;
  if (!impl.started || impl.stopped) return;
  impl.stopped = true;
  {
    std::lock_guard lock(impl.shared->mutex);
    impl.shared->accepting = false;
  }
  impl.listener->close();
  for (auto& session : impl.live_sessions()) {
    impl.shared->post_to(session, [](Session& s) { s.on_stop(); });
  }
  auto deadline = std::chrono::steady_clock::now() + impl.shared->options.shutdown_grace;
  if (!impl.wait_drained(deadline)) {
    std::cerr << "sluice: http: shutdown grace over, closing remaining connections\n";
    for (auto& session : impl.live_sessions()) {
      impl.shared->post_to(session, [](Session& s) { s.force_close(); });
    }
    impl.wait_drained(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  }
  impl.work.reset();
  impl.ioc.stop();
  for (auto& thread : impl.threads)
    thread.join();
  impl.threads.clear();
  {
    std::lock_guard lock(impl.shared->mutex);
    impl.shared->alive = false;  // from now on nothing posts into the io_context
  }
  // A handler that never answered still holds its session; drop it while the io_context exists.
  for (auto& session : impl.live_sessions())
    session->release();
}

void run_until_signal(HttpServer& server, const std::function<void()>& before_stop) {
  net::io_context signals_context;
  net::signal_set signals(signals_context, SIGINT, SIGTERM);
  signals.async_wait([](beast::error_code, int) {});
  signals_context.run();  // returns once the signal handler ran
  if (before_stop) before_stop();
  server.stop();
}

}  // namespace sluice::server
