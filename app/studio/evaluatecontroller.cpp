#include "evaluatecontroller.h"

#include "fbnet/error.h"
#include "fbnet/evaluate.h"
#include "fbnet/runstore.h"
#include "fbnet/storedsearch.h"

namespace fbnet {

/** Lives on the worker thread; trains inside run() and reports through signals. */
class EvaluateWorker final : public QObject
{
    Q_OBJECT

public:
    void run(const EvaluateRequest &request, std::shared_ptr<StopToken> stop)
    {
        try {
            // This thread's own connection to the store (WAL: the GUI keeps reading).
            RunStore store(request.runsPath.empty() ? RunStore::defaultPath() : request.runsPath);
            const RunInfo run = store.run(std::int64_t(request.runId));
            auto archs = store.architectures(run.id);
            if (archs.empty())
                throw Error::at(store.path(), "run " + run.name, "has no architectures to train (a search stores its argmax and samples)");
            if (request.maxArchitectures > 0 && int(archs.size()) > request.maxArchitectures)
                archs.resize(std::size_t(request.maxArchitectures));
            const RunContext context = loadRunContext(run, store.path());
            const std::string dataset = request.dataset.empty() ? context.invocation.dataset : request.dataset;
            const TrainingSetup setup = loadTrainingSetup(context.invocation.space, dataset, request.subset, request.testSubset,
                                                          request.config.seed);
            const std::string protocol = trainingProtocol(setup, request.config);
            int trained = 0, reused = 0;
            const int total = int(archs.size());
            for (int i = 0; i < total && !stop->stopRequested(); ++i) {
                const auto &a = archs[std::size_t(i)];
                const QString name = QString::fromStdString(a.architecture.name);
                if (findEvaluation(store, a.id, protocol, false)) {
                    ++reused;
                    continue;
                }
                Q_EMIT progress(i + 1, total, name, 0, request.config.epochs, 0.0);
                const Evaluation e = evaluateStoredArchitecture(
                    store, a, setup, request.config, context.lut, *stop, false, {}, [&](const TrainEpoch &ep) {
                        Q_EMIT progress(i + 1, total, name, ep.epoch + 1, request.config.epochs, ep.testAccuracy);
                    });
                if (e.id == 0)
                    break;  // stopped: nothing stored for this one
                ++trained;
                Q_EMIT evaluated(a.id, e.top1);
            }
            Q_EMIT finished(trained, reused, stop->stopRequested());
        } catch (const std::exception &e) {
            Q_EMIT failed(QString::fromStdString(e.what()));
        }
    }

Q_SIGNALS:
    void progress(int index, int total, const QString &name, int epoch, int epochs, double testTop1);
    void evaluated(qint64 architectureId, double top1);
    void finished(int trained, int reused, bool stopped);
    void failed(const QString &message);
};

EvaluateController::EvaluateController(QObject *parent) : QObject(parent), m_worker(new EvaluateWorker)
{
    m_thread.setObjectName(QStringLiteral("fbnet-evaluate"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &EvaluateWorker::progress, this, &EvaluateController::progress);
    connect(m_worker, &EvaluateWorker::evaluated, this, &EvaluateController::evaluated);
    connect(m_worker, &EvaluateWorker::finished, this, [this](int trained, int reused, bool stopped) {
        setRunning(false);
        Q_EMIT finished(trained, reused, stopped);
    });
    connect(m_worker, &EvaluateWorker::failed, this, [this](const QString &m) {
        setRunning(false);
        Q_EMIT failed(m);
    });
    m_thread.start();
}

EvaluateController::~EvaluateController()
{
    if (m_stop)
        m_stop->requestStop();
    m_thread.quit();
    m_thread.wait();
}

void EvaluateController::start(const EvaluateRequest &request)
{
    if (m_running)
        return;
    m_stop = std::make_shared<StopToken>();
    setRunning(true);
    auto stop = m_stop;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, request, stop] { worker->run(request, stop); }, Qt::QueuedConnection);
}

void EvaluateController::stop()
{
    if (m_stop)
        m_stop->requestStop();
}

void EvaluateController::setRunning(bool running)
{
    if (m_running == running)
        return;
    m_running = running;
    Q_EMIT runningChanged(running);
}

} // namespace fbnet

#include "evaluatecontroller.moc"
