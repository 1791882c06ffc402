#include <filesystem>
#include <fstream>

#include <zlib.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "testutil.h"

#include "fbnet/dataset.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/error.h"

using namespace fbnet;
using fbnet::test::errorOf;
namespace fs = std::filesystem;

namespace {

fs::path tempDir(const std::string &name)
{
    const auto d = fs::temp_directory_path() / ("fbnet-data-" + name);
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

void writeGz(const fs::path &p, const std::vector<std::uint8_t> &bytes)
{
    gzFile f = gzopen(p.c_str(), "wb");
    gzwrite(f, bytes.data(), unsigned(bytes.size()));
    gzclose(f);
}

std::vector<std::uint8_t> idxHeader(std::uint32_t magic, std::vector<std::uint32_t> dims)
{
    std::vector<std::uint8_t> b;
    auto put = [&](std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8)
            b.push_back(std::uint8_t(v >> s));
    };
    put(magic);
    for (auto d : dims)
        put(d);
    return b;
}

} // namespace

TEST(Dataset, SyntheticIsSeededAndSharesPatternsAcrossSplits)
{
    const auto a = makeSynthetic(50, 5, 16, 3, 7, 1);
    const auto b = makeSynthetic(50, 5, 16, 3, 7, 1);
    const auto c = makeSynthetic(50, 5, 16, 3, 7, 2);
    EXPECT_EQ(a.pixels, b.pixels);
    EXPECT_NE(a.pixels, c.pixels);
    EXPECT_EQ(a.labels, c.labels);
    EXPECT_EQ(a.size(), 50u);
    EXPECT_EQ(a.imageBytes(), 3u * 16 * 16);
}

TEST(Dataset, SubsetKeepsRequestedSize)
{
    const auto a = makeSynthetic(100, 10, 8, 1, 3);
    const auto s = subset(a, 30, 1);
    EXPECT_EQ(s.size(), 30u);
    EXPECT_EQ(s.pixels.size(), 30u * a.imageBytes());
    EXPECT_EQ(subset(a, 0, 1).size(), 100u);
}

TEST(Dataset, FashionMnistFromDebianPackage)
{
    if (!fs::exists(defaultFashionMnistDir() + "/t10k-images-idx3-ubyte.gz"))
        GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    const auto d = loadFashionMnist("", Split::Test, 32);
    EXPECT_EQ(d.size(), 10000u);
    EXPECT_EQ(d.height, 32);
    EXPECT_EQ(d.numClasses, 10);
    // The 2-pixel zero border of the padding.
    for (int x = 0; x < 32; ++x)
        EXPECT_EQ(d.pixels[x], 0);
}

// Another folder of IDX files (5,000 MNIST digits) is not Fashion-MNIST: its runs and evaluations
// carry the folder in the data set's name; the default folder keeps the plain name.
TEST(Dataset, AnIdxFolderOtherThanTheDefaultIsNamedByIt)
{
    const auto dir = tempDir("otheridx");
    auto img = idxHeader(0x803, {2, 28, 28});
    img.resize(img.size() + 2 * 28 * 28, 7);
    auto lbl = idxHeader(0x801, {2});
    lbl.insert(lbl.end(), {3, 5});
    writeGz(dir / "train-images-idx3-ubyte.gz", img);
    writeGz(dir / "train-labels-idx1-ubyte.gz", lbl);
    const Dataset d = loadDataset("fashion-mnist:" + dir.string(), Split::Train, 28);
    EXPECT_EQ(d.size(), 2u);
    EXPECT_EQ(d.name, "fashion-mnist:" + dir.string());
    if (fs::exists(defaultFashionMnistDir() + "/t10k-images-idx3-ubyte.gz")) {
        EXPECT_EQ(loadDataset("fashion-mnist", Split::Test, 28).name, "fashion-mnist");
        EXPECT_EQ(loadDataset("fashion-mnist:" + defaultFashionMnistDir(), Split::Test, 28).name, "fashion-mnist");
    }
}

TEST(Dataset, WrongMagicAndTruncatedFilesNameTheFile)
{
    const auto dir = tempDir("bad");
    auto img = idxHeader(0x803, {2, 28, 28});
    img.resize(img.size() + 28 * 28);  // one image of two: truncated
    writeGz(dir / "train-images-idx3-ubyte.gz", img);
    auto lbl = idxHeader(0x801, {2});
    lbl.push_back(1);
    lbl.push_back(2);
    writeGz(dir / "train-labels-idx1-ubyte.gz", lbl);
    auto msg = errorOf([&] { loadFashionMnist(dir.string(), Split::Train); });
    EXPECT_NE(msg.find("train-images-idx3-ubyte.gz: data: truncated"), std::string::npos) << msg;

    writeGz(dir / "train-images-idx3-ubyte.gz", idxHeader(0x1234, {2, 28, 28}));
    msg = errorOf([&] { loadFashionMnist(dir.string(), Split::Train); });
    EXPECT_NE(msg.find("header: expected IDX image magic"), std::string::npos) << msg;

    // A gzip stream cut in the middle.
    std::vector<std::uint8_t> big = idxHeader(0x803, {100, 28, 28});
    big.resize(big.size() + 100 * 28 * 28, 7);
    writeGz(dir / "train-images-idx3-ubyte.gz", big);
    const auto size = fs::file_size(dir / "train-images-idx3-ubyte.gz");
    fs::resize_file(dir / "train-images-idx3-ubyte.gz", size / 2);
    msg = errorOf([&] { loadFashionMnist(dir.string(), Split::Train); });
    EXPECT_NE(msg.find("train-images-idx3-ubyte.gz"), std::string::npos) << msg;

    msg = errorOf([&] { loadFashionMnist((dir / "missing").string(), Split::Train); });
    EXPECT_NE(msg.find("file not found"), std::string::npos) << msg;
}

