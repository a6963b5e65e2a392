#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "postgres_server.hpp"  // running_under_ci()

// A real HTTP(S) receiver for the notification worker's tests: a small threaded server on
// 127.0.0.1:0 (Boost.Asio, blocking I/O, one thread per connection) that records each request
// and answers as scripted: OK, 500, 400, 429 with Retry-After, stall (never answers) or close
// without answering.
namespace sluice::testing {

// RateLimited: 429 with `Retry-After: 30`, as Slack answers when a webhook posts too often.
enum class ReceiverMode { Ok, Fail500, Reject400, RateLimited, Stall, Close };

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

struct TlsFiles {
  std::string ca_cert;      // the test CA (PEM): what a client must trust
  std::string server_cert;  // for 127.0.0.1 and localhost, signed by the CA
  std::string server_key;
};

// Makes a test CA and a server certificate with the openssl command into `dir` (created if
// missing), the server's for the names in `subject_alt_names`. Nothing (and `why`) when the
// openssl command is missing or fails.
std::optional<TlsFiles> make_test_certificates(
    const std::string& dir, std::string* why,
    const std::string& subject_alt_names = "IP:127.0.0.1,DNS:localhost");

bool openssl_available();

class Receiver {
 public:
  // Plain HTTP without `tls`, HTTPS with the given certificate otherwise.
  explicit Receiver(std::optional<TlsFiles> tls = std::nullopt);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;

  // The next requests are answered as `modes` says, in order; then with Ok.
  void script(std::vector<ReceiverMode> modes);
  void answer_all(ReceiverMode mode);  // the default once the script is used up
  std::vector<ReceivedRequest> requests() const;
  // Blocks until `count` requests have arrived or `timeout` passed; returns how many arrived. A
  // request is recorded before it is answered, so after an answer no wait is needed.
  std::size_t wait_for_requests(std::size_t count,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  int handshake_failures() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
};

}  // namespace sluice::testing

// Skips a TLS test when the openssl command is missing; under CI=true that is a failure.
#define SLUICE_REQUIRE_OPENSSL()                                                           \
  do {                                                                                     \
    if (!::sluice::testing::openssl_available()) {                                         \
      if (::sluice::testing::running_under_ci()) {                                         \
        FAIL() << "the openssl command is missing (CI=true: TLS tests must run)";          \
      }                                                                                    \
      GTEST_SKIP() << "the openssl command is missing; apt-get install openssl to run it"; \
    }                                                                                      \
  } while (false)
