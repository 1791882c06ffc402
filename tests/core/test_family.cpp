// Family search: one supernet, one theta per latency target; the pick within each target's band.
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>

#include <unistd.h>

#include <gtest/gtest.h>

#include "fbnet/family.h"
#include "fbnet/runstore.h"
#include "fbnet/search.h"
#include "searchfixtures.h"
#include "testutil.h"

using namespace fbnet;
using fbnet::test::errorOf;
using fbnet::test::QuietObserver;

namespace {

/** Six searchable layers of one shape, four candidates: 4096 architectures, few enough to enumerate. */
SearchSpace sixLayers()
{
    return SearchSpace::fromJsonText(R"({
      "name": "six", "input": {"size": 16, "channels": 3}, "num_classes": 10,
      "stem": {"channels": 8, "kernel": 3, "stride": 1},
      "stages": [{"channels": 8, "repeats": 3, "stride": 1}, {"channels": 8, "repeats": 3, "stride": 1}],
      "head": {"channels": 16},
      "candidates": ["skip", "k3_e1", "k3_e3", "k5_e3"],
      "blocks": {"k3_e1": {"type": "irf", "kernel": 3, "expansion": 1},
                 "k3_e3": {"type": "irf", "kernel": 3, "expansion": 3},
                 "k5_e3": {"type": "irf", "kernel": 5, "expansion": 3},
                 "skip": {"type": "skip"}}})",
                                     "six-space");
}

LatencyTable sixTable(const SearchSpace &space)
{
    return test::tableFor(space, {{"skip", 0.3}, {"k3_e1", 1.1}, {"k3_e3", 2.35}, {"k5_e3", 4.7}});  // fixed 2 ms
}

SearchConfig familyConfig(std::vector<double> targets)
{
    SearchConfig c;
    c.epochs = 5;
    c.warmupEpochs = 1;
    c.batchSize = 30;
    c.lrWeights = 0.05;
    c.lrTheta = 0.1;
    c.tau0 = 1.0;
    c.targetWeight = 3.0;
    c.lossForm = LossForm::Target;
    c.targets = std::move(targets);
    c.compute.threads = 1;
    c.samples = 2;
    c.seed = 7;
    return c;
}

} // namespace

TEST(Family, ThePickIsTheMostProbableArchitectureWithinTheBand)
{
    const auto space = sixLayers();
    const auto lut = sixTable(space);
    const auto layers = space.layers();
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(0.05, 1.0);
    std::vector<std::vector<double>> probs;
    for (const auto &l : layers) {
        std::vector<double> p;
        double z = 0;
        for (std::size_t k = 0; k < l.candidates.size(); ++k)
            z += p.emplace_back(u(rng));
        for (double &v : p)
            v /= z;
        probs.push_back(p);
    }
    int bands = 0, empty = 0;
    for (double target = 4.5; target <= 29; target += 0.37) {
        // Every architecture, exactly.
        double best = -std::numeric_limits<double>::infinity();
        for (int code = 0; code < 4096; ++code) {
            Architecture a;
            a.space = space.name;
            double lp = 0;
            for (int l = 0, c = code; l < 6; ++l, c /= 4) {
                a.blocks.push_back(layers[std::size_t(l)].candidates[std::size_t(c % 4)]);
                lp += std::log(probs[std::size_t(l)][std::size_t(c % 4)]);
            }
            const double ms = lut.predict(space, a);
            if (std::abs(ms / target - 1) <= kTargetTolerance)
                best = std::max(best, lp);
        }
        const BudgetPick pick = mostProbableWithin(space, lut, probs, target);
        ASSERT_EQ(pick.found, std::isfinite(best)) << "target " << target;
        if (!pick.found) {
            ++empty;
            continue;
        }
        ++bands;
        EXPECT_LE(std::abs(pick.latencyMs / target - 1), kTargetTolerance) << target;
        EXPECT_NEAR(pick.logProbability, best, 1e-9) << "target " << target;
        EXPECT_DOUBLE_EQ(pick.latencyMs, lut.predict(space, pick.architecture));
    }
    EXPECT_GT(bands, 50);
    EXPECT_GT(empty, 0);  // the table has gaps near its cheap end: "not found" is exercised too
}

