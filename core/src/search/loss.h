#pragma once

#include <torch/torch.h>

#include "fbnet/searchconfig.h"

namespace fbnet::detail {

struct LossTerms
{
    torch::Tensor loss;          ///< scalar
    torch::Tensor crossEntropy;  ///< scalar, mean over the batch
};

/**
 * The latency-aware loss, per sample then averaged (each sample has its own Gumbel mask and so
 * its own expected latency). latencyMs is [N] or [1]. A family search passes each sample's
 * target (`targets`, shaped like latencyMs): the Target form with that target.
 */
LossTerms latencyAwareLoss(const torch::Tensor &logits, const torch::Tensor &labels, const torch::Tensor &latencyMs,
                           const SearchConfig &config, const torch::Tensor &targets = {});

} // namespace fbnet::detail
