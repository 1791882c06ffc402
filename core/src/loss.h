#pragma once

#include <torch/torch.h>

#include "fbnet/search.h"

namespace fbnet::detail {

struct LossTerms
{
    torch::Tensor loss;          ///< scalar
    torch::Tensor crossEntropy;  ///< scalar, mean over the batch
};

/**
 * The latency-aware loss, per sample then averaged (each sample has its own Gumbel mask and so
 * its own expected latency). latencyMs is [N] or [1].
 */
LossTerms latencyAwareLoss(const torch::Tensor &logits, const torch::Tensor &labels, const torch::Tensor &latencyMs,
                           const SearchConfig &config);

} // namespace fbnet::detail
