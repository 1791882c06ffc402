#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "fbnet/architecture.h"
#include "fbnet/dataset.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/latencytable.h"
#include "fbnet/lutfit.h"
#include "fbnet/evaluate.h"
#include "fbnet/runstore.h"
#include "fbnet/searchspace.h"
#include "fbnet/storedsearch.h"
#include "fbnet/train.h"

namespace fbnet::cli {

/** Each registers its subcommand(s) and sets `run` to the action chosen by the parse. */
using Action = std::function<int()>;
void addSearchCommand(CLI::App &app, Action &run);
void addArchCommands(CLI::App &app, Action &run);
void addLutCommands(CLI::App &app, Action &run);
void addLutKitCommands(CLI::App *lut, Action &run);  ///< lut kit, lut measure (kitcommand.cpp)
void addLutBuildCommands(CLI::App *lut, Action &run);  ///< lut build, lut validate (lutbuildcommand.cpp)
/** One line of a table's prediction quality: count, MAPE, share within ±10%, Spearman, max error. */
void printQuality(const char *what, const PredictionQuality &q);
void addTrainCommand(CLI::App &app, Action &run);
void addParetoCommand(CLI::App &app, Action &run);
void addRunsCommands(CLI::App &app, Action &run);  ///< runs, sample, import
void addExportCommand(CLI::App &app, Action &run);  ///< export: JSON, mobile-vision, ONNX
void addRandomCommand(CLI::App &app, Action &run);
void addRankCommands(CLI::App &app, Action &run);  ///< groundtruth, rank (rankcommand.cpp)

/** --runs or the default store. */
std::string storePath(const std::string &runs);

/** A stored run's space (with its class count) and its latency table. */
struct SpaceAndTable
{
    SearchSpace space;
    LatencyTable lut;
    SearchInvocation invocation;
};
SpaceAndTable loadRunSpace(const RunInfo &run, const std::string &source);
/** A shipped table, a file, or "local" (this CPU, measured on first use). */
LatencyTable loadTableWithProgress(const std::string &lut, const SearchSpace &space);


/**
 * An architecture argument: RUN:ID / RUN:argmax / RUN:NAME (stored; *storedId is set; RUN:argmax
 * and RUN alone are the architecture the run hands back, a family run's for `targetMs`), a
 * published name, our JSON file or a mobile-vision arch_def (needs `spaceName` if it names none).
 * *spaceRef gets how to load its space (a stored run's space may be a file).
 */
Architecture loadArchitectureArg(const std::string &arg, const std::string &spaceName, const std::string &runs,
                                 std::int64_t *storedId, std::string *spaceRef = nullptr, double targetMs = 0);

std::string formatCount(double v);  ///< 249.37M, 4.30M, 12.9k
/** "widths 16-24-..., input 24" for an FBNetV2 architecture (the input only when not the space's); "" for an FBNet one. */
std::string shapesString(const Architecture &a);

/**
 * --device --threads --no-channels-last: where a search or a training computes. `deviceFlag`
 * false leaves --device out (fbnet pareto's --device names its latency table).
 */
void addComputeOptions(CLI::App *cmd, ComputeOptions &compute, bool deviceFlag = true);
/** --val-fraction, --skip-bad-images, --normalize, --crop-scale, --crop-ratio: how folder data sets are read. */
void addImageOptions(CLI::App *cmd, ImageOptions &image);

/** --epochs --batch-size --max-steps --seed and the compute options: how each architecture is trained (pareto, random). */
void addPerArchitectureTrainingOptions(CLI::App *cmd, TrainConfig &config, bool deviceFlag = true);

/** One training epoch on stderr, as pareto, random and train print it. */
void printEpoch(const TrainEpoch &e);

/** evaluateStoredArchitecture with each epoch printed to stderr. */
Evaluation evaluateStored(RunStore &store, const StoredArchitecture &a, const TrainingSetup &setup, const TrainConfig &config,
                          const LatencyTable &lut, const StopToken &stop, bool measure, const std::string &weightsPath);

} // namespace fbnet::cli
