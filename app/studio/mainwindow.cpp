#include "mainwindow.h"

#include <QAction>
#include <QCloseEvent>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

#include <cstdio>

#include "pages/architecturepage.h"
#include "archdiagram.h"
#include "devicesview.h"
#include "devicekit.h"
#include "exports.h"
#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "metricsplot.h"
#include "newsearchdialog.h"
#include "pages/paretopage.h"
#include "paretoview.h"
#include "runsession.h"
#include "pages/runspage.h"
#include "pages/searchpage.h"
#include "thetaheatmap.h"
#include "trainexport.h"
#include "plotexport.h"
#include "pages/explorerpage.h"
#include "explorermodel.h"
#include "runsmodel.h"
#include "welcomepanel.h"

namespace fbnet {

using studio::OpenRun;

MainWindow::MainWindow(QWidget *parent, const QString &storePath)
    : QMainWindow(parent), m_session(new studio::RunSession(this)), m_controller(new SearchController(this)),
      m_evaluator(new EvaluateController(this)), m_baseline(new BaselineController(this)), m_searchPage(new studio::SearchPage(this)),
      m_runsPage(new studio::RunsPage(m_session, this)), m_paretoPage(new studio::ParetoPage(m_session, this)),
      m_archPage(new studio::ArchitecturePage(this)), m_explorerPage(new studio::ExplorerPage(m_session, this)), m_devices(new DevicesView(this)), m_tabs(new QTabWidget(this)),
      m_progress(new QProgressBar(this)), m_status(new QLabel(tr("Ready. Start a search with File ▸ New search (Ctrl+N)."), this))
{
    setWindowTitle(tr("FBNet Studio"));
    buildActions();
    m_tabs->addTab(m_searchPage, tr("Search"));
    m_tabs->addTab(m_runsPage, tr("Runs"));
    m_tabs->addTab(m_paretoPage, tr("Pareto"));
    m_tabs->addTab(m_archPage, tr("Architecture"));
    m_tabs->addTab(m_explorerPage, tr("Explorer"));
    m_tabs->addTab(m_devices, tr("Devices"));
    m_devices->select(QStringLiteral("fbnet-imagenet"), QStringLiteral("s8"), QStringLiteral("iphonex"));
    setCentralWidget(m_tabs);
    m_progress->setMaximumWidth(260);
    m_progress->setFormat(tr("%p%"));
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_progress);
    connectPages();
    connectSearch();
    connectJobs();
    resize(1280, 760);
    studio::restoreSettings(this, m_request);
    if (!storePath.isEmpty())
        setStorePath(storePath);
    refreshRuns();
    updateActions();
}

MainWindow::~MainWindow() = default;

ThetaHeatmap *MainWindow::heatmap() { return m_searchPage->heatmap(); }
MetricsPlot *MainWindow::metrics() { return m_searchPage->metrics(); }
QString MainWindow::searchLog() const { return m_searchPage->logText(); }
RunsModel *MainWindow::runsModel() { return m_runsPage->model(); }
ParetoView *MainWindow::pareto() { return m_paretoPage->view(); }
ArchitectureDiagram *MainWindow::diagram() { return m_archPage->diagram(); }
QString MainWindow::storePath() const { return m_session->storePath(); }
qint64 MainWindow::currentRun() const { return m_session->currentId(); }

