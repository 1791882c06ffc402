#pragma once
// Private (torch): normalised float batches from an 8-bit data set, for the search.

#include <utility>
#include <vector>

#include <torch/types.h>

#include "fbnet/dataset.h"
#include "fbnet/searchspace.h"

namespace fbnet::detail {

/** Builds normalised float batches from the 8-bit data set, matching the space's input. */
class Batcher
{
public:
    /** fbnet::Error naming the data set when its image size or channels do not fit the space. */
    Batcher(const Dataset &data, const SearchSpace &space, bool channelsLast, torch::Device device = torch::kCPU);

    /** Images order[from, from + count) and their labels, on the batcher's device. */
    std::pair<torch::Tensor, torch::Tensor> batch(const std::vector<std::size_t> &order, std::size_t from, std::size_t count) const;

private:
    const Dataset &m_data;
    int m_channels;
    bool m_channelsLast;
    torch::Device m_device;
    torch::Tensor m_mean, m_std;
};

} // namespace fbnet::detail
