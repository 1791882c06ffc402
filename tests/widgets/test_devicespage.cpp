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

TEST(DevicesPage, TheDevicesTabImportsKitTimingsThroughTheStoreSafeDialogAndShowsTheFittedTable)
{
    // A kit's timings.csv as a phone 1.7x slower than the Pixel 3 (+2 ms) would give.
    QTemporaryDir dir;
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    const LatencyTable pixel3 = LatencyTable::load(resolveLutPath("pixel3", space.name));
    KitOptions o;
    o.count = 12;
    const auto kit = chooseKit(space, nullptr, o);
    const QString csv = dir.filePath(QStringLiteral("timings.csv"));
    {
        std::ofstream out(csv.toStdString());
        out << "id,arch,split,latency_ms\n";
        for (const auto &e : kit)
            out << e.id << "," << e.architecture.blocksString() << "," << e.split << "," << 1.7 * pixel3.predict(space, e.architecture) + 2 << "\n";
    }
    MainWindow w;
    w.setShowDialogs(false);
    DevicesView *devices = w.devices();
    devices->select(QStringLiteral("fbnet-cifar"), QStringLiteral("pixel3"), QStringLiteral("samsung-a50"));
    QPushButton *import = devices->findChild<QPushButton *>(QStringLiteral("importKit"));
    ASSERT_NE(import, nullptr);
    bool sawFileDialog = false, storeSafe = false, sawNameDialog = false;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        QWidget *modal = QApplication::activeModalWidget();
        if (auto *files = qobject_cast<QFileDialog *>(modal)) {
            sawFileDialog = true;
            // The studio's own dialog, whose icons never open a listed file (filedialogs.h).
            storeSafe = files->testOption(QFileDialog::DontUseNativeDialog) && files->iconProvider() == studio::nameOnlyIconProvider();
            // Typed into the name field, as a user would: selectFile() leaves that field alone once
            // it has focus (the window activates asynchronously), and accept() then has no file
            // and silently keeps the dialog open, which hung this test one run in two.
            auto *name = files->findChild<QLineEdit *>(QStringLiteral("fileNameEdit"));
            ASSERT_NE(name, nullptr);
            name->setText(csv);
            QMetaObject::invokeMethod(files, "accept");
            if (files->isVisible())
                files->reject();  // never hang: the expectations below then fail instead
        } else if (auto *name = qobject_cast<QInputDialog *>(modal)) {
            sawNameDialog = true;
            name->setTextValue(QStringLiteral("kit-phone"));
            name->accept();
        }
    });
    poll.start(20);
    import->click();
    poll.stop();
    EXPECT_TRUE(sawFileDialog);
    EXPECT_TRUE(storeSafe);
    EXPECT_TRUE(sawNameDialog);
    EXPECT_EQ(devices->deviceA(), QStringLiteral("pixel3"));
    EXPECT_EQ(devices->deviceB(), QStringLiteral("kit-phone"));
    EXPECT_GT(devices->pointCount(), 0);
    const LatencyTable installed = LatencyTable::load(resolveLutPath("kit-phone", space.name));
    EXPECT_NE(installed.provenance.at("validation").find("held-out 3 kit networks"), std::string::npos);
    std::filesystem::remove(userLutDir() + "/kit-phone-fbnet-cifar.json");
}

