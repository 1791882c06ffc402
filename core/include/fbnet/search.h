#pragma once
// The search's verbs: run a search, read a checkpoint. Its value types are in fbnet/searchtypes.h.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "fbnet/dataset.h"
#include "fbnet/distributed.h"
#include "fbnet/latencytable.h"
#include "fbnet/searchconfig.h"
#include "fbnet/searchspace.h"
#include "fbnet/searchtypes.h"

namespace fbnet {

/** How many images the weight and the theta steps see (SearchConfig::weightSplit of the data, the rest). */
struct SearchSplits
{
    std::size_t weights = 0;
    std::size_t theta = 0;
};
SearchSplits searchSplits(std::size_t images, const SearchConfig &config);

/**
 * fbnet::Error naming the data set unless each split of `images` holds at least one batch; the
 * message says how many images the batch needs and the largest batch these images allow.
 */
void checkSearchSplits(const std::string &dataName, std::size_t images, const SearchConfig &config);

/**
 * Every check of a search's inputs, before anything is recorded or computed: the config
 * (SearchConfig::validate), the classes the space outputs, an analytic cost for FBNetV2 spaces, the
 * family targets against the table (checkTargets) and the splits (checkSearchSplits). Returns the
 * two split sizes. runSearch calls it; runStoredSearch calls it once before it records a run.
 */
std::pair<std::size_t, std::size_t> checkSearchInputs(const SearchSpace &space, const LatencyTable &lut, const Dataset &data,
                                                      const SearchConfig &config);

/** The number of epochs a checkpoint file holds; throws fbnet::Error if it is not one. */
int checkpointEpochs(const std::string &path);
/** Whether the checkpoint was written by a stop inside an epoch (it then resumes at that step). */
bool checkpointHasPosition(const std::string &path);

/**
 * Runs the FBNet search on the calling thread: alternating epochs of weights (weightSplit of the
 * data, SGD) and theta (the rest, Adam), then samples architectures from softmax(theta).
 * Throws fbnet::Error on bad input (after calling observer.onFailed).
 */
SearchResult runSearch(const SearchSpace &space, const LatencyTable &lut, const Dataset &data,
                       const SearchConfig &config, SearchObserver &observer, StopToken &stop,
                       const CheckpointOptions &checkpoint = {});

/**
 * The same search as one rank of a data-parallel run (`launch`, see DistributedLaunch): joins the
 * process group first (fbnet::Error naming the rendezvous when it cannot), then every rank runs
 * its shard of each global batch. Rank 0 alone writes `checkpoint`; other ranks only read it to
 * resume. A single-process launch is runSearch.
 */
SearchResult runSearch(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                       SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint, const DistributedLaunch &launch);

} // namespace fbnet
