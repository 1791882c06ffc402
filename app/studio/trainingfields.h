#pragma once
// The fields every "train architectures" dialog shares (Pareto's Train, the random baseline,
// Train & export): epochs, training and test images, remembered between dialogs.

#include <QString>

#include <functional>
#include <memory>

#include "fbnet/trainingplan.h"

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

/** The work a dialog's settings start: core's plan for them (called on every change). */
using PlanFn = std::function<TrainingPlan(const TrainingPlanner &planner, const TrainConfig &config, std::size_t images,
                                          std::size_t testImages)>;

/** What a dialog plans with: the planner (it reads the data set once), or why there is none. */
struct DialogPlan
{
    std::unique_ptr<TrainingPlanner> planner;
    PlanFn plan;
    QString error;  ///< the data set or the run cannot be read: said in the dialog
};

/** A planner for the run (its data set, this store's trainings); the error instead if it cannot be made. */
DialogPlan makeDialogPlan(const RunStore &store, std::int64_t runId, PlanFn plan);

/**
 * Adds the fields, the plan of the work (label "trainingPlan": what it trains, on how many of the
 * data set's images, how long, warnings; updated as the fields change, the image counts capped at
 * what the data set has) and OK/Cancel (`okText`) to `form`, runs the dialog; true (and
 * remembered) if accepted.
 */
bool runTrainingDialog(QDialog &dialog, QFormLayout *form, const TrainingFields &f, const QString &okText,
                       const DialogPlan &plan = {});

} // namespace fbnet::studio
