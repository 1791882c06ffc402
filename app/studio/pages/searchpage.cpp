#include "searchpage.h"

#include <QPlainTextEdit>
#include <QSplitter>
#include <QVBoxLayout>

#include "metricsplot.h"
#include "plotexport.h"
#include "runsession.h"
#include "searchcontroller.h"
#include "thetaheatmap.h"

#include <algorithm>

namespace fbnet::studio {

SearchPage::SearchPage(QWidget *parent)
    : QWidget(parent), m_heatmap(new ThetaHeatmap(this)), m_metrics(new MetricsPlot(this)), m_log(new QPlainTextEdit(this))
{
    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_metrics);
    m_log->setReadOnly(true);
    m_log->setPlaceholderText(tr("The chosen architecture appears here when the search ends."));
    right->addWidget(m_log);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_heatmap);
    split->addWidget(right);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 1);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 4);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);
}

void SearchPage::follow(SearchController *controller)
{
    connect(controller, &SearchController::started, this,
            [this](const QStringList &candidates, int layers) { searchStarted(candidates, layers); });
    connect(controller, &SearchController::stepped, this, &SearchPage::addStep);
    connect(controller, &SearchController::epochEnded, this, &SearchPage::addEpoch);
    connect(controller, &SearchController::finished, this, &SearchPage::searchEnded);
}

void SearchPage::setContext(const QString &context)
{
    m_heatmap->setContext(context);
    m_metrics->setContext(context);
}

void SearchPage::showRun(const OpenRun &o)
{
    const RunInfo &r = o.run;
    setContext(plotContext(r.name, r.lutDevice, r.dataset));
    QVector<double> keys, loss, acc, lat;
    QVector<int> epochs;
    keys.reserve(qsizetype(o.steps.size()));
    epochs.reserve(keys.capacity());
    loss.reserve(keys.capacity());
    acc.reserve(keys.capacity());
    lat.reserve(keys.capacity());
    for (const auto &s : o.steps) {
        keys.push_back(double(keys.size() + 1));
        epochs.push_back(s.epoch);
        loss.push_back(s.loss);
        acc.push_back(s.accuracy);
        lat.push_back(s.expectedLatencyMs);
    }
    m_metrics->setSeries(keys, epochs, loss, acc, lat);
    m_log->clear();
    if (r.kind == "search") {
        QStringList names;
        for (const auto &c : o.context.space.candidates)
            names << QString::fromStdString(c);
        m_heatmap->setCandidates(names, o.context.space.layerCount());
        for (const auto &e : o.epochs)
            addEpoch(e);
    }
    appendLine(tr("Run '%1' (%2, %3), %4 epoch(s) recorded.")
                   .arg(QString::fromStdString(r.name), QString::fromStdString(r.kind), QString::fromStdString(r.status))
                   .arg(o.epochs.size()));
    const bool untrained = std::none_of(o.epochs.begin(), o.epochs.end(), [](const EpochStats &e) { return e.thetaTrained; });
    for (const auto &a : o.own.architectures)
        if (a.role == "argmax")
            appendLine(tr("%1 (argmax of softmax(θ)):\n%2\nMACs %3 M · params %4 M · %5 ms on %6")
                           .arg(untrained ? untrainedLabel() : tr("Chosen architecture"))
                           .arg(QString::fromStdString(a.architecture.blocksString()))
                           .arg(a.macs / 1e6, 0, 'f', 2)
                           .arg(a.params / 1e6, 0, 'f', 2)
                           .arg(a.lutMs, 0, 'f', 3)
                           .arg(QString::fromStdString(r.lutDevice)));
}

QString SearchPage::untrainedLabel()
{
    return tr("UNTRAINED θ — no θ epoch ran (stopped during warm-up), so this is θ's initial tie-break, not a search result. "
              "Architecture");
}

void SearchPage::beginSearch(const QString &context)
{
    m_metrics->clear();
    setContext(context);
    m_log->clear();
}

void SearchPage::searchStarted(const QStringList &candidates, int layers)
{
    m_heatmap->setCandidates(candidates, layers);
}

void SearchPage::addStep(const StepStats &s)
{
    // One x axis for live and stored runs: the global step, as a stored run numbers its steps.
    m_metrics->addPoint(m_metrics->pointCount() + 1, s.epoch, s.loss, s.accuracy, s.expectedLatencyMs);
}

void SearchPage::addEpoch(const EpochStats &e)
{
    m_heatmap->addEpoch(e.probabilities);
    QString line = tr("epoch %1: weights accuracy %2%").arg(e.epoch + 1).arg(e.weightsAccuracy * 100, 0, 'f', 1);
    if (e.thetaTrained)
        line += tr(", θ accuracy %1%").arg(e.thetaAccuracy * 100, 0, 'f', 1);
    else
        line += tr(" (warm-up: θ not trained)");
    line += tr(", E[latency] %1 ms, argmax %2 ms").arg(e.expectedLatencyMs, 0, 'f', 2).arg(e.argmaxLatencyMs, 0, 'f', 2);
    appendLine(line);
}

void SearchPage::searchEnded(const SearchResult &r)
{
    if (r.samples.empty())
        return;
    const auto &best = r.samples.front();
    const bool untrained = std::none_of(r.epochs.begin(), r.epochs.end(), [](const EpochStats &e) { return e.thetaTrained; });
    appendLine(tr("\n%1 after %2 epoch(s). %3 (argmax of softmax(θ)):\n%4\nMACs %5 M · params %6 M · %7 ms on the target device")
                   .arg(r.stopped ? tr("Stopped") : tr("Finished"))
                   .arg(r.epochsCompleted)
                   .arg(untrained ? untrainedLabel() : tr("Chosen architecture"))
                   .arg(QString::fromStdString(best.architecture.blocksString()))
                   .arg(best.macs / 1e6, 0, 'f', 2)
                   .arg(best.params / 1e6, 0, 'f', 2)
                   .arg(best.latencyMs, 0, 'f', 3));
}

QString SearchPage::statusLine(const StepStats &s, int epochs)
{
    return tr("Epoch %1/%2 · %3 step %4/%5 · loss %6 · E[latency] %7 ms · τ %8 · %9 img/s · ETA %10 s")
        .arg(s.epoch + 1)
        .arg(epochs)
        .arg(s.phase == Phase::Weights ? tr("weights") : tr("θ"))
        .arg(s.step + 1)
        .arg(s.stepsInPhase)
        .arg(s.loss, 0, 'f', 3)
        .arg(s.expectedLatencyMs, 0, 'f', 2)
        .arg(s.temperature, 0, 'f', 2)
        .arg(s.imagesPerSecond, 0, 'f', 0)
        .arg(s.etaSeconds, 0, 'f', 0);
}

QString SearchPage::logText() const
{
    return m_log->toPlainText();
}

void SearchPage::appendLine(const QString &line)
{
    m_log->appendPlainText(line);
}

} // namespace fbnet::studio
