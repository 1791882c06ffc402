#pragma once
// The random-search baseline with the same compute as a search: `fbnet random` and the studio's
// Pareto tab (Random baseline…) run this one implementation.

#include <functional>
#include <string>

#include "fbnet/evaluate.h"
#include "fbnet/lutbuild.h"
#include "fbnet/storedsearch.h"

namespace fbnet {

/** The random-search baseline: uniformly sampled architectures, each trained, within a budget. */
struct RandomBaselineRequest
{
    std::string name;             ///< of the new run; empty: run-ID
    std::string budgetOf;         ///< a search run: its space, data, table and compute (search + its evaluations) as budget
    double budgetSeconds = 0;     ///< without budgetOf; 0 with maxArchitectures > 0: no time budget
    int maxArchitectures = 0;     ///< 0: the budget only
    SearchInvocation invocation;  ///< space, data set, table (without budgetOf)
    std::size_t trainSubset = 5000;  ///< training images per architecture (never the search's subset)
    std::size_t testSubset = 2000;
    TrainConfig config;           ///< per architecture
};

struct RandomBaselineEvents
{
    /** The run is created: its record, the training setup, the budget in seconds (0: none). */
    std::function<void(const RunInfo &, const TrainingSetup &, double budget)> onStarted;
    /** An architecture was drawn and stored; `spent` seconds so far. */
    std::function<void(int index, const StoredArchitecture &, double spent)> onArchitecture;
    std::function<void(int index, const StoredArchitecture &, const TrainEpoch &)> onEpoch;
    std::function<void(int index, const StoredArchitecture &, const Evaluation &)> onEvaluated;
    ProgressFn lutProgress;  ///< measuring "local" on first use
};

struct RandomBaselineOutcome
{
    RunInfo run;
    int architectures = 0;
    double spentSeconds = 0;
    double budgetSeconds = 0;
    bool stopped = false;
};

/** The compute a search run spent: its search seconds plus every evaluation of its architectures. */
double runComputeSeconds(const RunStore &store, const RunInfo &run);

/**
 * Draws architectures uniformly from the space (seed + 0x5eed), stores each in a new run of kind
 * "random" and trains it, until the budget is spent (always at least one), `maxArchitectures` or
 * a stop. fbnet::Error (naming the field) without a budget and without a cap.
 */
RandomBaselineOutcome runRandomBaseline(RunStore &store, const RandomBaselineRequest &request, const StopToken &stop,
                                        const RandomBaselineEvents &events = {});

} // namespace fbnet
