#include "paretoview.h"

#include <QEvent>
#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>

#include "fbnet/pareto.h"
#include "plotexport.h"

namespace fbnet {

ParetoView::ParetoView(QWidget *parent) : QWidget(parent), m_plot(new QCustomPlot(this)), m_summary(new QLabel(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot, 1);
    layout->addWidget(m_summary);
    m_summary->setWordWrap(true);
    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, tr("Latency against top-1"), QFont(font().family(), 10, QFont::Bold));
    m_plot->plotLayout()->addElement(0, 0, m_title);
    m_plot->legend->setVisible(true);
    // The legend sits right of the axes, at the top: never over a point or a label.
    auto *side = new QCPLayoutGrid;
    m_plot->plotLayout()->addElement(1, 1, side);
    side->addElement(0, 0, m_plot->legend);
    side->addElement(1, 0, new QCPLayoutElement(m_plot));
    side->setRowStretchFactor(0, 0.01);
    m_plot->plotLayout()->setColumnStretchFactor(1, 0.01);
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent *e) {
        const int i = itemAt(e->position());
        if (i < 0) {
            QToolTip::hideText();
            return;
        }
        const auto &it = m_items[std::size_t(i)];
        QToolTip::showText(e->globalPosition().toPoint(),
                           QStringLiteral("<b>%1</b> (%2)<br>%3 ms · top-1 %4%<br><small>%5</small>")
                               .arg(it.name, it.origin)
                               .arg(it.latencyMs, 0, 'f', 3)
                               .arg(it.accuracy * 100, 0, 'f', 2)
                               .arg(it.detail.toHtmlEscaped()),
                           m_plot);
    });
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent *e) {
        const int i = itemAt(e->position());
        if (i >= 0)
            Q_EMIT selected(m_items[std::size_t(i)].id, m_items[std::size_t(i)].name);
    });
    setItems({}, tr("latency (ms)"), tr("top-1 accuracy (%)"));
}

void ParetoView::setContext(const QString &context)
{
    m_title->setText(context.isEmpty() ? tr("Latency against top-1") : tr("Latency against top-1\n%1").arg(context));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

bool ParetoView::nearChance() const
{
    if (!(m_chance > 0) || m_items.empty())
        return false;
    for (const auto &it : m_items)
        if (it.accuracy > m_chance + 0.05)
            return false;
    return true;
}

QString ParetoView::summaryText() const
{
    return m_summary->text();
}

QString ParetoView::baselineLegend() const
{
    return m_baselineLabel.isEmpty() ? tr("random search") : m_baselineLabel;
}

void ParetoView::setItems(std::vector<ParetoItem> items, const QString &latencyLabel, const QString &accuracyLabel)
{
    m_items = std::move(items);
    std::vector<ParetoPoint> pts;
    for (const auto &it : m_items)
        pts.push_back({it.name.toStdString(), it.latencyMs, it.accuracy});
    m_front = paretoFront(pts);
    m_plot->clearGraphs();
    m_plot->clearItems();
    struct Style
    {
        QString origin, label;
        QColor color;
        QCPScatterStyle::ScatterShape shape;
    };
    const Style styles[] = {{QStringLiteral("search"), tr("DNAS (argmax and samples)"), QColor(31, 119, 180), QCPScatterStyle::ssDisc},
                            {QStringLiteral("random"), baselineLegend(), QColor(127, 127, 127), QCPScatterStyle::ssCross},
                            {QStringLiteral("published"), tr("published FBNets"), QColor(214, 39, 40), QCPScatterStyle::ssDiamond}};
    for (const auto &s : styles) {
        auto *g = m_plot->addGraph();
        g->setName(s.label);
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(s.shape, s.color, s.color, 8));
        for (const auto &it : m_items)
            if (it.origin == s.origin)
                g->addData(it.latencyMs, it.accuracy * 100);
        if (g->data()->isEmpty())
            g->removeFromLegend();
    }
    addFamily();
    auto *front = m_plot->addGraph();
    front->setName(tr("Pareto front"));
    front->setLineStyle(QCPGraph::lsStepLeft);
    front->setPen(QPen(QColor(44, 160, 44), 1.5, Qt::DashLine));
    for (std::size_t i : m_front)
        front->addData(m_items[i].latencyMs, m_items[i].accuracy * 100);
    for (std::size_t i : m_front) {
        auto *label = new QCPItemText(m_plot);
        label->position->setCoords(m_items[i].latencyMs, m_items[i].accuracy * 100);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        label->setPadding(QMargins(4, 0, 0, 2));
        label->setText(m_items[i].name);
        label->setFont(QFont(font().family(), 8));
    }
    m_plot->xAxis->setLabel(latencyLabel);
    m_plot->yAxis->setLabel(accuracyLabel);
    m_plot->rescaleAxes();
    if (!m_items.empty()) {
        // a margin so edge points and labels stay inside
        for (auto *ax : {m_plot->xAxis, m_plot->yAxis}) {
            const auto r = ax->range();
            const double pad = std::max(r.size() * 0.08, 0.05 * std::abs(r.center()) + 1e-3);
            ax->setRange(r.lower - pad, r.upper + pad);
        }
        // A family's target lines and their centred labels stay inside, also at an edge.
        for (double t : targetList()) {
            const auto r = m_plot->xAxis->range();
            const double room = r.size() * 0.1;
            m_plot->xAxis->setRange(std::min(r.lower, t - room), std::max(r.upper, t + room));
        }
    }
    int fromSearch = 0, search = 0, random = 0;
    for (const auto &it : m_items) {
        search += it.origin == QLatin1String("search");
        random += it.origin == QLatin1String("random");
    }
    for (std::size_t i : m_front)
        fromSearch += m_items[i].origin == QLatin1String("search");
    QString summary = m_items.empty()
        ? tr("No evaluated architectures yet: train the run's architectures (fbnet pareto --run RUN), "
             "and a random baseline (fbnet random --budget-of RUN).")
        : tr("%1 DNAS and %2 random architectures; %3 of %4 front points come from the search.")
              .arg(search)
              .arg(random)
              .arg(fromSearch)
              .arg(m_front.size());
    if (const int k = familyTargets(); k > 0)
        summary += tr(" Family search: %1 targets (dotted), each target's pick circled and joined.").arg(k);
    if (nearChance())
        summary = tr("<b>Every point is within 5 points of chance (%1%)</b>: these architectures were not trained enough to be "
                     "told apart, so this front ranks noise. Train them longer or on more images.<br>")
                      .arg(m_chance * 100, 0, 'f', 1)
            + summary;
    m_summary->setText(summary);
    applyPalette();
    m_plot->replot();
}

