#include "search/dmasking.h"

#include <algorithm>
#include <cmath>

#include "fbnet/error.h"
#include "fbnet/sampling.h"
#include "compute/device.h"
#include "nn/fastops.h"

namespace fbnet::detail {

namespace nn = torch::nn;

torch::Tensor prefixMasks(const std::vector<int> &widths, int64_t maxWidth)
{
    auto m = torch::zeros({int64_t(widths.size()), maxWidth});
    for (std::size_t k = 0; k < widths.size(); ++k)
        m[int64_t(k)].narrow(0, 0, std::min<int64_t>(widths[k], maxWidth)).fill_(1.0);
    return m;
}

torch::Tensor subsampleIndex(int64_t r, int64_t R, torch::Device device)
{
    return torch::floor(torch::arange(r, torch::TensorOptions(torch::kDouble).device(device)) * double(R) / double(r)).to(torch::kLong);
}

torch::Tensor subsample(const torch::Tensor &x, int64_t r)
{
    const int64_t R = x.size(-1);
    if (r == R)
        return x;
    const auto idx = subsampleIndex(r, R, x.device());
    return x.index_select(2, idx).index_select(3, idx);
}

torch::Tensor interleave(const torch::Tensor &y, int64_t R)
{
    const int64_t r = y.size(-1);
    if (r == R)
        return y;
    const auto idx = subsampleIndex(r, R, y.device());
    // rows: [N, C, r, r] -> [N, C, R, r]; then columns -> [N, C, R, R]
    auto rows = torch::zeros({y.size(0), y.size(1), R, r}, y.options()).index_copy(2, idx, y);
    return torch::zeros({y.size(0), y.size(1), R, R}, y.options()).index_copy(3, idx, rows);
}

torch::Tensor gumbelWeights(const torch::Tensor &theta, int64_t n, double tau, MaskMode mode)
{
    const int64_t k = theta.size(-1);
    if (mode == MaskMode::Soft)
        return torch::softmax(((theta.dim() == 1 ? theta.unsqueeze(0) : theta) + gumbelNoise({n, k}, theta.options())) / tau, 1);
    auto soft = torch::softmax((theta + gumbelNoise({k}, theta.options())) / tau, 0);
    auto hard = torch::zeros_like(soft);
    hard[soft.argmax().item<int64_t>()] = 1.0;
    return (hard - soft.detach() + soft).unsqueeze(0).expand({n, k});
}

bool isDMaskingSpace(const SearchSpace &space)
{
    return space.searchesShapes();
}

static nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t groups)
{
    return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2).groups(groups).bias(false));
}

MaskedIrfImpl::MaskedIrfImpl(const BlockSpec &b, int64_t in, int64_t mid, int64_t out, int64_t stride) : block(b)
{
    pw = register_module("pw", conv(in, mid, 1, 1, 1));
    pwBn = register_module("pw_bn", nn::BatchNorm2d(mid));
    dw = register_module("dw", conv(mid, mid, b.kernel, stride, mid));
    dwBn = register_module("dw_bn", nn::BatchNorm2d(mid));
    if (b.se)
        se = register_module("se", SqueezeExcite(mid, seChannels(int(mid))));
    pwl = register_module("pwl", conv(mid, out, 1, 1, 1));
    pwlBn = register_module("pwl_bn", nn::BatchNorm2d(out));
    residual = stride == 1 && in == out;
    if (residual) {
        torch::NoGradGuard ng;
        pwlBn->weight.zero_();
    }
}

torch::Tensor MaskedIrfImpl::forward(const torch::Tensor &x, const torch::Tensor &midMask)
{
    // The hidden channels beyond the chosen width are zeroed after pw and after dw (BN would
    // otherwise turn zero channels into its shift).
    const auto m = midMask.view({midMask.size(0), midMask.size(1), 1, 1});
    auto y = activate(batchNorm(pw(x), pwBn), block.hswish) * m;
    y = activate(batchNorm(dw(y), dwBn), block.hswish) * m;
    if (!se.is_empty())
        y = se(y);
    y = batchNorm(pwl(y), pwlBn);
    return residual ? y + x : y;
}

