#pragma once
// The fields every "train architectures" dialog shares (Pareto's Train, the random baseline,
// Train & export): epochs, training and test images, remembered between dialogs.

#include <QString>

class QDialog;
class QFormLayout;
class QSpinBox;

namespace fbnet::studio {

/** Epochs, training and test images per architecture; they open on the last accepted values. */
struct TrainingFields
{
    QSpinBox *epochs, *images, *testImages;

    explicit TrainingFields(QDialog *dialog);
    /** Remembers the values for the next dialog (QSettings "training/…"). */
    void remember() const;
};

/** Adds the fields and OK/Cancel (`okText`) to `form`, runs the dialog; true (and remembered) if accepted. */
bool runTrainingDialog(QDialog &dialog, QFormLayout *form, const TrainingFields &f, const QString &okText);

} // namespace fbnet::studio
