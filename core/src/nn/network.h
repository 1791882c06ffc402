#pragma once
// A concrete network built from a NetworkPlan (private to core).

#include <vector>

#include <torch/torch.h>

#include "fbnet/architecture.h"
#include "nn/blocks.h"

namespace fbnet::detail {

/** Stem, one block per layer, head conv, global average pool, classifier. */
class NetworkImpl : public torch::nn::Module
{
public:
    explicit NetworkImpl(const NetworkPlan &plan);
    torch::Tensor forward(const torch::Tensor &x);
    /** Head conv + pool + classifier on the last block's output. */
    torch::Tensor forwardHead(const torch::Tensor &x);

    ConvBnRelu stem{nullptr};
    std::vector<std::shared_ptr<CandidateImpl>> blocks;
    ConvBnRelu head{nullptr};          ///< conv head; ir_pool: the 1x1 expansion (BN + h-swish)
    torch::nn::Conv2d headPwl{nullptr};  ///< ir_pool: 1x1 conv after the pool (no BN, no bias) + h-swish
    torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(Network);

/** Converts every 4-d parameter to channels-last (oneDNN's fast layout). */
void toChannelsLast(torch::nn::Module &module);

} // namespace fbnet::detail
