#include "evaluatecontroller.h"

#include <algorithm>

#include "fbnet/error.h"
#include "fbnet/runstore.h"
#include "fbnet/storedsearch.h"

namespace fbnet {

EvaluateController::EvaluateController(QObject *parent)
    : QObject(parent), m_job(new studio::JobThread(QStringLiteral("fbnet-evaluate"), this))
{
    connect(m_job, &studio::JobThread::runningChanged, this, &EvaluateController::runningChanged);
}

void EvaluateController::start(const EvaluateRequest &request)
{
    m_job->start([this, request](StopToken &stop) -> std::function<void()> {
        try {
            // This thread's own connection to the store (WAL: the GUI keeps reading).
            RunStore store(request.runsPath.empty() ? RunStore::defaultPath() : request.runsPath);
            const RunInfo run = store.run(std::int64_t(request.runId));
            std::vector<StoredArchitecture> archs;
            if (request.architectureIds.empty()) {
                archs = runArchitectures(store, run, request.maxArchitectures);
            } else {
                const auto &ids = request.architectureIds;
                archs = store.architectures(run.id);  // a pick's alternatives included: the request names them
                archs.erase(std::remove_if(archs.begin(), archs.end(),
                                           [&ids](const StoredArchitecture &a) { return std::find(ids.begin(), ids.end(), a.id) == ids.end(); }),
                            archs.end());
                if (archs.size() != ids.size())
                    throw Error::at(store.path(), "run " + run.name, "does not hold every architecture asked for training");
            }
            const RunContext context = loadRunContext(run, store.path());
            const std::string dataset = request.dataset.empty() ? context.invocation.dataset : request.dataset;
            const TrainingSetup setup = loadTrainingSetup(context.invocation.space, dataset, request.subset, request.testSubset,
                                                          request.config.seed, context.invocation.image,
                                                          context.invocation.inputSize);
            EvaluationEvents events;
            const int epochs = request.config.epochs;
            auto report = [this, epochs](int i, int total, const StoredArchitecture &a, int epoch, double top1) {
                m_job->post([this, i, total, epoch, epochs, top1, name = QString::fromStdString(a.architecture.name)] {
                    Q_EMIT progress(i, total, name, epoch, epochs, top1);
                });
            };
            events.onArchitecture = [&](int i, int total, const StoredArchitecture &a, bool reused) {
                if (!reused)
                    report(i, total, a, 0, 0.0);
            };
            events.onEpoch = [&](int i, int total, const StoredArchitecture &a, const TrainEpoch &ep) {
                report(i, total, a, ep.epoch + 1, ep.testAccuracy);
            };
            events.onEvaluated = [this](int, int, const StoredArchitecture &a, const Evaluation &e, bool reused) {
                if (!reused)
                    m_job->post([this, id = a.id, top1 = e.top1] { Q_EMIT evaluated(id, top1); });
            };
            const EvaluationOutcome out = evaluateArchitectures(store, archs, setup, request.config, context.lut, false, stop, events, request.keepWeights);
            return [this, out] { Q_EMIT finished(out.trained, out.reused, out.stopped); };
        } catch (const std::exception &e) {
            return [this, message = QString::fromStdString(e.what())] { Q_EMIT failed(message); };
        }
    });
}

BaselineController::BaselineController(QObject *parent)
    : QObject(parent), m_job(new studio::JobThread(QStringLiteral("fbnet-baseline"), this))
{
    connect(m_job, &studio::JobThread::runningChanged, this, &BaselineController::runningChanged);
}

void BaselineController::start(const BaselineRequest &request)
{
    m_job->start([this, request](StopToken &stop) -> std::function<void()> {
        try {
            RunStore store(request.runsPath.empty() ? RunStore::defaultPath() : request.runsPath);
            RandomBaselineEvents events;
            double budget = 0;
            events.onStarted = [&](const RunInfo &run, const TrainingSetup &, double b) {
                budget = b;
                m_job->post([this, id = run.id, name = QString::fromStdString(run.name), b] { Q_EMIT started(id, name, b); });
            };
            events.onArchitecture = [&](int n, const StoredArchitecture &s, double spent) {
                m_job->post([this, n, spent, budget, name = QString::fromStdString(s.architecture.name)] {
                    Q_EMIT progress(n, name, spent, budget);
                });
            };
            events.onEvaluated = [this](int, const StoredArchitecture &s, const Evaluation &e) {
                m_job->post([this, id = s.id, top1 = e.top1] { Q_EMIT evaluated(id, top1); });
            };
            const RandomBaselineOutcome out = runRandomBaseline(store, request.request, stop, events);
            return [this, out] { Q_EMIT finished(out.architectures, out.spentSeconds, out.stopped); };
        } catch (const std::exception &e) {
            return [this, message = QString::fromStdString(e.what())] { Q_EMIT failed(message); };
        }
    });
}

} // namespace fbnet
