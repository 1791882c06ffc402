#include "compute/device.h"

#include <chrono>
#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/cuda.h>

#include "compute/torchcompat.h"

// CUDA's own API only where this libtorch has CUDA (CMake defines FBNET_TORCH_CUDA then); Debian's
// CPU libtorch ships these headers, but the CUDA runtime's that they include are absent there.
#if FBNET_TORCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#if __has_include(<c10/cuda/CUDAEvent.h>)
using CudaEvent = c10::cuda::CUDAEvent;  // moved from ATen to c10 in PyTorch 2.x
#else
using CudaEvent = at::cuda::CUDAEvent;
#endif
#endif

#include "fbnet/error.h"
#include "fbnet/compute.h"

namespace fbnet::detail {

torch::Device torchDevice(const ComputeOptions &options)
{
    options.validate();
    const std::string why = deviceUnavailableReason(options.device);
    if (!why.empty())
        throw Error::at("compute options", "device", why);
    return torch::Device(options.device);
}

static at::Generator generatorOf(const torch::Device &device)
{
    if (device.is_cpu())
        return at::detail::getDefaultCPUGenerator();
    return at::globalContext().defaultGenerator(device);
}

torch::Tensor rngState(const torch::Device &device)
{
    auto gen = generatorOf(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
}

void setRngState(const torch::Device &device, const torch::Tensor &state)
{
    auto gen = generatorOf(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
}

std::vector<double> hostValues(const torch::Tensor &t)
{
    const auto c = t.detach().to(torch::kCPU, torch::kDouble).contiguous();
    return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

/** The CUDA index of `device`; -1 (the current GPU) for plain "cuda". */
static int cudaIndex(const torch::Device &device)
{
    return device.has_index() ? device.index() : -1;
}

bool cudaComputesBf16(const torch::Device &device)
{
    if (!device.is_cuda())
        return false;
#if FBNET_TORCH_CUDA
    const auto *props = at::cuda::getDeviceProperties(device.has_index() ? device.index() : c10::cuda::current_device());
    return props->major >= 8;
#else
    return false;
#endif
}

void synchronizeDevice(const torch::Device &device)
{
    if (device.is_cuda())
        torch::cuda::synchronize(cudaIndex(device));
}

struct DeviceTimer::Impl
{
    torch::Device device;
    std::chrono::steady_clock::time_point start;
#if FBNET_TORCH_CUDA
    CudaEvent begin{cudaEventDefault}, end{cudaEventDefault};
#endif
};

DeviceTimer::DeviceTimer(const torch::Device &device) : m(new Impl{device, {}})
{
}

DeviceTimer::~DeviceTimer() = default;

void DeviceTimer::start()
{
#if FBNET_TORCH_CUDA
    if (m->device.is_cuda()) {
        m->begin.record(at::cuda::getCurrentCUDAStream(cudaIndex(m->device)));
        return;
    }
#endif
    synchronizeDevice(m->device);
    m->start = std::chrono::steady_clock::now();
}

double DeviceTimer::elapsedMs()
{
#if FBNET_TORCH_CUDA
    if (m->device.is_cuda()) {
        m->end.record(at::cuda::getCurrentCUDAStream(cudaIndex(m->device)));
        m->end.synchronize();
        return double(m->begin.elapsed_time(m->end));
    }
#endif
    synchronizeDevice(m->device);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - m->start).count();
}

} // namespace fbnet::detail
