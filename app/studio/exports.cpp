#include "exports.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>

#include <QMessageBox>

#include "fbnet/onnxexport.h"

#include <QMainWindow>
#include <QSettings>

#include "archdiagram.h"
#include "fbnet/archexport.h"
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

QString ExportReport::message() const
{
    if (written.isEmpty())
        return {};
    QString m = QObject::tr("Wrote %1").arg(written.join(QStringLiteral(", ")));
    if (!detail.isEmpty())
        m += QStringLiteral(" (") + detail + QStringLiteral(")");
    return m + QStringLiteral(".");
}

namespace {

/** The newest training of the exported architecture whose weights file is still there; empty: none. */
std::string newestWeightsPath(const ArchitectureExport &subject)
{
    const Evaluation *trained = trainedWeightsOf(subject);  // core's rule, as the CLI's export
    return trained ? trained->weightsPath : std::string();
}

/** arch_def.json -> arch_def.weights.pt: where a mobile-vision arch_def's trained weights go. */
QString mobileVisionWeightsPathFor(const QString &archDef)
{
    QString base = archDef;
    if (base.endsWith(QStringLiteral(".json"), Qt::CaseInsensitive))
        base.chop(5);
    return base + QStringLiteral(".weights.pt");
}

} // namespace

ExportReport exportArchitecture(QWidget *parent, RunStore &store, qint64 runId, bool mobileVision, double targetMs)
{
    const QString to = mobileVision
        ? getSaveFileName(parent, QObject::tr("Export arch_def"), QStringLiteral("arch_def.json"), QObject::tr("JSON (*.json)"))
        : getSaveFileName(parent, QObject::tr("Export architecture"), QStringLiteral("architecture.json"),
                          QObject::tr("Architecture JSON (*.json)"));
    if (to.isEmpty())
        return {};
    return writeArchitecture(store, runId, mobileVision, to, targetMs);
}

ExportReport writeArchitecture(RunStore &store, qint64 runId, bool mobileVision, const QString &to, double targetMs)
{
    ExportReport report;
    try {
        // The same subject and JSON as `fbnet export --run R --format json`.
        const ArchitectureExport subject = architectureExportOfRun(store, std::to_string(runId), "", targetMs);
        const std::string text = mobileVision ? toMobileVisionArchDef(subject.space, subject.arch) : architectureExportJson(subject);
        // mobile-vision: the trained weights too, under its names (the CLI's --format mobile-vision --weights).
        // They go first, as in the CLI: weights that do not fit the architecture leave neither file behind.
        const std::string weights = mobileVision ? newestWeightsPath(subject) : std::string();
        QString pt;
        if (!weights.empty()) {
            pt = mobileVisionWeightsPathFor(to);
            exportMobileVisionWeights(subject.space, subject.arch, weights, pt.toStdString());
        }
        writeTextFileAtomic(to.toStdString(), text);
        report.written << to;
        report.detail = QString::fromStdString(subject.describe);
        if (!pt.isEmpty()) {
            report.written << pt;
            report.detail += QObject::tr("; trained weights under mobile-vision's names");
        }
        if (subject.thetaEpochs == 0)
            report.detail += QStringLiteral("; ") + QString::fromStdString(untrainedThetaWarning());
    } catch (const std::exception &e) {
        report.error = QString::fromStdString(e.what());
    }
    return report;
}

ExportReport exportOnnxModel(QWidget *parent, RunStore &store, qint64 runId, double targetMs)
{
    const auto archs = store.architectures(runId);
    if (std::none_of(archs.begin(), archs.end(), [](const StoredArchitecture &a) { return a.role == "argmax"; })) {
        ExportReport report;
        report.error = QObject::tr("This run has no argmax architecture yet.");
        return report;
    }
    const QString to = getSaveFileName(parent, QObject::tr("Export ONNX model"), QStringLiteral("model.onnx"), QObject::tr("ONNX (*.onnx)"));
    if (to.isEmpty())
        return {};
    const ExportReport report = writeOnnxModel(store, runId, to, targetMs);
    if (report.error.isEmpty())
        QMessageBox::information(parent, QObject::tr("ONNX model written"), report.summary);
    return report;
}

