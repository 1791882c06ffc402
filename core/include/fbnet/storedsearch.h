#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "fbnet/dataset.h"
#include "fbnet/chooser.h"
#include "fbnet/distributed.h"
#include "fbnet/latencytable.h"
#include "fbnet/lutbuild.h"
#include "fbnet/runstore.h"
#include "fbnet/searchconfig.h"
#include "fbnet/searchtypes.h"

namespace fbnet {

/** What names a search's inputs: enough to load them again when the run is resumed. */
struct SearchInvocation
{
    std::string space = "fbnet-cifar";
    std::string dataset = "fashion-mnist";
    std::string lut = "pixel3";     ///< shipped name, "local", a file, or "flops" / "params" (analytic cost)
    std::size_t subset = 2500;      ///< 0: all
    double widthMultiplier = 1.0;
    int numClasses = 0;             ///< 0: from the data set (stored runs record the count used)
    int inputSize = 0;              ///< 0: the space's; else images and network at this size (analytic cost tables only)
    ImageOptions image;             ///< folder data sets: split, bad files, normalisation, crops
    /// Recorded when a run starts (not inputs): the data set's classes, its training images (after
    /// the subset) and, for folders, the files that were not images.
    std::vector<std::string> classNames;
    std::size_t images = 0;
    std::size_t ignoredFiles = 0;
    int worldSize = 1;     ///< data-parallel runs: the processes it ran on (a resume needs the same)
    std::string launcher;  ///< "torchrun", "slurm" or "" (one process)
};

std::string invocationToJson(const SearchInvocation &inv);
SearchInvocation invocationFromJson(const std::string &text, const std::string &source);

/** The loaded inputs: the space (with the data set's class count), the subset, the table. */
struct SearchInputs
{
    SearchSpace space;
    Dataset data;
    LatencyTable lut;
};

/** Loads them; "local" measures this CPU's table on first use (progress, stop). */
SearchInputs loadSearchInputs(const SearchInvocation &inv, std::uint64_t seed, const ProgressFn &lutProgress = {},
                              const StopToken *stop = nullptr);

/** A stored run's space (with the class count it was searched with), its table and invocation. */
struct RunContext
{
    SearchSpace space;
    LatencyTable lut;
    SearchInvocation invocation;
};
RunContext loadRunContext(const RunInfo &run, const std::string &storePath, const ProgressFn &lutProgress = {});

/** A shipped table by name, a file, or "local" (this CPU, measured on first use and cached). */
LatencyTable loadTableFor(const std::string &lut, const SearchSpace &space, const ProgressFn &progress = {});

/** "fbnet-studio 0.1.0, libtorch X, SQLite Y". */
std::string versionString();

/** A search recorded in a store, new or resumed. */
struct StoredSearchRequest
{
    SearchInvocation invocation;
    SearchConfig config;
    std::string name;    ///< new runs; empty: run-ID
    std::string resume;  ///< name or id of a run to continue; invocation and config then come from the run
    int threads = 0;     ///< resume: override the run's thread count (0: keep)
    bool forceTakeover = false;  ///< resume a run recorded as running on another host (its process cannot be checked)
    DistributedLaunch launch;    ///< data-parallel: this process's rank (runStoredSearch is rank 0's; see runSearchRank)
    /// New runs: a family search of this many targets spread over the table's range (frontTargets),
    /// resolved once the table is loaded; the run records them as config.targets. 0: config.targets as given.
    int front = 0;
    /// New runs: the loss the user named (mul, add, target); empty: the default of applyLossRule.
    std::string loss;
};

/**
 * A new search's config from its request once its inputs are loaded: the loss rule
 * (applyLossRule), `front` targets spread over the table, then every check of checkSearchInputs.
 * The one door of the CLI and the studio: runStoredSearch and runSearchRank call it before anything
 * is recorded or computed; fbnet::Error naming the field when the request cannot run.
 */
SearchConfig resolveSearchConfig(const StoredSearchRequest &request, const SearchInputs &inputs);

struct StoredSearchOutcome
{
    RunInfo run;
    SearchResult result;
    std::vector<ChooserPick> picks;  ///< the chooser's picks when the config picks by another than theta
};

/** Where a run's checkpoint lives: next to the database. */
std::string checkpointPathFor(const RunStore &store, std::int64_t runId);

/**
 * Creates the run (or reopens it for resume: the run is claimed for this process atomically, its
 * checkpoint verified, and the database cut back to the checkpoint's epoch, so a kill between the
 * two writes loses nothing twice), runs the search with checkpoints and records it. A resume whose
 * checkpoint is missing or damaged while the run has recorded history is refused and changes
 * nothing. `onReady` is called once the inputs are loaded, before the first step.
 */
StoredSearchOutcome runStoredSearch(RunStore &store, const StoredSearchRequest &request, SearchObserver &observer, StopToken &stop,
                                    const ProgressFn &lutProgress = {},
                                    const std::function<void(const RunInfo &, const SearchInputs &, const SearchConfig &)> &onReady = {});

/**
 * A rank other than 0 of a data-parallel stored search: the same inputs as rank 0 (from the
 * request, or from the stored run when it resumes, read only), its shard of every global batch,
 * nothing written to the store or the checkpoints. Returns the search's result (θ as on rank 0).
 */
SearchResult runSearchRank(const std::string &storePath, const StoredSearchRequest &request, StopToken &stop);

} // namespace fbnet
