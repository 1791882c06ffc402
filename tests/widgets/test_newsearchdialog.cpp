// The New Search dialog: refusals with a reason, the precision, the devices that exist, every
// data-set kind and a folder's preview with its problem inline.
#include <QComboBox>
#include <QLineEdit>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/imagefiles.h"
#include "datasetchooser.h"
#include "datasetpreview.h"
#include "fbnet/compute.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/runstore.h"
#include "fbnet/searchconfig.h"
#include "fbnet/storedsearch.h"
#include "fbnet/trainingplan.h"
#include "newsearchdialog.h"
#include "studiofixtures.h"

using namespace fbnet;

TEST(NewSearchDialog, RefusesInvalidValuesWithAReason)
{
    NewSearchDialog d;
    EXPECT_TRUE(d.validationError().isEmpty());
    SearchRequest r = d.request();
    EXPECT_EQ(r.invocation.space, "fbnet-cifar");
    EXPECT_EQ(r.invocation.lut, "pixel3");
    // One source of defaults: the dialog opens on SearchConfig's and SearchInvocation's own values,
    // the ones the CLI's flags start from (and the README states: 6 epochs, 2 warm-up, batch 32).
    const SearchConfig defaults;
    EXPECT_EQ(r.config.epochs, defaults.epochs);
    EXPECT_EQ(r.config.epochs, 6);
    EXPECT_EQ(r.config.warmupEpochs, defaults.warmupEpochs);
    EXPECT_EQ(r.config.batchSize, defaults.batchSize);
    EXPECT_EQ(r.config.batchSize, 32);
    EXPECT_EQ(r.invocation.subset, SearchInvocation{}.subset);
    EXPECT_DOUBLE_EQ(r.config.alpha, defaults.alpha);
    EXPECT_DOUBLE_EQ(r.config.tauDecay, defaults.tauDecay);
    r.config.warmupEpochs = r.config.epochs;
    d.setRequest(r);
    EXPECT_FALSE(d.validationError().isEmpty());
    EXPECT_FALSE(d.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
}

TEST(NewSearchDialog, TakesThePrecisionAndRefusesFp16OnTheCpu)
{
    NewSearchDialog d;
    auto *precision = d.findChild<QComboBox *>(QStringLiteral("precision"));
    ASSERT_NE(precision, nullptr);
    EXPECT_EQ(d.request().config.compute.precision, ComputeOptions().precision);  // auto, as in the CLI
    precision->setCurrentIndex(precision->findData(QStringLiteral("bf16")));
    EXPECT_TRUE(d.validationError().isEmpty());
    SearchRequest r = d.request();
    EXPECT_EQ(r.config.compute.precision, "bf16");
    NewSearchDialog again;
    again.setRequest(r);
    EXPECT_EQ(again.request().config.compute.precision, "bf16");
    precision->setCurrentIndex(precision->findData(QStringLiteral("fp16")));
    EXPECT_NE(d.validationError().indexOf(QStringLiteral("fp16 needs a GPU")), -1) << d.validationError().toStdString();
    EXPECT_FALSE(d.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
}

TEST(NewSearchDialog, OffersTheDevicesThatExist)
{
    NewSearchDialog d;
    QComboBox *device = nullptr;
    for (auto *box : d.findChildren<QComboBox *>())
        if (box->findData(QStringLiteral("cpu")) >= 0)
            device = box;
    ASSERT_NE(device, nullptr);
    const auto devices = computeDevices();
    EXPECT_EQ(device->itemData(0).toString(), QStringLiteral("cpu"));
    auto *model = qobject_cast<QStandardItemModel *>(device->model());
    ASSERT_NE(model, nullptr);
    if (devices.size() == 1) {  // no GPU: one disabled GPU entry whose tooltip says why
        ASSERT_EQ(device->count(), 2);
        EXPECT_FALSE(model->item(1)->isEnabled());
        EXPECT_FALSE(device->itemData(1, Qt::ToolTipRole).toString().isEmpty());
    } else {  // one selectable entry per GPU, and a stored "cuda" selects the first
        ASSERT_EQ(device->count(), int(devices.size()));
        for (int i = 1; i < device->count(); ++i) {
            EXPECT_TRUE(model->item(i)->isEnabled());
            EXPECT_EQ(device->itemData(i).toString().toStdString(), devices[std::size_t(i)]);
        }
        SearchRequest r = d.request();
        r.config.compute.device = "cuda";
        d.setRequest(r);
        EXPECT_EQ(d.request().config.compute.device, "cuda:0");
    }
}

TEST(NewSearchDialog, TheNewSearchDialogOffersEveryDataSetKind)
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

TEST(NewSearchDialog, TheNewSearchDialogPreviewsAFolderAndShowsItsProblemInline)
{
    QTemporaryDir tmp;
    const std::filesystem::path root(tmp.path().toStdString());
    for (int i = 0; i < 6; ++i) {
        test::writeImage(root / "photos" / "apples" / ("a" + std::to_string(i) + ".jpg"), test::ImageMode::JpegRgb, 60 + i, 40, 200, 30, 30);
        test::writeImage(root / "photos" / "limes" / ("l" + std::to_string(i) + ".png"), test::ImageMode::PngRgb, 40, 50 + i, 60, 200, 40);
        test::writeImage(root / "one" / "apples" / ("a" + std::to_string(i) + ".jpg"), test::ImageMode::JpegRgb, 40, 40, 200, 30, 30);
    }
    std::ofstream(root / "photos" / "apples" / "README") << "not an image";
    NewSearchDialog d;
    auto *chooser = d.findChild<studio::DatasetChooser *>();
    auto *preview = d.datasetPreview();
    ASSERT_NE(preview, nullptr);
    chooser->setSpec(QStringLiteral("folder:") + QString::fromStdString((root / "photos").string()));
    ASSERT_TRUE(test::waitForPreview(preview));
    EXPECT_TRUE(preview->problem().isEmpty()) << preview->problem().toStdString();
    const QString text = preview->summaryText();
    EXPECT_TRUE(text.contains(QStringLiteral("2 classes"))) << text.toStdString();
    EXPECT_TRUE(text.contains(QStringLiteral("1 file ignored"))) << text.toStdString();
    EXPECT_GE(preview->thumbnailCount(), 2) << "one thumbnail per class at least";
    // Issue 35, item 3: the engine's split check runs here, on the images the search will take (it
    // failed only after Start, with numbers that contradicted the preview and untrue advice).
    EXPECT_TRUE(d.validationError().contains(QStringLiteral("a batch of 32 needs at least 156 images"))) << d.validationError().toStdString();
    EXPECT_FALSE(d.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
    SearchRequest small = d.request();
    small.config.batchSize = 2;
    d.setRequest(small);
    ASSERT_TRUE(test::waitForPreview(preview));
    EXPECT_TRUE(d.validationError().isEmpty()) << d.validationError().toStdString();
    const QString splits = d.findChild<QLabel *>(QStringLiteral("splits"))->text();
    EXPECT_TRUE(splits.contains(QStringLiteral("The search will use %1 training images").arg(preview->trainImages()))) << splits.toStdString();
    EXPECT_TRUE(splits.contains(QStringLiteral("images train θ"))) << splits.toStdString();
    EXPECT_TRUE(splits.contains(QStringLiteral("validation images: every accuracy measured on them is a multiple of"))) << splits.toStdString();
    if (const char *shot = std::getenv("FBNET_FOLDER_PREVIEW_SHOT")) {
        d.adjustSize();
        d.grab().save(QString::fromLocal8Bit(shot));
    }
    // One class folder only: the reason shows before the search starts, and Start is disabled.
    chooser->setSpec(QStringLiteral("folder:") + QString::fromStdString((root / "one").string()));
    ASSERT_TRUE(test::waitForPreview(preview));
    EXPECT_TRUE(preview->problem().contains(QStringLiteral("expected at least 2 class folders"))) << preview->problem().toStdString();
    EXPECT_FALSE(d.validationError().isEmpty());
    EXPECT_FALSE(d.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
    EXPECT_EQ(preview->thumbnailCount(), 0);
    // A folder path that cannot be used yet leaves no stale summary of the data set chosen before.
    chooser->setSpec(QStringLiteral("folder:"));
    EXPECT_FALSE(preview->summaryText().contains(QStringLiteral("class"))) << preview->summaryText().toStdString();
}

// Issue 35 (onboarding): the dialog had no run name; runs were named only by the store. A name that
// the store would refuse (a tab, a newline) is refused in the dialog with the store's own reason.
TEST(NewSearchDialog, NamesTheRunAndRefusesANameTheStoreWouldRefuse)
{
    NewSearchDialog d;
    auto *name = d.findChild<QLineEdit *>(QStringLiteral("runName"));
    ASSERT_NE(name, nullptr);
    EXPECT_EQ(d.request().name, "");  // empty: the store names it
    name->setText(QStringLiteral("  s8-fast  "));
    EXPECT_TRUE(d.validationError().isEmpty()) << d.validationError().toStdString();
    EXPECT_EQ(d.request().name, "s8-fast");
    name->setText(QStringLiteral("two\tparts"));
    EXPECT_TRUE(d.validationError().startsWith(QStringLiteral("Run name: a run name is one line of printable text")))
        << d.validationError().toStdString();
    EXPECT_FALSE(d.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
    EXPECT_EQ(runNameProblem("two\tparts"), "a run name is one line of printable text; got two\\x09parts");
}

// Issue 35 (onboarding): no duration estimate before Start. The dialog says how long the search
// takes on this machine, from the store's earlier searches of the space (core's estimateSearch).
TEST(NewSearchDialog, SaysHowLongTheSearchTakesHereFromTheStoresEarlierSearches)
{
    QTemporaryDir dir;
    RunStore store(dir.filePath(QStringLiteral("runs.sqlite")).toStdString());
    NewSearchDialog d;
    SearchRequest r = d.request();
    r.invocation.dataset = "synthetic:3000";
    r.invocation.subset = 2500;
    r.config = SearchConfig{};
    d.setRequest(r);
    d.setStore(&store);
    ASSERT_TRUE(test::waitForPreview(d.datasetPreview()));
    auto splits = [&d] { return d.findChild<QLabel *>(QStringLiteral("splits"))->text(); };
    EXPECT_TRUE(splits().contains(QStringLiteral("No search of this space in this mode here yet"))) << splits().toStdString();
    // One default search of 2,500 images took 6 min 30 s here: the same search is estimated at that.
    RunInfo done;
    done.name = "earlier";
    done.status = "finished";
    done.space = r.invocation.space;
    done.configJson = searchConfigToJson(SearchConfig{});
    SearchInvocation inv = r.invocation;
    inv.images = 2500;
    done.invocationJson = invocationToJson(inv);
    done.epochsPlanned = done.epochsCompleted = 6;
    done.seconds = 390;
    store.createRun(done);
    d.setRequest(r);
    ASSERT_TRUE(test::waitForPreview(d.datasetPreview()));
    EXPECT_TRUE(splits().contains(QStringLiteral("About 6m30s on this machine (from 1 earlier search of this space in this store)")))
        << splits().toStdString();
    // Twice the epochs: 12 x 2,000 weight images and 10 x 500 θ images against 6 x 2,000 and 4 x 500.
    r.config.epochs = 12;
    d.setRequest(r);
    ASSERT_TRUE(test::waitForPreview(d.datasetPreview()));
    EXPECT_TRUE(splits().contains(QStringLiteral("About 13m28s on this machine"))) << splits().toStdString();
    EXPECT_NEAR(estimateSearch(store, r.invocation.space, 2500, r.config).seconds, 390.0 * 29000 / 14000, 1e-6);
    // Another mode is another cost: no estimate from soft-mode searches.
    r.config.mode = MaskMode::Hard;
    EXPECT_EQ(estimateSearch(store, r.invocation.space, 2500, r.config).basis, 0);
}
