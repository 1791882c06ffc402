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
#include <qcustomplot.h>
#include "runsmodel.h"
#include "fbnet/compute.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"

#include <QAbstractItemModelTester>

using namespace fbnet;

using fbnet::test::runTinyStoredSearch;
using fbnet::test::tinyRequest;

TEST(ParetoView, DrawsTheFrontAndFindsPointsUnderTheMouse)
{
    ParetoView v;
    v.resize(800, 600);
    v.show();
    std::vector<ParetoItem> items = {{1, QStringLiteral("fast"), QStringLiteral("search"), 5.0, 0.70, {}},
                                     {2, QStringLiteral("slow-good"), QStringLiteral("search"), 12.0, 0.85, {}},
                                     {3, QStringLiteral("dominated"), QStringLiteral("random"), 13.0, 0.60, {}},
                                     {4, QStringLiteral("mid"), QStringLiteral("random"), 8.0, 0.80, {}}};
    v.setItems(items, QStringLiteral("ms"), QStringLiteral("%"));
    QTest::qWait(50);
    ASSERT_EQ(v.front().size(), 3u);
    EXPECT_EQ(v.items()[v.front()[0]].name, QStringLiteral("fast"));
    EXPECT_EQ(v.items()[v.front()[1]].name, QStringLiteral("mid"));
    EXPECT_EQ(v.items()[v.front()[2]].name, QStringLiteral("slow-good"));
    QSignalSpy selected(&v, &ParetoView::selected);
    for (std::size_t i = 0; i < items.size(); ++i)
        EXPECT_EQ(v.itemAt(v.pixelOf(i) - v.plotWidget()->pos()), int(i));
    QTest::mouseClick(v.plotWidget(), Qt::LeftButton, {}, (v.pixelOf(2) - v.plotWidget()->pos()).toPoint());
    ASSERT_EQ(selected.count(), 1);
    EXPECT_EQ(selected.takeFirst().at(0).toLongLong(), 3);
    QTemporaryDir dir;
    EXPECT_TRUE(v.save(dir.filePath(QStringLiteral("front.svg"))));
    EXPECT_GT(QFileInfo(dir.filePath(QStringLiteral("front.svg"))).size(), 1000);
}

// Issue 35: the legend sat over the points (bottom right, where the slow accurate ones are) and
// the last target's label was cut at the plot's edge.
TEST(ParetoView, TheLegendStaysOffThePointsAndEveryTargetLabelInside)
{
    ParetoView v;
    v.resize(800, 600);
    v.show();
    std::vector<ParetoItem> items;
    for (int i = 0; i < 12; ++i)
        items.push_back({i + 1, QStringLiteral("a%1").arg(i), QStringLiteral("search"), 4.0 + i, 0.5 + 0.03 * i, {}, 0, false});
    items.push_back({20, QStringLiteral("pick-6"), QStringLiteral("search"), 6.0, 0.56, {}, 6.0, true});
    items.push_back({21, QStringLiteral("pick-16"), QStringLiteral("search"), 15.3, 0.83, {}, 16.0, true});  // its target beyond every point
    v.setItems(items, QStringLiteral("ms"), QStringLiteral("%"));
    auto *plot = qobject_cast<QCustomPlot *>(v.plotWidget());
    ASSERT_NE(plot, nullptr);
    plot->replot(QCustomPlot::rpImmediateRefresh);
    EXPECT_TRUE(plot->legend->visible());
    EXPECT_FALSE(plot->legend->outerRect().intersects(plot->axisRect()->rect()))
        << "legend over the axes";
    const QCPRange x = plot->xAxis->range();
    for (double t : {6.0, 16.0}) {
        EXPECT_GE(t - x.lower, 0.05 * x.size()) << t;
        EXPECT_GE(x.upper - t, 0.05 * x.size()) << t;  // room for the centred "target 16" label
    }
}
