// The Explorer tab: every architecture of the store in one table and a parallel-coordinates plot;
// brushing filters, sorting is numeric, latency on any table, "Compare selected" draws them.
#include <QApplication>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "archdiagram.h"
#include "devicesview.h"
#include "fbnet/resources.h"
#include "fbnet/searchspace.h"
#include "explorermodel.h"
#include "mainwindow.h"
#include "pages/explorerpage.h"
#include "pages/searchpage.h"
#include "parallelcoords.h"
#include "studiofixtures.h"

using namespace fbnet;

TEST(ExplorerPage, ArchitecturesOfEveryRunFilterByBrushAndTextSortNumericallyAndCompare)
{
    QTemporaryDir dir;
    MainWindow w;
    const qint64 tiny = test::runTinyStoredSearch(w, dir);
    ASSERT_NE(tiny, 0);
    {
        RunStore store(w.storePath().toStdString());
        test::addManyArchitectures(store, tiny, 4, 500);  // 2,000 architectures, half of them evaluated
    }
    studio::ExplorerPage *page = w.explorer();
    QSignalSpy loaded(page, &studio::ExplorerPage::loaded);
    w.refreshRuns();
    w.showTab(QStringLiteral("explorer"));  // read when shown
    ASSERT_TRUE(loaded.wait(60000));
    const int total = page->model()->rowCount();
    EXPECT_GE(total, 2001);  // the tiny search's argmax and sample too
    EXPECT_EQ(page->filter()->rowCount(), total);
    EXPECT_TRUE(page->countText().contains(QStringLiteral("of %1").arg(total))) << page->countText().toStdString();
    // Axes: latency, MACs, params, top-1 and the space's stages.
    EXPECT_GE(page->plot()->axisCount(), 4 + 5);
    EXPECT_EQ(page->plot()->itemCount(), total);

    // Brushing top-1 to 50..80% keeps exactly the rows in that range.
    int expected = 0;
    for (const auto &r : page->model()->rows())
        expected += !std::isnan(r.top1) && r.top1 * 100 >= 50 && r.top1 * 100 <= 80;
    ASSERT_GT(expected, 100);
    page->plot()->setBrush(3, 50, 80);
    EXPECT_EQ(page->filter()->rowCount(), expected);
    if (const char *shot = std::getenv("FBNET_EXPLORER_SHOT")) {
        w.resize(1400, 900);
        w.grab().save(QString::fromLocal8Bit(shot));
    }
    // A second brush narrows further; a text filter on top.
    page->plot()->setBrush(1, 0, 1e9);
    EXPECT_EQ(page->filter()->rowCount(), expected);
    page->filter()->setText(QStringLiteral("many-1"));
    int inRun = 0;
    for (const auto &r : page->model()->rows())
        inRun += r.run == QStringLiteral("many-1") && !std::isnan(r.top1) && r.top1 * 100 >= 50 && r.top1 * 100 <= 80;
    EXPECT_EQ(page->filter()->rowCount(), inRun);
    page->filter()->setText(QString());
    page->plot()->setBrush(3, NAN, NAN);
    page->plot()->setBrush(1, NAN, NAN);
    EXPECT_EQ(page->filter()->rowCount(), total);

    // Numeric sort by top-1, descending (the default), missing values last.
    const auto top1At = [&](int viewRow) {
        return page->filter()->data(page->filter()->index(viewRow, ExplorerModel::Top1), ExplorerModel::SortRole).toDouble();
    };
    EXPECT_GE(top1At(0), top1At(1));
    EXPECT_GE(top1At(1), top1At(50));
    EXPECT_GT(top1At(0), 0.85);

    // Latency on another table of the space.
    const double before = page->model()->row(0).shownMs;
    ASSERT_TRUE(page->showLatencyOn(QStringLiteral("samsung-a50")));
    const double after = page->model()->row(0).shownMs;
    EXPECT_FALSE(std::isnan(after));
    EXPECT_NE(before, after);

    // Compare two selected architectures in the Architecture tab.
    page->selectRows({0, 1});
    const auto rows = page->selectedDiagramRows();
    ASSERT_EQ(rows.size(), 2u);
    Q_EMIT page->compareRequested(rows);
    EXPECT_EQ(w.diagram()->rowCount(), 2);
}

