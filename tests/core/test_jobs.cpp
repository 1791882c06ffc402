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
#include "fbnet/trainingplan.h"
#include "searchfixtures.h"
#include "search/searchloop.h"
#include "testutil.h"

using namespace fbnet;

namespace {

/** Two architectures of fbnet-cifar on 64 synthetic images, one step of 16 each: a baseline in seconds. */
RandomBaselineRequest tinyBaseline()
{
    RandomBaselineRequest r;
    r.invocation.space = "fbnet-cifar";
    r.invocation.dataset = "synthetic:64";
    r.invocation.lut = "pixel3";
    r.maxArchitectures = 2;
    r.trainSubset = 32;
    r.testSubset = 16;
    r.config.epochs = 1;
    r.config.batchSize = 16;
    r.config.maxStepsPerEpoch = 1;
    r.config.compute.threads = 1;
    return r;
}

} // namespace

TEST(Jobs, TheRandomBaselineAndTheEvaluationJobLiveInCore)
{
    const std::string dir = ::testing::TempDir() + "/seams-jobs";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    RunStore store(dir + "/runs.sqlite");
    StopToken stop;
    RandomBaselineRequest r = tinyBaseline();
    r.maxArchitectures = 0;
    try {
        runRandomBaseline(store, r, stop);
        FAIL() << "no budget and no cap was accepted";
    } catch (const Error &e) {
        EXPECT_EQ(e.field(), "budget");
    }
    r.maxArchitectures = 2;
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

TEST(Jobs, APlanSaysTheWorkItsLengthAndWhatItReusesBeforeItStarts)
{
    const std::string dir = ::testing::TempDir() + "/plan-jobs";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    RunStore store(dir + "/runs.sqlite");
    StopToken stop;
    const RandomBaselineRequest r = tinyBaseline();
    const auto out = runRandomBaseline(store, r, stop);
    const auto archs = runArchitectures(store, out.run);
    ASSERT_EQ(archs.size(), 2u);

    const TrainingPlanner planner(store, out.run);
    const std::size_t train = planner.availableTrain(), test = planner.availableTest();
    EXPECT_GT(train, 32u);
    // The protocol the baseline trained under: both are reused, exactly as evaluateArchitectures would.
    const TrainingPlan same = planner.plan(archs, r.config, 32, 16);
    EXPECT_EQ(same.reused, 2);
    EXPECT_EQ(same.toTrain(), 0);
    EXPECT_NE(same.describe().find("Nothing to train"), std::string::npos) << same.describe();
    // The length comes from those two trainings: same work, so their mean.
    double seconds = 0;
    for (const auto &a : archs)
        for (const auto &e : store.evaluations(a.id))
            seconds += e.seconds;
    EXPECT_EQ(same.basis, 2);
    EXPECT_NEAR(same.secondsPerArchitecture, seconds / 2, 1e-9 * seconds + 1e-12);
    // Another protocol trains both; twice the steps take twice as long.
    TrainConfig twice = r.config;
    twice.epochs = 2;
    const TrainingPlan other = planner.plan(archs, twice, 32, 16);
    EXPECT_EQ(other.reused, 0);
    EXPECT_EQ(other.toTrain(), 2);
    EXPECT_NEAR(other.estimatedSeconds(), 4 * same.secondsPerArchitecture, 1e-9 * seconds + 1e-12);
    EXPECT_NE(other.describe().find("Trains 2 of 2 architectures for 2 epochs"), std::string::npos) << other.describe();
    EXPECT_EQ(evaluateArchitectures(store, archs, loadTrainingSetup("fbnet-cifar", "synthetic:64", 32, 16, r.config.seed), twice,
                                    loadTableFor("pixel3", loadTrainingSetup("fbnet-cifar", "synthetic:64", 32, 16, 1).space),
                                    false, stop)
                  .trained,
              other.toTrain());
    EXPECT_EQ(planner.plan(archs, twice, 32, 16).reused, 2);

    // Counts fit the data set, with a word on what changed and on too few test images.
    const TrainingPlan big = planner.plan(archs, r.config, 1000000, 1000000);
    EXPECT_EQ(big.trainImages, train);
    EXPECT_EQ(big.testImages, test);
    ASSERT_GE(big.warnings.size(), 2u);
    EXPECT_NE(big.warnings[0].find("training images, not 1,000,000"), std::string::npos) << big.warnings[0];
    const TrainingPlan few = planner.plan(archs, r.config, 32, 16);
    ASSERT_FALSE(few.warnings.empty());
    EXPECT_NE(few.warnings.back().find("Only 16 test images: top-1 moves in steps of 6.25 points"), std::string::npos)
        << few.warnings.back();

    // A baseline matched to this run: its budget is the run's compute, said up front.
    const TrainingPlan baseline = planner.planBaseline(r.config, 32, 16);
    EXPECT_NEAR(baseline.budgetSeconds, runComputeSeconds(store, store.run(out.run.id)), 1e-9);
    EXPECT_GE(baseline.budgetArchitectures(), 1);
    EXPECT_NE(baseline.describe().find("until the compute of the run it matches"), std::string::npos) << baseline.describe();

    EXPECT_EQ(formatDuration(3725), "1h02m");
    EXPECT_EQ(formatDuration(65.4), "1m05s");
    std::filesystem::remove_all(dir);
}
