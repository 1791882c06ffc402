#include "exports.h"

#include <QMainWindow>
#include <QSettings>

#include "archdiagram.h"
#include "fbnet/mobilevision.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"
#include "fbnet/storedsearch.h"
#include "filedialogs.h"
#include "metricsplot.h"
#include "paretoview.h"
#include "searchcontroller.h"
#include "thetaheatmap.h"

namespace fbnet::studio {

QString exportArchitecture(QWidget *parent, RunStore &store, qint64 runId, bool mobileVision)
{
    const QString to = mobileVision
        ? getSaveFileName(parent, QObject::tr("Export arch_def"), QStringLiteral("arch_def.json"), QObject::tr("JSON (*.json)"))
        : getSaveFileName(parent, QObject::tr("Export architecture"), QStringLiteral("architecture.json"),
                          QObject::tr("Architecture JSON (*.json)"));
    if (to.isEmpty())
        return {};
    try {
        for (const auto &a : store.architectures(runId))
            if (a.role == "argmax") {
                if (mobileVision)
                    writeTextFileAtomic(to.toStdString(),
                                        toMobileVisionArchDef(loadRunContext(store.run(runId), store.path()).space, a.architecture));
                else
                    saveArchitecture(a.architecture, to.toStdString());
                return {};
            }
        return QObject::tr("This run has no argmax architecture yet.");
    } catch (const std::exception &e) {
        return QString::fromStdString(e.what());
    }
}

QString exportMetrics(QWidget *parent, RunStore &store, qint64 runId)
{
    const QString to = getSaveFileName(parent, QObject::tr("Export metrics"), QStringLiteral("epochs.csv"), QObject::tr("CSV (*.csv)"));
    if (to.isEmpty())
        return {};
    try {
        writeTextFileAtomic(to.toStdString(), store.epochsCsv(runId));
        const QString steps = to.left(to.lastIndexOf(QLatin1Char('.'))) + QStringLiteral("-steps.csv");
        writeTextFileAtomic(steps.toStdString(), store.stepsCsv(runId));
        return {};
    } catch (const std::exception &e) {
        return QString::fromStdString(e.what());
    }
}

QString exportPlots(QWidget *parent, MetricsPlot *metrics, ThetaHeatmap *heatmap, ParetoView *pareto, ArchitectureDiagram *diagram)
{
    const QString to = getSaveFileName(parent, QObject::tr("Export plots"), QStringLiteral("fbnet-curves.png"),
                                       QObject::tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)"));
    if (to.isEmpty())
        return {};
    const QString stem = to.left(to.lastIndexOf(QLatin1Char('.')));
    const QString ext = to.mid(to.lastIndexOf(QLatin1Char('.')));
    const bool ok = metrics->save(stem + ext) && heatmap->save(stem + QStringLiteral("-theta") + ext)
        && pareto->save(stem + QStringLiteral("-pareto") + ext) && diagram->save(stem + QStringLiteral("-architecture") + ext);
    return ok ? QString() : QObject::tr("Cannot write %1 (use .png, .pdf or .svg).").arg(to);
}

void restoreSettings(QMainWindow *window, SearchRequest &request)
{
    QSettings s;
    window->restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    SearchInvocation &inv = request.invocation;
    inv.space = s.value(QStringLiteral("search/space"), QString::fromStdString(inv.space)).toString().toStdString();
    request.config.epochs = s.value(QStringLiteral("search/epochs"), request.config.epochs).toInt();
    request.config.warmupEpochs = s.value(QStringLiteral("search/warmup"), request.config.warmupEpochs).toInt();
    request.config.batchSize = s.value(QStringLiteral("search/batch"), request.config.batchSize).toInt();
    inv.subset = s.value(QStringLiteral("search/subset"), qulonglong(inv.subset)).toULongLong();
}

void saveSettings(const QMainWindow *window, const SearchRequest &request)
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), window->saveGeometry());
    s.setValue(QStringLiteral("search/space"), QString::fromStdString(request.invocation.space));
    s.setValue(QStringLiteral("search/epochs"), request.config.epochs);
    s.setValue(QStringLiteral("search/warmup"), request.config.warmupEpochs);
    s.setValue(QStringLiteral("search/batch"), request.config.batchSize);
    s.setValue(QStringLiteral("search/subset"), qulonglong(request.invocation.subset));
}

} // namespace fbnet::studio
