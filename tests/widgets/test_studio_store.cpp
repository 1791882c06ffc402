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

// Issue 18: a file dialog opened on the store's folder must not open the store's files (closing
// any descriptor of them drops this process's SQLite locks; the next fbnet process then deletes
// the WAL the studio still writes to). The parent runs the real window in a child under Xvfb.
TEST(StudioStore, ExportDialogOnTheStoresFolderKeepsTheStoreIntactUnderXvfb)
{
    if (std::system("command -v xvfb-run > /dev/null 2>&1") != 0)
        GTEST_SKIP() << "xvfb-run is not installed (Debian xvfb, xauth)";
    QTemporaryDir dir;
    const std::string cmd = "env QT_QPA_PLATFORM=xcb FBNET_LOCKS_CHILD_DIR=" + dir.path().toStdString()
        + " xvfb-run -a -s '-screen 0 1400x900x24' " + std::string(FBNET_TEST_WIDGETS)
        + " --gtest_filter=StudioStoreChild.ExportDialogThenCliThenStudioWrites";
    int code = -1;
    const std::string out = test::shell(cmd, &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("[  PASSED  ] 1 test"), std::string::npos) << out;
    // After both processes have ended: every write of both is there, and the file is sound.
    RunStore store(dir.filePath(QStringLiteral("runs.sqlite")).toStdString());
    EXPECT_EQ(store.integrityCheck(), "ok");
    EXPECT_NO_THROW(store.run("renamed-by-cli"));
    EXPECT_NO_THROW(store.run("second-by-studio"));
}

TEST(StudioStoreChild, ExportDialogThenCliThenStudioWrites)
{
    const QByteArray dirPath = qgetenv("FBNET_LOCKS_CHILD_DIR");
    if (dirPath.isEmpty())
        GTEST_SKIP() << "runs under Xvfb as a child of StudioStore.ExportDialogOnTheStoresFolderKeepsTheStoreIntactUnderXvfb";
    ASSERT_EQ(QGuiApplication::platformName(), QStringLiteral("xcb"));
    ASSERT_EQ(::chdir(dirPath.constData()), 0);  // the save dialog opens in the current folder: the store's
    const QString db = QString::fromUtf8(dirPath) + QStringLiteral("/runs.sqlite");
    MainWindow w;
    w.setShowDialogs(false);
    w.setStorePath(db);
    w.show();
    QSignalSpy done(&w, &MainWindow::searchDone);
    w.startSearch(tinyRequest(2, 2));
    ASSERT_TRUE(done.wait(120000));
    ASSERT_TRUE(QFileInfo::exists(db + QStringLiteral("-wal")));
    w.refreshRuns();
    ASSERT_EQ(w.runsModel()->rowCount(), 1);
    // File ▸ Export architecture (Ctrl+E): the dialog reads the folder of runs.sqlite, -wal and -shm.
    QAction *exportAction = nullptr;
    for (QAction *a : w.findChildren<QAction *>())
        if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_E))
            exportAction = a;
    ASSERT_NE(exportAction, nullptr);
    bool listed = false;
    QTimer poll;
    QElapsedTimer since;
    since.start();
    QObject::connect(&poll, &QTimer::timeout, [&] {
        auto *dialog = qobject_cast<QFileDialog *>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        auto *model = dialog->findChild<QFileSystemModel *>();
        const int rows = model ? model->rowCount(model->index(QString::fromUtf8(dirPath))) : 0;
        // The store's files are filtered out of view (*.json), but the model still gathers them:
        // the checkpoint folder listed means the whole folder was read.
        if (rows >= 1 && !listed) {
            listed = true;
            since.restart();
        }
        if ((listed && since.elapsed() > 1500) || (!listed && since.elapsed() > 20000))
            dialog->reject();
    });
    poll.start(50);
    exportAction->trigger();
    poll.stop();
    ASSERT_TRUE(listed) << "the dialog never listed the store's folder";
    // Another process writes and closes; the studio's connection is still open.
    int code = -1;
    std::string out = test::shell(std::string(FBNET_CLI) + " runs rename run-1 renamed-by-cli --runs " + db.toStdString(), &code);
    ASSERT_EQ(code, 0) << out;
    EXPECT_TRUE(QFileInfo::exists(db + QStringLiteral("-wal"))) << "the CLI deleted the WAL the studio uses: its locks were dropped";
    w.refreshRuns();
    ASSERT_EQ(w.runsModel()->rowCount(), 1);
    EXPECT_EQ(w.runsModel()->row(0).run.name, "renamed-by-cli") << "the studio does not see the CLI's write";
    // The studio writes; the CLI sees it.
    SearchRequest second = tinyRequest(2, 2);
    second.name = "second-by-studio";
    w.startSearch(second);
    ASSERT_TRUE(done.wait(120000));
    out = test::shell(std::string(FBNET_CLI) + " runs list --runs " + db.toStdString(), &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("second-by-studio"), std::string::npos) << out;
    EXPECT_NE(out.find("renamed-by-cli"), std::string::npos) << out;
}

TEST(StudioStore, StartedWithARunsFileItNeverCreatesTheDefaultStore)
{
    QTemporaryDir dir;
    const std::string xdg = dir.filePath(QStringLiteral("xdg")).toStdString();
    const std::string mine = dir.filePath(QStringLiteral("mine.sqlite")).toStdString();
    int code = -1;
    const std::string out = test::shell("env QT_QPA_PLATFORM=offscreen XDG_DATA_HOME=" + xdg + " " + std::string(FBNET_STUDIO) + " --runs " + mine +
                                      " --screenshot " + dir.filePath(QStringLiteral("s.png")).toStdString(),
                                  &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_TRUE(QFile::exists(QString::fromStdString(mine))) << out;
    EXPECT_FALSE(QFile::exists(QString::fromStdString(xdg + "/fbnet-studio/runs.sqlite"))) << "the default store was created";
}