void ParetoView::addFamily()
{
    std::vector<const ParetoItem *> picks;
    for (const auto &it : m_items)
        if (it.familyPick)
            picks.push_back(&it);
    if (!picks.empty()) {
        std::sort(picks.begin(), picks.end(), [](const ParetoItem *a, const ParetoItem *b) { return a->latencyMs < b->latencyMs; });
        auto *g = m_plot->addGraph();
        g->setName(tr("family: each target's pick"));
        g->setPen(QPen(QColor(23, 80, 140), 1.2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(23, 80, 140), 2), Qt::NoBrush, 12));
        for (const auto *p : picks)
            g->addData(p->latencyMs, p->accuracy * 100);
    }
    for (double t : targetList()) {
        auto *line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(t, 0);
        line->point2->setCoords(t, 1);
        line->setPen(QPen(QColor(120, 120, 120), 1, Qt::DotLine));
        auto *label = new QCPItemText(m_plot);
        label->position->setTypeX(QCPItemPosition::ptPlotCoords);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords(t, 0.0);
        label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignTop);
        label->setText(tr("target %1").arg(t));
        label->setFont(QFont(font().family(), 7));
        label->setColor(QColor(110, 110, 110));
    }
}

std::vector<double> ParetoView::targetList() const
{
    std::vector<double> targets;
    for (const auto &it : m_items)
        if (it.targetMs > 0 && std::find(targets.begin(), targets.end(), it.targetMs) == targets.end())
            targets.push_back(it.targetMs);
    return targets;
}

int ParetoView::familyTargets() const
{
    return int(targetList().size());
}

int ParetoView::itemAt(const QPointF &pixel, double radius) const
{
    int best = -1;
    double bestD = radius * radius;
    for (std::size_t i = 0; i < m_items.size(); ++i) {
        const QPointF p = pixelOf(i) - m_plot->pos();
        const double dx = p.x() - pixel.x(), dy = p.y() - pixel.y();
        if (dx * dx + dy * dy <= bestD) {
            bestD = dx * dx + dy * dy;
            best = int(i);
        }
    }
    return best;
}

QPointF ParetoView::pixelOf(std::size_t index) const
{
    const auto &it = m_items.at(index);
    return QPointF(m_plot->xAxis->coordToPixel(it.latencyMs), m_plot->yAxis->coordToPixel(it.accuracy * 100)) + m_plot->pos();
}

bool ParetoView::save(const QString &path) const
{
    return savePlot(m_plot, path);
}

void ParetoView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange) {
        applyPalette();
        m_plot->replot();
    }
}

void ParetoView::applyPalette()
{
    applyPlotPalette(m_plot, palette());
}

} // namespace fbnet

namespace fbnet {
QWidget *ParetoView::plotWidget() const
{
    return m_plot;
}
} // namespace fbnet
