// Honest labels: an architecture of an untrained θ says so in every view and export, the studio's
// architecture JSON is the CLI's, a Pareto view near chance warns, a baseline says what it spent.
#include <QApplication>
#include <QTimer>
#include <QSpinBox>
#include <QPushButton>
#include <QLineEdit>
#include <QLabel>
#include <QDialogButtonBox>
#include <QDialog>
#include <QAction>
#include <QSignalSpy>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "exports.h"
#include "fbnet/archexport.h"
#include "fbnet/runstore.h"
#include "fbnet/searchconfig.h"
#include "mainwindow.h"
#include "pages/paretopage.h"
#include "paretoview.h"
#include "runsession.h"
#include "runsmodel.h"
#include "studiofixtures.h"
#include "trainexport.h"
#include "trainingfields.h"

using namespace fbnet;

namespace {

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/** A copy of run `fromId` whose configuration has a longer warm-up than it ran: θ never trained. */
std::int64_t copyAsStoppedInWarmup(RunStore &store, std::int64_t fromId)
{
    RunInfo info = store.run(fromId);
    SearchConfig c = searchConfigFromJson(info.configJson, "test");
    c.warmupEpochs = c.epochs + 3;
    c.epochs += 4;
    info.configJson = searchConfigToJson(c);
    info.id = 0;
    info.name = "stopped-in-warmup";
    info.status = "stopped";
    const std::int64_t id = store.createRun(info);
    for (auto e : store.epochs(fromId)) {
        e.thetaTrained = false;
        store.recordEpoch(id, e, {}, 1.0);
    }
    for (auto a : store.architectures(fromId)) {
        a.runId = id;
        store.addArchitecture(a);
    }
    store.setStatus(id, "stopped");
    return id;
}
} // namespace

TEST(StudioExports, AnUntrainedThetaIsLabelledEverywhereAndTheStudiosArchitectureJsonIsTheClis)
{
    QTemporaryDir dir;
    MainWindow w;
    const qint64 trained = test::runTinyStoredSearch(w, dir, "trained");
    ASSERT_NE(trained, 0);
    const std::string db = w.storePath().toStdString();
    std::int64_t untrained = 0;
    {
        RunStore store(db);
        EXPECT_EQ(thetaEpochsOf(store.run(trained)), 1);  // 2 epochs, 1 of warm-up
        untrained = copyAsStoppedInWarmup(store, trained);
        EXPECT_EQ(thetaEpochsOf(store.run(untrained)), 0);
    }
    // The studio's File ▸ Export architecture writes what `fbnet export --format json` writes.
    const QString studioJson = dir.filePath(QStringLiteral("studio.json")), cliJson = dir.filePath(QStringLiteral("cli.json"));
    {
        RunStore store(db);
        const studio::ExportReport report = studio::writeArchitecture(store, trained, false, studioJson);
        ASSERT_TRUE(report.error.isEmpty()) << report.error.toStdString();
        EXPECT_EQ(report.written, QStringList{studioJson});
        EXPECT_TRUE(report.message().contains(studioJson)) << report.message().toStdString();
    }
    int code = -1;
    std::string out = test::shell(std::string(FBNET_CLI) + " export --runs " + db + " --run trained --format json --out " + cliJson.toStdString(), &code);
    ASSERT_EQ(code, 0) << out;
    const QByteArray a = readAll(studioJson), b = readAll(cliJson);
    EXPECT_EQ(a, b);
    for (const char *key : {"\"figures\"", "\"macs\"", "\"params\"", "\"latency\"", "\"provenance\"", "\"theta_epochs\": 1"})
        EXPECT_TRUE(a.contains(key)) << key;
    EXPECT_FALSE(a.contains("\"warning\""));

    // The untrained copy: runs list (studio and CLI), the exports, the Search tab's log.
    w.refreshRuns();
    int row = -1;
    for (int r = 0; r < w.runsModel()->rowCount(); ++r)
        if (w.runsModel()->row(r).run.id == untrained)
            row = r;
    ASSERT_GE(row, 0);
    const QString cell = w.runsModel()->data(w.runsModel()->index(row, RunsModel::ArgmaxMs)).toString();
    EXPECT_EQ(cell, QStringLiteral("untrained θ"));
    const QString trainedCell = w.runsModel()->data(w.runsModel()->index(row == 0 ? 1 : 0, RunsModel::ArgmaxMs)).toString();
    EXPECT_GT(trainedCell.toDouble(), 0.0) << trainedCell.toStdString();
    out = test::shell(std::string(FBNET_CLI) + " runs list --runs " + db, &code);
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find("untrained"), std::string::npos) << out;
    out = test::shell(std::string(FBNET_CLI) + " runs show stopped-in-warmup --runs " + db, &code);
    EXPECT_NE(out.find("untrained θ"), std::string::npos) << out;
    const QString untrainedJson = dir.filePath(QStringLiteral("untrained.json"));
    out = test::shell(std::string(FBNET_CLI) + " export --runs " + db + " --run stopped-in-warmup --out " + untrainedJson.toStdString(), &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("warning"), std::string::npos) << out;
    EXPECT_TRUE(readAll(untrainedJson).contains("\"warning\": \"untrained"));
    {
        RunStore store(db);
        const studio::ExportReport report = studio::writeArchitecture(store, untrained, false, dir.filePath(QStringLiteral("u2.json")));
        EXPECT_TRUE(report.detail.contains(QStringLiteral("untrained"))) << report.detail.toStdString();
        EXPECT_EQ(readAll(dir.filePath(QStringLiteral("u2.json"))), readAll(untrainedJson));
    }
    ASSERT_TRUE(w.openRun(untrained));
    ASSERT_TRUE(w.waitForOpenRun());
    EXPECT_TRUE(w.searchLog().contains(QStringLiteral("UNTRAINED θ"))) << w.searchLog().toStdString();
    ASSERT_TRUE(w.openRun(trained));
    ASSERT_TRUE(w.waitForOpenRun());
    EXPECT_FALSE(w.searchLog().contains(QStringLiteral("UNTRAINED"))) << w.searchLog().toStdString();
    EXPECT_TRUE(w.searchLog().contains(QStringLiteral("Chosen architecture")));
    // File ▸ Export plots writes four files and says which.
    const studio::ExportReport plots = studio::writePlots(dir.filePath(QStringLiteral("p.png")), w.metrics(), w.heatmap(), w.pareto(), w.diagram());
    ASSERT_TRUE(plots.error.isEmpty()) << plots.error.toStdString();
    ASSERT_EQ(plots.written.size(), 4);
    for (const QString &f : plots.written)
        EXPECT_TRUE(QFile::exists(f)) << f.toStdString();
    EXPECT_TRUE(plots.message().contains(QStringLiteral("p-theta.png"))) << plots.message().toStdString();
    EXPECT_FALSE(studio::writePlots(dir.filePath(QStringLiteral("p.gif")), w.metrics(), w.heatmap(), w.pareto(), w.diagram()).error.isEmpty());
}

