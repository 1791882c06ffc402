// The checks of a search's inputs, one place for the engine, runStoredSearch and the studio's dialog.
#include "fbnet/search.h"

#include <algorithm>
#include <cmath>

#include "fbnet/error.h"
#include "fbnet/family.h"

namespace fbnet {

SearchSplits searchSplits(std::size_t images, const SearchConfig &config)
{
    SearchSplits s;
    s.weights = std::size_t(std::floor(double(images) * config.weightSplit));
    s.theta = images - s.weights;
    return s;
}

void checkSearchSplits(const std::string &dataName, std::size_t images, const SearchConfig &config)
{
    const SearchSplits s = searchSplits(images, config);
    const std::size_t batch = std::size_t(config.batchSize);
    if (s.weights >= batch && s.theta >= batch)
        return;
    // The smallest data set both splits fit, and the largest batch these images allow: advice that is true.
    const double share = std::min(config.weightSplit, 1 - config.weightSplit);
    std::size_t needed = std::size_t(std::ceil(double(batch) / share - 1e-9));
    while (needed > 1 && searchSplits(needed - 1, config).weights >= batch && searchSplits(needed - 1, config).theta >= batch)
        --needed;  // the split rule's own rounding decides, not the share's
    while (searchSplits(needed, config).weights < batch || searchSplits(needed, config).theta < batch)
        ++needed;
    const std::size_t fits = std::min(s.weights, s.theta);
    std::string advice = "a batch of " + std::to_string(batch) + " needs at least " + std::to_string(needed) + " images";
    advice += fits >= 2 ? " (these " + std::to_string(images) + " allow a batch of at most " + std::to_string(fits) + ")"
                        : " (these " + std::to_string(images) + " are too few for any batch)";
    throw Error::at("data set " + dataName, "size",
                    "the weight split (" + std::to_string(int(std::lround(config.weightSplit * 100))) + "%) gets " + std::to_string(s.weights)
                        + " images and the theta split " + std::to_string(s.theta) + "; each needs at least one batch of "
                        + std::to_string(batch) + ": " + advice);
}

std::pair<std::size_t, std::size_t> checkSearchInputs(const SearchSpace &space, const LatencyTable &lut, const Dataset &data,
                                                      const SearchConfig &config)
{
    config.validate();
    if (data.numClasses > space.numClasses)
        throw Error::at("data set " + data.name, "classes",
                        "has " + std::to_string(data.numClasses) + " classes but space " + space.name + " outputs "
                            + std::to_string(space.numClasses) + " (load the space with num_classes)");
    if (space.searchesShapes() && lut.metric.empty())
        throw Error::at("latency table " + lut.device, "cost",
                        "space " + space.name
                            + " searches widths, expansions or resolutions: its cost is analytic, expected the flops or params table");
    if (space.searchesShapes() && config.weightSampling != WeightSampling::Theta)
        throw Error::at("search config", "weight_sampling", "uniform and fair sampling draw one block per layer: FBNet spaces only, not " + space.name);
    if (space.searchesShapes() && effectivePickBy(config, true) != "theta")
        throw Error::at("search config", "pick_by", "choosers pick among blocks of FBNet spaces; " + space.name + " picks by theta");
    checkTargets(space, lut, config.targets);
    checkSearchSplits(data.name, data.size(), config);
    const SearchSplits s = searchSplits(data.size(), config);
    return {s.weights, s.theta};
}

} // namespace fbnet
