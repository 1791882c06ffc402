// Family search on FBNetV2 spaces: cost targets in FLOPs or parameters, the exact range, and each
// target's pick when a layer's cost depends on its neighbours' widths and on the resolution.
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "dmaskingfixtures.h"
#include "fbnet/family.h"
#include "fbnet/resources.h"
#include "fbnet/sampling.h"
#include "fbnet/search.h"
#include "space/shapeplan.h"
#include "testutil.h"

using namespace fbnet;
using fbnet::test::tinyV2;

namespace {

const std::string kWithSkip = R"(["ir_k3", "ir_k5_se", "skip"])";

/** Random logits in the supernet's order: resolution, then block, width and hidden width per layer. */
std::vector<std::vector<double>> randomLogits(const SearchSpace &space, std::uint64_t seed, double scale = 1.5)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> n(0, scale);
    auto row = [&](std::size_t k) {
        std::vector<double> r;
        for (std::size_t i = 0; i < k; ++i)
            r.push_back(n(rng));
        return r;
    };
    std::vector<std::vector<double>> out;
    const auto res = fbnet::detail::dmaskingResolutions(space);
    if (res.size() > 1)
        out.push_back(row(res.size()));
    for (const auto &p : fbnet::detail::dmaskingPlan(space)) {
        out.push_back(row(p.ops.size()));
        out.push_back(row(p.widths.size()));
        out.push_back(row(p.mids.size()));
    }
    return out;
}

std::vector<double> logSoftmax(std::vector<double> v)
{
    double m = -std::numeric_limits<double>::infinity(), z = 0;
    for (double x : v)
        m = std::max(m, x);
    for (double x : v)
        z += std::exp(x - m);
    for (double &x : v)
        x = x - m - std::log(z);
    return v;
}

struct Enumerated
{
    Architecture arch;
    double cost = 0, logP = 0;
};

/** Every concrete architecture of a two-layer space, with its cost and log-probability (a skip has no hidden width). */
std::vector<Enumerated> enumerate(const SearchSpace &space, const LatencyTable &lut, const std::vector<std::vector<double>> &logits)
{
    const auto plan = fbnet::detail::dmaskingPlan(space);
    const auto res = fbnet::detail::dmaskingResolutions(space);
    EXPECT_EQ(plan.size(), 2u);
    std::vector<std::vector<double>> lp;
    for (const auto &row : logits)
        lp.push_back(logSoftmax(row));
    const std::size_t off = res.size() > 1 ? 1 : 0;
    std::vector<Enumerated> out;
    for (std::size_t r = 0; r < res.size(); ++r)
        for (std::size_t k0 = 0; k0 < plan[0].ops.size(); ++k0)
            for (std::size_t w0 = 0; w0 < plan[0].widths.size(); ++w0)
                for (std::size_t m0 = 0; m0 < plan[0].mids.size(); ++m0)
                    for (std::size_t k1 = 0; k1 < plan[1].ops.size(); ++k1)
                        for (std::size_t w1 = 0; w1 < plan[1].widths.size(); ++w1)
                            for (std::size_t m1 = 0; m1 < plan[1].mids.size(); ++m1) {
                                const bool skip0 = plan[0].ops[k0].kind == BlockSpec::Kind::Skip;
                                const bool skip1 = plan[1].ops[k1].kind == BlockSpec::Kind::Skip;
                                if ((skip0 && m0 > 0) || (skip1 && m1 > 0))
                                    continue;  // one architecture, whatever the hidden width's logits
                                Enumerated e;
                                e.arch = fbnet::detail::concreteArchitecture(space, plan, res, {k0, k1}, {w0, w1}, {m0, m1}, r);
                                e.cost = lut.predict(space, e.arch);
                                e.logP = (off ? lp[0][r] : 0) + lp[off][k0] + lp[off + 1][w0] + (skip0 ? 0 : lp[off + 2][m0])
                                    + lp[off + 3][k1] + lp[off + 4][w1] + (skip1 ? 0 : lp[off + 5][m1]);
                                out.push_back(e);
                            }
    return out;
}

} // namespace

