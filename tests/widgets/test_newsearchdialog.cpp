// The New Search dialog: refusals with a reason, the precision, and the devices that exist.
#include <QComboBox>
#include <QDialogButtonBox>
#include <QPushButton>
#include <QStandardItemModel>

#include <gtest/gtest.h>

#include "fbnet/compute.h"
#include "fbnet/searchconfig.h"
#include "newsearchdialog.h"

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
