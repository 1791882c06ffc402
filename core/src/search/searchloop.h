#pragma once
// Private (torch): the search loop behind runSearch, with its gradient-sync hook and the switch that
// lets runStoredSearch check its inputs once (checkSearchInputs) instead of twice.

#include "fbnet/search.h"
#include "compute/gradientsync.h"

namespace fbnet::detail {

/** runSearch, with `sync` called between every backward() and optimizer step; `inputsChecked`: the caller ran checkSearchInputs. */
SearchResult runSearchWith(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                           SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint, GradientSync &sync,
                           bool inputsChecked);

/** runSearch for one process or one rank of `launch` (it joins the process group first). */
SearchResult runLaunchedSearch(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                               SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint,
                               const DistributedLaunch &launch, bool inputsChecked);

} // namespace fbnet::detail
