// Compute options: validated, stored with a run, a CPU build refusing cuda; the devices this process sees.
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

TEST(Compute, ComputeOptionsAreValidatedStoredAndACpuBuildRefusesCuda)
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

// The studio's device list: the CPU, then each GPU this libtorch sees; device names it cannot run
// (a mistyped index, another device kind) are refused with a reason, never an exception.
TEST(Compute, TheListHasTheCpuAndEachVisibleGpuAndOddNamesGetAReason)
{
    const auto devices = computeDevices();
    ASSERT_FALSE(devices.empty());
    EXPECT_EQ(devices.front(), "cpu");
    const std::size_t gpus = torch::cuda::is_available() ? torch::cuda::device_count() : 0;
    EXPECT_EQ(devices.size(), 1 + gpus);
    for (const auto &d : devices)
        EXPECT_EQ(deviceUnavailableReason(d), "") << d;
    for (const char *odd : {"cuda:x", "cudax", "cuda:", "cuda:99999999999999", "tpu", "cuda:-1"})
        EXPECT_NE(deviceUnavailableReason(odd), "") << odd;
    EXPECT_NE(deviceUnavailableReason("cuda:" + std::to_string(gpus)), "");
}
