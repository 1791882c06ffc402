#include "archdiagram.h"

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
    const int margin = 12, rowH = std::max(90, (size.height() - 2 * margin - 40) / int(m_rows.size()));
    for (std::size_t r = 0; r < m_rows.size(); ++r) {
        const auto &row = m_rows[r];
        const int top = margin + int(r) * rowH;
        QFont bold = font();
        bold.setBold(true);
        p.setFont(bold);
        p.setPen(text);
        p.drawText(margin, top + 14, row.title);
        p.setFont(font());
        p.drawText(margin + 8 + p.fontMetrics().horizontalAdvance(row.title) + 40, top + 14, row.subtitle);
        const int n = int(row.plan.chosen.size());
        if (n == 0)
            continue;
        // stem + layers + head; a gap between stages
        int stages = 1;
        for (int i = 1; i < n; ++i)
            stages += row.plan.layers[std::size_t(i)].stage != row.plan.layers[std::size_t(i - 1)].stage;
        const double gap = 8, ends = 2 * 34.0;
        const double unit = (size.width() - 2 * margin - ends - gap * (stages + 1)) / n;
        const double boxTop = top + 24, boxMaxH = rowH - 46;
        double x = margin;
        auto drawEnd = [&](const QString &label, int channels) {
            QRectF rect(x, boxTop + boxMaxH * 0.15, 30, boxMaxH * 0.7);
            p.setPen(QPen(text, 1));
            p.setBrush(pal.color(QPalette::AlternateBase));
            p.drawRoundedRect(rect, 3, 3);
            p.save();
            p.translate(rect.center());
            p.rotate(-90);
            p.drawText(QRectF(-rect.height() / 2, -rect.width() / 2, rect.height(), rect.width()), Qt::AlignCenter,
                       QStringLiteral("%1 %2").arg(label).arg(channels));
            p.restore();
            x += 34;
        };
        drawEnd(tr("stem"), row.plan.stemChannels);
        x += gap;
        for (int i = 0; i < n; ++i) {
            if (i > 0 && row.plan.layers[std::size_t(i)].stage != row.plan.layers[std::size_t(i - 1)].stage)
                x += gap;
            const BlockSpec &b = row.plan.chosen[std::size_t(i)];
            const bool skip = b.kind == BlockSpec::Kind::Skip;
            const double h = skip ? boxMaxH * 0.25 : boxMaxH * std::clamp(0.35 + 0.1 * b.expansion, 0.35, 1.0);
            QRectF rect(x + 1, boxTop + (boxMaxH - h) / 2, unit - 2, h);
            p.setPen(QPen(pal.color(QPalette::Mid), 1));
            p.setBrush(blockColor(b));
            p.drawRect(rect);
            if (b.groups > 1) {
                p.setBrush(QBrush(QColor(255, 255, 255, 140), Qt::BDiagPattern));
                p.drawRect(rect);
            }
            if (std::find(differ.begin(), differ.end(), i) != differ.end()) {
                p.setPen(QPen(QColor(220, 30, 30), 2));
                p.setBrush(Qt::NoBrush);
                p.drawRect(rect.adjusted(-1, -1, 1, 1));
            }
            // label: k/e under the box
            p.setPen(text);
            QFont small = font();
            small.setPointSizeF(std::max(6.0, font().pointSizeF() - 2.5));
            p.setFont(small);
            const QString label = skip ? QStringLiteral("skip")
                                       : QStringLiteral("k%1\ne%2%3").arg(b.doubleDw ? 33 : b.kernel).arg(b.expansion).arg(b.groups > 1 ? QStringLiteral("\ng2") : QString());
            p.drawText(QRectF(x, boxTop + boxMaxH + 1, unit, 40), Qt::AlignHCenter | Qt::AlignTop, label);
            p.setFont(font());
            x += unit;
        }
        x += gap;
        drawEnd(tr("head"), row.plan.headChannels);
    }
    // legend
    p.setFont(font());
    const int ly = size.height() - 18;
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
    p.drawText(lx, ly + 2, tr("height and darkness: expansion · hatched: group 2 + shuffle") +
                               (m_rows.size() > 1 ? tr(" · red outline: layers that differ") : QString()));
}

bool ArchitectureDiagram::save(const QString &path)
{
    const QSize sz(std::max(width(), 1000), std::max(height(), 180 + 110 * int(m_rows.size())));
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
