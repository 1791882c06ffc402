#pragma once

class QCustomPlot;
class QString;

namespace fbnet {

/** Writes a plot as PNG or PDF, chosen by the file's extension; false on failure or another extension. */
bool savePlot(QCustomPlot *plot, const QString &path);

} // namespace fbnet
