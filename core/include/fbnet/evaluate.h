#pragma once
// Training and evaluating stored architectures: what `fbnet pareto`, `fbnet random` and the
// studio's "Train architectures" share (one implementation for the CLI and the studio).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fbnet/dataset.h"
#include "fbnet/latencytable.h"
#include "fbnet/runstore.h"
#include "fbnet/searchspace.h"
#include "fbnet/train.h"

namespace fbnet {

/** A space loaded with the data set's class count, and the train/test splits at its input size. */
struct TrainingSetup
{
    SearchSpace space;
    Dataset train;
    Dataset test;
};
TrainingSetup loadTrainingSetup(const std::string &spaceName, const std::string &dataset, std::size_t trainSubset,
                                std::size_t testSubset, std::uint64_t seed, const ImageOptions &image = {}, int inputSize = 0);

/**
 * The training protocol as canonical JSON: data set, training and test image counts, input
 * size and every TrainConfig field that changes the result (epochs, batch, lr, momentum, weight
 * decay, augmentation, seed, step cap, initialisation: "scratch" or "supernet").
 */
std::string trainingProtocol(const TrainingSetup &setup, const TrainConfig &config);
/** The same from the data set's name, the image counts and the input size (a plan, before loading a subset). */
std::string trainingProtocol(const std::string &dataset, std::size_t trainImages, std::size_t testImages, int inputSize,
                             const TrainConfig &config);

/**
 * Trains a stored architecture, evaluates top-1 (and, with `measure`, its latency on this CPU)
 * and stores the evaluation unless stopped (then Evaluation::id is 0).
 */
Evaluation evaluateStoredArchitecture(RunStore &store, const StoredArchitecture &a, const TrainingSetup &setup,
                                      const TrainConfig &config, const LatencyTable &lut, const StopToken &stop, bool measure,
                                      const std::string &weightsPath,
                                      const std::function<void(const TrainEpoch &)> &onEpoch = {});

/** The newest stored evaluation of the architecture under this protocol (with a measured latency if asked). */
std::optional<Evaluation> findEvaluation(const RunStore &store, std::int64_t architectureId, const std::string &protocol,
                                         bool measured);

/** What evaluateArchitectures reports; every callback is optional. */
struct EvaluationEvents
{
    /** Before each architecture: `index` counts from 1; `reused` when a stored evaluation stands. */
    std::function<void(int index, int total, const StoredArchitecture &, bool reused)> onArchitecture;
    std::function<void(int index, int total, const StoredArchitecture &, const TrainEpoch &)> onEpoch;
    /** After each: the stored evaluation (new or reused). */
    std::function<void(int index, int total, const StoredArchitecture &, const Evaluation &, bool reused)> onEvaluated;
};

struct EvaluatedArchitecture
{
    StoredArchitecture architecture;
    Evaluation evaluation;
    bool reused = false;
};

struct EvaluationOutcome
{
    std::vector<EvaluatedArchitecture> evaluated;  ///< in order; a stopped architecture is not in it
    int trained = 0, reused = 0;
    bool stopped = false;
};

/**
 * Trains and evaluates each architecture under one protocol (setup + config), reusing an
 * evaluation stored under the same protocol (with a measured latency if `measure`), and stores
 * each new one. With `keepWeights`, each new training's weights are written to the store's
 * weightsDir() as keptWeightsPath() names them (one file per architecture and protocol) and
 * recorded with its evaluation.
 */
EvaluationOutcome evaluateArchitectures(RunStore &store, const std::vector<StoredArchitecture> &architectures,
                                        const TrainingSetup &setup, const TrainConfig &config, const LatencyTable &lut,
                                        bool measure, const StopToken &stop, const EvaluationEvents &events = {},
                                        bool keepWeights = false);

/** `STORE-weights/arch-ID-HASH.pt`: where a kept training of architecture ID under `protocol` goes. */
std::string keptWeightsPath(const RunStore &store, std::int64_t architectureId, const std::string &protocol);

/** A run's stored architectures (argmax first), at most `max` (0: all); fbnet::Error naming the run if it has none. */
std::vector<StoredArchitecture> runArchitectures(const RunStore &store, const RunInfo &run, int max = 0);

} // namespace fbnet
