// Family search without torch: the table's range, targets over it, and each target's pick.
#include "fbnet/family.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <sstream>

#include "fbnet/error.h"

namespace fbnet {

LatencyRange latencyRange(const SearchSpace &space, const LatencyTable &lut)
{
    if (space.searchesShapes())
        return shapeCostRange(space, lut);
    LatencyRange r;
    r.min = r.max = lut.fixedPart(space);
    for (const auto &row : lut.layerTable(space)) {
        r.min += *std::min_element(row.begin(), row.end());
        r.max += *std::max_element(row.begin(), row.end());
    }
    return r;
}

std::vector<double> frontTargets(const SearchSpace &space, const LatencyTable &lut, int k)
{
    if (k < 2 || k > 32)
        throw Error::at("front", std::to_string(k), "expected 2..32 targets");
    const LatencyRange r = latencyRange(space, lut);
    std::vector<double> out;
    for (int i = 0; i < k; ++i) {
        const double t = r.min + (r.max - r.min) * (i + 0.5) / k;
        out.push_back(std::round(t * 1000) / 1000);  // readable names, still inside the range
    }
    return out;
}

std::vector<double> parseTargets(const std::string &list, const std::string &field)
{
    std::vector<double> out;
    std::stringstream in(list);
    std::string piece;
    while (std::getline(in, piece, ',')) {
        std::size_t used = 0;
        double v = 0;
        try {
            v = std::stod(piece, &used);
        } catch (const std::exception &) {
            used = 0;
        }
        while (used < piece.size() && piece[used] == ' ')
            ++used;
        if (piece.empty() || used != piece.size() || !(v > 0) || !std::isfinite(v))
            throw Error::at(field, piece, "expected positive numbers separated by commas, e.g. 6,9,12");
        out.push_back(v);
    }
    if (out.empty())
        throw Error::at(field, list, "expected at least one target, e.g. 6,9,12");
    std::vector<double> sorted = out;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        throw Error::at(field, list, "names a target twice");
    return out;
}

void checkTargets(const SearchSpace &space, const LatencyTable &lut, const std::vector<double> &targets)
{
    if (targets.empty())
        return;
    const LatencyRange r = latencyRange(space, lut);
    for (double t : targets)
        if (t < r.min || t > r.max) {
            char buf[200];
            std::snprintf(buf, sizeof buf, "target %g lies outside what space %s allows on this table: %.3f to %.3f %s", t,
                          space.name.c_str(), r.min, r.max, lut.unit().c_str());
            throw Error::at("latency table " + lut.device, "targets", buf);
        }
}

std::string targetLabel(double target, const std::string &unit)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "t%g%s", target, unit == "ms" ? "ms" : "");
    return buf;
}

} // namespace fbnet
