#pragma once
// Private: the streaming loader of folder data sets. Decoder threads fill a bounded ring of batches
// ahead of the consumer, so decoding overlaps the step and memory does not grow with the data set.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fbnet/dataset.h"

namespace fbnet::detail {

/** Training batches get a random-resized crop and a flip; evaluation ones the centre crop. */
enum class Transform { Train, Eval };

class ImageStream
{
public:
    /** One batch: count x 3 x H x W bytes and the labels (a replaced bad image carries its replacement's). */
    struct Batch
    {
        std::shared_ptr<std::vector<std::uint8_t>> pixels;
        std::vector<std::int64_t> labels;
        std::size_t count = 0;
    };

    /**
     * A loader over a streamed data set (kept by reference) with `threads` decoder threads (0: the
     * default) and at most `depth` batches decoded or in decoding ahead of the consumer.
     */
    ImageStream(const Dataset &data, int threads, int depth = 0);
    ~ImageStream();
    ImageStream(const ImageStream &) = delete;
    ImageStream &operator=(const ImageStream &) = delete;

    /**
     * Starts a pass over the samples order[from, to) in batches of `batchSize` (the last may be
     * short), dropping any pass in progress. Sample order[k] is transformed with a generator seeded
     * by (passSeed, k): the bytes depend on neither the thread count nor where a pass was resumed.
     */
    void start(const std::vector<std::size_t> &order, std::size_t from, std::size_t to, std::size_t batchSize,
               Transform transform, std::uint64_t passSeed);

    /** The next batch of the pass (waits for it); fbnet::Error naming the file when one is damaged. */
    Batch next();

    /** Seconds next() spent waiting for decoders, since construction. */
    double waitSeconds() const { return m_waitSeconds; }
    /** Files that failed to decode and were replaced (ImageOptions::skipBadImages), sorted. */
    std::vector<std::string> badFiles() const;
    int threads() const { return int(m_workers.size()); }

private:
    struct Slot
    {
        std::shared_ptr<std::vector<std::uint8_t>> pixels;
        std::vector<std::int64_t> labels;
        std::size_t done = 0;
        std::size_t errorAt = SIZE_MAX;  ///< the first failing sample's position in the pass
        std::string error;
    };

    void work();
    std::size_t batchCount(std::size_t b) const;
    void prepareSlot(std::size_t b);
    /** Decodes data-set image `index` (or its stand-in) into `out`; returns the label. */
    std::int64_t load(std::size_t index, Transform transform, std::uint64_t seed, std::uint8_t *out);

    const Dataset &m_data;
    const std::size_t m_imageBytes;
    const std::size_t m_depth;

    mutable std::mutex m_mutex;
    std::condition_variable m_workReady, m_batchReady;
    bool m_shutdown = false;
    std::uint64_t m_generation = 0;
    std::vector<std::size_t> m_order;  ///< this pass's samples
    std::size_t m_batchSize = 1, m_batches = 0;
    Transform m_transform = Transform::Eval;
    std::uint64_t m_passSeed = 0;
    std::size_t m_firstPosition = 0;  ///< `from` of this pass
    std::size_t m_nextSample = 0;  ///< next position a worker claims
    std::size_t m_consumed = 0;    ///< batches handed out
    std::vector<Slot> m_slots;
    std::set<std::string> m_badFiles;
    double m_waitSeconds = 0;
    std::vector<std::thread> m_workers;
};

} // namespace fbnet::detail