TEST(ShapeFamily, TheRangeAndThePickAgreeWithEveryConcreteArchitecture)
{
    for (const std::string metric : {"flops", "params"})
        for (const std::string &candidates : {std::string(R"(["ir_k3", "ir_k5_se"])"), kWithSkip}) {
            SCOPED_TRACE(metric + " " + candidates);
            const SearchSpace space = tinyV2("[8, 16]", "[16, 24]", "[16, 8]", candidates);
            const LatencyTable lut = LatencyTable::costModel(metric);
            const auto all = enumerate(space, lut, randomLogits(space, 1));
            double lo = std::numeric_limits<double>::infinity(), hi = 0;
            for (const auto &e : all) {
                lo = std::min(lo, e.cost);
                hi = std::max(hi, e.cost);
            }
            const LatencyRange range = latencyRange(space, lut);  // the shapes' range, not per-layer extremes
            EXPECT_NEAR(range.min, lo, 1e-9);
            EXPECT_NEAR(range.max, hi, 1e-9);
            int found = 0;
            for (std::uint64_t seed = 1; seed <= 4; ++seed) {
                const auto logits = randomLogits(space, seed);
                const auto every = enumerate(space, lut, logits);
                for (int i = 1; i < 12; ++i) {
                    const double target = lo + (hi - lo) * i / 12.0;
                    // The best within the band, and within a band narrower by 2% of the target on each side.
                    double best = -std::numeric_limits<double>::infinity(), bestInner = best;
                    for (const auto &e : every) {
                        const double off = std::abs(e.cost / target - 1);
                        if (off <= kTargetTolerance)
                            best = std::max(best, e.logP);
                        if (off <= kTargetTolerance - 0.02)
                            bestInner = std::max(bestInner, e.logP);
                    }
                    const BudgetPick pick = mostProbableShapesWithin(space, lut, logits, target);
                    if (!pick.found) {
                        EXPECT_EQ(bestInner, -std::numeric_limits<double>::infinity()) << "target " << target;
                        continue;
                    }
                    ++found;
                    EXPECT_LE(std::abs(pick.latencyMs / target - 1), kTargetTolerance) << "target " << target;
                    EXPECT_NEAR(pick.latencyMs, lut.predict(space, pick.architecture), 1e-12);
                    EXPECT_LE(pick.logProbability, best + 1e-9);       // no architecture in the band beats the optimum
                    EXPECT_GE(pick.logProbability, bestInner - 1e-9);  // and the grid loses at most the band's edges
                    bool listed = false;  // the reported probability is the architecture's own
                    for (const auto &e : every)
                        if (e.arch.blocks == pick.architecture.blocks && e.arch.layerWidths == pick.architecture.layerWidths
                            && e.arch.layerExpansions == pick.architecture.layerExpansions && e.arch.inputSize == pick.architecture.inputSize) {
                            listed = true;
                            EXPECT_NEAR(e.logP, pick.logProbability, 1e-9);
                        }
                    EXPECT_TRUE(listed);
                }
            }
            EXPECT_GT(found, 30);
        }
}

// `fbnet sample` on FBNetV2 runs and the masked supernet's samples: each concrete architecture is
// drawn as often as its probability under theta, with that log-probability; theta that does not
// fit the space is refused with its row.
TEST(ShapeFamily, SamplesFollowThetaOverEveryConcreteArchitecture)
{
    const SearchSpace space = tinyV2("[8, 16]", "[16, 24]", "[16, 8]", kWithSkip);
    const LatencyTable lut = LatencyTable::costModel("flops");
    const auto logits = randomLogits(space, 7);
    const auto every = enumerate(space, lut, logits);
    auto key = [](const Architecture &a) {
        std::string k = a.blocksString() + "|" + std::to_string(a.inputSize.value_or(0));
        for (int w : a.layerWidths)
            k += "|" + std::to_string(w);
        for (double e : a.layerExpansions)
            k += "|" + std::to_string(e);
        return k;
    };
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < every.size(); ++i)
        index[key(every[i].arch)] = i;
    ASSERT_EQ(index.size(), every.size());  // the enumeration lists each architecture once
    std::vector<int> counts(every.size(), 0);
    std::mt19937_64 rng(3);
    const int n = 40000;
    for (int i = 0; i < n; ++i) {
        const DrawnArchitecture d = sampleFromTheta(space, logits, rng);
        const auto it = index.find(key(d.architecture));
        ASSERT_NE(it, index.end()) << key(d.architecture);
        EXPECT_NEAR(d.logProbability, every[it->second].logP, 1e-9);
        ++counts[it->second];
    }
    double tv = 0;  // total variation between the draws' frequencies and the probabilities
    for (std::size_t i = 0; i < every.size(); ++i)
        tv += 0.5 * std::abs(double(counts[i]) / n - std::exp(every[i].logP));
    EXPECT_LT(tv, 0.05) << every.size() << " architectures";

    auto refused = [&](std::vector<std::vector<double>> bad, const std::string &what) {
        try {
            sampleFromTheta(space, bad, rng);
            ADD_FAILURE() << "accepted: " << what;
        } catch (const Error &e) {
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        }
    };
    auto bad = logits;
    bad.pop_back();
    refused(bad, "logit vectors");
    bad = logits;
    bad[2].push_back(0.5);
    refused(bad, "theta/2: expected");
    bad = logits;
    bad[1][0] = std::nan("");
    refused(bad, "theta/1: holds a value that is not finite");
}

