#pragma once

#include <QObject>
#include <QString>
#include <QThread>

#include <memory>
#include <string>

#include "fbnet/search.h"
#include "fbnet/train.h"

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
};

class EvaluateWorker;

/**
 * Trains the architectures of a run that have no evaluation yet for this data set and epoch
 * count, on a worker thread, storing each evaluation as it completes. Stop is an atomic polled
 * every training step; a stopped architecture stores nothing.
 */
class EvaluateController final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EvaluateController)

public:
    explicit EvaluateController(QObject *parent = nullptr);
    ~EvaluateController() override;

    bool isRunning() const { return m_running; }

public Q_SLOTS:
    void start(const fbnet::EvaluateRequest &request);
    void stop();

Q_SIGNALS:
    /** Training architecture `index` of `total` (1-based), after epoch `epoch` of `epochs` (0: starting). */
    void progress(int index, int total, const QString &name, int epoch, int epochs, double testTop1);
    /** An evaluation was stored. */
    void evaluated(qint64 architectureId, double top1);
    void finished(int trained, int reused, bool stopped);
    void failed(const QString &message);
    void runningChanged(bool running);

private:
    void setRunning(bool running);

    QThread m_thread;
    EvaluateWorker *m_worker = nullptr;
    std::shared_ptr<StopToken> m_stop;
    bool m_running = false;
};

} // namespace fbnet
