#include "batcher.h"

#include <algorithm>
#include <string>

#include "fbnet/error.h"

namespace fbnet::detail {

Batcher::Batcher(const Dataset &data, const SearchSpace &space, bool channelsLast, torch::Device device)
    : m_data(data), m_channels(space.inputChannels), m_channelsLast(channelsLast), m_device(device)
{
    if (data.height != space.inputSize || data.width != space.inputSize)
        throw Error::at("data set " + data.name, "image size",
                        "expected " + std::to_string(space.inputSize) + "x" + std::to_string(space.inputSize) + " for space "
                            + space.name + ", got " + std::to_string(data.height) + "x" + std::to_string(data.width));
    if (data.channels != m_channels && data.channels != 1)
        throw Error::at("data set " + data.name, "channels",
                        "expected 1 or " + std::to_string(m_channels) + " channels, got " + std::to_string(data.channels));
    std::vector<float> mean(data.mean), stdv(data.std);
    mean.resize(std::size_t(data.channels), 0.5f);
    stdv.resize(std::size_t(data.channels), 0.25f);
    m_mean = torch::tensor(mean).view({1, data.channels, 1, 1}).to(m_device);
    m_std = torch::tensor(stdv).view({1, data.channels, 1, 1}).to(m_device);
}

std::pair<torch::Tensor, torch::Tensor> Batcher::batch(const std::vector<std::size_t> &order, std::size_t from,
                                                       std::size_t count) const
{
    const std::size_t img = m_data.imageBytes();
    auto raw = torch::empty({int64_t(count), m_data.channels, m_data.height, m_data.width}, torch::kUInt8);
    auto labels = torch::empty({int64_t(count)}, torch::kLong);
    auto *dst = raw.data_ptr<std::uint8_t>();
    auto *lab = labels.data_ptr<int64_t>();
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t s = order[from + i];
        std::copy_n(m_data.pixels.data() + s * img, img, dst + i * img);
        lab[i] = m_data.labels[s];
    }
    // 8-bit pixels cross to the device (a quarter of the float bytes); normalised there.
    if (!m_device.is_cpu()) {
        raw = raw.to(m_device, /*non_blocking=*/true);
        labels = labels.to(m_device, /*non_blocking=*/true);
    }
    auto x = (raw.to(torch::kFloat).div_(255.f) - m_mean) / m_std;
    if (m_data.channels != m_channels)
        x = x.expand({int64_t(count), m_channels, m_data.height, m_data.width});
    x = x.contiguous(m_channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
    return {x, labels};
}

} // namespace fbnet::detail