TEST(ShapeFamily, ThePublishedFBNetV2SpacesGetAPickForEveryFrontTarget)
{
    // fbnetv2-cifar on both tables; fbnetv2-imagenet (25 layers, up to 9 widths: the largest
    // programme) on FLOPs at two targets, which keeps the sanitized run short.
    for (const std::string name : {"fbnetv2-cifar", "fbnetv2-imagenet"})
        for (const std::string metric : {"flops", "params"}) {
            const bool large = name == "fbnetv2-imagenet";
            if (large && metric == "params")
                continue;
            SCOPED_TRACE(name + " " + metric);
            const SearchSpace space = SearchSpace::load(resolveSpacePath(name));
            const LatencyTable lut = LatencyTable::costModel(metric);
            const LatencyRange range = latencyRange(space, lut);
            ASSERT_LT(range.min, range.max);
            const auto logits = randomLogits(space, 3, 0.5);
            for (double target : frontTargets(space, lut, large ? 2 : 4)) {
                const BudgetPick pick = mostProbableShapesWithin(space, lut, logits, target);
                ASSERT_TRUE(pick.found) << target;
                EXPECT_LE(std::abs(pick.latencyMs / target - 1), kTargetTolerance) << target << " " << pick.latencyMs;
            }
        }
    // A latency table cannot cost widths and resolutions.
    const SearchSpace v2 = SearchSpace::load(resolveSpacePath("fbnetv2-cifar"));
    LatencyTable ms;
    ms.device = "phone";
    EXPECT_NE(test::errorOf([&] { latencyRange(v2, ms); }).find("expected the flops or params table"), std::string::npos);
}

TEST(ShapeFamily, OneMaskedSupernetTrainsACostTargetPerThetaAndEachPickMeetsIt)
{
    const SearchSpace space = tinyV2("[8, 16]", "[8, 16, 24]", "[16, 8]", kWithSkip);
    const LatencyTable lut = LatencyTable::costModel("flops");
    const auto targets = frontTargets(space, lut, 3);
    const Dataset data = test::colours(384, 4);
    for (const MaskMode mode : {MaskMode::Soft, MaskMode::Hard}) {
        SCOPED_TRACE(mode == MaskMode::Soft ? "soft" : "hard");
        SearchConfig c;
        c.epochs = 4;
        c.warmupEpochs = 1;
        c.batchSize = 24;
        c.lrTheta = 0.1;
        c.tau0 = 1.0;
        c.targetWeight = 3.0;
        c.lossForm = LossForm::Target;
        c.targets = targets;
        c.mode = mode;
        c.compute.threads = 1;
        c.samples = 1;
        c.seed = 3;
        test::QuietObserver quiet;
        StopToken stop;
        const auto r = runSearch(space, lut, data, c, quiet, stop);
        const auto &f = r.epochs.back().family;
        ASSERT_EQ(f.size(), 3u);
        ASSERT_EQ(r.samples.size(), 3u * 2);
        for (std::size_t m = 0; m < 3; ++m) {
            const auto &pick = r.samples[m * 2];
            EXPECT_TRUE(pick.isArgmax);
            EXPECT_EQ(pick.targetMs, targets[m]);
            EXPECT_EQ(pick.architecture.name, targetLabel(targets[m], lut.unit()));
            EXPECT_EQ(pick.architecture.layerWidths.size(), 2u);
            EXPECT_LE(std::abs(pick.latencyMs / targets[m] - 1), kTargetTolerance) << pick.latencyMs << " for " << targets[m];
            EXPECT_NEAR(pick.latencyMs, lut.predict(space, pick.architecture), 1e-12);
            EXPECT_EQ(r.samples[m * 2 + 1].targetMs, targets[m]);
            EXPECT_GT(f[m].pickLatencyMs, 0);
        }
        // Every theta started uniform and moved towards its own target.
        EXPECT_NEAR(r.epochs.front().family[0].expectedLatencyMs, r.epochs.front().family[2].expectedLatencyMs, 1e-9);
        EXPECT_LT(f[0].expectedLatencyMs, f[1].expectedLatencyMs);
        EXPECT_LT(f[1].expectedLatencyMs, f[2].expectedLatencyMs);
        EXPECT_LT(f[0].expectedLatencyMs, r.epochs.front().family[0].expectedLatencyMs);
        EXPECT_GT(f[2].expectedLatencyMs, r.epochs.front().family[2].expectedLatencyMs);
        ASSERT_EQ(r.theta.size(), 7u);  // the first target's logits, in the supernet's order
        EXPECT_EQ(r.theta[0].size(), 2u);
        EXPECT_EQ(r.theta[5].size(), 3u);
    }
}
