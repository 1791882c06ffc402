// Training an architecture from scratch, and from the supernet's weights.
#include <atomic>
#include <chrono>
#include <limits>
#include <random>
#include <fstream>
#include <thread>

#include <unistd.h>
#include <torch/torch.h>

#include <gtest/gtest.h>

#include "fbnet/error.h"
#include "fbnet/search.h"
#include "fbnet/train.h"
#include "searchfixtures.h"
#include "testutil.h"

#include <filesystem>

using namespace fbnet;
using fbnet::test::stripes;
using fbnet::test::tableFor;
using fbnet::test::tinySpace;
using fbnet::test::quickConfig;
using fbnet::test::Recorder;

// issue 4 (first piece): training a chosen architecture from scratch.
TEST(Train, TrainingATinyArchitectureImprovesAccuracyAndSavesLoadableWeights)
{
    const auto space = tinySpace(R"(["skip", "k3_e1", "k3_e3"])", 10);
    Architecture arch;
    arch.space = "tiny";
    arch.blocks = {"k3_e3", "k3_e1"};
    const auto train = makeSynthetic(640, 10, 16, 3, 5, 1), test = makeSynthetic(200, 10, 16, 3, 5, 2);
    TrainConfig c;
    c.epochs = 3;
    c.batchSize = 32;
    c.compute.threads = 1;
    c.augment = false;
    StopToken stop;
    const auto weights = (std::filesystem::temp_directory_path() / "fbnet-tiny-weights.pt").string();
    std::vector<double> seen;
    const auto r = trainArchitecture(space, arch, train, test, c, [&](const TrainEpoch &e) { seen.push_back(e.testAccuracy); },
                                     stop, weights);
    ASSERT_EQ(r.epochs.size(), 3u);
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_GT(r.testTop1, 0.5);  // 10 classes: chance is 0.1
    EXPECT_LT(r.epochs.back().trainLoss, r.epochs.front().trainLoss);
    const auto shapes = readStateDictShapes(weights);
    bool stem = false;
    for (const auto &[name, shape] : shapes)
        if (name == "stem.conv.weight")
            stem = shape == std::vector<std::int64_t>{8, 3, 1, 1};
    EXPECT_TRUE(stem);
    EXPECT_THROW(readStateDictShapes("/nonexistent.pt"), Error);
}

TEST(Train, InitialisingFromTheSupernetStartsFromWhatTheSearchLearned)
{
    // The stripes task is solved by the supernet; its argmax initialised from the supernet's
    // weights is accurate before any real training (lr ~ 0), a fresh network is at chance.
    const auto space = tinySpace(R"(["skip", "k3_e1"])");
    const auto lut = tableFor(space, {{"skip", 1.0}, {"k3_e1", 1.0}});
    auto c = quickConfig();
    c.lossForm = LossForm::Additive;
    c.alpha = 0;
    const auto ckpt = (std::filesystem::temp_directory_path() / ("fbnet-init-" + std::to_string(::getpid()) + ".ckpt")).string();
    CheckpointOptions opts;
    opts.path = ckpt;
    Recorder rec;
    StopToken stop;
    const auto r = runSearch(space, lut, stripes(640, 1), c, rec, stop, opts);
    const Architecture arch = r.samples.front().architecture;
    ASSERT_EQ(arch.blocks, (std::vector<std::string>{"k3_e1", "k3_e1"}));
    TrainConfig t = test::frozenTraining();
    const auto test = stripes(256, 9);
    const auto fresh = trainArchitecture(space, arch, stripes(128, 8), test, t, {}, stop);
    t.initFromCheckpoint = ckpt;
    const auto init = trainArchitecture(space, arch, stripes(128, 8), test, t, {}, stop);
    EXPECT_LT(fresh.testTop1, 0.7);
    EXPECT_GT(init.testTop1, 0.85);
    // Epochs 0: the supernet's own accuracy of the architecture, no training step at all (issue 16's
    // ranking measure); without a supernet to start from it is refused.
    TrainConfig zero = t;
    zero.epochs = 0;
    const auto supernet = trainArchitecture(space, arch, stripes(128, 8), test, zero, {}, stop);
    EXPECT_TRUE(supernet.epochs.empty());
    EXPECT_GT(supernet.testTop1, 0.85);
    zero.initFromCheckpoint.clear();
    EXPECT_THROW(trainArchitecture(space, arch, stripes(128, 8), test, zero, {}, stop), Error);
    // An architecture the supernet cannot hold is refused with the key named.
    Architecture other = arch;
    other.stageWidths = {16, 8};
    try {
        trainArchitecture(space, other, stripes(64, 8), test, t, {}, stop);
        FAIL() << "mismatched shapes were accepted";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("differs from the architecture's"), std::string::npos) << e.what();
    }
    std::filesystem::remove(ckpt);
}
