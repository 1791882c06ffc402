// The studio's pages over the run session: a long run opens off the GUI thread with every point,
// the Pareto tab runs a random baseline, the dialog offers every data-set kind.
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QInputDialog>
#include <QProcess>
#include <QThread>
#include <QTimer>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/imagefiles.h"
#include "datasetchooser.h"
#include "datasetpreview.h"
#include "devicesview.h"
#include "filedialogs.h"
#include "fbnet/lutkit.h"
#include "fbnet/resources.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/randombaseline.h"
#include "mainwindow.h"
#include "metricsplot.h"
#include "newsearchdialog.h"
#include "paretoview.h"
#include "runsession.h"
#include "studiofixtures.h"
#include "thetaheatmap.h"

using namespace fbnet;

TEST(StudioPages, ARunWithAHundredThousandStepsOpensWithEveryPoint)
{
    QTemporaryDir dir;
    MainWindow w;
    const qint64 tiny = test::runTinyStoredSearch(w, dir);
    ASSERT_NE(tiny, 0);
    std::int64_t id = 0;
    {
        RunStore store(w.storePath().toStdString());
        id = test::makeLongRun(store, tiny, 100000, "long");
    }
    w.refreshRuns();
    ASSERT_TRUE(w.openRun(id));
    EXPECT_EQ(w.currentRun(), id);
    ASSERT_TRUE(w.waitForOpenRun());
    EXPECT_EQ(w.metrics()->pointCount(), 100000);
    EXPECT_EQ(w.heatmap()->epochCount(), 2);
}

TEST(StudioPages, TheParetoTabRunsARandomBaselineWithTheRunsCompute)
{
    QTemporaryDir dir;
    MainWindow w;
    const qint64 id = test::runTinyStoredSearch(w, dir, "searched");
    ASSERT_NE(id, 0);
    ASSERT_TRUE(w.openRun(id));
    ASSERT_TRUE(w.waitForOpenRun());
    double budget = 0;
    {
        RunStore store(w.storePath().toStdString());
        budget = runComputeSeconds(store, store.run(id));
    }
    QPushButton *button = nullptr;
    for (auto *b : w.findChildren<QPushButton *>())
        if (b->text().startsWith(QStringLiteral("Random baseline")))
            button = b;
    ASSERT_NE(button, nullptr);
    ASSERT_TRUE(button->isEnabled());
    bool sawDialog = false;
    QTimer::singleShot(0, &w, [&] {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        ASSERT_NE(dialog, nullptr);
        sawDialog = true;
        const auto spins = dialog->findChildren<QSpinBox *>();
        ASSERT_EQ(spins.size(), 3);
        spins[0]->setValue(1);    // epochs
        spins[1]->setValue(100);  // training images
        spins[2]->setValue(100);  // test images
        dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    });
    QSignalSpy done(&w, &MainWindow::baselineDone);
    button->click();
    EXPECT_TRUE(sawDialog);
    ASSERT_TRUE(done.wait(300000));
    EXPECT_TRUE(done.takeFirst().at(0).toBool());

    RunStore store(w.storePath().toStdString());
    const auto runs = store.runs();
    ASSERT_EQ(runs.size(), 2u);
    const RunInfo &random = runs[0].kind == "random" ? runs[0] : runs[1];
    ASSERT_EQ(random.kind, "random");
    const auto config = nlohmann::json::parse(random.configJson);
    EXPECT_NEAR(config.at("budget_seconds").get<double>(), budget, 1e-9) << "the same budget rule as fbnet random --budget-of";
    EXPECT_EQ(config.at("budget_of").get<std::string>(), std::to_string(id));
    int evaluated = 0;
    for (const auto &a : store.architectures(random.id))
        evaluated += !store.evaluations(a.id).empty();
    EXPECT_GE(evaluated, 1);
    int shown = 0;
    for (const auto &item : w.pareto()->items())
        shown += item.origin == QLatin1String("random");
    EXPECT_EQ(shown, evaluated) << "the baseline's points appear in the open run's Pareto view";
}

