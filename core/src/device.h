#pragma once
// Private (torch): the torch::Device of a ComputeOptions, and the RNG state that goes with it.

#include <torch/types.h>

#include "fbnet/compute.h"

namespace fbnet::detail {

/** The options' device; fbnet::Error (with the reason) when this libtorch cannot compute there. */
torch::Device torchDevice(const ComputeOptions &options);

/** The generator state of `device` (CPU: the default CPU generator; CUDA: that GPU's). */
torch::Tensor rngState(const torch::Device &device);
void setRngState(const torch::Device &device, const torch::Tensor &state);

} // namespace fbnet::detail
