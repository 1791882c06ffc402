// The studio's side of a family search: the dialog takes targets, the Search tab chooses whose θ
// and E[latency] it shows, the log and a reopened run name each target's pick, the Pareto view
// marks the targets.
#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include "fbnet/family.h"
#include "fbnet/resources.h"
#include "mainwindow.h"
#include "metricsplot.h"
#include "newsearchdialog.h"
#include "pages/searchpage.h"
#include "paretoview.h"
#include "studiofixtures.h"
#include "thetaheatmap.h"

using namespace fbnet;

TEST(StudioFamily, TheDialogTakesTargetsOrAFrontAndNamesWhatIsWrong)
{
    NewSearchDialog d;
    auto *targets = d.findChild<QLineEdit *>(QStringLiteral("targets"));
    ASSERT_NE(targets, nullptr);
    EXPECT_TRUE(d.request().config.targets.empty());
    targets->setText(QStringLiteral("6,x"));
    EXPECT_NE(d.validationError().indexOf(QStringLiteral("x: expected positive numbers")), -1) << d.validationError().toStdString();
    targets->setText(QStringLiteral("5000"));
    EXPECT_NE(d.validationError().indexOf(QStringLiteral("target 5000 lies outside")), -1) << d.validationError().toStdString();
    targets->setText(QStringLiteral("front 4"));
    EXPECT_TRUE(d.validationError().isEmpty()) << d.validationError().toStdString();
    const SearchRequest r = d.request();
    ASSERT_EQ(r.config.targets.size(), 4u);  // spread over the chosen table by the dialog itself
    // The loss is core's rule, applied where the CLI's and the studio's requests meet (runStoredSearch).
    SearchConfig resolved = r.config;
    applyLossRule(resolved, r.loss, r.front);
    EXPECT_EQ(resolved.lossForm, LossForm::Target);
    EXPECT_TRUE(std::is_sorted(r.config.targets.begin(), r.config.targets.end()));
    NewSearchDialog again;
    again.setRequest(r);
    EXPECT_EQ(again.request().config.targets, r.config.targets);

    // An FBNetV2 space: the targets are millions of FLOPs (or parameters) on the analytic table.
    auto *space = d.findChild<QComboBox *>(QStringLiteral("space"));
    ASSERT_NE(space, nullptr);
    space->setCurrentText(QStringLiteral("fbnetv2-cifar"));
    EXPECT_NE(targets->placeholderText().indexOf(QStringLiteral("MFLOPs")), -1);
    targets->setText(QStringLiteral("5000"));
    EXPECT_NE(d.validationError().indexOf(QStringLiteral("outside what space fbnetv2-cifar allows on this table")), -1)
        << d.validationError().toStdString();
    EXPECT_NE(d.validationError().indexOf(QStringLiteral("MFLOPs")), -1) << d.validationError().toStdString();
    targets->setText(QStringLiteral("front 3"));
    EXPECT_TRUE(d.validationError().isEmpty()) << d.validationError().toStdString();
    const SearchRequest v2 = d.request();
    ASSERT_EQ(v2.config.targets.size(), 3u);
    const LatencyRange range = latencyRange(SearchSpace::load(resolveSpacePath("fbnetv2-cifar")), LatencyTable::costModel("flops"));
    EXPECT_GT(v2.config.targets.front(), range.min);
    EXPECT_LT(v2.config.targets.back(), range.max);
}

TEST(StudioFamily, TheSearchTabShowsTheChosenTargetsThetaAndLatencyLiveAndFromTheStore)
{
    QTemporaryDir dir;
    MainWindow w;
    w.setShowDialogs(false);
    w.setStorePath(dir.filePath(QStringLiteral("runs.sqlite")));
    SearchRequest r = test::tinyRequest(3, 2);
    r.front = 3;  // spread by the search once it has read the table
    QSignalSpy done(&w, &MainWindow::searchDone);
    w.startSearch(r);
    ASSERT_TRUE(done.wait(180000));
    ASSERT_TRUE(done.front().front().toBool()) << w.searchLog().toStdString();
    auto *page = w.findChild<studio::SearchPage *>();
    ASSERT_NE(page, nullptr);
    auto *box = page->findChild<QComboBox *>();
    ASSERT_NE(box, nullptr);

    auto check = [&](const char *when) {
        SCOPED_TRACE(when);
        ASSERT_EQ(box->count(), 3);
        EXPECT_EQ(page->shownTarget(), 0);
        const double t0 = w.metrics()->latencyTarget();
        EXPECT_GT(t0, 0);
        EXPECT_EQ(w.heatmap()->epochCount(), 3);
        page->showTarget(2);
        const double t2 = w.metrics()->latencyTarget();
        EXPECT_GT(t2, t0);
        EXPECT_EQ(w.heatmap()->epochCount(), 3);
        EXPECT_EQ(w.metrics()->pointCount(), 3 * 2 + 2 * 2);  // every step, whichever target is shown
        // The latency panel keeps the target in view.
        const auto [lo, hi] = w.metrics()->valueRange(2);
        EXPECT_LE(lo, t2);
        EXPECT_GE(hi, t2);
        page->showTarget(0);
    };
    check("live");
    EXPECT_NE(w.searchLog().indexOf(QStringLiteral("Per target, the most probable architecture under its θ within ±5%")), -1)
        << w.searchLog().toStdString();

    // Reopened from the store: the same targets, each pick named in the log.
    MainWindow again;
    again.setShowDialogs(false);
    again.setStorePath(dir.filePath(QStringLiteral("runs.sqlite")));
    ASSERT_TRUE(again.openRunByName(QStringLiteral("1")));
    page = again.findChild<studio::SearchPage *>();
    box = page->findChild<QComboBox *>();
    ASSERT_EQ(box->count(), 3);
    EXPECT_GT(again.metrics()->latencyTarget(), 0);
    EXPECT_EQ(again.heatmap()->epochCount(), 3);
    EXPECT_EQ(again.searchLog().count(QStringLiteral("the most probable under its θ within ±5% of the target")), 3)
        << again.searchLog().toStdString();
}

TEST(StudioFamily, TheParetoViewMarksTheTargetsAndJoinsThePicks)
{
    ParetoView view;
    std::vector<ParetoItem> items;
    auto add = [&](const char *name, double ms, double acc, double target, bool pick) {
        ParetoItem it;
        it.name = QString::fromLatin1(name);
        it.origin = QStringLiteral("search");
        it.latencyMs = ms;
        it.accuracy = acc;
        it.targetMs = target;
        it.familyPick = pick;
        items.push_back(it);
    };
    add("t6ms", 6.1, 0.70, 6, true);
    add("t6ms-sample1", 7.0, 0.69, 6, false);
    add("t12ms", 11.8, 0.78, 12, true);
    add("argmax", 9.0, 0.74, 0, false);
    view.setItems(items, QStringLiteral("ms"), QStringLiteral("top-1"));
    EXPECT_EQ(view.familyTargets(), 2);
    EXPECT_NE(view.summaryText().indexOf(QStringLiteral("Family search: 2 targets")), -1) << view.summaryText().toStdString();
}
