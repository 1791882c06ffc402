// A search and a training on a folder of images: the streamed data resume mid-epoch on the same
// images and crops, the loader's thread count changes nothing, and a damaged image stops the search
// at a step it resumes from.
#include <filesystem>

#include <torch/torch.h>

#include <gtest/gtest.h>

#include "fbnet/error.h"
#include "fbnet/search.h"
#include "fbnet/train.h"
#include "imagefiles.h"
#include "searchfixtures.h"
#include "testutil.h"

using namespace fbnet;
namespace fs = std::filesystem;

namespace {

/** Two classes that differ in colour and in a stripe's orientation, `n` images each, mixed modes and sizes. */
fs::path writeFolder(const std::string &name, int n)
{
    const fs::path dir = fs::path(::testing::TempDir()) / ("foldersearch-" + name);
    fs::remove_all(dir);
    const test::ImageMode modes[] = {test::ImageMode::JpegRgb, test::ImageMode::PngRgb, test::ImageMode::JpegProgressive};
    for (int i = 0; i < n; ++i) {
        const auto m = modes[i % 3];
        const std::string ext = test::isJpeg(m) ? ".jpg" : ".png";
        test::writeImage(dir / "a" / ("a" + std::to_string(i) + ext), m, 20 + i % 7, 18 + i % 5, 220, 40 + i, 30);
        test::writeImage(dir / "b" / ("b" + std::to_string(i) + ext), m, 24 - i % 4, 20 + i % 6, 30, 40 + i, 220);
    }
    return dir;
}

struct StopAt : SearchObserver
{
    StopToken *token = nullptr;
    int epoch = 1, step = 1;
    void onStep(const StepStats &s) override
    {
        if (s.epoch == epoch && s.phase == Phase::Weights && s.step == step)
            token->requestStop();
    }
};

SearchConfig folderConfig()
{
    SearchConfig c;
    c.epochs = 3;
    c.warmupEpochs = 1;
    c.batchSize = 8;
    c.lrWeights = 0.05;
    c.lrTheta = 0.1;
    c.compute.threads = 1;
    c.compute.loaderThreads = 2;
    c.samples = 2;
    c.seed = 5;
    return c;
}

} // namespace

TEST(FolderSearch, ResumesMidEpochOnTheSameImagesWhateverTheLoaderThreads)
{
    const fs::path dir = writeFolder("resume", 40);
    const auto space = test::tinySpace(R"(["skip", "k3_e1", "k3_e3"])", 2);
    const auto lut = test::tableFor(space, {{"skip", 0.5}, {"k3_e1", 1.0}, {"k3_e3", 3.0}});
    const Dataset data = loadImageFolder(dir.string(), Split::Train, space.inputSize);
    ASSERT_TRUE(data.streamed());
    const SearchConfig c = folderConfig();
    SearchObserver quiet;
    StopToken s1;
    const auto full = runSearch(space, lut, data, c, quiet, s1);
    ASSERT_EQ(full.epochsCompleted, 3);

    auto one = c;
    one.compute.loaderThreads = 1;
    StopToken s2;
    EXPECT_EQ(runSearch(space, lut, data, one, quiet, s2).theta, full.theta) << "one loader thread or two: the same bytes";

    const std::string ckpt = (dir / "run.ckpt").string();
    StopToken s3;
    StopAt stopper;
    stopper.token = &s3;
    CheckpointOptions opts;
    opts.path = ckpt;
    const auto part = runSearch(space, lut, data, c, stopper, s3, opts);
    ASSERT_TRUE(part.stopped);
    EXPECT_EQ(part.epochsCompleted, 1);
    torch::rand({100});
    opts.resume = true;
    StopToken s4;
    const auto rest = runSearch(space, lut, data, c, quiet, s4, opts);
    EXPECT_EQ(rest.theta, full.theta) << "resumed at weight step 2 of epoch 1: the same images, crops and flips";
    ASSERT_EQ(rest.epochs.size(), 3u);
    EXPECT_EQ(rest.epochs[1].weightsLoss, full.epochs[1].weightsLoss);
}

TEST(FolderSearch, ADamagedImageStopsTheSearchAtAStepItResumesFrom)
{
    const fs::path dir = writeFolder("damaged", 40);
    const auto space = test::tinySpace(R"(["skip", "k3_e1"])", 2);
    const auto lut = test::tableFor(space, {{"skip", 0.5}, {"k3_e1", 1.0}});
    const Dataset data = loadImageFolder(dir.string(), Split::Train, space.inputSize);
    const SearchConfig c = folderConfig();
    SearchObserver quiet;
    StopToken s1;
    const auto full = runSearch(space, lut, data, c, quiet, s1);

    // Damaged after the folder was read (as on a failing disk): the search names the file and stops.
    const fs::path victim = dir / data.files[7];
    const fs::path saved = dir / "saved";
    fs::copy_file(victim, saved);
    fs::resize_file(victim, fs::file_size(victim) / 3);
    const std::string ckpt = (dir / "run.ckpt").string();
    CheckpointOptions opts;
    opts.path = ckpt;
    StopToken s2;
    const std::string msg = test::errorOf([&] { runSearch(space, lut, data, c, quiet, s2, opts); });
    EXPECT_NE(msg.find(victim.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("its checkpoint resumes there"), std::string::npos) << msg;
    EXPECT_TRUE(checkpointHasPosition(ckpt)) << "stopped inside the epoch, with its position";

    // Replaced, the search resumes at that step and ends where an undisturbed one ends.
    fs::remove(victim);
    fs::rename(saved, victim);
    opts.resume = true;
    StopToken s3;
    EXPECT_EQ(runSearch(space, lut, data, c, quiet, s3, opts).theta, full.theta);

    // With skip-bad-images the search runs through and reports the file.
    fs::resize_file(victim, fs::file_size(victim) / 3);
    Dataset skipping = data;
    skipping.image.skipBadImages = true;
    StopToken s4;
    const auto through = runSearch(space, lut, skipping, c, quiet, s4);
    EXPECT_EQ(through.epochsCompleted, 3);
    EXPECT_EQ(through.badImages, std::vector<std::string>{victim.string()});
}

TEST(FolderSearch, TrainingOnAFolderLearnsAndEvaluatesOnItsValidationImages)
{
    const fs::path dir = writeFolder("train", 60);
    const auto space = test::tinySpace(R"(["k3_e1"])", 2);
    const Dataset train = loadImageFolder(dir.string(), Split::Train, space.inputSize);
    const Dataset val = loadImageFolder(dir.string(), Split::Test, space.inputSize);
    ASSERT_GT(val.size(), 4u);
    Architecture arch;
    arch.blocks.assign(space.layerCount(), "k3_e1");
    TrainConfig c;
    c.epochs = 4;
    c.batchSize = 8;
    c.lr = 0.05;
    c.compute.threads = 1;
    c.compute.loaderThreads = 2;
    StopToken stop;
    const auto r = trainArchitecture(space, arch, train, val, c, {}, stop);
    ASSERT_EQ(r.epochs.size(), 4u);
    EXPECT_GT(r.testTop1, 0.8) << "red against blue is easy once the crops are right";
}
