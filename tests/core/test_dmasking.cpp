// FBNetV2 / DMasking: masks, resolution interleaving, effective-shape cost, a channel search.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "dmasking.h"
#include "fbnet/error.h"
#include "fbnet/search.h"

using namespace fbnet;
using namespace fbnet::detail;

namespace {

// Two searchable layers with two blocks, two widths and two hidden widths each; resolutions 16 / 8.
SearchSpace tinyV2(const std::string &widths1 = "[8, 16]", const std::string &widths2 = "[16, 24]")
{
    const std::string text = R"({
      "name": "tiny-v2", "input": {"size": 16, "channels": 3}, "num_classes": 4, "resolutions": [16, 8],
      "stem": {"channels": 8, "kernel": 3, "stride": 1, "activation": "hswish"},
      "stages": [{"channels": 16, "repeats": 1, "stride": 1, "width_options": )" + widths1 + R"(, "expansion_options": [1, 2]},
                 {"channels": 24, "repeats": 1, "stride": 2, "width_options": )" + widths2 + R"(, "expansion_options": [2, 4]}],
      "head": {"type": "ir_pool", "channels": 32, "expansion": 2},
      "candidates": ["ir_k3", "ir_k5_se"],
      "blocks": {"ir_k3": {"type": "irf", "kernel": 3, "expansion": 1, "width_divisor": 8},
                 "ir_k5_se": {"type": "irf", "kernel": 5, "expansion": 1, "se": true, "hswish": true, "width_divisor": 8}}})";
    return SearchSpace::fromJsonText(text, "tiny-v2");
}

} // namespace

TEST(DMasking, PrefixMasksAndGumbelWeights)
{
    const auto m = prefixMasks({2, 3, 5}, 5);
    EXPECT_EQ(m.sizes(), (std::vector<int64_t>{3, 5}));
    EXPECT_EQ(m.sum(1)[0].item<int64_t>(), 2);
    EXPECT_TRUE(torch::equal(m[1], torch::tensor({1.f, 1.f, 1.f, 0.f, 0.f})));
    torch::manual_seed(1);
    auto theta = torch::zeros({3}, torch::requires_grad());
    for (MaskMode mode : {MaskMode::Soft, MaskMode::Hard}) {
        const auto g = gumbelWeights(theta, 4, 1.0, mode);
        EXPECT_EQ(g.sizes(), (std::vector<int64_t>{4, 3}));
        EXPECT_TRUE(torch::allclose(g.sum(1), torch::ones({4})));
        // The masked width sum_k g_k w_k is differentiable in theta.
        auto eff = torch::mm(g, m).sum();
        auto grad = torch::autograd::grad({eff * eff}, {theta})[0];
        EXPECT_GT(grad.abs().sum().item<double>(), 0) << (mode == MaskMode::Soft ? "soft" : "hard");
    }
}

TEST(DMasking, InterleavingPutsPixelsBackAndZerosBetween)
{
    auto x = torch::arange(16 * 16, torch::kFloat).view({1, 1, 16, 16}) + 1;  // no zeros
    for (int64_t r : {16, 12, 8, 5}) {
        const auto d = subsample(x, r);
        EXPECT_EQ(d.sizes(), (std::vector<int64_t>{1, 1, r, r}));
        const auto back = interleave(d, 16);
        EXPECT_EQ(back.sizes(), x.sizes());
        EXPECT_EQ(back.ne(0).sum().item<int64_t>(), r * r) << r;
        // every kept value sits at the position it was sampled from
        EXPECT_TRUE(torch::equal(back.ne(0) * x, back)) << r;
        EXPECT_TRUE(torch::equal(subsample(back, r), d)) << r;
    }
    const auto idx = subsampleIndex(8, 16);
    EXPECT_TRUE(torch::equal(idx, torch::arange(0, 16, 2)));
    // Gradient flows through subsample -> conv -> interleave to the input positions that were kept.
    auto in = torch::randn({1, 2, 16, 16}, torch::requires_grad());
    auto y = interleave(subsample(in, 8) * 3.0, 16).sum();
    auto g = torch::autograd::grad({y}, {in})[0];
    EXPECT_EQ(g.ne(0).sum().item<int64_t>(), 2 * 64);
    EXPECT_DOUBLE_EQ(g.max().item<double>(), 3.0);
}

