#include "trainingfields.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

#include <algorithm>

namespace fbnet::studio {

TrainingFields::TrainingFields(QDialog *dialog)
    : epochs(new QSpinBox(dialog)), images(new QSpinBox(dialog)), testImages(new QSpinBox(dialog))
{
    const QSettings s;
    epochs->setRange(1, 200);
    epochs->setValue(s.value(QStringLiteral("training/epochs"), 2).toInt());
    images->setRange(100, 1000000);
    images->setSingleStep(1000);
    images->setValue(s.value(QStringLiteral("training/images"), 5000).toInt());
    testImages->setRange(100, 1000000);
    testImages->setSingleStep(500);
    testImages->setValue(s.value(QStringLiteral("training/test_images"), 2000).toInt());
}

void TrainingFields::remember() const
{
    QSettings s;
    s.setValue(QStringLiteral("training/epochs"), epochs->value());
    s.setValue(QStringLiteral("training/images"), images->value());
    s.setValue(QStringLiteral("training/test_images"), testImages->value());
}

DialogPlan makeDialogPlan(const RunStore &store, std::int64_t runId, PlanFn plan)
{
    DialogPlan p;
    try {
        p.planner = std::make_unique<TrainingPlanner>(store, store.run(runId));
        p.plan = std::move(plan);
    } catch (const std::exception &e) {
        p.error = QString::fromStdString(e.what());
    }
    return p;
}

namespace {

/** Caps a count at what the data set has (the box says "of N"). */
void fitTo(QSpinBox *box, std::size_t available)
{
    const int most = int(std::min<std::size_t>(available, std::size_t(box->maximum())));
    box->setRange(std::min(box->minimum(), most), most);
    box->setSuffix(QObject::tr(" of %1").arg(most));
}

void addPlan(QDialog &dialog, QFormLayout *form, const TrainingFields &f, const DialogPlan &plan)
{
    auto *label = new QLabel(&dialog);
    label->setObjectName(QStringLiteral("trainingPlan"));
    label->setWordWrap(true);
    label->setMinimumWidth(480);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(label);
    if (!plan.planner) {
        label->setText(QObject::tr("Cannot plan this training: %1").arg(plan.error));
        return;
    }
    fitTo(f.images, plan.planner->availableTrain());
    fitTo(f.testImages, plan.planner->availableTest());
    const auto update = [&plan, &f, label] {
        TrainConfig config;
        config.epochs = f.epochs->value();
        label->setText(QString::fromStdString(
            plan.plan(*plan.planner, config, std::size_t(f.images->value()), std::size_t(f.testImages->value())).describe()));
    };
    for (QSpinBox *box : {f.epochs, f.images, f.testImages})
        QObject::connect(box, &QSpinBox::valueChanged, label, update);
    update();
}

} // namespace

bool runTrainingDialog(QDialog &dialog, QFormLayout *form, const TrainingFields &f, const QString &okText, const DialogPlan &plan)
{
    form->addRow(QObject::tr("Epochs per architecture:"), f.epochs);
    form->addRow(QObject::tr("Training images:"), f.images);
    form->addRow(QObject::tr("Test images:"), f.testImages);
    if (plan.planner || !plan.error.isEmpty())
        addPlan(dialog, form, f, plan);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(okText);
    form->addRow(buttons);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return false;
    f.remember();
    return true;
}

} // namespace fbnet::studio
