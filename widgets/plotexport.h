#pragma once

class QCustomPlot;
class QPalette;
class QString;

namespace fbnet {

/** Writes a plot as PNG, PDF or SVG, chosen by the file's extension; false on failure or another extension. */
bool savePlot(QCustomPlot *plot, const QString &path);

/**
 * Colours a plot from a widget palette (background, axes, grid, text), so plots follow light
 * and dark themes; call again on QEvent::PaletteChange.
 */
void applyPlotPalette(QCustomPlot *plot, const QPalette &palette);

} // namespace fbnet
