// FBNetV2 / DMasking: masks, resolution interleaving, effective-shape cost, a channel search.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "search/dmasking.h"
#include "dmaskingfixtures.h"
#include "fbnet/error.h"
#include "fbnet/search.h"
#include "fbnet/train.h"
#include "testutil.h"

#include <filesystem>
#include <unistd.h>

using namespace fbnet;
using namespace fbnet::detail;
using fbnet::test::colours;
using fbnet::test::tinyV2;

namespace {

/** Stripes in four orientations (horizontal, vertical, two diagonals), random phase, noise: a texture task. */
// (With period 2 and two classes, rows vs columns of alternating pixels: 2x2 averaging erases them.)
Dataset orientations(int n, std::uint64_t seed, int period = 4, int classes = 4)
{
    Dataset d;
    d.name = "orientations";
    d.channels = 3;
    d.height = d.width = 16;
    d.numClasses = 4;
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> noise(0, 10);
    for (int i = 0; i < n; ++i) {
        const int cls = i % classes, phase = int(rng() % 4);
        d.labels.push_back(cls);
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 16; ++y)
                for (int x = 0; x < 16; ++x) {
                    const int coord = cls == 0 ? y : cls == 1 ? x : cls == 2 ? x + y : x - y + 16;
                    const float v = ((coord + phase) / (period / 2)) % 2 ? 200.f : 50.f;
                    d.pixels.push_back(std::uint8_t(std::clamp(v + noise(rng), 0.f, 255.f)));
                }
    }
    d.mean = {0.49f, 0.49f, 0.49f};
    d.std = {0.3f, 0.3f, 0.3f};
    return d;
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
    // With and without a skip candidate: a concrete skip is the identity only at stride 1 with
    // equal chosen widths (layer 0: stem 8 -> width 8), a 1x1 projection otherwise.
    for (const std::string candidates : {R"(["ir_k3", "ir_k5_se"])", R"(["ir_k3", "ir_k5_se", "skip"])"}) {
        SCOPED_TRACE(candidates);
        const SearchSpace space = tinyV2("[8, 16]", "[16, 24]", "[16, 8]", candidates);
        DMaskingSupernet net(space, "flops");
        const auto &plan = net->plan();
        ASSERT_EQ(plan.size(), 2u);
        const int ops = int(plan[0].ops.size());
        // Arbitrary option probabilities.
        torch::manual_seed(7);
        std::vector<torch::Tensor> o, w, m;
        for (std::size_t l = 0; l < plan.size(); ++l) {
            o.push_back(torch::softmax(torch::randn({ops}), 0).unsqueeze(0));
            w.push_back(torch::softmax(torch::randn({2}), 0).unsqueeze(0));
            m.push_back(torch::softmax(torch::randn({2}), 0).unsqueeze(0));
        }
        const auto r = torch::softmax(torch::randn({2}), 0).unsqueeze(0);
        const double effective = net->expectedCost(o, w, m, r).item<double>();
        // Enumerate every concrete architecture: 2 resolutions x (blocks x 2 widths x 2 mids)^2.
        double expected = 0;
        int count = 0;
        const int perLayer = ops * 4;
        for (int res = 0; res < 2; ++res)
            for (int code = 0; code < perLayer * perLayer; ++code) {
                double p = r[0][res].item<double>();
                Architecture a;
                a.space = space.name;
                int cin = space.stemChannels;
                for (std::size_t l = 0; l < 2; ++l) {
                    const int digit = l == 0 ? code % perLayer : code / perLayer;
                    const int k = digit % ops, wi = (digit / ops) & 1, mi = (digit / ops / 2) & 1;
                    p *= o[l][0][k].item<double>() * w[l][0][wi].item<double>() * m[l][0][mi].item<double>();
                    const auto &b = plan[l].ops[std::size_t(k)];
                    a.blocks.push_back(b.name);
                    a.layerWidths.push_back(plan[l].widths[std::size_t(wi)]);
                    a.layerExpansions.push_back(b.kind == BlockSpec::Kind::Skip ? 0.0 : double(plan[l].mids[std::size_t(mi)]) / cin);
                    cin = plan[l].widths[std::size_t(wi)];
                }
                if (res == 1)
                    a.inputSize = 8;
                expected += p * double(computeCost(space, a).macs) / 1e6;
                ++count;
            }
        EXPECT_EQ(count, 2 * perLayer * perLayer);
        EXPECT_NEAR(effective, expected, 1e-6 * expected);
    }
}

