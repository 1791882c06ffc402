#pragma once
// Private (torch): the c10d process group of a data-parallel search, as its gradient sync.

#include <memory>
#include <string>

#include <torch/types.h>

#include "fbnet/distributed.h"
#include "compute/gradientsync.h"

namespace fbnet::detail {

/**
 * Joins the process group (TCPStore rendezvous at MASTER_ADDR:MASTER_PORT; NCCL for a GPU `device`
 * where this libtorch has it, Gloo otherwise) and averages gradients across it: one flat bucket per
 * step (Gloo has no AVG: a sum, then a division), after agreeing which parameters have a gradient
 * on any rank (a hard-mode step samples different candidates on different ranks; one no rank
 * touched keeps no gradient).
 */
std::unique_ptr<GradientSync> joinProcessGroup(const DistributedLaunch &launch, const torch::Device &device);

/** A rank's device: "cuda" becomes "cuda:LOCAL_RANK" in a data-parallel run (one GPU per process). */
std::string rankDevice(const std::string &device, const DistributedLaunch &launch);

} // namespace fbnet::detail
