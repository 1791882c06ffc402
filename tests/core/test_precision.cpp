// Precision (autocast, fp16 loss scaling) and the GPU path. The Cuda.* tests are compiled in every
// build and skip themselves where this libtorch sees no GPU (scripts/gpu-check.sh runs them on one).
#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "device.h"
#include "fbnet/compute.h"
#include "fbnet/error.h"
#include "fbnet/lutbuild.h"
#include "fbnet/resources.h"
#include "fbnet/search.h"
#include "fbnet/train.h"
#include "precision.h"
#include "searchfixtures.h"
#include "supernet.h"
#include "testutil.h"

using namespace fbnet;

namespace {

bool allFinite(const std::vector<std::vector<double>> &v)
{
    for (const auto &row : v)
        for (double x : row)
            if (!std::isfinite(x))
                return false;
    return true;
}

#define SKIP_WITHOUT_GPU()                                                                                            \
    if (!torch::cuda::is_available())                                                                                 \
    GTEST_SKIP() << "this libtorch sees no GPU (" << deviceUnavailableReason("cuda") << ")"

} // namespace

TEST(Precision, OptionsNameEveryPrecisionAndRefuseFp16OnACpu)
{
    ComputeOptions o;
    EXPECT_EQ(o.precision, "auto");
    for (const char *p : {"auto", "fp32", "bf16", "fp16"}) {
        o.precision = p;
        EXPECT_NO_THROW(o.validate()) << p;
    }
    o.precision = "tf32";
    EXPECT_NE(test::errorOf([&] { o.validate(); }).find("expected auto, fp32, bf16 or fp16"), std::string::npos);
    o.precision = "auto";
    EXPECT_EQ(fbnet::detail::resolvePrecision(o, torch::kCPU).name, "fp32");
    EXPECT_FALSE(fbnet::detail::resolvePrecision(o, torch::kCPU).autocast());
    o.precision = "bf16";
    EXPECT_TRUE(fbnet::detail::resolvePrecision(o, torch::kCPU).autocast());
    o.precision = "fp16";
    try {
        fbnet::detail::resolvePrecision(o, torch::kCPU);
        FAIL() << "fp16 resolved on a CPU";
    } catch (const Error &e) {
        EXPECT_EQ(e.field(), "precision");
        EXPECT_NE(std::string(e.what()).find("needs a GPU"), std::string::npos) << e.what();
    }
    // And where a search meets it: before any step, naming the field.
    const auto space = test::tinySpace(R"(["skip", "k3_e1"])");
    const auto lut = test::tableFor(space, {{"skip", 1.0}, {"k3_e1", 3.0}});
    test::QuietObserver quiet;
    StopToken stop;
    EXPECT_NE(test::errorOf([&] { runSearch(space, lut, test::stripes(200, 1), test::tinySearch("cpu", "fp16"), quiet, stop); })
                  .find("precision: fp16 needs a GPU"),
              std::string::npos);
}

TEST(Precision, AutocastComputesTheScopesConvolutionsInBf16AndRestoresFp32After)
{
    auto conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 8, 3).padding(1));
    const auto x = torch::randn({2, 4, 8, 8});
    ComputeOptions o;
    o.precision = "bf16";
    const auto p = fbnet::detail::resolvePrecision(o, torch::kCPU);
    {
        const fbnet::detail::AutocastScope scope(p);
        EXPECT_EQ(conv(x).scalar_type(), torch::kBFloat16);
    }
    EXPECT_EQ(conv(x).scalar_type(), torch::kFloat);
    o.precision = "fp32";
    const fbnet::detail::AutocastScope none(fbnet::detail::resolvePrecision(o, torch::kCPU));
    EXPECT_EQ(conv(x).scalar_type(), torch::kFloat);
}

