// Family search on FBNetV2 spaces without torch: the cost range and each target's pick when a
// layer's cost depends on the previous layer's width and on the input resolution.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "fbnet/error.h"
#include "fbnet/family.h"
#include "space/shapeplan.h"

namespace fbnet {

namespace {

using detail::DMaskingLayerPlan;
using LogProbs = detail::ShapeLogProbs;

/** One (block, hidden width) choice of a layer for a given input and output width. */
struct Choice
{
    double cost = 0;  ///< on the table (millions)
    double logP = 0;  ///< log p(block) + log p(hidden width); skips: log p(block) (their hidden width is not part of them)
    std::uint16_t op = 0, mid = 0;
};

/** Every concrete layer and fixed part at one input resolution, on the table's metric. */
struct ResolutionCosts
{
    /// [layer][input width index][output width index] -> the choices
    std::vector<std::vector<std::vector<std::vector<Choice>>>> layers;
    std::vector<double> fixed;  ///< stem, head and classifier, per width index of the last layer
};

ResolutionCosts costsAt(const SearchSpace &space, const LatencyTable &lut, const std::vector<DMaskingLayerPlan> &plan, int resolution,
                        const LogProbs &lp)
{
    SearchSpace at = space;  // as resolve() sees an architecture at this resolution
    at.inputSize = resolution;
    const auto specs = at.layers();
    ResolutionCosts rc;
    std::vector<int> prevWidths{space.stemChannels};
    for (std::size_t l = 0; l < plan.size(); ++l) {
        const auto &p = plan[l];
        rc.layers.emplace_back(prevWidths.size(), std::vector<std::vector<Choice>>(p.widths.size()));
        for (std::size_t j = 0; j < prevWidths.size(); ++j)
            for (std::size_t w = 0; w < p.widths.size(); ++w) {
                LayerSpec layer = specs[l];
                layer.cin = prevWidths[j];
                layer.cout = p.widths[w];
                for (std::size_t k = 0; k < p.ops.size(); ++k) {
                    BlockSpec b = p.ops[k];
                    if (b.kind == BlockSpec::Kind::Skip) {
                        const auto bestMid = std::max_element(lp.mid[l].begin(), lp.mid[l].end()) - lp.mid[l].begin();
                        rc.layers[l][j][w].push_back({lut.costOf(layerCost(layer, b)), lp.op[l][k], std::uint16_t(k),
                                                      std::uint16_t(bestMid)});
                        continue;
                    }
                    for (std::size_t m = 0; m < p.mids.size(); ++m) {
                        b.expansion = double(p.mids[m]) / double(layer.cin);  // as concreteArchitecture writes it
                        const int mid = midChannels(layer.cin, b);
                        if (layer.cin % b.groups || layer.cout % b.groups || mid % b.groups)
                            continue;  // resolve() refuses it: not an architecture of the space
                        rc.layers[l][j][w].push_back(
                            {lut.costOf(layerCost(layer, b)), lp.op[l][k] + lp.mid[l][m], std::uint16_t(k), std::uint16_t(m)});
                    }
                }
            }
        prevWidths = p.widths;
    }
    Architecture probe;  // the fixed part depends on the resolution and the last width only
    probe.space = space.name;
    for (const auto &p : plan)
        probe.blocks.push_back(p.ops.front().name);
    probe.inputSize = resolution;
    NetworkPlan np = resolve(space, probe);
    for (int w : plan.back().widths) {
        np.layers.back().cout = w;
        rc.fixed.push_back(lut.costOf(fixedCost(np)));
    }
    return rc;
}

void requireCostTable(const SearchSpace &space, const LatencyTable &lut)
{
    if (lut.metric.empty())
        throw Error::at("latency table " + lut.device, "cost",
                        "space " + space.name + " searches widths, expansions or resolutions: expected the flops or params table");
}

} // namespace

LatencyRange shapeCostRange(const SearchSpace &space, const LatencyTable &lut)
{
    requireCostTable(space, lut);
    const auto plan = detail::dmaskingPlan(space);
    const auto resolutions = detail::dmaskingResolutions(space);
    std::vector<std::vector<double>> uniform;
    if (resolutions.size() > 1)
        uniform.emplace_back(resolutions.size(), 0.0);
    for (const auto &p : plan) {
        uniform.emplace_back(p.ops.size(), 0.0);
        uniform.emplace_back(p.widths.size(), 0.0);
        uniform.emplace_back(p.mids.size(), 0.0);
    }
    const LogProbs lp = detail::shapeLogProbs(space, plan, resolutions.size(), uniform);
    LatencyRange range{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
    for (int r : resolutions) {
        const auto rc = costsAt(space, lut, plan, r, lp);
        // Exact: the cheapest and dearest way into each width of each layer.
        std::vector<double> lo{0.0}, hi{0.0};
        for (const auto &layer : rc.layers) {
            const std::size_t widths = layer.front().size();
            std::vector<double> nlo(widths, std::numeric_limits<double>::infinity()), nhi(widths, -std::numeric_limits<double>::infinity());
            for (std::size_t j = 0; j < layer.size(); ++j)
                for (std::size_t w = 0; w < widths; ++w)
                    for (const Choice &c : layer[j][w]) {
                        nlo[w] = std::min(nlo[w], lo[j] + c.cost);
                        nhi[w] = std::max(nhi[w], hi[j] + c.cost);
                    }
            lo.swap(nlo);
            hi.swap(nhi);
        }
        for (std::size_t w = 0; w < rc.fixed.size(); ++w) {
            range.min = std::min(range.min, lo[w] + rc.fixed[w]);
            range.max = std::max(range.max, hi[w] + rc.fixed[w]);
        }
    }
    return range;
}

BudgetPick mostProbableShapesWithin(const SearchSpace &space, const LatencyTable &lut, const std::vector<std::vector<double>> &logits,
                                    double target, double tolerance)
{
    requireCostTable(space, lut);
    const auto plan = detail::dmaskingPlan(space);
    const auto resolutions = detail::dmaskingResolutions(space);
    const LogProbs lp = detail::shapeLogProbs(space, plan, resolutions.size(), logits);
    const double minusInf = -std::numeric_limits<double>::infinity();
    const std::size_t L = plan.size();
    // Costs on a grid of `delta` above each layer's cheapest choice. Each layer rounds by at most
    // delta/2, so the band is shrunk by L * delta/2 on both sides and a pick on the grid lies inside
    // the true band; delta is a tenth of the band over the layers, so the shrink is a tenth of it.
    const double delta = 0.2 * target * tolerance / double(L);
    const double slack = 0.5 * delta * double(L);
    const double bandLo = target * (1 - tolerance) + slack, bandHi = target * (1 + tolerance) - slack;

    BudgetPick pick;
    double bestScore = minusInf;
    for (std::size_t ri = 0; ri < resolutions.size(); ++ri) {
        const auto rc = costsAt(space, lut, plan, resolutions[ri], lp);
        std::vector<double> lows;
        double base = *std::min_element(rc.fixed.begin(), rc.fixed.end());
        for (const auto &layer : rc.layers) {
            double low = std::numeric_limits<double>::infinity();
            for (const auto &row : layer)
                for (const auto &cell : row)
                    for (const Choice &c : cell)
                        low = std::min(low, c.cost);
            lows.push_back(low);
            base += low;
        }
        if (base - slack > bandHi)
            continue;  // every architecture at this resolution costs more than the band
        // Costs only grow layer by layer: a partial sum above the band never comes back into it.
        const int bins = int(std::floor((bandHi - base) / delta)) + int(L) + 2;
        struct Back
        {
            std::uint16_t prev = 0, choice = 0;
        };
        std::vector<std::vector<double>> best(1, std::vector<double>(std::size_t(bins), minusInf));
        best[0][0] = 0;
        std::vector<std::vector<std::vector<Back>>> back(L);  // [layer][width][bin]
        for (std::size_t l = 0; l < L; ++l) {
            const auto &layer = rc.layers[l];
            const std::size_t widths = plan[l].widths.size();
            std::vector<std::vector<double>> next(widths, std::vector<double>(std::size_t(bins), minusInf));
            back[l].assign(widths, std::vector<Back>(std::size_t(bins)));
            for (std::size_t j = 0; j < layer.size(); ++j)
                for (std::size_t w = 0; w < widths; ++w)
                    for (std::size_t c = 0; c < layer[j][w].size(); ++c) {
                        const Choice &ch = layer[j][w][c];
                        const int shift = int(std::lround((ch.cost - lows[l]) / delta));
                        const double add = ch.logP + lp.width[l][w];
                        const double *in = best[j].data();
                        double *out = next[w].data();
                        Back *bk = back[l][w].data();
                        for (int b = 0; b + shift < bins; ++b) {
                            const double v = in[b] + add;
                            if (v > out[b + shift]) {
                                out[b + shift] = v;
                                bk[b + shift] = {std::uint16_t(j), std::uint16_t(c)};
                            }
                        }
                    }
            best.swap(next);
        }
        double sumLows = 0;
        for (double v : lows)
            sumLows += v;
        int atW = -1, atB = -1;
        double score = minusInf;
        for (std::size_t w = 0; w < best.size(); ++w)
            for (int b = 0; b < bins; ++b) {
                const double cost = sumLows + b * delta + rc.fixed[w];
                if (best[w][std::size_t(b)] == minusInf || cost < bandLo || cost > bandHi)
                    continue;
                if (best[w][std::size_t(b)] > score) {
                    score = best[w][std::size_t(b)];
                    atW = int(w);
                    atB = b;
                }
            }
        if (atW < 0 || score + lp.res[ri] <= bestScore)
            continue;
        bestScore = score + lp.res[ri];
        std::vector<std::size_t> op(L), width(L), mid(L);
        for (std::size_t l = L; l-- > 0;) {
            const Back bk = back[l][std::size_t(atW)][std::size_t(atB)];
            const Choice &ch = rc.layers[l][bk.prev][std::size_t(atW)][bk.choice];
            op[l] = ch.op;
            mid[l] = ch.mid;
            width[l] = std::size_t(atW);
            atB -= int(std::lround((ch.cost - lows[l]) / delta));
            atW = bk.prev;
        }
        pick.found = true;
        pick.logProbability = bestScore;
        pick.architecture = detail::concreteArchitecture(space, plan, resolutions, op, width, mid, ri);
    }
    if (pick.found)
        pick.latencyMs = lut.predict(space, pick.architecture);
    return pick;
}

} // namespace fbnet
