#include "mainwindow.h"

#include "filedialogs.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFile>
#include <QMenuBar>
#include <QSettings>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QVBoxLayout>

#include <cstdio>

#include "archdiagram.h"
#include "devicesview.h"
#include "fbnet/error.h"
#include "fbnet/mobilevision.h"
#include "fbnet/report.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"
#include "fbnet/storedsearch.h"
#include "metricsplot.h"
#include "newsearchdialog.h"
#include "paretoview.h"
#include "runsmodel.h"
#include "thetaheatmap.h"

namespace fbnet {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_controller(new SearchController(this)), m_evaluator(new EvaluateController(this)), m_heatmap(new ThetaHeatmap(this)),
      m_metrics(new MetricsPlot(this)), m_devices(new DevicesView(this)), m_tabs(new QTabWidget(this)), m_result(new QPlainTextEdit(this)), m_progress(new QProgressBar(this)),
      m_status(new QLabel(tr("Ready. Start a search with File ▸ New search (Ctrl+N)."), this)),
      m_runsModel(new RunsModel(this)), m_runsProxy(new QSortFilterProxyModel(this)), m_runsView(new QTableView(this)),
      m_runDetail(new QPlainTextEdit(this)), m_pareto(new ParetoView(this)), m_paretoDevice(new QComboBox(this)),
      m_trainButton(new QPushButton(tr("Train architectures…"), this)),
      m_diagram(new ArchitectureDiagram(this)), m_compareWith(new QComboBox(this)),
      m_storePath(QString::fromStdString(RunStore::defaultPath()))
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
    m_stopAction = tb->addAction(tr("Stop"), this, [this] {
        m_controller->stop();
        m_evaluator->stop();
    });
    m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    file->addAction(m_newAction);
    file->addSeparator();
    m_exportArchAction = file->addAction(tr("Export architecture (JSON)…"), this, &MainWindow::exportArchitecture);
    m_exportArchAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exportMvAction = file->addAction(tr("Export architecture (mobile-vision arch_def)…"), this, [this] {
        const QString to = studio::getSaveFileName(this, tr("Export arch_def"), QStringLiteral("arch_def.json"), tr("JSON (*.json)"));
        if (to.isEmpty() || !store())
            return;
        try {
            for (const auto &a : store()->architectures(m_runId))
                if (a.role == "argmax") {
                    const RunContext &ctx = runContext();
                    writeTextFileAtomic(to.toStdString(), toMobileVisionArchDef(ctx.space, a.architecture));
                    return;
                }
            showError(tr("Export failed"), tr("This run has no argmax architecture yet."));
        } catch (const std::exception &e) {
            showError(tr("Export failed"), QString::fromStdString(e.what()));
        }
    });
    m_exportPlotsAction = file->addAction(tr("Export plots (PNG, PDF or SVG)…"), this, &MainWindow::exportPlots);
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

