// Our BN+ReLU and depthwise kernels against the library's operations.
#include <limits>

#include <gtest/gtest.h>

#include "nn/blocks.h"
#include "nn/fastops.h"
#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "search/loss.h"
#include "nn/network.h"
#include "search/supernet.h"

using namespace fbnet;
using namespace fbnet::detail;

// The fused BN + ReLU (fastops.h) must match the library's batch norm followed by ReLU: values,
// running statistics and every gradient, with and without the ReLU, for odd channel counts and
// a mean far from zero (the one-pass statistics use a shift for this).
TEST(FastOps, MatchesLibraryBatchNormAndRelu)
{
    for (const bool relu : {true, false})
        for (const int64_t c : {1, 7, 24, 130}) {
            SCOPED_TRACE("relu=" + std::to_string(relu) + " c=" + std::to_string(c));
            torch::manual_seed(c);
            auto base = (torch::randn({5, c, 9, 7}) * 3 + 40).contiguous(at::MemoryFormat::ChannelsLast);
            auto upstream = torch::randn({5, c, 9, 7}).contiguous(at::MemoryFormat::ChannelsLast);
            torch::nn::BatchNorm2d lib(c), fused(c);
            {
                torch::NoGradGuard ng;
                auto w = torch::rand({c}) + 0.5, b = torch::randn({c});
                for (auto *m : {&lib, &fused}) {
                    (*m)->weight.copy_(w);
                    (*m)->bias.copy_(b);
                }
            }
            auto x1 = base.clone().requires_grad_(), x2 = base.clone().requires_grad_();
            setFastOpsEnabled(false);
            auto y1 = batchNormRelu(x1, lib, relu);
            setFastOpsEnabled(true);
            auto y2 = batchNormRelu(x2, fused, relu);
            EXPECT_TRUE(y2.is_contiguous(at::MemoryFormat::ChannelsLast));
            EXPECT_TRUE(torch::allclose(y1, y2, 1e-4, 1e-4)) << (y1 - y2).abs().max().item<double>();
            (y1 * upstream).sum().backward();
            (y2 * upstream).sum().backward();
            EXPECT_TRUE(torch::allclose(x1.grad(), x2.grad(), 1e-3, 1e-4))
                << (x1.grad() - x2.grad()).abs().max().item<double>();
            EXPECT_TRUE(torch::allclose(lib->weight.grad(), fused->weight.grad(), 1e-3, 1e-3));
            EXPECT_TRUE(torch::allclose(lib->bias.grad(), fused->bias.grad(), 1e-3, 1e-3));
            EXPECT_TRUE(torch::allclose(lib->running_mean, fused->running_mean, 1e-4, 1e-4));
            EXPECT_TRUE(torch::allclose(lib->running_var, fused->running_var, 1e-4, 1e-4));
            EXPECT_EQ(lib->num_batches_tracked.item<int64_t>(), fused->num_batches_tracked.item<int64_t>());
            // A ReLU really happened: some outputs are zero.
            if (relu) {
                EXPECT_GT((y2 == 0).sum().item<int64_t>(), 0);
            }
        }
}

// Issue 18: a NaN reaching batch norm stays NaN, as in the library, so the search's loss check
// sees it (our kernel's ReLU turned it into 0, and into -inf without ReLU).
TEST(FastOps, NanPropagatesLikeTheLibrary)
{
    for (const bool relu : {true, false}) {
        SCOPED_TRACE("relu=" + std::to_string(relu));
        torch::manual_seed(5);
        auto x = torch::randn({4, 3, 5, 5});
        x[1][2][3][4] = std::numeric_limits<float>::quiet_NaN();
        x = x.contiguous(at::MemoryFormat::ChannelsLast);
        torch::nn::BatchNorm2d lib(3), fused(3);
        setFastOpsEnabled(false);
        const auto y1 = batchNormRelu(x, lib, relu);
        setFastOpsEnabled(true);
        const auto y2 = batchNormRelu(x, fused, relu);
        EXPECT_EQ(torch::isnan(y1).sum().item<int64_t>(), 100);  // the whole channel: its mean is NaN
        EXPECT_EQ(torch::isnan(y2).sum().item<int64_t>(), torch::isnan(y1).sum().item<int64_t>());
        EXPECT_EQ(torch::isinf(y2).sum().item<int64_t>(), 0);
    }
}

TEST(FastOps, EvaluationAndNchwTakeTheLibraryPath)
{
    torch::manual_seed(3);
    torch::nn::BatchNorm2d bn(6);
    auto x = torch::randn({4, 6, 5, 5});
    setFastOpsEnabled(true);
    // NCHW in training: the library path, identical to bn + relu.
    auto y = batchNormRelu(x, bn, true);
    EXPECT_TRUE(y.is_contiguous());
    bn->eval();
    auto cl = x.contiguous(at::MemoryFormat::ChannelsLast);
    EXPECT_TRUE(torch::equal(batchNormRelu(cl, bn, true), bn(cl).relu()));
}

// depthwiseConv's own weight gradient must match the library's, for 5x5 and 7x7, stride 1 and 2,
// odd sizes (the padding taps at every border) and a channel count that is not a vector multiple.
TEST(FastOps, DepthwiseConvMatchesLibrary)
{
    for (const int64_t k : {5, 7})
        for (const int64_t stride : {1, 2})
            for (const int64_t c : {5, 48}) {
                SCOPED_TRACE("k=" + std::to_string(k) + " stride=" + std::to_string(stride) + " c=" + std::to_string(c));
                torch::manual_seed(k * 100 + stride * 10 + c);
                auto opts = torch::nn::Conv2dOptions(c, c, k).stride(stride).padding(k / 2).groups(c).bias(false);
                torch::nn::Conv2d lib(opts), ours(opts);
                {
                    torch::NoGradGuard ng;
                    ours->weight.copy_(lib->weight);
                }
                auto base = torch::randn({3, c, 9, 11}).contiguous(at::MemoryFormat::ChannelsLast);
                auto x1 = base.clone().requires_grad_(), x2 = base.clone().requires_grad_();
                setFastOpsEnabled(false);
                auto y1 = depthwiseConv(x1, lib);
                setFastOpsEnabled(true);
                auto y2 = depthwiseConv(x2, ours);
                setFastOpsEnabled(true);
                ASSERT_EQ(y1.sizes(), y2.sizes());
                EXPECT_TRUE(torch::allclose(y1, y2, 1e-5, 1e-5));
                auto up = torch::randn_like(y1);
                (y1 * up).sum().backward();
                (y2 * up).sum().backward();
                EXPECT_TRUE(torch::allclose(x1.grad(), x2.grad(), 1e-4, 1e-4));
                EXPECT_TRUE(torch::allclose(lib->weight.grad(), ours->weight.grad(), 1e-4, 1e-3))
                    << (lib->weight.grad() - ours->weight.grad()).abs().max().item<double>();
            }
}
