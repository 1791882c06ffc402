#pragma once
// Private (torch): the search loop behind runSearch, with its gradient-sync hook and the switch that
// lets runStoredSearch check its inputs once (checkSearchInputs) instead of twice.

#include <memory>
#include <string>

#include "fbnet/search.h"
#include "compute/gradientsync.h"

namespace fbnet::detail {

/** runSearch, with `sync` called between every backward() and optimizer step; `inputsChecked`: the caller ran checkSearchInputs. */
SearchResult runSearchWith(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                           SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint, GradientSync &sync,
                           bool inputsChecked);

/**
 * What every rank of a data-parallel search must agree on, as a JSON object: the configuration (less
 * the thread counts), the space's shape, the table, the data's name and size.
 */
std::string searchSignature(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config);

/** Joins `launch`'s process group for this search, the ranks agreeing on searchSignature first (joinProcessGroup). */
std::unique_ptr<GradientSync> joinSearchGroup(const SearchSpace &space, const LatencyTable &lut, const Dataset &data,
                                              const SearchConfig &config, const DistributedLaunch &launch);

/**
 * runSearch for one process or one rank of `launch`: in the group `joined` (joinSearchGroup, so that a
 * caller can join before it records anything), or joining it first when null.
 */
SearchResult runLaunchedSearch(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                               SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint,
                               const DistributedLaunch &launch, bool inputsChecked, GradientSync *joined = nullptr);

} // namespace fbnet::detail
