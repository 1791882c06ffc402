#pragma once

class QCPAxis;
class QCustomPlot;
class QPalette;
#include <limits>
#include <string>

class QString;

namespace fbnet {

/** A plot's "no value here" (a gap in a line, a transparent heatmap cell, an unknown column). */
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/** Writes a plot as PNG, PDF or SVG, chosen by the file's extension; false on failure or another extension. */
bool savePlot(QCustomPlot *plot, const QString &path);

/**
 * Colours a plot from a widget palette (background, axes, grid, text), so plots follow light
 * and dark themes; call again on QEvent::PaletteChange.
 */
void applyPlotPalette(QCustomPlot *plot, const QPalette &palette);

/** Ticks at whole numbers only (steps, epochs, layers): never "12.5" on a count axis. */
void useIntegerTicks(QCPAxis *axis);

/** A run's plots' second title line, "name · device · data set" (empty parts left out). */
QString plotContext(const std::string &name, const std::string &device, const std::string &dataset);

/** A duration as the studio writes it everywhere: h:mm:ss ("0:04:07"); "–" for a negative or unknown time. */
QString clockDuration(double seconds);

} // namespace fbnet
