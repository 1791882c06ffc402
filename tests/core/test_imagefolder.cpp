// folder:DIR: JPEG and PNG in every mode, both layouts, the stable split, and every bad-file case.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "fbnet/datasetkinds.h"
#include "imagefiles.h"
#include "testutil.h"

using namespace fbnet;
namespace fs = std::filesystem;

namespace {

fs::path freshDir(const std::string &name)
{
    const fs::path d = fs::path(::testing::TempDir()) / ("imagefolder-" + name);
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

/** Two classes, red and blue, `n` images each in every mode, at odd sizes; plus a text file. */
void writeClasses(const fs::path &root, int n)
{
    const test::ImageMode modes[] = {test::ImageMode::PngRgb, test::ImageMode::JpegRgb, test::ImageMode::JpegProgressive,
                                     test::ImageMode::PngGreyAlpha, test::ImageMode::PngGrey16, test::ImageMode::JpegGrey};
    for (int i = 0; i < n; ++i) {
        const auto mode = modes[i % 6];
        const bool jpeg = mode == test::ImageMode::JpegRgb || mode == test::ImageMode::JpegGrey || mode == test::ImageMode::JpegProgressive;
        const std::string ext = jpeg ? ".jpg" : ".png";
        test::writeImage(root / "red" / ("r" + std::to_string(i) + ext), mode, 40 + i, 30 + 2 * i, 250, 10, 10);
        test::writeImage(root / "blue" / ("b" + std::to_string(i) + ext), mode, 30 + 2 * i, 45, 10, 10, 250);
    }
    std::ofstream(root / "red" / "notes.txt") << "not an image";
}

} // namespace

TEST(ImageFolder, ReadsEveryModeSortsClassesAndHoldsOutAStableTenth)
{
    const fs::path dir = freshDir("flat");
    writeClasses(dir, 30);
    const Dataset train = loadDataset("folder:" + dir.string(), Split::Train, 32);
    const Dataset val = loadDataset("folder:" + dir.string(), Split::Test, 32);
    EXPECT_EQ(train.classNames, (std::vector<std::string>{"blue", "red"}));
    EXPECT_EQ(train.numClasses, 2);
    EXPECT_EQ(train.size() + val.size(), 60u);
    EXPECT_GT(val.size(), 0u);
    EXPECT_LT(val.size(), 20u);
    EXPECT_EQ(train.ignoredFiles + val.ignoredFiles, 1u) << "notes.txt is counted, not loaded";
    EXPECT_EQ(train.channels, 3);
    EXPECT_EQ(train.height, 32);
    // Colour survives every mode: red images are red (or grey for the grey modes), blue ones blue.
    const std::size_t plane = 32 * 32;
    for (std::size_t i = 0; i < train.size(); ++i) {
        const std::uint8_t *img = train.pixels.data() + i * 3 * plane;
        const int r = img[plane / 2], b = img[2 * plane + plane / 2];
        if (train.labels[i] == 1)
            EXPECT_GE(r, b) << i;
        else
            EXPECT_GE(b, r) << i;
    }
    // Stable: loading again gives the same split and bytes.
    const Dataset again = loadDataset("folder:" + dir.string(), Split::Test, 32);
    EXPECT_EQ(again.labels, val.labels);
    EXPECT_EQ(again.pixels, val.pixels);
}

TEST(ImageFolder, UsesTrainAndValFoldersWhenBothExist)
{
    const fs::path dir = freshDir("split");
    writeClasses(dir / "train", 4);
    writeClasses(dir / "val", 2);
    const Dataset train = loadImageFolder(dir.string(), Split::Train, 16);
    const Dataset val = loadImageFolder(dir.string(), Split::Test, 16);
    EXPECT_EQ(train.size(), 8u);
    EXPECT_EQ(val.size(), 4u);
    EXPECT_EQ(val.classNames, train.classNames);
}

TEST(ImageFolder, BadFilesAndFoldersAreErrorsThatNameThem)
{
    const fs::path dir = freshDir("bad");
    writeClasses(dir, 2);
    // A truncated JPEG and a truncated PNG each stop the load with their name.
    fs::resize_file(dir / "red" / "r1.jpg", fs::file_size(dir / "red" / "r1.jpg") / 2);
    std::string msg = test::errorOf([&] { loadImageFolder(dir.string(), Split::Train, 32); });
    msg += test::errorOf([&] { loadImageFolder(dir.string(), Split::Test, 32); });
    EXPECT_NE(msg.find("r1.jpg: JPEG"), std::string::npos) << msg;
    fs::remove(dir / "red" / "r1.jpg");
    fs::resize_file(dir / "red" / "r0.png", 60);
    msg = test::errorOf([&] { loadImageFolder(dir.string(), Split::Train, 32); });
    msg += test::errorOf([&] { loadImageFolder(dir.string(), Split::Test, 32); });
    EXPECT_NE(msg.find("r0.png: PNG"), std::string::npos) << msg;
    fs::remove(dir / "red" / "r0.png");
    // An empty class folder, a single class, and no folder at all.
    fs::create_directories(dir / "green");
    EXPECT_NE(test::errorOf([&] { loadImageFolder(dir.string(), Split::Train, 32); }).find("green: the class folder holds no files"),
              std::string::npos);
    fs::remove_all(dir / "green");
    fs::remove_all(dir / "blue");
    EXPECT_NE(test::errorOf([&] { loadImageFolder(dir.string(), Split::Train, 32); }).find("expected at least 2 class folders"),
              std::string::npos);
    EXPECT_NE(test::errorOf([&] { loadDataset("folder:" + (dir / "none").string(), Split::Train, 32); }).find("not a folder"),
              std::string::npos);
}