    // Runs: the browser over the store.
    auto *runsPage = new QWidget(this);
    auto *runsLayout = new QVBoxLayout(runsPage);
    auto *runsButtons = new QHBoxLayout;
    m_openButton = new QPushButton(tr("Open"), runsPage);
    m_resumeButton = new QPushButton(tr("Resume"), runsPage);
    m_renameButton = new QPushButton(tr("Rename…"), runsPage);
    m_deleteButton = new QPushButton(tr("Delete"), runsPage);
    m_compareButton = new QPushButton(tr("Compare two"), runsPage);
    auto *refresh = new QPushButton(tr("Refresh"), runsPage);
    for (auto *b : {m_openButton, m_resumeButton, m_renameButton, m_deleteButton, m_compareButton, refresh})
        runsButtons->addWidget(b);
    runsButtons->addStretch(1);
    auto *storeLabel = new QLabel(runsPage);
    storeLabel->setObjectName(QStringLiteral("storeLabel"));
    storeLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    runsButtons->addWidget(storeLabel);
    runsLayout->addLayout(runsButtons);
    m_runsProxy->setSourceModel(m_runsModel);
    m_runsProxy->setSortRole(Qt::DisplayRole);
    m_runsView->setModel(m_runsProxy);
    m_runsView->setSortingEnabled(true);
    m_runsView->sortByColumn(RunsModel::Created, Qt::DescendingOrder);
    m_runsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runsView->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_runsView->horizontalHeader()->setStretchLastSection(true);
    m_runsView->verticalHeader()->hide();
    m_runsView->setAlternatingRowColors(true);
    m_runDetail->setReadOnly(true);
    m_runDetail->setPlaceholderText(tr("Select a run."));
    auto *runsSplit = new QSplitter(Qt::Vertical, runsPage);
    runsSplit->addWidget(m_runsView);
    runsSplit->addWidget(m_runDetail);
    runsSplit->setStretchFactor(0, 3);
    runsSplit->setStretchFactor(1, 2);
    runsLayout->addWidget(runsSplit, 1);
    m_tabs->addTab(runsPage, tr("Runs"));
    connect(refresh, &QPushButton::clicked, this, &MainWindow::refreshRuns);
    connect(m_openButton, &QPushButton::clicked, this, [this] {
        const auto ids = selectedRuns();
        if (!ids.isEmpty() && openRun(ids.front()))
            showTab(QStringLiteral("search"));
    });
    connect(m_runsView, &QTableView::doubleClicked, m_openButton, &QPushButton::click);
    connect(m_resumeButton, &QPushButton::clicked, this, &MainWindow::resumeSelected);
    connect(m_renameButton, &QPushButton::clicked, this, &MainWindow::renameSelected);
    connect(m_deleteButton, &QPushButton::clicked, this, &MainWindow::deleteSelected);
    connect(m_compareButton, &QPushButton::clicked, this, &MainWindow::compareSelected);
    connect(m_runsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const auto ids = selectedRuns();
        m_runDetail->clear();
        if (ids.size() == 1 && store()) {
            try {
                const RunInfo r = store()->run(ids.front());
                QString t = tr("%1 (id %2): %3 %4, %5 of compute\nspace %6 · data %7 · device %8 · seed %9\ncreated %10 · %11\n")
                                .arg(QString::fromStdString(r.name))
                                .arg(r.id)
                                .arg(QString::fromStdString(r.kind), QString::fromStdString(r.status))
                                .arg(QString::number(r.seconds / 60, 'f', 1) + tr(" min"))
                                .arg(QString::fromStdString(r.space), QString::fromStdString(r.dataset), QString::fromStdString(r.lutDevice))
                                .arg(r.seed)
                                .arg(QString::fromStdString(r.createdAt), QString::fromStdString(r.versions));
                if (!r.error.empty())
                    t += tr("error: %1\n").arg(QString::fromStdString(r.error));
                for (const auto &a : store()->architectures(r.id)) {
                    const auto ev = store()->evaluations(a.id);
                    t += QStringLiteral("\n%1 %2: %3 ms, %4M MACs%5\n  %6")
                             .arg(QString::fromStdString(a.role), QString::fromStdString(a.architecture.name))
                             .arg(a.lutMs, 0, 'f', 3)
                             .arg(a.macs / 1e6, 0, 'f', 2)
                             .arg(ev.empty() ? QString() : tr(", top-1 %1%").arg(ev.back().top1 * 100, 0, 'f', 2))
                             .arg(QString::fromStdString(a.architecture.blocksString()));
                }
                m_runDetail->setPlainText(t);
            } catch (const std::exception &e) {
                m_runDetail->setPlainText(QString::fromStdString(e.what()));
            }
        }
        updateActions();
    });
    storeLabel->setText(tr("Store: %1").arg(m_storePath));

    // Pareto: evaluated architectures of the open run and the random baselines of its space.
    auto *paretoPage = new QWidget(this);
    auto *paretoLayout = new QVBoxLayout(paretoPage);
    auto *paretoBar = new QHBoxLayout;
    paretoBar->addWidget(new QLabel(tr("Latency on:"), paretoPage));
    paretoBar->addWidget(m_paretoDevice);
    paretoBar->addStretch(1);
    m_trainButton->setToolTip(tr("Train the open run's argmax and samples that have no evaluation yet, and plot them"));
    paretoBar->addWidget(m_trainButton);
    paretoLayout->addLayout(paretoBar);
    connect(m_trainButton, &QPushButton::clicked, this, &MainWindow::trainOpenRun);
    connect(m_evaluator, &EvaluateController::runningChanged, this, &MainWindow::updateActions);
    connect(m_evaluator, &EvaluateController::progress, this,
            [this](int index, int total, const QString &name, int epoch, int epochs, double top1) {
                m_progress->setValue(100 * ((index - 1) * epochs + epoch) / std::max(1, total * epochs));
                m_status->setText(epoch == 0 ? tr("Training %1 (%2 of %3)…").arg(name).arg(index).arg(total)
                                             : tr("Training %1 (%2 of %3): epoch %4/%5, test top-1 %6%")
                                                   .arg(name).arg(index).arg(total).arg(epoch).arg(epochs)
                                                   .arg(top1 * 100, 0, 'f', 2));
            });
    connect(m_evaluator, &EvaluateController::evaluated, this, [this] { refreshPareto(); });
    connect(m_evaluator, &EvaluateController::finished, this, [this](int trained, int reused, bool stopped) {
        m_progress->setValue(100);
        m_status->setText((stopped ? tr("Training stopped: %1 architecture(s) trained, %2 already evaluated.")
                                   : tr("Training finished: %1 architecture(s) trained, %2 already evaluated."))
                              .arg(trained).arg(reused));
        refreshPareto();
        refreshRuns();
        Q_EMIT trainingDone(!stopped);
    });
    connect(m_evaluator, &EvaluateController::failed, this, [this](const QString &message) {
        m_status->setText(tr("Training failed."));
        showError(tr("Training failed"), message);
        Q_EMIT trainingDone(false);
    });
    paretoLayout->addWidget(m_pareto, 1);
    m_tabs->addTab(paretoPage, tr("Pareto"));
    connect(m_paretoDevice, &QComboBox::currentIndexChanged, this, &MainWindow::refreshPareto);
    connect(m_pareto, &ParetoView::selected, this, [this](qint64 id, const QString &name) {
        if (!id)
            return;
        m_status->setText(tr("Selected %1: shown beside the argmax in the Architecture tab.").arg(name));
        m_compareRunId = -id;  // negative: an architecture id
        refreshDiagram();
    });

    // Architecture: diagram of the argmax, compared with a published or selected one.
    auto *archPage = new QWidget(this);
    auto *archLayout = new QVBoxLayout(archPage);
    auto *archBar = new QHBoxLayout;
    archBar->addWidget(new QLabel(tr("Compare with:"), archPage));
    archBar->addWidget(m_compareWith);
    m_compareWith->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_compareWith->setMinimumContentsLength(18);
    m_paretoDevice->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_paretoDevice->setMinimumContentsLength(18);
    archBar->addStretch(1);
    archLayout->addLayout(archBar);
    archLayout->addWidget(m_diagram, 1);
    m_tabs->addTab(archPage, tr("Architecture"));
    connect(m_compareWith, &QComboBox::currentIndexChanged, this, [this] {
        m_compareRunId = 0;
        refreshDiagram();
    });
    m_tabs->addTab(m_devices, tr("Devices"));
    {
        const QSignalBlocker block(m_compareWith);
        for (const auto &name : publishedArchitectureNames()) {
            try {
                if (loadArchitecture(resolveArchitecturePath(name)).space == "fbnet-imagenet" && name != "fbnet-s8")
                    m_compareWith->addItem(QString::fromStdString(name), QString::fromStdString(name));
            } catch (const std::exception &) {
            }
        }
        m_compareWith->setCurrentIndex(std::max(0, m_compareWith->findData(QStringLiteral("fbnet-iphonex"))));
    }
    showPublishedComparison();
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
    connect(m_controller, &SearchController::runStored, this, [this](qint64 id, const QString &name, const QString &path) {
        m_runId = id;
        m_context.reset();
        m_result->appendPlainText(tr("Run '%1' (id %2) is recorded in %3; a stopped run resumes from the Runs tab.").arg(name).arg(id).arg(path));
        refreshRuns();
    });
    resize(1280, 760);
    restoreSettings();
    refreshRuns();
    updateActions();
}

