#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fbnet/computeoptions.h"

namespace fbnet {

enum class MaskMode {
    Soft,  ///< weighted sum of every candidate (the paper)
    Hard   ///< one sampled candidate per layer per batch, straight-through gradient to theta
};

enum class LossForm {
    Multiplicative,  ///< CE * alpha * (log LAT_ms)^beta            (FBNet eq. 2)
    Additive,        ///< CE + alpha * LAT_ms^beta                  (NNI "add" mode)
    Target           ///< CE + targetWeight * |LAT_ms / target - 1|  (TuNAS-style absolute reward)
};

/** How a hard-mode weight step draws its path (theta steps always draw from theta). */
enum class WeightSampling {
    Theta,    ///< Gumbel-max over theta (FBNet's alternating scheme; uniform while theta is still 0)
    Uniform,  ///< every layer's block uniformly at random (single-path one-shot, SPOS)
    Fair      ///< strict fairness (FairNAS): each layer's blocks in a shuffled cycle, each trained once per cycle
};

std::string toString(MaskMode m);
std::string toString(LossForm f);
std::string toString(WeightSampling w);
/** fbnet::Error naming the field ("mode", "loss", "weight_sampling") and the accepted names. */
MaskMode maskModeFromString(const std::string &s);
LossForm lossFormFromString(const std::string &s);
WeightSampling weightSamplingFromString(const std::string &s);

/**
 * Everything that defines a search besides the space, the data and the latency table.
 * The initialisers are the one source of the defaults: the CLI's flags, the studio's New Search
 * dialog and the README all show these (sized for ~6.5 minutes on 2 cores with the invocation's
 * 2,500-image subset; docs/search.md, "Why these defaults").
 */
struct SearchConfig
{
    int epochs = 6;
    int warmupEpochs = 2;            ///< weights only, theta frozen
    int batchSize = 32;
    double weightSplit = 0.8;        ///< share of the training set for weights; the rest trains theta
    // weights: SGD + momentum, cosine over the epochs
    double lrWeights = 0.1;
    double momentum = 0.9;
    double weightDecay = 1e-4;
    // architecture logits: Adam
    double lrTheta = 0.01;
    double thetaWeightDecay = 5e-4;
    // loss
    LossForm lossForm = LossForm::Multiplicative;
    double alpha = 0.2;
    double beta = 0.6;
    double targetMs = 0;             ///< LossForm::Target only
    double targetWeight = 1.0;
    /// Family search (fbnet/family.h): one architecture distribution theta_k per target, sharing the
    /// supernet's weights, each trained on CE + targetWeight * |LAT/target_k - 1| (the Target form).
    /// In the table's unit (ms; MACs or parameters on a cost table). Empty: one theta, `lossForm`.
    std::vector<double> targets;
    // temperature tau = tau0 * decay^e, e = epoch (or epochs since warm-up, see below)
    double tau0 = 5.0;
    double tauDecay = 0.956;
    /// Hard mode: how weight steps draw their path. theta (default), uniform or fair.
    WeightSampling weightSampling = WeightSampling::Theta;
    /// What picks the architecture of a target's band (a plain search: the band around theta's
    /// argmax): the `pickCandidates` most probable under theta within the band, scored by this
    /// chooser (fbnet/chooser.h), the best kept. "theta": the most probable, as before choosers.
    /// "auto" (the default): the chooser that ranked the ground truth best (synflow on FBNet spaces,
    /// docs/results/2026-12-07-choosers.md); theta on spaces that search shapes. See effectivePickBy.
    std::string pickBy = "auto";
    int pickCandidates = 8;
    bool tauDecayAfterWarmup = false;  ///< AnnaAraslanova/FBNet's rule: anneal only after warm-up
    MaskMode mode = MaskMode::Soft;
    std::uint64_t seed = 1;
    int samples = 5;                 ///< architectures sampled from softmax(theta) at the end
    int maxStepsPerEpoch = 0;        ///< 0: the whole split (for quick runs and tests)
    ComputeOptions compute;          ///< device, threads, layout, precision
    /**
     * Data-parallel runs: BN statistics over the global batch (all processes) and Gumbel noise keyed
     * by each sample's position in the global batch, so that N processes of batch B compute what
     * one process of batch N*B computes (up to float summation order). Off: BN per process and
     * noise from each process's generator (seeded by rank).
     */
    bool syncBatchNorm = false;

    /** Throws fbnet::Error naming the first invalid field. */
    void validate() const;
};

/** The configuration as JSON (for run records and output folders); compute options are flat keys. */
std::string searchConfigToJson(const SearchConfig &config);
/** The inverse; missing fields keep their defaults, a wrong type names the field. */
SearchConfig searchConfigFromJson(const std::string &text, const std::string &source);

/**
 * The loss of a new search, one rule for every front end: a family (config.targets, or `front` > 0
 * targets still to be spread over the table) trains each target's theta on its own target loss, so
 * a loss named beside it (`namedLoss` not empty) or a single target_ms is refused (fbnet::Error
 * naming the field); otherwise a named loss is used as named, and a target_ms with no loss named
 * means the target loss.
 */
void applyLossRule(SearchConfig &config, const std::string &namedLoss, int front = 0);

/**
 * What a resumed search may be given besides the run (field names: "threads", "loader_threads",
 * "runs", "out", "force_takeover"): where and how fast it runs and where it writes. Everything else
 * is the run's own, stored with it; a resume that is given another value is refused, not ignored.
 */
bool resumeMayChange(const std::string &field);

/**
 * The chooser a search picks with: pickBy, with "auto" resolved to the best measured chooser
 * (synflow) on FBNet spaces and to theta on spaces that search widths, expansions or resolutions
 * (whose candidates are masks, not blocks a chooser can score).
 */
std::string effectivePickBy(const SearchConfig &config, bool spaceSearchesShapes);

/**
 * The loss the search minimises, as a plot's axis or a log names it, with this configuration's
 * numbers: "CE·0.2·(log LAT)^0.6", "CE + 0.2·LAT^0.6", "CE + 1·|LAT/T − 1|" (a family: one T per
 * target). `cost` names the expected cost ("LAT" for a latency table, "MACs", "FLOPs"…).
 */
std::string lossFormula(const SearchConfig &config, const std::string &cost = "LAT");
std::string resumeChangeableList();  ///< "--threads, --loader-threads, --runs, --out, --force-takeover"

} // namespace fbnet
