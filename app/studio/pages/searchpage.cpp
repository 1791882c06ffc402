#include "searchpage.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "fbnet/convergence.h"
#include "fbnet/searchconfig.h"
#include "metricsplot.h"
#include "plotexport.h"
#include "runsession.h"
#include "searchcontroller.h"
#include "thetaheatmap.h"
#include "welcomepanel.h"

#include <algorithm>

namespace fbnet::studio {

SearchPage::SearchPage(QWidget *parent)
    : QWidget(parent), m_heatmap(new ThetaHeatmap(this)), m_metrics(new MetricsPlot(this)), m_log(new QPlainTextEdit(this)),
      m_welcome(new WelcomePanel(this)), m_stack(new QStackedWidget(this)), m_targetBar(new QWidget(this)),
      m_targetBox(new QComboBox(m_targetBar)), m_banner(new QLabel(this))
{
    m_banner->setObjectName(QStringLiteral("convergenceBanner"));
    m_banner->setWordWrap(true);
    m_banner->setTextFormat(Qt::PlainText);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #fff4c2; color: #4a3b00; border: 1px solid #e0c060; padding: 6px; }"));
    m_banner->setVisible(false);
    auto *bar = new QHBoxLayout(m_targetBar);
    bar->setContentsMargins(4, 2, 4, 2);
    bar->addWidget(new QLabel(tr("Family search, target:"), m_targetBar));
    bar->addWidget(m_targetBox);
    m_targetCaption = new QLabel(m_targetBar);
    bar->addWidget(m_targetCaption, 1);
    m_targetBox->setToolTip(tr("One supernet, one θ per latency target: choose whose θ and expected latency the views show"));
    m_targetBar->setVisible(false);
    setCostTable({});
    m_targetBar->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    connect(m_targetBox, &QComboBox::currentIndexChanged, this, [this](int) { redraw(); });
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
    auto *views = new QWidget(this);
    auto *layout = new QVBoxLayout(views);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_targetBar);
    layout->addWidget(m_banner);
    layout->addWidget(split, 1);
    m_stack->addWidget(m_welcome);
    m_stack->addWidget(views);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(m_stack);
}

bool SearchPage::showsWelcome() const
{
    return m_stack->currentWidget() == m_welcome;
}

void SearchPage::showViews()
{
    m_stack->setCurrentIndex(1);
}

void SearchPage::setTargets(const std::vector<double> &targets)
{
    m_targets = targets;
    const QSignalBlocker block(m_targetBox);
    m_targetBox->clear();
    for (double t : targets)
        m_targetBox->addItem(tr("%1 %2").arg(t).arg(m_unit));
    m_targetBar->setVisible(!targets.empty());
    if (targets.empty())
        m_metrics->setLatencyTarget(0);
    else
        redraw();
}

int SearchPage::shownTarget() const
{
    return m_targets.empty() ? -1 : std::max(0, m_targetBox->currentIndex());
}

double SearchPage::shownTargetMs() const
{
    const int i = shownTarget();
    return i >= 0 && std::size_t(i) < m_targets.size() ? m_targets[std::size_t(i)] : 0.0;
}

void SearchPage::showTarget(int index)
{
    m_targetBox->setCurrentIndex(index);
}

double SearchPage::shownLatency(const StepStats &s)
{
    const int k = shownTarget();
    if (k < 0 || std::size_t(k) >= s.familyLatencyMs.size())
        return s.expectedLatencyMs;
    if (std::isfinite(s.familyLatencyMs[std::size_t(k)]))
        m_heldLatency = s.familyLatencyMs[std::size_t(k)];
    return std::isfinite(m_heldLatency) ? m_heldLatency : s.expectedLatencyMs;
}

