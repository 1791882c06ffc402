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

