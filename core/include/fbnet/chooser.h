#pragma once
// Choosers: what picks an architecture among candidates of about the same latency. Each scores a
// stored architecture (higher is better); the scores are stored per architecture and measured
// against a ground truth (fbnet/groundtruth.h). The pick of a search (SearchConfig::pickBy) takes
// the top candidates by theta within a target's band and keeps the one its chooser scores best.

#include <cstdint>
#include <string>
#include <vector>

#include "fbnet/dataset.h"
#include "fbnet/rankstats.h"
#include "fbnet/runstore.h"
#include "fbnet/searchspace.h"
#include "fbnet/stoptoken.h"
#include "fbnet/train.h"

namespace fbnet {

/**
 * theta:    log-probability under a search's final theta (the family pick today);
 * supernet: a search's supernet, single path, BN statistics recalibrated on that path, top-1 on
 *           held-out images;
 * synflow:  log of SynFlow (Tanaka et al. 2020): sum |w * dR/dw| for R the output of the
 *           network with |weights| on an all-ones input, BN as identity, no data;
 * naswot:   log|det K| of the ReLU codes of one batch (Mellor et al. 2021, "NAS without training");
 * gradnorm: log of the sum of each parameter's gradient norm of the cross-entropy on one batch;
 * params, macs: the architecture's size (no data, no compute).
 */
enum class ChooserKind { Theta, Supernet, Synflow, Naswot, GradNorm, Params, Macs };

std::string toString(ChooserKind kind);
/** fbnet::Error naming `field` and the choosers for anything else. */
ChooserKind chooserFromString(const std::string &name, const std::string &field = "chooser");
/** Every chooser, in the order above. */
std::vector<ChooserKind> allChoosers();
/** Whether the chooser needs a search run (theta, supernet). */
bool chooserNeedsSearch(ChooserKind kind);

/** What scoring needs beyond the architectures: data for the proxies and the supernet. */
struct ChooserInputs
{
    SearchSpace space;
    Dataset data;       ///< images the proxies read one batch of; the supernet recalibrates BN on them
    Dataset heldOut;    ///< the supernet's top-1 is measured here (images its search never trained on)
    std::vector<std::vector<double>> theta;  ///< theta: the search's final logits (one row per layer)
    std::string checkpoint;                  ///< supernet: the search's checkpoint
    std::string source;                      ///< the search run's name (stored with the scores)
    ComputeOptions compute;
    std::uint64_t seed = 1;
    int batchSize = 64;
    int recalibrationBatches = 50;
};

/** The score of one architecture; fbnet::Error naming the chooser when its inputs are missing. */
double chooserScore(ChooserKind kind, const Architecture &arch, const ChooserInputs &inputs, const StopToken &stop);

/** How a chooser's score was computed, as JSON (stored with it). */
std::string chooserDetail(ChooserKind kind, const ChooserInputs &inputs);

/**
 * Precision at k within bands: the latencies cut into `bands` equal bands; in each band with more
 * than k architectures, the share of the ground truth's k best that the chooser's k best hold;
 * averaged over those bands (NaN when none has more than k).
 */
double bandPrecisionAtK(const std::vector<double> &latency, const std::vector<double> &truth, const std::vector<double> &score,
                        int bands, int k);

struct SearchInputs;
struct SearchConfig;
struct SearchInvocation;

/** What the chooser's pick of one target did: the candidates it scored and the one it kept. */
struct ChooserPick
{
    double targetMs = 0;                        ///< 0: a plain search (the band around theta's argmax)
    std::vector<StoredArchitecture> candidates; ///< stored, role "candidate", most probable first
    std::vector<double> scores;                 ///< the chooser's score of each candidate
    StoredArchitecture pick;                    ///< stored, role "pick"
};

/**
 * A finished search's picks by its chooser (config.pickBy; "theta" picks nothing new): per target
 * (a plain search: the band of +-5% around theta's argmax) the config.pickCandidates most probable
 * architectures within the band (bestWithin), each scored by the chooser and stored with its score
 * as a "candidate", the best stored as the target's "pick". The supernet chooser scores on the run's
 * checkpoint and images its search never saw. FBNet spaces only.
 */
std::vector<ChooserPick> pickWithChooser(RunStore &store, const RunInfo &run, const SearchInputs &inputs, const SearchConfig &config,
                                         const SearchInvocation &invocation, const StopToken &stop);

/**
 * The architecture a run hands back (for a family search: for `targetMs`): its chooser's pick when
 * it has one, else theta's (role argmax). One rule for the CLI and the studio (train, export,
 * pareto). fbnet::Error naming the run and its targets when a family run gets no target or one it
 * does not have, and when a run has no architecture.
 */
StoredArchitecture chosenArchitecture(const RunStore &store, const RunInfo &run, double targetMs = 0);
/** The targets of a family run (empty for a plain one), from its architectures. */
std::vector<double> runTargets(const RunStore &store, const RunInfo &run);

} // namespace fbnet