TEST(StudioPages, TheNewSearchDialogOffersEveryDataSetKind)
{
    NewSearchDialog d;
    auto *chooser = d.findChild<studio::DatasetChooser *>();
    ASSERT_NE(chooser, nullptr);
    EXPECT_EQ(chooser->kindCount(), int(datasetKinds().size()));
    auto *kind = chooser->findChild<QComboBox *>();
    auto *argument = chooser->findChild<QLineEdit *>();
    ASSERT_NE(kind, nullptr);
    ASSERT_NE(argument, nullptr);
    kind->setCurrentIndex(kind->findData(QStringLiteral("cifar10")));
    EXPECT_FALSE(chooser->problem().isEmpty()) << "CIFAR-10 without its folder";
    EXPECT_FALSE(d.validationError().isEmpty());
    QTemporaryDir dir;
    argument->setText(dir.path());
    EXPECT_TRUE(chooser->problem().isEmpty());
    EXPECT_EQ(d.request().invocation.dataset, "cifar10:" + dir.path().toStdString());
    kind->setCurrentIndex(kind->findData(QStringLiteral("synthetic")));
    EXPECT_EQ(chooser->spec(), QStringLiteral("synthetic:2000"));
    chooser->setSpec(QStringLiteral("fashion-mnist"));
    EXPECT_EQ(chooser->spec(), QStringLiteral("fashion-mnist"));
    if (const char *shot = std::getenv("FBNET_NEW_SEARCH_DIALOG_SHOT")) {
        kind->setCurrentIndex(kind->findData(QStringLiteral("cifar10")));
        d.adjustSize();
        d.grab().save(QString::fromLocal8Bit(shot));
    }
}

namespace {

/** Processes events until the preview has read what it was given (or 20 s pass). */
bool waitForPreview(studio::DatasetPreview *preview)
{
    for (int i = 0; i < 2000 && preview->isReading(); ++i) {
        QApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(10);
    }
    return !preview->isReading();
}

} // namespace

TEST(StudioPages, TheNewSearchDialogPreviewsAFolderAndShowsItsProblemInline)
{
    QTemporaryDir tmp;
    const std::filesystem::path root(tmp.path().toStdString());
    for (int i = 0; i < 6; ++i) {
        test::writeImage(root / "photos" / "apples" / ("a" + std::to_string(i) + ".jpg"), test::ImageMode::JpegRgb, 60 + i, 40, 200, 30, 30);
        test::writeImage(root / "photos" / "limes" / ("l" + std::to_string(i) + ".png"), test::ImageMode::PngRgb, 40, 50 + i, 60, 200, 40);
        test::writeImage(root / "one" / "apples" / ("a" + std::to_string(i) + ".jpg"), test::ImageMode::JpegRgb, 40, 40, 200, 30, 30);
    }
    std::ofstream(root / "photos" / "apples" / "README") << "not an image";
    NewSearchDialog d;
    auto *chooser = d.findChild<studio::DatasetChooser *>();
    auto *preview = d.datasetPreview();
    ASSERT_NE(preview, nullptr);
    chooser->setSpec(QStringLiteral("folder:") + QString::fromStdString((root / "photos").string()));
    ASSERT_TRUE(waitForPreview(preview));
    EXPECT_TRUE(preview->problem().isEmpty()) << preview->problem().toStdString();
    const QString text = preview->summaryText();
    EXPECT_TRUE(text.contains(QStringLiteral("2 classes"))) << text.toStdString();
    EXPECT_TRUE(text.contains(QStringLiteral("1 file ignored"))) << text.toStdString();
    EXPECT_GE(preview->thumbnailCount(), 2) << "one thumbnail per class at least";
    EXPECT_TRUE(d.validationError().isEmpty()) << d.validationError().toStdString();
    if (const char *shot = std::getenv("FBNET_FOLDER_PREVIEW_SHOT")) {
        d.adjustSize();
        d.grab().save(QString::fromLocal8Bit(shot));
    }
    // One class folder only: the reason shows before the search starts, and Start is disabled.
    chooser->setSpec(QStringLiteral("folder:") + QString::fromStdString((root / "one").string()));
    ASSERT_TRUE(waitForPreview(preview));
    EXPECT_TRUE(preview->problem().contains(QStringLiteral("expected at least 2 class folders"))) << preview->problem().toStdString();
    EXPECT_FALSE(d.validationError().isEmpty());
    EXPECT_FALSE(d.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
    EXPECT_EQ(preview->thumbnailCount(), 0);
}

// A search another process records (a CLI run, a torchrun job): the open run is read again while it
// runs, so the views follow it, and it stops being followed when it ends.
TEST(StudioPages, FollowsARunAnotherProcessIsRecording)
{
    QTemporaryDir dir;
    const QString store = dir.filePath(QStringLiteral("runs.sqlite"));
    MainWindow w;
    w.setStorePath(store);
    w.session()->setFollowInterval(200);
    QProcess cli;
    cli.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    cli.start(QStringLiteral(FBNET_CLI),
              {QStringLiteral("search"), QStringLiteral("--runs"), store, QStringLiteral("--dataset"), QStringLiteral("synthetic:300"),
               QStringLiteral("--subset"), QStringLiteral("0"), QStringLiteral("--epochs"), QStringLiteral("3"), QStringLiteral("--warmup-epochs"),
               QStringLiteral("1"), QStringLiteral("--batch-size"), QStringLiteral("8"), QStringLiteral("--max-steps"), QStringLiteral("2"),
               QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--samples"), QStringLiteral("1"), QStringLiteral("--name"),
               QStringLiteral("elsewhere")});
    ASSERT_TRUE(cli.waitForStarted());
    qint64 id = 0;
    for (int i = 0; i < 1200 && id == 0; ++i) {
        try {
            if (QFile::exists(store)) {
                const RunStore s(store.toStdString());
                for (const auto &r : s.runs())
                    if (r.name == "elsewhere")
                        id = r.id;
            }
        } catch (const std::exception &) {
        }
        QThread::msleep(50);
    }
    ASSERT_NE(id, 0) << "the CLI created its run";
    w.refreshRuns();
    bool sawLive = false;
    QObject::connect(w.session(), &studio::RunSession::opened, &w, [&](const std::shared_ptr<const studio::OpenRun> &run) {
        if (run->run.status == "running" && !run->epochs.empty())
            sawLive = true;  // an epoch recorded by the other process, shown while it still runs
    });
    ASSERT_TRUE(w.openRun(id));
    ASSERT_TRUE(w.waitForOpenRun());
    QElapsedTimer clock;
    clock.start();
    while (cli.state() != QProcess::NotRunning && clock.elapsed() < 240000) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(10);
    }
    ASSERT_EQ(cli.exitCode(), 0);
    while (w.session()->current()->run.status == "running" && clock.elapsed() < 250000) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(10);
    }
    EXPECT_TRUE(sawLive) << "the views followed the run while it ran";
    EXPECT_EQ(w.session()->current()->run.status, "finished");
    EXPECT_EQ(w.heatmap()->epochCount(), 3);
}

