// Choosers: size, theta, the zero-cost proxies; the weight steps' uniform and fair paths.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "fbnet/chooser.h"
#include "fbnet/family.h"
#include "fbnet/resources.h"
#include "search/searchphase.h"
#include "searchfixtures.h"
#include "testutil.h"

using namespace fbnet;

namespace {

ChooserInputs cifarInputs()
{
    ChooserInputs in;
    in.space = test::cifarSpace();
    in.data = test::stripes(64, 3);
    in.data.channels = 3;
    in.data.height = in.data.width = 32;
    in.data.pixels.assign(64 * 3 * 32 * 32, 0);
    std::mt19937_64 rng(5);
    for (auto &p : in.data.pixels)
        p = std::uint8_t(rng() % 256);
    in.data.mean = {0.5f, 0.5f, 0.5f};
    in.data.std = {0.25f, 0.25f, 0.25f};
    in.compute.threads = 1;
    in.batchSize = 16;
    return in;
}

Architecture uniformBlocks(const SearchSpace &s, const std::string &block)
{
    Architecture a;
    a.space = s.name;
    for (const auto &l : s.layers())
        a.blocks.push_back(std::find(l.candidates.begin(), l.candidates.end(), block) != l.candidates.end() ? block : l.candidates.front());
    return a;
}

} // namespace

TEST(Choosers, SizeAndThetaScoresAreWhatTheyName)
{
    const ChooserInputs base = cifarInputs();
    const Architecture small = uniformBlocks(base.space, "skip"), big = uniformBlocks(base.space, "k5_e6");
    StopToken stop;
    EXPECT_EQ(chooserScore(ChooserKind::Params, big, base, stop), double(computeCost(base.space, big).params));
    EXPECT_EQ(chooserScore(ChooserKind::Macs, small, base, stop), double(computeCost(base.space, small).macs));
    // theta: the log-probability under softmax of each layer's logits.
    ChooserInputs in = base;
    double expected = 0;
    for (const auto &l : in.space.layers()) {
        std::vector<double> row(l.candidates.size(), 0.0);
        const auto at = std::size_t(std::find(l.candidates.begin(), l.candidates.end(), big.blocks[std::size_t(l.index)]) - l.candidates.begin());
        row[at] = 2.0;
        expected += 2.0 - std::log(std::exp(2.0) + double(row.size() - 1));
        in.theta.push_back(row);
    }
    EXPECT_NEAR(chooserScore(ChooserKind::Theta, big, in, stop), expected, 1e-9);
    EXPECT_NE(test::errorOf([&] { chooserScore(ChooserKind::Theta, big, base, stop); }).find("needs a search run"), std::string::npos);
    EXPECT_NE(test::errorOf([&] { chooserScore(ChooserKind::Supernet, big, base, stop); }).find("checkpoint"), std::string::npos);
    EXPECT_EQ(chooserFromString("naswot"), ChooserKind::Naswot);
    EXPECT_NE(test::errorOf([] { chooserFromString("flops", "--pick-by"); }).find("expected one of theta, supernet"), std::string::npos);
}

TEST(Choosers, ZeroCostProxiesAreFiniteRepeatableAndTellArchitecturesApart)
{
    const ChooserInputs in = cifarInputs();
    const Architecture small = uniformBlocks(in.space, "k3_e1"), big = uniformBlocks(in.space, "k5_e6");
    StopToken stop;
    for (ChooserKind k : {ChooserKind::Synflow, ChooserKind::Naswot, ChooserKind::GradNorm}) {
        const double a = chooserScore(k, small, in, stop), again = chooserScore(k, small, in, stop), b = chooserScore(k, big, in, stop);
        EXPECT_TRUE(std::isfinite(a) && std::isfinite(b)) << toString(k);
        EXPECT_EQ(a, again) << toString(k) << ": the same seed gives the same score";
        EXPECT_NE(a, b) << toString(k);
    }
    // SynFlow grows with the network's size: more paths through more (positive) weights.
    EXPECT_GT(chooserScore(ChooserKind::Synflow, big, in, stop), chooserScore(ChooserKind::Synflow, small, in, stop));
}

TEST(Choosers, FairWeightStepsTrainEveryBlockOncePerCycleAndUniformOnesRepeatForASeed)
{
    const std::vector<int64_t> counts{9, 9, 4};
    for (std::int64_t cycle = 0; cycle < 3; ++cycle) {
        std::vector<std::map<int64_t, int>> seen(counts.size());
        for (std::int64_t g = cycle * 9; g < (cycle + 1) * 9; ++g) {
            const auto path = fbnet::detail::weightStepPath(WeightSampling::Fair, 11, g, counts);
            for (std::size_t l = 0; l < 2; ++l)
                seen[l][path[l]] += 1;
        }
        for (std::size_t l = 0; l < 2; ++l) {
            EXPECT_EQ(seen[l].size(), 9u) << "every block of layer " << l << " in cycle " << cycle;
            for (const auto &[block, n] : seen[l])
                EXPECT_EQ(n, 1);
        }
    }
    std::map<int64_t, int> hits;
    for (std::int64_t g = 0; g < 900; ++g) {
        const auto path = fbnet::detail::weightStepPath(WeightSampling::Uniform, 3, g, counts);
        EXPECT_EQ(path, fbnet::detail::weightStepPath(WeightSampling::Uniform, 3, g, counts));
        hits[path[0]] += 1;
    }
    EXPECT_EQ(hits.size(), 9u);
    for (const auto &[block, n] : hits)
        EXPECT_NEAR(n, 100, 40) << block;
    EXPECT_NE(fbnet::detail::weightStepPath(WeightSampling::Uniform, 3, 5, counts), fbnet::detail::weightStepPath(WeightSampling::Uniform, 4, 5, counts));
}

TEST(Choosers, UniformAndFairSearchesRunInHardModeOnlyAndTrainTheta)
{
    const auto space = test::tinySpace(R"(["skip", "k3_e1", "k3_e3"])");
    const auto lut = test::tableFor(space, {{"skip", 1.0}, {"k3_e1", 2.0}, {"k3_e3", 3.0}});
    const auto data = test::stripes(200, 1);
    for (WeightSampling w : {WeightSampling::Uniform, WeightSampling::Fair}) {
        SearchConfig c = test::tinySearch();
        c.weightSampling = w;
        test::QuietObserver quiet;
        StopToken stop;
        EXPECT_NE(test::errorOf([&] { runSearch(space, lut, data, c, quiet, stop); }).find("weight_sampling"), std::string::npos)
            << "soft mode trains every block: uniform and fair need hard mode";
        c.mode = MaskMode::Hard;
        const SearchResult r = runSearch(space, lut, data, c, quiet, stop);
        EXPECT_EQ(r.epochsCompleted, 2);
        double moved = 0;
        for (const auto &row : r.theta)
            for (double v : row)
                moved += std::abs(v);
        EXPECT_GT(moved, 0) << "theta steps still draw from theta and train it";
    }
}
