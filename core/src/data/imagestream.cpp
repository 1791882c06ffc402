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

std::mutex gHookMutex;
std::function<void()> gBeforeDecode;

// Decoder threads alive in the process (those a stop left behind included).
std::mutex gLiveMutex;
std::condition_variable gLiveChanged;
int gLiveDecoders = 0;

void beforeDecode()
{
    std::function<void()> hook;
    {
        std::lock_guard<std::mutex> lk(gHookMutex);
        hook = gBeforeDecode;
    }
    if (hook)
        hook();
}

} // namespace

void setBeforeDecodeForTesting(std::function<void()> hook)
{
    std::lock_guard<std::mutex> lk(gHookMutex);
    gBeforeDecode = std::move(hook);
}

void waitForDecodersToEndForTesting()
{
    std::unique_lock<std::mutex> lk(gLiveMutex);
    gLiveChanged.wait(lk, [] { return gLiveDecoders == 0; });
}

/**
 * Everything the decoders touch, owned jointly with them: a decoder left blocked in a read (see the
 * destructor) keeps it alive and finds the stream shut down when its read returns.
 */
struct ImageStream::Shared
{
    struct Slot
    {
        std::shared_ptr<std::vector<std::uint8_t>> pixels;
        std::vector<std::int64_t> labels;
        std::size_t done = 0;
        std::size_t errorAt = SIZE_MAX;  ///< the first failing sample's position in the pass
        std::string error;
    };

    // The data set's part the decoders read (copied: the data set may go before a blocked decoder).
    std::string root;
    std::vector<std::string> files;
    std::vector<std::int64_t> labels;
    ImageOptions image;
    int size = 0;
    std::size_t imageBytes = 0;
    std::size_t depth = 3;

    mutable std::mutex mutex;
    std::condition_variable workReady, batchReady;
    bool shutdown = false;
    int busy = 0;  ///< decoders inside a read
    std::uint64_t generation = 0;
    std::vector<std::size_t> order;  ///< this pass's samples
    std::size_t batchSize = 1, batches = 0;
    Transform transform = Transform::Eval;
    std::uint64_t passSeed = 0;
    std::size_t firstPosition = 0;  ///< `from` of this pass
    std::size_t nextSample = 0;     ///< next position a worker claims
    std::size_t consumed = 0;       ///< batches handed out
    std::vector<Slot> slots;
    std::set<std::string> badFiles;
    double waitSeconds = 0;
    const StopToken *stop = nullptr;

    std::size_t batchCount(std::size_t b) const { return std::min(batchSize, order.size() - b * batchSize); }

    void prepareSlot(std::size_t b)
    {
        Slot &slot = slots[b % depth];
        slot = Slot{};
        if (b >= batches)
            return;
        const std::size_t n = batchCount(b);
        slot.pixels = std::make_shared<std::vector<std::uint8_t>>(n * imageBytes);
        slot.labels.assign(n, 0);
    }

    /** Decodes data-set image `index` (or its stand-in) into `out`; returns the label. */
    std::int64_t load(std::size_t index, Transform t, std::uint64_t seed, std::uint8_t *out)
    {
        const std::size_t n = files.size();
        for (std::size_t tries = 0;; ++tries) {
            const std::string path = root + "/" + files[index];
            try {
                beforeDecode();
                const auto img = decodeImage(path);
                if (!img)
                    throw Error::at(path, "", "is no longer a JPEG or PNG image (it was one when the folder was read)");
                std::mt19937_64 rng(seed);
                const bool train = t == Transform::Train;
                const CropBox box = train ? randomResizedCrop(img->width, img->height, {image.scaleMin, image.scaleMax, image.ratioMin, image.ratioMax}, rng)
                                          : centreCrop(img->width, img->height, size);
                const bool flip = train && std::uniform_int_distribution<int>(0, 1)(rng) == 1;
                resizeCrop(*img, box, size, flip, out);
                return labels[index];
            } catch (const Error &e) {
                if (!image.skipBadImages)
                    throw Error(std::string(e.what()) + " (a damaged image stops the run; remove or replace the file, or pass --skip-bad-images)");
                if (tries + 1 >= n)
                    throw Error::at(root, "", "no image of the data set can be decoded");
                {
                    std::lock_guard<std::mutex> lk(mutex);
                    badFiles.insert(path);
                }
                index = (index + 1) % n;  // the next file stands in: deterministic, whatever the threads
            }
        }
    }

    static void work(const std::shared_ptr<Shared> &self)
    {
        Shared &s = *self;
        std::unique_lock<std::mutex> lk(s.mutex);
        for (;;) {
            s.workReady.wait(lk, [&] {
                return s.shutdown || (s.nextSample < s.order.size() && s.nextSample / s.batchSize < s.consumed + s.depth);
            });
            if (s.shutdown)
                return;
            const std::size_t pos = s.nextSample++;
            const std::size_t b = pos / s.batchSize;
            const auto pixels = s.slots[b % s.depth].pixels;  // kept alive even if a new pass replaces the slot
            const std::uint64_t generation = s.generation;
            const std::size_t index = s.order[pos];
            const std::uint64_t seed = splitmix(s.passSeed ^ splitmix(s.firstPosition + pos));
            const Transform transform = s.transform;
            ++s.busy;
            lk.unlock();
            std::string error;
            std::int64_t label = 0;
            try {
                label = s.load(index, transform, seed, pixels->data() + (pos % s.batchSize) * s.imageBytes);
            } catch (const std::exception &e) {
                error = e.what();
            }
            lk.lock();
            --s.busy;
            if (s.shutdown)
                return;
            if (generation != s.generation)
                continue;
            Slot &slot = s.slots[b % s.depth];
            slot.labels[pos % s.batchSize] = label;
            if (!error.empty() && pos < slot.errorAt) {
                slot.errorAt = pos;
                slot.error = error;
            }
            if (++slot.done == s.batchCount(b))
                s.batchReady.notify_all();
        }
    }
};

