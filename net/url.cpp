#include "sluice/net/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <system_error>

namespace sluice::net {

std::optional<HttpUrl> parse_http_url(std::string_view url, std::string* why) {
  auto fail = [why](std::string reason) -> std::optional<HttpUrl> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  auto parsed = boost::urls::parse_absolute_uri(url);
  // Never the URL itself in the reason: a Slack webhook URL is a credential.
  if (!parsed) return fail("bad URL: " + parsed.error().message());
  const boost::urls::url_view& view = *parsed;
  if (view.scheme() != "http" && view.scheme() != "https") {
    return fail("bad URL: only http:// and https:// are supported");
  }
  HttpUrl result;
  result.tls = view.scheme() == "https";
  result.port = result.tls ? 443 : 80;
  result.host = view.encoded_host_address();
  if (result.host.size() >= 2 && result.host.front() == '[') {
    result.host = result.host.substr(1, result.host.size() - 2);
  }
  if (result.host.empty()) return fail("bad URL: no host");
  if (view.has_port()) {
    // Boost.URL's port_number() wraps modulo 65536 (99999 -> 34463): read the digits ourselves.
    const std::string_view digits = view.port();
    unsigned long port = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port < 1 ||
        port > 65535) {
      return fail("bad URL: the port must be a number from 1 to 65535, not '" +
                  std::string(digits) + "'");
    }
    result.port = static_cast<std::uint16_t>(port);
  }
  result.target = view.encoded_path();
  if (result.target.empty()) result.target = "/";
  if (view.has_query()) result.target += "?" + std::string(view.encoded_query());
  return result;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  auto append = [](std::string& out, const std::string& text) {
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                              (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' ||
                              byte == '_' || byte == '~';
      if (unreserved) {
        out += c;
      } else {
        out += '%';
        out += kHex[byte >> 4];
        out += kHex[byte & 0x0F];
      }
    }
  };
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    append(out, name);
    out += '=';
    append(out, value);
  }
  return out;
}

}  // namespace sluice::net
