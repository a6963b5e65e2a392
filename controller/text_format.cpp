#include "text_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sluice::text_format {
namespace {

// "1234567" -> "1,234,567" (digits only, no sign).
std::string with_thousands(const std::string& digits) {
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string printf_text(const char* format, double value) {
  char buffer[64];
  const int n = std::snprintf(buffer, sizeof buffer, format, value);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(std::min(n, 63))) : std::string();
}

std::string thousands_text(std::uint64_t count) {
  return with_thousands(std::to_string(count));
}

std::string count_text(double value) {
  if (!std::isfinite(value)) return "?";
  // Halves away from zero, like the evidence JSON's std::llround (printf would round 422.5 to
  // the even 422 while the evidence says 423).
  const std::string out = with_thousands(printf_text("%.0f", std::round(std::fabs(value))));
  return value <= -0.5 ? "-" + out : out;
}

std::string percent_text(double rate) {
  if (!std::isfinite(rate)) return "?";
  if (rate == 0) return "0%";
  const double pct = rate * 100;
  // From what rounds to 1.0% up, one decimal: 0.9998% is "1.0%" (as the decision sentence says
  // it), not "1%".
  return printf_text(pct >= 0.995 ? "%.1f%%" : "%.2g%%", pct);
}

std::string rate_text(double rate) {
  return std::isfinite(rate) ? printf_text("%.1f%%", rate * 100.0) : "?";
}

std::string threshold_text(double level) {
  const double tenths = level * 10.0;
  return printf_text(std::fabs(tenths - std::round(tenths)) < 1e-9 ? "%.1f" : "%.2f", level);
}

std::string number_text(double value) {
  if (std::isnan(value)) return "?";
  if (std::isinf(value)) return value > 0 ? "infinite" : "-infinite";
  return printf_text("%.3g", value);
}

std::string ratio_text(double ratio) {
  return std::isinf(ratio) ? "infinite" : printf_text("%.1fx", ratio);
}

std::string level_text(double level) {
  return printf_text(std::round(level * 10) == level * 10 ? "%.1f" : "%.3g", level);
}

std::string evalue_text(double e) {
  if (e >= 1e6) return "over a million";
  return e >= 10 ? count_text(e) : printf_text("%.2g", e);
}

std::string milliseconds_text(double seconds) {
  if (std::isnan(seconds)) return "?";
  if (std::isinf(seconds)) return seconds > 0 ? "infinite" : "-infinite";
  const double ms = std::fabs(seconds) * 1000;
  const std::string sign = seconds < 0 ? "-" : "";
  if (ms == 0) return "0 ms";
  if (ms < 10) return sign + printf_text("%.2g", ms) + " ms";
  // Tenths of a millisecond, the trailing ".0" dropped: "146.9 ms", "1,500 ms".
  const double tenths = std::round(ms * 10);
  const std::string whole = with_thousands(printf_text("%.0f", std::floor(tenths / 10)));
  const int fraction = static_cast<int>(std::fmod(tenths, 10));
  return sign + whole + (fraction != 0 ? "." + std::to_string(fraction) : "") + " ms";
}

std::string share_text(std::uint32_t basis_points) {
  std::string text = std::to_string(basis_points / 100);
  std::uint32_t fraction = basis_points % 100;
  if (fraction != 0) {
    text += '.';
    text += static_cast<char>('0' + fraction / 10);
    if (fraction % 10 != 0) text += static_cast<char>('0' + fraction % 10);
  }
  return text + "%";
}

std::string elapsed_text(std::chrono::milliseconds elapsed) {
  long long ms = elapsed.count();
  std::string text;
  if (ms < 0) {
    text = "-";
    ms = -ms;
  }
  if (ms < 60'000 && ms % 1000 != 0) {
    return text + printf_text("%.3g", static_cast<double>(ms) / 1000.0) + "s";
  }
  const long long s = ms / 1000;
  const long long h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (h > 0) text += std::to_string(h) + "h";
  if (h > 0 || m > 0) text += std::to_string(m) + "m";
  return text + std::to_string(sec) + "s";
}

}  // namespace sluice::text_format