TEST(StudioPages, TheDevicesTabImportsKitTimingsThroughTheStoreSafeDialogAndShowsTheFittedTable)
{
    // A kit's timings.csv as a phone 1.7x slower than the Pixel 3 (+2 ms) would give.
    QTemporaryDir dir;
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    const LatencyTable pixel3 = LatencyTable::load(resolveLutPath("pixel3", space.name));
    KitOptions o;
    o.count = 12;
    const auto kit = chooseKit(space, nullptr, o);
    const QString csv = dir.filePath(QStringLiteral("timings.csv"));
    {
        std::ofstream out(csv.toStdString());
        out << "id,arch,split,latency_ms\n";
        for (const auto &e : kit)
            out << e.id << "," << e.architecture.blocksString() << "," << e.split << "," << 1.7 * pixel3.predict(space, e.architecture) + 2 << "\n";
    }
    MainWindow w;
    w.setShowDialogs(false);
    DevicesView *devices = w.devices();
    devices->select(QStringLiteral("fbnet-cifar"), QStringLiteral("pixel3"), QStringLiteral("samsung-a50"));
    QPushButton *import = devices->findChild<QPushButton *>(QStringLiteral("importKit"));
    ASSERT_NE(import, nullptr);
    bool sawFileDialog = false, storeSafe = false, sawNameDialog = false;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        QWidget *modal = QApplication::activeModalWidget();
        if (auto *files = qobject_cast<QFileDialog *>(modal)) {
            sawFileDialog = true;
            // The studio's own dialog, whose icons never open a listed file (filedialogs.h).
            storeSafe = files->testOption(QFileDialog::DontUseNativeDialog) && files->iconProvider() == studio::nameOnlyIconProvider();
            // Typed into the name field, as a user would: selectFile() leaves that field alone once
            // it has focus (the window activates asynchronously), and accept() then has no file
            // and silently keeps the dialog open, which hung this test one run in two.
            auto *name = files->findChild<QLineEdit *>(QStringLiteral("fileNameEdit"));
            ASSERT_NE(name, nullptr);
            name->setText(csv);
            QMetaObject::invokeMethod(files, "accept");
            if (files->isVisible())
                files->reject();  // never hang: the expectations below then fail instead
        } else if (auto *name = qobject_cast<QInputDialog *>(modal)) {
            sawNameDialog = true;
            name->setTextValue(QStringLiteral("kit-phone"));
            name->accept();
        }
    });
    poll.start(20);
    import->click();
    poll.stop();
    EXPECT_TRUE(sawFileDialog);
    EXPECT_TRUE(storeSafe);
    EXPECT_TRUE(sawNameDialog);
    EXPECT_EQ(devices->deviceA(), QStringLiteral("pixel3"));
    EXPECT_EQ(devices->deviceB(), QStringLiteral("kit-phone"));
    EXPECT_GT(devices->pointCount(), 0);
    const LatencyTable installed = LatencyTable::load(resolveLutPath("kit-phone", space.name));
    EXPECT_NE(installed.provenance.at("validation").find("held-out 3 kit networks"), std::string::npos);
    std::filesystem::remove(userLutDir() + "/kit-phone-fbnet-cifar.json");
}

