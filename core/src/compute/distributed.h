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

/**
 * joinProcessGroup, after the ranks agree on what they run: each rank publishes `signature` (a JSON
 * object of every setting that must match: the configuration, the data, the space's shape, the
 * world size) at the rendezvous and compares the others' with its own; a difference is refused
 * with fbnet::Error naming the field, the ranks and both values, before any collective starts.
 * Every wait (a rank that never comes, a port held by something that is not a rendezvous, the
 * group's creation) is bounded by FBNET_DIST_TIMEOUT in all.
 */
std::unique_ptr<GradientSync> joinProcessGroup(const DistributedLaunch &launch, const torch::Device &device, const std::string &signature);

/** A rank's device: "cuda" becomes "cuda:LOCAL_RANK" in a data-parallel run (one GPU per process). */
std::string rankDevice(const std::string &device, const DistributedLaunch &launch);

} // namespace fbnet::detail
