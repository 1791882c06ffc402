// MainWindow's jobs: starting a search, a training or a random baseline, and following each
// controller's signals into the pages, the progress bar and the status line.
#include <QLabel>
#include <QProgressBar>
#include <QMessageBox>
#include <QStatusBar>

#include "mainwindow.h"
#include "metricsplot.h"
#include "newsearchdialog.h"
#include "pages/searchpage.h"
#include "plotexport.h"
#include "exports.h"
#include "fbnet/runstore.h"
#include "runsession.h"
#include "trainexport.h"

namespace fbnet {

void MainWindow::connectSearch()
{
    m_searchPage->follow(m_controller);
    connect(m_controller, &SearchController::started, this, [this](const QStringList &, int, const QString &summary, int epochs) {
        m_epochs = epochs;
        m_status->setText(tr("Searching: %1").arg(summary));
    });
    connect(m_controller, &SearchController::stepped, this, [this](const StepStats &s) {
        // The run's steps done, a resumed run's earlier ones included (the bar does not restart at 0 on a resume).
        const double done = s.totalSteps > 0 ? double(s.doneSteps) / s.totalSteps : s.elapsedSeconds / std::max(1e-9, s.elapsedSeconds + s.etaSeconds);
        // Weight and θ steps differ in speed: the ETA is smoothed so it does not jump between phases.
        m_eta = m_eta < 0 ? s.etaSeconds : 0.8 * m_eta + 0.2 * s.etaSeconds;
        m_eta = std::min(m_eta, s.etaSeconds * 2 + 1);
        if (!m_controller->isPaused())
            setProgress(int(100 * done), studio::SearchPage::statusLine(s, m_epochs, m_searchPage->costUnit(), m_eta));
    });
    connect(m_controller, &SearchController::finished, this, &MainWindow::onFinished);
    connect(m_controller, &SearchController::failed, this, [this](const QString &message) {
        m_status->setText(tr("Search failed."));
        showError(tr("Search failed"), message);
        Q_EMIT searchDone(false);
    });
    connect(m_controller, &SearchController::runningChanged, this, &MainWindow::updateActions);
    connect(m_controller, &SearchController::lutProgress, this, [this](int done, int total) {
        setProgress(total > 0 ? 100 * done / total : 0,
                    tr("First use of this CPU as target: measuring its latency table, op %1 of %2…").arg(done).arg(total));
    });
    connect(m_controller, &SearchController::runStored, this, [this](qint64 id, const QString &name, const QString &path) {
        m_searchRunId = id;  // opened in the other views when the search ends: no reads while it runs
        m_searchPage->setContext(plotContext(name.toStdString(), m_request.invocation.lut, m_request.invocation.dataset));
        m_searchPage->appendLine(tr("Run '%1' (id %2) is recorded in %3; a stopped run resumes from the Runs tab.").arg(name).arg(id).arg(path));
        refreshRuns();
    });
}

void MainWindow::connectJobs()
{
    // A job's end: the status line, the run list and the open run read again, then the signal.
    auto ended = [this](const QString &status, auto done) {
        setProgress(100, status);
        refreshRuns();
        m_session->reload();
        waitForOpenRun();
        done();
    };
    auto failed = [this](const QString &what, const QString &message) {
        m_status->setText(tr("%1 failed.").arg(what));
        showError(tr("%1 failed").arg(what), message);
    };
    connect(m_evaluator, &EvaluateController::runningChanged, this, &MainWindow::updateActions);
    connect(m_baseline, &BaselineController::runningChanged, this, &MainWindow::updateActions);
    connect(m_evaluator, &EvaluateController::progress, this, [this](int index, int total, const QString &name, int epoch, int epochs, double top1) {
        setProgress(100 * ((index - 1) * epochs + epoch) / std::max(1, total * epochs),
                    epoch == 0 ? tr("Training %1 (%2 of %3)…").arg(name).arg(index).arg(total)
                               : tr("Training %1 (%2 of %3): epoch %4/%5, test top-1 %6%")
                                     .arg(name).arg(index).arg(total).arg(epoch).arg(epochs).arg(top1 * 100, 0, 'f', 2));
    });
    connect(m_evaluator, &EvaluateController::evaluated, m_session, &studio::RunSession::reload);
    connect(m_evaluator, &EvaluateController::finished, this, [this, ended](int trained, int reused, bool stopped) {
        ended(tr("Training %1: %2 architecture(s) trained, %3 already evaluated.").arg(stopped ? tr("stopped") : tr("finished")).arg(trained).arg(reused),
              [this, stopped] {
                  finishTrainAndExport(!stopped);
                  Q_EMIT trainingDone(!stopped);
              });
    });
    connect(m_evaluator, &EvaluateController::failed, this, [this, failed](const QString &message) {
        failed(tr("Training"), message);
        finishTrainAndExport(false);
        Q_EMIT trainingDone(false);
    });
    connect(m_baseline, &BaselineController::started, this, &MainWindow::refreshRuns);
    connect(m_baseline, &BaselineController::progress, this, [this](int index, const QString &name, double spent, double budget) {
        setProgress(budget > 0 ? int(100 * std::min(1.0, spent / budget)) : 0,
                    tr("Random baseline: training %1 (#%2), %3 of %4 s spent").arg(name).arg(index).arg(spent, 0, 'f', 0).arg(budget, 0, 'f', 0));
    });
    connect(m_baseline, &BaselineController::evaluated, m_session, &studio::RunSession::reload);
    connect(m_baseline, &BaselineController::finished, this, [this, ended](int architectures, double spent, bool stopped) {
        ended(tr("Random baseline %1: %2 architecture(s) in %3 s.").arg(stopped ? tr("stopped") : tr("finished")).arg(architectures).arg(spent, 0, 'f', 0),
              [this, stopped] { Q_EMIT baselineDone(!stopped); });
    });
    connect(m_baseline, &BaselineController::failed, this, [this, failed](const QString &message) {
        failed(tr("Random baseline"), message);
        Q_EMIT baselineDone(false);
    });
}

void MainWindow::resumeRun(qint64 runId)
{
    if (m_controller->isRunning())
        return;
    SearchRequest req = m_request;
    req.resume = std::to_string(runId);  // the run's own invocation and configuration are used
    req.runsPath = storePath().toStdString();
    startSearch(req);
    showTab(QStringLiteral("search"));
}

void MainWindow::newSearch()
{
    NewSearchDialog dialog(this);
    dialog.setRequest(m_request);
    dialog.setStore(m_session->store());  // how long a search takes here, from the store's earlier ones
    if (dialog.exec() == QDialog::Accepted)
        startSearch(dialog.request());
}

void MainWindow::startSearch(const SearchRequest &request)
{
    m_request = request;
    m_epochs = request.config.epochs;
    const QString name = request.name.empty() ? tr("new search") : QString::fromStdString(request.name);
    m_searchPage->beginSearch(plotContext(name.toStdString(), request.invocation.lut, request.invocation.dataset));
    m_searchPage->setCostTable(request.invocation.lut);
    m_searchPage->setLossConfig(request.config);
    m_searchPage->setTargets(request.config.targets);  // a family spread by the search (front K) shows them at its first epoch
    if (request.runsPath.empty())
        m_request.runsPath = storePath().toStdString();
    m_eta = -1;
    m_progress->setFormat(QStringLiteral("%p%"));
    setProgress(0, tr("Preparing: loading the data and the latency table…"));
    m_controller->start(m_request);
}

void MainWindow::onFinished(const SearchResult &r)
{
    m_progress->setFormat(QStringLiteral("%p%"));
    if (r.stopped)  // the bar stays where the search stopped
        setProgress(m_progress->value(), tr("Search stopped at %1% (%2 of %3 epochs done); resume it from the Runs tab.")
                                             .arg(m_progress->value())
                                             .arg(r.epochsCompleted)
                                             .arg(m_epochs));
    else
        setProgress(100, tr("Search finished in %1.").arg(clockDuration(r.seconds)));
    refreshRuns();
    if (m_searchRunId && m_session->open(m_searchRunId))  // the Pareto and Architecture tabs show the finished run
        waitForOpenRun();
    Q_EMIT searchDone(true);
}

void MainWindow::trainArchitectures(const EvaluateRequest &request)
{
    if (m_controller->isRunning() || m_evaluator->isRunning() || m_baseline->isRunning())
        return;
    EvaluateRequest r = request;
    if (r.runsPath.empty())
        r.runsPath = storePath().toStdString();
    setProgress(0, tr("Loading data for training…"));
    m_trainingRunId = r.runId;
    m_evaluator->start(r);
    updateActions();
}

void MainWindow::trainAndExport(const studio::TrainExportPlan &plan)
{
    if (m_controller->isRunning() || m_evaluator->isRunning() || m_baseline->isRunning())
        return;
    m_pendingExport = std::make_unique<studio::TrainExportPlan>(plan);
    m_searchPage->appendLine(tr("Train & export: training %1, then writing %2.").arg(plan.describe, plan.onnxPath));
    trainArchitectures(plan.training);
}

void MainWindow::finishTrainAndExport(bool trained)
{
    if (!m_pendingExport)
        return;
    const studio::TrainExportPlan plan = *m_pendingExport;
    m_pendingExport.reset();
    RunStore *store = m_session->store();
    if (!trained || !store) {
        const QString why = tr("Train & export: the training of %1 did not finish; nothing exported.").arg(plan.describe);
        m_status->setText(why);
        Q_EMIT trainAndExportDone({}, why);
        return;
    }
    const studio::ExportReport report = studio::writeOnnxModel(*store, plan.training.runId, plan.onnxPath, plan.targetMs);
    if (!report.error.isEmpty()) {
        showError(tr("Export failed"), report.error);
        Q_EMIT trainAndExportDone({}, report.error);
        return;
    }
    statusBar()->showMessage(report.message(), 30000);
    m_searchPage->appendLine(report.message());
    if (m_showDialogs)
        QMessageBox::information(this, tr("Trained model written"), report.summary);
    Q_EMIT trainAndExportDone(plan.onnxPath, report.message());
}

void MainWindow::startBaseline(const BaselineRequest &request)
{
    if (m_controller->isRunning() || m_evaluator->isRunning() || m_baseline->isRunning())
        return;
    BaselineRequest r = request;
    if (r.runsPath.empty())
        r.runsPath = storePath().toStdString();
    setProgress(0, tr("Random baseline: loading data…"));
    m_baseline->start(r);
    updateActions();
}

} // namespace fbnet