void SearchPage::redraw()
{
    const int k = shownTarget();
    if (k < 0)
        return;
    m_metrics->setLatencyTarget(m_targets[std::size_t(k)], tr("target %1 %2").arg(m_targets[std::size_t(k)]).arg(m_unit));
    QVector<double> keys, loss, acc, lat;
    QVector<int> epochs;
    m_heldLatency = std::nan("");
    for (const auto &s : m_steps) {
        keys.push_back(double(keys.size() + 1));
        epochs.push_back(s.epoch);
        loss.push_back(s.loss);
        acc.push_back(s.accuracy);
        lat.push_back(shownLatency(s));
    }
    m_metrics->setSeries(keys, epochs, loss, acc, lat);
    m_heatmap->clear();
    for (const auto &e : m_epochRecord)
        if (std::size_t(k) < e.family.size())
            m_heatmap->addEpoch(e.family[std::size_t(k)].probabilities);
}

void SearchPage::follow(SearchController *controller)
{
    connect(controller, &SearchController::started, this,
            [this](const QStringList &candidates, int layers) { searchStarted(candidates, layers); });
    connect(controller, &SearchController::stepped, this, &SearchPage::addStep);
    connect(controller, &SearchController::epochEnded, this, &SearchPage::addEpoch);
    connect(controller, &SearchController::finished, this, &SearchPage::searchEnded);
}

QString SearchPage::expectedWord(const QString &unit)
{
    return unit == QLatin1String("ms") ? tr("E[latency]") : tr("E[cost]");
}

void SearchPage::setCostTable(const std::string &table)
{
    m_unit = QString::fromStdString(LatencyTable::unitOf(table));
    m_metrics->setCostUnit(m_unit);
    m_targetCaption->setText(tr("heatmap: this target's θ · %1: its samples · loss and accuracy: all targets").arg(expectedWord(m_unit)));
}

void SearchPage::setLossConfig(const SearchConfig &config)
{
    const std::string cost = m_unit == QLatin1String("ms") ? "LAT" : m_unit.toStdString();
    m_metrics->setLossFormula(QString::fromStdString(lossFormula(config, cost)));
}

void SearchPage::setContext(const QString &context)
{
    m_heatmap->setContext(context);
    m_metrics->setContext(context);
}

void SearchPage::showRun(const OpenRun &o)
{
    showViews();
    const RunInfo &r = o.run;
    setContext(plotContext(r.name, r.lutDevice, r.dataset));
    setCostTable(r.lutDevice);
    std::vector<double> targets;
    m_metrics->setLossFormula({});
    try {
        if (r.kind == "search") {
            const SearchConfig config = searchConfigFromJson(r.configJson, r.name);
            targets = config.targets;
            setLossConfig(config);
        }
    } catch (const std::exception &) {  // a damaged config shows the run as a plain search
    }
    m_steps.clear();
    m_epochRecord.clear();
    setTargets({});
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
        if (!targets.empty())
            m_steps = o.steps;
        for (const auto &e : o.epochs)
            addEpoch(e);
    }
    setTargets(targets);
    if (r.kind == "search")
        showConvergence(o.context.space, o.epochs);
    appendLine(tr("Run '%1' (%2, %3), %4 epoch(s) recorded.")
                   .arg(QString::fromStdString(r.name), QString::fromStdString(r.kind), QString::fromStdString(r.status))
                   .arg(o.epochs.size()));
    const bool untrained = std::none_of(o.epochs.begin(), o.epochs.end(), [](const EpochStats &e) { return e.thetaTrained; });
    for (const auto &a : o.own.architectures)
        if (a.role == "argmax")
            appendLine(tr("%1 (%2):\n%3\nMACs %4 M · params %5 M · %6 %7 on %8")
                           .arg(untrained ? untrainedLabel()
                                : a.targetMs > 0 ? tr("Target %1 %2: %3").arg(a.targetMs).arg(m_unit, QString::fromStdString(a.architecture.name))
                                                           : tr("Chosen architecture"))
                           .arg(a.targetMs > 0 ? tr("the most probable under its θ within ±5% of the target") : tr("argmax of softmax(θ)"))
                           .arg(QString::fromStdString(a.architecture.blocksString()))
                           .arg(a.macs / 1e6, 0, 'f', 2)
                           .arg(a.params / 1e6, 0, 'f', 2)
                           .arg(a.lutMs, 0, 'f', 3)
                           .arg(m_unit, QString::fromStdString(r.lutDevice)));
    // The pick a chooser made (search --pick-by): what train and export take, said with its chooser.
    SearchConfig config;
    try {
        config = searchConfigFromJson(r.configJson, "run " + r.name);
    } catch (const std::exception &) {
    }
    for (const auto &a : o.own.architectures)
        if (a.role == "pick")
            appendLine(tr("%1 picked by %2 among the %3 most probable under θ%4 (what Train and Export take):\n%5\nMACs %6 M · params %7 M · "
                          "%8 %9 on %10")
                           .arg(a.targetMs > 0 ? tr("Target %1 %2:").arg(a.targetMs).arg(m_unit) : tr("Architecture"))
                           .arg(QString::fromStdString(config.pickBy))
                           .arg(config.pickCandidates)
                           .arg(a.targetMs > 0 ? tr(" within ±5% of the target") : QString())
                           .arg(QString::fromStdString(a.architecture.blocksString()))
                           .arg(a.macs / 1e6, 0, 'f', 2)
                           .arg(a.params / 1e6, 0, 'f', 2)
                           .arg(a.lutMs, 0, 'f', 3)
                           .arg(m_unit, QString::fromStdString(r.lutDevice)));
}

