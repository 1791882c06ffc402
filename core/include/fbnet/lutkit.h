#pragma once
// A measurement kit: networks of a space to time on a real device, spread over the latency range,
// as ONNX files with a manifest; and the timing of a kit on this machine.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/latencytable.h"
#include "fbnet/lutfit.h"
#include "fbnet/searchspace.h"

namespace fbnet {

struct KitOptions
{
    int count = 40;               ///< networks in the kit
    std::uint64_t seed = 1;
    int holdoutEvery = 4;         ///< every k-th network (in latency order) is held out of the fit; 0: none
    int candidatesPerNetwork = 50;  ///< random architectures drawn per kit network before stratifying
};

struct KitEntry
{
    std::string id;               ///< kit-001 ...
    Architecture architecture;
    std::string file;             ///< relative to the kit folder: models/kit-001.onnx
    std::int64_t macs = 0;
    double priorMs = 0;           ///< the prior table's prediction (0 without a prior)
    std::string split;            ///< fit | holdout
    std::string contentHash;      ///< FNV-1a of the model file as written (empty in kits made before it was recorded)
};

/**
 * Draws count x candidatesPerNetwork uniform random architectures of `space` (seeded), splits the
 * range of their prior latency (or MACs without a prior) into `count` equal bins and takes the
 * architecture nearest each bin's centre (an empty bin takes the nearest unused one), so the kit
 * spreads over the range instead of crowding the middle as uniform sampling does.
 */
std::vector<KitEntry> chooseKit(const SearchSpace &space, const LatencyTable *prior, const KitOptions &options);

/**
 * Writes the kit to `dir`: models/<id>.onnx (batch 1, random weights: latency does not depend on
 * them), manifest.csv (id, arch, file, macs, prior_ms, split), timings-template.csv (the CSV to
 * fill: id, arch, split, latency_ms) and README.md (how to time the models and bring the timings
 * back). `progress(done, total)` after each model.
 */
void writeKit(const SearchSpace &space, const std::vector<KitEntry> &kit, const std::string &dir, const std::string &priorName,
              const std::function<void(int, int)> &progress = {});

/** The space a kit was made for (DIR/kit.json). */
std::string kitSpace(const std::string &dir);

/** Reads DIR/manifest.csv; errors name the file, the line and the field. */
std::vector<KitEntry> readKitManifest(const std::string &dir, const std::string &spaceName);

struct KitTiming
{
    KitEntry entry;
    double medianMs = 0, p10Ms = 0, p90Ms = 0;
};

/**
 * Times every model of the kit at batch 1 on this machine: runtime "opencv" (OpenCV's dnn module
 * reading the ONNX file) or "libtorch" (our own network). Writes nothing.
 */
std::vector<KitTiming> measureKit(const SearchSpace &space, const std::string &dir, const std::string &runtime, int threads, int warmup,
                                  int repeats, const std::function<void(int, int, const std::string &)> &progress = {});

/** timings.csv in the form `lut fit --measurements` reads: id, arch, split, latency_ms, p10_ms, p90_ms. */
std::string kitTimingsCsv(const std::vector<KitTiming> &timings);

struct KitFit
{
    LatencyTable table;           ///< fitted on the fit rows; provenance "validation" holds the held-out figures
    PredictionQuality heldOut;    ///< on the holdout rows (count 0 when there are none)
    std::size_t fitRows = 0;
};

/**
 * Fits a device table to a kit's timings (timings.csv filled on the device, or lut measure's):
 * on priors when given (fitWithPriors), else the plain additive fit, then scores the held-out rows.
 */
KitFit fitKitTimings(const SearchSpace &space, const std::string &timingsCsv, const std::vector<LatencyTable> &priors,
                     const std::string &device);

} // namespace fbnet
