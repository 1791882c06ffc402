#include "thetaheatmap.h"

#include "fbnet/convergence.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QSlider>
#include <QToolTip>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "plotexport.h"

namespace fbnet {

namespace {

/** Five colours evenly spaced from 0 to 1; NaN (no data) transparent. */
QCPColorGradient fiveStops(const QColor (&c)[5])
{
    QCPColorGradient g;
    g.clearColorStops();
    for (int i = 0; i < 5; ++i)
        g.setColorStopAt(i / 4.0, c[i]);
    g.setNanHandling(QCPColorGradient::nhTransparent);
    return g;
}

/** Blue (less likely than uniform) - white (uniform) - red (more likely), ColorBrewer RdBu. */
QCPColorGradient diverging()
{
    return fiveStops({QColor(33, 102, 172), QColor(146, 197, 222), QColor(247, 247, 247), QColor(244, 165, 130), QColor(178, 24, 43)});
}

/**
 * Light (p near 0) to dark blue (p near 1), ColorBrewer Blues: a layer near uniform reads as pale,
 * not as a solid dark block, and the argmax rings (kSequentialRing) stand out on both ends.
 */
QCPColorGradient sequential()
{
    return fiveStops({QColor(247, 251, 255), QColor(198, 219, 239), QColor(107, 174, 214), QColor(33, 113, 181), QColor(8, 48, 107)});
}

/** The argmax rings on the sequential scales: orange, at least 3:1 in contrast with its lightest and darkest blue. */
const QColor kSequentialRing(230, 85, 13);
} // namespace

ThetaHeatmap::ThetaHeatmap(QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_map(nullptr), m_colourScale(nullptr), m_argmax(nullptr), m_noData(nullptr),
      m_title(nullptr), m_scaleBox(new QComboBox(this)), m_slider(new QSlider(Qt::Horizontal, this)), m_label(new QLabel(tr("No epoch yet"), this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Colour:"), this));
    m_scaleBox->addItem(tr("relative to uniform, log₂(p·K)"), int(Scale::RelativeToUniform));
    m_scaleBox->addItem(tr("per layer, p / layer's max"), int(Scale::PerLayer));
    m_scaleBox->addItem(tr("probability p (0–1)"), int(Scale::Probability));
    m_scaleBox->setToolTip(tr("Relative to uniform: white is 1/K (no preference), red more likely, blue less.\n"
                              "Per layer: each layer's leader is 1, however flat the layer.\n"
                              "Probability: softmax(θ) itself on a fixed 0–1 scale."));
    top->addWidget(m_scaleBox);
    top->addStretch(1);
    layout->addLayout(top);
    layout->addWidget(m_plot, 1);
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Epoch:"), this));
    row->addWidget(m_slider, 1);
    row->addWidget(m_label);
    layout->addLayout(row);
    m_slider->setEnabled(false);
    connect(m_slider, &QSlider::valueChanged, this, &ThetaHeatmap::showEpoch);
    connect(m_scaleBox, &QComboBox::currentIndexChanged, this,
            [this](int index) { setScale(Scale(m_scaleBox->itemData(index).toInt())); });

    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, tr("Block probabilities softmax(θ) per layer"), QFont(font().family(), 10, QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);
    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_colourScale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(1, 1, m_colourScale);
    m_map->setColorScale(m_colourScale);
    m_map->setInterpolate(false);
    m_argmax = m_plot->addGraph();
    m_argmax->setLineStyle(QCPGraph::lsNone);
    m_argmax->setName(tr("argmax"));
    m_noData = new QCPItemText(m_plot);
    m_noData->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_noData->position->setCoords(0.5, 0.5);
    m_noData->setText(tr("No θ yet: the map fills in at the end of the first epoch"));
    m_noData->setFont(QFont(font().family(), 10));
    m_plot->yAxis->setLabel(tr("layer"));
    m_plot->yAxis->setRangeReversed(true);
    // Right: per-layer confidence (argmax p over uniform), filled once θ exists.
    m_plot->yAxis2->setRangeReversed(true);
    m_plot->yAxis2->setLabel(tr("argmax ÷ uniform"));
    m_plot->yAxis2->setTickLength(0, 0);
    m_plot->yAxis2->setSubTicks(false);
    connect(m_plot->yAxis, qOverload<const QCPRange &>(&QCPAxis::rangeChanged), m_plot->yAxis2, qOverload<const QCPRange &>(&QCPAxis::setRange));
    auto *margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_colourScale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, &ThetaHeatmap::hover);
    applyPlotPalette(m_plot, palette());
    setScale(Scale::RelativeToUniform);
}

void ThetaHeatmap::setCandidates(const QStringList &names, int layers)
{
    m_candidates = names;
    m_layers = layers;
    m_map->data()->setSize(int(names.size()), layers);
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
    m_slider->setEnabled(false);
    m_label->setText(tr("No epoch yet"));
    repaintCells();
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
    else
        repaintCells();  // the relative scale's range covers every epoch
}

void ThetaHeatmap::showEpoch(int index)
{
    if (index < 0 || index >= int(m_epochs.size()))
        return;
    m_shown = index;
    m_label->setText(tr("%1 of %2").arg(index + 1).arg(m_epochs.size()));
    repaintCells();
}

void ThetaHeatmap::setScale(Scale scale)
{
    m_scale = scale;
    const int index = m_scaleBox->findData(int(scale));
    if (index != m_scaleBox->currentIndex()) {
        const QSignalBlocker block(m_scaleBox);
        m_scaleBox->setCurrentIndex(index);
    }
    switch (scale) {
    case Scale::RelativeToUniform:
        m_map->setGradient(diverging());
        m_colourScale->setLabel(tr("log₂(p·K): 0 = uniform"));
        break;
    case Scale::PerLayer:
        m_map->setGradient(sequential());
        m_colourScale->setLabel(tr("p / layer's max"));
        break;
    case Scale::Probability:
        m_map->setGradient(sequential());
        m_colourScale->setLabel(tr("probability"));
        break;
    }
    m_argmax->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(argmaxRingColour(), 1.6), Qt::NoBrush, 9));
    repaintCells();
}