const RunContext &MainWindow::runContext()
{
    // The open run's space and table, read once per run (every view needs them).
    if (!m_context || m_contextRun != m_runId) {
        m_context = std::make_shared<RunContext>(loadRunContext(store()->run(m_runId), m_storePath.toStdString()));
        m_contextRun = m_runId;
    }
    return *m_context;
}

RunStore *MainWindow::store()
{
    if (!m_store) {
        try {
            m_store = std::make_unique<RunStore>(m_storePath.toStdString());
        } catch (const std::exception &e) {
            m_status->setText(tr("Runs database unavailable: %1").arg(QString::fromStdString(e.what())));
            return nullptr;
        }
    }
    return m_store.get();
}

void MainWindow::setStorePath(const QString &path)
{
    m_store.reset();
    m_context.reset();
    m_storePath = path;
    m_request.runsPath = path.toStdString();
    if (auto *label = findChild<QLabel *>(QStringLiteral("storeLabel")))
        label->setText(tr("Store: %1").arg(path));
    refreshRuns();
}

void MainWindow::showError(const QString &title, const QString &message)
{
    if (m_showDialogs)
        QMessageBox::critical(this, title, message);
    else
        std::fprintf(stderr, "fbnet-studio: %s: %s\n", title.toUtf8().constData(), message.toUtf8().constData());
}

