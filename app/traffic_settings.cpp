#include "traffic_settings.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace sluice::app {
namespace {

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string percent_encode_segment(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

const char* const kPlans[] = {"free", "pro", "enterprise"};
const char* const kCountries[] = {"US", "GB", "DE", "FR", "IN", "BR", "JP", "CA"};

}  // namespace

double setting_for(const std::vector<VariantSetting>& settings, const std::string& flag,
                   const std::string& variant, double fallback) {
  int best = -1;
  double value = fallback;
  for (const auto& s : settings) {
    int rank = -1;
    if (s.flag.empty())
      rank = 0;
    else if (s.flag == flag && s.variant.empty())
      rank = 1;
    else if (s.flag == flag && s.variant == variant)
      rank = 2;
    if (rank >= best && rank >= 0) {
      best = rank;
      value = s.value;
    }
  }
  return value;
}

void check_traffic_options(const TrafficOptions& options) {
  if (options.flags.empty()) throw std::invalid_argument("no flag to exercise (--flag KEY)");
  if (!(options.rps > 0) || options.rps > 1e6) {
    throw std::invalid_argument("requests per second must be above 0 and at most 1,000,000");
  }
  if (options.accounts == 0 || options.users == 0) {
    throw std::invalid_argument("accounts and users must be at least 1");
  }
  if (options.connections == 0 || options.connections > 256) {
    throw std::invalid_argument("connections must be from 1 to 256");
  }
  if (options.timeout.count() <= 0) throw std::invalid_argument("the timeout must be above 0");
  if (options.report_interval.count() <= 0) {
    throw std::invalid_argument("the report interval must be above 0");
  }
  if (!(options.latency_sigma >= 0) || options.latency_sigma > 5) {
    throw std::invalid_argument("the latency sigma must be from 0 to 5");
  }
  for (const auto& s : options.error_rates) {
    if (!(s.value >= 0 && s.value <= 1)) {
      throw std::invalid_argument("error rates are probabilities from 0 to 1, got " +
                                  fmt::format("{}", s.value));
    }
  }
  for (const auto* list : {&options.latency_ms, &options.latency_factors}) {
    for (const auto& s : *list) {
      if (!(s.value >= 0) || s.value > 1e7) {
        throw std::invalid_argument("latencies and factors must be from 0 to 10,000,000, got " +
                                    fmt::format("{}", s.value));
      }
    }
  }
}

std::string evaluation_target(const std::string& flag) {
  return "/ofrep/v1/evaluate/flags/" + percent_encode_segment(flag);
}

std::string evaluation_body(std::uint32_t user, std::uint32_t accounts) {
  const std::uint32_t account = user % accounts;
  return fmt::format(
      R"({{"context":{{"targetingKey":"user-{}","accountId":"acct-{}","plan":"{}","country":"{}"}}}})",
      user, account, kPlans[account % 3], kCountries[(account / 3) % 8]);
}

std::optional<VariantSetting> parse_variant_setting(const std::string& text, std::string* why) {
  VariantSetting setting;
  std::string_view value = text;
  if (auto eq = text.rfind('='); eq != std::string::npos) {
    std::string target = text.substr(0, eq);
    value = std::string_view(text).substr(eq + 1);
    if (auto slash = target.find('/'); slash != std::string::npos) {
      setting.flag = target.substr(0, slash);
      setting.variant = target.substr(slash + 1);
      if (setting.variant.empty()) {
        if (why) *why = "'" + text + "': the variant after '/' is empty";
        return std::nullopt;
      }
    } else {
      setting.flag = target;
    }
    if (setting.flag.empty()) {
      if (why) *why = "'" + text + "': the flag before '=' is empty";
      return std::nullopt;
    }
  }
  auto number = parse_number(value);
  if (!number) {
    if (why) *why = "'" + text + "': expected [FLAG[/VARIANT]=]NUMBER";
    return std::nullopt;
  }
  setting.value = *number;
  return setting;
}

std::optional<TrafficFlag> parse_traffic_flag(const std::string& text, std::string* why) {
  TrafficFlag flag;
  flag.key = text;
  if (auto colon = text.rfind(':'); colon != std::string::npos) {
    flag.key = text.substr(0, colon);
    auto weight = parse_number(std::string_view(text).substr(colon + 1));
    if (!weight || *weight <= 0) {
      if (why) *why = "'" + text + "': the weight after ':' must be a number above 0";
      return std::nullopt;
    }
    flag.weight = *weight;
  }
  if (flag.key.empty()) {
    if (why) *why = "'" + text + "': empty flag key";
    return std::nullopt;
  }
  return flag;
}

}  // namespace sluice::app
