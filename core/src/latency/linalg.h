#pragma once
// Small dense linear algebra shared by the latency fits (private to core).

#include <vector>

namespace fbnet::detail {

/** Solves (M + ridge*I) x = b for symmetric positive semi-definite M (n x n, row-major) by Cholesky. */
std::vector<double> solveSpd(std::vector<double> m, std::vector<double> b, std::size_t n, double ridge);

} // namespace fbnet::detail
