// Precision: autocast's scopes, bf16 searches and trainings, fp16's loss scale.
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
    EXPECT_TRUE(test::allFinite(bf16.theta));
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

