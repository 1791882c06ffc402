#include <limits>

#include <gtest/gtest.h>

#include "blocks.h"
#include "fastops.h"
#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "loss.h"
#include "network.h"
#include "supernet.h"

using namespace fbnet;
using namespace fbnet::detail;

namespace {

struct SeedingFixture : ::testing::Test
{
    SeedingFixture() { torch::manual_seed(0); }
};

struct BlockCase
{
    int cin, cout, stride;
    std::string block;
};

void expectShapeAndGradients(CandidateImpl &m, int cin, int cout, int stride, int size = 8)
{
    auto x = torch::randn({4, cin, size, size}, torch::requires_grad());
    auto y = m.forward(x);
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{4, cout, (size + stride - 1) / stride, (size + stride - 1) / stride}));
    y.pow(2).sum().backward();
    EXPECT_TRUE(x.grad().defined());
    EXPECT_GT(x.grad().abs().sum().item<double>(), 0);
    for (const auto &p : m.parameters()) {
        ASSERT_TRUE(p.grad().defined());
        EXPECT_TRUE(torch::isfinite(p.grad()).all().item<bool>());
    }
}

SearchSpace cifar()
{
    return SearchSpace::load(resolveSpacePath("fbnet-cifar"));
}

} // namespace

using Blocks = SeedingFixture;

TEST_F(Blocks, EveryCandidateHasTheRightShapeAndGradients)
{
    const auto s = cifar();
    const std::vector<BlockCase> cases = {{16, 24, 2, "k5_e6"}, {24, 24, 1, "k3_e1_g2"}, {24, 24, 1, "k5_e1_g2"},
                                          {16, 16, 1, "k3_e3"}, {32, 64, 2, "k3_e1"},    {16, 24, 2, "skip"},
                                          {24, 24, 1, "skip"},  {32, 32, 1, "k33_e6"},   {16, 24, 1, "k5_e3"}};
    for (const auto &c : cases) {
        SCOPED_TRACE(c.block + " " + std::to_string(c.cin) + "->" + std::to_string(c.cout) + " s" + std::to_string(c.stride));
        auto m = makeCandidate(s.block(c.block), c.cin, c.cout, c.stride);
        m->train();
        expectShapeAndGradients(*m, c.cin, c.cout, c.stride);
    }
}

TEST_F(Blocks, IrfStructureFollowsTheReleasedGraphs)
{
    auto b = std::make_shared<IrfBlockImpl>(IrfBlockOptions(24, 24).expansion(1).kernel(5).groups(2));
    EXPECT_TRUE(b->residual());
    EXPECT_EQ(b->pw->options.groups(), 2);  // pw kept at e = 1, grouped
    EXPECT_EQ(b->pwl->options.groups(), 2);
    EXPECT_EQ(b->dw->options.groups(), 24);
    EXPECT_EQ(b->dw->weight.sizes(), (std::vector<int64_t>{24, 1, 5, 5}));
    auto s2 = std::make_shared<IrfBlockImpl>(IrfBlockOptions(16, 24).expansion(6).stride(2));
    EXPECT_FALSE(s2->residual());
    EXPECT_EQ(s2->dw->options.stride()->at(0), 2);  // the stride lives in the depthwise conv
    EXPECT_EQ(s2->pw->options.stride()->at(0), 1);
    EXPECT_EQ(s2->pw->weight.size(0), 96);      // mid = Cin * e
}

