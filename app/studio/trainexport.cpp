#include "trainexport.h"

#include <QDialog>
#include <QDir>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

#include "fbnet/archexport.h"
#include "fbnet/chooser.h"
#include "fbnet/runstore.h"
#include "filedialogs.h"
#include "trainingfields.h"

namespace fbnet::studio {

TrainExportPlan planTrainAndExport(const RunStore &store, qint64 runId, double targetMs, int epochs, std::size_t images,
                                   std::size_t testImages, const QString &onnxPath)
{
    const RunInfo run = store.run(std::int64_t(runId));
    const StoredArchitecture chosen = chosenArchitecture(store, run, targetMs);  // what every export takes
    TrainExportPlan plan;
    plan.training.runsPath = store.path();
    plan.training.runId = runId;
    plan.training.architectureIds = {chosen.id};
    plan.training.keepWeights = true;
    plan.training.config.epochs = epochs;
    plan.training.subset = images;
    plan.training.testSubset = testImages;
    plan.onnxPath = onnxPath;
    plan.targetMs = targetMs;
    plan.describe = QObject::tr("architecture %1 '%2' of run '%3'")
                        .arg(chosen.id)
                        .arg(QString::fromStdString(chosen.architecture.name), QString::fromStdString(run.name));
    if (targetMs > 0)
        plan.describe += QObject::tr(" (target %1 ms)").arg(targetMs, 0, 'g', 4);
    return plan;
}

std::optional<TrainExportPlan> askTrainAndExport(QWidget *parent, const RunStore &store, qint64 runId, double targetMs)
{
    // Which architecture first: a run without one is refused before any question.
    const TrainExportPlan probe = planTrainAndExport(store, runId, targetMs, 1, 100, 100, {});
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Train & export"));
    auto *form = new QFormLayout(&dialog);
    form->addRow(new QLabel(QObject::tr("Trains %1 from scratch on the run's data set, keeps its weights beside the\n"
                                        "store (removed with the run) and writes it as ONNX with those weights.")
                                .arg(probe.describe),
                            &dialog));
    const QString runName = QString::fromStdString(store.run(std::int64_t(runId)).name);
    auto *path = new QLineEdit(QDir::home().filePath(runName + QStringLiteral(".onnx")), &dialog);
    auto *browse = new QPushButton(QObject::tr("Browse…"), &dialog);
    QObject::connect(browse, &QPushButton::clicked, &dialog, [&dialog, path] {
        const QString to = getSaveFileName(&dialog, QObject::tr("Export ONNX model"), path->text(), QObject::tr("ONNX (*.onnx)"));
        if (!to.isEmpty())
            path->setText(to);
    });
    auto *row = new QHBoxLayout;
    row->addWidget(path, 1);
    row->addWidget(browse);
    form->addRow(QObject::tr("ONNX file:"), row);
    const TrainingFields f(&dialog);
    std::vector<StoredArchitecture> chosen;  // the one architecture the export takes
    for (const auto &a : store.architectures(std::int64_t(runId)))
        if (a.id == probe.training.architectureIds.front())
            chosen.push_back(a);
    const DialogPlan plan = makeDialogPlan(store, std::int64_t(runId),
                                           [chosen](const TrainingPlanner &p, const TrainConfig &c, std::size_t n, std::size_t t) {
                                               return p.plan(chosen, c, n, t);
                                           });
    if (!runTrainingDialog(dialog, form, f, QObject::tr("Train && export"), plan) || path->text().trimmed().isEmpty())
        return std::nullopt;
    return planTrainAndExport(store, runId, targetMs, f.epochs->value(), std::size_t(f.images->value()),
                              std::size_t(f.testImages->value()), path->text().trimmed());
}

} // namespace fbnet::studio
