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

// Issue 35, 6: the tab opens on the paper's pair, names the devices in its headers, and marks the
// faster device and the ratio per row.
TEST(DevicesView, OpensOnThePapersPairWithTheDevicesNamedTheFasterMarkedAndTheRatio)
{
    DevicesView v;
    EXPECT_EQ(v.space(), QStringLiteral("fbnet-imagenet"));
    EXPECT_EQ(v.deviceA(), QStringLiteral("s8"));
    EXPECT_EQ(v.deviceB(), QStringLiteral("iphonex"));
    EXPECT_EQ(v.matrixHeader(0), QStringLiteral("s8 (ms)"));
    EXPECT_EQ(v.matrixHeader(1), QStringLiteral("iphonex (ms)"));
    EXPECT_EQ(v.matrixHeader(2), QStringLiteral("iphonex / s8"));
    ASSERT_GT(v.matrixRows(), 2);
    for (int r = 0; r < v.matrixRows(); ++r) {
        const double a = v.matrixText(r, 0).toDouble(), b = v.matrixText(r, 1).toDouble();
        EXPECT_NEAR(v.matrixText(r, 2).chopped(1).toDouble(), b / a, 0.02) << v.matrixText(r, 2).toStdString();  // shown rounded
        EXPECT_EQ(v.matrixMarksFaster(r, 0), a <= b);
        EXPECT_EQ(v.matrixMarksFaster(r, 1), b < a);
    }
}

TEST(DevicesView, ShowsTheCrossDeviceMatrixOfThePaper)
{
    DevicesView v;
    v.select(QStringLiteral("fbnet-imagenet"), QStringLiteral("s8"), QStringLiteral("iphonex"));
    EXPECT_GT(v.pointCount(), 50);
    QMap<QString, std::pair<double, double>> rows;
    for (int r = 0; r < v.matrixRows(); ++r) {
        // column 0 of the table holds the name; matrixText(row, -1) reads it
        rows[v.matrixText(r, -1)] = {v.matrixText(r, 0).toDouble(), v.matrixText(r, 1).toDouble()};
    }
    ASSERT_TRUE(rows.contains(QStringLiteral("fbnet-s8")));
    ASSERT_TRUE(rows.contains(QStringLiteral("fbnet-iphonex")));
    EXPECT_NEAR(rows[QStringLiteral("fbnet-s8")].second / 27.53, 1.0, 0.05);
    EXPECT_NEAR(rows[QStringLiteral("fbnet-iphonex")].second / 19.84, 1.0, 0.05);
    EXPECT_LT(rows[QStringLiteral("fbnet-s8")].first, rows[QStringLiteral("fbnet-iphonex")].first);
}
