#pragma once

// Statistics for the judge: Prometheus-compatible histogram quantiles, the chi-square (1 degree
// of freedom) p-value, and always-valid e-values (likelihood-ratio mixtures) for error rates.
// Pure functions of their arguments; docs/judge.md explains the method.

#include <span>
#include <string_view>

#include "sluice/judge.hpp"

namespace sluice::judge {

// The q-quantile of a cumulative histogram, exactly as Prometheus' histogram_quantile computes
// it: linear interpolation inside the bucket that holds the rank, the lower bound of the first
// bucket taken as 0 (or its own upper bound when that is <= 0), and the upper bound of the
// highest finite bucket when the rank falls into +Inf. `problem` is empty on success; otherwise
// `value` is NaN and `problem` says why (no +Inf bucket, empty histogram, NaN or negative count).
struct QuantileResult {
  double value = kNaN;
  double total = 0;  // observations (the +Inf bucket's count)
  std::string_view problem;
};
QuantileResult histogram_quantile(double q, std::span<const HistogramBucket> buckets);

// P(X >= chi2) for X chi-square with 1 degree of freedom: erfc(sqrt(chi2 / 2)).
double chi_square_1dof_p_value(double chi2);

// Natural log of an e-value against "treatment rate <= null_ratio x control rate", from the
// cumulative error and request counts of both variants. Conditional on the total number of errors,
// each error is a treatment error with probability theta(r) = n_t r / (n_t r + n_c) when the rate
// ratio is r (Poisson approximation of rare errors); the e-value is a weighted mixture of the
// likelihood ratios theta(r_k) vs theta(null_ratio) over alternatives r_k = alt_ratio x
// {1, 1.5, 2, 3, 5}. It is a non-negative supermartingale under the null, so by Ville's
// inequality P(it ever reaches 1 / alpha) <= alpha however often it is looked at.
double log_evalue_ratio(double errors_t, double requests_t, double errors_c, double requests_c,
                        double null_ratio, double alt_ratio);

// Natural log of an e-value against "rate <= null_rate" for one binomial stream (errors out of
// requests), mixing alternatives alt_rate x {1, 1.5, 2, 3, 5} (those below 1). Same guarantee.
double log_evalue_rate_above(double errors, double requests, double null_rate, double alt_rate);

}  // namespace sluice::judge
