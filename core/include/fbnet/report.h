#pragma once

#include <string>

#include "fbnet/searchconfig.h"
#include "fbnet/latencytable.h"
#include "fbnet/searchtypes.h"

namespace fbnet {

/**
 * Writes a finished (or stopped) search to `dir`: architecture.json (the argmax), samples.json
 * (argmax and samples with MACs, params, LUT latency, log-probability), theta.json (final
 * softmax(theta) per layer with candidate names), epochs.csv and config.json. Files are
 * written atomically.
 */
void writeSearchOutputs(const std::string &dir, const SearchSpace &space, const LatencyTable &lut,
                        const std::string &datasetName, const SearchConfig &config, const SearchResult &result);

} // namespace fbnet
