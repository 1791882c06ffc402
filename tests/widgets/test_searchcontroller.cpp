// Studio tests: widgets, the dialog's validation, the controller's threading, and a screenshot of
// the real studio under Xvfb. QApplication runs on the offscreen platform (set by CTest).
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileDialog>
#include <QFileSystemModel>
#include <QAction>
#include <QImage>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QElapsedTimer>
#include <QTest>
#include <QTimer>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include <sqlite3.h>
#include <unistd.h>

#include "mainwindow.h"
#include "studiofixtures.h"
#include "testenv.h"
#include "devicesview.h"
#include "metricsplot.h"
#include "newsearchdialog.h"
#include "searchcontroller.h"
#include "thetaheatmap.h"
#include "archdiagram.h"
#include "paretoview.h"
#include "runsmodel.h"
#include "fbnet/compute.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"

#include <QAbstractItemModelTester>

using namespace fbnet;

using fbnet::test::runTinyStoredSearch;
using fbnet::test::tinyRequest;

TEST(SearchController, RunsOnAWorkerThreadAndReportsEveryEpoch)
{
    SearchController c;
    QSignalSpy started(&c, &SearchController::started), epochs(&c, &SearchController::epochEnded),
        finished(&c, &SearchController::finished), steps(&c, &SearchController::stepped), stored(&c, &SearchController::runStored);
    c.start(tinyRequest(3, 3));
    EXPECT_TRUE(c.isRunning());
    ASSERT_TRUE(finished.wait(400000));  // a bound on a hang: under ThreadSanitizer this search takes ~100 s
    EXPECT_EQ(started.count(), 1);
    EXPECT_EQ(epochs.count(), 3);
    EXPECT_GE(steps.count(), 3);
    EXPECT_FALSE(c.isRunning());
    const auto result = finished.takeFirst().at(0).value<SearchResult>();
    EXPECT_FALSE(result.stopped);
    EXPECT_EQ(result.epochsCompleted, 3);
    // Every run is recorded in the store under the user's data directory (here the test's XDG_DATA_HOME).
    ASSERT_EQ(stored.count(), 1);
    const auto args = stored.takeFirst();
    const QString path = args.at(2).toString();
    ASSERT_FALSE(qEnvironmentVariable("XDG_DATA_HOME").isEmpty());
    EXPECT_EQ(path, qEnvironmentVariable("XDG_DATA_HOME") + QStringLiteral("/fbnet-studio/runs.sqlite"));
    RunStore store(path.toStdString());
    const RunInfo run = store.run(args.at(0).toLongLong());
    EXPECT_EQ(run.status, "finished");
    EXPECT_EQ(store.epochs(run.id).size(), 3u);
    EXPECT_EQ(store.architectures(run.id).size(), 2u);  // argmax + 1 sample
}

TEST(SearchController, AStoppedRunResumesToTheEnd)
{
    QTemporaryDir dir;
    SearchController c;
    QSignalSpy finished(&c, &SearchController::finished), epochs(&c, &SearchController::epochEnded),
        stored(&c, &SearchController::runStored);
    SearchRequest r = tinyRequest(4, 2);
    r.runsPath = dir.filePath(QStringLiteral("runs.sqlite")).toStdString();
    r.name = "to-resume";
    QObject::connect(&c, &SearchController::epochEnded, &c, [&c](const EpochStats &e) {
        if (e.epoch == 1)
            c.stop();
    });
    c.start(r);
    ASSERT_TRUE(finished.wait(400000));  // a bound on a hang: under ThreadSanitizer this search takes ~100 s
    EXPECT_TRUE(finished.takeFirst().at(0).value<SearchResult>().stopped);
    {
        RunStore store(r.runsPath);
        EXPECT_EQ(store.run("to-resume").status, "stopped");
        EXPECT_EQ(store.run("to-resume").epochsCompleted, 2);
    }
    QObject::disconnect(&c, &SearchController::epochEnded, &c, nullptr);
    epochs.clear();
    // The curves go on from the stored steps: replayed as steps 1..N, then the live ones after N.
    std::vector<int> done;
    QObject::connect(&c, &SearchController::stepped, &c, [&done](const StepStats &s) { done.push_back(s.doneSteps); });
    SearchRequest again;
    again.runsPath = r.runsPath;
    again.resume = "to-resume";
    c.start(again);
    ASSERT_TRUE(finished.wait(400000));  // a bound on a hang: under ThreadSanitizer this search takes ~100 s
    const auto result = finished.takeFirst().at(0).value<SearchResult>();
    EXPECT_FALSE(result.stopped);
    EXPECT_EQ(result.epochsCompleted, 4);
    EXPECT_EQ(epochs.count(), 4);  // the two stored epochs are replayed, then two new ones
    RunStore store(r.runsPath);
    const auto storedSteps = store.steps(store.run("to-resume").id);
    ASSERT_FALSE(done.empty());
    EXPECT_EQ(done.front(), 1);
    EXPECT_EQ(done.back(), int(storedSteps.size())) << "the last live step is the run's last stored step";
    for (std::size_t i = 1; i < done.size(); ++i)
        EXPECT_GT(done[i], done[i - 1]) << "step " << i << ": the global step only grows across the resume";
    EXPECT_EQ(store.run("to-resume").status, "finished");
    EXPECT_EQ(store.epochs(store.run("to-resume").id).size(), 4u);
}

