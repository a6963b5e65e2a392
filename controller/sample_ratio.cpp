#include "sample_ratio.hpp"

#include "statistics.hpp"

namespace sluice::judge {

SampleRatioTest sample_ratio_test(double treatment_requests, double control_requests,
                                  double expected_share) {
  SampleRatioTest result;
  const double total = treatment_requests + control_requests;
  if (!(total > 0) || !(expected_share > 0) || !(expected_share < 1)) return result;
  const double expected_t = total * expected_share;
  const double expected_c = total - expected_t;
  const double dt = treatment_requests - expected_t;
  const double dc = control_requests - expected_c;
  result.chi2 = dt * dt / expected_t + dc * dc / expected_c;
  result.p_value = chi_square_1dof_p_value(result.chi2);
  result.observed_share = treatment_requests / total;
  return result;
}

double chi_square_1dof_critical_value(double p) {
  if (!(p > 0) || !(p < 1)) return kNaN;
  double lo = 0;
  double hi = 1;
  while (chi_square_1dof_p_value(hi) > p && hi < 1e6)
    hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = (lo + hi) / 2;
    (chi_square_1dof_p_value(mid) > p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace sluice::judge
