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

BudgetPick mostProbableWithin(const SearchSpace &space, const LatencyTable &lut, const std::vector<std::vector<double>> &probabilities,
                              double target, double tolerance)
{
    const auto layers = space.layers();
    const auto table = lut.layerTable(space);
    if (probabilities.size() != layers.size())
        throw Error::at("space " + space.name, "probabilities",
                        "expected " + std::to_string(layers.size()) + " layers, got " + std::to_string(probabilities.size()));
    // Latencies above each layer's cheapest block, on a grid of `bins` steps over the whole range.
    double base = lut.fixedPart(space), span = 0;
    std::vector<double> lows;
    for (std::size_t l = 0; l < table.size(); ++l) {
        if (probabilities[l].size() != table[l].size())
            throw Error::at("space " + space.name, "probabilities/" + std::to_string(l),
                            "expected " + std::to_string(table[l].size()) + " candidates, got " + std::to_string(probabilities[l].size()));
        lows.push_back(*std::min_element(table[l].begin(), table[l].end()));
        base += lows.back();
        span += *std::max_element(table[l].begin(), table[l].end()) - lows.back();
    }
    constexpr int kSteps = 40000;
    const double delta = span > 0 ? span / kSteps : 1;
    const int bins = span > 0 ? kSteps + int(table.size()) + 1 : 1;
    // Each layer rounds by at most delta/2: the band shrinks by that much on both sides, so any
    // pick on the grid lies inside the true band.
    const double slack = 0.5 * delta * double(table.size());
    const double lo = target * (1 - tolerance) - base + slack, hi = target * (1 + tolerance) - base - slack;
    const double minusInf = -std::numeric_limits<double>::infinity();
    std::vector<double> best(std::size_t(bins), minusInf), next(std::size_t(bins), minusInf);
    std::vector<std::vector<std::uint16_t>> choice(table.size(), std::vector<std::uint16_t>(std::size_t(bins), 0));
    best[0] = 0;
    for (std::size_t l = 0; l < table.size(); ++l) {
        std::fill(next.begin(), next.end(), minusInf);
        for (std::size_t c = 0; c < table[l].size(); ++c) {
            const int shift = int(std::lround((table[l][c] - lows[l]) / delta));
            const double lp = std::log(std::max(1e-300, probabilities[l][c]));
            for (int b = 0; b + shift < bins; ++b) {
                if (best[std::size_t(b)] == minusInf)
                    continue;
                const double v = best[std::size_t(b)] + lp;
                if (v > next[std::size_t(b + shift)]) {
                    next[std::size_t(b + shift)] = v;
                    choice[l][std::size_t(b + shift)] = std::uint16_t(c);
                }
            }
        }
        best.swap(next);
    }
    BudgetPick pick;
    int at = -1;
    for (int b = std::max(0, int(std::ceil(lo / delta))); b < bins && b * delta <= hi; ++b)
        if (best[std::size_t(b)] > minusInf && (at < 0 || best[std::size_t(b)] > best[std::size_t(at)]))
            at = b;
    if (at < 0)
        return pick;
    pick.found = true;
    pick.logProbability = best[std::size_t(at)];
    pick.architecture.space = space.name;
    pick.architecture.blocks.resize(table.size());
    for (std::size_t l = table.size(); l-- > 0;) {
        const std::size_t c = choice[l][std::size_t(at)];
        pick.architecture.blocks[l] = layers[l].candidates[c];
        at -= int(std::lround((table[l][c] - lows[l]) / delta));
    }
    pick.latencyMs = lut.predict(space, pick.architecture);
    return pick;
}

} // namespace fbnet
