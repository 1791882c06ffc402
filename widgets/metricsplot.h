#pragma once

#include <QVector>
#include <QWidget>

class QComboBox;
class QCustomPlot;
class QCPAxisRect;
class QCPGraph;
class QCPItemStraightLine;
class QCPTextElement;

namespace fbnet {

/**
 * Search curves in three panels over one step axis: loss, batch accuracy (0–100%) and the
 * expected latency (ms). The x axis is the global step for a live search and a stored one
 * alike; epoch boundaries are vertical lines labelled with the epoch. Optional exponential
 * smoothing (TensorBoard's, bias-corrected) draws the smoothed curve over the faint raw one.
 * The latency panel spans at least ±5% of its value, so a few hundredths of a millisecond of
 * noise do not fill the panel as if they were swings.
 */
class MetricsPlot final : public QWidget
{
    Q_OBJECT

public:
    explicit MetricsPlot(QWidget *parent = nullptr);
    /** One step: x is the global step (1, 2, …), epoch the 0-based epoch it belongs to. */
    void addPoint(double step, int epoch, double loss, double accuracy, double latencyMs);
    /** Replaces every point at once (a stored run: one rescale, not one per point). Keys ascending. */
    void setSeries(const QVector<double> &keys, const QVector<int> &epochs, const QVector<double> &loss,
                   const QVector<double> &accuracy, const QVector<double> &latencyMs);
    void clear();
    /** Writes the plot as PNG or PDF (by the file's extension); false on failure. */
    bool save(const QString &path) const;
    int pointCount() const;
    /** The x positions of the epoch boundaries drawn (the first step of each epoch after the first). */
    QVector<double> epochBoundaries() const { return m_boundaries; }
    /** Smoothing weight in [0, 1): 0 is off. */
    void setSmoothing(double weight);
    double smoothing() const { return m_smoothing; }
    /** The shown range of a panel's value axis: 0 loss, 1 accuracy, 2 latency. */
    std::pair<double, double> valueRange(int panel) const;
    /** The drawn (smoothed, when on) value of a panel at point i. */
    double drawnValue(int panel, int i) const;
    /** A second title line naming the run (name · device · data set), for the view and exports. */
    void setContext(const QString &context);
    /**
     * A family search's target: a dashed line at `target` in the latency panel (kept in its
     * range), `label` written beside it. 0: none.
     */
    void setLatencyTarget(double target, const QString &label = {});
    /** Labels the loss axis with the formula the search minimises ("loss = CE·0.2·(log LAT)^0.6"). */
    void setLossFormula(const QString &formula);
    QString lossLabel() const;
    /** The step axis's ticks as last drawn (after a replot). */
    QVector<double> stepTicks() const;
    /** The third panel's unit: "ms" (E[latency], the default) or a cost table's (E[cost] in MFLOPs or Mparams). */
    void setCostUnit(const QString &unit);
    double latencyTarget() const { return m_target; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void rebuildDerived();
    void rescale();
    void addBoundary(double x, int epoch);
    void addTargetLine();
    /** A straight line in panel `panel`'s axes, clipped to it (its coordinates for the caller to set). */
    QCPItemStraightLine *lineIn(int panel);

    QCustomPlot *m_plot;
    QCPTextElement *m_title;
    QComboBox *m_smoothBox;
    QCPAxisRect *m_rects[3];
    QCPGraph *m_raw[3];
    QCPGraph *m_smooth[3];
    QVector<double> m_boundaries;
    double m_smoothing = 0;
    double m_ema[3] = {0, 0, 0};
    int m_lastEpoch = -1;
    double m_target = 0;
    QString m_targetLabel;
};

} // namespace fbnet
