#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::app {

// `sluice serve` as a child process of this binary, in its own process group (Ctrl-C reaches
// only the demo, which stops the traffic before the server), killed if the demo dies.
class ServerChild {
 public:
  // Starts `sluice serve ARGS` with our environment minus SLUICE_* plus SLUICE_ADMIN_TOKEN=token,
  // its output to `log_path`; the child unblocks `blocked` before it execs. Throws
  // std::runtime_error when fork fails.
  ServerChild(const std::vector<std::string>& args, const std::string& token,
              const std::string& log_path, const sigset_t& blocked);
  ~ServerChild();  // stop(15 s)
  ServerChild(const ServerChild&) = delete;
  ServerChild& operator=(const ServerChild&) = delete;

  // The port from the log line "listening on ... (port N)"; 0 when it exited or took too long.
  std::uint16_t wait_for_port(std::chrono::seconds limit);
  bool running();
  // SIGTERM, then SIGKILL after `grace`. Returns true when it stopped on SIGTERM.
  bool stop(std::chrono::seconds grace);
  std::string log() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// Blocks SIGINT and SIGTERM in the calling thread (and so in every thread it starts, and in a
// ServerChild until it execs) and returns them, for wait_signal().
sigset_t block_signals();
// True when one of `signals` arrived within `wait`.
bool wait_signal(const sigset_t& signals, std::chrono::milliseconds wait);

// The last `n` lines of `text`.
std::string tail_lines(const std::string& text, std::size_t n);

}  // namespace sluice::app
