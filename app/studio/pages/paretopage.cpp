#include "paretopage.h"
#include "plotexport.h"

#include <algorithm>

#include <QJsonDocument>
#include <QJsonObject>

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include "fbnet/evaluate.h"
#include "fbnet/resources.h"
#include "paretoview.h"
#include "runsession.h"
#include "trainingfields.h"

namespace fbnet::studio {

ParetoPage::ParetoPage(RunSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_view(new ParetoView(this)), m_device(new QComboBox(this)),
      m_train(new QPushButton(tr("Train architectures…"), this)), m_baseline(new QPushButton(tr("Random baseline…"), this))
{
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Latency on:"), this));
    bar->addWidget(m_device);
    m_device->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_device->setMinimumContentsLength(18);
    bar->addStretch(1);
    m_train->setToolTip(tr("Train the open run's argmax and samples that have no evaluation yet, and plot them"));
    m_baseline->setToolTip(tr("Train uniformly sampled architectures of the run's space until the run's compute "
                              "(search + training its architectures) is spent, like fbnet random --budget-of"));
    bar->addWidget(m_train);
    bar->addWidget(m_baseline);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    connect(m_train, &QPushButton::clicked, this, &ParetoPage::askTraining);
    connect(m_baseline, &QPushButton::clicked, this, &ParetoPage::askBaseline);
    connect(m_device, &QComboBox::currentIndexChanged, this, &ParetoPage::refresh);
    connect(m_view, &ParetoView::selected, this, &ParetoPage::architectureSelected);
    setBusy(false);
}

void ParetoPage::setBusy(bool busy)
{
    m_busy = busy;
    m_train->setEnabled(!busy && m_run);
    m_baseline->setEnabled(!busy && m_run && m_run->run.kind == "search");
}

void ParetoPage::showRun(std::shared_ptr<const OpenRun> run)
{
    const bool sameRun = m_run && run && m_run->run.id == run->run.id;
    m_run = std::move(run);
    if (!sameRun && m_run) {
        // Devices that cover the run's space, the run's own first.
        const RunInfo &r = m_run->run;
        const QSignalBlocker block(m_device);
        m_device->clear();
        m_device->addItem(QString::fromStdString(r.lutDevice) + tr(" (the run's)"), QString());
        for (const auto &name : lutNames())
            if (name.find(r.space) != std::string::npos && name.rfind(r.lutDevice + "-", 0) != 0)
                m_device->addItem(QString::fromStdString(name.substr(0, name.size() - r.space.size() - 1)), QString::fromStdString(name));
    }
    setBusy(m_busy);
    refresh();
}

QString ParetoPage::baselineLabel(const OpenRun &o)
{
    // "Same budget" only if it was spent: a baseline stopped early says how much it used.
    std::vector<const RunInfo *> runs;
    if (o.run.kind == "random")
        runs.push_back(&o.run);
    for (const auto &b : o.baselines)
        runs.push_back(&b.run);
    // Each random run has its own budget (the search's compute): several runs are each measured
    // against theirs, never against the sum.
    std::vector<double> spent, budget;
    for (const RunInfo *r : runs) {
        spent.push_back(r->seconds);
        budget.push_back(QJsonDocument::fromJson(QByteArray::fromStdString(r->configJson)).object().value(QStringLiteral("budget_seconds")).toDouble());
    }
    if (runs.empty() || std::any_of(budget.begin(), budget.end(), [](double b) { return !(b > 0); }))
        return runs.size() > 1 ? tr("random search (%1 runs)").arg(runs.size()) : tr("random search");
    const auto duration = [](double seconds) {
        const qint64 s = qint64(seconds + 0.5);
        return s >= 60 ? QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0')) : QStringLiteral("%1s").arg(s);
    };
    if (runs.size() == 1) {
        const QString used = duration(spent[0]), of = duration(budget[0]);
        if (spent[0] >= 0.9 * budget[0])
            return tr("random search, same budget (%1)").arg(of);
        return tr("random search: %1 of a %2 budget (%3%)").arg(used, of).arg(100 * spent[0] / budget[0], 0, 'f', 0);
    }
    int spentAll = 0;
    for (std::size_t i = 0; i < runs.size(); ++i)
        spentAll += spent[i] >= 0.9 * budget[i];
    const auto [lo, hi] = std::minmax_element(budget.begin(), budget.end());
    const QString each = *hi - *lo < 0.01 * *hi ? duration(*hi) : duration(*lo) + QStringLiteral("–") + duration(*hi);
    if (spentAll == int(runs.size()))
        return tr("random search, %1 runs, each the same budget (%2)").arg(runs.size()).arg(each);
    return tr("random search, %1 runs (budget %2 each; %3 of them spent)").arg(runs.size()).arg(each).arg(spentAll);
}

void ParetoPage::refresh()
{
    if (!m_run)
        return;
    try {
        const OpenRun &o = *m_run;
        const QString device = m_device->currentData().toString();
        const LatencyTable lut = device.isEmpty() ? o.context.lut : LatencyTable::load(resolveLutPath(device.toStdString(), o.context.space.name));
        std::vector<ParetoItem> items;
        auto addRun = [&](const RunArchitectures &run, const QString &origin) {
            for (std::size_t i = 0; i < run.architectures.size(); ++i) {
                const auto &a = run.architectures[i];
                const auto &ev = run.evaluations[i];
                if (ev.empty())
                    continue;
                ParetoItem it;
                it.id = a.id;
                it.name = QString::fromStdString(a.architecture.name);
                it.origin = origin;
                it.latencyMs = lut.predict(o.context.space, a.architecture);
                it.accuracy = ev.back().top1;
                if (device.isEmpty()) {  // targets are in the run's own table: marked only on it
                    it.targetMs = a.targetMs;
                    it.familyPick = a.role == "argmax" && a.targetMs > 0;
                }
                it.detail = QString::fromStdString(run.run.name + ": " + a.architecture.blocksString() + " · " + ev.back().dataset + ", "
                                                   + std::to_string(ev.back().epochs) + " epochs");
                items.push_back(it);
            }
        };
        addRun(o.own, o.run.kind == "random" ? QStringLiteral("random") : QStringLiteral("search"));
        for (const auto &b : o.baselines)
            addRun(b, QStringLiteral("random"));
        m_view->setChanceAccuracy(o.context.space.numClasses > 0 ? 1.0 / o.context.space.numClasses : 0.0);
        m_view->setBaselineLabel(baselineLabel(o));
        m_view->setContext(plotContext(o.run.name, lut.device, o.run.dataset));
        m_view->setItems(std::move(items),
                         lut.metric.empty() ? tr("latency on %1 (ms, %2 table)").arg(QString::fromStdString(lut.device), QString::fromStdString(lut.provenanceKind))
                                            : tr("cost (%1, analytic)").arg(QString::fromStdString(lut.unit())),
                         tr("top-1 on %1 (%)").arg(QString::fromStdString(o.run.dataset)));
    } catch (const std::exception &e) {
        Q_EMIT message(tr("Pareto view: %1").arg(QString::fromStdString(e.what())));
    }
}

DialogPlan ParetoPage::dialogPlan(bool baseline) const
{
    RunStore *store = m_session ? m_session->store() : nullptr;
    if (!store || !m_run)
        return {};
    if (baseline)
        return makeDialogPlan(*store, m_run->run.id, [](const TrainingPlanner &p, const TrainConfig &c, std::size_t n, std::size_t t) {
            return p.planBaseline(c, n, t);
        });
    std::vector<StoredArchitecture> archs;  // what the training job takes: every architecture of the run
    try {
        archs = runArchitectures(*store, m_run->run);
    } catch (const std::exception &e) {
        DialogPlan none;
        none.error = QString::fromStdString(e.what());
        return none;
    }
    return makeDialogPlan(*store, m_run->run.id, [archs](const TrainingPlanner &p, const TrainConfig &c, std::size_t n, std::size_t t) {
        return p.plan(archs, c, n, t);
    });
}

void ParetoPage::askTraining()
{
    if (!m_run)
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Train architectures"));
    auto *form = new QFormLayout(&dialog);
    form->addRow(new QLabel(tr("Trains the open run's argmax and samples from scratch on its data set and stores\n"
                               "each top-1; architectures already evaluated with these settings are reused."), &dialog));
    const TrainingFields f(&dialog);
    if (!runTrainingDialog(dialog, form, f, tr("Train"), dialogPlan(false)))
        return;
    EvaluateRequest r;
    r.runId = m_run->run.id;
    r.config.epochs = f.epochs->value();
    r.subset = std::size_t(f.images->value());
    r.testSubset = std::size_t(f.testImages->value());
    Q_EMIT trainRequested(r);
}

void ParetoPage::askBaseline()
{
    if (!m_run || m_run->run.kind != "search")
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Random baseline"));
    auto *form = new QFormLayout(&dialog);
    form->addRow(new QLabel(tr("Trains architectures drawn uniformly from %1 on %2 until the compute of run '%3'\n"
                               "(its search and the training of its architectures) is spent; stored as a run of kind random.\n"
                               "Train the run's own architectures with the same settings to compare them fairly.")
                                .arg(QString::fromStdString(m_run->run.space), QString::fromStdString(m_run->run.dataset),
                                     QString::fromStdString(m_run->run.name)),
                            &dialog));
    const TrainingFields f(&dialog);
    if (!runTrainingDialog(dialog, form, f, tr("Start"), dialogPlan(true)))
        return;
    BaselineRequest r;
    r.request.budgetOf = std::to_string(m_run->run.id);
    r.request.config.epochs = f.epochs->value();
    r.request.trainSubset = std::size_t(f.images->value());
    r.request.testSubset = std::size_t(f.testImages->value());
    Q_EMIT baselineRequested(r);
}

} // namespace fbnet::studio
