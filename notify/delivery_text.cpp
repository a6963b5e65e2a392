#include "delivery_text.hpp"

#include <cstdio>
#include <ctime>
#include <vector>

#include "sluice/net/url.hpp"
#include "sluice/store/clock.hpp"

namespace sluice::notify::detail {

std::optional<std::chrono::system_clock::time_point> parse_time(const std::string& text) {
  auto canonical = store::normalize_rfc3339(text);
  if (!canonical) return std::nullopt;
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(canonical->c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) < 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t seconds = timegm(&tm);
  return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(millis);
}

std::string format_age(std::chrono::seconds age) {
  if (age.count() % 3600 == 0) return std::to_string(age.count() / 3600) + "h";
  if (age.count() % 60 == 0) return std::to_string(age.count() / 60) + "m";
  return std::to_string(age.count()) + "s";
}

std::string redact(std::string text, const Target& target) {
  std::vector<std::string> secrets{target.url, target.secret};
  if (auto url = net::parse_http_url(target.url); url && url->target.size() > 1) {
    secrets.push_back(url->target);
  }
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret)) {
      text.replace(at, secret.size(), "[redacted]");
    }
  }
  return text;
}

}  // namespace sluice::notify::detail
