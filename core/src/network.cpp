#include "network.h"

namespace fbnet::detail {

NetworkImpl::NetworkImpl(const NetworkPlan &plan)
{
    stem = register_module("stem", ConvBnRelu(plan.inputChannels, plan.stemChannels, plan.stemKernel, plan.stemStride));
    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
        const auto &l = plan.layers[i];
        blocks.push_back(register_module("layer" + std::to_string(i),
                                         makeCandidate(plan.chosen[i], l.cin, l.cout, l.stride)));
    }
    const int last = plan.layers.empty() ? plan.stemChannels : plan.layers.back().cout;
    head = register_module("head", ConvBnRelu(last, plan.headChannels, 1, 1));
    fc = register_module("fc", torch::nn::Linear(plan.headChannels, plan.numClasses));
}

torch::Tensor NetworkImpl::forwardHead(const torch::Tensor &x)
{
    return fc(torch::adaptive_avg_pool2d(head(x), {1, 1}).flatten(1));
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
