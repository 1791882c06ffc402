#pragma once
// Private (torch): synchronised batch norm for data-parallel runs (--sync-bn): the training-mode
// statistics of every block's BN are those of the whole global batch, all ranks together, as
// PyTorch's SyncBatchNorm computes them, so N processes of batch B compute what one process of
// batch N*B computes (up to float summation order).

#include <torch/nn/modules/batchnorm.h>
#include <torch/types.h>

#include "compute/gradientsync.h"

namespace fbnet::detail {

/**
 * While alive on this thread, batchNormRelu and batchNorm (fastops.h) of modules in training mode
 * normalise with the statistics summed over `sync`'s ranks (null: no effect). The backward pass
 * all-reduces its two per-channel sums through the same `sync`, on whatever thread runs it.
 */
class SyncBatchNormScope
{
public:
    explicit SyncBatchNormScope(GradientSync *sync);
    ~SyncBatchNormScope();
    SyncBatchNormScope(const SyncBatchNormScope &) = delete;
    SyncBatchNormScope &operator=(const SyncBatchNormScope &) = delete;

private:
    GradientSync *m_previous;
};

/** The group of the innermost SyncBatchNormScope on this thread, or null. */
GradientSync *syncBatchNormGroup();

/**
 * Training-mode batch norm of `x` [N, C, H, W] over the global batch: per-channel sums all-reduced
 * through `sync` (equal shards on every rank), running statistics updated with the global mean and
 * unbiased variance. Computed in fp32.
 */
torch::Tensor syncBatchNorm(const torch::Tensor &x, torch::nn::BatchNorm2dImpl &bn, GradientSync &sync);

} // namespace fbnet::detail
