#include "nn/network.h"

namespace fbnet::detail {

NetworkImpl::NetworkImpl(const NetworkPlan &plan)
{
    stem = register_module("stem", ConvBnRelu(plan.inputChannels, plan.stemChannels, plan.stemKernel, plan.stemStride, plan.stemHswish));
    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
        const auto &l = plan.layers[i];
        blocks.push_back(register_module("layer" + std::to_string(i),
                                         makeCandidate(plan.chosen[i], l.cin, l.cout, l.stride)));
    }
    const int last = plan.layers.empty() ? plan.stemChannels : plan.layers.back().cout;
    if (plan.headType == "ir_pool") {
        const int mid = roundWidth(last * plan.headExpansion, 8);
        head = register_module("head", ConvBnRelu(last, mid, 1, 1, true));
        headPwl = register_module("head_pwl", torch::nn::Conv2d(torch::nn::Conv2dOptions(mid, plan.headChannels, 1).bias(false)));
    } else {
        head = register_module("head", ConvBnRelu(last, plan.headChannels, 1, 1));
    }
    fc = register_module("fc", torch::nn::Linear(plan.headChannels, plan.numClasses));
}

torch::Tensor NetworkImpl::forwardHead(const torch::Tensor &x)
{
    auto y = torch::adaptive_avg_pool2d(head(x), {1, 1});
    if (!headPwl.is_empty())
        y = torch::hardswish(headPwl(y));
    return fc(y.flatten(1));
}

torch::Tensor NetworkImpl::forward(const torch::Tensor &input)
{
    auto x = stem(input);
    for (auto &b : blocks)
        x = b->forward(x);
    return forwardHead(x);
}

void toChannelsLast(torch::nn::Module &module)
{
    torch::NoGradGuard ng;
    for (auto &p : module.parameters())
        if (p.dim() == 4)
            p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
}

} // namespace fbnet::detail
