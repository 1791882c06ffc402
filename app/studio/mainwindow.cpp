#include "mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFile>
#include <QFileDialog>
#include <QMenuBar>
#include <QSettings>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

#include <cstdio>

#include "devicesview.h"
#include "metricsplot.h"
#include "newsearchdialog.h"
#include "thetaheatmap.h"

namespace fbnet {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_controller(new SearchController(this)), m_heatmap(new ThetaHeatmap(this)),
      m_metrics(new MetricsPlot(this)), m_devices(new DevicesView(this)), m_tabs(new QTabWidget(this)), m_result(new QPlainTextEdit(this)), m_progress(new QProgressBar(this)),
      m_status(new QLabel(tr("Ready. Start a search with File ▸ New search (Ctrl+N)."), this))
{
    setWindowTitle(tr("FBNet Studio"));
    auto *file = menuBar()->addMenu(tr("&File"));
    auto *tb = addToolBar(tr("Search"));
    tb->setObjectName(QStringLiteral("searchToolbar"));
    m_newAction = tb->addAction(tr("New search…"), this, &MainWindow::newSearch);
    m_newAction->setShortcut(QKeySequence::New);
    m_pauseAction = tb->addAction(tr("Pause"), this, [this] {
        if (m_controller->isPaused())
            m_controller->resume();
        else
            m_controller->pause();
        updateActions();
    });
    m_pauseAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    m_stopAction = tb->addAction(tr("Stop"), m_controller, &SearchController::stop);
    m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    file->addAction(m_newAction);
    file->addSeparator();
    m_exportArchAction = file->addAction(tr("Export architecture (JSON)…"), this, &MainWindow::exportArchitecture);
    m_exportArchAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exportPlotsAction = file->addAction(tr("Export plots (PNG or PDF)…"), this, &MainWindow::exportPlots);
    m_exportCsvAction = file->addAction(tr("Export metrics (CSV)…"), this, &MainWindow::exportMetrics);
    file->addSeparator();
    file->addAction(tr("Quit"), QKeySequence::Quit, this, &QWidget::close);

    auto *right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_metrics);
    m_result->setReadOnly(true);
    m_result->setPlaceholderText(tr("The chosen architecture appears here when the search ends."));
    right->addWidget(m_result);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_heatmap);
    split->addWidget(right);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 1);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 4);
    m_tabs->addTab(split, tr("Search"));
    m_tabs->addTab(m_devices, tr("Devices"));
    m_devices->select(QStringLiteral("fbnet-imagenet"), QStringLiteral("s8"), QStringLiteral("iphonex"));
    setCentralWidget(m_tabs);
    m_progress->setMaximumWidth(260);
    m_progress->setFormat(tr("%p%"));
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_progress);

    connect(m_controller, &SearchController::started, this, &MainWindow::onStarted);
    connect(m_controller, &SearchController::stepped, this, &MainWindow::onStep);
    connect(m_controller, &SearchController::epochEnded, this, &MainWindow::onEpoch);
    connect(m_controller, &SearchController::finished, this, &MainWindow::onFinished);
    connect(m_controller, &SearchController::failed, this, &MainWindow::onFailed);
    connect(m_controller, &SearchController::runningChanged, this, &MainWindow::updateActions);
    connect(m_controller, &SearchController::lutProgress, this, [this](int done, int total) {
        m_status->setText(tr("First use of this CPU as target: measuring its latency table, op %1 of %2…").arg(done).arg(total));
        m_progress->setValue(total > 0 ? 100 * done / total : 0);
    });
    connect(m_controller, &SearchController::saved, this, [this](const QString &dir) {
        m_runDir = dir;
        m_result->appendPlainText(tr("Saved to %1").arg(dir));
        updateActions();
    });
    resize(1280, 760);
    restoreSettings();
    updateActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::showTab(const QString &name)
{
    m_tabs->setCurrentIndex(name == QLatin1String("devices") ? 1 : 0);
}

void MainWindow::newSearch()
{
    NewSearchDialog dialog(this);
    dialog.setRequest(m_request);
    if (dialog.exec() == QDialog::Accepted)
        startSearch(dialog.request());
}

void MainWindow::startSearch(const SearchRequest &request)
{
    m_request = request;
    m_steps = 0;
    m_epochs = request.config.epochs;
    m_metrics->clear();
    m_result->clear();
    m_runDir.clear();
    m_progress->setValue(0);
    m_status->setText(tr("Loading data and latency table…"));
    m_controller->start(request);
}

void MainWindow::onStarted(const QStringList &candidates, int layers, const QString &summary)
{
    m_heatmap->setCandidates(candidates, layers);
    m_status->setText(tr("Searching: %1").arg(summary));
}

void MainWindow::onStep(const StepStats &s)
{
    ++m_steps;
    m_metrics->addPoint(s.elapsedSeconds, s.loss, s.accuracy, s.expectedLatencyMs);
    const double done = s.elapsedSeconds / std::max(1e-9, s.elapsedSeconds + s.etaSeconds);
    m_progress->setValue(int(100 * done));
    m_status->setText(tr("Epoch %1/%2 · %3 step %4/%5 · loss %6 · E[latency] %7 ms · τ %8 · %9 img/s · ETA %10 s")
                          .arg(s.epoch + 1)
                          .arg(m_epochs)
                          .arg(s.phase == Phase::Weights ? tr("weights") : tr("θ"))
                          .arg(s.step + 1)
                          .arg(s.stepsInPhase)
                          .arg(s.loss, 0, 'f', 3)
                          .arg(s.expectedLatencyMs, 0, 'f', 2)
                          .arg(s.temperature, 0, 'f', 2)
                          .arg(s.imagesPerSecond, 0, 'f', 0)
                          .arg(s.etaSeconds, 0, 'f', 0));
}

