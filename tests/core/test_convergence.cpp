// Issue 35, item 4: nothing said when a search's θ had not settled (15 of 22 layers skip, an argmax
// 1.08x uniform, E[latency] 17.1 ms against an argmax of 8.63 ms). assessConvergence says so.
#include <gtest/gtest.h>

#include "fbnet/convergence.h"
#include "fbnet/resources.h"

using namespace fbnet;

namespace {

/** Every layer of fbnet-cifar: probability `top` on candidate `pick`, the rest shared equally. */
std::vector<std::vector<double>> theta(const SearchSpace &space, double top, const std::string &pick)
{
    std::vector<std::vector<double>> p;
    for (const auto &l : space.layers()) {
        const std::size_t k = l.candidates.size();
        std::vector<double> row(k, (1 - top) / double(k - 1));
        for (std::size_t j = 0; j < k; ++j)
            if (l.candidates[j] == pick)
                row[j] = top;
        p.push_back(row);
    }
    return p;
}

} // namespace

TEST(Convergence, AThetaThatBarelyMovedCollapsedOrSpreadIsNamedWithWhatToTry)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    const std::size_t k = space.layers().front().candidates.size();
    // Settled on a real block, argmax latency near E[latency]: nothing to say.
    ThetaConvergence c = assessConvergence(space, theta(space, 0.8, "k3_e6"), 10.0, 10.5);
    EXPECT_TRUE(c.converged()) << (c.warnings.empty() ? "" : c.warnings.front());
    EXPECT_NEAR(c.meanConfidence, 0.8 * double(k), 1e-9);
    EXPECT_EQ(c.skipLayers, 0);
    EXPECT_EQ(c.layers, space.layerCount());
    // Barely above uniform, all on skip, and an argmax at half the expected latency: three findings.
    c = assessConvergence(space, theta(space, 1.08 / double(k), "skip"), 17.1, 8.63);
    ASSERT_EQ(c.warnings.size(), 3u);
    EXPECT_NE(c.warnings[0].find("barely moved"), std::string::npos) << c.warnings[0];
    EXPECT_NE(c.warnings[0].find("1.08x"), std::string::npos) << c.warnings[0];
    EXPECT_NE(c.warnings[1].find("chose skip"), std::string::npos) << c.warnings[1];
    EXPECT_NE(c.warnings[1].find("alpha"), std::string::npos) << c.warnings[1];
    EXPECT_NE(c.warnings[2].find("8.63 ms where θ expects 17.1 ms"), std::string::npos) << c.warnings[2];
    EXPECT_EQ(c.skipLayers, c.skippableLayers);
    EXPECT_NE(c.summary().find("layers skip"), std::string::npos) << c.summary();
    // θ of another space (layer count or candidates that differ): no verdict rather than a wrong one.
    auto wrong = theta(space, 0.5, "skip");
    wrong.pop_back();
    EXPECT_TRUE(assessConvergence(space, wrong, 1, 1).confidence.empty());
    // An epoch whose θ never trained is not judged.
    EpochStats warmup;
    warmup.thetaTrained = false;
    warmup.probabilities = theta(space, 1.0 / double(k), "skip");
    EXPECT_TRUE(assessConvergence(space, warmup).converged());
}
