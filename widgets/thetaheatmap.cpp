#include "thetaheatmap.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "plotexport.h"

namespace fbnet {

ThetaHeatmap::ThetaHeatmap(QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_map(nullptr), m_slider(new QSlider(Qt::Horizontal, this)),
      m_label(new QLabel(tr("No epoch yet"), this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot, 1);
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Epoch:"), this));
    row->addWidget(m_slider, 1);
    row->addWidget(m_label);
    layout->addLayout(row);
    m_slider->setEnabled(false);
    connect(m_slider, &QSlider::valueChanged, this, &ThetaHeatmap::showEpoch);

    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, tr("Block probabilities softmax(θ) per layer"), QFont(font().family(), 10, QFont::Bold)));
    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    auto *scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(1, 1, scale);
    scale->setLabel(tr("probability"));
    m_map->setColorScale(scale);
    m_map->setGradient(QCPColorGradient::gpThermal);
    m_map->setDataRange(QCPRange(0, 1));
    m_map->setInterpolate(false);
    m_plot->yAxis->setLabel(tr("layer"));
    m_plot->yAxis->setRangeReversed(true);
    auto *margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
}

void ThetaHeatmap::setCandidates(const QStringList &names, int layers)
{
    m_candidates = names;
    m_layers = layers;
    m_map->data()->setSize(names.size(), layers);
    m_map->data()->setRange(QCPRange(0, names.size() - 1), QCPRange(1, layers));
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int i = 0; i < names.size(); ++i)
        ticker->addTick(i, names[i]);
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setTickLabelRotation(45);
    m_plot->xAxis->setRange(-0.5, names.size() - 0.5);
    m_plot->yAxis->setRange(0.5, layers + 0.5);
    clear();
}

void ThetaHeatmap::clear()
{
    m_epochs.clear();
    m_shown = -1;
    m_map->data()->fill(0);
    m_slider->setEnabled(false);
    m_label->setText(tr("No epoch yet"));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void ThetaHeatmap::addEpoch(const std::vector<std::vector<double>> &probabilities)
{
    const bool following = m_shown == int(m_epochs.size()) - 1;
    m_epochs.push_back(probabilities);
    m_slider->setRange(0, int(m_epochs.size()) - 1);
    m_slider->setEnabled(m_epochs.size() > 1);
    if (following)
        m_slider->setValue(int(m_epochs.size()) - 1);
    if (following || m_shown < 0)
        showEpoch(int(m_epochs.size()) - 1);
}

void ThetaHeatmap::showEpoch(int index)
{
    if (index < 0 || index >= int(m_epochs.size()))
        return;
    m_shown = index;
    const auto &p = m_epochs[std::size_t(index)];
    for (int l = 0; l < m_layers && l < int(p.size()); ++l)
        for (int k = 0; k < m_candidates.size() && k < int(p[std::size_t(l)].size()); ++k)
            m_map->data()->setCell(k, l, p[std::size_t(l)][std::size_t(k)]);
    m_label->setText(tr("%1 of %2").arg(index + 1).arg(m_epochs.size()));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

double ThetaHeatmap::shownValue(int layer, int candidate) const
{
    if (m_shown < 0)
        return -1;
    return m_map->data()->cell(candidate, layer);
}

bool ThetaHeatmap::save(const QString &path) const
{
    return savePlot(m_plot, path);
}

void ThetaHeatmap::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPlotPalette(m_plot, palette());
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

} // namespace fbnet
