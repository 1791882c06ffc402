#include <atomic>
#include <chrono>
#include <limits>
#include <random>
#include <fstream>
#include <thread>

#include <unistd.h>
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "fbnet/error.h"
#include "fbnet/search.h"
#include "fbnet/train.h"
#include "searchfixtures.h"
#include "testutil.h"

#include <filesystem>

using namespace fbnet;
using fbnet::test::stripes;
using fbnet::test::tableFor;
using fbnet::test::tinySpace;
using fbnet::test::quickConfig;
using fbnet::test::Recorder;

TEST(Search, ThetaMovesToTheOnlyCandidateThatCanSolveTheTask)
{
    const auto space = tinySpace(R"(["skip", "k3_e1"])");
    const auto lut = tableFor(space, {{"skip", 1.0}, {"k3_e1", 1.0}});  // equal latency: accuracy decides
    auto c = quickConfig();
    c.lossForm = LossForm::Additive;
    c.alpha = 0;
    c.mode = MaskMode::Soft;
    Recorder rec;
    StopToken stop;
    const auto r = runSearch(space, lut, stripes(640, 1), c, rec, stop);
    ASSERT_EQ(r.epochs.size(), 6u);
    const auto &p = r.epochs.back().probabilities;
    for (int l = 0; l < 2; ++l)
        EXPECT_GT(p[l][1], p[l][0]) << "layer " << l;
    EXPECT_GT(p[0][1] + p[1][1], 1.2);
    EXPECT_EQ(r.samples.front().architecture.blocks, (std::vector<std::string>{"k3_e1", "k3_e1"}));
    EXPECT_GT(r.epochs.back().weightsAccuracy, 0.9);
}

TEST(Search, LargeAlphaFindsAFasterArchitectureThanAlphaZero)
{
    const auto space = tinySpace(R"(["k3_e1", "k3_e3", "k5_e3"])", 10);
    const auto lut = tableFor(space, {{"k3_e1", 1.0}, {"k3_e3", 4.0}, {"k5_e3", 9.0}});
    const auto data = makeSynthetic(640, 10, 16, 3, 5);
    auto run = [&](double alpha) {
        auto c = quickConfig();
        c.lossForm = LossForm::Additive;
        c.alpha = alpha;
        c.mode = MaskMode::Hard;
        Recorder rec;
        StopToken stop;
        return runSearch(space, lut, data, c, rec, stop);
    };
    const auto fast = run(2.0), free = run(0.0);
    EXPECT_LT(fast.samples.front().latencyMs, free.samples.front().latencyMs);
    EXPECT_LT(fast.epochs.back().expectedLatencyMs, free.epochs.back().expectedLatencyMs);
    EXPECT_DOUBLE_EQ(fast.samples.front().latencyMs, 2.0 + 1.0 + 1.0);  // the cheapest block everywhere
}

TEST(Search, TargetLossSteersExpectedLatencyToTheTarget)
{
    const auto space = tinySpace(R"(["k3_e1", "k3_e3", "k5_e3"])", 10);
    const auto lut = tableFor(space, {{"k3_e1", 1.0}, {"k3_e3", 4.0}, {"k5_e3", 9.0}});
    auto c = quickConfig();
    c.lossForm = LossForm::Target;
    c.targetMs = 10.0;  // fixed 2 + 4 + 4: k3_e3 in both layers
    c.targetWeight = 3.0;
    c.mode = MaskMode::Soft;
    Recorder rec;
    StopToken stop;
    const auto r = runSearch(space, lut, makeSynthetic(640, 10, 16, 3, 5), c, rec, stop);
    EXPECT_NEAR(r.epochs.back().expectedLatencyMs, 10.0, 1.5);
    EXPECT_LT(std::abs(r.epochs.back().expectedLatencyMs - 10.0), std::abs(r.epochs.front().expectedLatencyMs - 10.0));
}