// Opening a run shows its space and table on the Devices tab (it stayed on the paper's S8 vs
// iPhone X comparison on fbnet-imagenet whatever run was open); a B that still fits is kept.
TEST(DevicesPage, TheDevicesTabFollowsTheOpenedRunsSpaceAndTable)
{
    QTemporaryDir dir;
    MainWindow w;
    DevicesView *devices = w.devices();
    EXPECT_EQ(devices->space(), QStringLiteral("fbnet-imagenet"));
    const qint64 id = test::runTinyStoredSearch(w, dir, "follow");  // fbnet-cifar on pixel3, opened when it ends
    ASSERT_NE(id, 0);
    ASSERT_TRUE(w.waitForOpenRun());
    EXPECT_EQ(devices->space(), QStringLiteral("fbnet-cifar"));
    EXPECT_EQ(devices->deviceA(), QStringLiteral("pixel3"));
    EXPECT_FALSE(devices->deviceB().isEmpty());
    EXPECT_NE(devices->deviceB(), QStringLiteral("pixel3"));
    EXPECT_GT(devices->pointCount(), 0);
    // The user's B stays when the run's table takes A.
    devices->select(QStringLiteral("fbnet-cifar"), QStringLiteral("samsung-a50"), QStringLiteral("titan-rtx"));
    ASSERT_TRUE(w.openRun(id) && w.waitForOpenRun());
    EXPECT_EQ(devices->deviceA(), QStringLiteral("pixel3"));
    EXPECT_EQ(devices->deviceB(), QStringLiteral("titan-rtx"));
    // A B that is the run's own table gives way to another.
    devices->select(QStringLiteral("fbnet-cifar"), QStringLiteral("titan-rtx"), QStringLiteral("pixel3"));
    ASSERT_TRUE(w.openRun(id) && w.waitForOpenRun());
    EXPECT_EQ(devices->deviceA(), QStringLiteral("pixel3"));
    EXPECT_NE(devices->deviceB(), QStringLiteral("pixel3"));
    EXPECT_FALSE(devices->deviceB().isEmpty());
    // A space without tables (FBNetV2, costed in FLOPs) keeps the comparison on show...
    devices->follow(QStringLiteral("fbnetv2-cifar"), QStringLiteral("flops"));
    EXPECT_EQ(devices->space(), QStringLiteral("fbnet-cifar"));
    EXPECT_GT(devices->pointCount(), 0);
    // ...and chosen by hand, it says it has nothing to compare instead of showing the last space's figures.
    devices->select(QStringLiteral("fbnetv2-cifar"), QString(), QString());
    EXPECT_EQ(devices->pointCount(), 0);
    EXPECT_EQ(devices->matrixRows(), 0);
    EXPECT_TRUE(devices->matrixTitle().contains(QStringLiteral("no latency table installed"))) << devices->matrixTitle().toStdString();
}

TEST(DevicesPage, PhonesArePairedByDefaultAndASpaceWithoutPublishedArchitecturesShowsTheStoresBest)
{
    DevicesView v;
    v.select(QStringLiteral("fbnet-cifar"), QString(), QString());  // the default pair of the space
    EXPECT_TRUE(DevicesView::isPhoneTable(v.deviceA(), v.space())) << v.deviceA().toStdString();
    EXPECT_TRUE(DevicesView::isPhoneTable(v.deviceB(), v.space())) << v.deviceB().toStdString();
    EXPECT_NE(v.deviceA(), v.deviceB());
    EXPECT_FALSE(DevicesView::isPhoneTable(QStringLiteral("gtx-1080ti"), QStringLiteral("fbnet-cifar")));
    EXPECT_EQ(v.matrixRows(), 0);
    EXPECT_TRUE(v.matrixTitle().contains(QStringLiteral("No published architectures for fbnet-cifar"))) << v.matrixTitle().toStdString();
    Architecture a = loadArchitecture(resolveArchitecturePath("fbnet-a"));  // any fbnet-cifar blocks will do
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    a.blocks.clear();
    for (const auto &l : space.layers())
        a.blocks.push_back(l.candidates.front());
    a.space = "fbnet-cifar";
    Architecture other = a;
    other.space = "fbnet-imagenet";  // another space's: not listed
    v.setStoreArchitectures({{QStringLiteral("run-1 / argmax (75.0%)"), a}, {QStringLiteral("elsewhere"), other}});
    ASSERT_EQ(v.matrixRows(), 1);
    EXPECT_EQ(v.matrixText(0, -1), QStringLiteral("run-1 / argmax (75.0%)"));
    EXPECT_GT(v.matrixText(0, 0).toDouble(), 0.0);
    EXPECT_TRUE(v.matrixTitle().contains(QStringLiteral("run store's best"))) << v.matrixTitle().toStdString();
    // A space with published architectures keeps them.
    v.select(QStringLiteral("fbnet-imagenet"), QStringLiteral("s8"), QStringLiteral("iphonex"));
    EXPECT_TRUE(v.matrixTitle().contains(QStringLiteral("Published"))) << v.matrixTitle().toStdString();
}
