#pragma once
// Private (torch): the precision a search or a training computes in (ComputeOptions::precision):
// autocast around the forward passes, and for fp16 a dynamic loss scale. Parameters (the weights
// and theta), their gradients, the optimizers and the loss stay fp32 in every precision.

#include <vector>

#include <torch/types.h>

#include "fbnet/computeoptions.h"

namespace fbnet::detail {

struct Precision
{
    std::string name = "fp32";                  ///< what runs: fp32, bf16 or fp16 ("auto" resolved)
    at::ScalarType type = at::ScalarType::Float;  ///< autocast's lower precision (Float: no autocast)
    torch::Device device = torch::kCPU;

    bool autocast() const { return type != at::ScalarType::Float; }
    bool scalesLoss() const { return type == at::ScalarType::Half; }
};

/**
 * Resolves `options.precision` on `device`: "auto" is bf16 on a GPU that computes it (compute
 * capability 8.0 or newer) and fp32 elsewhere. fbnet::Error naming the field for fp16 on a CPU
 * (CPU autocast computes bf16 only) or bf16 on a GPU without it.
 */
Precision resolvePrecision(const ComputeOptions &options, const torch::Device &device);

/** Autocast to the precision's type on its device for this scope (nothing for fp32). */
class AutocastScope
{
public:
    explicit AutocastScope(const Precision &p);
    ~AutocastScope();
    AutocastScope(const AutocastScope &) = delete;
    AutocastScope &operator=(const AutocastScope &) = delete;

private:
    bool m_on = false, m_wasEnabled = false;
    at::DeviceType m_deviceType = at::DeviceType::CPU;
    at::ScalarType m_wasType = at::ScalarType::Float;
};

/**
 * fp16's dynamic loss scale (the scheme of torch.cuda.amp.GradScaler): the loss is multiplied by
 * the scale before backward; the gradients are divided by it before the optimizer step, and a
 * step whose gradients hold an inf or NaN is skipped and halves the scale. `growthInterval`
 * finite steps in a row double it. For other precisions every call is a no-op that steps.
 */
class LossScaler
{
public:
    explicit LossScaler(const Precision &p, double initialScale = 65536.0, int growthInterval = 2000);

    torch::Tensor scale(const torch::Tensor &loss) const;
    /** Unscales the defined gradients of `params`; false when any is not finite (skip the step). */
    bool unscale(const std::vector<torch::Tensor> &params);
    double value() const { return m_scale; }
    int skippedSteps() const { return m_skipped; }

private:
    bool m_on;
    double m_scale;
    int m_growthInterval, m_goodSteps = 0, m_skipped = 0;
};

} // namespace fbnet::detail
