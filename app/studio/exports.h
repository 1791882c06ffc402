#pragma once
// The File menu's exports and the window's persisted settings: plain functions over what the
// window holds, so MainWindow only composes.

#include <QString>

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

/** Asks where, then writes the run's argmax as our JSON or mobile-vision's arch_def; an error text, empty on success or cancel. */
QString exportArchitecture(QWidget *parent, RunStore &store, qint64 runId, bool mobileVision);
/** Asks where, then writes the run's argmax as ONNX (its newest trained weights, else random) and reports the OpenCV check. */
QString exportOnnxModel(QWidget *parent, RunStore &store, qint64 runId);
/** Asks where, then writes the run's per-epoch CSV there and its per-step CSV beside it. */
QString exportMetrics(QWidget *parent, RunStore &store, qint64 runId);
/** Asks where, then saves curves, θ heatmap, Pareto and architecture as FILE, FILE-theta, FILE-pareto, FILE-architecture. */
QString exportPlots(QWidget *parent, MetricsPlot *metrics, ThetaHeatmap *heatmap, ParetoView *pareto, ArchitectureDiagram *diagram);

/** Window geometry and the last search's space, epochs, warm-up, batch and subset (QSettings). */
void restoreSettings(QMainWindow *window, SearchRequest &request);
void saveSettings(const QMainWindow *window, const SearchRequest &request);

} // namespace fbnet::studio