TEST(Dataset, Cifar10BinaryBatches)
{
    const auto dir = tempDir("cifar");
    std::vector<std::uint8_t> rec(3073 * 3, 5);
    rec[0] = 3;
    rec[3073] = 9;
    rec[2 * 3073] = 0;
    std::ofstream(dir / "test_batch.bin", std::ios::binary).write(reinterpret_cast<const char *>(rec.data()), std::streamsize(rec.size()));
    const auto d = loadCifar10(dir.string(), Split::Test);
    EXPECT_EQ(d.size(), 3u);
    EXPECT_EQ(d.labels[1], 9);
    std::ofstream(dir / "test_batch.bin", std::ios::binary).write(reinterpret_cast<const char *>(rec.data()), 100);
    EXPECT_NE(errorOf([&] { loadCifar10(dir.string(), Split::Test); }).find("3073-byte records"), std::string::npos);
}

// Added as one row of the data-set table and its loader: the registry's own test of "a new kind touches only those".
TEST(Dataset, Cifar100BinaryTakesTheFineLabels)
{
    const auto dir = tempDir("cifar100");
    std::vector<std::uint8_t> rec(3074 * 2, 7);
    rec[0] = 19, rec[1] = 99;         // coarse 19, fine 99
    rec[3074] = 0, rec[3074 + 1] = 42;
    std::ofstream(dir / "test.bin", std::ios::binary).write(reinterpret_cast<const char *>(rec.data()), std::streamsize(rec.size()));
    const auto d = loadDataset("cifar100:" + dir.string(), Split::Test, 32);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d.numClasses, 100);
    EXPECT_EQ(d.labels[0], 99);
    EXPECT_EQ(d.labels[1], 42);
    EXPECT_EQ(d.pixels.size(), 2u * 3072);
    EXPECT_EQ(d.pixels.front(), 7);
    rec[1] = 100;
    std::ofstream(dir / "test.bin", std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char *>(rec.data()), std::streamsize(rec.size()));
    EXPECT_NE(errorOf([&] { loadCifar100(dir.string(), Split::Test); }).find("record 0: expected a label 0..99, got 100"), std::string::npos);
    std::ofstream(dir / "test.bin", std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char *>(rec.data()), 3073);
    EXPECT_NE(errorOf([&] { loadCifar100(dir.string(), Split::Test); }).find("3074-byte records"), std::string::npos);
    EXPECT_NE(errorOf([&] { loadCifar100((dir / "none").string(), Split::Train); }).find("train.bin: file not found"), std::string::npos);
}

// Data files are bounded by what they inflate to, and synthetic data by what it would take in memory.
TEST(Dataset, ABombOrAHugeSyntheticSetIsRefusedWithItsNameBeforeMemoryRunsAway)
{
    const fs::path dir = fs::path(::testing::TempDir()) / "dataset-bomb";
    fs::remove_all(dir);
    fs::create_directories(dir);
    // 64 MB of zeros after a valid IDX header, gzip-compressed to a few hundred kB; the limit set to 16 MB.
    {
        gzFile f = gzopen((dir / "train-images-idx3-ubyte.gz").c_str(), "wb9");
        const unsigned char header[16] = {0, 0, 8, 3, 0, 1, 0x46, 0x50, 0, 0, 0, 28, 0, 0, 0, 28};  // 83,536 images of 28x28
        gzwrite(f, header, sizeof header);
        std::vector<unsigned char> zeros(1 << 20, 0);
        for (int i = 0; i < 64; ++i)
            gzwrite(f, zeros.data(), unsigned(zeros.size()));
        gzclose(f);
    }
    {
        std::ofstream labels(dir / "train-labels-idx1-ubyte", std::ios::binary);
        const unsigned char header[8] = {0, 0, 8, 1, 0, 1, 0x46, 0x50};
        labels.write(reinterpret_cast<const char *>(header), 8);
        labels << std::string(83536, '\0');
    }
    ::setenv("FBNET_MAX_DATA_BYTES", std::to_string(16 << 20).c_str(), 1);
    const std::string bomb = test::errorOf([&] { loadDataset("fashion-mnist:" + dir.string(), Split::Train, 32); });
    const std::string huge = test::errorOf([] { loadDataset("synthetic:1000000", Split::Train, 224); });
    ::unsetenv("FBNET_MAX_DATA_BYTES");
    EXPECT_NE(bomb.find("train-images-idx3-ubyte.gz: inflates to more than 16 MB"), std::string::npos) << bomb;
    EXPECT_NE(huge.find("synthetic:1000000: count: would take"), std::string::npos) << huge;
    EXPECT_EQ(test::errorOf([] { loadDataset("synthetic:1000", Split::Train, 32); }), "(no error)");
    // A FIFO where a data file should be is refused, not waited on.
    fs::remove(dir / "train-images-idx3-ubyte.gz");
    ASSERT_EQ(::mkfifo((dir / "train-images-idx3-ubyte").c_str(), 0600), 0);
    EXPECT_NE(test::errorOf([&] { loadDataset("fashion-mnist:" + dir.string(), Split::Train, 32); }).find("is a FIFO, not a regular file"),
              std::string::npos);
}