ExportReport writeOnnxModel(RunStore &store, qint64 runId, const QString &to, double targetMs)
{
    ExportReport report;
    try {
        // The architecture the run hands back, with its space, evaluations and θ's training, as every export reads it.
        const ArchitectureExport subject = architectureExportOfRun(store, std::to_string(runId), "", targetMs);
        const bool untrained = subject.thetaEpochs == 0;
        OnnxExportOptions o;
        const Evaluation *trained = trainedWeightsOf(subject);  // core's rule, as the CLI's export; else random weights
        if (trained)
            o.weightsPath = trained->weightsPath;
        o.description = "FBNet Studio export of " + subject.describe + " (space " + subject.space.name + "): " + subject.provenanceJson;
        const OnnxExportSummary s = exportOnnx(subject.space, subject.arch, o, to.toStdString());
        const OpenCvCheck c = checkInOpenCv(subject.space, subject.arch, o, to.toStdString());
        QString check = c.ran ? QObject::tr("OpenCV's dnn module and libtorch agree to %1 (relative)%2.")
                                    .arg(c.relativeDifference, 0, 'g', 2)
                                    .arg(c.fixedBatchCopy ? QObject::tr(", on a copy with the batch fixed") : QString())
                              : QString::fromStdString(c.why);
        if (untrained)
            check += QStringLiteral("\n\n") + QObject::tr("Warning: ") + QString::fromStdString(untrainedThetaWarning()) + QStringLiteral(".");
        const QString weights = trained ? QString::fromStdString(trainedWeightsLabel(*trained))
                                        : QObject::tr("random weights (train the architecture to export its weights: File ▸ Train & export)");
        report.summary = QObject::tr("%1\n\n%2.\nOpset %3, %4 nodes, input N×%5×%6×%6, %7 classes; %8.\n\n%9")
                             .arg(to, QString::fromStdString(subject.describe))
                             .arg(s.opset)
                             .arg(s.nodes)
                             .arg(s.inputChannels)
                             .arg(s.inputSize)
                             .arg(s.numClasses)
                             .arg(weights, check);
        report.written << to;
        report.detail = QString::fromStdString(subject.describe) + QStringLiteral(", ") +
                        (trained ? QString::fromStdString(trainedWeightsLabel(*trained)) : QObject::tr("random weights"));
        report.trainedWeights = trained != nullptr;
        if (untrained)
            report.detail += QStringLiteral("; ") + QString::fromStdString(untrainedThetaWarning());
    } catch (const std::exception &e) {
        report.error = QString::fromStdString(e.what());
    }
    return report;
}

ExportReport exportMetrics(QWidget *parent, RunStore &store, qint64 runId)
{
    ExportReport report;
    const QString to = getSaveFileName(parent, QObject::tr("Export metrics"), QStringLiteral("epochs.csv"), QObject::tr("CSV (*.csv)"));
    if (to.isEmpty())
        return report;
    try {
        writeTextFileAtomic(to.toStdString(), store.epochsCsv(runId));
        report.written << to;
        const QString steps = to.left(to.lastIndexOf(QLatin1Char('.'))) + QStringLiteral("-steps.csv");
        writeTextFileAtomic(steps.toStdString(), store.stepsCsv(runId));
        report.written << steps;
        report.detail = QObject::tr("per-epoch and per-step metrics");
    } catch (const std::exception &e) {
        report.error = QString::fromStdString(e.what());
    }
    return report;
}

ExportReport exportPlots(QWidget *parent, MetricsPlot *metrics, ThetaHeatmap *heatmap, ParetoView *pareto, ArchitectureDiagram *diagram)
{
    const QString to = getSaveFileName(parent, QObject::tr("Export plots"), QStringLiteral("fbnet-curves.png"),
                                       QObject::tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)"));
    if (to.isEmpty())
        return {};
    return writePlots(to, metrics, heatmap, pareto, diagram);
}

ExportReport writePlots(const QString &to, MetricsPlot *metrics, ThetaHeatmap *heatmap, ParetoView *pareto, ArchitectureDiagram *diagram)
{
    ExportReport report;
    const QString stem = to.left(to.lastIndexOf(QLatin1Char('.')));
    const QString ext = to.mid(to.lastIndexOf(QLatin1Char('.')));
    const std::pair<QString, std::function<bool(const QString &)>> plots[] = {
        {stem + ext, [metrics](const QString &f) { return metrics->save(f); }},
        {stem + QStringLiteral("-theta") + ext, [heatmap](const QString &f) { return heatmap->save(f); }},
        {stem + QStringLiteral("-pareto") + ext, [pareto](const QString &f) { return pareto->save(f); }},
        {stem + QStringLiteral("-architecture") + ext, [diagram](const QString &f) { return diagram->save(f); }},
    };
    for (const auto &[file, save] : plots) {
        if (!save(file)) {
            report.error = QObject::tr("Cannot write %1 (use .png, .pdf or .svg).").arg(file);
            if (!report.written.isEmpty())
                report.error += QObject::tr(" Already written: %1.").arg(report.written.join(QStringLiteral(", ")));
            return report;
        }
        report.written << file;
    }
    report.detail = QObject::tr("curves, θ heatmap, Pareto, architecture");
    return report;
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