void MainWindow::buildActions()
{
    auto *file = menuBar()->addMenu(tr("&File"));
    auto *tb = addToolBar(tr("Search"));
    tb->setObjectName(QStringLiteral("searchToolbar"));
    m_newAction = tb->addAction(tr("New search…"), this, &MainWindow::newSearch);
    m_newAction->setShortcut(QKeySequence::New);
    m_pauseAction = tb->addAction(tr("Pause"), this, [this] {
        if (m_controller->isPaused()) {
            m_controller->resume();
            m_progress->setFormat(QStringLiteral("%p%"));
            m_status->setText(tr("Resumed at %1%.").arg(m_progress->value()));
        } else {
            m_controller->pause();
            m_progress->setFormat(tr("%p% · paused"));
            m_status->setText(tr("Paused at %1% (within the current step). Resume (Ctrl+P) continues; Stop keeps the run resumable.")
                                  .arg(m_progress->value()));
        }
        updateActions();
    });
    m_pauseAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    m_stopAction = tb->addAction(tr("Stop"), this, [this] {
        m_controller->stop();
        m_evaluator->stop();
        m_baseline->stop();
    });
    m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    file->addAction(m_newAction);
    file->addSeparator();
    // Every export says what it wrote (the status bar), or why it could not.
    auto reportFailure = [this](const studio::ExportReport &report) {
        if (!report.error.isEmpty())
            showError(tr("Export failed"), report.error);
        else if (!report.written.isEmpty())
            statusBar()->showMessage(report.message(), 15000);
    };
    auto withStore = [this, reportFailure](auto exporter) {
        return [this, reportFailure, exporter] {
            if (RunStore *store = m_session->store())
                reportFailure(exporter(*store));
        };
    };
    m_exportArchAction = file->addAction(tr("Export architecture (JSON)…"), this,
                                         withStore([this](RunStore &s) { return studio::exportArchitecture(this, s, currentRun(), false, m_searchPage->shownTargetMs()); }));
    m_exportArchAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exportMvAction = file->addAction(tr("Export architecture (mobile-vision arch_def)…"), this,
                                       withStore([this](RunStore &s) { return studio::exportArchitecture(this, s, currentRun(), true, m_searchPage->shownTargetMs()); }));
    m_exportOnnxAction = file->addAction(tr("Export model (ONNX)…"), this,
                                         withStore([this](RunStore &s) { return studio::exportOnnxModel(this, s, currentRun(), m_searchPage->shownTargetMs()); }));
    m_trainExportAction = file->addAction(tr("Train && export model (ONNX)…"), this, [this] {
        RunStore *store = m_session->store();
        if (!store)
            return;
        try {
            if (const auto plan = studio::askTrainAndExport(this, *store, currentRun(), m_searchPage->shownTargetMs()))
                trainAndExport(*plan);
        } catch (const std::exception &e) {
            showError(tr("Cannot train and export"), QString::fromStdString(e.what()));
        }
    });
    m_trainExportAction->setToolTip(tr("Train the architecture the run hands back, keep its weights, export it as ONNX with them"));
    m_exportPlotsAction = file->addAction(tr("Export plots (PNG, PDF or SVG)…"), this, [this, reportFailure] {
        reportFailure(studio::exportPlots(this, metrics(), heatmap(), pareto(), diagram()));
    });
    m_exportCsvAction = file->addAction(tr("Export metrics (CSV)…"), this,
                                        withStore([this](RunStore &s) { return studio::exportMetrics(this, s, currentRun()); }));
    file->addSeparator();
    file->addAction(tr("Quit"), QKeySequence::Quit, this, &QWidget::close);
}

