#pragma once

#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;

namespace fbnet {

/** Live search curves: loss and accuracy per step (left axis), expected latency in ms (right). */
class MetricsPlot final : public QWidget
{
    Q_OBJECT

public:
    explicit MetricsPlot(QWidget *parent = nullptr);
    void addPoint(double step, double loss, double accuracy, double latencyMs);
    /** Replaces every point at once (a stored run: one rescale, not one per point). Keys ascending. */
    void setSeries(const QVector<double> &keys, const QVector<double> &loss, const QVector<double> &accuracy,
                   const QVector<double> &latencyMs);
    void clear();
    /** Writes the plot as PNG or PDF (by the file's extension); false on failure. */
    bool save(const QString &path) const;
    int pointCount() const;
    void setXLabel(const QString &label);

protected:
    void changeEvent(QEvent *event) override;

private:
    QCustomPlot *m_plot;
    QCPGraph *m_loss, *m_accuracy, *m_latency;
};

} // namespace fbnet
