#include "metricsplot.h"

#include <QVBoxLayout>

#include <qcustomplot.h>

#include "plotexport.h"

namespace fbnet {

MetricsPlot::MetricsPlot(QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, tr("Training curves"), QFont(font().family(), 10, QFont::Bold)));
    m_loss = m_plot->addGraph();
    m_loss->setName(tr("loss"));
    m_loss->setPen(QPen(QColor(31, 119, 180), 1.5));
    m_accuracy = m_plot->addGraph();
    m_accuracy->setName(tr("batch accuracy"));
    m_accuracy->setPen(QPen(QColor(44, 160, 44), 1.5));
    m_latency = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    m_latency->setName(tr("expected latency (ms)"));
    m_latency->setPen(QPen(QColor(214, 39, 40), 1.5));
    m_plot->xAxis->setLabel(tr("elapsed (s)"));
    m_plot->yAxis->setLabel(tr("loss / accuracy"));
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setLabel(tr("ms"));
    // Legend in its own row under the plot, so it never hides a curve.
    m_plot->legend->setVisible(true);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    auto *legendRow = new QCPLayoutGrid;
    m_plot->plotLayout()->addElement(2, 0, legendRow);
    legendRow->setMargins(QMargins(5, 0, 5, 5));
    legendRow->addElement(0, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(2, 0.001);
    applyPlotPalette(m_plot, palette());
}

void MetricsPlot::addPoint(double step, double loss, double accuracy, double latencyMs)
{
    m_loss->addData(step, loss);
    m_accuracy->addData(step, accuracy);
    m_latency->addData(step, latencyMs);
    m_loss->rescaleAxes();
    m_accuracy->rescaleAxes(true);
    m_latency->rescaleAxes();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void MetricsPlot::setSeries(const QVector<double> &keys, const QVector<double> &loss, const QVector<double> &accuracy,
                            const QVector<double> &latencyMs)
{
    m_loss->setData(keys, loss, true);
    m_accuracy->setData(keys, accuracy, true);
    m_latency->setData(keys, latencyMs, true);
    m_loss->rescaleAxes();
    m_accuracy->rescaleAxes(true);
    m_latency->rescaleAxes();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void MetricsPlot::clear()
{
    for (auto *g : {m_loss, m_accuracy, m_latency})
        g->data()->clear();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int MetricsPlot::pointCount() const
{
    return m_loss->dataCount();
}

bool MetricsPlot::save(const QString &path) const
{
    return savePlot(m_plot, path);
}

} // namespace fbnet

namespace fbnet {

void MetricsPlot::setXLabel(const QString &label)
{
    m_plot->xAxis->setLabel(label);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void MetricsPlot::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPlotPalette(m_plot, palette());
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

} // namespace fbnet
