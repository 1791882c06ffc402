// folder:DIR: JPEG and PNG in every mode, both layouts, the stable split, the streaming loader
// (determinism, resumed passes, transforms, bounded prefetch) and every bad-file case.
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <fstream>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "data/imagedecode.h"
#include "data/imagestream.h"
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

constexpr test::ImageMode kModes[] = {test::ImageMode::PngRgb,       test::ImageMode::JpegRgb,   test::ImageMode::JpegProgressive,
                                      test::ImageMode::PngGreyAlpha, test::ImageMode::PngGrey16, test::ImageMode::JpegGrey,
                                      test::ImageMode::JpegCmyk,     test::ImageMode::PngPalette};
constexpr int kModeCount = int(sizeof kModes / sizeof kModes[0]);

/** Two classes, red and blue, `n` images each in every mode, at odd sizes; plus a text file. */
void writeClasses(const fs::path &root, int n)
{
    for (int i = 0; i < n; ++i) {
        const auto mode = kModes[i % kModeCount];
        const std::string ext = test::isJpeg(mode) ? ".jpg" : ".png";
        test::writeImage(root / "red" / ("r" + std::to_string(i) + ext), mode, 40 + i, 30 + 2 * i, 250, 10, 10);
        test::writeImage(root / "blue" / ("b" + std::to_string(i) + ext), mode, 30 + 2 * i, 45, 10, 10, 250);
    }
    std::ofstream(root / "red" / "notes.txt") << "not an image";
    // A run store beside the photos: ignored by name, never opened (its locks would drop).
    std::ofstream(root / "blue" / "runs.sqlite") << "SQLite format 3";
    std::ofstream(root / "blue" / "runs.sqlite-wal") << "wal";
}

std::vector<std::size_t> identity(std::size_t n)
{
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), 0);
    return v;
}

/** Every image of a pass, concatenated, with the labels. */
std::pair<std::vector<std::uint8_t>, std::vector<std::int64_t>> readPass(const Dataset &d, const std::vector<std::size_t> &order,
                                                                          std::size_t from, int threads, detail::Transform t,
                                                                          std::uint64_t seed, std::size_t batch = 4)
{
    detail::ImageStream stream(d, threads, 2);
    stream.start(order, from, order.size(), batch, t, seed);
    std::vector<std::uint8_t> bytes;
    std::vector<std::int64_t> labels;
    for (std::size_t done = from; done < order.size();) {
        const auto b = stream.next();
        bytes.insert(bytes.end(), b.pixels->begin(), b.pixels->end());
        labels.insert(labels.end(), b.labels.begin(), b.labels.end());
        done += b.count;
    }
    return {bytes, labels};
}

} // namespace

