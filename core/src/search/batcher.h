#pragma once
// Private (torch): normalised float batches from a data set (in memory or streamed), for the search
// and the training.

#include <memory>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "fbnet/computeoptions.h"
#include "fbnet/dataset.h"
#include "data/imagestream.h"

namespace fbnet::detail {

/**
 * Builds normalised float batches at the data set's size. A pass is begun over an order and then
 * read batch by batch; streamed (folder) data sets decode ahead on loader threads while the step
 * computes, in-memory ones copy their bytes.
 */
class Batcher
{
public:
    /**
     * fbnet::Error naming the data set when its image size or channels do not fit (`channels` the
     * network's input channels, `size` its input size; 0: any).
     */
    Batcher(const Dataset &data, int channels, int size, const ComputeOptions &compute, torch::Device device = torch::kCPU);
    ~Batcher();

    /**
     * Begins a pass: batches of `batchSize` over order[from, to) (the last one may be short).
     * Streamed images get `transform`, with per-image randomness from (passSeed, position in order).
     */
    void begin(const std::vector<std::size_t> &order, std::size_t from, std::size_t to, std::size_t batchSize,
               Transform transform, std::uint64_t passSeed);
    /** The pass's next batch and its labels on the batcher's device; fbnet::Error for a damaged image. */
    std::pair<torch::Tensor, torch::Tensor> next();

    bool streamed() const { return m_stream != nullptr; }
    /** Folder data sets: a stop on `stop` ends a wait for images (next() throws LoaderStopped), even a wait for a hung read. */
    void setStop(const StopToken *stop)
    {
        if (m_stream)
            m_stream->setStop(stop);
    }
    /** Seconds spent waiting for decoders (0 for in-memory data). */
    double waitSeconds() const { return m_stream ? m_stream->waitSeconds() : 0; }
    /** Damaged files replaced while streaming (ImageOptions::skipBadImages). */
    std::vector<std::string> badFiles() const { return m_stream ? m_stream->badFiles() : std::vector<std::string>{}; }

private:
    std::pair<torch::Tensor, torch::Tensor> finish(torch::Tensor raw, torch::Tensor labels) const;

    const Dataset &m_data;
    int m_channels;
    bool m_channelsLast;
    torch::Device m_device;
    torch::Tensor m_mean, m_std;
    std::unique_ptr<ImageStream> m_stream;
    const std::vector<std::size_t> *m_order = nullptr;  ///< in-memory passes
    std::size_t m_at = 0, m_to = 0, m_batchSize = 1;
};

/** The seed of one pass over the data (a search's epoch and phase, a training epoch). */
std::uint64_t passSeed(std::uint64_t seed, int epoch, int phase);

} // namespace fbnet::detail