DMaskingSupernetImpl::DMaskingSupernetImpl(const SearchSpace &space, const std::string &metric, int members)
    : m_space(space), m_metric(metric.empty() ? "flops" : metric), m_plan(dmaskingPlan(space)), m_members(std::max(1, members))
{
    auto logits = [&](int64_t k) { return m_members > 1 ? torch::zeros({m_members, k}) : torch::zeros({k}); };
    if (m_metric != "flops" && m_metric != "params")
        throw Error::at("search", "cost", "a DMasking search costs architectures in flops or params, not " + metric);
    stem = register_module("stem", ConvBnRelu(space.inputChannels, space.stemChannels, space.stemKernel, space.stemStride, space.stemHswish));
    m_resolutions = dmaskingResolutions(space);
    for (int r : m_resolutions)
        if (r > space.inputSize || (r % space.stemStride) != 0)
            throw Error::at("space " + space.name, "resolutions",
                            "each resolution must be <= the input size and divisible by the stem stride");
    if (m_resolutions.size() > 1) {
        m_resTheta = register_parameter("resolution_theta", logits(int64_t(m_resolutions.size())));
        m_thetas.push_back(m_resTheta);
    }
    for (std::size_t i = 0; i < m_plan.size(); ++i) {
        const auto &p = m_plan[i];
        const std::string name = "layer" + std::to_string(i);
        std::vector<std::shared_ptr<nn::Module>> layerOps;
        for (std::size_t k = 0; k < p.ops.size(); ++k) {
            const auto &b = p.ops[k];
            std::shared_ptr<nn::Module> op;
            if (b.kind == BlockSpec::Kind::Skip)
                op = std::make_shared<SkipBlockImpl>(p.layer.cin, p.layer.cout, p.layer.stride);
            else
                op = std::make_shared<MaskedIrfImpl>(b, p.layer.cin, p.mids.back(), p.layer.cout, p.layer.stride);
            layerOps.push_back(register_module(name + "_" + b.name, op));
        }
        ops.push_back(layerOps);
        Thetas t;
        t.op = register_parameter(name + "_op_theta", logits(int64_t(p.ops.size())));
        t.width = register_parameter(name + "_width_theta", logits(int64_t(p.widths.size())));
        t.mid = register_parameter(name + "_mid_theta", logits(int64_t(p.mids.size())));
        m_layerThetas.push_back(t);
        m_thetas.insert(m_thetas.end(), {t.op, t.width, t.mid});
        m_widthMasks.push_back(register_buffer(name + "_width_masks", prefixMasks(p.widths, p.layer.cout)));
        m_midMasks.push_back(register_buffer(name + "_mid_masks", prefixMasks(p.mids, p.mids.back())));
    }
    const int last = m_plan.back().layer.cout;
    if (space.headType == "ir_pool") {
        const int mid = roundWidth(last * space.headExpansion, 8);
        head = register_module("head", ConvBnRelu(last, mid, 1, 1, true));
        headPwl = register_module("head_pwl", nn::Conv2d(nn::Conv2dOptions(mid, space.headChannels, 1).bias(false)));
    } else {
        head = register_module("head", ConvBnRelu(last, space.headChannels, 1, 1));
    }
    fc = register_module("fc", nn::Linear(space.headChannels, space.numClasses));
}

namespace {

torch::Tensor dotOptions(const torch::Tensor &w, const std::vector<int> &values)
{
    return torch::mv(w, torch::tensor(std::vector<float>(values.begin(), values.end())).to(w.device()));
}

} // namespace

