#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/searchtypes.h"

namespace fbnet {

/** One row of the runs table. */
struct RunInfo
{
    std::int64_t id = 0;
    std::string name;
    std::string kind = "search";     ///< search | random
    /// running | stopped | finished | failed, or interrupted: recorded as running, but the process
    /// that ran it (on this host) is gone, e.g. killed. Resumable like a stopped run.
    std::string status = "running";
    std::string space;
    std::string dataset;
    std::string lutDevice;
    std::string lutHash;             ///< FNV-1a 64 of the table's JSON text
    std::uint64_t seed = 0;
    std::string configJson;          ///< SearchConfig as JSON
    std::string invocationJson;      ///< what the CLI/studio needs to rebuild the inputs (space, data, LUT, subset)
    std::string versions;            ///< fbnet-studio, libtorch, SQLite
    std::string createdAt, updatedAt;  ///< ISO 8601 UTC
    int epochsPlanned = 0;
    int epochsCompleted = 0;
    double seconds = 0;              ///< compute time over all sessions of the run
    /// Where the run's checkpoint lives, resolved against this store: the database records only the
    /// file name, and the file always lies in `STORE-checkpoints/` (a copied or moved store finds its
    /// own). Empty: not resumable.
    std::string checkpointPath;
    std::string thetaJson;           ///< final logits per layer (set when the run ends)
    std::string error;               ///< why it failed
    std::string owner;               ///< "host:pid:start-ticks" of the process that last ran it
};

/** Whether this very process is the one recording `run` (a viewer then has its live events). */
bool ownedByThisProcess(const RunInfo &run);

/** An architecture attached to a run (argmax, sample, random draw, imported). */
struct StoredArchitecture
{
    std::int64_t id = 0;
    std::int64_t runId = 0;
    std::string role;                ///< argmax | sample | random | imported
    Architecture architecture;
    std::int64_t macs = 0;
    std::int64_t params = 0;
    double lutMs = 0;                ///< on the run's table
    double logProbability = 0;       ///< under softmax(theta); 0 for random/imported
    double targetMs = 0;             ///< family search: the latency target it was chosen for (0: none)
};

/** A trained and evaluated architecture. */
struct Evaluation
{
    std::int64_t id = 0;
    std::int64_t architectureId = 0;
    std::string dataset;
    int epochs = 0;
    double top1 = 0;                 ///< test split
    std::string device;              ///< table the latency comes from
    double lutMs = 0;
    double measuredMs = -1;          ///< on this machine, -1: not measured
    std::string weightsPath;         ///< torch.load-able state dict, empty: not kept
    double seconds = 0;              ///< training time
    std::string createdAt;
    /// How it was trained, as JSON (data set, image counts, epochs, batch, lr, seed, augmentation,
    /// initialisation): a stored evaluation is reused only for the same protocol. Empty: recorded
    /// before schema v4 (unknown, never reused).
    std::string protocol;
};

/**
 * A chooser's score of a stored architecture (higher is better): its parameter count, a zero-cost
 * proxy, the supernet's single-path accuracy, theta's log-probability (fbnet/chooser.h).
 */
struct ArchitectureScore
{
    std::int64_t id = 0;
    std::int64_t architectureId = 0;
    std::string chooser;   ///< params, macs, theta, supernet, synflow, naswot, gradnorm
    std::string source;    ///< what it was scored with: the supernet's or theta's run; empty for size and proxies
    double value = 0;
    std::string detail;    ///< how, as JSON (data, images, seed)
    std::string createdAt;
};

/**
 * The SQLite store of runs. One object is one connection: use one per thread (the search thread
 * writes, the GUI reads with its own). WAL mode, so readers never block the writer. The schema
 * version lives in `PRAGMA user_version` and is migrated forward on open; a database from a newer
 * version, a file that is not a database, or an unwritable location throws fbnet::Error and
 * changes nothing.
 */
class RunStore
{
public:
    static constexpr int kSchemaVersion = 6;

    /** ReadWrite creates and migrates the store; ReadOnly reads an existing one (an archived or shared store, a read-only folder) and changes nothing. */
    enum class Access { ReadWrite, ReadOnly };

    explicit RunStore(const std::string &path, Access access = Access::ReadWrite);
    ~RunStore();
    RunStore(const RunStore &) = delete;
    RunStore &operator=(const RunStore &) = delete;

    /** $XDG_DATA_HOME/fbnet-studio/runs.sqlite */
    static std::string defaultPath();
    /** `PATH-checkpoints`: the folder of this store's checkpoints. */
    std::string checkpointDir() const { return m_path + "-checkpoints"; }
    /**
     * `PATH-weights`: the trained weights evaluations keep (the studio's trainings, `fbnet pareto
     * --keep-weights`): one file per architecture and training protocol, removed with its run.
     */
    std::string weightsDir() const { return m_path + "-weights"; }
    const std::string &path() const { return m_path; }
    int schemaVersion() const;

