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
    d.setRows({{QStringLiteral("S8"), resolve(space, s8), {}}, {QStringLiteral("iPhone X"), resolve(space, ix), {}}});
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
