#include "fbnet/pareto.h"

#include <algorithm>
#include <numeric>

namespace fbnet {

std::vector<std::size_t> paretoFront(const std::vector<ParetoPoint> &points)
{
    std::vector<std::size_t> order(points.size());
    std::iota(order.begin(), order.end(), 0);
    // Fastest first; among equally fast, most accurate first.
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (points[a].latencyMs != points[b].latencyMs)
            return points[a].latencyMs < points[b].latencyMs;
        return points[a].accuracy > points[b].accuracy;
    });
    std::vector<std::size_t> front;
    double best = -1e300;
    for (std::size_t i : order)
        if (points[i].accuracy > best) {
            front.push_back(i);
            best = points[i].accuracy;
        }
    return front;
}

} // namespace fbnet