    /** Inserts a run; an empty name becomes "run-ID". Throws if the name is taken. */
    std::int64_t createRun(RunInfo info);
    /** By name or numeric id; throws fbnet::Error naming the store if there is none. */
    RunInfo run(const std::string &nameOrId) const;
    RunInfo run(std::int64_t id) const;
    std::vector<RunInfo> runs() const;
    void renameRun(std::int64_t id, const std::string &name);
    /**
     * Deletes the run, its records and its checkpoint file (only ever a file in this store's own
     * checkpoint folder). A run that a live process is running is refused; so is one owned by a
     * process on another host (which cannot be checked), unless `forceTakeover`.
     */
    void deleteRun(std::int64_t id, bool forceTakeover = false);
    /**
     * Claims a stopped, interrupted or failed run for this process in one transaction (status
     * running, owner this process): of two processes resuming one run at the same moment exactly
     * one wins, the other gets fbnet::Error. A run owned by a live process is refused; one owned
     * by another host only with `forceTakeover`. Returns the run as it was before the claim.
     */
    RunInfo claimRun(std::int64_t id, bool forceTakeover = false);
    void setStatus(std::int64_t id, const std::string &status, const std::string &error = {});
    /** Records the checkpoint's file name (a path is reduced to its name inside checkpointDir()). */
    void setCheckpointPath(std::int64_t id, const std::string &path);
    /** Compute seconds of a run (random baselines add their training time). */
    void setSeconds(std::int64_t id, double seconds);

    /** One transaction: the epoch's summary, its steps, the theta snapshot; updates the run. */
    void recordEpoch(std::int64_t runId, const EpochStats &epoch, const std::vector<StepStats> &steps, double runSeconds);
    /**
     * Drops epochs >= keep (and their steps and snapshots): used when resuming from an older
     * checkpoint. With keepPartialSteps, the steps of epoch `keep` stay: a stop inside that epoch
     * wrote them and the resumed search continues it.
     */
    void truncateEpochs(std::int64_t runId, int keep, bool keepPartialSteps = false);
    /** The steps of an epoch a stop interrupted (replacing any earlier record of that epoch's steps). */
    void recordPartialSteps(std::int64_t runId, int epoch, const std::vector<StepStats> &steps);
    /** Status, final theta and the sampled architectures, in one transaction. */
    void finishRun(std::int64_t runId, const SearchResult &result);

    /** The recorded epochs; a damaged row is left out and its reason added to `problems` (if given). */
    std::vector<EpochStats> epochs(std::int64_t runId, std::vector<std::string> *problems = nullptr) const;
    std::vector<StepStats> steps(std::int64_t runId) const;

    std::int64_t addArchitecture(const StoredArchitecture &a);
    /** A run's architectures; a damaged row is left out and its reason added to `problems` (if given). */
    std::vector<StoredArchitecture> architectures(std::int64_t runId, std::vector<std::string> *problems = nullptr) const;
    StoredArchitecture architecture(std::int64_t id) const;

    std::int64_t addEvaluation(const Evaluation &e);
    std::vector<Evaluation> evaluations(std::int64_t architectureId) const;
    /** Per run, in one query: its latest argmax's latency (-1: none), its best top-1 (-1: none), its architecture count. */
    struct RunSummary
    {
        double argmaxMs = -1;
        double bestTop1 = -1;
        int architectures = 0;
        int targets = 0;  ///< a family search: its targets' picks (no single argmax)
    };
    std::map<std::int64_t, RunSummary> runSummaries() const;

    /** Stores a chooser's score, replacing one of the same architecture, chooser and source. */
    std::int64_t setScore(const ArchitectureScore &score);
    /** Every score of a run's architectures, in one query. */
    std::vector<ArchitectureScore> scoresOfRun(std::int64_t runId) const;
    /** Every evaluation of a run's architectures in one query (oldest first): for views across a whole store. */
    std::vector<Evaluation> evaluationsOfRun(std::int64_t runId) const;

    /** CSV of the per-epoch or per-step metrics. */
    std::string epochsCsv(std::int64_t runId) const;
    std::string stepsCsv(std::int64_t runId) const;

    /** "ok" or SQLite's list of problems. */
    std::string integrityCheck() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
    std::string m_path;
};

/**
 * Records a search in a store as it runs: steps are buffered and written with their epoch in one
 * transaction (a killed search loses at most the epoch in flight), then forwards every event to
 * `next` (may be null).
 */
class RunRecorder final : public SearchObserver
{
public:
    /** `pendingSteps`: the recorded steps of the epoch a resumed search continues. */
    RunRecorder(RunStore &store, std::int64_t runId, SearchObserver *next, double priorSeconds = 0,
                std::vector<StepStats> pendingSteps = {});
    void onStep(const StepStats &s) override;
    void onEpoch(const EpochStats &e) override;
    void onSample(const SampledArchitecture &s) override;
    void onFinished(const SearchResult &r) override;
    void onFailed(const std::string &message) override;

private:
    RunStore &m_store;
    std::int64_t m_runId;
    SearchObserver *m_next;
    double m_priorSeconds;
    double m_sessionSeconds = 0;
    std::vector<StepStats> m_steps;
};

/**
 * Removes temporary checkpoint files (`*.tmp.PID`) in `dir` left by processes of this host that
 * are gone (a kill during a checkpoint write). Returns how many were removed.
 */
int removeStaleTemporaries(const std::string &dir);

/** FNV-1a 64 as 16 hex digits (identifies a latency table's content). */
std::string contentHash(const std::string &text);
/** Current time as ISO 8601 UTC. */
std::string isoNow();

/**
 * What is wrong with `name` as a run's name, "" if nothing: one line of printable UTF-8, 1 to 200
 * bytes (a tab or newline broke `runs list` and the studio's table). RunStore refuses such names.
 */
std::string runNameProblem(const std::string &name);

} // namespace fbnet
