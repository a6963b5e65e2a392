// Beast for parsing requests (a test-only translation unit, like tests/http_client.cpp).
#include "notify_receiver.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "run_command.hpp"

namespace sluice::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

}  // namespace

bool openssl_available() {
  return run_command("command -v openssl").exit_code == 0;
}

std::optional<TlsFiles> make_test_certificates(const std::string& dir, std::string* why,
                                               const std::string& subject_alt_names) {
  if (!openssl_available()) {
    if (why) *why = "the openssl command is missing (apt-get install openssl)";
    return std::nullopt;
  }
  std::error_code created;
  std::filesystem::create_directories(dir, created);  // a fresh subfolder is fine
  TlsFiles files{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key"};
  // EC keys: generated in milliseconds, unlike RSA.
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string commands[] = {
      "openssl req -x509 " + ec + " -keyout " + dir + "/ca.key -out " + files.ca_cert +
          " -days 2 -subj '/CN=Sluice Test CA' -addext 'basicConstraints=critical,CA:TRUE'"
          " -addext 'keyUsage=critical,keyCertSign,cRLSign'",
      "openssl req " + ec + " -keyout " + files.server_key + " -out " + dir +
          "/server.csr -subj '/CN=127.0.0.1'",
      "openssl x509 -req -in " + dir + "/server.csr -CA " + files.ca_cert + " -CAkey " + dir +
          "/ca.key -CAcreateserial -out " + files.server_cert + " -days 2 -extfile " + dir +
          "/server.ext",
  };
  // The client checks the name (or IP address) it connected to against these.
  std::ofstream(dir + "/server.ext") << "subjectAltName=" << subject_alt_names << "\n"
                                     << "basicConstraints=CA:FALSE\n"
                                        "extendedKeyUsage=serverAuth\n";
  for (const auto& command : commands) {
    auto result = run_command(command);
    if (result.exit_code != 0) {
      if (why) *why = "`" + command + "` failed: " + result.err;
      return std::nullopt;
    }
  }
  return files;
}

struct Receiver::State {
  asio::io_context io;  // only for the blocking sockets' executor
  tcp::acceptor acceptor{io};
  std::optional<asio::ssl::context> tls;

  mutable std::mutex mutex;
  std::condition_variable released;  // stalls wait on it until the receiver goes
  std::condition_variable arrived;   // a request was recorded
  bool stopping = false;
  std::deque<ReceiverMode> script;
  ReceiverMode fallback = ReceiverMode::Ok;
  std::vector<ReceivedRequest> requests;
  int handshake_failures = 0;
  std::vector<std::thread> connections;

  ReceiverMode next_mode(ReceivedRequest request) {
    std::lock_guard lock(mutex);
    requests.push_back(std::move(request));
    arrived.notify_all();
    if (script.empty()) return fallback;
    const ReceiverMode mode = script.front();
    script.pop_front();
    return mode;
  }

  template <typename Stream>
  void serve(Stream& stream) {
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    boost::system::error_code ec;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    ReceivedRequest received;
    received.method = std::string(request.method_string());
    received.target = std::string(request.target());
    for (const auto& field : request) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      received.headers[name] = std::string(field.value());
    }
    received.body = request.body();
    const std::string target = received.target;
    const ReceiverMode mode = next_mode(std::move(received));
    if (mode == ReceiverMode::Close) return;
    if (mode == ReceiverMode::Stall) {
      std::unique_lock lock(mutex);
      released.wait(lock, [&] { return stopping; });
      return;
    }
    http::response<http::string_body> response;
    response.version(11);
    response.keep_alive(false);
    if (mode == ReceiverMode::Ok) {
      response.result(http::status::ok);
      response.body() = "ok";
    } else if (mode == ReceiverMode::Fail500) {
      // Echoes the request target: the worker must keep a URL path out of last_error anyway.
      response.result(http::status::internal_server_error);
      response.body() = "failed at " + target;
    } else if (mode == ReceiverMode::RateLimited) {
      response.result(http::status::too_many_requests);
      response.set(http::field::retry_after, "30");
      response.body() = "rate_limited";
    } else {
      response.result(http::status::bad_request);
      response.body() = "invalid_payload";
    }
    response.prepare_payload();
    http::write(stream, response, ec);
  }

  void handle(tcp::socket socket) {
    boost::system::error_code ec;
    if (!tls) {
      serve(socket);
    } else {
      asio::ssl::stream<tcp::socket&> stream(socket, *tls);
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (ec) {
        std::lock_guard lock(mutex);
        ++handshake_failures;
      } else {
        serve(stream);
        stream.shutdown(ec);
      }
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  void accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      std::lock_guard lock(mutex);
      if (stopping) return;
      if (ec) continue;
      connections.emplace_back([this, s = std::move(socket)]() mutable { handle(std::move(s)); });
    }
  }
};

Receiver::Receiver(std::optional<TlsFiles> tls) : state_(std::make_shared<State>()) {
  if (tls) {
    state_->tls.emplace(asio::ssl::context::tls_server);
    state_->tls->use_certificate_chain_file(tls->server_cert);
    state_->tls->use_private_key_file(tls->server_key, asio::ssl::context::pem);
  }
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  acceptor_ = std::thread([state = state_] { state->accept_loop(); });
}

Receiver::~Receiver() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->released.notify_all();
  // Wakes the blocking accept with a connection of our own.
  boost::system::error_code ec;
  tcp::socket poke(state_->io);
  poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
  acceptor_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(state_->mutex);
    connections.swap(state_->connections);
  }
  for (auto& t : connections)
    t.join();
}

std::string Receiver::url(const std::string& path) const {
  return std::string(state_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) +
         path;
}

void Receiver::script(std::vector<ReceiverMode> modes) {
  std::lock_guard lock(state_->mutex);
  state_->script.assign(modes.begin(), modes.end());
}

void Receiver::answer_all(ReceiverMode mode) {
  std::lock_guard lock(state_->mutex);
  state_->fallback = mode;
}

std::vector<ReceivedRequest> Receiver::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

std::size_t Receiver::wait_for_requests(std::size_t count,
                                        std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  state_->arrived.wait_for(lock, timeout, [&] { return state_->requests.size() >= count; });
  return state_->requests.size();
}

int Receiver::handshake_failures() const {
  std::lock_guard lock(state_->mutex);
  return state_->handshake_failures;
}

}  // namespace sluice::testing
