#pragma once
// FBNetV2 / DMasking spaces without torch (private to core): each searchable layer's options and
// the concrete architecture one choice per decision denotes. Shared by the masked supernet and by
// the family search's pick, so both read a choice the same way.

#include <cstddef>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/searchspace.h"

namespace fbnet::detail {

/** One searchable layer of a DMasking space, at its largest shapes. */
struct DMaskingLayerPlan
{
    LayerSpec layer;                 ///< cin/cout at the largest widths
    std::vector<BlockSpec> ops;      ///< candidate blocks
    std::vector<int> widths;         ///< output width options (ascending)
    std::vector<int> mids;           ///< hidden width options (absolute: roundWidth(e * cin_max))
};

std::vector<DMaskingLayerPlan> dmaskingPlan(const SearchSpace &space);

/** The input resolutions a space searches (its input size alone when it searches none). */
std::vector<int> dmaskingResolutions(const SearchSpace &space);

/** The concrete architecture of one choice per decision (indices into the plan's options). */
Architecture concreteArchitecture(const SearchSpace &space, const std::vector<DMaskingLayerPlan> &plan, const std::vector<int> &resolutions,
                                  const std::vector<std::size_t> &op, const std::vector<std::size_t> &width,
                                  const std::vector<std::size_t> &mid, std::size_t res);

/** log softmax of one logit row (max-shifted, so large logits do not overflow). */
std::vector<double> logSoftmax(const std::vector<double> &logits);

/** log softmax(theta) of every decision of a DMasking space ("what the decisions' log-probabilities are"). */
struct ShapeLogProbs
{
    std::vector<double> res;  ///< {0} when the space searches one resolution
    std::vector<std::vector<double>> op, width, mid;
};

/**
 * Reads theta rows in the supernet's order: the resolution's (when it searches several), then block,
 * width and hidden width per layer. fbnet::Error naming the row when a count does not fit the plan
 * or a logit is not finite.
 */
ShapeLogProbs shapeLogProbs(const SearchSpace &space, const std::vector<DMaskingLayerPlan> &plan, std::size_t resolutions,
                            const std::vector<std::vector<double>> &logits);

} // namespace fbnet::detail
