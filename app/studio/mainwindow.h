#pragma once

#include <QMainWindow>

#include <memory>

#include "evaluatecontroller.h"
#include "searchcontroller.h"

class QAction;
class QLabel;
class QProgressBar;
class QTabWidget;

namespace fbnet {

class ThetaHeatmap;
class MetricsPlot;
class DevicesView;
class RunsModel;
class ParetoView;
class ArchitectureDiagram;

namespace studio {
class RunSession;
struct TrainExportPlan;
class SearchPage;
class RunsPage;
class ParetoPage;
class ArchitecturePage;
class ExplorerPage;
struct OpenRun;
}

/**
 * The studio's window: composes the five pages (Search, Runs, Pareto, Architecture, Devices),
 * the menus and the status bar, and routes between the pages, the run session and the three
 * job controllers (search, training, random baseline). Views read the open run from the session.
 */
class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    /** `storePath`: the run store to open (empty: the default); given here, the default store is never touched. */
    explicit MainWindow(QWidget *parent = nullptr, const QString &storePath = {});
    ~MainWindow() override;

    SearchController *controller() { return m_controller; }
    EvaluateController *evaluator() { return m_evaluator; }
    BaselineController *baseline() { return m_baseline; }
    studio::RunSession *session() { return m_session; }
    ThetaHeatmap *heatmap();
    MetricsPlot *metrics();
    DevicesView *devices() { return m_devices; }
    studio::ExplorerPage *explorer() { return m_explorerPage; }
    studio::SearchPage *searchPage() { return m_searchPage; }
    RunsModel *runsModel();
    ParetoView *pareto();
    ArchitectureDiagram *diagram();
    /** The Search tab's log (the chosen architecture and its labels). */
    QString searchLog() const;
    /** Shows the tab with this name (search, runs, pareto, architecture, devices). */
    void showTab(const QString &name);
    /** Starts a search without the dialog (used by --run-demo and tests). */
    void startSearch(const SearchRequest &request);
    /** The store the studio reads and writes (default: the user's data directory). */
    void setStorePath(const QString &path);
    QString storePath() const;
    /** Re-reads the run list. */
    void refreshRuns();
    /**
     * Opens a stored run in every view: false (with a dialog) if the store has no such run. The
     * run is read off the GUI thread; the views fill when runOpened is emitted.
     */
    bool openRun(qint64 runId);
    /** Waits (processing events) until the open run is read; false if that failed or timed out. */
    bool waitForOpenRun(int timeoutMs = 60000);
    qint64 currentRun() const;
    /**
     * Trains and evaluates the run's architectures that have no evaluation yet (like `fbnet pareto`)
     * on a worker thread; the Pareto view updates as each evaluation is stored.
     */
    void trainArchitectures(const EvaluateRequest &request);
    /**
     * File ▸ Train & export without the dialog: trains the plan's architecture (weights kept), then
     * writes it as ONNX with those weights; trainAndExportDone says what was written or why not.
     */
    void trainAndExport(const studio::TrainExportPlan &plan);
    /** A random baseline (like `fbnet random --budget-of RUN`) on a worker thread. */
    void startBaseline(const BaselineRequest &request);
    /** openRun by name or id and wait for it, optionally comparing with an architecture; errors go to a dialog (or stderr). */
    bool openRunByName(const QString &nameOrId, const QString &compareWith = {});
    /** Off for unattended runs (--run-demo, tests): errors go to stderr instead of a dialog. */
    void setShowDialogs(bool on);

Q_SIGNALS:
    void searchDone(bool ok);
    void trainingDone(bool ok);
    void baselineDone(bool ok);
    /** Train & export ended: `written` the ONNX file (empty if stopped or failed); `message` says what happened. */
    void trainAndExportDone(const QString &written, const QString &message);
    /** The open run was read and every view shows it. */
    void runOpened(qint64 runId);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void connectSearch();
    void connectJobs();
    void connectPages();
    void newSearch();
    void onFinished(const SearchResult &r);
    void onOpened(const std::shared_ptr<const studio::OpenRun> &run);
    void updateActions();
    void resumeRun(qint64 runId);
    void compareRuns(qint64 first, qint64 second);
    void showError(const QString &title, const QString &message);
    void setProgress(int percent, const QString &status);
    void finishTrainAndExport(bool trained);

    studio::RunSession *m_session;
    SearchController *m_controller;
    EvaluateController *m_evaluator;
    BaselineController *m_baseline;
    studio::SearchPage *m_searchPage;
    studio::RunsPage *m_runsPage;
    studio::ParetoPage *m_paretoPage;
    studio::ArchitecturePage *m_archPage;
    studio::ExplorerPage *m_explorerPage;
    bool m_explorerStale = true;  ///< the store changed since the Explorer last read it
    DevicesView *m_devices;
    QTabWidget *m_tabs;
    QProgressBar *m_progress;
    QLabel *m_status;
    QAction *m_newAction, *m_pauseAction, *m_stopAction;
    QAction *m_exportArchAction, *m_exportPlotsAction, *m_exportCsvAction, *m_exportMvAction, *m_exportOnnxAction, *m_trainExportAction;
    std::unique_ptr<studio::TrainExportPlan> m_pendingExport;  ///< Train & export: the export once its training ends
    qint64 m_trainingRunId = 0;  ///< the run whose architectures are being trained
    qint64 m_searchRunId = 0;    ///< the run the search records
    QString m_pendingCompare;    ///< openRunByName: applied once the run is read
    int m_epochs = 0;
    double m_eta = -1;        ///< the search's ETA, smoothed over steps (s); -1: none yet
    bool m_showDialogs = true;
    SearchRequest m_request;
};

} // namespace fbnet
