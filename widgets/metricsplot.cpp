#include "metricsplot.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

#include "plotexport.h"

namespace fbnet {

namespace {
const QColor kColours[3] = {QColor(31, 119, 180), QColor(44, 160, 44), QColor(214, 39, 40)};

QColor faint(QColor c)
{
    c.setAlpha(70);
    return c;
}
} // namespace

MetricsPlot::MetricsPlot(QWidget *parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_title(nullptr), m_smoothBox(new QComboBox(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Smoothing:"), this));
    m_smoothBox->addItem(tr("off"), 0.0);
    m_smoothBox->addItem(QStringLiteral("0.6"), 0.6);
    m_smoothBox->addItem(QStringLiteral("0.9"), 0.9);
    m_smoothBox->addItem(QStringLiteral("0.97"), 0.97);
    m_smoothBox->setToolTip(tr("Exponential moving average of the steps (bias-corrected); the raw curve stays faint behind it"));
    top->addWidget(m_smoothBox);
    top->addStretch(1);
    layout->addLayout(top);
    layout->addWidget(m_plot, 1);
    connect(m_smoothBox, &QComboBox::currentIndexChanged, this, [this](int i) { setSmoothing(m_smoothBox->itemData(i).toDouble()); });

    m_plot->plotLayout()->clear();
    m_title = new QCPTextElement(m_plot, tr("Search curves"), QFont(font().family(), 10, QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);
    const QString labels[3] = {tr("loss"), tr("batch acc. (%)"), tr("E[latency] (ms)")};
    auto *margins = new QCPMarginGroup(m_plot);
    for (int i = 0; i < 3; ++i) {
        auto *rect = new QCPAxisRect(m_plot);
        m_plot->plotLayout()->addElement(i + 1, 0, rect);
        rect->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
        rect->axis(QCPAxis::atLeft)->setLabel(labels[i]);
        rect->axis(QCPAxis::atBottom)->setTickLabels(i == 2);
        useIntegerTicks(rect->axis(QCPAxis::atBottom));
        if (i == 2)
            rect->axis(QCPAxis::atBottom)->setLabel(tr("step"));
        m_rects[i] = rect;
        m_raw[i] = m_plot->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        m_smooth[i] = m_plot->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        m_raw[i]->setPen(QPen(kColours[i], 1.2));
        m_smooth[i]->setPen(QPen(kColours[i], 1.8));
        m_smooth[i]->setVisible(false);
        if (i > 0)
            connect(m_rects[0]->axis(QCPAxis::atBottom), qOverload<const QCPRange &>(&QCPAxis::rangeChanged),
                    rect->axis(QCPAxis::atBottom), qOverload<const QCPRange &>(&QCPAxis::setRange));
    }
    m_rects[1]->axis(QCPAxis::atLeft)->setRange(0, 100);
    applyPlotPalette(m_plot, palette());
}

QCPItemStraightLine *MetricsPlot::lineIn(int panel)
{
    auto *line = new QCPItemStraightLine(m_plot);
    line->setClipAxisRect(m_rects[panel]);
    for (auto *p : {line->point1, line->point2}) {
        p->setAxes(m_rects[panel]->axis(QCPAxis::atBottom), m_rects[panel]->axis(QCPAxis::atLeft));
        p->setAxisRect(m_rects[panel]);
    }
    return line;
}

void MetricsPlot::addBoundary(double x, int epoch)
{
    m_boundaries.push_back(x);
    for (int i = 0; i < 3; ++i) {
        auto *line = lineIn(i);
        line->point1->setCoords(x - 0.5, 0);
        line->point2->setCoords(x - 0.5, 1);
        line->setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
    }
    auto *label = new QCPItemText(m_plot);
    label->setClipAxisRect(m_rects[0]);
    label->position->setAxisRect(m_rects[0]);
    label->position->setTypeX(QCPItemPosition::ptPlotCoords);
    label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    label->position->setAxes(m_rects[0]->axis(QCPAxis::atBottom), m_rects[0]->axis(QCPAxis::atLeft));
    label->position->setCoords(x - 0.5, 0.0);
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    label->setText(tr(" e%1").arg(epoch + 1));
    label->setColor(palette().color(QPalette::WindowText));
}

void MetricsPlot::setLossFormula(const QString &formula)
{
    m_rects[0]->axis(QCPAxis::atLeft)->setLabel(formula.isEmpty() ? tr("loss") : tr("loss = %1").arg(formula));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString MetricsPlot::lossLabel() const
{
    return m_rects[0]->axis(QCPAxis::atLeft)->label();
}

QVector<double> MetricsPlot::stepTicks() const
{
    m_plot->replot(QCustomPlot::rpImmediateRefresh);
    return m_rects[2]->axis(QCPAxis::atBottom)->tickVector();
}

void MetricsPlot::setCostUnit(const QString &unit)
{
    m_rects[2]->axis(QCPAxis::atLeft)->setLabel(unit == QLatin1String("ms") ? tr("E[latency] (ms)") : tr("E[cost] (%1)").arg(unit));
    m_plot->replot();
}

void MetricsPlot::setLatencyTarget(double target, const QString &label)
{
    if (target == m_target && label == m_targetLabel)
        return;
    m_target = target > 0 ? target : 0;
    m_targetLabel = label;
    for (int i = m_plot->itemCount() - 1; i >= 0; --i)
        if (m_plot->item(i)->objectName() == QLatin1String("target"))
            m_plot->removeItem(i);
    addTargetLine();
    rescale();
}

void MetricsPlot::addTargetLine()
{
    if (m_target <= 0)
        return;
    auto *line = lineIn(2);
    line->setObjectName(QStringLiteral("target"));
    line->point1->setCoords(0, m_target);
    line->point2->setCoords(1, m_target);
    line->setPen(QPen(kColours[2].darker(140), 1.2, Qt::DashDotLine));
    if (m_targetLabel.isEmpty())
        return;
    auto *text = new QCPItemText(m_plot);
    text->setObjectName(QStringLiteral("target"));
    text->setClipAxisRect(m_rects[2]);
    text->position->setAxisRect(m_rects[2]);
    text->position->setAxes(m_rects[2]->axis(QCPAxis::atBottom), m_rects[2]->axis(QCPAxis::atLeft));
    text->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
    text->position->setTypeY(QCPItemPosition::ptPlotCoords);
    text->position->setCoords(0.995, m_target);
    text->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    text->setText(m_targetLabel);
    text->setColor(kColours[2].darker(140));
    text->setFont(QFont(font().family(), 8));
}

void MetricsPlot::addPoint(double step, int epoch, double loss, double accuracy, double latencyMs)
{
    if (m_lastEpoch >= 0 && epoch != m_lastEpoch)
        addBoundary(step, epoch);
    m_lastEpoch = epoch;
    const double values[3] = {loss, accuracy * 100, latencyMs};
    const int n = m_raw[0]->dataCount() + 1;
    for (int i = 0; i < 3; ++i) {
        m_raw[i]->addData(step, values[i]);
        if (m_smoothing > 0) {
            m_ema[i] = m_smoothing * m_ema[i] + (1 - m_smoothing) * values[i];
            m_smooth[i]->addData(step, m_ema[i] / (1 - std::pow(m_smoothing, n)));
        }
    }
    rescale();
}

void MetricsPlot::setSeries(const QVector<double> &keys, const QVector<int> &epochs, const QVector<double> &loss,
                            const QVector<double> &accuracy, const QVector<double> &latencyMs)
{
    clear();
    QVector<double> percent(accuracy);
    for (double &a : percent)
        a *= 100;
    m_raw[0]->setData(keys, loss, true);
    m_raw[1]->setData(keys, percent, true);
    m_raw[2]->setData(keys, latencyMs, true);
    for (int i = 0; i < keys.size() && i < epochs.size(); ++i) {
        if (m_lastEpoch >= 0 && epochs[i] != m_lastEpoch)
            addBoundary(keys[i], epochs[i]);
        m_lastEpoch = epochs[i];
    }
    rebuildDerived();
}

void MetricsPlot::rebuildDerived()
{
    for (int i = 0; i < 3; ++i) {
        m_smooth[i]->data()->clear();
        m_smooth[i]->setVisible(m_smoothing > 0);
        m_raw[i]->setPen(QPen(m_smoothing > 0 ? faint(kColours[i]) : kColours[i], 1.2));
        m_ema[i] = 0;
        if (m_smoothing <= 0)
            continue;
        QVector<double> keys, values;
        keys.reserve(m_raw[i]->dataCount());
        values.reserve(m_raw[i]->dataCount());
        double correction = 1;
        for (auto it = m_raw[i]->data()->constBegin(); it != m_raw[i]->data()->constEnd(); ++it) {
            m_ema[i] = m_smoothing * m_ema[i] + (1 - m_smoothing) * it->value;
            correction *= m_smoothing;
            keys.push_back(it->key);
            values.push_back(m_ema[i] / (1 - correction));
        }
        m_smooth[i]->setData(keys, values, true);
    }
    rescale();
}

void MetricsPlot::rescale()
{
    bool found = false;
    const QCPRange keys = m_raw[0]->data()->keyRange(found);
    if (found)
        m_rects[0]->axis(QCPAxis::atBottom)->setRange(keys.lower - 0.5, keys.upper + 0.5);
    // Loss from 0: its size is what matters, and the multiplicative and additive forms are positive.
    const QCPRange loss = m_raw[0]->data()->valueRange(found);
    if (found)
        m_rects[0]->axis(QCPAxis::atLeft)->setRange(std::min(0.0, loss.lower), loss.upper > 0 ? loss.upper * 1.05 : 1.0);
    m_rects[1]->axis(QCPAxis::atLeft)->setRange(0, 100);
    QCPRange lat = m_raw[2]->data()->valueRange(found);
    if (found && m_target > 0)
        lat.expand(m_target);
    if (found) {
        const double centre = (lat.lower + lat.upper) / 2, need = std::max(0.1 * std::abs(centre), 1e-3);
        const double half = std::max(lat.size() * 0.55, need / 2);
        m_rects[2]->axis(QCPAxis::atLeft)->setRange(centre - half, centre + half);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void MetricsPlot::setSmoothing(double weight)
{
    m_smoothing = std::clamp(weight, 0.0, 0.999);
    const int index = m_smoothBox->findData(m_smoothing);
    if (index >= 0 && index != m_smoothBox->currentIndex()) {
        const QSignalBlocker block(m_smoothBox);
        m_smoothBox->setCurrentIndex(index);
    }
    rebuildDerived();
}

std::pair<double, double> MetricsPlot::valueRange(int panel) const
{
    const QCPRange r = m_rects[std::clamp(panel, 0, 2)]->axis(QCPAxis::atLeft)->range();
    return {r.lower, r.upper};
}

double MetricsPlot::drawnValue(int panel, int i) const
{
    const QCPGraph *g = m_smoothing > 0 ? m_smooth[std::clamp(panel, 0, 2)] : m_raw[std::clamp(panel, 0, 2)];
    return i >= 0 && i < g->dataCount() ? g->data()->at(i)->value : std::nan("");
}

void MetricsPlot::setContext(const QString &context)
{
    m_title->setText(context.isEmpty() ? tr("Search curves") : tr("Search curves\n%1").arg(context));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void MetricsPlot::clear()
{
    for (int i = 0; i < 3; ++i) {
        m_raw[i]->data()->clear();
        m_smooth[i]->data()->clear();
        m_ema[i] = 0;
    }
    m_plot->clearItems();
    addTargetLine();
    m_boundaries.clear();
    m_lastEpoch = -1;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int MetricsPlot::pointCount() const
{
    return m_raw[0]->dataCount();
}

bool MetricsPlot::save(const QString &path) const
{
    return savePlot(m_plot, path);
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
