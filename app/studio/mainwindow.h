#pragma once

#include <QMainWindow>

#include <memory>

#include "evaluatecontroller.h"
#include "searchcontroller.h"

class QAction;
class QComboBox;
class QLabel;
class QProgressBar;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QSortFilterProxyModel;

namespace fbnet {

class ThetaHeatmap;
class MetricsPlot;
class DevicesView;
class RunsModel;
class ParetoView;
class ArchitectureDiagram;
class RunStore;
struct RunContext;
struct RunInfo;

class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    SearchController *controller() { return m_controller; }
    EvaluateController *evaluator() { return m_evaluator; }
    ThetaHeatmap *heatmap() { return m_heatmap; }
    MetricsPlot *metrics() { return m_metrics; }
    DevicesView *devices() { return m_devices; }
    RunsModel *runsModel() { return m_runsModel; }
    ParetoView *pareto() { return m_pareto; }
    ArchitectureDiagram *diagram() { return m_diagram; }
    /** Shows the tab with this name (search, runs, pareto, architecture, devices). */
    void showTab(const QString &name);
    /** Starts a search without the dialog (used by --run-demo and tests). */
    void startSearch(const SearchRequest &request);
    /** The store the studio reads and writes (default: the user's data directory). */
    void setStorePath(const QString &path);
    QString storePath() const { return m_storePath; }
    /** Re-reads the run list. */
    void refreshRuns();
    /** Shows a stored run in every view (curves, theta replay, architecture, Pareto); false if it cannot be read. */
    bool openRun(qint64 runId);
    qint64 currentRun() const { return m_runId; }
    /**
     * Trains and evaluates the run's architectures that have no evaluation yet (like `fbnet pareto`)
     * on a worker thread; the Pareto view updates as each evaluation is stored.
     */
    void trainArchitectures(const EvaluateRequest &request);
    /** openRun by name or id, optionally comparing with a published architecture; errors go to a dialog (or stderr). */
    bool openRunByName(const QString &nameOrId, const QString &compareWith = {});

Q_SIGNALS:
    void searchDone(bool ok);
    void trainingDone(bool ok);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void newSearch();
    void onStarted(const QStringList &candidates, int layers, const QString &summary);
    void onStep(const StepStats &s);
    void onEpoch(const EpochStats &e);
    void onFinished(const SearchResult &r);
    void onFailed(const QString &message);
    void updateActions();
    void exportArchitecture();
    void exportPlots();
    void exportMetrics();
    void restoreSettings();
    void saveSettings();
    RunStore *store();
    /** Space, table and invocation of the open run (loaded once per run). */
    const RunContext &runContext();
    QList<qint64> selectedRuns() const;
    void resumeSelected();
    void renameSelected();
    void deleteSelected();
    void compareSelected();
    void refreshPareto();
    /** The Pareto tab's button: asks for epochs and image counts, then trainArchitectures. */
    void trainOpenRun();
    void fillRunChoices(const struct RunInfo &run);
    void openRunViewsAfterSearch();
    void refreshDiagram();
    void showPublishedComparison();
    void showError(const QString &title, const QString &message);

    SearchController *m_controller;
    EvaluateController *m_evaluator;
    ThetaHeatmap *m_heatmap;
    MetricsPlot *m_metrics;
    DevicesView *m_devices;
    class QTabWidget *m_tabs;
    QPlainTextEdit *m_result;
    QProgressBar *m_progress;
    QLabel *m_status;
    QAction *m_newAction, *m_pauseAction, *m_stopAction;
    QAction *m_exportArchAction, *m_exportPlotsAction, *m_exportCsvAction;
    QAction *m_exportMvAction;
    RunsModel *m_runsModel;
    QSortFilterProxyModel *m_runsProxy;
    QTableView *m_runsView;
    QPlainTextEdit *m_runDetail;
    QPushButton *m_openButton, *m_resumeButton, *m_renameButton, *m_deleteButton, *m_compareButton;
    ParetoView *m_pareto;
    QComboBox *m_paretoDevice;
    QPushButton *m_trainButton;
    ArchitectureDiagram *m_diagram;
    QComboBox *m_compareWith;
    std::unique_ptr<RunStore> m_store;
    QString m_storePath;
    qint64 m_runId = 0;
    qint64 m_compareRunId = 0;
    qint64 m_trainingRunId = 0;  ///< the run whose architectures are being trained
    std::shared_ptr<RunContext> m_context;
    qint64 m_contextRun = 0;
    int m_steps = 0;
    int m_epochs = 0;
    bool m_showDialogs = true;
    SearchRequest m_request;

public:
    /** Off for unattended runs (--run-demo, tests): errors go to stderr instead of a dialog. */
    void setShowDialogs(bool on) { m_showDialogs = on; }
};

} // namespace fbnet
