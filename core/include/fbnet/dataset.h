#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fbnet {

/** How a folder data set is split and how its images become inputs (the in-memory kinds ignore it). */
struct ImageOptions
{
    double valFraction = 0.1;      ///< DIR/<class>/* alone: the share held out for validation (by a hash of each path)
    bool skipBadImages = false;    ///< a damaged image is replaced by the next readable one and recorded, not an error
    bool normalizeAuto = false;    ///< mean/std from a sample of the training images instead of ImageNet's
    double scaleMin = 0.08, scaleMax = 1.0;        ///< training crops: share of the image's area (torchvision's defaults)
    double ratioMin = 3.0 / 4.0, ratioMax = 4.0 / 3.0;  ///< training crops: aspect ratio w/h
};

/// Field by field (a new field belongs here too): e.g. whether options are still the defaults.
inline bool operator==(const ImageOptions &a, const ImageOptions &b)
{
    return a.valFraction == b.valFraction && a.skipBadImages == b.skipBadImages && a.normalizeAuto == b.normalizeAuto &&
           a.scaleMin == b.scaleMin && a.scaleMax == b.scaleMax && a.ratioMin == b.ratioMin && a.ratioMax == b.ratioMax;
}
inline bool operator!=(const ImageOptions &a, const ImageOptions &b) { return !(a == b); }

/**
 * An image classification data set held as 8-bit pixels (N x C x H x W, row-major) with labels.
 * Normalisation to floats happens per batch, so 60k Fashion-MNIST images take 60 MB, not 700.
 */
struct Dataset
{
    std::string name;
    int channels = 1;
    int height = 0;
    int width = 0;
    int numClasses = 0;
    std::vector<std::uint8_t> pixels;
    std::vector<std::int64_t> labels;
    std::vector<float> mean;  ///< per channel, in [0,1] units
    std::vector<float> std;
    std::vector<std::string> classNames;  ///< folder data sets: the class folders, sorted (index = label)
    std::size_t ignoredFiles = 0;         ///< folder data sets: entries skipped (not JPEG or PNG, links that loop or dangle, FIFOs, devices)
    std::vector<std::string> ignoredExamples;  ///< the first skipped entries that were not plain files, "path: why" (at most 20)
    /// Folder data sets stream from disk: image i is `root`/`files[i]`, decoded and transformed per
    /// batch at height x width (`pixels` stays empty, so memory does not grow with the count).
    std::string root;
    std::vector<std::string> files;
    ImageOptions image;
    std::vector<std::string> badFiles;    ///< folder data sets with skipBadImages: files that could not be read (more are found while streaming)

    bool streamed() const { return !files.empty(); }

    std::size_t size() const { return labels.size(); }
    std::size_t imageBytes() const { return std::size_t(channels) * height * width; }
};

enum class Split { Train, Test };

/**
 * Fashion-MNIST IDX files (gzip or plain) from `dir` (default /usr/share/datasets/fashion-mnist,
 * Debian package dataset-fashion-mnist), zero-padded to `padTo` x `padTo`.
 */
Dataset loadFashionMnist(const std::string &dir, Split split, int padTo = 32);
/** CIFAR-10 binary batches (data_batch_1..5.bin / test_batch.bin) from `dir`. */
Dataset loadCifar10(const std::string &dir, Split split);
/**
 * An image folder: DIR/train/CLASS/ and DIR/val/CLASS/, or DIR/CLASS/ alone with a
 * stable share of each class's files (options.valFraction, by a hash of their path) held out for
 * Split::Test. Classes sorted by name; JPEG and PNG by content (other files ignored and counted).
 * Only the file list is read here: the images stream (see Dataset::streamed). A damaged image is an
 * fbnet::Error naming the file when a batch needs it.
 */
Dataset loadImageFolder(const std::string &dir, Split split, int inputSize, const ImageOptions &options = {});
/** CIFAR-100 binary version (train.bin / test.bin: coarse and fine label, then pixels) from `dir`; the 100 fine labels. */
Dataset loadCifar100(const std::string &dir, Split split);
/**
 * A seeded synthetic set: each class is a fixed random pattern plus noise, so a network can learn
 * it in a few steps. `seed` fixes the class patterns, `noiseSeed` (0: seed) the samples, so a
 * train and a test split share patterns. For tests and demos.
 */
Dataset makeSynthetic(int count, int numClasses, int size, int channels, std::uint64_t seed,
                      std::uint64_t noiseSeed = 0);
/** The first `count` samples after a seeded shuffle (class balance is kept on average). */
Dataset subset(const Dataset &data, std::size_t count, std::uint64_t seed);
/**
 * Up to `count` images that subset(data, subsetCount, seed) leaves out (the next ones of the same
 * seeded order): held-out images a search on that subset never saw. Empty when the subset takes
 * every image.
 */
Dataset heldOutOf(const Dataset &data, std::size_t subsetCount, std::uint64_t seed, std::size_t count);

std::string defaultFashionMnistDir();

} // namespace fbnet
