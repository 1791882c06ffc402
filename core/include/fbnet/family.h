#pragma once
// Family search: one supernet, K architecture distributions, one per latency target. What the
// CLI, the studio and the search share about it (no torch): the range a table allows, targets
// spread over it, and the pick of each target's architecture.

#include <string>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/latencytable.h"
#include "fbnet/searchspace.h"

namespace fbnet {

/** How far from its target a family member's pick may lie: +-5%. */
inline constexpr double kTargetTolerance = 0.05;

/**
 * The fastest and slowest architecture of a space on a table (fixed part plus each layer's
 * extremes); for FBNetV2 spaces on a cost table, shapeCostRange.
 */
struct LatencyRange
{
    double min = 0, max = 0;
};
LatencyRange latencyRange(const SearchSpace &space, const LatencyTable &lut);

/**
 * FBNetV2 spaces (searchesShapes) on the flops or params table: the exact cheapest and dearest
 * concrete architecture over every resolution, block, width and hidden width. A layer's cost
 * depends on the previous layer's width, so this is a programme over (layer, width), not a sum
 * of per-layer extremes. fbnet::Error for a latency table.
 */
LatencyRange shapeCostRange(const SearchSpace &space, const LatencyTable &lut);

/**
 * K targets spread evenly over the table's range, at (i + 0.5) / K of it: the extremes (every
 * layer its cheapest or its dearest block) are single architectures, not a budget to search in.
 */
std::vector<double> frontTargets(const SearchSpace &space, const LatencyTable &lut, int k);

/** "6,9,12.5" -> {6, 9, 12.5}; fbnet::Error naming `field` and the piece that is not a positive number. */
std::vector<double> parseTargets(const std::string &list, const std::string &field);

/** fbnet::Error naming the table when a target lies outside latencyRange (or the table cannot cost the space). */
void checkTargets(const SearchSpace &space, const LatencyTable &lut, const std::vector<double> &targets);

/** "t12ms", "t12.5ms": the name stem of a target's architectures. */
std::string targetLabel(double target, const std::string &unit = "ms");

struct BudgetPick
{
    bool found = false;         ///< false: no architecture within the tolerance
    Architecture architecture;
    double latencyMs = 0;       ///< on the table
    double logProbability = 0;  ///< under `probabilities`
};

/**
 * The most probable architecture under per-layer `probabilities` whose latency on the table lies
 * within target * (1 +- tolerance): an exact dynamic programme over the layers (the table is
 * additive), on a latency grid fine enough that rounding cannot move a pick out of the band.
 * The plain argmax of a distribution trained towards a target misses it (its latency is not the
 * expected latency the loss sees); this pick is how a family member meets its budget.
 */
BudgetPick mostProbableWithin(const SearchSpace &space, const LatencyTable &lut, const std::vector<std::vector<double>> &probabilities,
                              double target, double tolerance = kTargetTolerance);

/** Per layer, per candidate block: a score to maximise (theta's log-probabilities, a block's parameters). */
using LayerScores = std::vector<std::vector<double>>;

/**
 * The `m` architectures of highest total score (best first; BudgetPick::logProbability holds the
 * score) whose latency on the table lies within target * (1 +- tolerance): an exact k-best dynamic
 * programme over the layers on mostProbableWithin's grid. Fewer when fewer lie in the band; none
 * when none does. FBNet spaces (one block per layer) on an additive table.
 */
std::vector<BudgetPick> bestWithin(const SearchSpace &space, const LatencyTable &lut, const LayerScores &scores, double target,
                                   std::size_t m, double tolerance = kTargetTolerance);

/** Each layer's parameter count (or MACs) per candidate block: the scores of "the largest architecture within a band". */
LayerScores layerSizes(const SearchSpace &space, bool macs = false);

/**
 * `count` architectures spread evenly over the table's latency range: the range cut into `count`
 * strata of equal width, and from each one architecture drawn uniformly among those whose latency
 * lies in it (an exact count of the architectures per latency bin, then a draw back through the
 * layers). Named gt1..gtN, fastest first. FBNet spaces only.
 */
std::vector<Architecture> stratifiedArchitectures(const SearchSpace &space, const LatencyTable &lut, int count, std::uint64_t seed);

/**
 * mostProbableWithin for FBNetV2 spaces: the most probable concrete architecture (independent
 * choices of resolution and, per layer, block, width and hidden width) whose cost on the flops or
 * params table lies within target * (1 +- tolerance). `logits` are the supernet's theta rows in
 * its order: the resolution's (when it searches several), then block, width and hidden width per
 * layer. A dynamic programme over (layer, output width, cost bin) per resolution, exact up to a
 * grid whose rounding is kept inside the band; a skip's probability leaves out its hidden width
 * (the architecture has none).
 */
BudgetPick mostProbableShapesWithin(const SearchSpace &space, const LatencyTable &lut, const std::vector<std::vector<double>> &logits,
                                    double target, double tolerance = kTargetTolerance);

} // namespace fbnet
