#pragma once
// Private (torch): the torch::Device of a ComputeOptions, and the RNG state that goes with it.

#include <memory>
#include <vector>

#include <torch/types.h>

#include "fbnet/computeoptions.h"

namespace fbnet::detail {

/** The options' device; fbnet::Error (with the reason) when this libtorch cannot compute there. */
torch::Device torchDevice(const ComputeOptions &options);

/** The generator state of `device` (CPU: the default CPU generator; CUDA: that GPU's). */
torch::Tensor rngState(const torch::Device &device);
void setRngState(const torch::Device &device, const torch::Tensor &state);

/** The values of `t`, flattened, as host doubles, from any device: how the engine reads a tensor's
 *  numbers on the host (a GPU tensor's data pointer is not host memory). */
std::vector<double> hostValues(const torch::Tensor &t);

/** Whether `device` is a GPU that computes bf16 (CUDA compute capability 8.0 or newer). */
bool cudaComputesBf16(const torch::Device &device);

/**
 * Times work queued on a device: wall time on a CPU; on a GPU, CUDA events on the current stream
 * (the work is asynchronous, a wall clock would time the queueing). start(), queue the work,
 * then elapsedMs() waits for it and returns its milliseconds.
 */
class DeviceTimer
{
public:
    explicit DeviceTimer(const torch::Device &device);
    ~DeviceTimer();
    void start();
    double elapsedMs();

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

/** Waits until the work queued on `device` is done (nothing on a CPU). */
void synchronizeDevice(const torch::Device &device);

} // namespace fbnet::detail