TEST(Search, EventsArriveInOrderAndSeedRepeatsTheta)
{
    const auto space = tinySpace(R"(["skip", "k3_e1", "k3_e3"])", 10);
    const auto lut = tableFor(space, {{"skip", 0.5}, {"k3_e1", 1.0}, {"k3_e3", 2.0}});
    const auto data = makeSynthetic(256, 10, 16, 3, 9);
    auto c = quickConfig();
    c.epochs = 2;
    c.batchSize = 16;
    c.mode = MaskMode::Soft;
    Recorder a, b;
    StopToken s1, s2;
    const auto r1 = runSearch(space, lut, data, c, a, s1);
    const auto r2 = runSearch(space, lut, data, c, b, s2);
    EXPECT_EQ(r1.theta, r2.theta);
    EXPECT_EQ(a.events, b.events);
    // epoch 0 is warm-up (weights only): 12 weight steps (204 / 16), then the epoch event.
    std::vector<std::string> expected(12, "w");
    expected.push_back("epoch0");
    expected.insert(expected.end(), 12, "w");
    expected.insert(expected.end(), 3, "t");  // 52 / 16
    expected.push_back("epoch1");
    expected.insert(expected.end(), 4, "sample");
    expected.push_back("finished");
    EXPECT_EQ(a.events, expected);
    c.seed = 4;
    Recorder d;
    StopToken s3;
    EXPECT_NE(runSearch(space, lut, data, c, d, s3).theta, r1.theta);
}

TEST(Search, ResumedFromACheckpointReachesTheSameThetaBitwise)
{
    const auto space = tinySpace(R"(["skip", "k3_e1", "k3_e3"])", 10);
    const auto lut = tableFor(space, {{"skip", 0.5}, {"k3_e1", 1.0}, {"k3_e3", 3.0}});
    auto c = quickConfig();
    c.epochs = 4;
    c.mode = MaskMode::Soft;
    const auto data = stripes(320, 5);
    const auto ckpt = (std::filesystem::temp_directory_path() / ("fbnet-resume-" + std::to_string(::getpid()) + ".ckpt")).string();
    std::filesystem::remove(ckpt);

    Recorder rec;
    StopToken stop;
    const auto full = runSearch(space, lut, data, c, rec, stop);

    // Stop after the second epoch: the checkpoint holds two epochs.
    StopToken stop2;
    test::StopAfterEpoch stopper(stop2, 1);
    CheckpointOptions opts;
    opts.path = ckpt;
    const auto first = runSearch(space, lut, data, c, stopper, stop2, opts);
    EXPECT_TRUE(first.stopped);
    EXPECT_EQ(first.epochsCompleted, 2);
    EXPECT_EQ(checkpointEpochs(ckpt), 2);

    // Something else runs in between and moves the global torch RNG.
    torch::rand({1000});
    opts.resume = true;
    Recorder rec3;
    StopToken stop3;
    const auto resumed = runSearch(space, lut, data, c, rec3, stop3, opts);
    EXPECT_FALSE(resumed.stopped);
    ASSERT_EQ(resumed.epochs.size(), 4u);
    EXPECT_EQ(std::count(rec3.events.begin(), rec3.events.end(), "epoch0"), 0);  // only the new epochs are reported
    EXPECT_EQ(resumed.theta, full.theta);  // bitwise: same machine, same thread count
    EXPECT_EQ(resumed.epochs.back().probabilities, full.epochs.back().probabilities);
    EXPECT_EQ(resumed.epochs[0].weightsLoss, full.epochs[0].weightsLoss);
    ASSERT_EQ(resumed.samples.size(), full.samples.size());
    for (std::size_t i = 0; i < full.samples.size(); ++i)
        EXPECT_EQ(resumed.samples[i].architecture.blocks, full.samples[i].architecture.blocks);

    // A stop inside an epoch checkpoints the position too: weights phase or theta phase, a resume
    // continues from that step and still ends at the same theta.
    for (const Phase where : {Phase::Weights, Phase::Theta}) {
        std::filesystem::remove(ckpt);
        struct StopAtStep : SearchObserver
        {
            StopToken *token = nullptr;
            Phase phase = Phase::Weights;
            void onStep(const StepStats &s) override
            {
                // stop polled before the next step: weights step 2 of 8, theta step 1 of 2
                if (s.epoch == 2 && s.phase == phase && s.step == (phase == Phase::Weights ? 1 : 0))
                    token->requestStop();
            }
        } stepper;
        StopToken stop5;
        stepper.token = &stop5;
        stepper.phase = where;
        CheckpointOptions fresh;
        fresh.path = ckpt;
        const auto part = runSearch(space, lut, data, c, stepper, stop5, fresh);
        EXPECT_TRUE(part.stopped);
        EXPECT_EQ(part.epochsCompleted, 2);
        torch::rand({77});
        fresh.resume = true;
        Recorder rec6;
        StopToken stop6;
        const auto rest = runSearch(space, lut, data, c, rec6, stop6, fresh);
        EXPECT_EQ(rest.theta, full.theta) << (where == Phase::Weights ? "weights" : "theta");
        ASSERT_EQ(rest.epochs.size(), 4u);
        EXPECT_EQ(rest.epochs[2].weightsAccuracy, full.epochs[2].weightsAccuracy);
        EXPECT_EQ(rest.epochs[2].thetaLoss, full.epochs[2].thetaLoss);
    }

    // A checkpoint of another configuration is refused, with the file named.
    auto other = c;
    other.alpha = 0.7;
    StopToken stop4;
    try {
        runSearch(space, lut, data, other, rec3, stop4, opts);
        FAIL() << "resumed another configuration";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find(ckpt + ": key: the checkpoint belongs to"), std::string::npos) << e.what();
    }
    std::ofstream(ckpt) << "garbage";
    EXPECT_THROW(checkpointEpochs(ckpt), Error);
    std::filesystem::remove(ckpt);
}

