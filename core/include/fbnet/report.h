#pragma once

#include <string>

#include "fbnet/search.h"

namespace fbnet {

/** The configuration as JSON (for run records and output folders). */
std::string searchConfigToJson(const SearchConfig &config);
/** The inverse; missing fields keep their defaults, a wrong type names the field. */
SearchConfig searchConfigFromJson(const std::string &text, const std::string &source);

/**
 * Writes a finished (or stopped) search to `dir`: architecture.json (the argmax), samples.json
 * (argmax and samples with MACs, params, LUT latency, log-probability), theta.json (final
 * softmax(theta) per layer with candidate names), epochs.csv and config.json. Files are
 * written atomically.
 */
void writeSearchOutputs(const std::string &dir, const SearchSpace &space, const LatencyTable &lut,
                        const std::string &datasetName, const SearchConfig &config, const SearchResult &result);

} // namespace fbnet
