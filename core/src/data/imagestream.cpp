#include "data/imagestream.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "fbnet/compute.h"
#include "fbnet/error.h"
#include "data/imagedecode.h"

namespace fbnet::detail {

namespace {

std::uint64_t splitmix(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

} // namespace

ImageStream::ImageStream(const Dataset &data, int threads, int depth)
    : m_data(data), m_imageBytes(data.imageBytes()), m_depth(std::size_t(depth > 0 ? depth : 3))
{
    if (!data.streamed())
        throw Error::at("data set " + data.name, "", "is held in memory, not streamed from files");
    m_slots.resize(m_depth);
    const int n = threads > 0 ? threads : defaultLoaderThreads();
    for (int i = 0; i < n; ++i)
        m_workers.emplace_back([this] { work(); });
}

ImageStream::~ImageStream()
{
    {
        std::lock_guard<std::mutex> lk(m_mutex);
        m_shutdown = true;
    }
    m_workReady.notify_all();
    for (auto &t : m_workers)
        t.join();
}

std::size_t ImageStream::batchCount(std::size_t b) const
{
    return std::min(m_batchSize, m_order.size() - b * m_batchSize);
}

void ImageStream::prepareSlot(std::size_t b)
{
    Slot &slot = m_slots[b % m_depth];
    slot = Slot{};
    if (b >= m_batches)
        return;
    const std::size_t n = batchCount(b);
    slot.pixels = std::make_shared<std::vector<std::uint8_t>>(n * m_imageBytes);
    slot.labels.assign(n, 0);
}

void ImageStream::start(const std::vector<std::size_t> &order, std::size_t from, std::size_t to, std::size_t batchSize,
                        Transform transform, std::uint64_t passSeed)
{
    {
        std::lock_guard<std::mutex> lk(m_mutex);
        ++m_generation;  // workers still decoding for the old pass drop their results
        to = std::min(to, order.size());
        m_order.assign(order.begin() + std::ptrdiff_t(std::min(from, to)), order.begin() + std::ptrdiff_t(to));
        m_batchSize = std::max<std::size_t>(1, batchSize);
        m_batches = (m_order.size() + m_batchSize - 1) / m_batchSize;
        m_transform = transform;
        // The sample's seed uses its position in the whole order, so a pass resumed at `from`
        // transforms each image exactly as the uninterrupted pass would have.
        m_passSeed = passSeed;
        m_firstPosition = from;
        m_nextSample = 0;
        m_consumed = 0;
        for (std::size_t b = 0; b < m_depth; ++b)
            prepareSlot(b);
    }
    m_workReady.notify_all();
}

void ImageStream::work()
{
    std::unique_lock<std::mutex> lk(m_mutex);
    for (;;) {
        m_workReady.wait(lk, [&] {
            return m_shutdown || (m_nextSample < m_order.size() && m_nextSample / m_batchSize < m_consumed + m_depth);
        });
        if (m_shutdown)
            return;
        const std::size_t pos = m_nextSample++;
        const std::size_t b = pos / m_batchSize;
        const auto pixels = m_slots[b % m_depth].pixels;  // kept alive even if a new pass replaces the slot
        const std::uint64_t generation = m_generation;
        const std::size_t index = m_order[pos];
        const std::uint64_t seed = splitmix(m_passSeed ^ splitmix(m_firstPosition + pos));
        const Transform transform = m_transform;
        lk.unlock();
        std::string error;
        std::int64_t label = 0;
        try {
            label = load(index, transform, seed, pixels->data() + (pos % m_batchSize) * m_imageBytes);
        } catch (const std::exception &e) {
            error = e.what();
        }
        lk.lock();
        if (generation != m_generation)
            continue;
        Slot &slot = m_slots[b % m_depth];
        slot.labels[pos % m_batchSize] = label;
        if (!error.empty() && pos < slot.errorAt) {
            slot.errorAt = pos;
            slot.error = error;
        }
        if (++slot.done == batchCount(b))
            m_batchReady.notify_all();
    }
}

std::int64_t ImageStream::load(std::size_t index, Transform transform, std::uint64_t seed, std::uint8_t *out)
{
    const std::size_t n = m_data.files.size();
    for (std::size_t tries = 0;; ++tries) {
        const std::string path = m_data.root + "/" + m_data.files[index];
        try {
            const auto img = decodeImage(path);
            if (!img)
                throw Error::at(path, "", "is no longer a JPEG or PNG image (it was one when the folder was read)");
            std::mt19937_64 rng(seed);
            const auto &o = m_data.image;
            const bool train = transform == Transform::Train;
            const CropBox box = train ? randomResizedCrop(img->width, img->height, {o.scaleMin, o.scaleMax, o.ratioMin, o.ratioMax}, rng)
                                      : centreCrop(img->width, img->height, m_data.height);
            const bool flip = train && std::uniform_int_distribution<int>(0, 1)(rng) == 1;
            resizeCrop(*img, box, m_data.height, flip, out);
            return m_data.labels[index];
        } catch (const Error &e) {
            if (!m_data.image.skipBadImages)
                throw Error(std::string(e.what()) + " (a damaged image stops the run; remove or replace the file, or pass --skip-bad-images)");
            if (tries + 1 >= n)
                throw Error::at(m_data.root, "", "no image of the data set can be decoded");
            {
                std::lock_guard<std::mutex> lk(m_mutex);
                m_badFiles.insert(path);
            }
            index = (index + 1) % n;  // the next file stands in: deterministic, whatever the threads
        }
    }
}

ImageStream::Batch ImageStream::next()
{
    std::unique_lock<std::mutex> lk(m_mutex);
    if (m_consumed >= m_batches)
        throw Error::at("image loader", "", "no batch left in this pass");
    const std::size_t b = m_consumed;
    Slot &slot = m_slots[b % m_depth];
    const auto t0 = std::chrono::steady_clock::now();
    m_batchReady.wait(lk, [&] { return slot.done == batchCount(b); });
    m_waitSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (slot.errorAt != SIZE_MAX) {
        const std::string error = slot.error;
        ++m_generation;  // the pass ends here; a new start() is needed
        m_order.clear();
        m_batches = m_consumed = m_nextSample = 0;
        throw Error(error);
    }
    Batch out{std::move(slot.pixels), std::move(slot.labels), batchCount(b)};
    ++m_consumed;
    prepareSlot(b + m_depth);
    lk.unlock();
    m_workReady.notify_all();
    return out;
}

std::vector<std::string> ImageStream::badFiles() const
{
    std::lock_guard<std::mutex> lk(m_mutex);
    return {m_badFiles.begin(), m_badFiles.end()};
}

} // namespace fbnet::detail