TEST(Search, StopFromAnotherThreadReturnsWithinAStep)
{
    const auto space = tinySpace(R"(["skip", "k3_e1"])", 10);
    const auto lut = tableFor(space, {{"skip", 1.0}, {"k3_e1", 1.0}});
    auto c = quickConfig();
    c.epochs = 50;
    StopToken stop;
    Recorder rec;
    std::thread stopper;
    rec.onFirstStep = [&] {
        stopper = std::thread([&] { stop.requestStop(); });
        stopper.join();  // the stop is set from another thread while the first step is still running
    };
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = runSearch(space, lut, makeSynthetic(2000, 10, 16, 3, 1), c, rec, stop);
    EXPECT_TRUE(r.stopped);
    EXPECT_EQ(rec.events, (std::vector<std::string>{"w", "sample", "sample", "sample", "sample", "finished"}));  // no second step
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 20.0);
}

TEST(Search, PauseBlocksUntilResumed)
{
    const auto space = tinySpace(R"(["skip", "k3_e1"])", 10);
    const auto lut = tableFor(space, {{"skip", 1.0}, {"k3_e1", 1.0}});
    auto c = quickConfig();
    c.epochs = 2;
    StopToken stop;
    Recorder rec;
    std::atomic<bool> resumed{false};
    std::thread resumer;
    rec.onFirstStep = [&] {
        stop.requestPause();
        resumer = std::thread([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            resumed = true;
            stop.resume();
        });
    };
    const auto r = runSearch(space, lut, makeSynthetic(256, 10, 16, 3, 1), c, rec, stop);
    resumer.join();
    EXPECT_TRUE(resumed);
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(r.epochsCompleted, 2);
}

TEST(Search, BadInputsFailWithAClearError)
{
    const auto space = tinySpace(R"(["skip", "k3_e1"])", 10);
    auto lut = tableFor(space, {{"skip", 1.0}, {"k3_e1", 1.0}});
    auto c = quickConfig();
    Recorder rec;
    StopToken stop;
    c.warmupEpochs = c.epochs;
    EXPECT_THROW(runSearch(space, lut, makeSynthetic(256, 10, 16, 3, 1), c, rec, stop), Error);
    EXPECT_EQ(rec.events.back(), "failed");
    c = quickConfig();
    try {
        runSearch(space, lut, makeSynthetic(256, 10, 32, 3, 1), c, rec, stop);
        FAIL();
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("image size: expected 16x16"), std::string::npos) << e.what();
    }
    lut.entries.erase(lut.entries.begin());
    EXPECT_THROW(runSearch(space, lut, makeSynthetic(256, 10, 16, 3, 1), c, rec, stop), Error);
}

// Issue 18: a loss that stops being a number ends the search with a message, before any update,
// instead of a θ of NaN stored as "finished". Every value here passes validation on its own
// (latencies up to 1e7 ms, beta up to 100), but CE + LAT^100 overflows.
TEST(Search, ANonFiniteLossStopsTheSearchWithAMessage)
{
    const auto space = tinySpace(R"(["skip", "k3_e1"])", 2);
    const auto lut = tableFor(space, {{"skip", 1e6}, {"k3_e1", 1e6}});
    auto c = quickConfig();
    c.epochs = 2;
    c.lossForm = LossForm::Additive;
    c.alpha = 1;
    c.beta = 100;
    Recorder rec;
    StopToken stop;
    try {
        const auto r = runSearch(space, lut, stripes(256, 1), c, rec, stop);
        FAIL() << "a non-finite loss was accepted: " << r.epochs.size() << " epochs, theta loss "
               << (r.epochs.empty() ? 0.0 : r.epochs.back().thetaLoss);
    } catch (const fbnet::Error &e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("loss: became inf"), std::string::npos) << m;
        EXPECT_NE(m.find("at epoch 0, step 0 of the weight phase"), std::string::npos) << m;
        EXPECT_NE(m.find("Stopped before the update"), std::string::npos) << m;
    }
}
