#include "compute/precision.h"

#include <cmath>

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include "fbnet/error.h"
#include "compute/device.h"
#include "compute/torchcompat.h"

namespace fbnet::detail {

Precision resolvePrecision(const ComputeOptions &options, const torch::Device &device)
{
    options.validate();
    Precision p;
    p.device = device;
    std::string name = options.precision;
    if (name == "auto")
        name = !device.is_cpu() && cudaComputesBf16(device) ? "bf16" : "fp32";
    p.name = name;
    if (name == "fp32")
        return p;
    if (name == "fp16") {
        if (device.is_cpu())
            throw Error::at("compute options", "precision",
                            "fp16 needs a GPU (autocast on a CPU computes bf16 only); use --precision bf16 or fp32 here");
        p.type = at::ScalarType::Half;
        return p;
    }
    if (!device.is_cpu() && !cudaComputesBf16(device))
        throw Error::at("compute options", "precision",
                        "bf16 needs a GPU of compute capability 8.0 or newer; " + device.str() + " has not: use --precision fp16 or fp32");
    p.type = at::ScalarType::BFloat16;
    return p;
}

AutocastScope::AutocastScope(const Precision &p) : m_on(p.autocast()), m_deviceType(p.device.type())
{
    if (!m_on)
        return;
#if FBNET_TORCH2
    m_wasEnabled = at::autocast::is_autocast_enabled(m_deviceType);
    m_wasType = at::autocast::get_autocast_dtype(m_deviceType);
    at::autocast::set_autocast_enabled(m_deviceType, true);
    at::autocast::set_autocast_dtype(m_deviceType, p.type);
#else
    if (m_deviceType == at::DeviceType::CPU) {
        m_wasEnabled = at::autocast::is_cpu_enabled();
        m_wasType = at::autocast::get_autocast_cpu_dtype();
        at::autocast::set_cpu_enabled(true);
        at::autocast::set_autocast_cpu_dtype(p.type);
    } else {
        m_wasEnabled = at::autocast::is_enabled();
        m_wasType = at::autocast::get_autocast_gpu_dtype();
        at::autocast::set_enabled(true);
        at::autocast::set_autocast_gpu_dtype(p.type);
    }
#endif
    at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope()
{
    if (!m_on)
        return;
    if (at::autocast::decrement_nesting() == 0)
        at::autocast::clear_cache();  // the casts of the weights cached during this forward
#if FBNET_TORCH2
    at::autocast::set_autocast_enabled(m_deviceType, m_wasEnabled);
    at::autocast::set_autocast_dtype(m_deviceType, m_wasType);
#else
    if (m_deviceType == at::DeviceType::CPU) {
        at::autocast::set_cpu_enabled(m_wasEnabled);
        at::autocast::set_autocast_cpu_dtype(m_wasType);
    } else {
        at::autocast::set_enabled(m_wasEnabled);
        at::autocast::set_autocast_gpu_dtype(m_wasType);
    }
#endif
}

LossScaler::LossScaler(const Precision &p, double initialScale, int growthInterval)
    : m_on(p.scalesLoss()), m_scale(m_on ? initialScale : 1.0), m_growthInterval(growthInterval)
{
}

torch::Tensor LossScaler::scale(const torch::Tensor &loss) const
{
    return m_on ? loss * m_scale : loss;
}

bool LossScaler::unscale(const std::vector<torch::Tensor> &params)
{
    if (!m_on)
        return true;
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> sums;  // per gradient: all finite
    for (const auto &p : params)
        if (p.grad().defined()) {
            p.mutable_grad().mul_(1.0 / m_scale);
            sums.push_back(torch::isfinite(p.grad()).all());
        }
    // One host synchronisation for all the gradients.
    const bool finite = sums.empty() || torch::stack(sums).all().item<bool>();
    if (!finite) {
        m_scale = std::max(1.0, m_scale / 2);
        m_goodSteps = 0;
        ++m_skipped;
        return false;
    }
    if (++m_goodSteps >= m_growthInterval) {
        m_scale = std::min(m_scale * 2, 16777216.0);
        m_goodSteps = 0;
    }
    return true;
}

} // namespace fbnet::detail
