#pragma once
// The search's value types: what a step, an epoch and a finished search report, what observers
// receive and what the run store records. Plain values (no torch); the verbs are in fbnet/search.h.

#include <cstdint>
#include <string>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/stoptoken.h"

namespace fbnet {

enum class Phase { Weights, Theta };

struct StepStats
{
    int epoch = 0;
    int step = 0;             ///< within the phase
    int stepsInPhase = 0;
    Phase phase = Phase::Weights;
    double loss = 0;
    double crossEntropy = 0;
    double accuracy = 0;      ///< of this batch
    double expectedLatencyMs = 0;
    double temperature = 0;
    double imagesPerSecond = 0;
    double dataWaitSeconds = 0;  ///< of this step: waiting for the loader (folder data sets; 0 when decoding kept ahead)
    double elapsedSeconds = 0;
    double etaSeconds = 0;
    int doneSteps = 0;        ///< steps of the whole run done so far, this one and a resumed run's earlier ones included
    int totalSteps = 0;       ///< steps of the whole run (every epoch, both phases)
    /// Family search: E[latency] of each target's samples in this batch (NaN where the step drew
    /// none of that target's: a hard-mode step serves one target). Empty otherwise.
    std::vector<double> familyLatencyMs;
};

/** One target of a family search at an epoch's end. */
struct FamilyMemberStats
{
    double targetMs = 0;
    double expectedLatencyMs = 0;                   ///< under softmax(theta_k)
    std::vector<std::vector<double>> probabilities; ///< softmax(theta_k) per layer
    /// theta_k's logits in the supernet's order (sampleFromTheta reads them; FBNetV2 spaces have a
    /// row per decision, not per layer). Empty in records written before they were kept.
    std::vector<std::vector<double>> theta;
    Architecture argmax;                            ///< plain argmax of theta_k
    double argmaxLatencyMs = 0;
    Architecture pick;                              ///< most probable within the target's +-5% (mostProbableWithin)
    double pickLatencyMs = 0;                       ///< 0: none within the band
};

struct EpochStats
{
    int epoch = 0;
    double temperature = 0;
    double weightsLoss = 0, weightsAccuracy = 0;
    double thetaLoss = 0, thetaAccuracy = 0;  ///< 0 during warm-up
    bool thetaTrained = false;
    double expectedLatencyMs = 0;             ///< under softmax(theta)
    std::vector<std::vector<double>> probabilities;  ///< softmax(theta) per layer
    Architecture argmax;
    double argmaxLatencyMs = 0;
    double seconds = 0;
    /// Family search: one entry per target (SearchConfig::targets). The fields above then describe
    /// the first target's theta.
    std::vector<FamilyMemberStats> family;
};

struct SampledArchitecture
{
    Architecture architecture;
    bool isArgmax = false;
    double logProbability = 0;  ///< under softmax(theta)
    std::int64_t macs = 0;
    std::int64_t params = 0;
    double latencyMs = 0;       ///< from the search's latency table
    double targetMs = 0;        ///< family search: the target it was drawn for (0: none)
};

struct SearchResult
{
    bool stopped = false;        ///< ended early by the stop token
    int epochsCompleted = 0;
    std::vector<EpochStats> epochs;
    std::vector<std::vector<double>> theta;  ///< final logits per layer (family search: the first target's)
    std::vector<SampledArchitecture> samples;  ///< argmax first (family search: per target, its pick, then its samples)
    double seconds = 0;
    double checkpointSeconds = 0;  ///< spent writing checkpoints (included in seconds)
    double dataWaitSeconds = 0;    ///< steps waiting for the image loader (included in seconds)
    double syncSeconds = 0;        ///< data-parallel: averaging gradients across processes (included in seconds)
    double syncBytes = 0;          ///< data-parallel: gradient bytes all-reduced by this process
    int stepsRun = 0;              ///< steps this call ran (a resumed search: not those before)
    std::vector<std::string> badImages;  ///< damaged files replaced (folder data sets with skip-bad-images)
};

/**
 * Receives the search's events on the search thread: copy what you need and return quickly.
 * Payloads are plain values, never tensors or pointers into live state.
 */
class SearchObserver
{
public:
    virtual ~SearchObserver();
    virtual void onStep(const StepStats &) {}
    virtual void onEpoch(const EpochStats &) {}
    virtual void onSample(const SampledArchitecture &) {}
    virtual void onFinished(const SearchResult &) {}
    virtual void onFailed(const std::string &) {}
};

/**
 * Crash-safe checkpoints of a search. At every epoch end the whole state (weights, theta, both
 * optimizers, BN statistics, the torch and data-order RNGs, the data order, the epochs so far) is
 * written to `path` atomically (temporary file, fsync, rename) after the observer's onEpoch. With
 * `resume`, a search whose checkpoint exists continues after its last completed epoch and
 * reaches bitwise the same theta as an uninterrupted run (same machine and thread count). A stop
 * or a kill loses at most the epoch in flight.
 */
struct CheckpointOptions
{
    std::string path;     ///< empty: no checkpoints
    bool resume = false;  ///< continue from `path` when it exists
};

} // namespace fbnet
