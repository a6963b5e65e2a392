#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

// Loopback ports for tests: the one place that asks the kernel for a free port.
namespace sluice::testing {

// Binds 127.0.0.1:0 and returns the socket (still bound) and its port.
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
    throw std::runtime_error("bind/getsockname on 127.0.0.1:0 failed");
  }
  *port = ntohs(address.sin_port);
  return fd;
}

// A port that was free a moment ago (bound to port 0, then released), for a server that must be
// told its port before it starts. Another process could take it first: callers that start a
// server on it retry with another port when the start fails. Nothing listens on it, so
// connecting to it is refused until someone binds it.
inline std::uint16_t free_port() {
  std::uint16_t port = 0;
  ::close(bind_loopback(&port));
  return port;
}

}  // namespace sluice::testing
