// The seams of the engine: the gradient-sync hook, compute options, the data-set registry, the
// errors' fields and the shared jobs.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "distributed.h"
#include "fbnet/compute.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/error.h"
#include "fbnet/randombaseline.h"
#include "fbnet/search.h"
#include "searchfixtures.h"
#include "searchloop.h"
#include "testutil.h"

using namespace fbnet;

namespace {

/** Counts the calls per phase, checks each parameter it is given has a gradient, and can zero them. */
struct CountingSync final : fbnet::detail::GradientSync
{
    int weightCalls = 0, thetaCalls = 0;
    bool gradientsPresent = true;
    bool zeroTheta = false;
    void synchronize(std::vector<torch::Tensor> &params, Phase phase) override
    {
        (phase == Phase::Weights ? weightCalls : thetaCalls)++;
        bool any = false;
        for (auto &p : params)
            if (p.grad().defined()) {
                any = true;
                if (zeroTheta && phase == Phase::Theta)
                    p.mutable_grad().zero_();
            }
        gradientsPresent = gradientsPresent && any;
    }
};

} // namespace

TEST(Seams, GradientSyncRunsBetweenBackwardAndEveryOptimizerStep)
{
    const auto space = test::tinySpace(R"(["skip", "k3_e1"])");
    const auto lut = test::tableFor(space, {{"skip", 1.0}, {"k3_e1", 3.0}});
    const auto data = test::stripes(200, 1);
    test::QuietObserver quiet;
    StopToken stop;
    CountingSync sync;
    const auto r = fbnet::detail::runSearchWith(space, lut, data, test::tinySearch(), quiet, stop, {}, sync);
    EXPECT_EQ(sync.weightCalls, 2 * 3);  // two epochs of three weight steps
    EXPECT_EQ(sync.thetaCalls, 1 * 2);   // one epoch after warm-up; the theta split (40) holds two batches
    EXPECT_TRUE(sync.gradientsPresent);
    for (const auto &layer : r.theta)
        for (double t : layer)
            EXPECT_NE(t, 0.0);

    // What the hook does to the gradients is what the optimizer steps with: zeroed theta
    // gradients leave theta at its initial zeros (Adam's weight decay of 0 is 0).
    CountingSync zero;
    zero.zeroTheta = true;
    const auto still = fbnet::detail::runSearchWith(space, lut, data, test::tinySearch(), quiet, stop, {}, zero);
    for (const auto &layer : still.theta)
        for (double t : layer)
            EXPECT_EQ(t, 0.0);
}

TEST(Seams, ComputeOptionsAreValidatedStoredAndACpuBuildRefusesCuda)
{
    ComputeOptions o;
    o.device = "tpu";
    EXPECT_NE(test::errorOf([&] { o.validate(); }).find("compute options: device: expected cpu, cuda or cuda:N"), std::string::npos);
    o.device = "cuda:x";
    EXPECT_NE(test::errorOf([&] { o.validate(); }).find("device"), std::string::npos);
    o = {};
    o.precision = "fp8";
    EXPECT_NE(test::errorOf([&] { o.validate(); }).find("precision"), std::string::npos);
    o = {};
    o.threads = -1;
    EXPECT_NE(test::errorOf([&] { o.validate(); }).find("threads"), std::string::npos);

    // Stored with the run: the config's JSON carries every field and reads back.
    SearchConfig c = test::tinySearch();
    c.compute.device = "cuda:1";
    c.compute.channelsLast = false;
    c.compute.precision = "bf16";
    const SearchConfig back = searchConfigFromJson(searchConfigToJson(c), "test");
    EXPECT_EQ(back.compute.device, "cuda:1");
    EXPECT_FALSE(back.compute.channelsLast);
    EXPECT_EQ(back.compute.precision, "bf16");
    EXPECT_EQ(back.compute.threads, 1);

    if (torch::cuda::is_available())
        GTEST_SKIP() << "this libtorch sees a GPU: the refusal below is for CPU-only builds";
    EXPECT_FALSE(deviceUnavailableReason("cuda").empty());
    const auto space = test::tinySpace(R"(["skip", "k3_e1"])");
    const auto lut = test::tableFor(space, {{"skip", 1.0}, {"k3_e1", 3.0}});
    test::QuietObserver quiet;
    StopToken stop;
    SearchConfig onCuda = test::tinySearch();
    onCuda.compute.device = "cuda";
    try {
        runSearch(space, lut, test::stripes(200, 1), onCuda, quiet, stop);
        FAIL() << "a CUDA search ran on a CPU-only libtorch";
    } catch (const Error &e) {
        EXPECT_EQ(e.source(), "compute options");
        EXPECT_EQ(e.field(), "device");
        EXPECT_NE(std::string(e.what()).find("not available"), std::string::npos) << e.what();
    }
    TrainConfig t = test::frozenTraining();
    t.compute.device = "cuda";
    Architecture a;
    a.space = space.name;
    a.blocks = {"k3_e1", "k3_e1"};
    EXPECT_NE(test::errorOf([&] { trainArchitecture(space, a, test::stripes(64, 1), test::stripes(32, 2), t, {}, stop); })
                  .find("not available"),
              std::string::npos);
}

