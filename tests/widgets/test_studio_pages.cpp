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
#include <QTimer>

#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "datasetchooser.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/randombaseline.h"
#include "metricsplot.h"
#include "newsearchdialog.h"
#include "paretoview.h"
#include "studiofixtures.h"
#include "thetaheatmap.h"

using namespace fbnet;

TEST(StudioPages, ARunWithAHundredThousandStepsOpensWithEveryPoint)
{
    QTemporaryDir dir;
    MainWindow w;
    const qint64 tiny = test::runTinyStoredSearch(w, dir);
    ASSERT_NE(tiny, 0);
    std::int64_t id = 0;
    {
        RunStore store(w.storePath().toStdString());
        id = test::makeLongRun(store, tiny, 100000, "long");
    }
    w.refreshRuns();
    ASSERT_TRUE(w.openRun(id));
    EXPECT_EQ(w.currentRun(), id);
    ASSERT_TRUE(w.waitForOpenRun());
    EXPECT_EQ(w.metrics()->pointCount(), 100000);
    EXPECT_EQ(w.heatmap()->epochCount(), 2);
}

TEST(StudioPages, TheParetoTabRunsARandomBaselineWithTheRunsCompute)
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
        const auto spins = dialog->findChildren<QSpinBox *>();
        ASSERT_EQ(spins.size(), 3);
        spins[0]->setValue(1);    // epochs
        spins[1]->setValue(100);  // training images
        spins[2]->setValue(100);  // test images
        dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
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
}

TEST(StudioPages, TheNewSearchDialogOffersEveryDataSetKind)
{
    NewSearchDialog d;
    auto *chooser = d.findChild<studio::DatasetChooser *>();
    ASSERT_NE(chooser, nullptr);
    EXPECT_EQ(chooser->kindCount(), int(datasetKinds().size()));
    auto *kind = chooser->findChild<QComboBox *>();
    auto *argument = chooser->findChild<QLineEdit *>();
    ASSERT_NE(kind, nullptr);
    ASSERT_NE(argument, nullptr);
    kind->setCurrentIndex(kind->findData(QStringLiteral("cifar10")));
    EXPECT_FALSE(chooser->problem().isEmpty()) << "CIFAR-10 without its folder";
    EXPECT_FALSE(d.validationError().isEmpty());
    QTemporaryDir dir;
    argument->setText(dir.path());
    EXPECT_TRUE(chooser->problem().isEmpty());
    EXPECT_EQ(d.request().invocation.dataset, "cifar10:" + dir.path().toStdString());
    kind->setCurrentIndex(kind->findData(QStringLiteral("synthetic")));
    EXPECT_EQ(chooser->spec(), QStringLiteral("synthetic:2000"));
    chooser->setSpec(QStringLiteral("fashion-mnist"));
    EXPECT_EQ(chooser->spec(), QStringLiteral("fashion-mnist"));
    if (const char *shot = std::getenv("FBNET_NEW_SEARCH_DIALOG_SHOT")) {
        kind->setCurrentIndex(kind->findData(QStringLiteral("cifar10")));
        d.adjustSize();
        d.grab().save(QString::fromLocal8Bit(shot));
    }
}