torch::Tensor DMaskingSupernetImpl::expectedCost(const std::vector<torch::Tensor> &opW, const std::vector<torch::Tensor> &widthW,
                                                 const std::vector<torch::Tensor> &midW, const torch::Tensor &resW) const
{
    // Effective shapes: E[width] = sum_k g_k w_k per layer, propagated as the next layer's input;
    // the spatial factor is E[(r / R)^2] over the input resolutions. Every term is linear in each
    // layer's weights, so with independent choices the result is the expectation of the cost.
    const bool flops = m_metric == "flops";
    const double R = m_space.inputSize;
    torch::Tensor spatial;  // [N]
    if (resW.defined()) {
        std::vector<float> f;
        for (int r : m_resolutions)
            f.push_back(float((r / R) * (r / R)));
        spatial = torch::mv(resW, torch::tensor(f).to(resW.device()));
    } else {
        spatial = torch::ones({opW.front().size(0)}, opW.front().options());
    }
    auto hw = [&](int size) { return flops ? spatial * double(size) * double(size) : torch::ones_like(spatial); };
    const int stemOut = (m_space.inputSize + m_space.stemStride - 1) / m_space.stemStride;
    torch::Tensor cost = hw(stemOut) * double(m_space.inputChannels * m_space.stemChannels * m_space.stemKernel * m_space.stemKernel);
    torch::Tensor cin = torch::full_like(spatial, double(m_space.stemChannels));
    // The previous layer's width options and weights (the stem: one fixed width), for skips.
    std::vector<int> prevWidths{m_space.stemChannels};
    torch::Tensor prevW;
    for (std::size_t l = 0; l < m_plan.size(); ++l) {
        const auto &p = m_plan[l];
        const int out = (p.layer.inputSize + p.layer.stride - 1) / p.layer.stride;
        const auto cout = dotOptions(widthW[l], p.widths);
        const auto mid = dotOptions(midW[l], p.mids);
        std::vector<int> midSe;
        for (int m : p.mids)
            midSe.push_back(m * seChannels(m));
        const auto seTerm = dotOptions(midW[l], midSe);
        torch::Tensor layer = torch::zeros_like(spatial);
        for (std::size_t k = 0; k < p.ops.size(); ++k) {
            const BlockSpec &b = p.ops[k];
            torch::Tensor c;
            if (b.kind == BlockSpec::Kind::Skip) {
                // The concrete skip is a 1x1 projection unless stride 1 and equal chosen widths:
                // E[cin * cout * [projecting]] = E[cin] E[cout] - sum over equal pairs (independent layers).
                torch::Tensor same = torch::zeros_like(spatial);
                if (p.layer.stride == 1)
                    for (std::size_t i = 0; i < prevWidths.size(); ++i)
                        for (std::size_t j = 0; j < p.widths.size(); ++j)
                            if (prevWidths[i] == p.widths[j]) {
                                auto pj = widthW[l].select(1, int64_t(j));
                                if (prevW.defined())
                                    pj = pj * prevW.select(1, int64_t(i));
                                same = same + pj * double(p.widths[j]) * double(p.widths[j]);
                            }
                c = (cin * cout - same) * hw(out);
            } else {
                c = cin * mid * hw(p.layer.inputSize) + mid * double(b.kernel * b.kernel) * hw(out) + mid * cout * hw(out);
                if (b.se)
                    c = c + 2.0 * seTerm;
            }
            layer = layer + opW[l].select(1, int64_t(k)) * c;
        }
        cost = cost + layer;
        cin = cout;
        prevWidths = p.widths;
        prevW = widthW[l];
    }
    const int headIn = m_plan.back().layer.inputSize / m_plan.back().layer.stride;
    if (m_space.headType == "ir_pool") {
        // The head's hidden width depends on the last width itself (c * round8(e c)): its exact
        // expectation is linear in the last layer's width weights.
        std::vector<int> cm, m;
        for (int w : m_plan.back().widths) {
            m.push_back(roundWidth(w * m_space.headExpansion, 8));
            cm.push_back(w * m.back());
        }
        cost = cost + dotOptions(widthW.back(), cm) * hw(headIn) + dotOptions(widthW.back(), m) * double(m_space.headChannels);
    } else {
        cost = cost + cin * double(m_space.headChannels) * hw(headIn);
    }
    cost = cost + double(m_space.headChannels) * double(m_space.numClasses);
    return cost / 1e6;
}

torch::Tensor DMaskingSupernetImpl::weights(const torch::Tensor &theta, int64_t n, double tau, MaskMode mode, const torch::Tensor &member) const
{
    if (m_members > 1 && mode == MaskMode::Soft)
        return gumbelWeights(theta.index_select(0, member), n, tau, mode);
    return gumbelWeights(current(theta), n, tau, mode);
}

