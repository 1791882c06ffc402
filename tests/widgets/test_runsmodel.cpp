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

#include "fbnet/searchconfig.h"
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

TEST(RunsModel, PassesTheModelTesterAndMapsRuns)
{
    RunsModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    std::vector<RunRow> rows(2);
    rows[0].run.id = 7;
    rows[0].run.name = "alpha";
    rows[0].run.kind = "search";
    rows[0].run.status = "stopped";
    rows[0].run.epochsCompleted = 2;
    rows[0].run.epochsPlanned = 6;
    rows[0].argmaxMs = 15.25;
    rows[1].run.id = 9;
    rows[1].run.name = "beta";
    rows[1].run.kind = "random";
    rows[1].bestTop1 = 0.8125;
    m.setRows(rows);
    EXPECT_EQ(m.rowCount(), 2);
    EXPECT_EQ(m.data(m.index(0, RunsModel::Name)).toString(), QStringLiteral("alpha"));
    EXPECT_EQ(m.data(m.index(0, RunsModel::Epochs)).toString(), QStringLiteral("2/6"));
    EXPECT_EQ(m.data(m.index(0, RunsModel::ArgmaxMs)).toString(), QStringLiteral("15.250"));
    EXPECT_EQ(m.data(m.index(1, RunsModel::Epochs)).toString(), QString());
    EXPECT_EQ(m.data(m.index(1, RunsModel::BestTop1)).toString(), QStringLiteral("81.25"));
    EXPECT_EQ(m.data(m.index(1, RunsModel::Name), Qt::UserRole).toLongLong(), 9);
    EXPECT_EQ(m.rowOf(9), 1);
    // Issue 35, item 8: the data set, the compute and why a run ended are columns, not tooltips.
    rows[0].run.dataset = "fashion-mnist";
    rows[0].run.seconds = 3725;
    rows[1].run.status = "failed";
    rows[1].run.error = "data set folder:/x: size: the weight split (80%) gets 8 images\nmore";
    m.setRows(rows);
    EXPECT_EQ(m.data(m.index(0, RunsModel::Dataset)).toString(), QStringLiteral("fashion-mnist"));
    EXPECT_EQ(m.data(m.index(0, RunsModel::Compute)).toString(), QStringLiteral("1:02:05"));
    EXPECT_EQ(m.data(m.index(0, RunsModel::Reason)).toString(), QStringLiteral("no checkpoint: cannot resume"));
    EXPECT_EQ(m.data(m.index(1, RunsModel::Reason)).toString(), QStringLiteral("data set folder:/x: size: the weight split (80%) gets 8 images"));
    EXPECT_EQ(m.headerData(RunsModel::Reason, Qt::Horizontal).toString(), QStringLiteral("Why it ended so"));
    // ... and so is how it searched: the mode and the loss with its numbers, a family's targets.
    SearchConfig c;
    c.alpha = 0.3;
    rows[0].run.configJson = searchConfigToJson(c);
    m.setRows(rows);
    EXPECT_EQ(m.data(m.index(0, RunsModel::Setup)).toString(), QStringLiteral("soft · CE·0.3·(log LAT)^0.6"));
    EXPECT_EQ(m.data(m.index(1, RunsModel::Setup)).toString(), QString()) << "a random baseline did not search";
    c.mode = MaskMode::Hard;
    c.targets = {6, 9.5};
    rows[0].run.configJson = searchConfigToJson(c);
    m.setRows(rows);
    EXPECT_EQ(m.data(m.index(0, RunsModel::Setup)).toString(), QStringLiteral("hard · CE + 1·|LAT/T − 1| · T = 6, 9.5"));
    m.setRows({});
    EXPECT_EQ(m.rowCount(), 0);
}