void MainWindow::onEpoch(const EpochStats &e)
{
    m_heatmap->addEpoch(e.probabilities);
    QString line = tr("epoch %1: weights accuracy %2%").arg(e.epoch + 1).arg(e.weightsAccuracy * 100, 0, 'f', 1);
    if (e.thetaTrained)
        line += tr(", θ accuracy %1%").arg(e.thetaAccuracy * 100, 0, 'f', 1);
    line += tr(", E[latency] %1 ms, argmax %2 ms").arg(e.expectedLatencyMs, 0, 'f', 2).arg(e.argmaxLatencyMs, 0, 'f', 2);
    m_result->appendPlainText(line);
}

void MainWindow::onFinished(const SearchResult &r)
{
    m_progress->setValue(100);
    if (!r.samples.empty()) {
        const auto &best = r.samples.front();
        m_result->appendPlainText(tr("\n%1 after %2 epoch(s). Chosen architecture (argmax of softmax(θ)):\n%3\nMACs %4 M · params %5 M · %6 ms on the target device")
                                      .arg(r.stopped ? tr("Stopped") : tr("Finished"))
                                      .arg(r.epochsCompleted)
                                      .arg(QString::fromStdString(best.architecture.blocksString()))
                                      .arg(best.macs / 1e6, 0, 'f', 2)
                                      .arg(best.params / 1e6, 0, 'f', 2)
                                      .arg(best.latencyMs, 0, 'f', 3));
    }
    m_status->setText(r.stopped ? tr("Search stopped.") : tr("Search finished in %1 s.").arg(r.seconds, 0, 'f', 0));
    Q_EMIT searchDone(true);
}

void MainWindow::onFailed(const QString &message)
{
    m_status->setText(tr("Search failed."));
    if (m_showDialogs)
        QMessageBox::critical(this, tr("Search failed"), message);
    else
        std::fprintf(stderr, "fbnet-studio: %s\n", message.toUtf8().constData());
    Q_EMIT searchDone(false);
}

void MainWindow::updateActions()
{
    const bool running = m_controller->isRunning();
    m_newAction->setEnabled(!running);
    m_pauseAction->setEnabled(running);
    m_pauseAction->setText(m_controller->isPaused() ? tr("Resume") : tr("Pause"));
    m_stopAction->setEnabled(running);
    const bool haveRun = !running && !m_runDir.isEmpty();
    m_exportArchAction->setEnabled(haveRun);
    m_exportCsvAction->setEnabled(haveRun);
    m_exportPlotsAction->setEnabled(m_metrics->pointCount() > 0);
}

namespace {
bool copyReplacing(const QString &from, const QString &to)
{
    QFile::remove(to);
    return QFile::copy(from, to);
}
} // namespace

void MainWindow::exportArchitecture()
{
    const QString to = QFileDialog::getSaveFileName(this, tr("Export architecture"), QStringLiteral("architecture.json"),
                                                    tr("Architecture JSON (*.json)"));
    if (!to.isEmpty() && !copyReplacing(m_runDir + QStringLiteral("/architecture.json"), to))
        QMessageBox::warning(this, tr("Export failed"), tr("Cannot write %1.").arg(to));
}

void MainWindow::exportMetrics()
{
    const QString to = QFileDialog::getSaveFileName(this, tr("Export metrics"), QStringLiteral("epochs.csv"), tr("CSV (*.csv)"));
    if (!to.isEmpty() && !copyReplacing(m_runDir + QStringLiteral("/epochs.csv"), to))
        QMessageBox::warning(this, tr("Export failed"), tr("Cannot write %1.").arg(to));
}

void MainWindow::exportPlots()
{
    const QString to = QFileDialog::getSaveFileName(this, tr("Export plots"), QStringLiteral("fbnet-curves.png"),
                                                    tr("PNG image (*.png);;PDF document (*.pdf)"));
    if (to.isEmpty())
        return;
    const QString stem = to.left(to.lastIndexOf(QLatin1Char('.')));
    const QString ext = to.mid(to.lastIndexOf(QLatin1Char('.')));
    const bool ok = m_metrics->save(stem + ext) && m_heatmap->save(stem + QStringLiteral("-theta") + ext);
    if (!ok)
        QMessageBox::warning(this, tr("Export failed"), tr("Cannot write %1 (use .png or .pdf).").arg(to));
}

void MainWindow::restoreSettings()
{
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    m_request.space = s.value(QStringLiteral("search/space"), QString::fromStdString(m_request.space)).toString().toStdString();
    m_request.config.epochs = s.value(QStringLiteral("search/epochs"), m_request.config.epochs).toInt();
    m_request.config.warmupEpochs = s.value(QStringLiteral("search/warmup"), m_request.config.warmupEpochs).toInt();
    m_request.config.batchSize = s.value(QStringLiteral("search/batch"), m_request.config.batchSize).toInt();
    m_request.subset = s.value(QStringLiteral("search/subset"), qulonglong(m_request.subset)).toULongLong();
}

void MainWindow::saveSettings()
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("search/space"), QString::fromStdString(m_request.space));
    s.setValue(QStringLiteral("search/epochs"), m_request.config.epochs);
    s.setValue(QStringLiteral("search/warmup"), m_request.config.warmupEpochs);
    s.setValue(QStringLiteral("search/batch"), m_request.config.batchSize);
    s.setValue(QStringLiteral("search/subset"), qulonglong(m_request.subset));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // Stop cleanly: the controller's destructor waits for the worker to leave the search.
    m_controller->resume();
    m_controller->stop();
    saveSettings();
    event->accept();
}

} // namespace fbnet
