#include "parallelcoords.h"
#include "plotexport.h"

#include <QElapsedTimer>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <limits>

namespace fbnet {

namespace {

/** Five stops, linearly interpolated at t in [0, 1]. */
QColor fiveStopScale(const QColor (&stops)[5], double t)
{
    t = std::clamp(t, 0.0, 1.0) * 4;
    const int i = std::min(3, int(t));
    const double f = t - i;
    const QColor &a = stops[i], &b = stops[i + 1];
    return QColor(int(a.red() + f * (b.red() - a.red())), int(a.green() + f * (b.green() - a.green())), int(a.blue() + f * (b.blue() - a.blue())));
}

/** Width the colour legend takes right of the last axis. */
constexpr int kLegendWidth = 74;
} // namespace

QColor ParallelCoordinates::lineColour(double t) const
{
    // On a light background viridis ends in a yellow that vanishes on white (issue 35: "faint
    // yellow on white"): there the scale runs navy, purple, magenta, dark orange, every stop at
    // least 3:1 against white. On a dark background, matplotlib's viridis, whose light end shows.
    static const QColor light[] = {QColor(8, 48, 107), QColor(84, 39, 143), QColor(152, 0, 140), QColor(200, 30, 60), QColor(204, 76, 2)};
    static const QColor dark[] = {QColor(68, 1, 84), QColor(59, 82, 139), QColor(33, 145, 140), QColor(94, 201, 98), QColor(253, 231, 37)};
    return fiveStopScale(palette().color(QPalette::Base).lightnessF() > 0.5 ? light : dark, t);
}

QString ParallelCoordinates::legendTitle() const
{
    return m_colourAxis >= 0 && m_colourAxis < int(m_axes.size()) ? tr("colour: %1").arg(m_axes[m_colourAxis]) : QString();
}

QRect ParallelCoordinates::legendRect() const
{
    const QRect r = plotRect();
    return QRect(r.right() + 46, r.top(), 14, r.height());
}

ParallelCoordinates::ParallelCoordinates(QWidget *parent) : QWidget(parent)
{
    setMinimumHeight(180);
    setMouseTracking(false);
    setToolTip(tr("Drag along an axis to keep only the architectures in that range; click an axis to clear its range."));
}

void ParallelCoordinates::setData(const QStringList &axes, std::vector<std::vector<double>> values)
{
    m_axes = axes;
    m_values = std::move(values);
    m_range.assign(std::size_t(axes.size()), {kNaN, kNaN});
    m_brush.assign(std::size_t(axes.size()), {kNaN, kNaN});
    for (const auto &item : m_values)
        for (std::size_t a = 0; a < item.size() && a < m_range.size(); ++a) {
            const double v = item[a];
            if (std::isnan(v))
                continue;
            auto &[lo, hi] = m_range[a];
            lo = std::isnan(lo) ? v : std::min(lo, v);
            hi = std::isnan(hi) ? v : std::max(hi, v);
        }
    for (auto &[lo, hi] : m_range)
        if (!std::isnan(lo) && hi - lo < 1e-9) {  // a constant axis: a little room around it
            lo -= 0.5;
            hi += 0.5;
        }
    m_highlighted.clear();
    update();
}

void ParallelCoordinates::setHighlighted(std::vector<bool> highlighted)
{
    m_highlighted = std::move(highlighted);
    update();
}

void ParallelCoordinates::setColourAxis(int axis)
{
    m_colourAxis = axis;
    update();
}

std::pair<double, double> ParallelCoordinates::brush(int axis) const
{
    return axis >= 0 && axis < int(m_brush.size()) ? m_brush[std::size_t(axis)] : std::make_pair(kNaN, kNaN);
}

void ParallelCoordinates::setBrush(int axis, double lo, double hi)
{
    if (axis < 0 || axis >= int(m_brush.size()))
        return;
    m_brush[std::size_t(axis)] = std::isnan(lo) || std::isnan(hi) ? std::make_pair(kNaN, kNaN) : std::make_pair(std::min(lo, hi), std::max(lo, hi));
    update();
    Q_EMIT brushed(axis, m_brush[std::size_t(axis)].first, m_brush[std::size_t(axis)].second);
}

QRect ParallelCoordinates::plotRect() const
{
    return rect().adjusted(50, 34, -50 - kLegendWidth, -22);
}

int ParallelCoordinates::axisX(int axis) const
{
    const QRect r = plotRect();
    const int n = std::max(1, int(m_axes.size()) - 1);
    return r.left() + int(std::lround(double(r.width()) * axis / n));
}

int ParallelCoordinates::valueY(int axis, double value) const
{
    const QRect r = plotRect();
    const auto [lo, hi] = m_range[std::size_t(axis)];
    if (std::isnan(lo) || std::isnan(value))
        return r.bottom();
    return r.bottom() - int(std::lround((value - lo) / (hi - lo) * r.height()));
}

double ParallelCoordinates::valueAt(int axis, int y) const
{
    const QRect r = plotRect();
    const auto [lo, hi] = m_range[std::size_t(axis)];
    if (std::isnan(lo))
        return kNaN;
    return lo + (hi - lo) * double(r.bottom() - y) / std::max(1, r.height());
}

int ParallelCoordinates::axisNear(int x) const
{
    for (int a = 0; a < int(m_axes.size()); ++a)
        if (std::abs(axisX(a) - x) <= 12)
            return a;
    return -1;
}

void ParallelCoordinates::paintEvent(QPaintEvent *)
{
    QElapsedTimer timer;
    timer.start();
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    const QColor text = palette().color(QPalette::WindowText);
    if (m_axes.isEmpty() || m_values.empty()) {
        p.setPen(text);
        p.drawText(rect(), Qt::AlignCenter, tr("No architectures in the store yet: search, sample or train to fill this view."));
        return;
    }
    const bool many = m_values.size() > 2000;
    p.setRenderHint(QPainter::Antialiasing, !many);
    const auto [clo, chi] = m_colourAxis >= 0 && m_colourAxis < int(m_range.size()) ? m_range[std::size_t(m_colourAxis)]
                                                                                    : std::make_pair(kNaN, kNaN);
    std::vector<int> xs(std::size_t(m_axes.size()));
    for (int a = 0; a < int(m_axes.size()); ++a)
        xs[std::size_t(a)] = axisX(a);
    QPolygon line;
    auto drawItem = [&](std::size_t i) {
        const auto &v = m_values[i];
        line.clear();
        auto flush = [&] {
            if (line.size() > 1)
                p.drawPolyline(line);
            line.clear();
        };
        for (std::size_t a = 0; a < xs.size(); ++a) {
            if (a >= v.size() || std::isnan(v[a])) {
                flush();
                continue;
            }
            line << QPoint(xs[a], valueY(int(a), v[a]));
        }
        flush();
    };
    // Faint: outside the filter; then the highlighted ones on top, coloured. With many lines the
    // colours are mixed with the background and drawn opaque: Qt's raster engine blends
    // translucent 1 px lines per pixel, 20x slower (3.3 s against 0.17 s for 10,000 lines).
    const QColor base = palette().color(QPalette::Base);
    const auto towardBase = [&base](QColor c, double keep) {
        return QColor(int(c.red() * keep + base.red() * (1 - keep)), int(c.green() * keep + base.green() * (1 - keep)),
                      int(c.blue() * keep + base.blue() * (1 - keep)));
    };
    QColor faint = palette().color(QPalette::Mid);
    if (many)
        faint = towardBase(faint, 0.3);
    else
        faint.setAlpha(60);
    // Thin cosmetic pens without antialiasing take the raster engine's fast path (a 1.2 px pen is
    // stroked as a polygon: 1.4 s instead of tens of ms for 10,000 lines).
    const double width = many ? 1.0 : 1.2;
    QPen faintPen(faint, width);
    faintPen.setCosmetic(true);
    p.setPen(faintPen);
    const bool all = m_highlighted.empty();
    for (std::size_t i = 0; i < m_values.size(); ++i)
        if (!all && !(i < m_highlighted.size() && m_highlighted[i]))
            drawItem(i);
    for (std::size_t i = 0; i < m_values.size(); ++i) {
        if (!all && !(i < m_highlighted.size() && m_highlighted[i]))
            continue;
        const double c = m_colourAxis >= 0 && std::size_t(m_colourAxis) < m_values[i].size() ? m_values[i][std::size_t(m_colourAxis)] : kNaN;
        QColor colour = std::isnan(c) || std::isnan(clo) ? QColor(120, 120, 120) : lineColour((c - clo) / (chi - clo));
        if (many)
            colour = towardBase(colour, 0.55);
        else
            colour.setAlpha(170);
        QPen pen(colour, width);
        pen.setCosmetic(true);
        p.setPen(pen);
        drawItem(i);
    }
    // Axes, their names, ranges and brushes.
    p.setRenderHint(QPainter::Antialiasing, true);
    const QRect r = plotRect();
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    for (int a = 0; a < int(m_axes.size()); ++a) {
        const int x = xs[std::size_t(a)];
        p.setPen(QPen(text, 1.2));
        p.drawLine(x, r.top(), x, r.bottom());
        p.setFont(font());
        // Names wider than the space between axes are elided instead of drawn over each other.
        const int room = xs.size() > 1 ? std::min(120, xs[1] - xs[0] - 4) : 120;
        p.drawText(QRect(x - room / 2, 2, room, 18), Qt::AlignCenter, p.fontMetrics().elidedText(m_axes[a], Qt::ElideMiddle, room));
        p.setFont(small);
        const auto [lo, hi] = m_range[std::size_t(a)];
        if (!std::isnan(lo)) {
            p.drawText(QRect(x - 50, r.top() - 16, 100, 14), Qt::AlignCenter, QString::number(hi, 'g', 4));
            p.drawText(QRect(x - 50, r.bottom() + 4, 100, 14), Qt::AlignCenter, QString::number(lo, 'g', 4));
        }
        const auto [blo, bhi] = m_brush[std::size_t(a)];
        if (!std::isnan(blo)) {
            const int y0 = valueY(a, bhi), y1 = valueY(a, blo);
            QColor fill = palette().color(QPalette::Highlight);
            fill.setAlpha(90);
            p.fillRect(QRect(x - 7, y0, 14, std::max(2, y1 - y0)), fill);
            p.setPen(QPen(palette().color(QPalette::Highlight), 1.5));
            p.drawRect(QRect(x - 7, y0, 14, std::max(2, y1 - y0)));
        }
    }
    paintLegend(p, clo, chi);
    m_lastPaintMs = double(timer.nsecsElapsed()) / 1e6;
}

void ParallelCoordinates::paintLegend(QPainter &p, double lo, double hi) const
{
    if (std::isnan(lo))
        return;
    const QRect bar = legendRect();
    QLinearGradient g(bar.bottomLeft(), bar.topLeft());
    for (int i = 0; i <= 8; ++i)
        g.setColorAt(i / 8.0, lineColour(i / 8.0));
    p.fillRect(bar, g);
    p.setPen(QPen(palette().color(QPalette::WindowText), 1));
    p.drawRect(bar);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    p.setFont(small);
    p.drawText(QRect(bar.left() - 40, bar.top() - 16, bar.width() + 80, 14), Qt::AlignCenter, QString::number(hi, 'g', 4));
    p.drawText(QRect(bar.left() - 40, bar.bottom() + 4, bar.width() + 80, 14), Qt::AlignCenter, QString::number(lo, 'g', 4));
    // The title along the bar, reading upwards.
    p.save();
    p.translate(bar.left() - 6, bar.center().y());
    p.rotate(-90);
    p.drawText(QRect(-bar.height() / 2, -14, bar.height(), 14), Qt::AlignCenter,
               p.fontMetrics().elidedText(legendTitle(), Qt::ElideMiddle, bar.height()));
    p.restore();
}

void ParallelCoordinates::mousePressEvent(QMouseEvent *e)
{
    m_dragAxis = axisNear(int(e->position().x()));
    m_dragFrom = int(e->position().y());
    m_dragged = false;
}

void ParallelCoordinates::mouseMoveEvent(QMouseEvent *e)
{
    if (m_dragAxis < 0)
        return;
    const int y = int(e->position().y());
    if (std::abs(y - m_dragFrom) < 3 && !m_dragged)
        return;
    m_dragged = true;
    m_brush[std::size_t(m_dragAxis)] = {std::min(valueAt(m_dragAxis, y), valueAt(m_dragAxis, m_dragFrom)),
                                        std::max(valueAt(m_dragAxis, y), valueAt(m_dragAxis, m_dragFrom))};
    update();
}

void ParallelCoordinates::mouseReleaseEvent(QMouseEvent *e)
{
    if (m_dragAxis < 0)
        return;
    if (m_dragged)
        mouseMoveEvent(e);  // the brush up to where the button was released
    const int axis = m_dragAxis;
    m_dragAxis = -1;
    if (!m_dragged) {
        setBrush(axis, kNaN, kNaN);  // a click clears
        return;
    }
    const auto [lo, hi] = m_brush[std::size_t(axis)];
    Q_EMIT brushed(axis, lo, hi);
}

} // namespace fbnet
