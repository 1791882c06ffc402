#pragma once

#include <QWidget>

#include "fbnet/searchspace.h"

#include <cmath>

#include "fbnet/search.h"

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QStackedWidget;

namespace fbnet {
class SearchController;
class ThetaHeatmap;
class MetricsPlot;
}

namespace fbnet::studio {

struct OpenRun;
class WelcomePanel;

/** The Search tab: θ heatmap, curves and the run's log, live during a search or from the store. */
class SearchPage final : public QWidget
{
    Q_OBJECT

public:
    explicit SearchPage(QWidget *parent = nullptr);

    ThetaHeatmap *heatmap() const { return m_heatmap; }
    /** The first screen, shown until a search starts or a run is opened. */
    WelcomePanel *welcome() const { return m_welcome; }
    bool showsWelcome() const;
    MetricsPlot *metrics() const { return m_metrics; }

    /** Shows what `controller`'s searches report as they run (its start, steps, epochs, end). */
    void follow(SearchController *controller);
    /** A stored run: its curves by step, its epochs in the heatmap, its argmax in the log. */
    void showRun(const OpenRun &run);
    /** A new search: empty views; `context` names it in the plots' titles (name · device · data set). */
    void beginSearch(const QString &context = {});
    void setContext(const QString &context);
    /** The words that head an architecture chosen by a θ that was never trained. */
    static QString untrainedLabel();
    void searchStarted(const QStringList &candidates, int layers);
    void addStep(const StepStats &s);
    void addEpoch(const EpochStats &e);
    void searchEnded(const SearchResult &r);
    void appendLine(const QString &line);
    QString logText() const;
    /** The status bar's line for a step: epoch, phase, step, loss, expected latency (or cost in `unit`), τ, throughput, ETA. */
    static QString statusLine(const StepStats &s, int epochs, const QString &unit = QStringLiteral("ms"), double etaSeconds = -1);

    /** The unit of the run's latency table ("ms") or cost table ("MFLOPs", "Mparams"), by its name. */
    void setCostTable(const std::string &table);
    /** Names the loss the search minimises on the loss axis (call after setCostTable). */
    void setLossConfig(const SearchConfig &config);
    QString costUnit() const { return m_unit; }
    /** "E[latency]" for a unit of ms (a latency table), "E[cost]" for a cost table's unit. */
    static QString expectedWord(const QString &unit);

    /**
     * A family search's targets: the Target box appears and chooses whose θ the heatmap and whose
     * E[latency] the curves show (loss and accuracy are the whole batch's, every target's
     * samples). Empty: a plain search, the box hidden.
     */
    void setTargets(const std::vector<double> &targets);
    /** The target shown (index into the targets), -1 for a plain search. */
    int shownTarget() const;
    /** The shown target's value (0 for a plain search): what the studio's exports take, by core's chosenArchitecture. */
    double shownTargetMs() const;
    void showTarget(int index);
    /** The convergence banner's text ("" when hidden): what core's assessConvergence found in the shown run's θ. */
    QString convergenceBanner() const;
    /** Shows the banner for the run's last epoch (a family's least settled target), or hides it; the log gets the confidence line. */
    void showConvergence(const SearchSpace &space, const std::vector<EpochStats> &epochs);

private:

    /** The heatmap and curves again from the recorded epochs and steps (a family's target changed). */
    void redraw();
    /** A step's E[latency] for the shown target: its samples' mean, held between the steps that served it (hard mode). */
    double shownLatency(const StepStats &s);

    void showViews();

    ThetaHeatmap *m_heatmap;
    MetricsPlot *m_metrics;
    QPlainTextEdit *m_log;
    WelcomePanel *m_welcome;
    QStackedWidget *m_stack;
    QWidget *m_targetBar;
    QComboBox *m_targetBox;
    QLabel *m_targetCaption = nullptr;
    QLabel *m_banner;  ///< θ did not settle: what was found and what to try
    std::vector<double> m_targets;
    // A family's record, to redraw for another target (a plain search keeps none).
    std::vector<StepStats> m_steps;
    std::vector<EpochStats> m_epochRecord;
    double m_heldLatency = std::nan("");
    QString m_unit = QStringLiteral("ms");
};

} // namespace fbnet::studio
