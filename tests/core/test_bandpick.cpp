// The band programmes (family/bandpick.cpp) against brute force over every architecture of a small
// space, and the rank statistics the choosers are measured with.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "fbnet/chooser.h"
#include "fbnet/family.h"
#include "fbnet/rankstats.h"
#include "searchfixtures.h"
#include "testutil.h"

using namespace fbnet;

namespace {

/** Four searchable layers of four candidates: 256 architectures, few enough to enumerate. */
SearchSpace fourLayers()
{
    return SearchSpace::fromJsonText(R"({
      "name": "four", "input": {"size": 16, "channels": 3}, "num_classes": 2,
      "stem": {"channels": 8, "kernel": 3, "stride": 1},
      "stages": [{"channels": 8, "repeats": 2, "stride": 1}, {"channels": 16, "repeats": 2, "stride": 2}],
      "head": {"channels": 16},
      "candidates": ["skip", "k3_e1", "k3_e3", "k5_e3"],
      "blocks": {"k3_e1": {"type": "irf", "kernel": 3, "expansion": 1}, "k3_e3": {"type": "irf", "kernel": 3, "expansion": 3},
                 "k5_e3": {"type": "irf", "kernel": 5, "expansion": 3}, "skip": {"type": "skip"}}})",
                                     "four");
}

LatencyTable fourTable(const SearchSpace &s)
{
    // Per layer and block a different latency, so that sums rarely tie.
    LatencyTable t;
    t.device = "test";
    t.provenanceKind = "modeled";
    t.fixedMs = 1.0;
    double v = 0.37;
    for (const auto &l : s.layers())
        for (const auto &c : l.candidates) {
            t.entries[opSignature(l, s.block(c))] = {v};
            v = std::fmod(v * 1.7 + 0.61, 5.0) + 0.2;
        }
    return t;
}

/** Every architecture with its latency and total score. */
std::vector<std::tuple<Architecture, double, double>> everyArchitecture(const SearchSpace &s, const LatencyTable &t, const LayerScores &scores)
{
    std::vector<std::tuple<Architecture, double, double>> out;
    const auto layers = s.layers();
    std::vector<std::size_t> pick(layers.size(), 0);
    for (;;) {
        Architecture a;
        a.space = s.name;
        double score = 0;
        for (std::size_t l = 0; l < layers.size(); ++l) {
            a.blocks.push_back(layers[l].candidates[pick[l]]);
            score += scores[l][pick[l]];
        }
        out.emplace_back(a, t.predict(s, a), score);
        std::size_t l = 0;
        while (l < layers.size() && ++pick[l] == layers[l].candidates.size())
            pick[l++] = 0;
        if (l == layers.size())
            return out;
    }
}

} // namespace

TEST(BandPick, TheMBestWithinABandAreTheBruteForceMBest)
{
    const SearchSpace s = fourLayers();
    const LatencyTable t = fourTable(s);
    LayerScores scores;
    double v = 0.11;
    for (const auto &l : s.layers()) {
        scores.emplace_back();
        for (std::size_t c = 0; c < l.candidates.size(); ++c, v = std::fmod(v * 3.1 + 0.17, 2.0))
            scores.back().push_back(-v);
    }
    const auto all = everyArchitecture(s, t, scores);
    const LatencyRange r = latencyRange(s, t);
    for (double target : {r.min + 0.3 * (r.max - r.min), r.min + 0.5 * (r.max - r.min), r.min + 0.8 * (r.max - r.min)}) {
        std::vector<std::pair<double, std::string>> inBand;
        for (const auto &[a, ms, score] : all)
            if (ms >= target * 0.95 && ms <= target * 1.05)
                inBand.emplace_back(score, a.blocksString());
        std::sort(inBand.begin(), inBand.end(), [](const auto &x, const auto &y) { return x.first > y.first; });
        ASSERT_GE(inBand.size(), 3u) << target;
        const auto best = bestWithin(s, t, scores, target, 5);
        ASSERT_EQ(best.size(), std::min<std::size_t>(5, inBand.size()));
        for (std::size_t i = 0; i < best.size(); ++i) {
            EXPECT_NEAR(best[i].logProbability, inBand[i].first, 1e-9) << "rank " << i << " at " << target;
            EXPECT_GE(best[i].latencyMs, target * 0.95);
            EXPECT_LE(best[i].latencyMs, target * 1.05);
        }
        // Distinct architectures, best first.
        for (std::size_t i = 1; i < best.size(); ++i) {
            EXPECT_NE(best[i].architecture.blocksString(), best[i - 1].architecture.blocksString());
            EXPECT_LE(best[i].logProbability, best[i - 1].logProbability);
        }
    }
    EXPECT_TRUE(bestWithin(s, t, scores, r.max * 3, 4).empty());
    EXPECT_NE(test::errorOf([&] { bestWithin(s, t, scores, r.min, 0); }).find("expected 1..1000"), std::string::npos);
}

