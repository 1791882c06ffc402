#pragma once
// Private (torch): the search with its gradient-sync hook (runSearch passes NoGradientSync).

#include "fbnet/search.h"
#include "gradientsync.h"

namespace fbnet::detail {

/** runSearch, with `sync` called between every backward() and optimizer step. */
SearchResult runSearchWith(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                           SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint, GradientSync &sync);

} // namespace fbnet::detail
