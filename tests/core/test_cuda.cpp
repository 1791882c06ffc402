// The GPU path. The Cuda.* tests are compiled in every build and skip themselves where this libtorch
// sees no GPU (scripts/gpu-check.sh runs them on one).
#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "compute/device.h"
#include "fbnet/compute.h"
#include "fbnet/error.h"
#include "fbnet/lutbuild.h"
#include "fbnet/resources.h"
#include "fbnet/search.h"
#include "fbnet/train.h"
#include "compute/precision.h"
#include "searchfixtures.h"
#include "search/supernet.h"
#include "testutil.h"

using namespace fbnet;

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
        EXPECT_TRUE(test::allFinite(r.theta)) << p;
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