// File ▸ Export architecture (mobile-vision arch_def) of a run whose argmax was trained writes the
// weights under mobile-vision's names beside the arch_def, byte for byte what
// `fbnet export --format mobile-vision --weights` writes into its folder.
TEST(StudioExports, TheArchDefExportCarriesTheTrainedWeightsAsTheClisBundleDoes)
{
    QTemporaryDir dir;
    MainWindow w;
    const qint64 id = test::runTinyStoredSearch(w, dir, "mv");
    ASSERT_NE(id, 0);
    const std::string db = w.storePath().toStdString(), trained = dir.filePath(QStringLiteral("trained")).toStdString();
    int code = -1;
    std::string out = test::shell(std::string(FBNET_CLI) + " train --runs " + db + " --arch mv:argmax --dataset synthetic:300 --subset 0 --epochs 1 "
                                "--max-steps 1 --batch-size 16 --threads 1 --out " + trained, &code);
    ASSERT_EQ(code, 0) << out;
    const QString archDef = dir.filePath(QStringLiteral("mv.json"));
    {
        RunStore store(db);
        const studio::ExportReport report = studio::writeArchitecture(store, id, true, archDef);
        ASSERT_TRUE(report.error.isEmpty()) << report.error.toStdString();
        EXPECT_EQ(report.written, (QStringList{archDef, dir.filePath(QStringLiteral("mv.weights.pt"))}));
        EXPECT_TRUE(report.detail.contains(QStringLiteral("mobile-vision's names"))) << report.detail.toStdString();
    }
    const std::string bundle = dir.filePath(QStringLiteral("bundle")).toStdString();
    out = test::shell(std::string(FBNET_CLI) + " export --runs " + db + " --run mv --format mobile-vision --weights " + trained + "/weights.pt --out "
                    + bundle, &code);
    ASSERT_EQ(code, 0) << out;
    EXPECT_EQ(readAll(archDef), readAll(QString::fromStdString(bundle + "/arch_def.json")));
    const QByteArray ours = readAll(dir.filePath(QStringLiteral("mv.weights.pt")));
    EXPECT_GT(ours.size(), 1000);
    EXPECT_EQ(ours, readAll(QString::fromStdString(bundle + "/weights.pt")));
    // Weights that no longer load: the error names the file, and neither the arch_def nor the weights are written.
    {
        QFile junk(QString::fromStdString(trained + "/weights.pt"));
        ASSERT_TRUE(junk.open(QIODevice::WriteOnly | QIODevice::Truncate));
        junk.write("not a state dict");
    }
    const QString again = dir.filePath(QStringLiteral("again.json"));
    RunStore store(db);
    const studio::ExportReport report = studio::writeArchitecture(store, id, true, again);
    EXPECT_TRUE(report.error.contains(QString::fromStdString(trained + "/weights.pt"))) << report.error.toStdString();
    EXPECT_TRUE(report.written.isEmpty());
    EXPECT_FALSE(QFile::exists(again));
    EXPECT_FALSE(QFile::exists(dir.filePath(QStringLiteral("again.weights.pt"))));
}

