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

TEST(RunSession, ARunWithAHundredThousandStepsOpensWithEveryPoint)
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

// A search another process records (a CLI run, a torchrun job): the open run is read again while it
// runs, so the views follow it, and it stops being followed when it ends.
TEST(RunSession, FollowsARunAnotherProcessIsRecording)
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
