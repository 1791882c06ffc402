#pragma once

#include <QWidget>

#include "fbnet/search.h"

class QPlainTextEdit;

namespace fbnet {
class SearchController;
class ThetaHeatmap;
class MetricsPlot;
}

namespace fbnet::studio {

struct OpenRun;

/** The Search tab: θ heatmap, curves and the run's log, live during a search or from the store. */
class SearchPage final : public QWidget
{
    Q_OBJECT

public:
    explicit SearchPage(QWidget *parent = nullptr);

    ThetaHeatmap *heatmap() const { return m_heatmap; }
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
    /** The status bar's line for a step: epoch, phase, step, loss, expected latency, τ, throughput, ETA. */
    static QString statusLine(const StepStats &s, int epochs);

private:
    ThetaHeatmap *m_heatmap;
    MetricsPlot *m_metrics;
    QPlainTextEdit *m_log;
};

} // namespace fbnet::studio
