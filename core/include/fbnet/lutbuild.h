#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fbnet/latencytable.h"
#include "fbnet/lutfit.h"
#include "fbnet/stoptoken.h"

namespace fbnet {

struct LutBuildOptions
{
    int threads = 1;          ///< intra-op threads while timing (1: the stable, per-core figure)
    int batch = 1;
    int warmup = 10;
    int repeats = 50;         ///< timed runs per op; median, p10, p90 are kept
    double unstableSpread = 0.25;  ///< flag entries with (p90 - p10) / median above this
    int correctionNetworks = 10;   ///< random networks timed end to end to scale the op sums (0: raw sums)
    std::string device;            ///< the table's device name; empty: "local-cpu" or "local-cuda"
    std::string compute = "cpu";   ///< where to time: cpu, cuda or cuda:N (GPUs: CUDA events after the warm-up)
    std::string description;
};

/** Progress: done, total, what is being measured. */
using ProgressFn = std::function<void(int, int, const std::string &)>;

/**
 * Measures every op signature of `space` with libtorch on this CPU or GPU (options.compute; inference
 * mode, channels-last, eval-mode BN, fp32): warm-up, `repeats` individually timed runs, median and
 * spread (a GPU's runs timed with CUDA events). The stem, head,
 * pool and classifier are timed too and summed into fixed_ms. Stops early (throws) on `stop`.
 */
LatencyTable buildLatencyTable(const SearchSpace &space, const LutBuildOptions &options, const ProgressFn &progress,
                               const StopToken &stop);

/** Where the local CPU's table for `spaceName` is cached: <userDataDir>/luts/local-cpu-SPACE.json. */
std::string localLutPath(const std::string &spaceName);

/**
 * The local CPU's table for `space`: loaded from the cache, or measured now (with `progress`) and
 * cached. Used when a user picks the device "local".
 */
LatencyTable localLatencyTable(const SearchSpace &space, const ProgressFn &progress, const StopToken &stop);

/** End-to-end median latency (ms) of an architecture on options.compute, measured as buildLatencyTable does. */
double measureArchitectureMs(const SearchSpace &space, const Architecture &arch, const LutBuildOptions &options);

struct ValidationRow
{
    Architecture architecture;
    double predictedMs = 0;
    double measuredMs = 0;
};

struct ValidationReport
{
    std::vector<ValidationRow> rows;
    PredictionQuality quality;
};

/** Builds `count` random architectures of `space` (seeded), measures them and compares with `lut`. */
ValidationReport validateLatencyTable(const SearchSpace &space, const LatencyTable &lut, int count, std::uint64_t seed,
                                      const LutBuildOptions &options, const ProgressFn &progress, const StopToken &stop);

} // namespace fbnet
