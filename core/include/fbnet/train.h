#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/computeoptions.h"
#include "fbnet/dataset.h"
#include "fbnet/distributed.h"
#include "fbnet/stoptoken.h"

namespace fbnet {

struct TrainConfig
{
    int epochs = 5;            ///< 0 (with initFromCheckpoint): evaluate the supernet's weights, no training
    int batchSize = 64;
    double lr = 0.05;          ///< SGD, cosine to 0 over the epochs
    double momentum = 0.9;
    double weightDecay = 5e-4;
    bool augment = true;       ///< random crop (padding 4) + horizontal flip
    std::uint64_t seed = 1;
    ComputeOptions compute;    ///< device, threads, layout (shared with the search)
    bool syncBatchNorm = false;  ///< data-parallel: BN statistics over the global batch (SearchConfig::syncBatchNorm)
    int maxStepsPerEpoch = 0;  ///< 0: the whole training set
    /**
     * A search checkpoint (fbnet search writes one per run) to initialise from: stem, head,
     * classifier and, per layer, the chosen candidate's weights and BN statistics from the
     * supernet (FBNetV2: each tensor sliced to the chosen widths); the architecture must be one of the run's space.
     */
    std::string initFromCheckpoint;
    /// Progress only (not part of the training protocol): called after every step on the training
    /// thread with the epoch, the step and the steps per epoch (0-based epoch and step), the running
    /// mean loss and accuracy of the epoch so far, and the seconds since training began.
    std::function<void(int epoch, int step, int steps, double loss, double accuracy, double seconds)> onStep;
};

struct TrainEpoch
{
    int epoch = 0;
    double trainLoss = 0;
    double trainAccuracy = 0;
    double testAccuracy = 0;
    double seconds = 0;
};

struct TrainResult
{
    std::vector<TrainEpoch> epochs;
    double testTop1 = 0;  ///< after the last epoch
    bool stopped = false;
    double seconds = 0;
};

/**
 * Trains `arch` from scratch on `train` and evaluates top-1 on `test` after every epoch. If
 * `weightsPath` is not empty, the final weights are written there as a state dict (name ->
 * tensor) with torch::pickle_save, which Python reads with torch.load.
 */
TrainResult trainArchitecture(const SearchSpace &space, const Architecture &arch, const Dataset &train, const Dataset &test,
                              const TrainConfig &config, const std::function<void(const TrainEpoch &)> &onEpoch,
                              const StopToken &stop, const std::string &weightsPath = {});

/**
 * The same training as one rank of a data-parallel run (see DistributedLaunch): each rank takes
 * its shard of every global batch (batch x world size), gradients are averaged before every step,
 * the epoch's loss and accuracy are over all ranks; each rank evaluates the test split with its
 * own BN statistics (rank 0's is the one reported and saved). Only rank 0 should pass weightsPath.
 */
TrainResult trainArchitecture(const SearchSpace &space, const Architecture &arch, const Dataset &train, const Dataset &test,
                              const TrainConfig &config, const std::function<void(const TrainEpoch &)> &onEpoch,
                              const StopToken &stop, const std::string &weightsPath, const DistributedLaunch &launch);

/** Names and shapes of a saved state dict (to check a file without Python). */
std::vector<std::pair<std::string, std::vector<std::int64_t>>> readStateDictShapes(const std::string &path);

} // namespace fbnet
