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

// Sockets for client tests: a port where nothing listens, and a listener that never answers.
namespace sluice::testing {

// Binds 127.0.0.1:0 and returns the socket and its port.
inline int bind_loopback(std::uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  // The sockets API takes sockaddr*; sockaddr_in is its IPv4 form.
  auto* generic = reinterpret_cast<sockaddr*>(&address);
  if (::bind(fd, generic, length) != 0 || ::getsockname(fd, generic, &length) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  *port = ntohs(address.sin_port);
  return fd;
}

// A port nobody listens on (bound, then released): connecting is refused.
inline std::uint16_t refused_port() {
  std::uint16_t port = 0;
  ::close(bind_loopback(&port));
  return port;
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