TEST(Precision, Bf16SearchAndTrainingRunWithFp32ThetaAndDifferFromFp32)
{
    const auto space = test::tinySpace(R"(["skip", "k3_e1"])");
    const auto lut = test::tableFor(space, {{"skip", 1.0}, {"k3_e1", 3.0}});
    const auto data = test::stripes(200, 1);
    test::QuietObserver quiet;
    StopToken stop;
    const auto fp32 = runSearch(space, lut, data, test::tinySearch("cpu", "fp32"), quiet, stop);
    const auto autoCpu = runSearch(space, lut, data, test::tinySearch("cpu", "auto"), quiet, stop);
    const auto bf16 = runSearch(space, lut, data, test::tinySearch("cpu", "bf16"), quiet, stop);
    EXPECT_EQ(autoCpu.theta, fp32.theta) << "auto is fp32 on a CPU, bit for bit";
    ASSERT_EQ(bf16.epochsCompleted, 2);
    EXPECT_TRUE(allFinite(bf16.theta));
    EXPECT_NE(bf16.theta, fp32.theta) << "bf16 autocast changed nothing: it did not run";
    double most = 0;
    for (std::size_t l = 0; l < fp32.theta.size(); ++l)
        for (std::size_t k = 0; k < fp32.theta[l].size(); ++k)
            most = std::max(most, std::abs(bf16.theta[l][k] - fp32.theta[l][k]));
    EXPECT_LT(most, 0.05) << "bf16 moved theta far from fp32's";

    TrainConfig t = test::frozenTraining();
    t.lr = 0.05;
    t.compute.precision = "bf16";
    Architecture a;
    a.space = space.name;
    a.blocks = {"k3_e1", "k3_e1"};
    const auto r = trainArchitecture(space, a, test::stripes(128, 1), test::stripes(64, 2), t, {}, stop);
    ASSERT_EQ(r.epochs.size(), 1u);
    EXPECT_TRUE(std::isfinite(r.epochs[0].trainLoss));
    EXPECT_GE(r.testTop1, 0.0);
}

TEST(Precision, TheLossScaleSkipsAnOverflowedStepHalvesAndGrowsBackAfterFiniteSteps)
{
    fbnet::detail::Precision half;  // the scaler's arithmetic does not depend on the device
    half.name = "fp16";
    half.type = at::ScalarType::Half;
    fbnet::detail::LossScaler scaler(half, 1024.0, 2);
    auto w = torch::ones({3}, torch::requires_grad());
    scaler.scale((w * 2).sum()).backward();
    EXPECT_TRUE(scaler.unscale({w}));
    EXPECT_TRUE(torch::allclose(w.grad(), torch::full({3}, 2.0))) << "gradients divided by the scale";
    EXPECT_EQ(scaler.value(), 1024.0);
    w.mutable_grad() = torch::tensor({1.0f, INFINITY, 0.0f});
    EXPECT_FALSE(scaler.unscale({w}));
    EXPECT_EQ(scaler.value(), 512.0);
    EXPECT_EQ(scaler.skippedSteps(), 1);
    for (int i = 0; i < 2; ++i) {
        w.mutable_grad() = torch::ones({3});
        EXPECT_TRUE(scaler.unscale({w}));
    }
    EXPECT_EQ(scaler.value(), 1024.0) << "two finite steps in a row double it";

    fbnet::detail::LossScaler fp32(fbnet::detail::Precision{}, 1024.0, 2);
    const auto loss = torch::tensor(3.0);
    EXPECT_TRUE(fp32.scale(loss).equal(loss));
    w.mutable_grad() = torch::tensor({1.0f, NAN, 0.0f});
    EXPECT_TRUE(fp32.unscale({w})) << "no scaling outside fp16: the search's own finite check decides";
}

TEST(Cuda, AGpuSupernetLayerForwardAndBackwardAgreeWithTheCpu)
{
    SKIP_WITHOUT_GPU();
    // fp32 on a GPU of compute capability 8.0+ lets cuDNN convolve in TF32 (PyTorch's default: 10-bit
    // mantissas, differences of ~4e-4 on the H200): the comparison with the CPU is made in full fp32.
    struct FullFp32
    {
        const bool was = at::globalContext().allowTF32CuDNN();
        FullFp32() { at::globalContext().setAllowTF32CuDNN(false); }
        ~FullFp32() { at::globalContext().setAllowTF32CuDNN(was); }
    } fullFp32;
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    const torch::Device gpu("cuda");
    for (const auto &layer : space.layers()) {
        torch::manual_seed(7);
        fbnet::detail::MixedOp cpu(space, layer);
        torch::manual_seed(7);
        fbnet::detail::MixedOp onGpu(space, layer);
        onGpu->to(gpu);
        const auto k = int64_t(layer.candidates.size());
        const auto x = torch::randn({4, layer.cin, layer.inputSize, layer.inputSize});
        const auto mask = torch::softmax(torch::randn({4, k}), 1);
        auto xc = x.clone().requires_grad_(), xg = x.to(gpu).requires_grad_();
        auto yc = cpu->forwardSoft(xc, mask), yg = onGpu->forwardSoft(xg, mask.to(gpu));
        EXPECT_TRUE(torch::allclose(yg.cpu(), yc, 1e-3, 1e-4)) << "layer " << layer.index << ": max difference "
                                                               << (yg.cpu() - yc).abs().max().item<double>();
        yc.square().sum().backward();
        yg.square().sum().backward();
        EXPECT_TRUE(torch::allclose(xg.grad().cpu(), xc.grad(), 1e-3, 1e-3)) << "layer " << layer.index;
        const auto pc = cpu->parameters(), pg = onGpu->parameters();
        ASSERT_EQ(pc.size(), pg.size());
        for (std::size_t i = 0; i < pc.size(); ++i)
            if (pc[i].grad().defined()) {
                EXPECT_TRUE(torch::allclose(pg[i].grad().cpu(), pc[i].grad(), 1e-3, 1e-3)) << "layer " << layer.index << " parameter " << i;
            }
    }
}