void MainWindow::connectPages()
{
    connect(m_devices, &DevicesView::createKitRequested, this, [this] {
        const QString error = studio::createMeasurementKit(this, m_devices->space(), m_devices->deviceA());
        if (!error.isEmpty())
            showError(tr("Cannot create the kit"), error);
    });
    connect(m_devices, &DevicesView::importKitRequested, this, [this] {
        QString error;
        const QString device = studio::importKitTimings(this, m_devices->space(), {m_devices->deviceA(), m_devices->deviceB()}, &error);
        if (!error.isEmpty())
            showError(tr("Cannot import the timings"), error);
        else if (!device.isEmpty())
            m_devices->showInstalled(device);
    });
    connect(m_session, &studio::RunSession::opened, this, &MainWindow::onOpened);
    connect(m_session, &studio::RunSession::followed, this, &MainWindow::refreshRuns);
    connect(m_session, &studio::RunSession::openFailed, this, [this](const QString &message) {
        showError(tr("Cannot open run"), message);
    });
    connect(m_runsPage, &studio::RunsPage::openRequested, this, [this](qint64 id) {
        if (openRun(id))
            showTab(QStringLiteral("search"));
    });
    auto *welcome = m_searchPage->welcome();
    connect(m_runsPage->model(), &QAbstractItemModel::modelReset, welcome, [this, welcome] {  // whatever re-read the store
        std::vector<RunRow> rows;
        for (int i = 0; i < m_runsPage->model()->rowCount(); ++i)
            rows.push_back(m_runsPage->model()->row(i));
        welcome->setRecentRuns(rows);
    });
    connect(welcome, &studio::WelcomePanel::newSearchRequested, this, &MainWindow::newSearch);
    connect(welcome, &studio::WelcomePanel::demoRequested, this, [this] { startSearch(studio::demoSearchRequest()); });
    connect(welcome, &studio::WelcomePanel::openRequested, this, &MainWindow::openRun);
    connect(welcome, &studio::WelcomePanel::devicesRequested, this, [this] {
        m_devices->select(QStringLiteral("fbnet-imagenet"), QStringLiteral("s8"), QStringLiteral("iphonex"));
        showTab(QStringLiteral("devices"));
    });
    connect(m_runsPage, &studio::RunsPage::resumeRequested, this, &MainWindow::resumeRun);
    connect(m_runsPage, &studio::RunsPage::compareRequested, this, &MainWindow::compareRuns);
    connect(m_runsPage, &studio::RunsPage::runDeleted, this, [this](qint64 id) {
        if (id == m_session->currentId()) {
            m_session->close();
            m_archPage->clearRun();
        }
    });
    connect(m_runsPage, &studio::RunsPage::message, m_status, &QLabel::setText);
    connect(m_runsPage, &studio::RunsPage::error, this, &MainWindow::showError);
    connect(m_paretoPage, &studio::ParetoPage::message, m_status, &QLabel::setText);
    connect(m_archPage, &studio::ArchitecturePage::message, m_status, &QLabel::setText);
    connect(m_explorerPage, &studio::ExplorerPage::message, m_status, &QLabel::setText);
    connect(m_explorerPage, &studio::ExplorerPage::compareRequested, this, [this](const std::vector<ArchitectureDiagram::Row> &rows) {
        m_archPage->showRows(rows);
        m_tabs->setCurrentWidget(m_archPage);
    });
    // The Explorer's read of the store also gives the Devices tab the store's best architectures.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if ((m_tabs->currentWidget() == m_explorerPage || m_tabs->currentWidget() == m_devices) && m_explorerStale) {
            m_explorerStale = false;
            m_explorerPage->reload();
        }
    });
    connect(m_explorerPage, &studio::ExplorerPage::loaded, this,
            [this] { m_devices->setStoreArchitectures(bestExplorerArchitectures(m_explorerPage->model()->rows(), 12)); });
    connect(m_paretoPage, &studio::ParetoPage::trainRequested, this, &MainWindow::trainArchitectures);
    connect(m_paretoPage, &studio::ParetoPage::baselineRequested, this, &MainWindow::startBaseline);
    connect(m_paretoPage, &studio::ParetoPage::architectureSelected, this, [this](qint64 id, const QString &name) {
        if (!id)
            return;
        m_status->setText(tr("Selected %1: shown beside the argmax in the Architecture tab.").arg(name));
        m_archPage->compareWithArchitecture(id);
    });
}

void MainWindow::setStorePath(const QString &path)
{
    m_session->setStorePath(path);
    m_request.runsPath = path.toStdString();
    m_archPage->clearRun();
}

void MainWindow::showError(const QString &title, const QString &message)
{
    if (m_showDialogs)
        QMessageBox::critical(this, title, message);
    else
        std::fprintf(stderr, "fbnet-studio: %s: %s\n", title.toUtf8().constData(), message.toUtf8().constData());
}

void MainWindow::setShowDialogs(bool on)
{
    m_showDialogs = on;
    m_runsPage->setShowDialogs(on);
}

void MainWindow::setProgress(int percent, const QString &status)
{
    m_progress->setValue(percent);
    m_status->setText(status);
}

void MainWindow::refreshRuns()
{
    m_runsPage->refresh();
    // The Explorer reads the whole store: now if it is shown, else when it is next shown.
    m_explorerStale = true;
    if (m_tabs->currentWidget() == m_explorerPage || m_tabs->currentWidget() == m_devices) {
        m_explorerStale = false;
        m_explorerPage->reload();
    }
    updateActions();
}

