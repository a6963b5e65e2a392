#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "free_port.hpp"

// Sockets for client tests: a port where nothing listens, and a listener that never answers.
namespace sluice::testing {

// A port nobody listens on (bound, then released): connecting is refused.
inline std::uint16_t refused_port() {
  return free_port();
}

// Listens but never accepts or reads: the kernel completes connections, so a client connects
// and writes, then waits for an answer that never comes.
class BlackHole {
 public:
  BlackHole() : fd_(bind_loopback(&port_)) { ::listen(fd_, 64); }
  ~BlackHole() { ::close(fd_); }
  BlackHole(const BlackHole&) = delete;
  BlackHole& operator=(const BlackHole&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_ = 0;
  int fd_;
};

// Runs the io_context on this thread until the callback fired (no work left) or 30 s passed.
inline void run_until_idle(boost::asio::io_context& io) {
  io.restart();
  io.run_for(std::chrono::seconds(30));
}

}  // namespace sluice::testing
