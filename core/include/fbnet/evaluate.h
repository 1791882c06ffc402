#pragma once
// Training and evaluating stored architectures: what `fbnet pareto`, `fbnet random` and the
// studio's "Train architectures" share.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

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
                                std::size_t testSubset, std::uint64_t seed);

/**
 * Trains a stored architecture, evaluates top-1 (and, with `measure`, its latency on this CPU)
 * and stores the evaluation unless stopped (then Evaluation::id is 0).
 */
Evaluation evaluateStoredArchitecture(RunStore &store, const StoredArchitecture &a, const TrainingSetup &setup,
                                      const TrainConfig &config, const LatencyTable &lut, const StopToken &stop, bool measure,
                                      const std::string &weightsPath,
                                      const std::function<void(const TrainEpoch &)> &onEpoch = {});

/** A stored evaluation of the architecture on this data set with this many epochs (and a measured latency if asked). */
std::optional<Evaluation> findEvaluation(const RunStore &store, std::int64_t architectureId, const std::string &dataset,
                                         int epochs, bool measured);

} // namespace fbnet
