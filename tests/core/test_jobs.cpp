// The jobs both front ends run (random baseline, evaluation) live in core.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "compute/distributed.h"
#include "fbnet/compute.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/error.h"
#include "fbnet/randombaseline.h"
#include "fbnet/search.h"
#include "searchfixtures.h"
#include "search/searchloop.h"
#include "testutil.h"

using namespace fbnet;

TEST(Jobs, TheRandomBaselineAndTheEvaluationJobLiveInCore)
{
    const std::string dir = ::testing::TempDir() + "/seams-jobs";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    RunStore store(dir + "/runs.sqlite");
    StopToken stop;
    RandomBaselineRequest r;
    r.invocation.space = "fbnet-cifar";
    r.invocation.dataset = "synthetic:64";
    r.invocation.lut = "pixel3";
    try {
        runRandomBaseline(store, r, stop);
        FAIL() << "no budget and no cap was accepted";
    } catch (const Error &e) {
        EXPECT_EQ(e.field(), "budget");
    }
    r.maxArchitectures = 2;
    r.trainSubset = 32;
    r.testSubset = 16;
    r.config.epochs = 1;
    r.config.batchSize = 16;
    r.config.maxStepsPerEpoch = 1;
    r.config.compute.threads = 1;
    int started = 0, evaluated = 0;
    RandomBaselineEvents events;
    events.onStarted = [&](const RunInfo &run, const TrainingSetup &setup, double) {
        ++started;
        EXPECT_EQ(run.kind, "random");
        EXPECT_EQ(setup.train.size(), 32u);
    };
    events.onEvaluated = [&](int, const StoredArchitecture &, const Evaluation &) { ++evaluated; };
    const auto out = runRandomBaseline(store, r, stop, events);
    EXPECT_EQ(started, 1);
    EXPECT_EQ(evaluated, 2);
    EXPECT_EQ(out.architectures, 2);
    EXPECT_EQ(store.run(out.run.id).status, "finished");
    EXPECT_NEAR(runComputeSeconds(store, out.run), out.spentSeconds + [&] {
        double s = 0;
        for (const auto &a : store.architectures(out.run.id))
            for (const auto &e : store.evaluations(a.id))
                s += e.seconds;
        return s;
    }(), 1e-6);

    // The evaluation job: the baseline's own protocol is reused; another one trains, then is reused.
    const auto archs = runArchitectures(store, out.run);
    const LatencyTable lut = loadTableFor("pixel3", loadTrainingSetup("fbnet-cifar", "synthetic:64", 32, 16, 1).space);
    const auto same = evaluateArchitectures(store, archs, loadTrainingSetup("fbnet-cifar", "synthetic:64", 32, 16, 1), r.config, lut,
                                            false, stop);
    EXPECT_EQ(same.trained, 0);
    EXPECT_EQ(same.reused, 2);
    const TrainingSetup setup = loadTrainingSetup("fbnet-cifar", "synthetic:64", 32, 20, 1);
    const TrainConfig again = r.config;
    const auto first = evaluateArchitectures(store, archs, setup, again, lut, false, stop);
    EXPECT_EQ(first.trained, 2);
    const auto second = evaluateArchitectures(store, archs, setup, again, lut, false, stop);
    EXPECT_EQ(second.trained, 0);
    EXPECT_EQ(second.reused, 2);
    ASSERT_EQ(second.evaluated.size(), 2u);
    EXPECT_TRUE(second.evaluated[0].reused);
    std::filesystem::remove_all(dir);
}
