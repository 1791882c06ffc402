#include "fbnet/dataset.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <random>

#include <zlib.h>

#include "fbnet/error.h"
#include "base/fileread.h"

namespace fs = std::filesystem;

namespace fbnet {

std::string defaultFashionMnistDir()
{
    if (const char *env = std::getenv("FBNET_FASHION_MNIST_DIR"); env && *env)
        return env;
    return "/usr/share/datasets/fashion-mnist";
}

static std::uint32_t be32(const std::vector<std::uint8_t> &b, std::size_t at)
{
    return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) | (std::uint32_t(b[at + 2]) << 8) | b[at + 3];
}

static std::string findIdx(const std::string &dir, const std::string &stem)
{
    for (const std::string &candidate : {dir + "/" + stem + ".gz", dir + "/" + stem})
        if (fs::exists(candidate))
            return candidate;
    throw Error::at(dir + "/" + stem + ".gz", "",
                    "file not found (install Debian package dataset-fashion-mnist, or name the folder of the IDX files: fashion-mnist:DIR)");
}

Dataset loadFashionMnist(const std::string &dirIn, Split split, int padTo)
{
    const std::string dir = dirIn.empty() ? defaultFashionMnistDir() : dirIn;
    const std::string prefix = split == Split::Train ? "train" : "t10k";
    const std::string imgPath = findIdx(dir, prefix + "-images-idx3-ubyte");
    const std::string lblPath = findIdx(dir, prefix + "-labels-idx1-ubyte");
    const auto img = detail::readMaybeGz(imgPath, detail::maxDataFileBytes());
    const auto lbl = detail::readMaybeGz(lblPath, detail::maxDataFileBytes());
    if (img.size() < 16 || be32(img, 0) != 0x00000803)
        throw Error::at(imgPath, "header", "expected IDX image magic 0x00000803");
    if (lbl.size() < 8 || be32(lbl, 0) != 0x00000801)
        throw Error::at(lblPath, "header", "expected IDX label magic 0x00000801");
    const std::size_t n = be32(img, 4), rows = be32(img, 8), cols = be32(img, 12);
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
        throw Error::at(imgPath, "header", "implausible image size");
    if (img.size() != 16 + n * rows * cols)
        throw Error::at(imgPath, "data", "truncated: expected " + std::to_string(16 + n * rows * cols)
                                             + " bytes for " + std::to_string(n) + " images, got " + std::to_string(img.size()));
    if (be32(lbl, 4) != n || lbl.size() != 8 + n)
        throw Error::at(lblPath, "data", "expected " + std::to_string(n) + " labels matching " + imgPath);
    // An input smaller than the images: each f x f block averaged (f the smallest factor that fits), then padded.
    const std::size_t f = padTo > 0 && std::size_t(padTo) < std::max(rows, cols)
                              ? (std::max(rows, cols) + std::size_t(padTo) - 1) / std::size_t(padTo)
                              : 1;
    const std::size_t srcRows = rows / f, srcCols = cols / f;
    const int pad = std::max<int>(padTo, int(std::max(srcRows, srcCols)));
    const int offR = (pad - int(srcRows)) / 2, offC = (pad - int(srcCols)) / 2;
    Dataset d;
    d.name = "fashion-mnist";
    d.channels = 1;
    d.height = d.width = pad;
    d.numClasses = 10;
    d.pixels.assign(n * std::size_t(pad) * std::size_t(pad), 0);
    d.labels.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t *src = img.data() + 16 + i * rows * cols;
        std::uint8_t *dst = d.pixels.data() + i * std::size_t(pad) * std::size_t(pad);
        for (std::size_t r = 0; r < srcRows; ++r)
            for (std::size_t c = 0; c < srcCols; ++c) {
                unsigned sum = 0;
                for (std::size_t dr = 0; dr < f; ++dr)
                    for (std::size_t dc = 0; dc < f; ++dc)
                        sum += src[(r * f + dr) * cols + c * f + dc];
                dst[(r + std::size_t(offR)) * std::size_t(pad) + c + std::size_t(offC)] = std::uint8_t((sum + f * f / 2) / (f * f));
            }
        d.labels[i] = lbl[8 + i];
        if (d.labels[i] > 9)
            throw Error::at(lblPath, "label " + std::to_string(i), "expected a class 0..9");
    }
    if (f == 1) {
        // Fashion-MNIST statistics over the 28x28 training images, rescaled for the zero padding.
        const double area = double(rows * cols) / double(pad * pad);
        const double m = 0.2860 * area;
        const double ex2 = (0.3530 * 0.3530 + 0.2860 * 0.2860) * area;
        d.mean = {float(m)};
        d.std = {float(std::sqrt(ex2 - m * m))};
    } else {
        // Downsampled: the statistics of these pixels (averaging changes the spread, not the mean).
        double sum = 0, sum2 = 0;
        for (std::uint8_t v : d.pixels) {
            sum += v / 255.0;
            sum2 += (v / 255.0) * (v / 255.0);
        }
        const double count = double(std::max<std::size_t>(1, d.pixels.size()));
        const double m = sum / count;
        d.mean = {float(m)};
        d.std = {float(std::sqrt(std::max(1e-12, sum2 / count - m * m)))};
    }
    return d;
}