// Issue 35, item 1: the studio could not hand back a trained model (its trainings kept no weights,
// so every ONNX export carried random ones). Train & export trains the architecture the run hands
// back, keeps its weights in STORE-weights/, exports them, and deleting the run removes them.
TEST(StudioExports, TrainAndExportTrainsTheChosenArchitectureAndExportsItsWeights)
{
    QTemporaryDir dir;
    MainWindow w;
    const qint64 id = test::runTinyStoredSearch(w, dir, "te");  // argmax + 1 sample
    ASSERT_NE(id, 0);
    ASSERT_TRUE(w.openRun(id));
    ASSERT_TRUE(w.waitForOpenRun());
    const std::string db = w.storePath().toStdString();
    const QString before = dir.filePath(QStringLiteral("before.onnx")), after = dir.filePath(QStringLiteral("after.onnx"));
    std::int64_t chosen = 0;
    studio::TrainExportPlan plan;
    {
        RunStore store(db);
        const studio::ExportReport untrained = studio::writeOnnxModel(store, id, before);
        ASSERT_TRUE(untrained.error.isEmpty()) << untrained.error.toStdString();
        EXPECT_FALSE(untrained.trainedWeights);
        EXPECT_TRUE(untrained.detail.contains(QStringLiteral("random weights"))) << untrained.detail.toStdString();
        plan = studio::planTrainAndExport(store, id, 0, 1, 200, 100, after);
        ASSERT_EQ(plan.training.architectureIds.size(), 1u);
        chosen = plan.training.architectureIds.front();
        EXPECT_TRUE(plan.describe.contains(QStringLiteral("of run 'te'"))) << plan.describe.toStdString();
    }
    // Through the File menu, as a user does: the dialog names the architecture, asks the file and the training.
    QAction *action = nullptr;
    for (auto *a : w.findChildren<QAction *>())
        if (a->text().startsWith(QStringLiteral("Train && export")))
            action = a;
    ASSERT_NE(action, nullptr);
    ASSERT_TRUE(action->isEnabled());
    QString dialogText;
    QTimer::singleShot(0, &w, [&] {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        ASSERT_NE(dialog, nullptr);
        for (auto *label : dialog->findChildren<QLabel *>())
            dialogText += label->text() + QLatin1Char('\n');
        if (const QByteArray shots = qgetenv("FBNET_SCREENSHOT_DIR"); !shots.isEmpty())
            dialog->grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/train-export-dialog.png"));
        dialog->findChild<QLineEdit *>()->setText(after);
        ASSERT_TRUE(test::fillTrainingFields(dialog, 1, 100, 100));  // epochs, training and test images
        test::acceptDialog(dialog);
    });
    QSignalSpy done(&w, &MainWindow::trainAndExportDone);
    action->trigger();
    EXPECT_TRUE(dialogText.contains(plan.describe)) << dialogText.toStdString();
    ASSERT_TRUE(done.wait(180000));
    EXPECT_EQ(done.at(0).at(0).toString(), after) << done.at(0).at(1).toString().toStdString();
    EXPECT_TRUE(done.at(0).at(1).toString().contains(QStringLiteral("trained weights"))) << done.at(0).at(1).toString().toStdString();
    {
        QDialog next;
        const studio::TrainingFields f(&next);  // the next training dialog opens on these settings
        EXPECT_EQ(f.epochs->value(), 1);
        EXPECT_EQ(f.images->value(), 100);
    }
    EXPECT_GT(readAll(after).size(), 1000);
    std::string kept;
    {
        RunStore store(db);
        for (const auto &a : store.architectures(id)) {
            const auto evals = store.evaluations(a.id);
            if (a.id != chosen) {
                EXPECT_TRUE(evals.empty()) << "only the chosen architecture is trained";
                continue;
            }
            ASSERT_EQ(evals.size(), 1u);
            kept = evals.front().weightsPath;
        }
        EXPECT_EQ(kept.rfind(store.weightsDir() + "/", 0), 0u) << kept;
        EXPECT_TRUE(QFile::exists(QString::fromStdString(kept)));
        // The File menu's ONNX export now takes them too.
        const studio::ExportReport again = studio::writeOnnxModel(store, id, before);
        EXPECT_TRUE(again.trainedWeights) << again.detail.toStdString();
        store.deleteRun(id);
    }
    EXPECT_FALSE(QFile::exists(QString::fromStdString(kept))) << "a deleted run's kept weights are removed with it";
}
