#include "traffic_http.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

#include "sluice/net/url.hpp"

namespace sluice::app {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

std::string timeout_text(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 == 0)
    return "timed out after " + std::to_string(timeout.count() / 1000) + "s";
  return "timed out after " + std::to_string(timeout.count()) + "ms";
}

// Waits until fd is ready for `events` or the deadline passes.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Why a read or write failed, in a way that tells a stale kept-alive connection apart.
struct IoFailure {
  std::string what;
  bool timed_out = false;
  bool closed_before_response = false;  // EOF/reset before any byte of the response
};

}  // namespace

KeepAliveConnection::KeepAliveConnection(std::string base_url) {
  std::string why;
  auto url = net::parse_http_url(base_url, &why);
  if (url && url->tls) {
    // parse_http_url takes https:// since notifications; this plain-socket client does not.
    url_error_ = "bad URL " + base_url + ": only http:// is supported";
  } else if (url) {
    host_ = url->host;
    port_ = url->port;
    host_header_ = (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" +
                   std::to_string(port_);
  } else {
    url_error_ = "bad URL " + base_url + ": " + why;
  }
}

KeepAliveConnection::~KeepAliveConnection() {
  close();
}

void KeepAliveConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool KeepAliveConnection::connect(Clock::time_point deadline, std::string& error) {
  if (Clock::now() < retry_after_) {
    error = "cannot connect to " + host_header_ + " (backing off)";
    return false;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(port_);
  if (int rc = ::getaddrinfo(host_.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = "cannot resolve \"" + host_ + "\": " + ::gai_strerror(rc);
  } else {
    for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
      int fd =
          ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      int connected = ::connect(fd, a->ai_addr, a->ai_addrlen);
      int so_error = 0;
      if (connected != 0 && errno == EINPROGRESS) {
        if (!wait_for(fd, POLLOUT, deadline)) {
          error = "connect timed out";
          ::close(fd);
          continue;
        }
        socklen_t len = sizeof so_error;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      } else if (connected != 0) {
        so_error = errno;
      }
      if (so_error != 0) {
        error = so_error == ECONNREFUSED
                    ? "connection refused"
                    : std::string("connect failed: ") + std::strerror(so_error);
        ::close(fd);
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fd_ = fd;
    }
    ::freeaddrinfo(found);
  }
  if (fd_ < 0) {
    backoff_ = std::min(std::chrono::milliseconds(2000),
                        std::max(std::chrono::milliseconds(100), backoff_ * 2));
    retry_after_ = Clock::now() + backoff_;
    return false;
  }
  backoff_ = std::chrono::milliseconds(0);
  buffer_.clear();
  return true;
}

SimpleResponse KeepAliveConnection::request(
    const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
    std::chrono::milliseconds timeout) {
  SimpleResponse response;
  if (!url_error_.empty()) {
    response.error = url_error_;
    return response;
  }
  const auto deadline = Clock::now() + timeout;

  std::string message = method + " " + target + " HTTP/1.1\r\nHost: " + host_header_ +
                        "\r\nUser-Agent: sluice-traffic\r\n";
  for (const auto& [name, value] : headers)
    message += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    message += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  message += "\r\n";
  message += body;

  // A kept-alive connection the server closed while idle fails before the first response byte;
  // such a request is sent once more on a new connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = fd_ >= 0;
    if (fd_ < 0) {
      std::string error;
      if (!connect(deadline, error)) {
        response.error = remaining_ms(deadline) == 0 ? timeout_text(timeout) : error;
        return response;
      }
    }
    IoFailure failure;
    // Write.
    std::size_t sent = 0;
    while (sent < message.size() && failure.what.empty()) {
      ssize_t n = ::send(fd_, message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (!wait_for(fd_, POLLOUT, deadline)) failure = {"write timed out", true, false};
      } else {
        failure = {std::string("write failed: ") + std::strerror(errno), false, true};
      }
    }
    // Read the status line and headers, then the body.
    bool received_any = !buffer_.empty();
    auto read_more = [&]() -> bool {
      char chunk[16384];
      for (;;) {
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n > 0) {
          buffer_.append(chunk, static_cast<std::size_t>(n));
          received_any = true;
          if (buffer_.size() > kMaxResponseBytes) {
            failure = {"response larger than " + std::to_string(kMaxResponseBytes) + " bytes"};
            return false;
          }
          return true;
        }
        if (n == 0) {
          failure = {"connection closed by the server", false, !received_any};
          return false;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
          if (!wait_for(fd_, POLLIN, deadline)) {
            failure = {"read timed out", true, false};
            return false;
          }
          continue;
        }
        failure = {std::string("read failed: ") + std::strerror(errno), false, !received_any};
        return false;
      }
    };
    std::size_t header_end = std::string::npos;
    while (failure.what.empty() && (header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      read_more();
    }
    int status = 0;
    bool close_after = false;
    bool chunked = false;
    std::optional<std::size_t> content_length;
    if (failure.what.empty()) {
      std::string_view head(buffer_.data(), header_end);
      std::size_t line_end = head.find("\r\n");
      std::string_view status_line = head.substr(0, line_end);
      // "HTTP/1.1 200 OK"
      if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") {
        failure = {"not an HTTP response"};
      } else {
        if (status_line.substr(0, 8) == "HTTP/1.0") close_after = true;
        std::string_view code = status_line.substr(9, 3);
        std::from_chars(code.data(), code.data() + code.size(), status);
        std::size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
        while (at < head.size()) {
          std::size_t end = head.find("\r\n", at);
          if (end == std::string_view::npos) end = head.size();
          std::string_view line = head.substr(at, end - at);
          at = end + 2;
          std::size_t colon = line.find(':');
          if (colon == std::string_view::npos) continue;
          std::string_view name = trim(line.substr(0, colon));
          std::string_view value = trim(line.substr(colon + 1));
          if (iequals(name, "content-length")) {
            std::size_t length = 0;
            std::from_chars(value.data(), value.data() + value.size(), length);
            content_length = length;
          } else if (iequals(name, "transfer-encoding")) {
            chunked = value.find("chunked") != std::string_view::npos;
          } else if (iequals(name, "connection")) {
            close_after = close_after || iequals(value, "close");
          }
        }
        if (status < 100 || status > 999) failure = {"bad status line"};
      }
    }
    if (failure.what.empty()) {
      std::size_t pos = header_end + 4;
      std::string out;
      if (chunked) {
        for (bool done = false; !done && failure.what.empty();) {
          std::size_t line_end = buffer_.find("\r\n", pos);
          if (line_end == std::string::npos) {
            read_more();
            continue;
          }
          std::size_t size = 0;
          auto [ptr, ec] =
              std::from_chars(buffer_.data() + pos, buffer_.data() + line_end, size, 16);
          if (ec != std::errc() || ptr == buffer_.data() + pos) {
            failure = {"bad chunk size"};
            break;
          }
          if (size == 0) {
            // Trailers (none expected) end with an empty line.
            std::size_t end = buffer_.find("\r\n\r\n", line_end);
            if (end == std::string::npos) {
              read_more();
              continue;
            }
            pos = end + 4;
            done = true;
            break;
          }
          if (buffer_.size() < line_end + 2 + size + 2) {
            read_more();
            continue;
          }
          out.append(buffer_, line_end + 2, size);
          pos = line_end + 2 + size + 2;
        }
      } else if (content_length) {
        while (failure.what.empty() && buffer_.size() < pos + *content_length)
          read_more();
        if (failure.what.empty()) {
          out.assign(buffer_, pos, *content_length);
          pos += *content_length;
        }
      } else if (status >= 200 && status != 204 && status != 304) {
        // No length: the body runs to the end of the connection.
        while (read_more()) {
        }
        if (failure.what == "connection closed by the server") failure = {};
        out.assign(buffer_, pos, std::string::npos);
        pos = buffer_.size();
        close_after = true;
      }
      if (failure.what.empty()) {
        buffer_.erase(0, pos);
        if (close_after) close();
        response.status = status;
        response.body = std::move(out);
        return response;
      }
    }
    close();
    if (reused && failure.closed_before_response && attempt == 0 && remaining_ms(deadline) > 0) {
      continue;
    }
    response.error = failure.timed_out ? timeout_text(timeout) : failure.what;
    return response;
  }
  response.error = "request failed";
  return response;
}

}  // namespace sluice::app