TEST(Family, TargetsSpreadOverTheTableAndBadTargetsAreNamed)
{
    const auto space = sixLayers();
    const auto lut = sixTable(space);
    const LatencyRange r = latencyRange(space, lut);
    EXPECT_DOUBLE_EQ(r.min, 2 + 6 * 0.3);
    EXPECT_DOUBLE_EQ(r.max, 2 + 6 * 4.7);
    const auto t = frontTargets(space, lut, 4);
    ASSERT_EQ(t.size(), 4u);
    EXPECT_NEAR(t.front(), r.min + (r.max - r.min) / 8, 1e-3);
    EXPECT_NEAR(t.back(), r.max - (r.max - r.min) / 8, 1e-3);
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
    EXPECT_EQ(parseTargets("6, 9,12.5", "--targets"), (std::vector<double>{6, 9, 12.5}));
    EXPECT_NE(errorOf([] { parseTargets("6,x,9", "--targets"); }).find("x"), std::string::npos);
    EXPECT_NE(errorOf([] { parseTargets("6,-1", "--targets"); }).find("positive"), std::string::npos);
    EXPECT_NE(errorOf([] { parseTargets("6,9,6", "--targets"); }).find("twice"), std::string::npos);
    const std::string outside = errorOf([&] { checkTargets(space, lut, {10, 40}); });
    EXPECT_NE(outside.find("target 40"), std::string::npos) << outside;
    EXPECT_NE(outside.find("3.800 to 30.200"), std::string::npos) << outside;
    EXPECT_EQ(targetLabel(12), "t12ms");
    EXPECT_EQ(targetLabel(12.5), "t12.5ms");
}

TEST(Family, OneSupernetTrainsAThetaPerTargetAndEachPickMeetsItsTarget)
{
    const auto space = sixLayers();
    const auto lut = sixTable(space);
    const auto data = makeSynthetic(900, 10, 16, 3, 5);
    const std::vector<double> targets{6, 14, 24};
    for (const MaskMode mode : {MaskMode::Soft, MaskMode::Hard}) {
        SCOPED_TRACE(mode == MaskMode::Soft ? "soft" : "hard");
        auto c = familyConfig(targets);
        c.mode = mode;
        struct Steps : SearchObserver
        {
            std::vector<StepStats> steps;
            void onStep(const StepStats &s) override { steps.push_back(s); }
        } obs;
        StopToken stop;
        const auto r = runSearch(space, lut, data, c, obs, stop);
        ASSERT_EQ(r.epochs.back().family.size(), 3u);
        // Per target: its pick (within +-5%), then its samples, all carrying the target.
        ASSERT_EQ(r.samples.size(), 3u * (1 + 2));
        for (std::size_t m = 0; m < 3; ++m) {
            const auto &pick = r.samples[m * 3];
            EXPECT_TRUE(pick.isArgmax);
            EXPECT_EQ(pick.targetMs, targets[m]);
            EXPECT_EQ(pick.architecture.name, targetLabel(targets[m]));
            EXPECT_LE(std::abs(pick.latencyMs / targets[m] - 1), kTargetTolerance) << pick.latencyMs;
            EXPECT_FALSE(r.samples[m * 3 + 1].isArgmax);
            EXPECT_EQ(r.samples[m * 3 + 1].targetMs, targets[m]);
        }
        // Each theta moved towards its own target from the uniform start (E = 2 + 6 * 2.1125).
        const auto &f = r.epochs.back().family;
        const double uniform = 2 + 6 * (0.3 + 1.1 + 2.35 + 4.7) / 4;
        EXPECT_NEAR(r.epochs.front().family[0].expectedLatencyMs, uniform, 1e-4);  // warm-up: theta untouched
        EXPECT_LT(f[0].expectedLatencyMs, f[1].expectedLatencyMs);
        EXPECT_LT(f[1].expectedLatencyMs, f[2].expectedLatencyMs);
        EXPECT_LT(f[0].expectedLatencyMs, uniform - 2);
        EXPECT_GT(f[2].expectedLatencyMs, uniform + 2);
        EXPECT_EQ(r.epochs.back().probabilities, f[0].probabilities);  // the top-level fields are the first target's
        // Every step records E[latency] per target: soft steps serve all three, hard steps one in turn.
        ASSERT_FALSE(obs.steps.empty());
        for (const auto &s : obs.steps) {
            ASSERT_EQ(s.familyLatencyMs.size(), 3u);
            const auto served = std::count_if(s.familyLatencyMs.begin(), s.familyLatencyMs.end(), [](double v) { return std::isfinite(v); });
            EXPECT_EQ(served, mode == MaskMode::Soft ? 3 : 1);
        }
    }
}