TEST_F(Blocks, ChannelShuffleInterleavesGroups)
{
    auto x = torch::arange(6, torch::kFloat).view({1, 6, 1, 1});
    auto y = channelShuffle(x, 2).flatten();
    EXPECT_TRUE(torch::equal(y, torch::tensor({0.f, 3.f, 1.f, 4.f, 2.f, 5.f})));
    auto xl = torch::randn({2, 8, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast);
    EXPECT_TRUE(torch::allclose(channelShuffle(xl, 2), channelShuffle(xl.contiguous(), 2)));
}

TEST_F(Blocks, SkipIsIdentityOnlyWhenShapesMatch)
{
    SkipBlockImpl id(24, 24, 1), proj(24, 32, 2);
    EXPECT_FALSE(id.projecting());
    EXPECT_TRUE(proj.projecting());
    auto x = torch::randn({2, 24, 4, 4});
    EXPECT_TRUE(torch::equal(id.forward(x), x));
}

TEST_F(Blocks, GumbelSoftmaxMasksSumToOneAndSharpenAsTemperatureFalls)
{
    auto theta = torch::tensor({0.5f, 0.1f, -0.3f, 0.0f});
    auto sharp = torch::softmax((theta.unsqueeze(0) + gumbelNoise({2000, 4})) / 0.05, 1);
    auto smooth = std::get<0>(torch::softmax((theta.unsqueeze(0) + gumbelNoise({2000, 4})) / 50.0, 1).max(1));
    EXPECT_TRUE(torch::allclose(sharp.sum(1), torch::ones({2000}), 1e-5, 1e-5));
    EXPECT_GT(std::get<0>(sharp.max(1)).mean().item<double>(), 0.95);
    EXPECT_LT(smooth.mean().item<double>(), 0.30);
    // Sampling frequencies follow softmax(theta) (Gumbel-max trick).
    auto counts = torch::bincount(sharp.argmax(1), {}, 4).to(torch::kFloat) / 2000;
    EXPECT_TRUE(torch::allclose(counts, torch::softmax(theta, 0), 0, 0.04)) << counts;
}

TEST_F(Blocks, LatencyTermGradientReachesTheta)
{
    SpaceParams p;
    p.numClasses = 10;
    const auto s = SearchSpace::load(resolveSpacePath("fbnet-cifar"), p);
    std::vector<std::vector<double>> lat;
    for (const auto &l : s.layers()) {
        std::vector<double> row;
        for (std::size_t k = 0; k < l.candidates.size(); ++k)
            row.push_back(0.1 * double(k + 1));
        lat.push_back(row);
    }
    for (MaskMode mode : {MaskMode::Soft, MaskMode::Hard}) {
        Supernet net(s, lat, 2.0);
        auto out = net->forward(torch::randn({4, 3, 32, 32}), 5.0, mode);
        EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{4, 10}));
        out.latencyMs.mean().backward();
        for (const auto &t : net->thetaParameters()) {
            ASSERT_TRUE(t.grad().defined());
            EXPECT_GT(t.grad().abs().sum().item<double>(), 0);
        }
        // Expected latency under softmax(theta) at theta = 0 is the row mean.
        EXPECT_NEAR(net->expectedLatencyMs(), 2.0 + 22 * 0.5, 1e-4);
    }
}

TEST_F(Blocks, LossFormsFollowTheirDefinitions)
{
    auto logits = torch::randn({3, 5});
    auto labels = torch::tensor({0, 1, 2}, torch::kLong);
    auto lat = torch::full({3}, 20.0);
    SearchConfig c;
    const double ce = torch::nn::functional::cross_entropy(logits, labels).item<double>();
    c.lossForm = LossForm::Multiplicative;
    EXPECT_NEAR(latencyAwareLoss(logits, labels, lat, c).loss.item<double>(), ce * 0.2 * std::pow(std::log(20.0), 0.6), 1e-4);
    c.lossForm = LossForm::Additive;
    EXPECT_NEAR(latencyAwareLoss(logits, labels, lat, c).loss.item<double>(), ce + 0.2 * std::pow(20.0, 0.6), 1e-4);
    c.lossForm = LossForm::Target;
    c.targetMs = 10;
    EXPECT_NEAR(latencyAwareLoss(logits, labels, lat, c).loss.item<double>(), ce + 1.0, 1e-4);
}

TEST_F(Blocks, ReleasedFbnetV2NetworksHaveTheCountedWeights)
{
    // The torch network of FBNetV2-F1 (SE with hard sigmoid, h-swish, pw dropped at mid == Cin,
    // ir_pool head) has exactly the conv/FC weights computeCost counts: 5,999,408 (mobile-vision's figure).
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnetv2-imagenet"));
    const Architecture a = loadArchitecture(resolveArchitecturePath("fbnetv2-f1"));
    const NetworkPlan plan = resolve(space, a);
    Network net(plan);
    std::int64_t weights = 0;
    for (const auto &p : net->named_parameters())
        if (p.key().find("bn") == std::string::npos && p.key().find(".bias") == std::string::npos)
            weights += p.value().numel();
    EXPECT_EQ(weights, computeCost(plan).weights);
    EXPECT_EQ(weights, 5999408);
    net->eval();
    torch::NoGradGuard ng;
    const auto y = net->forward(torch::randn({2, 3, 128, 128}));
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 1000}));
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
}

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
