#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "postgres_server.hpp"  // running_under_ci()
#include "run_command.hpp"

namespace sluice::testing {

// A throwaway Prometheus (Debian's /usr/bin/prometheus) on 127.0.0.1 and a free port, with a
// temporary config and TSDB folder, scraping the given targets every second. Prometheus 2.42
// answers /-/ready at once but takes ~6 s to store its first sample: wait for data
// (wait_for_data), not for readiness.
class PrometheusServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/prometheus";

  struct Options {
    std::vector<std::string> targets;      // "127.0.0.1:8080"; scraped at /metrics
    std::vector<std::string> extra_flags;  // appended to the command line
    std::chrono::seconds ready_timeout{20};
  };

  // Whether the binary is installed; if not, `why` says what is missing.
  static bool installed(std::string* why);

  // Starts and waits for /-/ready; throws std::runtime_error with the server log on failure.
  explicit PrometheusServer(Options options);
  ~PrometheusServer();  // SIGTERM (then SIGKILL after 10 s) to its own PID; removes the folder
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // POST /api/v1/query (at `time`, Unix seconds, or now); the JSON body. Throws on a transport
  // error or a non-200 answer.
  std::string query(const std::string& promql, std::optional<double> time = std::nullopt) const;
  // Polls the query every 250 ms until it returns a non-empty vector whose first value is at
  // least `at_least`; false when `timeout` passes first.
  bool wait_for_data(const std::string& promql, double at_least,
                     std::chrono::seconds timeout) const;

  std::string log() const;

  // Stops the server (SIGTERM to its own PID, SIGKILL after 10 s); its port then refuses
  // connections. The TSDB folder stays. Idempotent.
  void stop();
  // Starts it again on the same port with the same config and TSDB folder; waits for /-/ready.
  // False (with the reason in `why`) when it does not come up, e.g. someone took the port.
  bool restart(std::string* why);
  bool running() const { return pid_ > 0; }

 private:
  bool start(int port, std::string* why);

  Options options_;
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace sluice::testing

// Under CI=true a missing Prometheus fails the test; elsewhere it skips with the reason.
#define SLUICE_REQUIRE_PROMETHEUS()                                                         \
  do {                                                                                      \
    std::string sluice_missing_prometheus;                                                  \
    if (!::sluice::testing::PrometheusServer::installed(&sluice_missing_prometheus)) {      \
      if (::sluice::testing::running_under_ci()) {                                          \
        FAIL() << sluice_missing_prometheus << " (CI=true: Prometheus tests must run)";     \
      }                                                                                     \
      GTEST_SKIP() << sluice_missing_prometheus << "; install prometheus to run this test"; \
    }                                                                                       \
  } while (false)