QString SearchPage::untrainedLabel()
{
    return tr("UNTRAINED θ — no θ epoch ran (stopped during warm-up), so this is θ's initial tie-break, not a search result. "
              "Architecture");
}

QString SearchPage::convergenceBanner() const
{
    return m_banner->isHidden() ? QString() : m_banner->text();
}

void SearchPage::showConvergence(const SearchSpace &space, const std::vector<EpochStats> &epochs)
{
    m_banner->clear();
    m_banner->setVisible(false);
    if (epochs.empty())
        return;
    const ThetaConvergence c = assessConvergence(space, epochs.back(), m_unit.toStdString());
    if (c.confidence.empty())
        return;
    appendLine(QString::fromStdString(c.summary()) + QLatin1Char('.'));
    if (c.converged())
        return;
    QStringList lines;
    lines << tr("θ has not settled: the architecture handed back may be little better than a tie-break.");
    for (const auto &w : c.warnings)
        lines << QStringLiteral("• ") + QString::fromStdString(w) + QLatin1Char('.');
    m_banner->setText(lines.join(QLatin1Char('\n')));
    m_banner->setVisible(true);
}

void SearchPage::beginSearch(const QString &context)
{
    showViews();
    m_banner->clear();
    m_banner->setVisible(false);
    m_steps.clear();
    m_epochRecord.clear();
    m_heldLatency = std::nan("");
    setTargets({});
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
    if (!s.familyLatencyMs.empty())
        m_steps.push_back(s);
    // doneSteps counts a resumed run's earlier steps and the steps the 20 Hz updates leave out.
    m_metrics->addPoint(s.doneSteps > 0 ? s.doneSteps : m_metrics->pointCount() + 1, s.epoch, s.loss, s.accuracy, shownLatency(s));
}