// Issue 34, 5: every stored chooser score (fbnet rank --by) is an axis of the Explorer, named by its
// chooser (and the search it was scored with), with the stored value per architecture.
TEST(ExplorerPage, StoredChooserScoresAreAxes)
{
    QTemporaryDir dir;
    MainWindow w;
    const qint64 tiny = test::runTinyStoredSearch(w, dir);
    ASSERT_NE(tiny, 0);
    std::int64_t archId = 0;
    {
        RunStore store(w.storePath().toStdString());
        archId = store.architectures(tiny).front().id;
        ArchitectureScore naswot;
        naswot.architectureId = archId;
        naswot.chooser = "naswot";
        naswot.value = 812.5;
        store.setScore(naswot);
        ArchitectureScore supernet = naswot;
        supernet.chooser = "supernet";
        supernet.source = "sn-fair";
        supernet.value = 0.42;
        store.setScore(supernet);
    }
    const auto rows = loadExplorerRows(RunStore(w.storePath().toStdString()));
    const ExplorerAxes axes = explorerAxes(rows);
    ASSERT_EQ(axes.scores.size(), 2u);  // the tiny search picks by theta: no scores of its own
    EXPECT_EQ(explorerAxisName(axes, 4), QStringLiteral("naswot"));
    EXPECT_EQ(explorerAxisName(axes, 5), QStringLiteral("supernet (sn-fair)"));
    EXPECT_TRUE(explorerAxisName(axes, 6).startsWith(QStringLiteral("stage 1")));
    for (const auto &r : rows)
        EXPECT_EQ(std::isnan(explorerAxisValue(axes, r, 4)), r.archId != archId);
    for (const auto &r : rows)
        if (r.archId == archId) {
            EXPECT_DOUBLE_EQ(explorerAxisValue(axes, r, 4), 812.5);
            EXPECT_DOUBLE_EQ(explorerAxisValue(axes, r, 5), 0.42);
        }
    studio::ExplorerPage *page = w.explorer();
    QSignalSpy loaded(page, &studio::ExplorerPage::loaded);
    w.refreshRuns();
    w.showTab(QStringLiteral("explorer"));
    ASSERT_TRUE(loaded.wait(60000));
    EXPECT_EQ(page->plot()->axisCount(), explorerAxisCount(axes));
}

// Issue 34, 5: the Search tab says which chooser made a run's pick (search --pick-by).
TEST(SearchPage, SaysWhichChooserPickedTheArchitecture)
{
    QTemporaryDir dir;
    MainWindow w;
    w.setShowDialogs(false);
    w.setStorePath(dir.filePath(QStringLiteral("runs.sqlite")));
    QSignalSpy done(&w, &MainWindow::searchDone);
    SearchRequest r = test::tinyRequest(2, 2);
    r.config.pickBy = "params";
    r.config.pickCandidates = 4;
    w.startSearch(r);
    ASSERT_TRUE(done.wait(120000));
    ASSERT_EQ(w.runsModel()->rowCount(), 1);
    ASSERT_TRUE(w.openRun(w.runsModel()->row(0).run.id));
    ASSERT_TRUE(w.waitForOpenRun());
    const QString log = w.searchPage()->logText();
    EXPECT_TRUE(log.contains(QStringLiteral("picked by params among the 4 most probable under θ"))) << log.toStdString();
}

TEST(ExplorerPage, ParallelCoordinatesBrushByDraggingAndClearByClicking)
{
    ParallelCoordinates p;
    p.resize(800, 300);
    p.setData({QStringLiteral("a"), QStringLiteral("b")}, {{0, 10}, {5, 20}, {10, 30}});
    QSignalSpy brushed(&p, &ParallelCoordinates::brushed);
    const int x = p.axisX(1);
    QTest::mousePress(&p, Qt::LeftButton, {}, QPoint(x, p.valueY(1, 28)));
    QTest::mouseMove(&p, QPoint(x, p.valueY(1, 15)));
    QTest::mouseRelease(&p, Qt::LeftButton, {}, QPoint(x, p.valueY(1, 15)));
    ASSERT_EQ(brushed.count(), 1);
    const auto [lo, hi] = p.brush(1);
    EXPECT_NEAR(lo, 15, 0.5);
    EXPECT_NEAR(hi, 28, 0.5);
    QTest::mouseClick(&p, Qt::LeftButton, {}, QPoint(x, p.valueY(1, 20)));
    EXPECT_TRUE(std::isnan(p.brush(1).first));
}


// Issue 35 item 7: the Explorer's colours had no legend, and viridis' yellow end was faint on white.
TEST(ExplorerPage, TheParallelCoordinatesSayWhatTheColourIsAndEveryColourShowsOnTheBackground)
{
    ParallelCoordinates p;
    p.resize(900, 320);
    p.setData({QStringLiteral("MACs"), QStringLiteral("params"), QStringLiteral("latency (ms)")}, {{1, 10, 3}, {5, 20, 9}, {10, 30, 15}});
    p.setColourAxis(2);
    EXPECT_EQ(p.legendTitle(), QStringLiteral("colour: latency (ms)"));
    const QRect legend = p.legendRect();
    EXPECT_GT(legend.left(), p.axisX(2) + 20) << "the legend sits right of the last axis";
    EXPECT_LE(legend.right(), p.width());
    const QColor base = p.palette().color(QPalette::Base);
    for (int i = 0; i <= 8; ++i)
        EXPECT_GE(test::contrast(p.lineColour(i / 8.0), base), 3.0) << "t = " << i / 8.0 << ": " << p.lineColour(i / 8.0).name().toStdString();
    // The bar is drawn with the lines' own scale: its top is the highest value's colour, its bottom the lowest's.
    const QImage image = p.grab().toImage();
    const auto near = [](const QColor &a, const QColor &b) {
        return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) + std::abs(a.blue() - b.blue()) < 40;
    };
    const QColor top = image.pixelColor(legend.center().x(), legend.top() + 3), bottom = image.pixelColor(legend.center().x(), legend.bottom() - 3);
    EXPECT_TRUE(near(top, p.lineColour(1.0))) << top.name().toStdString();
    EXPECT_TRUE(near(bottom, p.lineColour(0.0))) << bottom.name().toStdString();
}