TEST(SearchController, StopEndsTheSearchAndPauseHoldsIt)
{
    SearchController c;
    QSignalSpy finished(&c, &SearchController::finished), steps(&c, &SearchController::stepped);
    c.start(tinyRequest(200, 0));
    ASSERT_TRUE(steps.wait(60000));
    c.pause();
    QTest::qWait(300);
    const int held = steps.count();
    QTest::qWait(400);
    EXPECT_LE(steps.count(), held + 1);  // at most the step in flight
    c.resume();
    c.stop();
    ASSERT_TRUE(finished.wait(60000));
    EXPECT_TRUE(finished.takeFirst().at(0).value<SearchResult>().stopped);
}

TEST(SearchController, LocalDeviceMeasuresTheTableWithProgressOnFirstUse)
{
    QDir(qEnvironmentVariable("XDG_DATA_HOME") + QStringLiteral("/fbnet-studio/luts")).removeRecursively();
    // A small space of its own (fbnet-cifar's 200-odd ops took a minute to time): the same path, in seconds.
    QTemporaryDir dir;
    const QString space = dir.filePath(QStringLiteral("small.json"));
    {
        QFile f(space);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(R"({"name": "small-local", "input": {"size": 16, "channels": 3}, "num_classes": 10,
                    "stem": {"channels": 8, "kernel": 3, "stride": 1},
                    "stages": [{"channels": 8, "repeats": 2, "stride": 1}, {"channels": 16, "repeats": 1, "stride": 2}],
                    "head": {"channels": 32}, "candidates": ["k3_e1", "k3_e3", "skip"],
                    "blocks": {"k3_e1": {"type": "irf", "kernel": 3, "expansion": 1}, "k3_e3": {"type": "irf", "kernel": 3, "expansion": 3},
                               "skip": {"type": "skip"}}})");
    }
    SearchController c;
    QSignalSpy progress(&c, &SearchController::lutProgress), finished(&c, &SearchController::finished);
    SearchRequest r = tinyRequest(2, 1);
    r.invocation.space = space.toStdString();
    r.invocation.lut = "local";
    c.start(r);
    ASSERT_TRUE(finished.wait(180000));
    ASSERT_GE(progress.count(), 2);
    EXPECT_EQ(progress.last().at(0).toInt(), progress.last().at(1).toInt());  // ends at total
    EXPECT_TRUE(QFile::exists(qEnvironmentVariable("XDG_DATA_HOME") + QStringLiteral("/fbnet-studio/luts/local-cpu-small-local.json")));
    // Second use: cached, no measuring.
    progress.clear();
    c.start(r);
    ASSERT_TRUE(finished.wait(180000));
    EXPECT_EQ(progress.count(), 0);
}

TEST(SearchController, BadInputFailsWithAMessage)
{
    SearchController c;
    QSignalSpy failed(&c, &SearchController::failed);
    SearchRequest r = tinyRequest(2, 1);
    r.invocation.lut = "no-such-device";
    c.start(r);
    ASSERT_TRUE(failed.wait(60000));
    EXPECT_TRUE(failed.takeFirst().at(0).toString().contains(QStringLiteral("no-such-device")));
}
