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

TEST(ArchitectureDiagram, ColoursBlocksAndMarksDifferences)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-imagenet"));
    const Architecture s8 = loadArchitecture(resolveArchitecturePath("fbnet-s8"));
    const Architecture ix = loadArchitecture(resolveArchitecturePath("fbnet-iphonex"));
    ArchitectureDiagram d;
    d.resize(1000, 400);
    d.setRows({{QStringLiteral("S8"), resolve(space, s8), {}, {}, {}}, {QStringLiteral("iPhone X"), resolve(space, ix), {}, {}, {}}});
    int differ = 0;
    for (std::size_t i = 0; i < s8.blocks.size(); ++i)
        differ += s8.blocks[i] != ix.blocks[i];
    EXPECT_EQ(int(d.differingLayers().size()), differ);
    EXPECT_GT(differ, 0);
    // Distinct candidate blocks get distinct colours.
    QSet<QRgb> colours;
    for (const auto &name : space.candidates)
        colours.insert(blockColor(space.block(name)).rgb());
    EXPECT_EQ(colours.size(), 7);  // the g2 variants share their e=1 colour and are hatched instead
    QTemporaryDir dir;
    for (const char *ext : {"png", "svg", "pdf"}) {
        const QString f = dir.filePath(QStringLiteral("arch.") + QLatin1String(ext));
        EXPECT_TRUE(d.save(f)) << ext;
        EXPECT_GT(QFileInfo(f).size(), 1000) << ext;
    }
    QImage img(d.size(), QImage::Format_ARGB32);
    d.render(&img);
    QSet<QRgb> seen;
    for (int y = 0; y < img.height(); y += 3)
        for (int x = 0; x < img.width(); x += 3)
            seen.insert(img.pixel(x, y));
    EXPECT_GT(seen.size(), 10);
}

// Issue 35 item 7: the compare view drew block labels over the next row's title and had no
// channels, strides or per-layer latency.
TEST(ArchitectureDiagram, RowsDoNotOverlapAndSayEachStagesChannelsStrideAndEachBlocksLatency)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-imagenet"));
    const LatencyTable s8 = LatencyTable::load(resolveLutPath("s8", space.name));
    const NetworkPlan a = resolve(space, loadArchitecture(resolveArchitecturePath("fbnet-s8")));
    const NetworkPlan b = resolve(space, loadArchitecture(resolveArchitecturePath("fbnet-iphonex")));
    ArchitectureDiagram d;
    d.setRows({{QStringLiteral("S8"), a, {}, s8.layerMs(a), QStringLiteral("s8")},
               {QStringLiteral("iPhone X"), b, {}, s8.layerMs(b), QStringLiteral("s8")}});
    for (const int height : {d.sizeHint().height(), 300, 900}) {
        d.resize(1000, height);
        EXPECT_LE(d.rowBounds(0).bottom(), d.rowBounds(1).top()) << "height " << height;
    }
    // FBNet's macro-architecture (the paper's Table 1): stages of 16, 24, 32, 64, 112, 184, 352 channels.
    const QStringList stages = d.stageHeaders(0);
    ASSERT_EQ(stages.size(), 7) << stages.join(QLatin1Char(',')).toStdString();
    EXPECT_EQ(stages[0], QStringLiteral("c16 s1"));
    EXPECT_EQ(stages[1], QStringLiteral("c24 s2"));
    EXPECT_EQ(stages[6], QStringLiteral("c352 s1"));
    // Each block's ms on the table: what the two totals differ by is what their blocks differ by.
    const auto sum = [](const std::vector<double> &ms) {
        double total = 0;
        for (double v : ms)
            total += v;
        return total;
    };
    for (int i = 0; i < int(a.chosen.size()); ++i)
        EXPECT_FALSE(d.layerLatency(0, i).isEmpty()) << i;
    EXPECT_NEAR(s8.predict(a) - s8.predict(b), sum(s8.layerMs(a)) - sum(s8.layerMs(b)), 1e-6);
    EXPECT_TRUE(d.layerLabel(0, 0).startsWith(QStringLiteral("k"))) << d.layerLabel(0, 0).toStdString();
    if (const char *shot = std::getenv("FBNET_ARCH_DIAGRAM_SHOT")) {
        d.resize(1200, d.sizeHint().height());
        d.grab().save(QString::fromLocal8Bit(shot));
    }
}

// The Architecture tab before a run is open: the paper's pair with each block's ms on the S8's table.
TEST(ArchitectureDiagram, TheArchitectureTabShowsThePapersPairWithEachBlocksLatency)
{
    MainWindow w;
    w.resize(1400, 760);
    w.showTab(QStringLiteral("architecture"));
    ArchitectureDiagram *d = w.diagram();
    ASSERT_EQ(d->rowCount(), 2);
    EXPECT_EQ(d->stageHeaders(0).size(), 7);
    EXPECT_FALSE(d->layerLatency(0, 0).isEmpty());
    EXPECT_FALSE(d->layerLatency(1, 0).isEmpty());
    if (const char *shot = std::getenv("FBNET_ARCH_TAB_SHOT"))
        w.grab().save(QString::fromLocal8Bit(shot));
}
