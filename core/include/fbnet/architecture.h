#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fbnet/searchspace.h"

namespace fbnet {

/**
 * One concrete network of a search space: a block per searchable layer, plus the optional width
 * and input overrides published architectures need (FBNet-96-0.35-1, 1504-wide heads).
 */
struct Architecture
{
    std::string name;
    std::string space;                 ///< the search space's name
    std::vector<std::string> blocks;   ///< one block name per searchable layer
    std::optional<int> inputSize;
    std::optional<int> stemChannels;
    std::optional<int> headChannels;
    std::vector<int> stageWidths;      ///< empty: the space's widths
    std::vector<int> layerWidths;      ///< FBNetV2: output width per searchable layer (empty: the stage's)
    std::vector<double> layerExpansions;  ///< FBNetV2: expansion per layer (empty or 0: the block's own)
    std::string source;                ///< provenance (paper, released graph, search run)

    /** Blocks joined by '-', the form used in CSV files. */
    std::string blocksString() const;
    static std::vector<std::string> parseBlocks(const std::string &joined);
};

/** The concrete network an architecture denotes in a space. */
struct NetworkPlan
{
    int inputSize = 0;
    int inputChannels = 3;
    int stemChannels = 0;
    int stemKernel = 3;
    int stemStride = 1;
    int headChannels = 0;
    int numClasses = 0;
    std::string headType = "conv";
    double headExpansion = 6;
    bool stemHswish = false;
    std::vector<LayerSpec> layers;    ///< candidates hold exactly the chosen block
    std::vector<BlockSpec> chosen;    ///< one per layer (expansion as resolved for this layer)
    int headInputSize() const;
};

struct ArchCost
{
    std::int64_t macs = 0;    ///< multiply-accumulates of conv + FC layers, SE included (FBNet's "FLOPs")
    std::int64_t poolReads = 0;  ///< input elements of average pools (mobile-vision's FLOP counter adds these)
    std::int64_t params = 0;  ///< conv/FC weights + one bias per output channel (folded BN) + FC bias
    std::int64_t weights = 0; ///< conv/FC weights only (how the FBNet paper's Table 4 counts)
};

/** Validates `arch` against `space` (layer count, block names); throws fbnet::Error. */
NetworkPlan resolve(const SearchSpace &space, const Architecture &arch);
ArchCost computeCost(const NetworkPlan &plan);
/** One searchable layer holding `block`. */
ArchCost layerCost(const LayerSpec &layer, const BlockSpec &block);
/** What no searchable layer changes: stem, head, classifier. */
ArchCost fixedCost(const NetworkPlan &plan);
ArchCost computeCost(const SearchSpace &space, const Architecture &arch);

Architecture loadArchitecture(const std::string &path);
Architecture architectureFromJsonText(const std::string &text, const std::string &source);
std::string architectureToJsonText(const Architecture &arch, int indent = 2);
void saveArchitecture(const Architecture &arch, const std::string &path);

} // namespace fbnet