SupernetOutput DMaskingSupernetImpl::forward(const torch::Tensor &input, double tau, MaskMode mode)
{
    const int64_t n = input.size(0);
    torch::Tensor member;  // a soft family batch: sample n serves member n mod members
    if (m_members > 1 && mode == MaskMode::Soft)
        member = torch::arange(n, torch::TensorOptions().dtype(torch::kLong).device(input.device())).remainder(m_members);
    torch::Tensor resW;
    torch::Tensor x;
    if (m_resTheta.defined()) {
        // Each resolution runs the stem on its dense subsampled input; the results are put back
        // at the positions they were sampled from (zeros between) and summed with Gumbel weights.
        resW = weights(m_resTheta, n, tau, mode, member);
        const int64_t full = (input.size(-1) + m_space.stemStride - 1) / m_space.stemStride;
        for (std::size_t i = 0; i < m_resolutions.size(); ++i) {
            auto y = interleave(stem(subsample(input, m_resolutions[i])), full);
            y = y * resW.select(1, int64_t(i)).view({n, 1, 1, 1});
            x = i == 0 ? y : x + y;
        }
    } else {
        x = stem(input);
    }
    std::vector<torch::Tensor> opW, widthW, midW;
    for (std::size_t l = 0; l < m_plan.size(); ++l) {
        const auto &t = m_layerThetas[l];
        auto go = weights(t.op, n, tau, mode, member);
        auto gw = weights(t.width, n, tau, mode, member);
        auto gm = weights(t.mid, n, tau, mode, member);
        const auto midMask = torch::mm(gm, m_midMasks[l]);
        const auto widthMask = torch::mm(gw, m_widthMasks[l]).view({n, -1, 1, 1});
        torch::Tensor out;
        for (std::size_t k = 0; k < ops[l].size(); ++k) {
            torch::Tensor y;
            if (auto irf = std::dynamic_pointer_cast<MaskedIrfImpl>(ops[l][k]))
                y = irf->forward(x, midMask);
            else
                y = std::dynamic_pointer_cast<SkipBlockImpl>(ops[l][k])->forward(x);
            y = y * go.select(1, int64_t(k)).view({n, 1, 1, 1});
            out = k == 0 ? y : out + y;
        }
        x = out * widthMask;
        opW.push_back(go);
        widthW.push_back(gw);
        midW.push_back(gm);
    }
    auto y = torch::adaptive_avg_pool2d(head(x), {1, 1});
    if (!headPwl.is_empty())
        y = torch::hardswish(headPwl(y));
    return {fc(y.flatten(1)), expectedCost(opW, widthW, midW, resW)};
}

static std::vector<double> softmaxOf(const torch::Tensor &t)
{
    return hostValues(torch::softmax(t.detach().to(torch::kDouble), 0));
}

std::vector<std::vector<double>> DMaskingSupernetImpl::probabilities() const
{
    std::vector<std::vector<double>> out;
    for (const auto &t : m_layerThetas)
        out.push_back(softmaxOf(current(t.op)));
    return out;
}

std::vector<std::vector<double>> DMaskingSupernetImpl::thetaValues() const
{
    std::vector<std::vector<double>> out;
    for (const auto &t : m_thetas)
        out.push_back(hostValues(current(t)));
    return out;
}

double DMaskingSupernetImpl::expectedLatencyMs() const
{
    torch::NoGradGuard ng;
    std::vector<torch::Tensor> o, w, m;
    for (const auto &t : m_layerThetas) {
        o.push_back(torch::softmax(current(t.op), 0).unsqueeze(0));
        w.push_back(torch::softmax(current(t.width), 0).unsqueeze(0));
        m.push_back(torch::softmax(current(t.mid), 0).unsqueeze(0));
    }
    torch::Tensor r;
    if (m_resTheta.defined())
        r = torch::softmax(current(m_resTheta), 0).unsqueeze(0);
    return expectedCost(o, w, m, r).item<double>();
}

namespace {

std::size_t argmaxOf(const std::vector<double> &p)
{
    return std::size_t(std::max_element(p.begin(), p.end()) - p.begin());
}

} // namespace

Architecture DMaskingSupernetImpl::argmax() const
{
    std::vector<std::size_t> op, width, mid;
    for (const auto &t : m_layerThetas) {
        op.push_back(argmaxOf(softmaxOf(current(t.op))));
        width.push_back(argmaxOf(softmaxOf(current(t.width))));
        mid.push_back(argmaxOf(softmaxOf(current(t.mid))));
    }
    const std::size_t res = m_resTheta.defined() ? argmaxOf(softmaxOf(current(m_resTheta))) : 0;
    return concreteArchitecture(m_space, m_plan, m_resolutions, op, width, mid, res);
}

double DMaskingSupernetImpl::argmaxLogProbability() const
{
    double lp = 0;
    for (const auto &t : m_thetas) {
        const auto p = softmaxOf(current(t));
        lp += std::log(*std::max_element(p.begin(), p.end()));
    }
    return lp;
}

Architecture DMaskingSupernetImpl::sample(std::mt19937_64 &rng, double &logProbability) const
{
    DrawnArchitecture d = sampleFromTheta(m_space, thetaValues(), rng);
    logProbability += d.logProbability;
    return std::move(d.architecture);
}

} // namespace fbnet::detail
