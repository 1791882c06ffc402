#pragma once

#include <QObject>
#include <QStringList>
#include <QThread>

#include <memory>
#include <string>

#include "fbnet/search.h"
#include "metatypes.h"

namespace fbnet {

/** What the user chose in the New Search dialog (or a run to resume). */
struct SearchRequest
{
    std::string space = "fbnet-cifar";
    std::string dataset = "fashion-mnist";
    std::string lut = "pixel3";
    std::size_t subset = 2500;
    SearchConfig config;
    std::string name;      ///< of the new run; empty: run-ID
    std::string resume;    ///< name or id of a stopped run to continue (the rest is then taken from the run)
    std::string runsPath;  ///< empty: the default store
};

class SearchWorker;

/**
 * Runs searches on a worker thread. Commands go in (start, pause, resume, stop); only signals
 * come out, queued to the GUI thread. Stop and pause are atomics set directly from the GUI
 * thread; the search polls them every step. Step updates are throttled to <= 20 Hz.
 */
class SearchController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SearchController)

public:
    explicit SearchController(QObject *parent = nullptr);
    ~SearchController() override;

    bool isRunning() const { return m_running; }
    bool isPaused() const { return m_paused; }

public Q_SLOTS:
    void start(const fbnet::SearchRequest &request);
    void pause();
    void resume();
    void stop();

Q_SIGNALS:
    void started(const QStringList &candidates, int layers, const QString &summary);
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
    void setRunning(bool running);

    QThread m_thread;
    SearchWorker *m_worker = nullptr;
    std::shared_ptr<StopToken> m_stop;
    bool m_running = false;
    bool m_paused = false;
};

} // namespace fbnet