TEST(ImageFolder, ReadsEveryModeSortsClassesAndHoldsOutAStableShare)
{
    const fs::path dir = freshDir("flat");
    writeClasses(dir, 32);
    const Dataset train = loadDataset("folder:" + dir.string(), Split::Train, 32);
    const Dataset val = loadDataset("folder:" + dir.string(), Split::Test, 32);
    EXPECT_EQ(train.classNames, (std::vector<std::string>{"blue", "red"}));
    EXPECT_EQ(train.numClasses, 2);
    EXPECT_EQ(train.size() + val.size(), 64u);
    EXPECT_GT(val.size(), 0u);
    EXPECT_LT(val.size(), 20u);
    EXPECT_EQ(train.ignoredFiles + val.ignoredFiles, 3u) << "notes.txt and the store's two files are counted, not loaded";
    EXPECT_TRUE(train.streamed());
    EXPECT_TRUE(train.pixels.empty()) << "a folder streams: nothing decoded at load";
    EXPECT_EQ(train.channels, 3);
    EXPECT_EQ(train.height, 32);
    // Colour survives every mode (CMYK JPEG and palette PNG included): red images are red (or grey
    // for the grey modes), blue ones blue.
    const auto [bytes, labels] = readPass(train, identity(train.size()), 0, 2, detail::Transform::Eval, 0);
    ASSERT_EQ(labels, train.labels);
    const std::size_t plane = 32 * 32;
    int cmykSeen = 0;
    for (std::size_t i = 0; i < train.size(); ++i) {
        const std::uint8_t *img = bytes.data() + i * 3 * plane;
        const int r = img[plane / 2], b = img[2 * plane + plane / 2];
        if (train.labels[i] == 1)
            EXPECT_GE(r, b) << train.files[i];
        else
            EXPECT_GE(b, r) << train.files[i];
        for (const char *cmyk : {"red/r6.jpg", "red/r14.jpg", "red/r22.jpg", "red/r30.jpg"})
            if (train.files[i] == cmyk) {
                EXPECT_GT(r, 200) << "CMYK red decodes as red";
                ++cmykSeen;
            }
    }
    EXPECT_GT(cmykSeen, 0);
    // Stable: loading again gives the same split; a larger fraction holds out more.
    const Dataset again = loadDataset("folder:" + dir.string(), Split::Test, 32);
    EXPECT_EQ(again.labels, val.labels);
    EXPECT_EQ(again.files, val.files);
    ImageOptions half;
    half.valFraction = 0.5;
    const std::size_t heldOut = loadImageFolder(dir.string(), Split::Test, 32, half).size();
    EXPECT_GT(heldOut, val.size());
    EXPECT_NEAR(double(heldOut), 32.0, 12.0);
    half.valFraction = 1.5;
    EXPECT_NE(test::errorOf([&] { loadImageFolder(dir.string(), Split::Test, 32, half); }).find("validation fraction"), std::string::npos);
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

TEST(ImageFolder, StreamedBytesDependOnNeitherThreadsNorWhereAPassResumes)
{
    const fs::path dir = freshDir("stream");
    writeClasses(dir, 12);
    const Dataset d = loadImageFolder(dir.string(), Split::Train, 24);
    std::vector<std::size_t> order = identity(d.size());
    std::mt19937_64 rng(3);
    std::shuffle(order.begin(), order.end(), rng);
    for (const auto t : {detail::Transform::Train, detail::Transform::Eval}) {
        const auto one = readPass(d, order, 0, 1, t, 42);
        const auto three = readPass(d, order, 0, 3, t, 42);
        EXPECT_EQ(one, three) << "the thread count changes nothing";
        // A pass resumed at sample 8 (batch 4: the third batch) gives the uninterrupted pass's tail.
        const auto tail = readPass(d, order, 8, 2, t, 42);
        ASSERT_EQ(tail.first.size(), one.first.size() - 8 * d.imageBytes());
        EXPECT_TRUE(std::equal(tail.first.begin(), tail.first.end(), one.first.begin() + std::ptrdiff_t(8 * d.imageBytes())));
        EXPECT_EQ(std::vector<std::int64_t>(one.second.begin() + 8, one.second.end()), tail.second);
    }
    // Training crops are random per pass (and differ from the centre crop); evaluation is fixed.
    EXPECT_NE(readPass(d, order, 0, 2, detail::Transform::Train, 1).first, readPass(d, order, 0, 2, detail::Transform::Train, 2).first);
    EXPECT_NE(readPass(d, order, 0, 2, detail::Transform::Train, 1).first, readPass(d, order, 0, 2, detail::Transform::Eval, 1).first);
    EXPECT_EQ(readPass(d, order, 0, 2, detail::Transform::Eval, 1).first, readPass(d, order, 0, 2, detail::Transform::Eval, 2).first);
    // A short last batch, and a new pass started while the old one is still decoding.
    detail::ImageStream stream(d, 2, 3);
    stream.start(order, 0, order.size(), 5, detail::Transform::Train, 9);
    stream.next();
    stream.start(order, 0, 7, 5, detail::Transform::Eval, 9);
    EXPECT_EQ(stream.next().count, 5u);
    EXPECT_EQ(stream.next().count, 2u);
    EXPECT_THROW(stream.next(), Error);
}

TEST(ImageFolder, NormalizeAutoMeasuresTheTrainingImages)
{
    const fs::path dir = freshDir("norm");
    writeClasses(dir, 8);
    ImageOptions o;
    o.normalizeAuto = true;
    const Dataset train = loadImageFolder(dir.string(), Split::Train, 16, o);
    const Dataset val = loadImageFolder(dir.string(), Split::Test, 16, o);
    ASSERT_EQ(train.mean.size(), 3u);
    EXPECT_EQ(val.mean, train.mean) << "the validation split uses the training statistics";
    EXPECT_EQ(val.std, train.std);
    EXPECT_GT(train.std[0], 0.2f);  // half the images are red, half blue: a wide spread
    EXPECT_LT(train.mean[1], 0.2f);  // no green anywhere
    const Dataset plain = loadImageFolder(dir.string(), Split::Train, 16);
    EXPECT_FLOAT_EQ(plain.mean[0], 0.485f);
}

TEST(ImageFolder, BadFilesAndFoldersAreErrorsThatNameThem)
{
    const fs::path dir = freshDir("bad");
    writeClasses(dir, 12);
    auto decodeAll = [](const Dataset &d) { readPass(d, identity(d.size()), 0, 2, detail::Transform::Train, 1); };
    auto errorOfBoth = [&](const ImageOptions &o) {
        const Dataset train = loadImageFolder(dir.string(), Split::Train, 32, o), val = loadImageFolder(dir.string(), Split::Test, 32, o);
        return test::errorOf([&] { decodeAll(train); }) + test::errorOf([&] { decodeAll(val); });
    };
    // A truncated JPEG and a truncated PNG each stop the pass with their name.
    fs::resize_file(dir / "red" / "r1.jpg", fs::file_size(dir / "red" / "r1.jpg") / 2);
    std::string msg = errorOfBoth({});
    EXPECT_NE(msg.find("r1.jpg: JPEG"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--skip-bad-images"), std::string::npos) << msg;
    fs::resize_file(dir / "red" / "r0.png", 60);
    msg = errorOfBoth({});
    EXPECT_NE(msg.find("r0.png: PNG"), std::string::npos) << msg;
    // --skip-bad-images: the next readable image stands in, and the files are reported.
    ImageOptions skip;
    skip.skipBadImages = true;
    EXPECT_EQ(errorOfBoth(skip), "(no error)(no error)");
    std::size_t reported = 0;
    for (const Split split : {Split::Train, Split::Test}) {
        const Dataset d = loadImageFolder(dir.string(), split, 32, skip);
        detail::ImageStream stream(d, 2);
        stream.start(identity(d.size()), 0, d.size(), 2, detail::Transform::Eval, 0);
        for (std::size_t i = 0; i < d.size(); i += 2)
            stream.next();
        for (const auto &f : stream.badFiles())
            EXPECT_TRUE(f.find("r1.jpg") != std::string::npos || f.find("r0.png") != std::string::npos) << f;
        reported += stream.badFiles().size();
    }
    EXPECT_EQ(reported, 2u);
    // A file that vanished after the folder was read cannot be opened: named too.
    fs::remove(dir / "red" / "r0.png");
    fs::remove(dir / "red" / "r1.jpg");
    const Dataset listed = loadImageFolder(dir.string(), Split::Train, 32);
    const std::string victim = listed.files.back();
    fs::rename(dir / victim, dir / "moved");
    msg = test::errorOf([&] { decodeAll(listed); });
    fs::rename(dir / "moved", dir / victim);
    EXPECT_NE(msg.find(victim + ": is missing"), std::string::npos) << msg;
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

// A folder is read once, whatever links reach it: links back into the data set (to the class folder,
// to its parent) would count files several times or label another class's files as this class.
TEST(ImageFolder, LinkedFoldersAreListedOnceAndLoopsAreSkippedAndNamed)
{
    const fs::path dir = freshDir("links");
    writeClasses(dir, 12);
    fs::create_directory_symlink(".", dir / "red" / "self");
    fs::create_directory_symlink(".", dir / "red" / "again");
    fs::create_directory_symlink("..", dir / "red" / "up");
    const fs::path outside = freshDir("links-outside");
    test::writeImage(outside / "o.png", test::ImageMode::PngRgb, 20, 20, 250, 0, 0);
    fs::create_directory_symlink(outside, dir / "red" / "more");
    fs::create_directory_symlink(outside, dir / "red" / "more-again");
    const Dataset train = loadImageFolder(dir.string(), Split::Train, 32), val = loadImageFolder(dir.string(), Split::Test, 32);
    // 12 images per class, plus the outside folder's one image, once: red 13, blue 12.
    EXPECT_EQ(train.size() + val.size(), 25u);
    std::size_t red = 0;
    for (const Dataset *d : {&train, &val})
        for (auto l : d->labels)
            red += l == 1 ? 1 : 0;  // classes sorted: blue 0, red 1
    EXPECT_EQ(red, 13u);
    std::string named;
    for (const auto &e : train.ignoredExamples)
        named += e + "\n";
    for (const char *link : {"self", "again", "up"})
        EXPECT_NE(named.find(std::string("red/") + link + ": a link to a folder already listed"), std::string::npos) << named;
    EXPECT_NE(named.find("more-again: a link to a folder already listed"), std::string::npos) << named;
}

TEST(ImageFolder, DanglingLinksLoopsFifosAndDevicesAreSkippedCountedAndNamed)
{
    const fs::path dir = freshDir("odd");
    writeClasses(dir, 4);
    fs::create_symlink("nowhere.png", dir / "red" / "dangling.png");
    fs::create_symlink("loop-b.png", dir / "red" / "loop-a.png");
    fs::create_symlink("loop-a.png", dir / "red" / "loop-b.png");
    ASSERT_EQ(::mkfifo((dir / "red" / "fifo.png").c_str(), 0600), 0);
    fs::create_symlink("/dev/zero", dir / "red" / "zero.jpg");
    ImageOptions o;
    o.valFraction = 0.01;
    const Dataset d = loadImageFolder(dir.string(), Split::Train, 32, o);
    std::string named;
    for (const auto &e : d.ignoredExamples)
        named += e + "\n";
    EXPECT_NE(named.find("dangling.png: a dangling link"), std::string::npos) << named;
    EXPECT_NE(named.find("loop-a.png: a link loop"), std::string::npos) << named;
    EXPECT_NE(named.find("fifo.png: a FIFO"), std::string::npos) << named;
    EXPECT_NE(named.find("zero.jpg: a device"), std::string::npos) << named;
    EXPECT_GE(d.ignoredFiles, 5u + 1u);  // the five, and notes.txt (not an image)
}

// An image swapped for a FIFO after the folder was read is refused at once (never waited on), and a
// stop ends a wait for a decoder that does not come back.
TEST(ImageFolder, AFifoIsRefusedAtOnceAndAStopWinsOverAReadThatNeverReturns)
{
    const fs::path dir = freshDir("fifo");
    writeClasses(dir, 4);
    ImageOptions o;
    o.valFraction = 0.01;
    const Dataset d = loadImageFolder(dir.string(), Split::Train, 32, o);
    const fs::path victim = dir / d.files.front();
    fs::remove(victim);
    ASSERT_EQ(::mkfifo(victim.c_str(), 0600), 0);
    const std::string msg = test::errorOf([&] { readPass(d, identity(d.size()), 0, 2, detail::Transform::Eval, 1); });
    EXPECT_NE(msg.find(d.files.front() + ": is a FIFO, not a regular file"), std::string::npos) << msg;

    // A decoder held inside its read (as on a hung network mount): next() waits, a stop ends the wait.
    // The hold's state is shared with the decoder, which outlives the stream (and may outlive this scope).
    struct Hold
    {
        std::mutex m;
        std::condition_variable cv;
        bool release = false, entered = false;
    };
    const auto hold = std::make_shared<Hold>();
    detail::setBeforeDecodeForTesting([hold] {
        std::unique_lock<std::mutex> lk(hold->m);
        hold->entered = true;
        hold->cv.notify_all();
        hold->cv.wait(lk, [&] { return hold->release; });
    });
    StopToken stop;
    {
        detail::ImageStream stream(d, 1, 1);
        stream.setStop(&stop);
        stream.start(identity(d.size()), 1, d.size(), 2, detail::Transform::Eval, 0);
        {
            std::unique_lock<std::mutex> lk(hold->m);
            hold->cv.wait(lk, [&] { return hold->entered; });  // an event, not a clock: the decoder is inside its read
        }
        stop.requestStop();
        EXPECT_THROW(stream.next(), detail::LoaderStopped);
    }  // the stream ends without waiting for the held decoder
    detail::setBeforeDecodeForTesting({});
    {
        std::lock_guard<std::mutex> lk(hold->m);
        hold->release = true;
    }
    hold->cv.notify_all();
    // The left-behind decoder finishes its read, finds the stream gone and ends: the process can exit.
    detail::waitForDecodersToEndForTesting();
}

// Damaged JPEGs that libjpeg only warns about, a header promising far more than the file holds, and a
// file too large to be an image, each refused with the file's name (none decoded into gigabytes).
TEST(ImageFolder, TruncatedJpegsLyingHeadersAndHugeFilesAreRefused)
{
    const fs::path dir = freshDir("jpeg");
    test::writeImage(dir / "photo.jpg", test::ImageMode::JpegRgb, 640, 480, 120, 60, 30);
    std::ifstream in(dir / "photo.jpg", std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Its scan cut at 60% with an end-of-image marker appended: libjpeg's "Corrupt JPEG data: premature end of data segment".
    std::size_t sos = 0;
    for (std::size_t i = 0; i + 1 < bytes.size() && !sos; ++i)
        if (std::uint8_t(bytes[i]) == 0xff && std::uint8_t(bytes[i + 1]) == 0xda)
            sos = i;
    ASSERT_GT(sos, 0u);
    std::vector<char> cut(bytes.begin(), bytes.begin() + std::ptrdiff_t(sos + 20 + (bytes.size() - sos - 20) * 6 / 10));
    cut.push_back(char(0xff));
    cut.push_back(char(0xd9));
    std::ofstream(dir / "cut.jpg", std::ios::binary).write(cut.data(), std::streamsize(cut.size()));
    std::string msg = test::errorOf([&] { detail::decodeImage((dir / "cut.jpg").string()); });
    EXPECT_NE(msg.find("cut.jpg: JPEG: damaged or truncated"), std::string::npos) << msg;
    // A small JPEG whose frame header says 8192 x 8192.
    test::writeImage(dir / "small.jpg", test::ImageMode::JpegGrey, 16, 16, 80, 80, 80);
    std::ifstream sin(dir / "small.jpg", std::ios::binary);
    std::vector<char> small((std::istreambuf_iterator<char>(sin)), std::istreambuf_iterator<char>());
    bool patched = false;
    for (std::size_t i = 0; i + 8 < small.size() && !patched; ++i)
        if (std::uint8_t(small[i]) == 0xff && (std::uint8_t(small[i + 1]) == 0xc0 || std::uint8_t(small[i + 1]) == 0xc2)) {
            small[i + 5] = small[i + 7] = char(0x20);  // 0x2000 = 8192
            small[i + 6] = small[i + 8] = 0;
            patched = true;
        }
    ASSERT_TRUE(patched);
    std::ofstream(dir / "liar.jpg", std::ios::binary).write(small.data(), std::streamsize(small.size()));
    msg = test::errorOf([&] { detail::decodeImage((dir / "liar.jpg").string()); });
    EXPECT_NE(msg.find("liar.jpg: JPEG: its header says 8192 x 8192, more than its"), std::string::npos) << msg;
    // A sparse file of 6 GB that starts like a JPEG: refused by its size, never read.
    {
        std::ofstream(dir / "huge.jpg", std::ios::binary).write(bytes.data(), 64);
    }
    fs::resize_file(dir / "huge.jpg", std::uintmax_t(6) << 30);
    msg = test::errorOf([&] { detail::decodeImage((dir / "huge.jpg").string()); });
    EXPECT_NE(msg.find("huge.jpg: is 6144 MB; an image files are limited to 64 MB"), std::string::npos) << msg;
    fs::remove(dir / "huge.jpg");
}