void SearchPage::addEpoch(const EpochStats &e)
{
    if (!e.family.empty()) {
        m_epochRecord.push_back(e);
        if (m_targets.empty()) {  // a live family whose targets were spread by the search (front K)
            std::vector<double> targets;
            for (const auto &f : e.family)
                targets.push_back(f.targetMs);
            setTargets(targets);  // redraws, this epoch included
        } else {
            m_heatmap->addEpoch(e.family[std::size_t(std::min<int>(shownTarget(), int(e.family.size()) - 1))].probabilities);
        }
        QString line = tr("epoch %1: weights accuracy %2%").arg(e.epoch + 1).arg(e.weightsAccuracy * 100, 0, 'f', 1);
        for (const auto &f : e.family)
            line += tr("\n  target %1 %5: %6 %2 %5, argmax %3 %5, pick %4")
                        .arg(f.targetMs)
                        .arg(f.expectedLatencyMs, 0, 'f', 2)
                        .arg(f.argmaxLatencyMs, 0, 'f', 2)
                        .arg(f.pickLatencyMs > 0 ? tr("%1 %2").arg(f.pickLatencyMs, 0, 'f', 2).arg(m_unit) : tr("none within ±5%"))
                        .arg(m_unit, expectedWord(m_unit));
        appendLine(line);
        return;
    }
    m_heatmap->addEpoch(e.probabilities);
    QString line = tr("epoch %1: weights accuracy %2%").arg(e.epoch + 1).arg(e.weightsAccuracy * 100, 0, 'f', 1);
    if (e.thetaTrained)
        line += tr(", θ accuracy %1%").arg(e.thetaAccuracy * 100, 0, 'f', 1);
    else
        line += tr(" (warm-up: θ not trained)");
    line += tr(", %4 %1 %3, argmax %2 %3").arg(e.expectedLatencyMs, 0, 'f', 2).arg(e.argmaxLatencyMs, 0, 'f', 2).arg(m_unit, expectedWord(m_unit));
    appendLine(line);
}

void SearchPage::searchEnded(const SearchResult &r)
{
    if (r.samples.empty())
        return;
    if (r.samples.front().targetMs > 0) {  // a family: each target's pick
        appendLine(tr("\n%1 after %2 epoch(s). Per target, the most probable architecture under its θ within ±5%:")
                       .arg(r.stopped ? tr("Stopped") : tr("Finished"))
                       .arg(r.epochsCompleted));
        for (const auto &a : r.samples)
            if (a.isArgmax)
                appendLine(tr("%1: %2 %6 (%3%) · %4 M MACs · %5")
                               .arg(QString::fromStdString(a.architecture.name))
                               .arg(a.latencyMs, 0, 'f', 3)
                               .arg(100 * (a.latencyMs / a.targetMs - 1), 0, 'f', 1)
                               .arg(a.macs / 1e6, 0, 'f', 2)
                               .arg(QString::fromStdString(a.architecture.blocksString()))
                               .arg(m_unit));
        return;
    }
    const auto &best = r.samples.front();
    const bool untrained = std::none_of(r.epochs.begin(), r.epochs.end(), [](const EpochStats &e) { return e.thetaTrained; });
    appendLine(tr("\n%1 after %2 epoch(s). %3 (argmax of softmax(θ)):\n%4\nMACs %5 M · params %6 M · %7 %8 on the target table")
                   .arg(r.stopped ? tr("Stopped") : tr("Finished"))
                   .arg(r.epochsCompleted)
                   .arg(untrained ? untrainedLabel() : tr("Chosen architecture"))
                   .arg(QString::fromStdString(best.architecture.blocksString()))
                   .arg(best.macs / 1e6, 0, 'f', 2)
                   .arg(best.params / 1e6, 0, 'f', 2)
                   .arg(best.latencyMs, 0, 'f', 3)
                   .arg(m_unit));
}

QString SearchPage::statusLine(const StepStats &s, int epochs, const QString &unit, double etaSeconds)
{
    return tr("Epoch %1/%2 · %3 step %4/%5 · loss %6 · %7 · τ %8 · %9 img/s · ETA %10")
        .arg(s.epoch + 1)
        .arg(epochs)
        .arg(s.phase == Phase::Weights ? tr("weights") : tr("θ"))
        .arg(s.step + 1)
        .arg(s.stepsInPhase)
        .arg(s.loss, 0, 'f', 3)
        .arg(tr("%1 %2 %3").arg(expectedWord(unit)).arg(s.expectedLatencyMs, 0, 'f', 2).arg(unit))
        .arg(s.temperature, 0, 'f', 2)
        .arg(s.imagesPerSecond, 0, 'f', 0)
        .arg(fbnet::clockDuration(etaSeconds >= 0 ? etaSeconds : s.etaSeconds));
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
