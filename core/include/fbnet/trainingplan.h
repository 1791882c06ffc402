#pragma once
// What training stored architectures will take, said before it starts: the studio's Train,
// Train & export and Random-baseline dialogs and `fbnet pareto` / `fbnet random` (--plan) read
// this one estimate.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fbnet/runstore.h"
#include "fbnet/searchconfig.h"
#include "fbnet/train.h"

namespace fbnet {

struct TrainingPlan
{
    std::string dataset;                           ///< the data set's name
    std::size_t availableTrain = 0, availableTest = 0;  ///< images in its splits
    std::size_t trainImages = 0, testImages = 0;   ///< what each training uses: the asked count, at most what there is
    int epochs = 0;
    int architectures = 0;  ///< asked for (a baseline: 0, its budget decides)
    int reused = 0;         ///< already evaluated under the same protocol: not trained again
    /// Seconds one architecture takes under this protocol, from this store's trainings of the same
    /// space and data set on this machine, scaled by images x epochs; 0 when there are none.
    double secondsPerArchitecture = 0;
    int basis = 0;              ///< how many stored trainings that figure comes from
    double budgetSeconds = 0;   ///< a random baseline: the compute of the run it matches
    std::vector<std::string> warnings;  ///< too few images, a count cut to what there is

    int toTrain() const { return architectures - reused; }
    /** The work's length in seconds: the budget, or toTrain() x secondsPerArchitecture (0: unknown). */
    double estimatedSeconds() const;
    /** About how many architectures a budget trains (at least 1; 0 without a budget or an estimate). */
    int budgetArchitectures() const;
    /** One paragraph for a dialog or a terminal: the work, its length, the warnings. */
    std::string describe() const;
};

/**
 * Plans the training of a run's architectures: reads the data set's splits (the run's, unless
 * `dataset`) and the store's earlier trainings once, then plans any settings cheaply (a dialog
 * calls plan() on every change). fbnet::Error naming the data set or the run when either cannot
 * be read. The store must outlive the planner.
 */
class TrainingPlanner
{
public:
    TrainingPlanner(const RunStore &store, const RunInfo &run, const std::string &dataset = {});
    ~TrainingPlanner();
    TrainingPlanner(const TrainingPlanner &) = delete;
    TrainingPlanner &operator=(const TrainingPlanner &) = delete;

    /** Training `architectures` (of this run) with `config` on that many images (0: all). */
    TrainingPlan plan(const std::vector<StoredArchitecture> &architectures, const TrainConfig &config, std::size_t trainImages,
                      std::size_t testImages) const;
    /** A random baseline with this run's compute as budget (fbnet random --budget-of). */
    TrainingPlan planBaseline(const TrainConfig &config, std::size_t trainImages, std::size_t testImages) const;

    std::size_t availableTrain() const;
    std::size_t availableTest() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

/** About how long a search takes on this machine, from the store's searches of the same space. */
struct SearchEstimate
{
    double seconds = 0;  ///< 0: no search of the space and mode in this store to go by
    int basis = 0;       ///< how many stored searches it comes from
};

/**
 * The store's finished or stopped searches of `space` in the same mask mode on the same device,
 * as seconds per image of a weights or θ step (the steps searchSplits and the warm-up give), times
 * the steps this search (`images` after the subset, `config`) will take. maxStepsPerEpoch caps both.
 */
SearchEstimate estimateSearch(const RunStore &store, const std::string &space, std::size_t images, const SearchConfig &config);

/** "1h02m" or "4m05s": a duration for people (the CLI's progress lines, the plans). */
std::string formatDuration(double seconds);

} // namespace fbnet
