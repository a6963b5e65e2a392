#pragma once

// Sample-ratio mismatch: does the observed split of requests between treatment and control match
// the split the flag serves? A chi-square goodness-of-fit test with one degree of freedom.

namespace sluice::judge {

struct SampleRatioTest {
  double chi2 = 0;
  double p_value = 1;
  double observed_share = 0;  // treatment / (treatment + control)
};

// Requires treatment_requests, control_requests >= 0 (finite) and 0 < expected_share < 1.
SampleRatioTest sample_ratio_test(double treatment_requests, double control_requests,
                                  double expected_share);

// The chi-square value (1 dof) whose upper tail is p: the inverse of chi_square_1dof_p_value, by
// bisection. For p = 0.001, 10.83.
double chi_square_1dof_critical_value(double p);

}  // namespace sluice::judge
