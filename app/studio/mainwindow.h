#pragma once

#include <QMainWindow>

#include "searchcontroller.h"

class QAction;
class QLabel;
class QProgressBar;
class QPlainTextEdit;

namespace fbnet {

class ThetaHeatmap;
class MetricsPlot;
class DevicesView;

class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    SearchController *controller() { return m_controller; }
    ThetaHeatmap *heatmap() { return m_heatmap; }
    MetricsPlot *metrics() { return m_metrics; }
    DevicesView *devices() { return m_devices; }
    /** Shows the tab with this name ("search", "devices"). */
    void showTab(const QString &name);
    /** Starts a search without the dialog (used by --run-demo and tests). */
    void startSearch(const SearchRequest &request);

Q_SIGNALS:
    void searchDone(bool ok);

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

    SearchController *m_controller;
    ThetaHeatmap *m_heatmap;
    MetricsPlot *m_metrics;
    DevicesView *m_devices;
    class QTabWidget *m_tabs;
    QPlainTextEdit *m_result;
    QProgressBar *m_progress;
    QLabel *m_status;
    QAction *m_newAction, *m_pauseAction, *m_stopAction;
    QAction *m_exportArchAction, *m_exportPlotsAction, *m_exportCsvAction;
    QString m_runDir;
    int m_steps = 0;
    int m_epochs = 0;
    bool m_showDialogs = true;
    SearchRequest m_request;

public:
    /** Off for unattended runs (--run-demo, tests): errors go to stderr instead of a dialog. */
    void setShowDialogs(bool on) { m_showDialogs = on; }
};

} // namespace fbnet
