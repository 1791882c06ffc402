#pragma once
// Our architecture JSON as `fbnet export --format json` and the studio's File ▸ Export
// architecture write it: one implementation, so both files are the same.

#include <string>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/runstore.h"
#include "fbnet/searchspace.h"

namespace fbnet {

/** What an architecture export describes: the architecture, its space and where it came from. */
struct ArchitectureExport
{
    Architecture arch;
    SearchSpace space;             ///< with the run's class count
    std::string provenanceJson;    ///< a JSON object: run, role, store, versions, … or the name/file it came from
    std::vector<Evaluation> evaluations;
    std::string describe;          ///< "architecture 3 'argmax' of run 'r1'" or "fbnet-a"
    /// Search runs: the epochs in which θ was trained (0: the architecture is θ's untrained
    /// tie-break, the search stopped during warm-up); -1: not from a search.
    int thetaEpochs = -1;
};

/**
 * Epochs of `run` that trained θ (epochs completed beyond the warm-up), -1 for runs that are
 * not searches or whose configuration cannot be read. 0 means every argmax and sample of the run
 * comes from an untrained θ.
 */
int thetaEpochsOf(const RunInfo &run);

/** The words every output uses for an architecture of an untrained θ. */
std::string untrainedThetaWarning();

/**
 * A stored architecture: `arch` is an id or a name of the run's architectures; empty for the one the
 * run hands back (chosenArchitecture: a family run's for `targetMs`, which it then needs).
 * fbnet::Error naming the store and run if there is none.
 */
ArchitectureExport architectureExportOfRun(const RunStore &store, const std::string &run, const std::string &arch, double targetMs = 0);

/**
 * The newest evaluation of `subject` whose trained weights are still on disk (null: none): what an
 * export uses unless told otherwise, in the CLI and the studio alike.
 */
const Evaluation *trainedWeightsOf(const ArchitectureExport &subject);
/** "trained weights (fashion-mnist, 3 epochs, top-1 87.1%, 2026-12-07 10:12)": what an export says it carries. */
std::string trainedWeightsLabel(const Evaluation &e);

/**
 * The JSON: the architecture, its resolved layers, MACs and parameters, its latency on every
 * table of its space, each evaluation's top-1 with provenance, where it came from and, for a
 * search's architecture, how many θ epochs chose it (with a warning when none did).
 */
std::string architectureExportJson(const ArchitectureExport &subject);

} // namespace fbnet
