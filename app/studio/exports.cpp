#include "exports.h"

#include <cmath>
#include <filesystem>

#include <QMessageBox>

#include "fbnet/onnxexport.h"

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

QString exportOnnxModel(QWidget *parent, RunStore &store, qint64 runId)
{
    try {
        const StoredArchitecture *argmax = nullptr;
        const auto archs = store.architectures(runId);
        for (const auto &a : archs)
            if (a.role == "argmax")
                argmax = &a;
        if (!argmax)
            return QObject::tr("This run has no argmax architecture yet.");
        const QString to = getSaveFileName(parent, QObject::tr("Export ONNX model"), QStringLiteral("model.onnx"), QObject::tr("ONNX (*.onnx)"));
        if (to.isEmpty())
            return {};
        const RunInfo run = store.run(runId);
        const RunContext context = loadRunContext(run, store.path());
        OnnxExportOptions o;
        // The newest training of this architecture whose weights file is still there, else random weights.
        for (const auto &e : store.evaluations(argmax->id))
            if (!e.weightsPath.empty() && std::filesystem::exists(e.weightsPath))
                o.weightsPath = e.weightsPath;
        o.description = "FBNet Studio export of the argmax of run '" + run.name + "' (space " + context.space.name + ")";
        const OnnxExportSummary s = exportOnnx(context.space, argmax->architecture, o, to.toStdString());
        QString check = QObject::tr("Not checked against an independent runtime.");
        std::string why;
        if (opencvCanRun(to.toStdString(), &why)) {
            std::vector<float> input(std::size_t(2 * s.inputChannels * s.inputSize * s.inputSize));
            for (std::size_t i = 0; i < input.size(); ++i)
                input[i] = float(std::sin(double(i) * 0.37));
            const double rel = maxRelativeDifference(opencvLogits(to.toStdString(), input, 2, s.inputChannels, s.inputSize),
                                                     torchLogits(context.space, argmax->architecture, o.weightsPath, o.seed, input, 2));
            check = QObject::tr("OpenCV's dnn module and libtorch agree to %1 (relative).").arg(rel, 0, 'g', 2);
        } else {
            check = QString::fromStdString(why);
        }
        QMessageBox::information(parent, QObject::tr("ONNX model written"),
                                 QObject::tr("%1\n\nOpset %2, %3 nodes, input N×%4×%5×%5, %6 classes, %7 weights%8.\n\n%9")
                                     .arg(to)
                                     .arg(s.opset)
                                     .arg(s.nodes)
                                     .arg(s.inputChannels)
                                     .arg(s.inputSize)
                                     .arg(s.numClasses)
                                     .arg(s.trainedWeights ? QObject::tr("trained") : QObject::tr("random"))
                                     .arg(s.trainedWeights ? QStringLiteral(" (") + QString::fromStdString(o.weightsPath) + QStringLiteral(")")
                                                           : QObject::tr(" (train the architecture to export its weights)"))
                                     .arg(check));
        return {};
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
