#include "trainingfields.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

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

bool runTrainingDialog(QDialog &dialog, QFormLayout *form, const TrainingFields &f, const QString &okText)
{
    form->addRow(QObject::tr("Epochs per architecture:"), f.epochs);
    form->addRow(QObject::tr("Training images:"), f.images);
    form->addRow(QObject::tr("Test images:"), f.testImages);
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
