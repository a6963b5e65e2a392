#include "sluice/net/url.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
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

namespace {

constexpr std::string_view kRedacted = "***";

// Query parameter names whose values are credentials: libpq's `password`, tokens and API keys
// of webhook receivers, signatures of pre-signed URLs.
bool names_a_credential(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 8> kWords = {"pass", "pwd", "token", "secret",
                                                             "key",  "sig", "auth",  "credential"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view word) { return lower.find(word) != std::string::npos; });
}

// Not a URL Boost.URL accepts (e.g. a libpq URL listing several hosts): blank out everything
// between `://` and the last `@` of the authority, if there is one.
std::string redact_unparsed(std::string_view text) {
  const std::size_t scheme = text.find("://");
  if (scheme == std::string_view::npos) return std::string(text);
  const std::size_t authority = scheme + 3;
  const std::size_t end = std::min(text.find_first_of("/?#", authority), text.size());
  const std::size_t at = text.substr(0, end).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(text);
  return std::string(text.substr(0, authority)) + std::string(kRedacted) +
         std::string(text.substr(at));
}

}  // namespace

std::string redact_credentials(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return redact_unparsed(text);
  boost::urls::url url(*parsed);
  if (url.has_password()) url.set_password(kRedacted);
  auto params = url.params();
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (names_a_credential((*it).key)) it = params.set(it, kRedacted);
  }
  return std::string(url.buffer());
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
