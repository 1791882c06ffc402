#pragma once

#include <QObject>
#include <QString>

#include <memory>
#include <string>
#include <vector>

#include "fbnet/search.h"
#include "fbnet/evaluate.h"
#include "fbnet/randombaseline.h"
#include "fbnet/train.h"
#include "jobthread.h"

namespace fbnet {

/** Train and evaluate a stored run's architectures (what `fbnet pareto --run R` does). */
struct EvaluateRequest
{
    std::string runsPath;          ///< empty: the default store
    qint64 runId = 0;
    std::string dataset;           ///< empty: the run's own data set
    std::size_t subset = 5000;     ///< training images per architecture
    std::size_t testSubset = 2000;
    TrainConfig config;            ///< epochs, batch, threads, ...
    int maxArchitectures = 0;      ///< 0: all of the run's
    std::vector<qint64> architectureIds;  ///< only these of the run's (Train & export: the one it hands back); empty: all
    bool keepWeights = true;       ///< in the store's weightsDir(), for the exports (one file per architecture and protocol)
};

/**
 * Trains the architectures of a run that have no evaluation yet for this data set and epoch
 * count, on the studio's job thread, storing each evaluation as it completes. Stop is polled
 * every training step; a stopped architecture stores nothing.
 */
class EvaluateController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EvaluateController)

public:
    explicit EvaluateController(QObject *parent = nullptr);

    bool isRunning() const { return m_job->isRunning(); }

public Q_SLOTS:
    void start(const fbnet::EvaluateRequest &request);
    void stop() { m_job->stop(); }

Q_SIGNALS:
    /** Training architecture `index` of `total` (1-based), after epoch `epoch` of `epochs` (0: starting). */
    void progress(int index, int total, const QString &name, int epoch, int epochs, double testTop1);
    /** An evaluation was stored. */
    void evaluated(qint64 architectureId, double top1);
    void finished(int trained, int reused, bool stopped);
    void failed(const QString &message);
    void runningChanged(bool running);

private:
    studio::JobThread *m_job;
};

/** The random-search baseline of a search run (what `fbnet random --budget-of RUN` does). */
struct BaselineRequest
{
    std::string runsPath;  ///< empty: the default store
    RandomBaselineRequest request;
};

/** Runs a random baseline on the job thread; each trained architecture is stored as it completes. */
class BaselineController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BaselineController)

public:
    explicit BaselineController(QObject *parent = nullptr);

    bool isRunning() const { return m_job->isRunning(); }

public Q_SLOTS:
    void start(const fbnet::BaselineRequest &request);
    void stop() { m_job->stop(); }

Q_SIGNALS:
    /** The baseline's run exists: its id and name, the budget in seconds. */
    void started(qint64 runId, const QString &name, double budgetSeconds);
    /** Architecture `index` drawn, `spent` seconds of the budget used before training it. */
    void progress(int index, const QString &name, double spent, double budget);
    void evaluated(qint64 architectureId, double top1);
    void finished(int architectures, double spentSeconds, bool stopped);
    void failed(const QString &message);
    void runningChanged(bool running);

private:
    studio::JobThread *m_job;
};

} // namespace fbnet
