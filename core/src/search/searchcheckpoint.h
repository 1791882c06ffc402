#pragma once
// Private (torch): everything a search carries from step to step, and its checkpoint.

#include <memory>
#include <random>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "fbnet/dataset.h"
#include "fbnet/searchconfig.h"
#include "fbnet/searchtypes.h"
#include "compute/precision.h"
#include "search/supernet.h"

namespace fbnet::detail {

/** Where a stopped search stood inside an epoch (a stop checkpoint resumes from there). */
struct PhasePosition
{
    bool active = false;
    int epoch = 0;
    Phase phase = Phase::Weights;
    int step = 0;  ///< the next step to run
    double lossSum = 0, correct = 0, seen = 0;
    double weightsLoss = 0, weightsAccuracy = 0;  ///< the epoch's weight phase, when stopped in theta
};

/**
 * The state of one search: the supernet, both optimizers, the data-order RNG and the two data
 * orders, the finished epochs. A checkpoint is exactly this (plus the device's torch RNG), so
 * saving and restoring it are the only two functions that know the file's layout.
 */
struct SearchState
{
    SearchState(std::shared_ptr<SearchableNet> network, const SearchConfig &config, torch::Device device);

    std::shared_ptr<SearchableNet> net;
    std::vector<torch::Tensor> weights, thetas;
    torch::optim::SGD sgd;
    torch::optim::Adam adam;
    torch::Device device;
    Precision precision;  ///< autocast of the forward passes (ComputeOptions::precision resolved on `device`)
    LossScaler scaler;    ///< fp16: the dynamic loss scale (not checkpointed: a resume starts it afresh)
    std::mt19937_64 rng;
    std::vector<std::size_t> weightOrder, thetaOrder;
    std::vector<EpochStats> epochs;
    std::string key;  ///< what must match for a checkpoint to continue this search
};

/** The key of a search: space, data set and configuration (not its thread count). */
std::string checkpointKey(const SearchSpace &space, const Dataset &data, const SearchConfig &config, int worldSize = 1);

/** Writes the state atomically (with `position` when a stop interrupted an epoch). */
void saveCheckpoint(const SearchState &state, const std::string &path, const PhasePosition *position);

/**
 * Restores the state from `path`; fbnet::Error naming the file when it is damaged, belongs to
 * another search or does not fit the supernet. Returns where a stop left the epoch (or inactive).
 */
PhasePosition restoreCheckpoint(SearchState &state, const std::string &path);

} // namespace fbnet::detail
