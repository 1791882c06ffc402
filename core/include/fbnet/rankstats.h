#pragma once
// Rank statistics: how well one ordering agrees with another (latency tables' predictions,
// choosers against a ground truth).

#include <cstddef>
#include <vector>

namespace fbnet {

/** Spearman's rho with average ranks for ties; 0 when either side has no variance. fbnet::Error for lists of different length. */
double spearmanRho(const std::vector<double> &a, const std::vector<double> &b);
/** Kendall's tau-b (ties in either list leave the pair out of that side's count); NaN when either side is constant. */
double kendallTauB(const std::vector<double> &a, const std::vector<double> &b);
/** Kendall's tau's standard deviation with no relation: sqrt(2(2n+5) / (9n(n-1))); NaN below 2. */
double tauNullSd(std::size_t n);

} // namespace fbnet