bool MainWindow::openRun(qint64 runId)
{
    QString error;
    if (!m_session->open(runId, &error)) {
        showError(tr("Cannot open run"), error);
        return false;
    }
    if (runId != m_searchRunId || !m_controller->isRunning())
        m_searchRunId = 0;  // an explicit open shows the stored run, also in the Search tab
    m_status->setText(tr("Opening run %1…").arg(runId));
    updateActions();
    return true;
}

bool MainWindow::waitForOpenRun(int timeoutMs)
{
    return m_session->waitUntilOpen(timeoutMs);
}

void MainWindow::onOpened(const std::shared_ptr<const OpenRun> &run)
{
    const RunInfo &r = run->run;
    // The run a search is recording keeps its live Search tab; any other run shows its record there.
    if (r.id != m_searchRunId)
        m_searchPage->showRun(*run);
    else if (r.kind == "search")
        m_searchPage->showConvergence(run->context.space, run->epochs);  // the live views stay; the verdict joins them
    m_paretoPage->showRun(run);
    m_archPage->showRun(run);
    m_runsPage->selectRun(r.id);
    m_devices->follow(QString::fromStdString(r.space), QString::fromStdString(r.lutDevice));
    if (!m_pendingCompare.isEmpty()) {
        const QString compare = std::exchange(m_pendingCompare, QString());
        if (!m_archPage->selectComparison(compare))
            showError(tr("Cannot compare"), QString::fromStdString(compare.toStdString() + ": not an architecture of this run's space"));
    }
    if (r.id != m_searchRunId)
        m_status->setText(tr("Opened run '%1' (%2, %3).").arg(QString::fromStdString(r.name), QString::fromStdString(r.kind),
                                                              QString::fromStdString(r.status)));
    updateActions();
    Q_EMIT runOpened(r.id);
}

bool MainWindow::openRunByName(const QString &nameOrId, const QString &compareWith)
{
    RunStore *store = m_session->store();
    if (!store)
        return false;
    try {
        const RunInfo r = store->run(nameOrId.toStdString());
        m_pendingCompare = compareWith;
        if (!openRun(r.id) || !waitForOpenRun())
            return false;
        return compareWith.isEmpty() || m_archPage->selectComparison(compareWith);
    } catch (const std::exception &e) {
        showError(tr("Cannot open run"), QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::compareRuns(qint64 first, qint64 second)
{
    m_pendingCompare = QStringLiteral("run:%1").arg(second);
    if (openRun(first))
        showTab(QStringLiteral("architecture"));
}

void MainWindow::showTab(const QString &name)
{
    for (int i = 0; i < m_tabs->count(); ++i)
        if (m_tabs->tabText(i).compare(name, Qt::CaseInsensitive) == 0)
            m_tabs->setCurrentIndex(i);
}

void MainWindow::updateActions()
{
    // One job at a time: a search, a training and a baseline would share the cores.
    const bool running = m_controller->isRunning();
    const bool busy = running || m_evaluator->isRunning() || m_baseline->isRunning();
    m_newAction->setEnabled(!busy);
    m_pauseAction->setEnabled(running);
    m_pauseAction->setText(m_controller->isPaused() ? tr("Resume") : tr("Pause"));
    m_stopAction->setEnabled(busy);
    m_paretoPage->setBusy(busy);
    const bool haveRun = !running && currentRun() != 0;
    m_exportArchAction->setEnabled(haveRun);
    m_exportOnnxAction->setEnabled(haveRun);
    m_trainExportAction->setEnabled(haveRun && !busy);
    m_exportMvAction->setEnabled(haveRun);
    m_exportCsvAction->setEnabled(haveRun);
    m_exportPlotsAction->setEnabled(m_searchPage->metrics()->pointCount() > 0);
    m_runsPage->setBusy(busy, [this](qint64 id) {
        return (m_controller->isRunning() && id == m_searchRunId) || (m_evaluator->isRunning() && id == m_trainingRunId);
    });
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // Stop cleanly: the job threads wait for their jobs (a stopped training stores nothing half-done).
    m_controller->resume();
    m_controller->stop();
    m_evaluator->stop();
    m_baseline->stop();
    studio::saveSettings(this, m_request);
    event->accept();
}

} // namespace fbnet
