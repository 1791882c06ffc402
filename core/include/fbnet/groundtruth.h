#pragma once
// A ground truth for choosers: architectures spread evenly over a table's latency range, each
// trained from scratch with several seeds under one protocol, stored as a run of kind
// "groundtruth" (fbnet groundtruth); and the report that measures every stored chooser against it
// (fbnet rank --report).

#include <cstdint>
#include <string>
#include <vector>

#include "fbnet/dataset.h"
#include "fbnet/evaluate.h"
#include "fbnet/runstore.h"
#include "fbnet/stoptoken.h"
#include "fbnet/train.h"

namespace fbnet {

struct GroundTruthRequest
{
    std::string name = "groundtruth";
    std::string space = "fbnet-cifar";
    std::string lut = "pixel3";
    int count = 60;                           ///< architectures, one per latency stratum
    std::uint64_t drawSeed = 1;               ///< which architectures, and which training/test images
    std::vector<std::uint64_t> seeds{1, 2, 3};  ///< trainings per architecture (initialisation, order, augmentation)
    std::string dataset = "fashion-mnist";
    std::size_t subset = 0;                   ///< training images (0: all)
    std::size_t testSubset = 0;               ///< test images (0: all)
    ImageOptions image;
    int inputSize = 0;                        ///< 0: the space's
    TrainConfig config;                       ///< the protocol (its seed is set per training)
};

struct GroundTruthOutcome
{
    RunInfo run;
    int trained = 0, reused = 0;
    bool stopped = false;
};

/**
 * Creates the ground-truth run (stratifiedArchitectures on the request's table) unless a
 * ground-truth run of that name exists, then trains every architecture with every seed that has no
 * evaluation under the protocol yet: a stopped build continues where it stopped. A run of that
 * name with other architectures, space or table is refused (fbnet::Error naming the field).
 */
GroundTruthOutcome buildGroundTruth(RunStore &store, const GroundTruthRequest &request, const StopToken &stop,
                                    const EvaluationEvents &events = {});

/** One chooser (or one seed's training) measured against the ground truth's mean top-1. */
struct ChooserMeasure
{
    std::string chooser;       ///< params, naswot, supernet, ... or "seed N" (one training against the other seeds' mean)
    std::string source;        ///< the search run for theta and supernet
    std::size_t n = 0;         ///< architectures scored
    double tau = 0;            ///< Kendall's tau-b against the mean top-1 over seeds
    double tauSd = 0;          ///< its standard deviation with no relation
    double rho = 0;            ///< Spearman's rho
    double precisionAt3 = 0;   ///< within latency bands (bandPrecisionAtK with k = 3)
};

struct GroundTruthReport
{
    std::size_t architectures = 0;
    std::vector<std::uint64_t> seeds;
    std::vector<double> seedTaus;   ///< tau between each pair of seeds' rankings (the ceiling of any chooser)
    double seedNoise = 0;           ///< mean over architectures of the sd of top-1 across seeds (points)
    double minMean = 0, maxMean = 0;
    /// Per latency band: its latency range, architectures, the spread (max - min) of their mean top-1 and the mean seed sd (points).
    struct Band
    {
        double fromMs = 0, toMs = 0;
        int architectures = 0;
        double spread = 0, noise = 0;
    };
    std::vector<Band> bands;
    std::vector<ChooserMeasure> choosers;  ///< best tau first
};

/**
 * Every stored score of the run's architectures against the mean top-1 of their evaluations (one
 * per seed, grouped by protocol apart from the seed; the protocol holding most architectures).
 * fbnet::Error naming the run when fewer than 3 architectures have evaluations.
 */
GroundTruthReport groundTruthReport(const RunStore &store, const RunInfo &run, int bands = 6);

} // namespace fbnet
