#pragma once

#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <memory>
#include <string>
#include <vector>

#include "fbnet/runstore.h"
#include "fbnet/storedsearch.h"

namespace fbnet::studio {

/** A run with its stored architectures and each one's evaluations (oldest first). */
struct RunArchitectures
{
    RunInfo run;
    std::vector<StoredArchitecture> architectures;
    std::vector<std::vector<Evaluation>> evaluations;  ///< parallel to architectures
};

/**
 * Everything the views show of one open run, read in one pass off the GUI thread with a
 * connection of its own: the record, its context (space, table, invocation), epochs, steps, its
 * architectures with evaluations, the random baselines of its space and data set, and the argmax
 * of every other search of its space (for comparison).
 */
struct OpenRun
{
    RunInfo run;
    RunContext context;
    std::vector<EpochStats> epochs;
    std::vector<StepStats> steps;
    RunArchitectures own;
    std::vector<RunArchitectures> baselines;
    std::vector<RunArchitectures> otherSearches;  ///< only their argmax

    /** A stored architecture of this run, a baseline or another search's argmax; nullptr if none. */
    const StoredArchitecture *findArchitecture(std::int64_t id, const RunInfo **owner = nullptr) const;
};

/** Reads an OpenRun (any thread); fbnet::Error naming the store or the file if it cannot. */
std::shared_ptr<const OpenRun> loadOpenRun(const std::string &storePath, std::int64_t runId);

/**
 * The studio's one connection to its run store (GUI thread: the run list, the run details,
 * rename and delete) and the run that is open in the views. Opening a run reads it on a pool
 * thread and emits `opened` on the GUI thread; a newer open supersedes an older one in flight.
 */
class RunSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RunSession)

public:
    explicit RunSession(QObject *parent = nullptr);
    ~RunSession() override;

    void setStorePath(const QString &path);
    QString storePath() const { return m_storePath; }
    /** The GUI thread's connection; nullptr (and `error` set) if the store cannot be opened. */
    RunStore *store(QString *error = nullptr);

    /**
     * Starts reading the run; false (with the reason) if the store has no such run. The views
     * update when `opened` arrives; the run id is current from now on.
     */
    bool open(qint64 runId, QString *error = nullptr);
    /** Reads the open run again (after new evaluations or a finished search). */
    void reload();
    /** Forgets the open run (after it was deleted). */
    void close();
    qint64 currentId() const { return m_runId; }
    std::shared_ptr<const OpenRun> current() const { return m_open; }
    bool isLoading() const { return m_loading; }
    /** Waits (processing events) for the read in flight; false if it failed or timed out. */
    bool waitUntilOpen(int timeoutMs);
    /**
     * While the open run is recorded as running by another process (a CLI search, a torchrun
     * job), read it again every `ms` milliseconds (off the GUI thread) so the views follow it;
     * 0 stops following. Default 2000.
     */
    void setFollowInterval(int ms);

Q_SIGNALS:
    void opened(std::shared_ptr<const fbnet::studio::OpenRun> run);
    void openFailed(const QString &message);
    void storeChanged(const QString &path);
    /** A followed run was read again (its record may have changed: the run list should refresh). */
    void followed(qint64 runId);

private:
    void load(qint64 runId);
    void follow();

    QString m_storePath;
    std::unique_ptr<RunStore> m_store;
    qint64 m_runId = 0;
    std::shared_ptr<const OpenRun> m_open;
    int m_generation = 0;
    bool m_loading = false;
    QThreadPool m_pool;
    QTimer *m_follow;
};

} // namespace fbnet::studio
