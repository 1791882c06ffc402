// Programmes over the layers of an FBNet space on an additive latency table: the M best
// architectures by a per-layer score within a latency band, and architectures drawn uniformly from
// a latency stratum (an exact count). One latency grid for both.
#include "fbnet/family.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "fbnet/error.h"

namespace fbnet {

namespace {

/** Each layer's latencies above its cheapest block, on a grid of `steps` over the whole range. */
struct LatencyGrid
{
    std::vector<LayerSpec> layers;
    std::vector<std::vector<double>> table;
    std::vector<std::vector<int>> shift;  ///< grid steps of each layer's candidate above its cheapest
    double base = 0;                      ///< fixed part + every layer's cheapest block
    double delta = 1;                     ///< ms per grid step
    int bins = 1;

    LatencyGrid(const SearchSpace &space, const LatencyTable &lut, int steps = 40000)
        : layers(space.layers()), table(lut.layerTable(space))
    {
        base = lut.fixedPart(space);
        double span = 0;
        std::vector<double> lows;
        for (const auto &row : table) {
            lows.push_back(*std::min_element(row.begin(), row.end()));
            base += lows.back();
            span += *std::max_element(row.begin(), row.end()) - lows.back();
        }
        delta = span > 0 ? span / steps : 1;
        bins = span > 0 ? steps + int(table.size()) + 1 : 1;
        for (std::size_t l = 0; l < table.size(); ++l) {
            shift.emplace_back();
            for (double v : table[l])
                shift.back().push_back(int(std::lround((v - lows[l]) / delta)));
        }
    }
    /** Each layer rounds by at most delta/2: a band shrunk by this much holds only true members. */
    double slack() const { return 0.5 * delta * double(table.size()); }
    /** The grid bins [first, last] whose architectures surely lie within [lo, hi] ms. */
    std::pair<int, int> binsWithin(double lo, double hi) const
    {
        const double a = lo - base + slack(), b = hi - base - slack();
        return {std::max(0, int(std::ceil(a / delta))), std::min(bins - 1, int(std::floor(b / delta)))};
    }
};

void checkScores(const SearchSpace &space, const LatencyGrid &g, const LayerScores &scores)
{
    if (scores.size() != g.table.size())
        throw Error::at("space " + space.name, "scores",
                        "expected " + std::to_string(g.table.size()) + " layers, got " + std::to_string(scores.size()));
    for (std::size_t l = 0; l < g.table.size(); ++l)
        if (scores[l].size() != g.table[l].size())
            throw Error::at("space " + space.name, "scores/" + std::to_string(l),
                            "expected " + std::to_string(g.table[l].size()) + " candidates, got " + std::to_string(scores[l].size()));
}

/** One entry of a bin's best-M list: its score and how it was reached. */
struct Entry
{
    double score;
    std::uint16_t candidate;
    std::uint16_t rank;  ///< in the previous layer's list of the bin it came from
};

} // namespace

std::vector<BudgetPick> bestWithin(const SearchSpace &space, const LatencyTable &lut, const LayerScores &scores, double target,
                                   std::size_t m, double tolerance)
{
    if (m < 1 || m > 1000)
        throw Error::at("pick", std::to_string(m), "expected 1..1000 candidates");
    const LatencyGrid g(space, lut);
    checkScores(space, g, scores);
    const std::size_t bins = std::size_t(g.bins);
    // lists[b]: the best (at most m) partial architectures ending in bin b, best first.
    std::vector<std::vector<Entry>> cur(bins), next(bins);
    std::vector<std::vector<std::vector<Entry>>> trail(g.table.size());  // per layer, per bin: its list
    cur[0].push_back({0.0, 0, 0});
    for (std::size_t l = 0; l < g.table.size(); ++l) {
        for (auto &n : next)
            n.clear();
        for (std::size_t c = 0; c < g.table[l].size(); ++c) {
            const int shift = g.shift[l][c];
            const double s = scores[l][c];
            if (!std::isfinite(s) && s > 0)
                throw Error::at("space " + space.name, "scores/" + std::to_string(l), "expected finite scores");
            for (std::size_t b = 0; b + std::size_t(shift) < bins; ++b) {
                const auto &from = cur[b];
                auto &to = next[b + std::size_t(shift)];
                for (std::size_t r = 0; r < from.size(); ++r) {
                    const double v = from[r].score + s;
                    if (to.size() == m && !(v > to.back().score))
                        break;  // `from` is sorted: no later entry does better
                    // Insert after every entry that is at least as good (earlier candidates win ties).
                    auto at = std::upper_bound(to.begin(), to.end(), v, [](double x, const Entry &e) { return x > e.score; });
                    to.insert(at, Entry{v, std::uint16_t(c), std::uint16_t(r)});
                    if (to.size() > m)
                        to.pop_back();
                }
            }
        }
        trail[l] = next;
        cur.swap(next);
    }
    // The m best over the band's bins; ties: the lower bin first (as the single pick always was).
    struct Final
    {
        double score;
        int bin;
        std::size_t rank;
    };
    std::vector<Final> finals;
    const auto [first, last] = g.binsWithin(target * (1 - tolerance), target * (1 + tolerance));
    for (int b = first; b <= last; ++b)
        for (std::size_t r = 0; r < cur[std::size_t(b)].size(); ++r)
            finals.push_back({cur[std::size_t(b)][r].score, b, r});
    std::stable_sort(finals.begin(), finals.end(), [](const Final &a, const Final &b) { return a.score > b.score; });
    if (finals.size() > m)
        finals.resize(m);
    std::vector<BudgetPick> out;
    for (const Final &f : finals) {
        BudgetPick pick;
        pick.found = true;
        pick.logProbability = f.score;
        pick.architecture.space = space.name;
        pick.architecture.blocks.resize(g.table.size());
        int bin = f.bin;
        std::size_t rank = f.rank;
        for (std::size_t l = g.table.size(); l-- > 0;) {
            const Entry &e = trail[l][std::size_t(bin)][rank];
            pick.architecture.blocks[l] = g.layers[l].candidates[e.candidate];
            bin -= g.shift[l][e.candidate];
            rank = e.rank;
        }
        pick.latencyMs = lut.predict(space, pick.architecture);
        out.push_back(std::move(pick));
    }
    return out;
}

BudgetPick mostProbableWithin(const SearchSpace &space, const LatencyTable &lut, const std::vector<std::vector<double>> &probabilities,
                              double target, double tolerance)
{
    LayerScores logs(probabilities.size());
    for (std::size_t l = 0; l < probabilities.size(); ++l)
        for (double p : probabilities[l])
            logs[l].push_back(std::log(std::max(1e-300, p)));
    const auto best = bestWithin(space, lut, logs, target, 1, tolerance);
    return best.empty() ? BudgetPick{} : best.front();
}

LayerScores layerSizes(const SearchSpace &space, bool macs)
{
    LayerScores out;
    for (const auto &l : space.layers()) {
        out.emplace_back();
        for (const auto &c : l.candidates) {
            const ArchCost cost = layerCost(l, space.block(c));
            out.back().push_back(double(macs ? cost.macs : cost.params));
        }
    }
    return out;
}

std::vector<Architecture> stratifiedArchitectures(const SearchSpace &space, const LatencyTable &lut, int count, std::uint64_t seed)
{
    if (count < 1 || count > 10000)
        throw Error::at("count", std::to_string(count), "expected 1..10000 architectures");
    if (space.searchesShapes())
        throw Error::at("space " + space.name, "", "stratified sets are drawn from FBNet spaces (one block per layer on a latency table)");
    const LatencyGrid g(space, lut);
    const std::size_t bins = std::size_t(g.bins);
    // counts[l][b]: how many choices of layers 0..l end in bin b (doubles: 9^22 is about 1e21).
    std::vector<std::vector<double>> counts(g.table.size() + 1, std::vector<double>(bins, 0.0));
    counts[0][0] = 1;
    for (std::size_t l = 0; l < g.table.size(); ++l)
        for (std::size_t c = 0; c < g.table[l].size(); ++c)
            for (std::size_t b = 0; b + std::size_t(g.shift[l][c]) < bins; ++b)
                counts[l + 1][b + std::size_t(g.shift[l][c])] += counts[l][b];
    const LatencyRange range = latencyRange(space, lut);
    const double width = (range.max - range.min) / count;
    std::mt19937_64 rng(seed);
    std::vector<Architecture> out;
    for (int i = 0; i < count; ++i) {
        // The stratum's bins; the outermost strata reach the extremes (a single architecture each).
        const double lo = range.min + width * i, hi = range.min + width * (i + 1);
        int first = std::max(0, int(std::ceil((lo - g.base) / g.delta))), last = std::min(g.bins - 1, int(std::floor((hi - g.base) / g.delta)));
        if (i == count - 1)
            last = g.bins - 1;
        if (i > 0 && (lo - g.base) / g.delta == std::floor((lo - g.base) / g.delta))
            first += 1;  // a bin on the boundary belongs to the stratum below
        std::vector<double> weights;
        for (int b = first; b <= last; ++b)
            weights.push_back(counts.back()[std::size_t(b)]);
        double total = 0;
        for (double w : weights)
            total += w;
        if (!(total > 0))
            throw Error::at("latency table " + lut.device, "strata",
                            "no architecture of " + space.name + " lies within " + std::to_string(lo) + ".." + std::to_string(hi)
                                + " ms on the grid; ask for fewer architectures");
        std::discrete_distribution<int> pickBin(weights.begin(), weights.end());
        int bin = first + pickBin(rng);
        Architecture a;
        a.space = space.name;
        a.blocks.resize(g.table.size());
        for (std::size_t l = g.table.size(); l-- > 0;) {
            std::vector<double> w(g.table[l].size(), 0.0);
            for (std::size_t c = 0; c < w.size(); ++c)
                if (bin - g.shift[l][c] >= 0)
                    w[c] = counts[l][std::size_t(bin - g.shift[l][c])];
            std::discrete_distribution<std::size_t> pickBlock(w.begin(), w.end());
            const std::size_t c = pickBlock(rng);
            a.blocks[l] = g.layers[l].candidates[c];
            bin -= g.shift[l][c];
        }
        a.name = "gt" + std::to_string(i + 1);
        out.push_back(std::move(a));
    }
    return out;
}

} // namespace fbnet
