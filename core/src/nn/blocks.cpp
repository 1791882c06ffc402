#include "nn/blocks.h"
#include "nn/fastops.h"

#include <cmath>

namespace fbnet::detail {

namespace nn = torch::nn;

torch::Tensor channelShuffle(const torch::Tensor &x, int64_t groups)
{
    const auto n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    auto y = x.view({n, groups, c / groups, h, w}).transpose(1, 2).reshape({n, c, h, w});
    if (x.is_contiguous(at::MemoryFormat::ChannelsLast) && !x.is_contiguous())
        y = y.contiguous(at::MemoryFormat::ChannelsLast);
    return y;
}

static nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t groups)
{
    return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2).groups(groups).bias(false));
}

torch::Tensor activate(torch::Tensor x, bool hswish)
{
    if (hswish)
        return torch::hardswish_(x);
    x.relu_();
    if (ReluObserver *o = reluObserver())
        o->observe(x);
    return x;
}

SqueezeExciteImpl::SqueezeExciteImpl(int64_t channels, int64_t squeeze)
{
    reduce = register_module("reduce", nn::Conv2d(nn::Conv2dOptions(channels, squeeze, 1).bias(true)));
    expand = register_module("expand", nn::Conv2d(nn::Conv2dOptions(squeeze, channels, 1).bias(true)));
}

torch::Tensor SqueezeExciteImpl::forward(const torch::Tensor &x)
{
    auto g = torch::adaptive_avg_pool2d(x, {1, 1});
    g = torch::hardsigmoid(expand(reduce(g).relu_()));
    return x * g;
}

IrfBlockImpl::IrfBlockImpl(const IrfBlockOptions &o)
    : options(o)
{
    const int64_t mid = o.mid() > 0 ? o.mid() : std::lround(o.in_channels() * o.expansion());
    TORCH_CHECK(o.in_channels() % o.groups() == 0 && mid % o.groups() == 0 && o.out_channels() % o.groups() == 0,
                "groups must divide the block's widths");
    if (o.always_pw() || mid != o.in_channels()) {
        pw = register_module("pw", conv(o.in_channels(), mid, 1, 1, o.groups()));
        pwBn = register_module("pw_bn", nn::BatchNorm2d(mid));
    }
    dw = register_module("dw", conv(mid, mid, o.kernel(), o.stride(), mid));
    dwBn = register_module("dw_bn", nn::BatchNorm2d(mid));
    if (o.double_dw()) {
        dw2 = register_module("dw2", conv(mid, mid, 3, 1, mid));
        dw2Bn = register_module("dw2_bn", nn::BatchNorm2d(mid));
    }
    if (o.se())
        se = register_module("se", SqueezeExcite(mid, seChannels(int(mid))));
    pwl = register_module("pwl", conv(mid, o.out_channels(), 1, 1, o.groups()));
    pwlBn = register_module("pwl_bn", nn::BatchNorm2d(o.out_channels()));
    m_residual = o.stride() == 1 && o.in_channels() == o.out_channels();
    // mobile-vision's zero_last_bn_gamma: a residual block starts as the identity, which trains a
    // deep stack from scratch faster (a fixed 22-layer k3_e6 net: 70.5% -> 74.8% after 100 steps).
    if (m_residual) {
        torch::NoGradGuard ng;
        pwlBn->weight.zero_();
    }
}

torch::Tensor IrfBlockImpl::forward(const torch::Tensor &x)
{
    // ReLU in place on the BN outputs: one less pass over the largest tensors of the block.
    const bool hs = options.hswish();
    // BN + ReLU is one fused operation in training (fastops.h); h-swish keeps the library path.
    auto bnAct = [hs](const torch::Tensor &t, torch::nn::BatchNorm2d &bn) {
        return hs ? activate(batchNorm(t, bn), true) : batchNormRelu(t, bn, true);
    };
    auto y = pw.is_empty() ? x : bnAct(pw(x), pwBn);
    if (options.groups() > 1)
        y = channelShuffle(y, options.groups());
    y = bnAct(depthwiseConv(y, dw), dwBn);
    if (options.double_dw())
        y = bnAct(depthwiseConv(y, dw2), dw2Bn);
    if (!se.is_empty())
        y = se(y);
    y = batchNormRelu(pwl(y), pwlBn, false);
    return m_residual ? y + x : y;
}

SkipBlockImpl::SkipBlockImpl(int64_t in, int64_t out, int64_t stride)
{
    if (stride != 1 || in != out) {
        conv = register_module("conv", fbnet::detail::conv(in, out, 1, stride, 1));
        bn = register_module("bn", nn::BatchNorm2d(out));
    }
}

torch::Tensor SkipBlockImpl::forward(const torch::Tensor &x)
{
    return conv.is_empty() ? x : batchNormRelu(conv(x), bn, true);
}

ConvBnReluImpl::ConvBnReluImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, bool hs) : hswish(hs)
{
    conv = register_module("conv", fbnet::detail::conv(in, out, kernel, stride, 1));
    bn = register_module("bn", nn::BatchNorm2d(out));
}

torch::Tensor ConvBnReluImpl::forward(const torch::Tensor &x)
{
    return hswish ? activate(batchNorm(conv(x), bn), true) : batchNormRelu(conv(x), bn, true);
}

std::shared_ptr<CandidateImpl> makeCandidate(const BlockSpec &b, int64_t in, int64_t out, int64_t stride)
{
    if (b.kind == BlockSpec::Kind::Skip)
        return std::make_shared<SkipBlockImpl>(in, out, stride);
    return std::make_shared<IrfBlockImpl>(IrfBlockOptions(in, out)
                                              .expansion(b.expansion)
                                              .kernel(b.kernel)
                                              .stride(stride)
                                              .groups(b.groups)
                                              .double_dw(b.doubleDw)
                                              .se(b.se)
                                              .hswish(b.hswish)
                                              .always_pw(b.alwaysPw)
                                              .mid(midChannels(int(in), b)));
}

} // namespace fbnet::detail