namespace {

/** The binary CIFAR layout: records of `labelBytes` label bytes (the last one used) and 3x32x32 pixels. */
struct CifarFormat
{
    const char *name;         ///< "cifar10"
    const char *files;        ///< for "file not found"
    int labelBytes;           ///< 1 (CIFAR-10) or 2 (CIFAR-100: coarse, then fine)
    int classes;
};

Dataset readCifar(const std::vector<std::string> &files, const CifarFormat &f)
{
    Dataset d;
    d.name = f.name;
    d.channels = 3;
    d.height = d.width = 32;
    d.numClasses = f.classes;
    const std::size_t rec = std::size_t(f.labelBytes) + 3072;
    for (const auto &file : files) {
        if (!fs::exists(file))
            throw Error::at(file, "", std::string("file not found (expected the ") + f.files + ")");
        const auto bytes = detail::readMaybeGz(file, detail::maxDataFileBytes());
        if (bytes.empty() || bytes.size() % rec != 0)
            throw Error::at(file, "data", "expected a multiple of " + std::to_string(rec) + "-byte records, got " + std::to_string(bytes.size())
                                              + " bytes");
        for (std::size_t at = 0; at < bytes.size(); at += rec) {
            const int label = bytes[at + std::size_t(f.labelBytes) - 1];
            if (label >= f.classes)
                throw Error::at(file, "record " + std::to_string(at / rec),
                                "expected a label 0.." + std::to_string(f.classes - 1) + ", got " + std::to_string(label));
            d.labels.push_back(label);
            d.pixels.insert(d.pixels.end(), bytes.begin() + std::ptrdiff_t(at + std::size_t(f.labelBytes)),
                            bytes.begin() + std::ptrdiff_t(at + rec));
        }
    }
    return d;
}

} // namespace

Dataset loadCifar10(const std::string &dir, Split split)
{
    std::vector<std::string> files;
    if (split == Split::Train)
        for (int i = 1; i <= 5; ++i)
            files.push_back(dir + "/data_batch_" + std::to_string(i) + ".bin");
    else
        files.push_back(dir + "/test_batch.bin");
    Dataset d = readCifar(files, {"cifar10", "CIFAR-10 binary version: data_batch_1..5.bin, test_batch.bin", 1, 10});
    d.mean = {0.4914f, 0.4822f, 0.4465f};
    d.std = {0.2470f, 0.2435f, 0.2616f};
    return d;
}

Dataset loadCifar100(const std::string &dir, Split split)
{
    Dataset d = readCifar({dir + (split == Split::Train ? "/train.bin" : "/test.bin")},
                          {"cifar100", "CIFAR-100 binary version: train.bin, test.bin", 2, 100});
    d.mean = {0.5071f, 0.4865f, 0.4409f};
    d.std = {0.2673f, 0.2564f, 0.2762f};
    return d;
}

