#pragma once
// The File menu's exports and the window's persisted settings: plain functions over what the
// window holds, so MainWindow only composes.

#include <QString>
#include <QStringList>

class QMainWindow;
class QWidget;

namespace fbnet {
class ArchitectureDiagram;
class MetricsPlot;
class ParetoView;
class RunStore;
class ThetaHeatmap;
struct SearchRequest;
}

namespace fbnet::studio {

/** What an export did: the files it wrote (nothing when cancelled), or why it failed. */
struct ExportReport
{
    QString error;
    QStringList written;
    QString detail;  ///< one line about the content ("argmax of run 'x', untrained θ", …)
    QString summary;  ///< ONNX: the full account (nodes, input, which weights, the OpenCV check)
    bool trainedWeights = false;  ///< ONNX: the weights of a stored training, not random ones
    /** "Wrote a.json (argmax of run 'x')." for the status bar; empty when nothing was written. */
    QString message() const;
};

/**
 * Asks where, then writes the architecture the run hands back (core's chosenArchitecture: a family
 * run's for `targetMs`, the Target box's) as our JSON (the CLI's `fbnet export --format json`) or
 * mobile-vision's arch_def; with the arch_def, its newest trained weights (if any) under
 * mobile-vision's names beside it: arch_def.json -> arch_def.weights.pt.
 */
ExportReport exportArchitecture(QWidget *parent, RunStore &store, qint64 runId, bool mobileVision, double targetMs = 0);
/** Writes the run's architecture to `to` without asking (the dialog's second half; tests). */
ExportReport writeArchitecture(RunStore &store, qint64 runId, bool mobileVision, const QString &to, double targetMs = 0);
/** Asks where, then writes the run's architecture as ONNX (its newest trained weights, else random, said plainly) and reports the OpenCV check. */
ExportReport exportOnnxModel(QWidget *parent, RunStore &store, qint64 runId, double targetMs = 0);
/** Writes the run's architecture (for `targetMs`) as ONNX to `to` without asking: its newest trained weights, else random. */
ExportReport writeOnnxModel(RunStore &store, qint64 runId, const QString &to, double targetMs = 0);
/** Asks where, then writes the run's per-epoch CSV there and its per-step CSV beside it. */
ExportReport exportMetrics(QWidget *parent, RunStore &store, qint64 runId);
/** Asks where, then saves curves, θ heatmap, Pareto and architecture as FILE, FILE-theta, FILE-pareto, FILE-architecture. */
ExportReport exportPlots(QWidget *parent, MetricsPlot *metrics, ThetaHeatmap *heatmap, ParetoView *pareto, ArchitectureDiagram *diagram);
/** The second half of exportPlots: saves the four plots next to `to` (its extension picks the format). */
ExportReport writePlots(const QString &to, MetricsPlot *metrics, ThetaHeatmap *heatmap, ParetoView *pareto, ArchitectureDiagram *diagram);

/** Window geometry and the last search's space, epochs, warm-up, batch and subset (QSettings). */
void restoreSettings(QMainWindow *window, SearchRequest &request);
void saveSettings(const QMainWindow *window, const SearchRequest &request);

} // namespace fbnet::studio