TEST(Family, AResumedFamilySearchReachesTheSameThetasAndTheStoreKeepsEveryTarget)
{
    const auto space = sixLayers();
    const auto lut = sixTable(space);
    const auto data = makeSynthetic(600, 10, 16, 3, 6);
    auto c = familyConfig({8, 20});
    c.epochs = 3;
    const auto dir = std::filesystem::temp_directory_path() / ("fbnet-family-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    QuietObserver quiet;
    StopToken s1;
    const auto full = runSearch(space, lut, data, c, quiet, s1);

    StopToken s2;
    test::StopAfterEpoch stopper(s2, 1);
    CheckpointOptions opts;
    opts.path = (dir / "family.ckpt").string();
    EXPECT_TRUE(runSearch(space, lut, data, c, stopper, s2, opts).stopped);
    opts.resume = true;
    StopToken s3;
    RunStore store((dir / "runs.sqlite").string());
    RunInfo info;
    info.name = "family";
    const auto id = store.createRun(info);
    RunRecorder recorder(store, id, nullptr);
    const auto resumed = runSearch(space, lut, data, c, recorder, s3, opts);
    ASSERT_EQ(resumed.epochs.size(), 3u);
    ASSERT_EQ(resumed.epochs.back().family.size(), 2u);
    for (std::size_t m = 0; m < 2; ++m)
        EXPECT_EQ(resumed.epochs.back().family[m].probabilities, full.epochs.back().family[m].probabilities);  // bitwise
    EXPECT_EQ(resumed.theta, full.theta);

    // The store keeps each epoch's targets (the resumed epoch only: the first two came before the recorder),
    // each step's E[latency] per target and each architecture's target.
    const auto epochs = store.epochs(id);
    ASSERT_EQ(epochs.size(), 1u);
    ASSERT_EQ(epochs[0].family.size(), 2u);
    EXPECT_EQ(epochs[0].family[1].targetMs, 20);
    EXPECT_EQ(epochs[0].family[1].pick.blocks, resumed.epochs.back().family[1].pick.blocks);
    EXPECT_DOUBLE_EQ(epochs[0].family[1].pickLatencyMs, resumed.epochs.back().family[1].pickLatencyMs);
    const auto steps = store.steps(id);
    ASSERT_FALSE(steps.empty());
    ASSERT_EQ(steps.front().familyLatencyMs.size(), 2u);
    const auto archs = store.architectures(id);
    ASSERT_EQ(archs.size(), 2u * 3);
    EXPECT_EQ(archs[0].targetMs, 8);
    EXPECT_EQ(archs[3].targetMs, 20);
    EXPECT_EQ(archs[3].architecture.name, "t20ms");
    std::filesystem::remove_all(dir);
}

TEST(Family, WhatAFamilySearchCannotDoIsRefusedClearly)
{
    const auto space = sixLayers();
    const auto lut = sixTable(space);
    const auto data = makeSynthetic(300, 10, 16, 3, 5);
    QuietObserver quiet;
    StopToken stop;
    auto outside = familyConfig({6, 31});
    EXPECT_NE(errorOf([&] { runSearch(space, lut, data, outside, quiet, stop); }).find("outside what space six allows"), std::string::npos);
    auto tooSmall = familyConfig({6, 9, 12, 15});
    tooSmall.batchSize = 6;
    EXPECT_NE(errorOf([&] { tooSmall.validate(); }).find("batch_size"), std::string::npos);
    auto negative = familyConfig({6, -9});
    EXPECT_NE(errorOf([&] { negative.validate(); }).find("targets"), std::string::npos);
    // The targets travel with the configuration (the run store and checkpoints keep them).
    const auto back = searchConfigFromJson(searchConfigToJson(familyConfig({6, 12.5})), "test");
    EXPECT_EQ(back.targets, (std::vector<double>{6, 12.5}));
}
