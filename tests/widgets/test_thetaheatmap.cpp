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

namespace {
/** Nine candidate names, as in fbnet-cifar's layers: b0 … b8. */
QStringList nineCandidates()
{
    QStringList names;
    for (int i = 0; i < 9; ++i)
        names << QStringLiteral("b%1").arg(i);
    return names;
}
} // namespace

TEST(ThetaHeatmap, MapsLayersAndCandidatesAndReplaysEpochs)
{
    ThetaHeatmap h;
    h.setCandidates({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}, 2);
    EXPECT_EQ(h.shownValue(0, 0), -1);
    h.addEpoch({{0.2, 0.3, 0.5}, {0.9, 0.05, 0.05}});
    EXPECT_DOUBLE_EQ(h.shownValue(0, 2), 0.5);
    EXPECT_DOUBLE_EQ(h.shownValue(1, 0), 0.9);
    h.addEpoch({{0.1, 0.1, 0.8}, {0.3, 0.3, 0.4}});
    EXPECT_EQ(h.epochCount(), 2);
    EXPECT_DOUBLE_EQ(h.shownValue(0, 2), 0.8);  // follows the newest epoch
}

TEST(ThetaHeatmap, ShowsDeparturesFromUniformMarksEachArgmaxAndSaysWhenThereIsNoData)
{
    // Nine candidates, as after a real 3-epoch search: 0.09 against 0.16 must not look alike.
    ThetaHeatmap h;
    h.setCandidates(nineCandidates(), 2);
    EXPECT_TRUE(h.showsNoData());
    EXPECT_TRUE(std::isnan(h.colourValue(0, 0)));  // not "probability 0"
    EXPECT_TRUE(h.cellText(0, 0).isEmpty());
    EXPECT_TRUE(h.confidenceText(0).isEmpty());
    std::vector<double> flat(9, 0.0925), peaked(9, 0.09);
    flat[4] = 0.26;
    peaked[7] = 0.28;
    h.addEpoch({flat, peaked});
    EXPECT_FALSE(h.showsNoData());
    EXPECT_EQ(h.scale(), ThetaHeatmap::Scale::RelativeToUniform);  // the default
    // log2(p*K): below uniform is negative, above positive, uniform 0.
    EXPECT_LT(h.colourValue(0, 0), -0.1);
    EXPECT_GT(h.colourValue(0, 4), 1.0);
    EXPECT_NEAR(h.colourValue(0, 4), std::log2(0.26 * 9), 1e-9);
    EXPECT_EQ(h.markedArgmax(0), 4);
    EXPECT_EQ(h.markedArgmax(1), 7);
    // Issue 35 item 4: each layer's confidence beside it (argmax p over 1/K), without hovering.
    EXPECT_EQ(h.confidenceText(0), QStringLiteral("2.3×"));  // 0.26 x 9 = 2.34
    EXPECT_EQ(h.confidenceText(1), QStringLiteral("2.5×"));  // 0.28 x 9 = 2.52
    const QString text = h.cellText(1, 2);
    EXPECT_TRUE(text.contains(QStringLiteral("p = 0.090"))) << text.toStdString();
    EXPECT_TRUE(text.contains(QStringLiteral("b7"))) << text.toStdString();  // names the layer's argmax
    h.setScale(ThetaHeatmap::Scale::PerLayer);
    EXPECT_DOUBLE_EQ(h.colourValue(1, 7), 1.0);
    EXPECT_NEAR(h.colourValue(1, 0), 0.09 / 0.28, 1e-12);
    h.setScale(ThetaHeatmap::Scale::Probability);
    EXPECT_DOUBLE_EQ(h.colourValue(0, 4), 0.26);
    EXPECT_DOUBLE_EQ(h.shownValue(0, 4), 0.26);
    h.clear();
    EXPECT_TRUE(h.showsNoData());
    EXPECT_EQ(h.markedArgmax(0), -1);
}

using fbnet::test::contrast;

// Issue 35: the probability scale painted a near-uniform layer solid navy and its black argmax rings
// vanished on it. Near-uniform cells are pale; the rings stand out on the palest and darkest cells.
TEST(ThetaHeatmap, TheProbabilityScalesArePaleNearUniformAndTheirRingsStandOut)
{
    ThetaHeatmap h;
    h.setCandidates(nineCandidates(), 2);
    std::vector<double> uniform(9, 1.0 / 9), decided(9, 0.0);
    decided[3] = 1.0;
    h.addEpoch({uniform, decided});
    for (auto scale : {ThetaHeatmap::Scale::Probability, ThetaHeatmap::Scale::PerLayer}) {
        h.setScale(scale);
        const QColor pale = h.cellColour(0, 0), dark = h.cellColour(1, 3), ring = h.argmaxRingColour();
        ASSERT_TRUE(pale.isValid() && dark.isValid());
        if (scale == ThetaHeatmap::Scale::Probability) {
            EXPECT_GT(pale.lightnessF(), 0.75) << pale.name().toStdString();  // p = 1/9 is pale
        }
        EXPECT_GT(contrast(ring, h.cellColour(1, 0)), 3.0) << ring.name().toStdString();  // p = 0
        EXPECT_GT(contrast(ring, dark), 3.0) << ring.name().toStdString();               // p = 1
    }
    h.setScale(ThetaHeatmap::Scale::RelativeToUniform);
    EXPECT_GT(contrast(h.argmaxRingColour(), h.cellColour(0, 0)), 3.0);  // uniform: white
}