TEST(DMasking, EffectiveShapeCostIsTheExpectedCostOfTheConcreteArchitectures)
{
    const SearchSpace space = tinyV2();
    DMaskingSupernet net(space, "flops");
    const auto &plan = net->plan();
    ASSERT_EQ(plan.size(), 2u);
    // Arbitrary option probabilities.
    torch::manual_seed(7);
    std::vector<torch::Tensor> o, w, m;
    for (std::size_t l = 0; l < plan.size(); ++l) {
        o.push_back(torch::softmax(torch::randn({2}), 0).unsqueeze(0));
        w.push_back(torch::softmax(torch::randn({2}), 0).unsqueeze(0));
        m.push_back(torch::softmax(torch::randn({2}), 0).unsqueeze(0));
    }
    const auto r = torch::softmax(torch::randn({2}), 0).unsqueeze(0);
    const double effective = net->expectedCost(o, w, m, r).item<double>();
    // Enumerate every concrete architecture: 2 resolutions x (2 blocks x 2 widths x 2 mids)^2.
    double expected = 0;
    int count = 0;
    for (int res = 0; res < 2; ++res)
        for (int code = 0; code < 64; ++code) {
            double p = r[0][res].item<double>();
            Architecture a;
            a.space = space.name;
            int cin = space.stemChannels;
            for (std::size_t l = 0; l < 2; ++l) {
                const int bits = (code >> (3 * l)) & 7, k = bits & 1, wi = (bits >> 1) & 1, mi = (bits >> 2) & 1;
                p *= o[l][0][k].item<double>() * w[l][0][wi].item<double>() * m[l][0][mi].item<double>();
                a.blocks.push_back(plan[l].ops[std::size_t(k)].name);
                a.layerWidths.push_back(plan[l].widths[std::size_t(wi)]);
                a.layerExpansions.push_back(double(plan[l].mids[std::size_t(mi)]) / cin);
                cin = plan[l].widths[std::size_t(wi)];
            }
            if (res == 1)
                a.inputSize = 8;
            expected += p * double(computeCost(space, a).macs) / 1e6;
            ++count;
        }
    EXPECT_EQ(count, 128);
    EXPECT_NEAR(effective, expected, 1e-6 * expected);
}

TEST(DMasking, FlopsPenaltyDrivesThetaToNarrowWidthsWhenWidthDoesNotHelp)
{
    // Labels are a function of the mean colour: a narrow network solves it as well as a wide one,
    // so a strong FLOPs term should pull every width choice to the narrowest option.
    const SearchSpace space = tinyV2("[8, 16]", "[8, 24]");
    Dataset d;
    d.name = "colours";
    d.channels = 3;
    d.height = d.width = 16;
    d.numClasses = 4;
    std::mt19937_64 rng(3);
    for (int i = 0; i < 512; ++i) {
        const int cls = i % 4;
        d.labels.push_back(cls);
        for (int c = 0; c < 3; ++c)
            for (int p = 0; p < 256; ++p)
                d.pixels.push_back(std::uint8_t(std::clamp(40 + 60 * cls + int(rng() % 30), 0, 255)));
    }
    d.mean = {0.5f, 0.5f, 0.5f};
    d.std = {0.3f, 0.3f, 0.3f};
    SearchConfig c;
    c.epochs = 8;
    c.warmupEpochs = 1;
    c.batchSize = 32;
    c.lrTheta = 0.1;
    c.alpha = 1.0;
    c.beta = 2.0;
    c.lossForm = LossForm::Additive;  // CE + alpha * MFLOPs^beta: a steep resource term
    c.tau0 = 1.0;
    c.threads = 1;
    c.samples = 0;
    c.seed = 5;
    struct Quiet : SearchObserver
    {
    } quiet;
    StopToken stop;
    const auto r = runSearch(space, LatencyTable::costModel("flops"), d, c, quiet, stop);
    ASSERT_EQ(r.epochs.size(), 8u);
    EXPECT_LT(r.epochs.back().expectedLatencyMs, r.epochs.front().expectedLatencyMs);
    const Architecture &a = r.samples.front().architecture;
    ASSERT_EQ(a.layerWidths.size(), 2u);
    EXPECT_EQ(a.layerWidths[0], 8);
    EXPECT_EQ(a.layerWidths[1], 8);
    // theta rows: resolution, then (op, width, mid) per layer; the width logits favour the first option
    ASSERT_EQ(r.theta.size(), 7u);
    for (std::size_t row : {2u, 5u})
        EXPECT_GT(r.theta[row][0], r.theta[row][1]) << "width logits of layer " << (row - 2) / 3;
}

TEST(DMasking, SpacesWithoutAnAnalyticCostAreRefused)
{
    const SearchSpace space = tinyV2();
    Dataset d;
    d.name = "x";
    d.channels = 3;
    d.height = d.width = 16;
    d.numClasses = 4;
    d.pixels.assign(std::size_t(200) * 3 * 256, 100);
    d.labels.assign(200, 0);
    LatencyTable t;
    t.device = "pixel3";
    SearchConfig c;
    c.epochs = 2;
    c.warmupEpochs = 1;
    c.batchSize = 16;
    struct Quiet : SearchObserver
    {
    } quiet;
    StopToken stop;
    try {
        runSearch(space, t, d, c, quiet, stop);
        FAIL() << "a device table was accepted for a DMasking space";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("use --lut flops or --lut params"), std::string::npos) << e.what();
    }
}
