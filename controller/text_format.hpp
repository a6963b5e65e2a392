#pragma once

#include <chrono>
#include <cstdint>
#include <string>

// Numbers as the controller's sentences show them to people (decision sentences, the judge's
// explanations): one function per kind of number, so every sentence says it the same way. No
// locale, no I/O.
namespace sluice::text_format {

// printf of one double into a string ("%.1f", 0.25 -> "0.3").
std::string printf_text(const char* format, double value);

// A whole count with thousands separators: 4210 -> "4,210" (exact for every value).
std::string thousands_text(std::uint64_t count);

// A count of requests or samples as whole requests with thousands separators: 4210 -> "4,210",
// 122.2222 -> "122". Prometheus's increase() extrapolates, so counts arrive with fractions that
// nobody could have sent. NaN and infinities -> "?".
std::string count_text(double value);

// A fraction as a percentage: 0.031 -> "3.1%", 0.0005 -> "0.05%", 0 -> "0%".
std::string percent_text(double rate);

// A rate in a decision sentence, always one decimal: 0.031 -> "3.1%", 0.0005 -> "0.1%"; NaN and
// infinities -> "?".
std::string rate_text(double rate);

// A policy's threshold in a decision sentence: one decimal when that is exact (2 -> "2.0"), else
// two (1.25 -> "1.25", 0.125 -> "0.13").
std::string threshold_text(double level);

// A measured value with three significant digits: 0.0412 -> "0.0412"; "infinite" for inf.
std::string number_text(double value);

// A ratio: 2.04 -> "2.0x"; "infinite".
std::string ratio_text(double ratio);

// A configured level: 2 -> "2.0", 1.25 -> "1.25".
std::string level_text(double level);

// An e-value: "5,300", "4.2" or "over a million".
std::string evalue_text(double e);

// A duration measured in seconds (Prometheus histograms count seconds) in milliseconds, the one
// unit people read latencies in: 0.1469 -> "146.9 ms", 1.5 -> "1,500 ms", 0.00025 -> "0.25 ms".
std::string milliseconds_text(double seconds);

// A share of traffic in basis points: 500 -> "5%", 250 -> "2.5%", 1 -> "0.01%".
std::string share_text(std::uint32_t basis_points);

// A duration: "45s", "1m30s", "2h0m0s"; under a minute with milliseconds, "1.5s".
std::string elapsed_text(std::chrono::milliseconds elapsed);

}  // namespace sluice::text_format
