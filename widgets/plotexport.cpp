#include "plotexport.h"

#include <algorithm>
#include <cmath>

#include <QStringList>

#include <QPainter>
#include <QPalette>
#include <QSvgGenerator>

#include <qcustomplot.h>

namespace fbnet {

bool savePlot(QCustomPlot *plot, const QString &path)
{
    if (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive))
        return plot->savePdf(path, 900, 600);
    if (path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive))
        return plot->savePng(path, 900, 600);
    if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
        QSvgGenerator gen;
        gen.setFileName(path);
        gen.setSize(QSize(900, 600));
        gen.setViewBox(QRect(0, 0, 900, 600));
        QCPPainter painter;
        if (!painter.begin(&gen))
            return false;
        plot->toPainter(&painter, 900, 600);
        return painter.end();
    }
    return false;
}

void applyPlotPalette(QCustomPlot *plot, const QPalette &pal)
{
    const QColor text = pal.color(QPalette::WindowText), base = pal.color(QPalette::Base), mid = pal.color(QPalette::Mid);
    plot->setBackground(base);
    for (auto *rect : plot->axisRects())
        for (auto *ax : rect->axes()) {
            ax->setBasePen(QPen(text));
            ax->setTickPen(QPen(text));
            ax->setSubTickPen(QPen(text));
            ax->setTickLabelColor(text);
            ax->setLabelColor(text);
            QColor g = mid;
            g.setAlpha(110);
            ax->grid()->setPen(QPen(g, 1, Qt::DotLine));
        }
    if (plot->legend) {  // a plot that rebuilt its layout may have none
        plot->legend->setBrush(base);
        plot->legend->setTextColor(text);
        plot->legend->setBorderPen(QPen(mid));
    }
    for (int i = 0; i < plot->plotLayout()->elementCount(); ++i)
        if (auto *t = qobject_cast<QCPTextElement *>(plot->plotLayout()->elementAt(i)))
            t->setTextColor(text);
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto *t = qobject_cast<QCPItemText *>(plot->item(i)))
            t->setColor(text);
}

QString plotContext(const std::string &name, const std::string &device, const std::string &dataset)
{
    QStringList parts;
    for (const auto *s : {&name, &device, &dataset})
        if (!s->empty())
            parts << QString::fromStdString(*s);
    return parts.join(QStringLiteral(" · "));
}

namespace {
/** QCustomPlot's ticker with its step rounded up to a whole number. */
class IntegerTicker : public QCPAxisTicker
{
protected:
    double getTickStep(const QCPRange &range) override { return std::max(1.0, std::ceil(QCPAxisTicker::getTickStep(range))); }
    int getSubTickCount(double tickStep) override { return tickStep < 2 ? 0 : QCPAxisTicker::getSubTickCount(tickStep); }
};
} // namespace

void useIntegerTicks(QCPAxis *axis)
{
    axis->setTicker(QSharedPointer<IntegerTicker>::create());
    axis->setNumberFormat(QStringLiteral("f"));
    axis->setNumberPrecision(0);
}

QString clockDuration(double seconds)
{
    if (!(seconds >= 0) || !std::isfinite(seconds))
        return QStringLiteral("–");
    const long long t = (long long)(seconds + 0.5);
    return QStringLiteral("%1:%2:%3").arg(t / 3600).arg(t / 60 % 60, 2, 10, QLatin1Char('0')).arg(t % 60, 2, 10, QLatin1Char('0'));
}

} // namespace fbnet
