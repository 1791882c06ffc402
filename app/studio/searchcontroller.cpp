#include "searchcontroller.h"

#include <chrono>

#include "fbnet/dataset.h"
#include "fbnet/error.h"
#include "fbnet/lutbuild.h"
#include "fbnet/report.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"
#include "fbnet/storedsearch.h"

#include <QDateTime>

namespace fbnet {

void registerStudioMetaTypes()
{
    static const bool done = [] {
        qRegisterMetaType<fbnet::StepStats>();
        qRegisterMetaType<fbnet::EpochStats>();
        qRegisterMetaType<fbnet::SearchResult>();
        return true;
    }();
    (void)done;
}

/** Lives on the worker thread; the search runs inside run() and reports through signals. */
class SearchWorker final : public QObject, public SearchObserver
{
    Q_OBJECT

public:
    void run(const SearchRequest &request, std::shared_ptr<StopToken> stop)
    {
        try {
            // This thread's own connection: the GUI reads the store with another one (WAL).
            RunStore store(request.runsPath.empty() ? RunStore::defaultPath() : request.runsPath);
            StoredSearchRequest req;
            req.invocation.space = request.space;
            req.invocation.dataset = request.dataset;
            req.invocation.lut = request.lut;
            req.invocation.subset = request.subset;
            req.config = request.config;
            req.name = request.name;
            req.resume = request.resume;
            m_lastStep = {};
            const auto outcome = runStoredSearch(
                store, req, *this, *stop, [this](int done, int total, const std::string &) { Q_EMIT lutProgress(done, total); },
                [this, &store](const RunInfo &run, const SearchInputs &in, const SearchConfig &cfg) {
                    QStringList names;
                    for (const auto &c : in.space.candidates)
                        names << QString::fromStdString(c);
                    Q_EMIT runStored(run.id, QString::fromStdString(run.name), QString::fromStdString(store.path()));
                    Q_EMIT started(names, in.space.layerCount(),
                                   QString::fromStdString(run.name + " · " + in.space.name + " · " + in.data.name + " ("
                                                          + std::to_string(in.data.size()) + " images) · " + in.lut.device + " ("
                                                          + in.lut.provenanceKind + ") · " + toString(cfg.mode) + " masks"));
                    // A resumed run replays its stored epochs first.
                    for (const auto &e : store.epochs(run.id))
                        Q_EMIT epochEnded(e);
                });
            Q_EMIT finished(outcome.result);
        } catch (const std::exception &e) {
            Q_EMIT failed(QString::fromStdString(e.what()));
        }
    }

    void onStep(const StepStats &s) override
    {
        const auto now = std::chrono::steady_clock::now();
        if (now - m_lastStep < std::chrono::milliseconds(50) && s.step + 1 != s.stepsInPhase)
            return;  // <= 20 Hz; the last step of a phase always passes
        m_lastStep = now;
        Q_EMIT stepped(s);
    }
    void onEpoch(const EpochStats &e) override { Q_EMIT epochEnded(e); }

Q_SIGNALS:
    void started(const QStringList &candidates, int layers, const QString &summary);
    void stepped(const fbnet::StepStats &stats);
    void epochEnded(const fbnet::EpochStats &stats);
    void finished(const fbnet::SearchResult &result);
    void failed(const QString &message);
    void runStored(qint64 runId, const QString &name, const QString &storePath);
    void lutProgress(int done, int total);

private:
    std::chrono::steady_clock::time_point m_lastStep{};
};

SearchController::SearchController(QObject *parent)
    : QObject(parent), m_worker(new SearchWorker)
{
    registerStudioMetaTypes();
    m_thread.setObjectName(QStringLiteral("fbnet-search"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &SearchWorker::started, this, &SearchController::started);
    connect(m_worker, &SearchWorker::stepped, this, &SearchController::stepped);
    connect(m_worker, &SearchWorker::epochEnded, this, &SearchController::epochEnded);
    connect(m_worker, &SearchWorker::runStored, this, &SearchController::runStored);
    connect(m_worker, &SearchWorker::lutProgress, this, &SearchController::lutProgress);
    connect(m_worker, &SearchWorker::finished, this, [this](const SearchResult &r) {
        setRunning(false);
        Q_EMIT finished(r);
    });
    connect(m_worker, &SearchWorker::failed, this, [this](const QString &m) {
        setRunning(false);
        Q_EMIT failed(m);
    });
    m_thread.start();
}

SearchController::~SearchController()
{
    if (m_stop)
        m_stop->requestStop();
    m_thread.quit();
    m_thread.wait();
}

void SearchController::start(const SearchRequest &request)
{
    if (m_running)
        return;
    m_stop = std::make_shared<StopToken>();
    m_paused = false;
    setRunning(true);
    auto stop = m_stop;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, request, stop] { worker->run(request, stop); }, Qt::QueuedConnection);
}

void SearchController::pause()
{
    if (m_running && m_stop) {
        m_stop->requestPause();
        m_paused = true;
    }
}

void SearchController::resume()
{
    if (m_stop) {
        m_stop->resume();
        m_paused = false;
    }
}

void SearchController::stop()
{
    if (m_stop)
        m_stop->requestStop();
    m_paused = false;
}

void SearchController::setRunning(bool running)
{
    if (m_running == running)
        return;
    m_running = running;
    Q_EMIT runningChanged(running);
}

} // namespace fbnet

#include "searchcontroller.moc"
