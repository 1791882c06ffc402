#include "archdiagram.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPaintEvent>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <algorithm>

namespace fbnet {

QColor blockColor(const BlockSpec &b)
{
    if (b.kind == BlockSpec::Kind::Skip)
        return QColor(190, 190, 190);
    const int hue = b.doubleDw ? 280 : b.kernel <= 3 ? 210 : b.kernel == 5 ? 28 : 140;
    // e=1 light, e=3 medium, e=6 dark
    const int value = std::clamp(int(245 - 22 * b.expansion), 100, 235);
    const int sat = std::clamp(int(90 + 25 * b.expansion), 90, 255);
    return QColor::fromHsv(hue, sat, value);
}

ArchitectureDiagram::ArchitectureDiagram(QWidget *parent) : QWidget(parent)
{
    setMinimumHeight(180);
    setAutoFillBackground(true);
}

void ArchitectureDiagram::setRows(std::vector<Row> rows)
{
    m_rows = std::move(rows);
    updateGeometry();
    update();
}

std::vector<int> ArchitectureDiagram::differingLayers() const
{
    std::vector<int> out;
    if (m_rows.size() < 2)
        return out;
    const auto &a = m_rows[0].plan.chosen, &b = m_rows[1].plan.chosen;
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i)
        if (i >= a.size() || i >= b.size() || a[i].name != b[i].name)
            out.push_back(int(i));
    return out;
}

void ArchitectureDiagram::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    paint(p, size());
}

QFont ArchitectureDiagram::smallFont() const
{
    QFont small = font();
    small.setPointSizeF(std::max(6.0, font().pointSizeF() - 2.5));
    return small;
}

ArchitectureDiagram::RowLayout ArchitectureDiagram::layoutRow(int r, const QSize &size) const
{
    RowLayout l;
    const Row &row = m_rows[std::size_t(r)];
    const QFontMetricsF small(smallFont());
    const double line = small.lineSpacing();
    bool anyMs = false;
    for (const auto &rr : m_rows)
        anyMs = anyMs || !rr.layerMs.empty();
    // Title, stage headers, boxes, block labels (up to 3 lines), per-layer latency: stacked, so a
    // row's labels never reach the next row's title.
    const double titleH = 22, headerH = line + 4, labelH = 3 * line, msH = anyMs ? line + 2 : 0;
    const double minRow = titleH + headerH + 36 + labelH + msH + 10;
    const int margin = 12;
    const double rowH = std::max(minRow, (size.height() - 2.0 * margin - 40) / double(m_rows.size()));
    const double top = margin + r * rowH;
    l.title = QRectF(margin, top, size.width() - 2 * margin, titleH);
    const double headerTop = top + titleH, boxTop = headerTop + headerH;
    const double boxMaxH = rowH - titleH - headerH - labelH - msH - 10;
    l.boxMaxH = boxMaxH;
    const int n = int(row.plan.chosen.size());
    if (n == 0) {
        l.bottom = l.title.bottom();
        return l;
    }
    int stages = 1;
    for (int i = 1; i < n; ++i)
        stages += row.plan.layers[std::size_t(i)].stage != row.plan.layers[std::size_t(i - 1)].stage;
    const double gap = 8, ends = 2 * 34.0;
    const double unit = (size.width() - 2 * margin - ends - gap * (stages + 1)) / n;
    double x = margin;
    l.stem = QRectF(x, boxTop + boxMaxH * 0.15, 30, boxMaxH * 0.7);
    x += 34 + gap;
    for (int i = 0; i < n; ++i) {
        const LayerSpec &layer = row.plan.layers[std::size_t(i)];
        if (i == 0 || layer.stage != row.plan.layers[std::size_t(i - 1)].stage) {
            if (i > 0)
                x += gap;
            l.stageHeaders.push_back(QRectF(x, headerTop, 0, headerH - 2));
            l.stageText.push_back(tr("c%1 s%2").arg(layer.cout).arg(layer.stride));
        }
        const BlockSpec &b = row.plan.chosen[std::size_t(i)];
        const double h = b.kind == BlockSpec::Kind::Skip ? boxMaxH * 0.25 : boxMaxH * std::clamp(0.35 + 0.1 * b.expansion, 0.35, 1.0);
        l.boxes.push_back(QRectF(x + 1, boxTop + (boxMaxH - h) / 2, unit - 2, h));
        l.labels.push_back(QRectF(x, boxTop + boxMaxH + 1, unit, labelH));
        l.latencies.push_back(QRectF(x, boxTop + boxMaxH + 1 + labelH, unit, msH));
        l.stageHeaders.back().setRight(x + unit);
        x += unit;
    }
    x += gap;
    l.head = QRectF(x, boxTop + boxMaxH * 0.15, 30, boxMaxH * 0.7);
    l.bottom = boxTop + boxMaxH + 1 + labelH + msH;
    return l;
}

