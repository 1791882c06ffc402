#include "search/batcher.h"

#include <algorithm>
#include <string>

#include "fbnet/error.h"

namespace fbnet::detail {

Batcher::Batcher(const Dataset &data, int channels, int size, const ComputeOptions &compute, torch::Device device)
    : m_data(data), m_channels(channels), m_channelsLast(compute.channelsLast), m_device(device)
{
    if (size > 0 && (data.height != size || data.width != size))
        throw Error::at("data set " + data.name, "image size",
                        "expected " + std::to_string(size) + "x" + std::to_string(size) + ", got " + std::to_string(data.height) + "x"
                            + std::to_string(data.width));
    if (data.channels != m_channels && data.channels != 1)
        throw Error::at("data set " + data.name, "channels",
                        "expected 1 or " + std::to_string(m_channels) + " channels, got " + std::to_string(data.channels));
    std::vector<float> mean(data.mean), stdv(data.std);
    mean.resize(std::size_t(data.channels), 0.5f);
    stdv.resize(std::size_t(data.channels), 0.25f);
    m_mean = torch::tensor(mean).view({1, data.channels, 1, 1}).to(m_device);
    m_std = torch::tensor(stdv).view({1, data.channels, 1, 1}).to(m_device);
    if (data.streamed())
        m_stream = std::make_unique<ImageStream>(data, compute.loaderThreads);
}

Batcher::~Batcher() = default;

void Batcher::begin(const std::vector<std::size_t> &order, std::size_t from, std::size_t to, std::size_t batchSize,
                    Transform transform, std::uint64_t seed)
{
    m_batchSize = std::max<std::size_t>(1, batchSize);
    m_to = std::min(to, order.size());
    m_at = std::min(from, m_to);
    if (m_stream) {
        m_stream->start(order, m_at, m_to, m_batchSize, transform, seed);
        m_order = nullptr;
    } else {
        m_order = &order;
    }
}

std::pair<torch::Tensor, torch::Tensor> Batcher::next()
{
    if (m_at >= m_to)
        throw Error::at("batcher", "", "no batch left in this pass");
    const std::size_t count = std::min(m_batchSize, m_to - m_at);
    m_at += count;
    const std::vector<std::int64_t> shape{std::int64_t(count), m_data.channels, m_data.height, m_data.width};
    if (m_stream) {
        auto b = m_stream->next();
        auto keep = b.pixels;
        auto raw = torch::from_blob(b.pixels->data(), shape, [keep](void *) mutable { keep.reset(); }, torch::kUInt8);
        auto labels = torch::tensor(b.labels, torch::kLong);
        return finish(raw, labels);
    }
    const std::size_t img = m_data.imageBytes();
    // For a GPU, page-locked host memory: the copy to the device then runs asynchronously.
    const bool pin = !m_device.is_cpu();
    auto raw = torch::empty(shape, torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(pin));
    auto labels = torch::empty({std::int64_t(count)}, torch::TensorOptions().dtype(torch::kLong).pinned_memory(pin));
    auto *dst = raw.data_ptr<std::uint8_t>();
    auto *lab = labels.data_ptr<std::int64_t>();
    const std::size_t from = m_at - count;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t s = (*m_order)[from + i];
        std::copy_n(m_data.pixels.data() + s * img, img, dst + i * img);
        lab[i] = m_data.labels[s];
    }
    return finish(raw, labels);
}

std::pair<torch::Tensor, torch::Tensor> Batcher::finish(torch::Tensor raw, torch::Tensor labels) const
{
    const std::int64_t count = raw.size(0);
    // 8-bit pixels cross to the device (a quarter of the float bytes) from page-locked memory,
    // without waiting for the copy; normalised there.
    if (!m_device.is_cpu()) {
        raw = (raw.is_pinned() ? raw : raw.pin_memory()).to(m_device, /*non_blocking=*/true);
        labels = (labels.is_pinned() ? labels : labels.pin_memory()).to(m_device, /*non_blocking=*/true);
    }
    auto x = (raw.to(torch::kFloat).div_(255.f) - m_mean) / m_std;
    if (m_data.channels != m_channels)
        x = x.expand({count, m_channels, m_data.height, m_data.width});
    x = x.contiguous(m_channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
    return {x, labels};
}

std::uint64_t passSeed(std::uint64_t seed, int epoch, int phase)
{
    return seed * 0x9e3779b97f4a7c15ull ^ (std::uint64_t(epoch) << 8) ^ std::uint64_t(phase + 1);
}

} // namespace fbnet::detail
