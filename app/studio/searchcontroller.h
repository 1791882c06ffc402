#pragma once

#include <QObject>
#include <QStringList>

#include <string>

#include "fbnet/search.h"
#include "fbnet/storedsearch.h"
#include "jobthread.h"
#include "metatypes.h"

namespace fbnet {

/**
 * A search from the studio: core's request for a stored search (new or resumed; the CLI uses the
 * same type) and the store it is recorded in.
 */
struct SearchRequest : StoredSearchRequest
{
    std::string runsPath;  ///< empty: the default store
};

/**
 * Runs searches on the studio's job thread. Commands go in (start, pause, resume, stop); only
 * signals come out, on the GUI thread. Stop and pause are atomics the search polls every step.
 * Step updates are throttled to <= 20 Hz.
 */
class SearchController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SearchController)

public:
    explicit SearchController(QObject *parent = nullptr);

    bool isRunning() const { return m_job->isRunning(); }
    bool isPaused() const { return m_job->isPaused(); }

public Q_SLOTS:
    void start(const fbnet::SearchRequest &request);
    void pause() { m_job->pause(); }
    void resume() { m_job->resume(); }
    void stop() { m_job->stop(); }

Q_SIGNALS:
    /** The inputs are loaded: the space's candidates, its layers, a one-line summary, the run's epochs. */
    void started(const QStringList &candidates, int layers, const QString &summary, int epochs);
    void stepped(const fbnet::StepStats &stats);
    void epochEnded(const fbnet::EpochStats &stats);
    void finished(const fbnet::SearchResult &result);
    void failed(const QString &message);
    void runningChanged(bool running);
    /** Measuring this CPU's latency table on first use: done of total ops. */
    void lutProgress(int done, int total);
    /** The run is in the store (emitted when it is created or reopened, before the first step). */
    void runStored(qint64 runId, const QString &name, const QString &storePath);

private:
    studio::JobThread *m_job;
};

} // namespace fbnet
