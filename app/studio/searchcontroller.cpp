#include "searchcontroller.h"

#include <chrono>

#include "fbnet/runstore.h"

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

namespace {

/** The search's observer on the job thread: posts each event to the controller on the GUI thread. */
class PostingObserver final : public SearchObserver
{
public:
    PostingObserver(studio::JobThread &job, SearchController &controller) : m_job(job), m_controller(controller) {}

    void onStep(const StepStats &s) override
    {
        const auto now = std::chrono::steady_clock::now();
        if (now - m_lastStep < std::chrono::milliseconds(50) && s.step + 1 != s.stepsInPhase)
            return;  // <= 20 Hz; the last step of a phase always passes
        m_lastStep = now;
        m_job.post([c = &m_controller, s] { Q_EMIT c->stepped(s); });
    }
    void onEpoch(const EpochStats &e) override
    {
        m_job.post([c = &m_controller, e] { Q_EMIT c->epochEnded(e); });
    }

private:
    studio::JobThread &m_job;
    SearchController &m_controller;
    std::chrono::steady_clock::time_point m_lastStep{};
};

QString summaryOf(const RunInfo &run, const SearchInputs &in, const SearchConfig &cfg)
{
    return QString::fromStdString(run.name + " · " + in.space.name + " · " + in.data.name + " (" + std::to_string(in.data.size())
                                  + " images) · " + in.lut.device + " (" + in.lut.provenanceKind + ") · " + toString(cfg.mode) + " masks");
}

} // namespace

SearchController::SearchController(QObject *parent)
    : QObject(parent), m_job(new studio::JobThread(QStringLiteral("fbnet-search"), this))
{
    registerStudioMetaTypes();
    connect(m_job, &studio::JobThread::runningChanged, this, &SearchController::runningChanged);
}

void SearchController::start(const SearchRequest &request)
{
    m_job->start([this, request](StopToken &stop) -> std::function<void()> {
        try {
            // This thread's own connection: the GUI reads the store with another one (WAL).
            RunStore store(request.runsPath.empty() ? RunStore::defaultPath() : request.runsPath);
            PostingObserver observer(*m_job, *this);
            const auto onLut = [this](int done, int total, const std::string &) {
                m_job->post([this, done, total] { Q_EMIT lutProgress(done, total); });
            };
            const auto onReady = [this, &store](const RunInfo &run, const SearchInputs &in, const SearchConfig &cfg) {
                QStringList names;
                for (const auto &c : in.space.candidates)
                    names << QString::fromStdString(c);
                const QString path = QString::fromStdString(store.path()), summary = summaryOf(run, in, cfg);
                const int layers = in.space.layerCount(), epochs = cfg.epochs;
                const auto replay = store.epochs(run.id);  // a resumed run shows its stored epochs and steps first
                auto steps = store.steps(run.id);
                for (std::size_t i = 0; i < steps.size(); ++i)
                    steps[i].doneSteps = int(i + 1);  // the global step, as the live steps that follow count on
                m_job->post([this, run, names, path, summary, layers, epochs, replay, steps = std::move(steps)] {
                    Q_EMIT runStored(run.id, QString::fromStdString(run.name), path);
                    Q_EMIT started(names, layers, summary, epochs);
                    for (const auto &s : steps)
                        Q_EMIT stepped(s);
                    for (const auto &e : replay)
                        Q_EMIT epochEnded(e);
                });
            };
            const StoredSearchOutcome outcome = runStoredSearch(store, request, observer, stop, onLut, onReady);
            return [this, result = outcome.result] { Q_EMIT finished(result); };
        } catch (const std::exception &e) {
            return [this, message = QString::fromStdString(e.what())] { Q_EMIT failed(message); };
        }
    });
}

} // namespace fbnet
