#pragma once
// FBNet blocks (private to core: torch lives only in core/src).

#include <memory>

#include <torch/torch.h>

#include "fbnet/searchspace.h"

namespace fbnet::detail {

/** ShuffleNet channel shuffle: (N, g, C/g, H, W) -> swap g and C/g -> (N, C, H, W). */
torch::Tensor channelShuffle(const torch::Tensor &x, int64_t groups);

/** Any block that can stand in a searchable layer. */
class CandidateImpl : public torch::nn::Module
{
public:
    virtual torch::Tensor forward(const torch::Tensor &x) = 0;
};

struct IrfBlockOptions
{
    IrfBlockOptions(int64_t in, int64_t out) : in_channels_(in), out_channels_(out) {}
    TORCH_ARG(int64_t, in_channels);
    TORCH_ARG(int64_t, out_channels);
    TORCH_ARG(double, expansion) = 1.0;
    TORCH_ARG(int64_t, kernel) = 3;
    TORCH_ARG(int64_t, stride) = 1;
    TORCH_ARG(int64_t, groups) = 1;
    TORCH_ARG(bool, double_dw) = false;
    TORCH_ARG(bool, se) = false;
    TORCH_ARG(bool, hswish) = false;
    TORCH_ARG(bool, always_pw) = true;
    TORCH_ARG(int64_t, mid) = 0;  ///< hidden width (0: round(in * expansion))
};

/** Squeeze-excite: pool, 1x1 conv (bias) + ReLU, 1x1 conv (bias) + hard sigmoid, scale. */
class SqueezeExciteImpl : public torch::nn::Module
{
public:
    SqueezeExciteImpl(int64_t channels, int64_t squeeze);
    torch::Tensor forward(const torch::Tensor &x);
    torch::nn::Conv2d reduce{nullptr}, expand{nullptr};
};
TORCH_MODULE(SqueezeExcite);

/** ReLU or h-swish, in place. */
torch::Tensor activate(torch::Tensor x, bool hswish);

/**
 * FBNet inverted-residual block: 1x1 group conv + BN + ReLU, channel shuffle (g > 1), KxK
 * depthwise conv (carrying the stride) + BN + ReLU [, a second 3x3 depthwise + BN + ReLU],
 * 1x1 group conv + BN, residual add when the shapes match. mid = round(Cin * e); the first 1x1
 * conv is kept at e = 1, as in the released FBNet graphs.
 */
class IrfBlockImpl : public CandidateImpl
{
public:
    explicit IrfBlockImpl(const IrfBlockOptions &options);
    torch::Tensor forward(const torch::Tensor &x) override;
    bool residual() const { return m_residual; }

    IrfBlockOptions options;
    torch::nn::Conv2d pw{nullptr}, dw{nullptr}, dw2{nullptr}, pwl{nullptr};
    torch::nn::BatchNorm2d pwBn{nullptr}, dwBn{nullptr}, dw2Bn{nullptr}, pwlBn{nullptr};
    SqueezeExcite se{nullptr};

private:
    bool m_residual = false;
};

/** Identity when shapes match, else 1x1 conv (stride s) + BN + ReLU (HW-NAS-Bench, MRB). */
class SkipBlockImpl : public CandidateImpl
{
public:
    SkipBlockImpl(int64_t in, int64_t out, int64_t stride);
    torch::Tensor forward(const torch::Tensor &x) override;
    bool projecting() const { return !conv.is_empty(); }

    torch::nn::Conv2d conv{nullptr};
    torch::nn::BatchNorm2d bn{nullptr};
};

/** Conv + BN + ReLU or h-swish (stem and head). */
class ConvBnReluImpl : public torch::nn::Module
{
public:
    ConvBnReluImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, bool hswish = false);
    torch::Tensor forward(const torch::Tensor &x);

    torch::nn::Conv2d conv{nullptr};
    torch::nn::BatchNorm2d bn{nullptr};
    bool hswish = false;
};
TORCH_MODULE(ConvBnRelu);

std::shared_ptr<CandidateImpl> makeCandidate(const BlockSpec &block, int64_t in, int64_t out, int64_t stride);

} // namespace fbnet::detail