Dataset makeSynthetic(int count, int numClasses, int size, int channels, std::uint64_t seed,
                      std::uint64_t noiseSeed)
{
    if (count < 1 || numClasses < 2 || size < 1 || channels < 1)
        throw Error::at("synthetic data", "", "expected count >= 1, classes >= 2, size >= 1, channels >= 1");
    // Generated in memory before any subset is taken: bounded, so that a typo cannot take the machine.
    const double bytes = double(count) * channels * size * size;
    if (bytes > double(detail::maxDataFileBytes()))
        throw Error::at("synthetic:" + std::to_string(count), "count",
                        "would take " + std::to_string(std::uint64_t(bytes / (1 << 20))) + " MB at " + std::to_string(size) + "x" + std::to_string(size)
                            + "; synthetic data is generated in memory and limited to " + std::to_string(detail::maxDataFileBytes() >> 20)
                            + " MB (ask for fewer images; --subset draws from what is generated)");
    std::mt19937_64 rng(seed);
    const std::size_t img = std::size_t(channels) * size * size;
    std::vector<std::vector<float>> templates(numClasses, std::vector<float>(img));
    std::uniform_real_distribution<float> u(0.f, 1.f);
    // Smooth, class-specific blobs: a few random Gaussian bumps per class.
    for (auto &t : templates) {
        for (int b = 0; b < 3; ++b) {
            const float cy = u(rng) * size, cx = u(rng) * size, r = 1.5f + u(rng) * size / 4.f;
            const int ch = int(u(rng) * channels) % channels;
            for (int y = 0; y < size; ++y)
                for (int x = 0; x < size; ++x) {
                    const float d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
                    t[std::size_t(ch) * size * size + y * size + x] += std::exp(-d2 / (2 * r * r));
                }
        }
    }
    rng.seed(noiseSeed ? noiseSeed : seed + 0x9e3779b97f4a7c15ULL);
    std::normal_distribution<float> noise(0.f, 0.15f);
    Dataset d;
    d.name = "synthetic";
    d.channels = channels;
    d.height = d.width = size;
    d.numClasses = numClasses;
    d.pixels.resize(std::size_t(count) * img);
    d.labels.resize(count);
    for (int i = 0; i < count; ++i) {
        const int c = i % numClasses;
        d.labels[i] = c;
        for (std::size_t p = 0; p < img; ++p) {
            const float v = std::clamp(templates[c][p] * 0.8f + noise(rng) + 0.1f, 0.f, 1.f);
            d.pixels[std::size_t(i) * img + p] = std::uint8_t(v * 255.f + 0.5f);
        }
    }
    d.mean.assign(channels, 0.3f);
    d.std.assign(channels, 0.3f);
    return d;
}

namespace {

/** The images of `data` at `idx` (sorted), as a data set of its own. */
Dataset pick(const Dataset &data, std::vector<std::size_t> idx)
{
    std::sort(idx.begin(), idx.end());
    const std::size_t count = idx.size();
    Dataset out = data;
    out.labels.resize(count);
    if (data.streamed()) {
        out.files.resize(count);
        for (std::size_t i = 0; i < count; ++i) {
            out.files[i] = data.files[idx[i]];
            out.labels[i] = data.labels[idx[i]];
        }
        return out;
    }
    out.pixels.resize(count * data.imageBytes());
    for (std::size_t i = 0; i < count; ++i) {
        std::copy_n(data.pixels.begin() + idx[i] * data.imageBytes(), data.imageBytes(),
                    out.pixels.begin() + i * data.imageBytes());
        out.labels[i] = data.labels[idx[i]];
    }
    return out;
}

std::vector<std::size_t> seededOrder(std::size_t n, std::uint64_t seed)
{
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::mt19937_64 rng(seed);
    std::shuffle(idx.begin(), idx.end(), rng);
    return idx;
}

} // namespace

Dataset subset(const Dataset &data, std::size_t count, std::uint64_t seed)
{
    if (count == 0 || count >= data.size())
        return data;
    auto idx = seededOrder(data.size(), seed);
    idx.resize(count);
    return pick(data, std::move(idx));
}

Dataset heldOutOf(const Dataset &data, std::size_t subsetCount, std::uint64_t seed, std::size_t count)
{
    if (subsetCount == 0 || subsetCount >= data.size())
        return pick(data, {});
    const auto idx = seededOrder(data.size(), seed);
    const std::size_t end = std::min(data.size(), subsetCount + count);
    return pick(data, std::vector<std::size_t>(idx.begin() + std::ptrdiff_t(subsetCount), idx.begin() + std::ptrdiff_t(end)));
}

} // namespace fbnet