TEST(BandPick, TheLargestArchitectureWithinABandHasTheMostParameters)
{
    const SearchSpace s = fourLayers();
    const LatencyTable t = fourTable(s);
    const LayerScores sizes = layerSizes(s);
    const auto all = everyArchitecture(s, t, sizes);
    // The per-layer sizes add up to the architecture's parameters less the fixed part.
    const std::int64_t fixed = computeCost(s, std::get<0>(all.front())).params - std::int64_t(std::get<2>(all.front()));
    for (const auto &[a, ms, score] : all)
        EXPECT_EQ(computeCost(s, a).params, fixed + std::int64_t(score)) << a.blocksString();
    const LatencyRange r = latencyRange(s, t);
    const double target = 0.5 * (r.min + r.max);
    std::int64_t most = 0;
    for (const auto &[a, ms, score] : all)
        if (ms >= target * 0.95 && ms <= target * 1.05)
            most = std::max(most, computeCost(s, a).params);
    const auto pick = bestWithin(s, t, sizes, target, 1);
    ASSERT_EQ(pick.size(), 1u);
    EXPECT_EQ(computeCost(s, pick.front().architecture).params, most);
}

TEST(BandPick, StratifiedArchitecturesFillEveryStratumAndRepeatForASeed)
{
    const SearchSpace s = fourLayers();
    const LatencyTable t = fourTable(s);
    const LatencyRange r = latencyRange(s, t);
    const int count = 6;
    const auto a = stratifiedArchitectures(s, t, count, 7);
    ASSERT_EQ(a.size(), std::size_t(count));
    const double width = (r.max - r.min) / count;
    for (int i = 0; i < count; ++i) {
        const double ms = t.predict(s, a[std::size_t(i)]);
        // Grid rounding may move an architecture by a hair across a stratum's edge.
        EXPECT_GE(ms, r.min + width * i - 0.01) << i;
        EXPECT_LE(ms, r.min + width * (i + 1) + 0.01) << i;
        EXPECT_EQ(a[std::size_t(i)].name, "gt" + std::to_string(i + 1));
    }
    const auto again = stratifiedArchitectures(s, t, count, 7);
    for (int i = 0; i < count; ++i)
        EXPECT_EQ(again[std::size_t(i)].blocksString(), a[std::size_t(i)].blocksString());
    // Uniform within a stratum: over many draws the middle stratum's architectures come up about equally often.
    std::map<std::string, int> seen;
    for (std::uint64_t seed = 1; seed <= 400; ++seed)
        seen[stratifiedArchitectures(s, t, 2, seed)[0].blocksString()] += 1;
    int inLowerHalf = 0;
    for (const auto &[arch, ms, score] : everyArchitecture(s, t, layerSizes(s)))
        inLowerHalf += ms <= r.min + (r.max - r.min) / 2 ? 1 : 0;
    EXPECT_GT(double(seen.size()), 0.6 * inLowerHalf) << "draws should reach most architectures of the stratum";
}

TEST(RankStats, KendallSpearmanAndTheirNoRelationSpread)
{
    EXPECT_DOUBLE_EQ(kendallTauB({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
    EXPECT_DOUBLE_EQ(kendallTauB({1, 2, 3, 4}, {40, 30, 20, 10}), -1.0);
    // scipy.stats.kendalltau([1, 2, 2, 3], [1, 3, 2, 4]) = 0.9128709291752769 (tau-b with a tie)
    EXPECT_NEAR(kendallTauB({1, 2, 2, 3}, {1, 3, 2, 4}), 0.9128709291752769, 1e-12);
    EXPECT_TRUE(std::isnan(kendallTauB({1, 1, 1}, {1, 2, 3})));
    // scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233
    EXPECT_NEAR(spearmanRho({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), 0.8207826816681233, 1e-12);
    EXPECT_NEAR(tauNullSd(21), std::sqrt(2.0 * 47 / (9.0 * 21 * 20)), 1e-12);
    EXPECT_NE(test::errorOf([] { kendallTauB({1, 2}, {1}); }).find("same length"), std::string::npos);
}

TEST(RankStats, PrecisionAtKCountsEachBandsTopK)
{
    // Two bands of four; the chooser finds 2 of the 3 best in the first band and all 3 in the second.
    const std::vector<double> latency{1, 2, 3, 4, 11, 12, 13, 14};
    const std::vector<double> truth{10, 20, 30, 40, 10, 20, 30, 40};
    const std::vector<double> score{4, 3, 2, 1, 1, 2, 3, 4};
    EXPECT_NEAR(bandPrecisionAtK(latency, truth, truth, 2, 3), 1.0, 1e-12);
    EXPECT_NEAR(bandPrecisionAtK(latency, truth, score, 2, 3), (2.0 / 3 + 1.0) / 2, 1e-12);
    EXPECT_TRUE(std::isnan(bandPrecisionAtK(latency, truth, score, 2, 4)));  // no band holds more than 4
}