TEST(Seams, EveryDataSetKindComesFromOneTable)
{
    const auto &kinds = datasetKinds();
    ASSERT_GE(kinds.size(), 3u);
    for (const auto &k : kinds) {
        EXPECT_FALSE(k.name.empty());
        EXPECT_EQ(k.syntax.rfind(k.name, 0), 0u) << k.syntax;
        EXPECT_FALSE(k.title.empty());
        EXPECT_FALSE(k.description.empty());
        EXPECT_TRUE(bool(k.load)) << k.name;
        EXPECT_EQ(findDatasetKind(k.name), &k);
        EXPECT_NE(datasetSyntaxSummary().find(k.syntax), std::string::npos) << k.syntax;
    }
    const Dataset d = loadDataset("synthetic:120", Split::Train, 16);
    EXPECT_EQ(d.size(), 120u);
    EXPECT_EQ(loadDataset("synthetic:120", Split::Test, 16).size(), 100u);
    const auto [kind, arg] = parseDatasetSpec("synthetic");
    EXPECT_EQ(kind->name, "synthetic");
    EXPECT_EQ(arg, "2000");
    for (const char *bad : {"imagenet:/x", "cifar10", "synthetic:0", "synthetic:12x"}) {
        try {
            loadDataset(bad, Split::Train, 16);
            FAIL() << bad;
        } catch (const Error &e) {
            EXPECT_EQ(e.source(), "data set") << bad;
            EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << "core names no CLI flag: " << e.what();
        }
    }
}

TEST(Seams, TheRandomBaselineAndTheEvaluationJobLiveInCore)
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

TEST(Seams, SlurmsEnvironmentGivesTheLaunchAndEachRankItsGpu)
{
    // Slurm's variables (with the MASTER_ADDR/MASTER_PORT Slurm does not set), torchrun's absent.
    const char *names[] = {"WORLD_SIZE", "RANK", "LOCAL_RANK", "SLURM_NTASKS", "SLURM_PROCID", "SLURM_LOCALID", "MASTER_ADDR", "MASTER_PORT"};
    std::map<std::string, std::string> saved;
    for (const char *n : names)
        if (const char *v = std::getenv(n))
            saved[n] = v;
    for (const char *n : names)
        ::unsetenv(n);
    ::setenv("SLURM_NTASKS", "4", 1);
    ::setenv("SLURM_PROCID", "2", 1);
    ::setenv("SLURM_LOCALID", "1", 1);
    EXPECT_NE(test::errorOf([] { distributedLaunchFromEnvironment(); }).find("MASTER_ADDR"), std::string::npos);
    ::setenv("MASTER_ADDR", "10.0.0.1", 1);
    ::setenv("MASTER_PORT", "29500", 1);
    const auto l = distributedLaunchFromEnvironment();
    EXPECT_EQ(l.launcher, "slurm");
    EXPECT_EQ(l.worldSize, 4);
    EXPECT_EQ(l.rank, 2);
    EXPECT_EQ(l.localRank, 1);
    EXPECT_EQ(l.masterAddr, "10.0.0.1");
    EXPECT_EQ(l.masterPort, 29500);
    EXPECT_EQ(fbnet::detail::rankDevice("cuda", l), "cuda:1") << "one GPU per process: its local rank's";
    EXPECT_EQ(fbnet::detail::rankDevice("cuda:3", l), "cuda:3");
    EXPECT_EQ(fbnet::detail::rankDevice("cpu", l), "cpu");
    ::setenv("SLURM_PROCID", "4", 1);  // out of 0..3
    EXPECT_NE(test::errorOf([] { distributedLaunchFromEnvironment(); }).find("SLURM_PROCID"), std::string::npos);
    for (const char *n : names)
        ::unsetenv(n);
    for (const auto &[n, v] : saved)
        ::setenv(n.c_str(), v.c_str(), 1);
}