// Opening a run shows its space and table on the Devices tab (it stayed on the paper's S8 vs
// iPhone X comparison on fbnet-imagenet whatever run was open); a B that still fits is kept.
TEST(StudioPages, TheDevicesTabFollowsTheOpenedRunsSpaceAndTable)
{
    QTemporaryDir dir;
    MainWindow w;
    DevicesView *devices = w.devices();
    EXPECT_EQ(devices->space(), QStringLiteral("fbnet-imagenet"));
    const qint64 id = test::runTinyStoredSearch(w, dir, "follow");  // fbnet-cifar on pixel3, opened when it ends
    ASSERT_NE(id, 0);
    ASSERT_TRUE(w.waitForOpenRun());
    EXPECT_EQ(devices->space(), QStringLiteral("fbnet-cifar"));
    EXPECT_EQ(devices->deviceA(), QStringLiteral("pixel3"));
    EXPECT_FALSE(devices->deviceB().isEmpty());
    EXPECT_NE(devices->deviceB(), QStringLiteral("pixel3"));
    EXPECT_GT(devices->pointCount(), 0);
    // The user's B stays when the run's table takes A.
    devices->select(QStringLiteral("fbnet-cifar"), QStringLiteral("samsung-a50"), QStringLiteral("titan-rtx"));
    ASSERT_TRUE(w.openRun(id) && w.waitForOpenRun());
    EXPECT_EQ(devices->deviceA(), QStringLiteral("pixel3"));
    EXPECT_EQ(devices->deviceB(), QStringLiteral("titan-rtx"));
    // A B that is the run's own table gives way to another.
    devices->select(QStringLiteral("fbnet-cifar"), QStringLiteral("titan-rtx"), QStringLiteral("pixel3"));
    ASSERT_TRUE(w.openRun(id) && w.waitForOpenRun());
    EXPECT_EQ(devices->deviceA(), QStringLiteral("pixel3"));
    EXPECT_NE(devices->deviceB(), QStringLiteral("pixel3"));
    EXPECT_FALSE(devices->deviceB().isEmpty());
    // A space without tables (FBNetV2, costed in FLOPs) keeps the comparison on show...
    devices->follow(QStringLiteral("fbnetv2-cifar"), QStringLiteral("flops"));
    EXPECT_EQ(devices->space(), QStringLiteral("fbnet-cifar"));
    EXPECT_GT(devices->pointCount(), 0);
    // ...and chosen by hand, it says it has nothing to compare instead of showing the last space's figures.
    devices->select(QStringLiteral("fbnetv2-cifar"), QString(), QString());
    EXPECT_EQ(devices->pointCount(), 0);
    EXPECT_EQ(devices->matrixRows(), 0);
    EXPECT_TRUE(devices->matrixTitle().contains(QStringLiteral("no latency table installed"))) << devices->matrixTitle().toStdString();
}
