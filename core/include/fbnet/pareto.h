#pragma once

#include <string>
#include <vector>

namespace fbnet {

struct ParetoPoint
{
    std::string name;
    double latencyMs = 0;  ///< lower is better
    double accuracy = 0;   ///< higher is better
};

/**
 * Indices of the non-dominated points (no other point is at least as fast and as accurate and
 * strictly better in one), sorted by latency.
 */
std::vector<std::size_t> paretoFront(const std::vector<ParetoPoint> &points);

} // namespace fbnet