void ThetaHeatmap::setContext(const QString &context)
{
    m_context = context;
    QString title = tr("Block probabilities softmax(θ) per layer");
    if (!context.isEmpty())
        title += QStringLiteral("\n") + context;
    m_title->setText(title);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

double ThetaHeatmap::shownValue(int layer, int candidate) const
{
    if (m_shown < 0 || layer < 0 || candidate < 0)
        return -1;
    const auto &p = m_epochs[std::size_t(m_shown)];
    if (layer >= int(p.size()) || candidate >= int(p[std::size_t(layer)].size()) || candidate >= m_candidates.size())
        return -1;
    return p[std::size_t(layer)][std::size_t(candidate)];
}

double ThetaHeatmap::colourValue(int layer, int candidate) const
{
    if (m_shown < 0 || layer < 0 || layer >= m_layers || candidate < 0 || candidate >= m_candidates.size())
        return kNaN;
    return m_map->data()->cell(candidate, layer);
}

QColor ThetaHeatmap::cellColour(int layer, int candidate) const
{
    const double v = colourValue(layer, candidate);
    if (std::isnan(v))
        return {};
    return QColor::fromRgba(m_map->gradient().color(v, m_map->dataRange()));
}

QColor ThetaHeatmap::argmaxRingColour() const
{
    // The diverging map's ends are mid-dark blue and red around white: the text colour shows on all.
    return m_scale == Scale::RelativeToUniform ? palette().color(QPalette::WindowText) : kSequentialRing;
}

int ThetaHeatmap::markedArgmax(int layer) const
{
    for (auto it = m_argmax->data()->constBegin(); it != m_argmax->data()->constEnd(); ++it)
        if (int(std::lround(it->value)) - 1 == layer)
            return int(std::lround(it->key));
    return -1;
}

bool ThetaHeatmap::showsNoData() const
{
    return m_noData->visible();
}

void ThetaHeatmap::repaintCells()
{
    const int k = int(m_candidates.size());
    m_argmax->data()->clear();
    m_noData->setVisible(m_shown < 0);
    if (m_shown < 0) {
        m_plot->yAxis2->setVisible(false);
        m_map->data()->fill(kNaN);
        m_map->setDataRange(m_scale == Scale::RelativeToUniform ? QCPRange(-1, 1) : QCPRange(0, 1));
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const auto relative = [k](double p) { return std::log2(std::max(p, 1e-12) * k); };
    // The relative scale is symmetric around uniform and wide enough for every recorded epoch,
    // so replaying keeps one colour per value; at least ±0.5 (≈ 1.4× and 0.7× uniform).
    double span = 0.5;
    if (m_scale == Scale::RelativeToUniform)
        for (const auto &epoch : m_epochs)
            for (const auto &layer : epoch)
                for (std::size_t c = 0; c < layer.size() && int(c) < k; ++c)
                    span = std::max(span, std::min(8.0, std::abs(relative(layer[c]))));
    const auto &p = m_epochs[std::size_t(m_shown)];
    QVector<double> argKeys, argValues;
    for (int l = 0; l < m_layers; ++l) {
        const std::vector<double> empty;
        const auto &row = l < int(p.size()) ? p[std::size_t(l)] : empty;
        const int n = std::min(k, int(row.size()));
        const double top = n ? *std::max_element(row.begin(), row.begin() + n) : 0.0;
        int best = -1;
        for (int c = 0; c < k; ++c) {
            double v = kNaN;
            if (c < n) {
                const double q = row[std::size_t(c)];
                if (best < 0 || q > row[std::size_t(best)])
                    best = c;
                v = m_scale == Scale::RelativeToUniform ? std::clamp(relative(q), -span, span)
                    : m_scale == Scale::PerLayer        ? (top > 0 ? q / top : 0.0)
                                                        : q;
            }
            m_map->data()->setCell(c, l, v);
        }
        if (best >= 0) {
            argKeys.push_back(best);
            argValues.push_back(l + 1);
        }
    }
    m_argmax->setData(argKeys, argValues);
    // The right axis: each layer's confidence, so a flat layer reads as "1.1×" without hovering.
    auto confidence = QSharedPointer<QCPAxisTickerText>::create();
    for (int l = 0; l < m_layers; ++l)
        confidence->addTick(l + 1, confidenceText(l));
    m_plot->yAxis2->setTicker(confidence);
    m_plot->yAxis2->setVisible(true);
    m_map->setDataRange(m_scale == Scale::RelativeToUniform ? QCPRange(-span, span) : QCPRange(0, 1));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString ThetaHeatmap::confidenceText(int layer) const
{
    if (m_shown < 0 || layer < 0 || layer >= int(m_epochs[std::size_t(m_shown)].size()))
        return {};
    return QStringLiteral("%1×").arg(layerConfidence(m_epochs[std::size_t(m_shown)][std::size_t(layer)]), 0, 'f', 1);
}

QString ThetaHeatmap::cellText(int layer, int candidate) const
{
    const double p = shownValue(layer, candidate);
    if (p < 0)
        return {};
    const int k = int(m_candidates.size());
    const int best = markedArgmax(layer);
    QString text = tr("layer %1 · %2\np = %3 (%4× uniform 1/%5)")
                       .arg(layer + 1)
                       .arg(m_candidates[candidate])
                       .arg(p, 0, 'f', 3)
                       .arg(p * k, 0, 'f', 2)
                       .arg(k);
    if (best >= 0 && best != candidate)
        text += tr("\nlayer's argmax: %1 (p = %2)").arg(m_candidates[best]).arg(shownValue(layer, best), 0, 'f', 3);
    else if (best == candidate)
        text += tr("\nthe layer's argmax");
    return text + tr("\nepoch %1 of %2").arg(m_shown + 1).arg(m_epochs.size());
}

void ThetaHeatmap::hover(QMouseEvent *event)
{
    const int candidate = int(std::lround(m_plot->xAxis->pixelToCoord(event->position().x())));
    const int layer = int(std::lround(m_plot->yAxis->pixelToCoord(event->position().y()))) - 1;
    const bool inside = m_plot->axisRect()->rect().contains(event->position().toPoint());
    const QString text = inside ? cellText(layer, candidate) : QString();
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
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
        m_argmax->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(argmaxRingColour(), 1.6), Qt::NoBrush, 9));
        m_noData->setColor(palette().color(QPalette::WindowText));
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

} // namespace fbnet
