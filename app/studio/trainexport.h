#pragma once
// File ▸ Train & export…: the architecture the run hands back (the Target box's, for a family run)
// trained from scratch with its weights kept, then written as ONNX with those weights.

#include <QString>

#include <optional>

#include "evaluatecontroller.h"

class QWidget;

namespace fbnet {
class RunStore;
}

namespace fbnet::studio {

/** What Train & export does: one training (weights kept), then the ONNX export of that architecture. */
struct TrainExportPlan
{
    EvaluateRequest training;  ///< one architecture: the one the run hands back for targetMs
    QString onnxPath;
    double targetMs = 0;
    QString describe;          ///< "architecture 3 'argmax' of run 'r1'"
};

/**
 * The plan for run `runId` (its chosen architecture for `targetMs`) with these training settings;
 * fbnet::Error if the run has no architecture to hand back.
 */
TrainExportPlan planTrainAndExport(const RunStore &store, qint64 runId, double targetMs, int epochs, std::size_t images,
                                   std::size_t testImages, const QString &onnxPath);

/** Asks for the training settings and the ONNX file (says which architecture); nullopt when cancelled. */
std::optional<TrainExportPlan> askTrainAndExport(QWidget *parent, const RunStore &store, qint64 runId, double targetMs);

} // namespace fbnet::studio
