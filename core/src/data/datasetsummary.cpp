// summarizeDataset: class counts, split sizes and a few thumbnails, for a form to show before a run.
#include <algorithm>
#include <numeric>

#include "fbnet/datasetkinds.h"
#include "data/imagestream.h"

namespace fbnet {

namespace {

/** Image i of an in-memory set as interleaved RGB (grey repeated), at its own size. */
DatasetSummary::Thumbnail thumbnailOf(const Dataset &d, std::size_t i)
{
    DatasetSummary::Thumbnail t;
    t.size = std::min(d.height, d.width);
    t.rgb.resize(std::size_t(t.size) * t.size * 3);
    const std::size_t plane = std::size_t(d.height) * d.width;
    const std::uint8_t *img = d.pixels.data() + i * d.imageBytes();
    for (int y = 0; y < t.size; ++y)
        for (int x = 0; x < t.size; ++x)
            for (int c = 0; c < 3; ++c)
                t.rgb[(std::size_t(y) * t.size + x) * 3 + std::size_t(c)] =
                    img[std::size_t(std::min(c, d.channels - 1)) * plane + std::size_t(y) * d.width + x];
    return t;
}

/** One image per class in class order, then more in file order, up to `count`. */
std::vector<std::size_t> pickSamples(const Dataset &d, int count)
{
    std::vector<std::size_t> picked;
    std::vector<bool> seen(std::size_t(std::max(1, d.numClasses)), false);
    for (std::size_t i = 0; i < d.size() && int(picked.size()) < count; ++i) {
        const auto c = std::size_t(d.labels[i]);
        if (c < seen.size() && !seen[c]) {
            seen[c] = true;
            picked.push_back(i);
        }
    }
    for (std::size_t i = 0; i < d.size() && int(picked.size()) < count; ++i)
        if (std::find(picked.begin(), picked.end(), i) == picked.end())
            picked.push_back(i);
    std::stable_sort(picked.begin(), picked.end(), [&](std::size_t a, std::size_t b) { return d.labels[a] < d.labels[b]; });
    return picked;
}

} // namespace

DatasetSummary summarizeDataset(const std::string &spec, int inputSize, const ImageOptions &options, int thumbnails, int thumbnailSize)
{
    const Dataset train = loadDataset(spec, Split::Train, inputSize, options);
    const Dataset test = loadDataset(spec, Split::Test, inputSize, options);
    DatasetSummary s;
    s.name = train.name;
    s.classNames = train.classNames;
    s.numClasses = train.numClasses;
    s.trainImages = train.size();
    s.testImages = test.size();
    s.ignoredFiles = train.ignoredFiles + test.ignoredFiles;
    s.unreadableFiles = train.badFiles;
    s.unreadableFiles.insert(s.unreadableFiles.end(), test.badFiles.begin(), test.badFiles.end());
    const std::vector<std::size_t> picked = pickSamples(train, thumbnails);
    auto className = [&](std::size_t i) {
        const auto c = std::size_t(train.labels[i]);
        return c < train.classNames.size() ? train.classNames[c] : std::to_string(c);
    };
    if (!train.streamed()) {
        for (std::size_t i : picked) {
            s.thumbnails.push_back(thumbnailOf(train, i));
            s.thumbnails.back().className = className(i);
        }
        return s;
    }
    // Folders: the evaluation crop at the thumbnail's size, through the loader (a damaged image is an error).
    Dataset small = train;
    small.height = small.width = thumbnailSize;
    detail::ImageStream stream(small, 2, 1);
    stream.start(picked, 0, picked.size(), std::max<std::size_t>(1, picked.size()), detail::Transform::Eval, 0);
    if (picked.empty())
        return s;
    const auto batch = stream.next();
    const std::size_t plane = std::size_t(thumbnailSize) * thumbnailSize;
    for (std::size_t k = 0; k < picked.size(); ++k) {
        DatasetSummary::Thumbnail t;
        t.className = className(picked[k]);
        t.size = thumbnailSize;
        t.rgb.resize(plane * 3);
        const std::uint8_t *chw = batch.pixels->data() + k * plane * 3;
        for (std::size_t p = 0; p < plane; ++p)
            for (std::size_t c = 0; c < 3; ++c)
                t.rgb[p * 3 + c] = chw[c * plane + p];
        s.thumbnails.push_back(std::move(t));
    }
    return s;
}

} // namespace fbnet
