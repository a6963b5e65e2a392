#include "statistics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

namespace sluice::judge {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Alternatives of the e-value mixtures, as multiples of the level being tested, and their prior
// weights (sum 1). Weight sits near the level, where detection is hardest; the larger multiples
// make gross regressions fire after a handful of errors.
constexpr std::array<double, 5> kAltMultiples{1.0, 1.5, 2.0, 3.0, 5.0};
constexpr std::array<double, 5> kAltWeights{0.35, 0.25, 0.2, 0.12, 0.08};

// log(sum_k w_k exp(l_k)) without overflow.
double log_mix(std::span<const double> log_weights, std::span<const double> log_lrs) {
  double top = -kInf;
  for (std::size_t k = 0; k < log_lrs.size(); ++k)
    top = std::max(top, log_weights[k] + log_lrs[k]);
  if (top == -kInf) return -kInf;
  double sum = 0;
  for (std::size_t k = 0; k < log_lrs.size(); ++k)
    sum += std::exp(log_weights[k] + log_lrs[k] - top);
  return top + std::log(sum);
}

// Log-likelihood ratio of Bernoulli(p1) vs Bernoulli(p0) for `hits` successes in `trials`.
double bernoulli_llr(double hits, double trials, double p1, double p0) {
  return hits * std::log(p1 / p0) + (trials - hits) * std::log1p(-p1) -
         (trials - hits) * std::log1p(-p0);
}

}  // namespace

namespace {

// Why `q` and the buckets cannot give a quantile, or nothing when they can.
const char* quantile_input_problem(double q, std::span<const HistogramBucket> input) {
  if (std::isnan(q)) return "the quantile is NaN";
  if (q < 0 || q > 1) return "the quantile is outside [0, 1]";
  if (input.empty()) return "no histogram buckets";
  for (const HistogramBucket& b : input) {
    if (std::isnan(b.upper_bound)) return "a bucket bound is NaN";
    if (!std::isfinite(b.cumulative_count) || b.cumulative_count < 0) {
      return "a bucket count is NaN, infinite or negative";
    }
  }
  return nullptr;
}

// The buckets sorted by bound, those with the same bound summed (Prometheus' coalesceBuckets),
// and counts made monotonic: counts scraped at slightly different moments can decrease, and
// Prometheus' ensureMonotonic carries the running maximum forward.
std::vector<HistogramBucket> normalized_buckets(std::span<const HistogramBucket> input) {
  std::vector<HistogramBucket> buckets(input.begin(), input.end());
  std::sort(buckets.begin(), buckets.end(), [](const HistogramBucket& a, const HistogramBucket& b) {
    return a.upper_bound < b.upper_bound;
  });
  std::vector<HistogramBucket> merged;
  for (const HistogramBucket& b : buckets) {
    if (!merged.empty() && merged.back().upper_bound == b.upper_bound) {
      merged.back().cumulative_count += b.cumulative_count;
    } else {
      merged.push_back(b);
    }
  }
  for (std::size_t i = 1; i < merged.size(); ++i) {
    merged[i].cumulative_count =
        std::max(merged[i].cumulative_count, merged[i - 1].cumulative_count);
  }
  return merged;
}

// Linear interpolation inside the bucket that holds rank q * total, as Prometheus does. `merged`
// has a finite bucket before +Inf and a total above zero.
double interpolated_quantile(double q, const std::vector<HistogramBucket>& merged, double total) {
  double rank = q * total;
  // The first finite bucket whose count reaches the rank; the +Inf bucket if none does.
  std::size_t b = 0;
  while (b < merged.size() - 1 && merged[b].cumulative_count < rank)
    ++b;
  if (b == merged.size() - 1) return merged[b - 1].upper_bound;
  if (b == 0 && merged[0].upper_bound <= 0) return merged[0].upper_bound;
  double start = 0;
  const double end = merged[b].upper_bound;
  double count = merged[b].cumulative_count;
  if (b > 0) {
    start = merged[b - 1].upper_bound;
    count -= merged[b - 1].cumulative_count;
    rank -= merged[b - 1].cumulative_count;
  }
  // count > 0 here: the bucket reaches a rank its predecessor did not.
  return start + (end - start) * (rank / count);
}

}  // namespace

QuantileResult histogram_quantile(double q, std::span<const HistogramBucket> input) {
  QuantileResult result;
  if (const char* problem = quantile_input_problem(q, input)) {
    result.problem = problem;
    return result;
  }
  const std::vector<HistogramBucket> merged = normalized_buckets(input);
  if (merged.back().upper_bound != kInf) {
    result.problem = "the histogram has no +Inf bucket";
    return result;
  }
  if (merged.size() < 2) {
    result.problem = "the histogram has only the +Inf bucket";
    return result;
  }
  result.total = merged.back().cumulative_count;
  if (result.total == 0) {
    result.problem = "the histogram is empty";
    return result;
  }
  result.value = interpolated_quantile(q, merged, result.total);
  return result;
}

double chi_square_1dof_p_value(double chi2) {
  if (std::isnan(chi2)) return kNaN;
  if (chi2 <= 0) return 1.0;
  return std::erfc(std::sqrt(chi2 / 2.0));
}

double log_evalue_ratio(double errors_t, double requests_t, double errors_c, double requests_c,
                        double null_ratio, double alt_ratio) {
  if (!(requests_t > 0) || !(requests_c > 0) || !(null_ratio > 0)) return 0.0;
  const auto theta = [&](double r) { return requests_t * r / (requests_t * r + requests_c); };
  const double theta0 = theta(null_ratio);
  const double total = errors_t + errors_c;
  std::array<double, kAltMultiples.size()> log_w{};
  std::array<double, kAltMultiples.size()> log_lr{};
  std::size_t used = 0;
  for (std::size_t k = 0; k < kAltMultiples.size(); ++k) {
    const double theta1 = theta(alt_ratio * kAltMultiples[k]);
    if (!(theta1 > theta0) || !(theta1 < 1)) continue;  // only alternatives above the null
    log_w[used] = std::log(kAltWeights[k]);
    log_lr[used] = bernoulli_llr(errors_t, total, theta1, theta0);
    ++used;
  }
  if (used == 0) return 0.0;
  // Dropped alternatives simply leave weight unused: a mixture with total weight below 1 is
  // still a supermartingale under the null.
  return log_mix(std::span(log_w).first(used), std::span(log_lr).first(used));
}

double log_evalue_rate_above(double errors, double requests, double null_rate, double alt_rate) {
  if (!(requests > 0) || !(null_rate > 0) || !(null_rate < 1)) return 0.0;
  std::array<double, kAltMultiples.size()> log_w{};
  std::array<double, kAltMultiples.size()> log_lr{};
  std::size_t used = 0;
  for (std::size_t k = 0; k < kAltMultiples.size(); ++k) {
    const double p1 = alt_rate * kAltMultiples[k];
    if (!(p1 > null_rate) || !(p1 < 1)) continue;
    log_w[used] = std::log(kAltWeights[k]);
    log_lr[used] = bernoulli_llr(errors, requests, p1, null_rate);
    ++used;
  }
  if (used == 0) return 0.0;
  return log_mix(std::span(log_w).first(used), std::span(log_lr).first(used));
}

}  // namespace sluice::judge
