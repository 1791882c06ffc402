#pragma once
// Private: the streaming loader of folder data sets. Decoder threads fill a bounded ring of batches
// ahead of the consumer, so decoding overlaps the step and memory does not grow with the data set.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fbnet/dataset.h"
#include "fbnet/stoptoken.h"

namespace fbnet::detail {

/** Training batches get a random-resized crop and a flip; evaluation ones the centre crop. */
enum class Transform { Train, Eval };

/**
 * A test seam: called by each decoder before it reads a file (empty: nothing). Tests hold a decoder
 * there to stand for a read that does not return (a hung network mount).
 */
void setBeforeDecodeForTesting(std::function<void()> hook);

/**
 * A test seam: returns once every decoder thread of every ImageStream has ended, those left behind
 * by a stop included (a test releases its held decoder, then waits here before it returns).
 */
void waitForDecodersToEndForTesting();

/** What ImageStream::next() throws when a stop was asked for while it waited for images. */
struct LoaderStopped : std::runtime_error
{
    LoaderStopped() : std::runtime_error("stopped while waiting for images") {}
};

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
     * A loader over a streamed data set (its file list copied) with `threads` decoder threads (0: the
     * default) and at most `depth` batches decoded or in decoding ahead of the consumer.
     */
    ImageStream(const Dataset &data, int threads, int depth = 0);
    /**
     * Ends the decoders. A decoder stuck in a read that never returns (a hung network mount) is left
     * behind once a stop was asked for: its state is its own, so the process can still end.
     */
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

    /**
     * The next batch of the pass (waits for it); fbnet::Error naming the file when one is damaged;
     * LoaderStopped when the stop token (setStop) asks for a stop while it waits.
     */
    Batch next();
    /** The token whose stop ends a wait in next(), even one for a decoder that never returns. */
    void setStop(const StopToken *stop);

    /** Seconds next() spent waiting for decoders, since construction. */
    double waitSeconds() const;
    /** Files that failed to decode and were replaced (ImageOptions::skipBadImages), sorted. */
    std::vector<std::string> badFiles() const;
    int threads() const { return int(m_workers.size()); }

private:
    struct Shared;
    std::shared_ptr<Shared> m_shared;
    std::vector<std::thread> m_workers;
};

} // namespace fbnet::detail
