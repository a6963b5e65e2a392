#pragma once

// Private to the judge (judge*.cpp): the helpers every check uses, and the checks that live in
// their own files.

#include <string>

#include "sluice/judge.hpp"

namespace sluice::judge::detail {

bool finite_non_negative(double v);
// Why a variant's request and error counts are unusable, or empty when they are fine.
std::string count_problem(const VariantObservation& v, const char* name);
// The check's result with verdict no_data and "no data: <why>" as its explanation.
CheckResult no_data(CheckResult r, std::string why);
// "120 treatment and 950 control samples, 1,000 per variant needed"
std::string below_min_samples(double n_t, double n_c, double min_samples);

CheckResult check_latency(const LatencyCheck& c, const Observations& o);  // judge_latency.cpp

}  // namespace sluice::judge::detail