ImageStream::ImageStream(const Dataset &data, int threads, int depth) : m_shared(std::make_shared<Shared>())
{
    if (!data.streamed())
        throw Error::at("data set " + data.name, "", "is held in memory, not streamed from files");
    Shared &s = *m_shared;
    s.root = data.root;
    s.files = data.files;
    s.labels = data.labels;
    s.image = data.image;
    s.size = data.height;
    s.imageBytes = data.imageBytes();
    s.depth = std::size_t(depth > 0 ? depth : 3);
    s.slots.resize(s.depth);
    const int n = threads > 0 ? threads : defaultLoaderThreads();
    for (int i = 0; i < n; ++i) {
        {
            std::lock_guard<std::mutex> lk(gLiveMutex);
            ++gLiveDecoders;
        }
        const auto ended = [] {
            std::lock_guard<std::mutex> lk(gLiveMutex);
            --gLiveDecoders;
            gLiveChanged.notify_all();
        };
        try {
            m_workers.emplace_back([shared = m_shared, ended]() mutable {
                Shared::work(shared);
                shared.reset();  // the last owner of a left-behind decoder's state frees it here
                ended();
            });
        } catch (...) {
            ended();
            throw;
        }
    }
}

ImageStream::~ImageStream()
{
    bool leaveBehind = false;
    {
        std::lock_guard<std::mutex> lk(m_shared->mutex);
        m_shared->shutdown = true;
        // After a stop, a decoder still inside a read may never return (a hung mount): do not wait for it.
        leaveBehind = m_shared->busy > 0 && m_shared->stop && m_shared->stop->stopRequested();
    }
    m_shared->workReady.notify_all();
    for (auto &t : m_workers)
        if (leaveBehind)
            t.detach();
        else
            t.join();
}

void ImageStream::setStop(const StopToken *stop)
{
    std::lock_guard<std::mutex> lk(m_shared->mutex);
    m_shared->stop = stop;
}

double ImageStream::waitSeconds() const
{
    std::lock_guard<std::mutex> lk(m_shared->mutex);
    return m_shared->waitSeconds;
}

void ImageStream::start(const std::vector<std::size_t> &order, std::size_t from, std::size_t to, std::size_t batchSize,
                        Transform transform, std::uint64_t passSeed)
{
    Shared &s = *m_shared;
    {
        std::lock_guard<std::mutex> lk(s.mutex);
        ++s.generation;  // workers still decoding for the old pass drop their results
        to = std::min(to, order.size());
        s.order.assign(order.begin() + std::ptrdiff_t(std::min(from, to)), order.begin() + std::ptrdiff_t(to));
        s.batchSize = std::max<std::size_t>(1, batchSize);
        s.batches = (s.order.size() + s.batchSize - 1) / s.batchSize;
        s.transform = transform;
        // The sample's seed uses its position in the whole order, so a pass resumed at `from`
        // transforms each image exactly as the uninterrupted pass would have.
        s.passSeed = passSeed;
        s.firstPosition = from;
        s.nextSample = 0;
        s.consumed = 0;
        for (std::size_t b = 0; b < s.depth; ++b)
            s.prepareSlot(b);
    }
    s.workReady.notify_all();
}

ImageStream::Batch ImageStream::next()
{
    Shared &s = *m_shared;
    std::unique_lock<std::mutex> lk(s.mutex);
    if (s.consumed >= s.batches)
        throw Error::at("image loader", "", "no batch left in this pass");
    const std::size_t b = s.consumed;
    Shared::Slot &slot = s.slots[b % s.depth];
    const auto t0 = std::chrono::steady_clock::now();
    const auto ready = [&] { return slot.done == s.batchCount(b); };
    if (!s.stop) {
        s.batchReady.wait(lk, ready);
    } else {
        // A stop wins over a decoder that never returns: look at the token between short waits.
        while (!ready()) {
            if (s.stop->stopRequested())
                throw LoaderStopped();
            s.batchReady.wait_for(lk, std::chrono::milliseconds(50), ready);
        }
    }
    s.waitSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (slot.errorAt != SIZE_MAX) {
        const std::string error = slot.error;
        ++s.generation;  // the pass ends here; a new start() is needed
        s.order.clear();
        s.batches = s.consumed = s.nextSample = 0;
        throw Error(error);
    }
    Batch out{std::move(slot.pixels), std::move(slot.labels), s.batchCount(b)};
    ++s.consumed;
    s.prepareSlot(b + s.depth);
    lk.unlock();
    s.workReady.notify_all();
    return out;
}

std::vector<std::string> ImageStream::badFiles() const
{
    std::lock_guard<std::mutex> lk(m_shared->mutex);
    return {m_shared->badFiles.begin(), m_shared->badFiles.end()};
}

} // namespace fbnet::detail
