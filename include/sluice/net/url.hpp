#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// URL helpers for the outbound HTTP client (Boost.URL stays in url.cpp).
namespace sluice::net {

struct HttpUrl {
  std::string host;         // without brackets for IPv6
  std::uint16_t port = 80;  // 443 by default for https
  std::string target;       // origin-form: path and query, "/" at least
  bool tls = false;         // https://
};

// Splits an http:// or https:// URL. Nothing (and `why` set) for anything else: another scheme,
// a missing host, a malformed URL. `why` never contains the URL (it may be a secret).
std::optional<HttpUrl> parse_http_url(std::string_view url, std::string* why = nullptr);

// The URL fit to print: a password in the user information becomes `***` (the user name stays),
// and so does the value of every query parameter whose name says it is a credential (password,
// token, secret, key, signature, ...). Anything that is not a URL comes back unchanged unless it
// looks like one with user information (`scheme://...@`), which is then replaced by `***`.
// For logs and error messages of any URL: store, Prometheus, notification targets. A URL whose
// path is itself the secret (a Slack webhook) is not made printable by this: name its target.
std::string redact_credentials(std::string_view url);

// application/x-www-form-urlencoded: name=value pairs joined with '&', every byte outside
// ALPHA / DIGIT / "-._~" percent-encoded (so '+' in PromQL stays '+', and space is %20).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace sluice::net
