#pragma once
// Whether a search's θ settled: per-layer confidence, skip collapse, and the gap between the
// expected latency and the argmax's, each with what to try. The CLI prints it after a search and
// the studio shows it as a banner over the Search tab (one rule for both).

#include <string>
#include <vector>

#include "fbnet/searchspace.h"
#include "fbnet/searchtypes.h"

namespace fbnet {

struct ThetaConvergence
{
    /// Per layer: the argmax's probability over a uniform choice's (1 = uniform, K = certain of one of K).
    std::vector<double> confidence;
    double meanConfidence = 0;
    int layers = 0;
    int skipLayers = 0;       ///< layers whose argmax is a skip block
    int skippableLayers = 0;  ///< layers that offer a skip block
    double expectedMs = 0, argmaxMs = 0;
    /// The findings, each one sentence with what to try; empty when θ settled.
    std::vector<std::string> warnings;

    bool converged() const { return warnings.empty(); }
    /** "θ is 3.4x as confident as a uniform choice on average (layers 1.1x-8.2x); 5 of 22 layers skip". */
    std::string summary() const;
};

/** A layer's confidence: its argmax's probability over a uniform choice's (max p x K; 0 when empty). */
double layerConfidence(const std::vector<double> &probabilities);

/// Below this mean confidence (argmax probability / uniform) θ "barely moved".
inline constexpr double kBarelyMovedConfidence = 1.5;
/// The argmax's latency this far (relative) from E[latency]: θ is still spread.
inline constexpr double kLatencyGap = 0.25;

/**
 * Reads an epoch's softmax(θ) (a family's: the member's) against the space: per-layer confidence,
 * layers collapsed to skip (more than half of those that offer it, and at least 3), θ that barely
 * moved (mean confidence under kBarelyMovedConfidence), an argmax latency far from E[latency].
 * FBNetV2 spaces: the block choice only (their widths are masks, not a distribution of blocks).
 */
ThetaConvergence assessConvergence(const SearchSpace &space, const std::vector<std::vector<double>> &probabilities,
                                   double expectedMs, double argmaxMs, const std::string &unit = "ms");

/**
 * The last epoch's θ of a search (a family's: each target's, the worst reported); an empty result
 * if θ never trained or the space searches shapes (FBNetV2).
 */
ThetaConvergence assessConvergence(const SearchSpace &space, const EpochStats &last, const std::string &unit = "ms");

} // namespace fbnet
