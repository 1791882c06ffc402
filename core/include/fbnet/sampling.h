#pragma once
// Architectures drawn from a search's theta without torch: what `fbnet sample` draws from a stored
// run and what the supernets draw when a search ends, one reading of theta for both.

#include <random>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/searchspace.h"

namespace fbnet {

struct DrawnArchitecture
{
    Architecture architecture;
    double logProbability = 0;  ///< of the architecture's choices under softmax(theta)
};

/**
 * One architecture drawn from softmax(theta). FBNet spaces: one logit row per layer over its
 * candidates. FBNetV2 spaces (searchesShapes): the masked supernet's rows, the resolution's (when
 * it searches several), then block, width and hidden width per layer; a skip's log-probability
 * leaves out its hidden width, which the architecture does not have (as the family pick does).
 * fbnet::Error naming the row when theta does not fit the space or holds a value that is not finite.
 */
DrawnArchitecture sampleFromTheta(const SearchSpace &space, const std::vector<std::vector<double>> &theta, std::mt19937_64 &rng);

/** The most probable candidate of every layer (FBNet spaces: one probability row per layer). */
Architecture argmaxArchitecture(const SearchSpace &space, const std::vector<std::vector<double>> &probabilities);

} // namespace fbnet
