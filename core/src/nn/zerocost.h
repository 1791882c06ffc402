#pragma once
// Private (torch): zero-cost proxies, scores of an untrained network from at most one batch.

#include <cstdint>

#include <torch/torch.h>

#include "fbnet/architecture.h"

namespace fbnet::detail {

/**
 * log SynFlow (Tanaka et al. 2020): the network of `plan` initialised from `seed`, in float64,
 * every parameter replaced by its absolute value, BN as identity (evaluation mode, fresh
 * statistics); R = the sum of its logits for an all-ones input; the score is
 * log sum |w * dR/dw|. Needs no data.
 */
double synflowScore(const NetworkPlan &plan, std::uint64_t seed);

/**
 * NASWOT (Mellor et al. 2021): the binary codes of every ReLU for each image of `images`
 * (training-mode BN, no gradient), K[i][j] = the number of units where images i and j agree;
 * the score is log |det K|.
 */
double naswotScore(const NetworkPlan &plan, const torch::Tensor &images, std::uint64_t seed);

/** log of the sum over parameters of the norm of the cross-entropy's gradient on one batch (training mode). */
double gradNormScore(const NetworkPlan &plan, const torch::Tensor &images, const torch::Tensor &labels, std::uint64_t seed);

} // namespace fbnet::detail