void MainWindow::refreshRuns()
{
    if (!store())
        return;
    try {
        m_runsModel->setRows(loadRunRows(*store()));
    } catch (const std::exception &e) {
        m_status->setText(QString::fromStdString(e.what()));
    }
    m_runsView->resizeColumnsToContents();
    updateActions();
}

QList<qint64> MainWindow::selectedRuns() const
{
    QList<qint64> ids;
    for (const auto &i : m_runsView->selectionModel()->selectedRows())
        ids << m_runsProxy->data(i, Qt::UserRole).toLongLong();
    return ids;
}

bool MainWindow::openRun(qint64 runId)
{
    if (!store())
        return false;
    try {
        const RunInfo r = store()->run(runId);
        const auto epochs = store()->epochs(runId);
        m_runId = runId;
        m_context.reset();
        m_compareRunId = 0;
        m_metrics->clear();
        m_metrics->setXLabel(tr("step"));
        int step = 0;
        for (const auto &s : store()->steps(runId))
            m_metrics->addPoint(++step, s.loss, s.accuracy, s.expectedLatencyMs);
        m_result->clear();
        if (r.kind == "search") {
            const RunContext &ctx = runContext();
            QStringList names;
            for (const auto &c : ctx.space.candidates)
                names << QString::fromStdString(c);
            m_heatmap->setCandidates(names, ctx.space.layerCount());
            for (const auto &e : epochs)
                onEpoch(e);
        }
        m_result->appendPlainText(tr("Run '%1' (%2, %3), %4 epoch(s) recorded.").arg(QString::fromStdString(r.name), QString::fromStdString(r.kind),
                                                                                  QString::fromStdString(r.status)).arg(epochs.size()));
        for (const auto &a : store()->architectures(runId))
            if (a.role == "argmax")
                m_result->appendPlainText(tr("Chosen architecture (argmax of softmax(θ)):\n%1\nMACs %2 M · params %3 M · %4 ms on %5")
                                              .arg(QString::fromStdString(a.architecture.blocksString()))
                                              .arg(a.macs / 1e6, 0, 'f', 2)
                                              .arg(a.params / 1e6, 0, 'f', 2)
                                              .arg(a.lutMs, 0, 'f', 3)
                                              .arg(QString::fromStdString(r.lutDevice)));
        fillRunChoices(r);
        refreshPareto();
        refreshDiagram();
        // Select it in the run browser, so its details show there too.
        const int row = m_runsModel->rowOf(runId);
        if (row >= 0)
            m_runsView->selectRow(m_runsProxy->mapFromSource(m_runsModel->index(row, 0)).row());
        m_status->setText(tr("Opened run '%1' (%2, %3).").arg(QString::fromStdString(r.name), QString::fromStdString(r.kind),
                                                              QString::fromStdString(r.status)));
        updateActions();
        return true;
    } catch (const std::exception &e) {
        showError(tr("Cannot open run"), QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::fillRunChoices(const RunInfo &r)
{
    // Devices that cover the run's space, the run's own first.
    {
        const QSignalBlocker block(m_paretoDevice);
        m_paretoDevice->clear();
        m_paretoDevice->addItem(QString::fromStdString(r.lutDevice) + tr(" (the run's)"), QString());
        for (const auto &name : lutNames())
            if (name.find(r.space) != std::string::npos && name.rfind(r.lutDevice + "-", 0) != 0)
                m_paretoDevice->addItem(QString::fromStdString(name.substr(0, name.size() - r.space.size() - 1)), QString::fromStdString(name));
    }
    {
        const QSignalBlocker block(m_compareWith);
        m_compareWith->clear();
        m_compareWith->addItem(tr("(nothing)"), QString());
        for (const auto &name : publishedArchitectureNames()) {
            try {
                if (loadArchitecture(resolveArchitecturePath(name)).space == r.space)
                    m_compareWith->addItem(QString::fromStdString(name), QString::fromStdString(name));
            } catch (const std::exception &) {
            }
        }
        for (const auto &other : store()->runs())
            if (other.id != r.id && other.space == r.space && other.kind == "search")
                m_compareWith->addItem(tr("argmax of %1").arg(QString::fromStdString(other.name)), QStringLiteral("run:%1").arg(other.id));
    }
}

void MainWindow::openRunViewsAfterSearch()
{
    try {
        fillRunChoices(store()->run(m_runId));
        refreshPareto();
        refreshDiagram();
    } catch (const std::exception &e) {
        m_status->setText(QString::fromStdString(e.what()));
    }
}

bool MainWindow::openRunByName(const QString &nameOrId, const QString &compareWith)
{
    if (!store())
        return false;
    try {
        if (!openRun(store()->run(nameOrId.toStdString()).id))
            return false;
        if (!compareWith.isEmpty()) {
            const int i = m_compareWith->findData(compareWith);
            if (i < 0)
                throw Error::at(compareWith.toStdString(), "", "not an architecture of this run's space");
            m_compareWith->setCurrentIndex(i);
        }
        return true;
    } catch (const std::exception &e) {
        showError(tr("Cannot open run"), QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::refreshPareto()
{
    if (!store() || !m_runId)
        return;
    try {
        const RunInfo r = store()->run(m_runId);
        const RunContext &ctx = runContext();
        const QString device = m_paretoDevice->currentData().toString();
        const LatencyTable lut = device.isEmpty() ? ctx.lut : LatencyTable::load(resolveLutPath(device.toStdString(), ctx.space.name));
        std::vector<ParetoItem> items;
        auto addRun = [&](const RunInfo &run, const QString &origin) {
            for (const auto &a : store()->architectures(run.id)) {
                const auto ev = store()->evaluations(a.id);
                if (ev.empty())
                    continue;
                ParetoItem it;
                it.id = a.id;
                it.name = QString::fromStdString(a.architecture.name) + (origin == QLatin1String("random") ? QString() : QString());
                it.origin = origin;
                it.latencyMs = lut.predict(ctx.space, a.architecture);
                it.accuracy = ev.back().top1;
                it.detail = QString::fromStdString(run.name + ": " + a.architecture.blocksString() + " · " + ev.back().dataset + ", "
                                                   + std::to_string(ev.back().epochs) + " epochs");
                items.push_back(it);
            }
        };
        addRun(r, r.kind == "random" ? QStringLiteral("random") : QStringLiteral("search"));
        for (const auto &other : store()->runs())
            if (other.kind == "random" && other.space == r.space && other.dataset == r.dataset && other.id != r.id)
                addRun(other, QStringLiteral("random"));
        m_pareto->setItems(std::move(items), tr("latency on %1 (ms, %2 table)").arg(QString::fromStdString(lut.device), QString::fromStdString(lut.provenanceKind)),
                           tr("top-1 on %1 (%)").arg(QString::fromStdString(r.dataset)));
    } catch (const std::exception &e) {
        m_status->setText(tr("Pareto view: %1").arg(QString::fromStdString(e.what())));
    }
}

void MainWindow::showPublishedComparison()
{
    // Before a run is open: the paper's two device-specific architectures side by side, each with
    // its latency on both devices' (modeled) tables.
    try {
        const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-imagenet"));
        std::vector<LatencyTable> tables;
        for (const char *d : {"s8", "iphonex"})
            tables.push_back(LatencyTable::load(resolveLutPath(d, space.name)));
        std::vector<ArchitectureDiagram::Row> rows;
        QString second = m_compareWith->currentData().toString();
        if (second.isEmpty())
            second = QStringLiteral("fbnet-iphonex");
        for (const QString &name : {QStringLiteral("fbnet-s8"), second}) {
            const Architecture a = loadArchitecture(resolveArchitecturePath(name.toStdString()));
            const NetworkPlan plan = resolve(space, a);
            const ArchCost cost = computeCost(plan);
            QString sub = tr("%1M MACs · %2M params").arg(cost.macs / 1e6, 0, 'f', 1).arg(cost.params / 1e6, 0, 'f', 2);
            for (const auto &t : tables)
                sub += tr(" · %1 ms on %2").arg(t.predict(plan), 0, 'f', 2).arg(QString::fromStdString(t.device));
            rows.push_back({name, plan, sub});
        }
        m_diagram->setRows(std::move(rows));
    } catch (const std::exception &e) {
        m_status->setText(tr("Architecture view: %1").arg(QString::fromStdString(e.what())));
    }
}

void MainWindow::refreshDiagram()
{
    if (!m_runId) {
        showPublishedComparison();
        return;
    }
    if (!store())
        return;
    try {
        const RunInfo r = store()->run(m_runId);
        const RunContext &ctx = runContext();
        std::vector<ArchitectureDiagram::Row> rows;
        auto rowOf = [&](const QString &title, const Architecture &a, const SearchSpace &space, const LatencyTable *lut) {
            const NetworkPlan plan = resolve(space, a);
            const ArchCost cost = computeCost(plan);
            QString sub = tr("%1M MACs · %2M params").arg(cost.macs / 1e6, 0, 'f', 2).arg(cost.params / 1e6, 0, 'f', 2);
            if (lut && lut->missing(space).empty())
                sub += tr(" · %1 ms on %2").arg(lut->predict(plan), 0, 'f', 2).arg(QString::fromStdString(lut->device));
            rows.push_back({title, plan, sub});
        };
        for (const auto &a : store()->architectures(m_runId))
            if (a.role == "argmax")
                rowOf(tr("%1: argmax").arg(QString::fromStdString(r.name)), a.architecture, ctx.space, &ctx.lut);
        if (m_compareRunId < 0) {
            const StoredArchitecture a = store()->architecture(-m_compareRunId);
            const RunInfo owner = store()->run(a.runId);
            rowOf(tr("%1: %2").arg(QString::fromStdString(owner.name), QString::fromStdString(a.architecture.name)), a.architecture, ctx.space, &ctx.lut);
        } else {
            const QString what = m_compareWith->currentData().toString();
            if (what.startsWith(QLatin1String("run:"))) {
                const qint64 other = what.mid(4).toLongLong();
                for (const auto &a : store()->architectures(other))
                    if (a.role == "argmax")
                        rowOf(tr("%1: argmax").arg(QString::fromStdString(store()->run(other).name)), a.architecture, ctx.space, &ctx.lut);
            } else if (!what.isEmpty()) {
                const Architecture a = loadArchitecture(resolveArchitecturePath(what.toStdString()));
                rowOf(what, a, ctx.space, &ctx.lut);
            }
        }
        m_diagram->setRows(std::move(rows));
    } catch (const std::exception &e) {
        m_status->setText(tr("Architecture view: %1").arg(QString::fromStdString(e.what())));
    }
}

void MainWindow::resumeSelected()
{
    const auto ids = selectedRuns();
    if (ids.size() != 1 || !store() || m_controller->isRunning())
        return;
    try {
        const RunInfo r = store()->run(ids.front());
        SearchRequest req = m_request;
        req.resume = std::to_string(r.id);
        req.runsPath = m_storePath.toStdString();
        req.config = searchConfigFromJson(r.configJson, m_storePath.toStdString() + ": run " + r.name);
        startSearch(req);
        showTab(QStringLiteral("search"));
    } catch (const std::exception &e) {
        showError(tr("Cannot resume"), QString::fromStdString(e.what()));
    }
}

void MainWindow::renameSelected()
{
    const auto ids = selectedRuns();
    if (ids.size() != 1 || !store())
        return;
    try {
        const RunInfo r = store()->run(ids.front());
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Rename run"), tr("New name:"), QLineEdit::Normal, QString::fromStdString(r.name), &ok);
        if (ok && !name.isEmpty())
            store()->renameRun(r.id, name.toStdString());
    } catch (const std::exception &e) {
        showError(tr("Cannot rename"), QString::fromStdString(e.what()));
    }
    refreshRuns();
}

void MainWindow::deleteSelected()
{
    const auto ids = selectedRuns();
    if (ids.isEmpty() || !store())
        return;
    if (m_showDialogs
        && QMessageBox::question(this, tr("Delete runs"), tr("Delete %n run(s) with their records and checkpoints?", nullptr, int(ids.size())))
               != QMessageBox::Yes)
        return;
    try {
        for (qint64 id : ids) {
            if ((m_controller->isRunning() && id == m_runId) || (m_evaluator->isRunning() && id == m_trainingRunId))
                continue;  // never pull a run from under the search or the training
            store()->deleteRun(id);
            if (id == m_runId)
                m_runId = 0;
        }
    } catch (const std::exception &e) {
        showError(tr("Cannot delete"), QString::fromStdString(e.what()));
    }
    refreshRuns();
}

void MainWindow::compareSelected()
{
    const auto ids = selectedRuns();
    if (ids.size() != 2)
        return;
    if (!openRun(ids[0]))
        return;
    const int i = m_compareWith->findData(QStringLiteral("run:%1").arg(ids[1]));
    if (i >= 0)
        m_compareWith->setCurrentIndex(i);
    showTab(QStringLiteral("architecture"));
}

MainWindow::~MainWindow() = default;

void MainWindow::showTab(const QString &name)
{
    for (int i = 0; i < m_tabs->count(); ++i)
        if (m_tabs->tabText(i).compare(name, Qt::CaseInsensitive) == 0)
            m_tabs->setCurrentIndex(i);
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
    m_metrics->setXLabel(tr("elapsed (s)"));
    m_result->clear();
    if (request.runsPath.empty())
        m_request.runsPath = m_storePath.toStdString();
    m_progress->setValue(0);
    m_status->setText(tr("Loading data and latency table…"));
    m_controller->start(m_request);
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
    m_status->setText(r.stopped ? tr("Search stopped; resume it from the Runs tab.") : tr("Search finished in %1 s.").arg(r.seconds, 0, 'f', 0));
    refreshRuns();
    if (m_runId && store())
        openRunViewsAfterSearch();
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
    // One job at a time: a search and a training run would share the two cores.
    const bool training = m_evaluator->isRunning();
    const bool running = m_controller->isRunning();
    m_newAction->setEnabled(!running && !training);
    m_pauseAction->setEnabled(running);
    m_pauseAction->setText(m_controller->isPaused() ? tr("Resume") : tr("Pause"));
    m_stopAction->setEnabled(running || training);
    m_trainButton->setEnabled(!running && !training && m_runId != 0);
    const bool haveRun = !running && m_runId != 0;
    m_exportArchAction->setEnabled(haveRun);
    m_exportMvAction->setEnabled(haveRun);
    m_exportCsvAction->setEnabled(haveRun);
    const auto ids = selectedRuns();
    bool resumable = false;
    if (ids.size() == 1) {
        const int row = m_runsModel->rowOf(ids.front());
        resumable = row >= 0 && m_runsModel->row(row).run.kind == "search" && m_runsModel->row(row).run.status != "finished";
    }
    m_openButton->setEnabled(ids.size() == 1);
    m_resumeButton->setEnabled(resumable && !running && !training);
    m_renameButton->setEnabled(ids.size() == 1);
    m_deleteButton->setEnabled(!ids.isEmpty());
    m_compareButton->setEnabled(ids.size() == 2);
    m_exportPlotsAction->setEnabled(m_metrics->pointCount() > 0);
}

void MainWindow::exportArchitecture()
{
    const QString to = studio::getSaveFileName(this, tr("Export architecture"), QStringLiteral("architecture.json"),
                                                    tr("Architecture JSON (*.json)"));
    if (to.isEmpty() || !store())
        return;
    try {
        for (const auto &a : store()->architectures(m_runId))
            if (a.role == "argmax") {
                saveArchitecture(a.architecture, to.toStdString());
                return;
            }
        showError(tr("Export failed"), tr("This run has no argmax architecture yet."));
    } catch (const std::exception &e) {
        showError(tr("Export failed"), QString::fromStdString(e.what()));
    }
}

void MainWindow::exportMetrics()
{
    const QString to = studio::getSaveFileName(this, tr("Export metrics"), QStringLiteral("epochs.csv"), tr("CSV (*.csv)"));
    if (to.isEmpty() || !store())
        return;
    try {
        writeTextFileAtomic(to.toStdString(), store()->epochsCsv(m_runId));
        const QString steps = to.left(to.lastIndexOf(QLatin1Char('.'))) + QStringLiteral("-steps.csv");
        writeTextFileAtomic(steps.toStdString(), store()->stepsCsv(m_runId));
    } catch (const std::exception &e) {
        showError(tr("Export failed"), QString::fromStdString(e.what()));
    }
}

void MainWindow::exportPlots()
{
    const QString to = studio::getSaveFileName(this, tr("Export plots"), QStringLiteral("fbnet-curves.png"),
                                                    tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)"));
    if (to.isEmpty())
        return;
    const QString stem = to.left(to.lastIndexOf(QLatin1Char('.')));
    const QString ext = to.mid(to.lastIndexOf(QLatin1Char('.')));
    const bool ok = m_metrics->save(stem + ext) && m_heatmap->save(stem + QStringLiteral("-theta") + ext)
        && m_pareto->save(stem + QStringLiteral("-pareto") + ext) && m_diagram->save(stem + QStringLiteral("-architecture") + ext);
    if (!ok)
        QMessageBox::warning(this, tr("Export failed"), tr("Cannot write %1 (use .png, .pdf or .svg).").arg(to));
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

void MainWindow::trainArchitectures(const EvaluateRequest &request)
{
    if (m_controller->isRunning() || m_evaluator->isRunning())
        return;
    EvaluateRequest r = request;
    if (r.runsPath.empty())
        r.runsPath = m_storePath.toStdString();
    m_progress->setValue(0);
    m_status->setText(tr("Loading data for training…"));
    m_trainingRunId = r.runId;
    m_evaluator->start(r);
    updateActions();
}

void MainWindow::trainOpenRun()
{
    if (m_runId == 0)
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Train architectures"));
    auto *form = new QFormLayout(&dialog);
    auto *epochs = new QSpinBox(&dialog);
    epochs->setRange(1, 200);
    epochs->setValue(2);
    auto *images = new QSpinBox(&dialog);
    images->setRange(100, 1000000);
    images->setSingleStep(1000);
    images->setValue(5000);
    auto *testImages = new QSpinBox(&dialog);
    testImages->setRange(100, 1000000);
    testImages->setSingleStep(500);
    testImages->setValue(2000);
    form->addRow(new QLabel(tr("Trains the open run's argmax and samples from scratch on its data set and stores\n"
                               "each top-1; architectures already evaluated with these settings are reused."), &dialog));
    form->addRow(tr("Epochs per architecture:"), epochs);
    form->addRow(tr("Training images:"), images);
    form->addRow(tr("Test images:"), testImages);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Train"));
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return;
    EvaluateRequest r;
    r.runId = m_runId;
    r.config.epochs = epochs->value();
    r.subset = std::size_t(images->value());
    r.testSubset = std::size_t(testImages->value());
    trainArchitectures(r);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // Stop cleanly: the controllers' destructors wait for their workers (a stopped training stores nothing half-done).
    m_controller->resume();
    m_controller->stop();
    m_evaluator->stop();
    saveSettings();
    event->accept();
}

} // namespace fbnet
