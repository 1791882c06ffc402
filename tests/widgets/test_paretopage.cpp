// Honest labels: an architecture of an untrained θ says so in every view and export, the studio's
// architecture JSON is the CLI's, a Pareto view near chance warns, a baseline says what it spent.
#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QLabel>
#include <QSpinBox>
#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <cstdlib>

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "exports.h"
#include "fbnet/archexport.h"
#include "fbnet/runstore.h"
#include "fbnet/searchconfig.h"
#include "fbnet/trainingplan.h"
#include "mainwindow.h"
#include "pages/paretopage.h"
#include "paretoview.h"
#include "runsession.h"
#include "runsmodel.h"
#include "studiofixtures.h"

using namespace fbnet;

TEST(ParetoPage, AParetoViewNearChanceWarnsAndABaselineSaysHowMuchOfItsBudgetItSpent)
{
    ParetoView v;
    v.setChanceAccuracy(0.1);
    v.setItems({{1, QStringLiteral("a"), QStringLiteral("search"), 9, 0.098, {}}, {2, QStringLiteral("b"), QStringLiteral("random"), 12, 0.11, {}}},
               QStringLiteral("ms"), QStringLiteral("%"));
    EXPECT_TRUE(v.nearChance());
    EXPECT_TRUE(v.summaryText().contains(QStringLiteral("chance"))) << v.summaryText().toStdString();
    v.setItems({{1, QStringLiteral("a"), QStringLiteral("search"), 9, 0.75, {}}, {2, QStringLiteral("b"), QStringLiteral("random"), 12, 0.11, {}}},
               QStringLiteral("ms"), QStringLiteral("%"));
    EXPECT_FALSE(v.nearChance());
    EXPECT_FALSE(v.summaryText().contains(QStringLiteral("chance")));

    // The README's case: a baseline that used 1m42s of a 19m04s budget.
    studio::OpenRun o;
    o.run.kind = "search";
    studio::RunArchitectures baseline;
    baseline.run.kind = "random";
    baseline.run.seconds = 102;
    baseline.run.configJson = R"({"budget_seconds": 1144, "budget_of": "s"})";
    o.baselines.push_back(baseline);
    const QString early = studio::ParetoPage::baselineLabel(o);
    EXPECT_EQ(early, QStringLiteral("random search: 1m42s of a 19m04s budget (9%)"));
    o.baselines[0].run.seconds = 1150;
    EXPECT_EQ(studio::ParetoPage::baselineLabel(o), QStringLiteral("random search, same budget (19m04s)"));
    // Two baselines of the same budget: each measured against its own, not against their sum.
    o.baselines.push_back(o.baselines[0]);
    EXPECT_EQ(studio::ParetoPage::baselineLabel(o), QStringLiteral("random search, 2 runs, each the same budget (19m04s)"));
    o.baselines[1].run.seconds = 102;
    EXPECT_EQ(studio::ParetoPage::baselineLabel(o), QStringLiteral("random search, 2 runs (budget 19m04s each; 1 of them spent)"));
    o.baselines.clear();
    EXPECT_EQ(studio::ParetoPage::baselineLabel(o), QStringLiteral("random search"));
    v.setBaselineLabel(early);
    EXPECT_EQ(v.baselineLegend(), early);
}

TEST(ParetoPage, TheParetoTabRunsARandomBaselineWithTheRunsCompute)
{
    QTemporaryDir dir;
    MainWindow w;
    const qint64 id = test::runTinyStoredSearch(w, dir, "searched");
    ASSERT_NE(id, 0);
    ASSERT_TRUE(w.openRun(id));
    ASSERT_TRUE(w.waitForOpenRun());
    double budget = 0;
    {
        RunStore store(w.storePath().toStdString());
        budget = runComputeSeconds(store, store.run(id));
    }
    QPushButton *button = nullptr;
    for (auto *b : w.findChildren<QPushButton *>())
        if (b->text().startsWith(QStringLiteral("Random baseline")))
            button = b;
    ASSERT_NE(button, nullptr);
    ASSERT_TRUE(button->isEnabled());
    bool sawDialog = false;
    QTimer::singleShot(0, &w, [&] {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        ASSERT_NE(dialog, nullptr);
        sawDialog = true;
        ASSERT_TRUE(test::fillTrainingFields(dialog, 1, 100, 100));  // epochs, training and test images
        // The budget is said before Start, not after.
        auto *plan = dialog->findChild<QLabel *>(QStringLiteral("trainingPlan"));
        ASSERT_NE(plan, nullptr);
        EXPECT_TRUE(plan->text().contains(QStringLiteral("until the compute of the run it matches (%1:").arg(QString::fromStdString(formatDuration(budget)))))
            << plan->text().toStdString();
        if (const char *shot = std::getenv("FBNET_BASELINE_DIALOG_SHOT"))
            dialog->grab().save(QString::fromLocal8Bit(shot));
        test::acceptDialog(dialog);
    });
    QSignalSpy done(&w, &MainWindow::baselineDone);
    button->click();
    EXPECT_TRUE(sawDialog);
    ASSERT_TRUE(done.wait(300000));
    EXPECT_TRUE(done.takeFirst().at(0).toBool());

    RunStore store(w.storePath().toStdString());
    const auto runs = store.runs();
    ASSERT_EQ(runs.size(), 2u);
    const RunInfo &random = runs[0].kind == "random" ? runs[0] : runs[1];
    ASSERT_EQ(random.kind, "random");
    const auto config = nlohmann::json::parse(random.configJson);
    EXPECT_NEAR(config.at("budget_seconds").get<double>(), budget, 1e-9) << "the same budget rule as fbnet random --budget-of";
    EXPECT_EQ(config.at("budget_of").get<std::string>(), std::to_string(id));
    int evaluated = 0;
    for (const auto &a : store.architectures(random.id))
        evaluated += !store.evaluations(a.id).empty();
    EXPECT_GE(evaluated, 1);
    int shown = 0;
    for (const auto &item : w.pareto()->items())
        shown += item.origin == QLatin1String("random");
    EXPECT_EQ(shown, evaluated) << "the baseline's points appear in the open run's Pareto view";
    if (const char *shot = std::getenv("FBNET_RUNS_TAB_SHOT")) {  // the search and its baseline in the Runs tab
        w.refreshRuns();
        w.showTab(QStringLiteral("runs"));
        w.resize(1500, 500);
        w.grab().save(QString::fromLocal8Bit(shot));
    }
}
