#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::testing {

// A `sluice serve` child process on a free loopback port (`--listen 127.0.0.1:0`); the port is
// read from its start-up log line. Killed (SIGKILL) if still running when destroyed.
class SluiceProcess {
 public:
  // `args` follow `sluice serve`; `env` entries are NAME=VALUE added to the environment.
  SluiceProcess(std::vector<std::string> args, std::vector<std::string> env,
                const std::string& log_path);
  ~SluiceProcess();
  SluiceProcess(const SluiceProcess&) = delete;
  SluiceProcess& operator=(const SluiceProcess&) = delete;

  std::uint16_t port() const { return port_; }
  // Sends SIGTERM and waits up to `timeout`; returns the exit code, or -1 on timeout or signal.
  int terminate(std::chrono::milliseconds timeout);
  std::string log() const;

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string log_path_;
};

// Creates a token with `sluice token create` in `store` and returns it; a failure fails the test.
std::string create_token(const std::string& store, const std::string& name,
                         const std::string& scope);

}  // namespace sluice::testing