TEST(Cuda, ATinySearchAndTrainingRunOnTheGpuInEveryPrecision)
{
    SKIP_WITHOUT_GPU();
    const auto space = test::tinySpace(R"(["skip", "k3_e1", "k5_e3"])");
    const auto lut = test::tableFor(space, {{"skip", 1.0}, {"k3_e1", 3.0}, {"k5_e3", 5.0}});
    const auto data = test::stripes(200, 1);
    test::QuietObserver quiet;
    StopToken stop;
    std::vector<std::string> precisions{"auto", "fp32", "fp16"};
    if (fbnet::detail::cudaComputesBf16(torch::Device("cuda")))
        precisions.push_back("bf16");
    for (const auto &p : precisions) {
        const auto r = runSearch(space, lut, data, test::tinySearch("cuda", p), quiet, stop);
        EXPECT_EQ(r.epochsCompleted, 2) << p;
        EXPECT_TRUE(allFinite(r.theta)) << p;
        EXPECT_FALSE(r.samples.empty()) << p;
        TrainConfig t = test::frozenTraining();
        t.lr = 0.05;
        t.compute.device = "cuda";
        t.compute.precision = p;
        Architecture a;
        a.space = space.name;
        a.blocks = {"k3_e1", "k5_e3"};
        const auto tr = trainArchitecture(space, a, test::stripes(128, 1), test::stripes(64, 2), t, {}, stop);
        ASSERT_EQ(tr.epochs.size(), 1u) << p;
        EXPECT_TRUE(std::isfinite(tr.epochs[0].trainLoss)) << p;
    }
}

TEST(Cuda, AStoppedGpuSearchResumesToTheThetaOfAnUninterruptedOne)
{
    SKIP_WITHOUT_GPU();
    const auto space = test::tinySpace(R"(["skip", "k3_e1"])");
    const auto lut = test::tableFor(space, {{"skip", 1.0}, {"k3_e1", 3.0}});
    const auto data = test::stripes(200, 1);
    const std::string dir = std::filesystem::temp_directory_path() / ("fbnet-cuda-resume-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto config = test::tinySearch("cuda", "fp32");
    config.epochs = 3;
    test::QuietObserver quiet;
    StopToken stop;
    const auto whole = runSearch(space, lut, data, config, quiet, stop, {dir + "/whole.ckpt", false});
    StopToken stopper;
    test::StopAfterEpoch after(stopper, 0);
    const auto first = runSearch(space, lut, data, config, after, stopper, {dir + "/split.ckpt", false});
    EXPECT_TRUE(first.stopped);
    StopToken fresh;
    const auto rest = runSearch(space, lut, data, config, quiet, fresh, {dir + "/split.ckpt", true});
    EXPECT_EQ(rest.epochsCompleted, 3);
    // The same kernels on the same GPU; cuDNN may pick other algorithms per process, hence a tolerance.
    for (std::size_t l = 0; l < whole.theta.size(); ++l)
        for (std::size_t k = 0; k < whole.theta[l].size(); ++k)
            EXPECT_NEAR(rest.theta[l][k], whole.theta[l][k], 1e-4) << "layer " << l;
    // The checkpoint loads on a CPU for inspection.
    EXPECT_EQ(checkpointEpochs(dir + "/split.ckpt"), 3);
    std::filesystem::remove_all(dir);
}

TEST(Cuda, ALatencyTableIsMeasuredOnTheGpuWithEvents)
{
    SKIP_WITHOUT_GPU();
    const auto space = test::tinySpace(R"(["skip", "k3_e1", "k5_e3"])");
    LutBuildOptions o;
    o.compute = "cuda";
    o.repeats = 5;
    o.warmup = 2;
    o.correctionNetworks = 2;
    StopToken stop;
    const auto t = buildLatencyTable(space, o, {}, stop);
    EXPECT_TRUE(t.missing(space).empty());
    EXPECT_NE(t.provenance.at("method").find("CUDA events"), std::string::npos) << t.provenance.at("method");
    for (const auto &[sig, e] : t.entries)
        EXPECT_GE(e.ms, 0.0) << sig;
}

// The studio's device list: the CPU, then each GPU this libtorch sees; device names it cannot run
// (a mistyped index, another device kind) are refused with a reason, never an exception.
TEST(Devices, TheListHasTheCpuAndEachVisibleGpuAndOddNamesGetAReason)
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
