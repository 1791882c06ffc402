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
#include "fbnet/searchconfig.h"

#include <QAbstractItemModelTester>

using namespace fbnet;

using fbnet::test::runTinyStoredSearch;
using fbnet::test::tinyRequest;

TEST(MetricsPlot, ThreePanelsOnOneStepAxisWithEpochLinesSmoothingAndAnHonestLatencyRange)
{
    MetricsPlot m;
    // Three epochs of 10 steps; the expected latency wobbles by 0.02 ms around 9 ms.
    for (int i = 0; i < 30; ++i)
        m.addPoint(i + 1, i / 10, 2.0 - 0.03 * i + ((i % 2) ? 0.3 : -0.3), 0.1 + 0.01 * i, 9.0 + ((i % 2) ? 0.01 : -0.01));
    EXPECT_EQ(m.pointCount(), 30);
    ASSERT_EQ(m.epochBoundaries().size(), 2);
    EXPECT_DOUBLE_EQ(m.epochBoundaries()[0], 11);
    EXPECT_DOUBLE_EQ(m.epochBoundaries()[1], 21);
    const auto acc = m.valueRange(1);
    EXPECT_DOUBLE_EQ(acc.first, 0);
    EXPECT_DOUBLE_EQ(acc.second, 100);  // per cent, fixed
    const auto lat = m.valueRange(2);
    EXPECT_GE(lat.second - lat.first, 0.89);  // at least ±5% of 9 ms, not ±0.01
    EXPECT_LE(lat.first, 8.99);
    EXPECT_GE(lat.second, 9.01);
    EXPECT_LE(m.valueRange(0).first, 0.0);  // loss from 0
    // Smoothing: the drawn loss no longer zig-zags by ±0.3.
    double rawJump = std::abs(m.drawnValue(0, 21) - m.drawnValue(0, 20));
    m.setSmoothing(0.9);
    double smoothJump = std::abs(m.drawnValue(0, 21) - m.drawnValue(0, 20));
    EXPECT_GT(rawJump, 0.5);
    EXPECT_LT(smoothJump, 0.2);
    // A stored run through setSeries gets the same boundaries.
    MetricsPlot stored;
    QVector<double> keys, loss, accuracy, latency;
    QVector<int> epochs;
    for (int i = 0; i < 30; ++i) {
        keys << i + 1;
        epochs << i / 10;
        loss << 1.0;
        accuracy << 0.5;
        latency << 9.0;
    }
    stored.setSeries(keys, epochs, loss, accuracy, latency);
    EXPECT_EQ(stored.epochBoundaries(), m.epochBoundaries());
    QTemporaryDir dir;
    EXPECT_TRUE(m.save(dir.filePath(QStringLiteral("curves.png"))));
    EXPECT_TRUE(m.save(dir.filePath(QStringLiteral("curves.pdf"))));
    EXPECT_GT(QFileInfo(dir.filePath(QStringLiteral("curves.pdf"))).size(), 1000);
    EXPECT_FALSE(m.save(dir.filePath(QStringLiteral("curves.gif"))));
    m.clear();
    EXPECT_EQ(m.pointCount(), 0);
    EXPECT_TRUE(m.epochBoundaries().isEmpty());
}

// Issue 35: a short run's step axis was ticked at 0.5, 1.5, …; the loss axis said "loss" of a
// formula it did not name.
TEST(MetricsPlot, TheStepAxisTicksWholeStepsAndTheLossAxisNamesTheLossMinimised)
{
    MetricsPlot m;
    m.resize(700, 500);
    for (int i = 0; i < 3; ++i)
        m.addPoint(i + 1, 0, 2.0 - 0.1 * i, 10 + i, 9.0);
    const QVector<double> ticks = m.stepTicks();
    ASSERT_FALSE(ticks.isEmpty());
    for (double t : ticks)
        EXPECT_DOUBLE_EQ(t, std::round(t)) << "a tick at step " << t;
    SearchConfig c;
    c.alpha = 0.2;
    c.beta = 0.6;
    m.setLossFormula(QString::fromStdString(lossFormula(c)));
    EXPECT_EQ(m.lossLabel(), QStringLiteral("loss = CE·0.2·(log LAT)^0.6"));
    c.targets = {8, 12};
    EXPECT_EQ(lossFormula(c, "MFLOPs"), "CE + 1·|MFLOPs/T − 1|");
    c.targets.clear();
    c.lossForm = LossForm::Additive;
    EXPECT_EQ(lossFormula(c), "CE + 0.2·LAT^0.6");
}
