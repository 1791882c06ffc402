#include "device.h"

#include <mutex>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>

#include "fbnet/error.h"

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

} // namespace fbnet::detail