QString ArchitectureDiagram::layerLabel(int r, int layer) const
{
    const Row &row = m_rows[std::size_t(r)];
    const BlockSpec &b = row.plan.chosen[std::size_t(layer)];
    if (b.kind == BlockSpec::Kind::Skip)
        return QStringLiteral("skip");
    return QStringLiteral("k%1\ne%2%3").arg(b.doubleDw ? 33 : b.kernel).arg(b.expansion).arg(b.groups > 1 ? QStringLiteral("\ng2") : QString());
}

QString ArchitectureDiagram::layerLatency(int r, int layer) const
{
    const auto &ms = m_rows[std::size_t(r)].layerMs;
    if (std::size_t(layer) >= ms.size() || !(ms[std::size_t(layer)] >= 0))
        return {};
    const double v = ms[std::size_t(layer)];
    return QString::number(v, 'f', v < 1 ? 2 : 1);
}

QRectF ArchitectureDiagram::rowBounds(int r) const
{
    const RowLayout l = layoutRow(r, size());
    return QRectF(l.title.topLeft(), QPointF(l.title.right(), l.bottom));
}

QStringList ArchitectureDiagram::stageHeaders(int r) const
{
    return layoutRow(r, size()).stageText;
}

void ArchitectureDiagram::paint(QPainter &p, const QSize &size)
{
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    p.fillRect(QRect(QPoint(0, 0), size), pal.color(QPalette::Base));
    const QColor text = pal.color(QPalette::Text);
    if (m_rows.empty()) {
        p.setPen(text);
        p.drawText(QRect(QPoint(0, 0), size), Qt::AlignCenter, tr("Open a run, or pick architectures to compare."));
        return;
    }
    const auto differ = differingLayers();
    const QFont small = smallFont();
    const int margin = 12;
    for (std::size_t r = 0; r < m_rows.size(); ++r) {
        const auto &row = m_rows[r];
        const RowLayout l = layoutRow(int(r), size);
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.setPen(text);
        p.drawText(l.title, Qt::AlignLeft | Qt::AlignVCenter, row.title);
        p.setFont(font());
        p.drawText(l.title.adjusted(QFontMetricsF(bold).horizontalAdvance(row.title) + 40, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter,
                   row.subtitle);
        if (l.boxes.empty())
            continue;
        auto drawEnd = [&](const QRectF &rect, const QString &label, int channels) {
            p.setPen(QPen(text, 1));
            p.setBrush(pal.color(QPalette::AlternateBase));
            p.drawRoundedRect(rect, 3, 3);
            p.save();
            p.translate(rect.center());
            p.rotate(-90);
            p.drawText(QRectF(-rect.height() / 2, -rect.width() / 2, rect.height(), rect.width()), Qt::AlignCenter,
                       QStringLiteral("%1 %2").arg(label).arg(channels));
            p.restore();
        };
        drawEnd(l.stem, tr("stem"), row.plan.stemChannels);
        // Each stage's output channels and first stride over its layers, a bracket under the text.
        p.setFont(small);
        for (std::size_t s = 0; s < l.stageHeaders.size(); ++s) {
            const QRectF h = l.stageHeaders[s];
            p.setPen(QPen(pal.color(QPalette::Mid), 1));
            p.drawLine(QPointF(h.left() + 1, h.bottom()), QPointF(h.right() - 1, h.bottom()));
            p.setPen(text);
            p.drawText(h, Qt::AlignHCenter | Qt::AlignBottom, p.fontMetrics().elidedText(l.stageText[std::size_t(s)], Qt::ElideRight, int(h.width())));
        }
        for (std::size_t i = 0; i < l.boxes.size(); ++i) {
            const BlockSpec &b = row.plan.chosen[i];
            const QRectF rect = l.boxes[i];
            p.setPen(QPen(pal.color(QPalette::Mid), 1));
            p.setBrush(blockColor(b));
            p.drawRect(rect);
            if (b.groups > 1) {
                p.setBrush(QBrush(QColor(255, 255, 255, 140), Qt::BDiagPattern));
                p.drawRect(rect);
            }
            if (std::find(differ.begin(), differ.end(), int(i)) != differ.end()) {
                p.setPen(QPen(QColor(220, 30, 30), 2));
                p.setBrush(Qt::NoBrush);
                p.drawRect(rect.adjusted(-1, -1, 1, 1));
            }
            p.setPen(text);
            p.drawText(l.labels[i], Qt::AlignHCenter | Qt::AlignTop, layerLabel(int(r), int(i)));
            if (const QString ms = layerLatency(int(r), int(i)); !ms.isEmpty()) {
                p.setPen(pal.color(QPalette::PlaceholderText));
                p.drawText(l.latencies[i], Qt::AlignHCenter | Qt::AlignTop, ms);
            }
        }
        p.setFont(font());
        drawEnd(l.head, tr("head"), row.plan.headChannels);
    }
    // legend
    p.setFont(font());
    const int ly = size.height() - 30;  // two lines: the swatches, then what the rest means
    int lx = margin;
    auto legend = [&](const QColor &c, const QString &t) {
        p.setPen(QPen(pal.color(QPalette::Mid), 1));
        p.setBrush(c);
        p.drawRect(lx, ly - 9, 12, 12);
        p.setPen(text);
        p.drawText(lx + 16, ly + 2, t);
        lx += 24 + p.fontMetrics().horizontalAdvance(t);
    };
    BlockSpec k3, k5, skip;
    k3.kernel = 3;
    k3.expansion = 3;
    k5.kernel = 5;
    k5.expansion = 3;
    skip.kind = BlockSpec::Kind::Skip;
    legend(blockColor(k3), tr("3×3 depthwise"));
    legend(blockColor(k5), tr("5×5 depthwise"));
    legend(blockColor(skip), tr("skip"));
    p.setPen(text);
    QString device;
    for (const auto &row : m_rows)
        if (!row.layerMs.empty() && device.isEmpty())
            device = row.latencyDevice;
    p.drawText(lx, ly + 2, tr("height and darkness: expansion · hatched: group 2 + shuffle"));
    p.drawText(margin, ly + 20, tr("cN sM: a stage's output channels and stride") +
                                    (device.isEmpty() ? QString() : tr(" · under a block: its ms on %1").arg(device)) +
                                    (m_rows.size() > 1 ? tr(" · red outline: layers that differ") : QString()));
}

bool ArchitectureDiagram::save(const QString &path)
{
    const QSize sz(std::max(width(), 1000), std::max(height(), sizeHint().height()));
    if (path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive)) {
        QImage img(sz, QImage::Format_ARGB32);
        QPainter p(&img);
        paint(p, sz);
        return p.end() && img.save(path);
    }
    if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
        QSvgGenerator gen;
        gen.setFileName(path);
        gen.setSize(sz);
        gen.setViewBox(QRect(QPoint(0, 0), sz));
        QPainter p(&gen);
        paint(p, sz);
        return p.end();
    }
    if (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive)) {
        QPdfWriter pdf(path);
        pdf.setPageSize(QPageSize(QSizeF(sz.width(), sz.height()), QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setResolution(72);
        QPainter p(&pdf);
        paint(p, sz);
        return p.end();
    }
    return false;
}

} // namespace fbnet
