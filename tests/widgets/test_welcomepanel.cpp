// The Search tab's first screen (issue 35, onboarding): what a new user sees before any run.
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include "devicesview.h"
#include "mainwindow.h"
#include "pages/searchpage.h"
#include "runsmodel.h"
#include "searchcontroller.h"
#include "studiofixtures.h"
#include "welcomepanel.h"

using namespace fbnet;

// Before: the first screen was empty axes. Now: a welcome with a new search, the demo, the paper's
// two phones and the store's recent runs; starting or opening a run replaces it with the views.
TEST(WelcomePanel, TheFirstScreenOffersASearchTheDemoThePapersPhonesAndTheRecentRuns)
{
    QTemporaryDir dir;
    MainWindow w;
    w.setShowDialogs(false);
    w.setStorePath(dir.filePath(QStringLiteral("runs.sqlite")));
    studio::SearchPage *page = w.searchPage();
    ASSERT_TRUE(page->showsWelcome());
    studio::WelcomePanel *welcome = page->welcome();
    EXPECT_TRUE(welcome->listedRuns().empty());
    EXPECT_TRUE(welcome->newSearchButton()->text().contains(QStringLiteral("Fashion-MNIST")));
    EXPECT_TRUE(welcome->demoButton()->text().contains(QStringLiteral("half a minute")));

    w.devices()->select(QStringLiteral("fbnet-cifar"), QStringLiteral("pixel3"), QStringLiteral("a50"));
    welcome->devicesButton()->click();
    EXPECT_EQ(w.devices()->space(), QStringLiteral("fbnet-imagenet"));
    EXPECT_EQ(w.devices()->deviceA(), QStringLiteral("s8"));
    EXPECT_EQ(w.devices()->deviceB(), QStringLiteral("iphonex"));
    EXPECT_EQ(w.findChild<QTabWidget *>()->currentWidget(), w.devices());

    // The demo's request is the short synthetic search --run-demo runs.
    const SearchRequest demo = studio::demoSearchRequest();
    EXPECT_EQ(demo.invocation.dataset, "synthetic:800");
    EXPECT_EQ(demo.config.epochs * demo.config.maxStepsPerEpoch, 15);

    const qint64 id = test::runTinyStoredSearch(w, dir, "first");
    ASSERT_GT(id, 0);
    EXPECT_FALSE(page->showsWelcome());  // the search's views replaced it
    ASSERT_EQ(welcome->listedRuns(), std::vector<qint64>{id});

    // A later start on the same store lists the run; activating it opens it in every view.
    MainWindow again;
    again.setShowDialogs(false);
    again.setStorePath(dir.filePath(QStringLiteral("runs.sqlite")));
    ASSERT_TRUE(again.searchPage()->showsWelcome());
    auto *list = again.searchPage()->welcome()->findChild<QListWidget *>(QStringLiteral("welcomeRecentRuns"));
    ASSERT_NE(list, nullptr);
    ASSERT_EQ(list->count(), 1);
    Q_EMIT list->itemActivated(list->item(0));
    ASSERT_TRUE(again.waitForOpenRun());
    EXPECT_EQ(again.currentRun(), id);
    EXPECT_FALSE(again.searchPage()->showsWelcome());
}