TEST(DMasking, FlopsPenaltyDrivesThetaToNarrowWidthsWhenWidthDoesNotHelp)
{
    // Labels are a function of the mean colour: a narrow network solves it as well as a wide one,
    // so a strong FLOPs term should pull every width choice to the narrowest option.
    const SearchSpace space = tinyV2("[8, 16]", "[8, 24]");
    const Dataset d = colours(512, 3);
    SearchConfig c;
    c.epochs = 8;
    c.warmupEpochs = 1;
    c.batchSize = 32;
    c.lrTheta = 0.1;
    c.alpha = 1.0;
    c.beta = 2.0;
    c.lossForm = LossForm::Additive;  // CE + alpha * MFLOPs^beta: a steep resource term
    c.tau0 = 1.0;
    c.compute.threads = 1;
    c.samples = 0;
    c.seed = 5;
    test::QuietObserver quiet;
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
    test::QuietObserver quiet;
    StopToken stop;
    try {
        runSearch(space, t, d, c, quiet, stop);
        FAIL() << "a device table was accepted for a DMasking space";
    } catch (const Error &e) {
        // Core names the table and what it expected, never a CLI flag (the CLI adds "--lut flops").
        EXPECT_NE(std::string(e.what()).find("expected the flops or params table"), std::string::npos) << e.what();
        EXPECT_EQ(e.field(), "cost");
        EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
    }
}

// The argmax of a masked supernet, initialised from the supernet's weights (each tensor the
// leading slice at the chosen widths), is accurate before any real training (lr ~ 0); the same
// architecture from scratch is at chance. Architectures train at their searched input resolution.
TEST(DMasking, InitialisingFromTheMaskedSupernetSlicesTheChosenWidths)
{
    const SearchSpace space = tinyV2();
    SearchConfig c;
    c.epochs = 8;
    c.warmupEpochs = 1;
    c.batchSize = 32;
    c.lossForm = LossForm::Additive;  // CE alone: this is about the weights, not the cost
    c.alpha = 0;
    c.compute.threads = 1;
    c.samples = 0;
    c.seed = 11;
    test::QuietObserver quiet;
    StopToken stop;
    const auto ckpt = (std::filesystem::temp_directory_path() / ("fbnet-v2-init-" + std::to_string(::getpid()) + ".ckpt")).string();
    CheckpointOptions opts;
    opts.path = ckpt;
    const auto r = runSearch(space, LatencyTable::costModel("flops"), orientations(512, 3), c, quiet, stop, opts);
    EXPECT_GT(r.epochs.back().weightsAccuracy, 0.9);
    const Architecture arch = r.samples.front().architecture;
    ASSERT_EQ(arch.layerWidths.size(), 2u);
    TrainConfig t = test::frozenTraining();
    const Dataset test = orientations(256, 9);
    const auto fresh = trainArchitecture(space, arch, orientations(128, 8), test, t, {}, stop);
    t.initFromCheckpoint = ckpt;
    const auto init = trainArchitecture(space, arch, orientations(128, 8), test, t, {}, stop);
    const std::string shape = arch.blocksString() + " widths " + std::to_string(arch.layerWidths[0]) + "/" +
                              std::to_string(arch.layerWidths[1]) + " input " + std::to_string(arch.inputSize.value_or(16));
    EXPECT_LT(fresh.testTop1, 0.5) << shape;
    EXPECT_GT(init.testTop1, 0.85) << shape;
    // Every width choice slices: the narrowest and the widest.
    for (const auto &widths : {std::vector<int>{8, 16}, std::vector<int>{16, 24}}) {
        Architecture other = arch;
        other.layerWidths = widths;
        other.layerExpansions = {2.0, 64.0 / widths[0]};  // the widest hidden widths: 16 and 64
        other.inputSize.reset();
        const auto o = trainArchitecture(space, other, orientations(64, 8), test, t, {}, stop);
        EXPECT_GT(o.testTop1, 0.5) << widths[0] << "/" << widths[1];
    }
    // Wider than the supernet cannot be sliced from it: refused with the tensor named.
    Architecture wide = arch;
    wide.layerWidths = {32, 24};
    try {
        trainArchitecture(space, wide, orientations(64, 8), test, t, {}, stop);
        FAIL() << "a wider network was accepted";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("narrower"), std::string::npos) << e.what();
    }
    std::filesystem::remove(ckpt);
}

// An architecture with a searched input resolution trains and is tested at it: the batches are
// area-averaged to that size. Stripes one pixel wide are learnable at 16x16 and vanish at 8x8.
TEST(DMasking, ArchitecturesTrainAtTheirSearchedResolution)
{
    const SearchSpace space = tinyV2();
    Architecture a;
    a.space = space.name;
    a.blocks = {"ir_k3", "ir_k3"};
    a.layerWidths = {16, 24};
    a.layerExpansions = {2.0, 4.0};
    TrainConfig t;
    t.epochs = 3;
    t.batchSize = 32;
    t.lr = 0.1;
    t.compute.threads = 1;
    t.augment = false;  // a shifted crop would not matter, a flip would swap nothing: keep it exact
    StopToken stop;
    const Dataset train = orientations(512, 1, 2, 2), test = orientations(256, 2, 2, 2);
    const auto full = trainArchitecture(space, a, train, test, t, {}, stop);
    a.inputSize = 8;
    const auto small = trainArchitecture(space, a, train, test, t, {}, stop);
    EXPECT_GT(full.testTop1, 0.9);
    EXPECT_LT(small.testTop1, 0.65);
}
