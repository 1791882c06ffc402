#pragma once
// Private (torch): one phase of a search epoch (weights or theta), step by step.

#include <chrono>

#include "compute/gradientsync.h"
#include "search/batcher.h"
#include "search/searchcheckpoint.h"

namespace fbnet::detail {

using Clock = std::chrono::steady_clock;

/** Seconds of the steady clock since `t` (the search's timings). */
inline double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

/** Steps over the whole search, for the observer's throughput and ETA. */
struct SearchProgress
{
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    double totalSteps = 0;
    double doneSteps = 0;
    double resumedSteps = 0;  ///< done before this process started (not in its ETA rate)
    double syncSeconds = 0;   ///< in GradientSync::synchronize (data-parallel: the all-reduce)
};

/** What a phase runs with; the search owns every one of them. */
struct PhaseContext
{
    SearchState &state;
    Batcher &batcher;
    const SearchConfig &config;
    SearchObserver &observer;
    StopToken &stop;
    GradientSync &sync;
    SearchProgress &progress;
    std::vector<std::size_t> shard = {};  ///< data-parallel: this rank's samples of the phase
};

struct PhaseResult
{
    double loss = 0, accuracy = 0;  ///< means over the steps run
    bool stopped = false;
    PhasePosition stopAt;           ///< where the stop came (weights loss/accuracy left for the caller)
    std::string dataError;          ///< set when a damaged image stopped the phase (stopAt: the step it hit)
};

/**
 * Runs `steps` steps of `phase` at temperature `tau`: weights by SGD on the weight order, or theta
 * by Adam on the theta order. A phase starting fresh shuffles its order; with `from` active for
 * this phase it continues where a stop left it. Each step: forward, latency-aware loss, a finite
 * check (fbnet::Error before any update), backward, `sync`, the optimizer step, onStep. A
 * damaged image ends the phase like a stop, with `dataError` set, before the step that needs it.
 */
PhaseResult runPhase(PhaseContext &ctx, Phase phase, int epoch, double tau, int steps, const PhasePosition &from);

/**
 * The path of weight step `g` (counted over the whole search) for uniform or fair sampling
 * (WeightSampling): one block index per layer of `counts` blocks. Uniform: each layer's block from
 * a hash of (seed, layer, g). Fair (FairNAS's strict fairness): each layer goes through its K blocks
 * in a shuffled order every K steps, so every block is trained exactly once per cycle. Stateless, so
 * a resumed search draws the same paths.
 */
std::vector<int64_t> weightStepPath(WeightSampling sampling, std::uint64_t seed, std::int64_t g, const std::vector<int64_t> &counts);

} // namespace fbnet::detail
