#pragma once

#include <QColor>
#include <QStringList>

class QPainter;
#include <QWidget>

#include <vector>

namespace fbnet {

/**
 * A parallel-coordinates plot: one vertical axis per quantity, one polyline per item. Dragging
 * along an axis brushes a range on it (a click on the axis clears it); `brushed` reports each
 * change so a table can filter. Items outside the filter are drawn faint grey, those inside in
 * colour by their value on the colour axis. Painting is a few ms per thousand items (no
 * antialiasing above 2,000), so 10,000 architectures stay interactive.
 */
class ParallelCoordinates final : public QWidget
{
    Q_OBJECT

public:
    explicit ParallelCoordinates(QWidget *parent = nullptr);

    /** values[item][axis]; NaN: the item has no value there (its line breaks). Clears the brushes. */
    void setData(const QStringList &axes, std::vector<std::vector<double>> values);
    /** Which items pass the filter (drawn in colour); empty: all. */
    void setHighlighted(std::vector<bool> highlighted);
    /** The axis whose value colours the lines (default 3: top-1). */
    void setColourAxis(int axis);
    int axisCount() const { return int(m_axes.size()); }
    int itemCount() const { return int(m_values.size()); }
    /** The brushed range of an axis, or NaNs. */
    std::pair<double, double> brush(int axis) const;
    /** Sets a brush as a drag would (emits brushed). NaN clears it. */
    void setBrush(int axis, double lo, double hi);
    /** The x pixel of an axis and the y pixel of a value on it (for tests driving the mouse). */
    int axisX(int axis) const;
    int valueY(int axis, double value) const;
    /** The colour of a line at t in [0, 1] of the colour axis (a scale that shows on the palette's background). */
    QColor lineColour(double t) const;
    /** The colour legend right of the plot: its bar, and its title ("colour: latency (ms)"). */
    QRect legendRect() const;
    QString legendTitle() const;
    /** The time the last paint took (ms). */
    double lastPaintMs() const { return m_lastPaintMs; }

Q_SIGNALS:
    void brushed(int axis, double lo, double hi);

protected:
    void paintEvent(QPaintEvent *) override;
    void mousePressEvent(QMouseEvent *) override;
    void mouseMoveEvent(QMouseEvent *) override;
    void mouseReleaseEvent(QMouseEvent *) override;

private:
    QRect plotRect() const;
    void paintLegend(QPainter &p, double lo, double hi) const;
    double valueAt(int axis, int y) const;
    int axisNear(int x) const;

    QStringList m_axes;
    std::vector<std::vector<double>> m_values;
    std::vector<std::pair<double, double>> m_range;  ///< per axis, the data's min and max
    std::vector<std::pair<double, double>> m_brush;  ///< per axis; NaN: none
    std::vector<bool> m_highlighted;
    int m_colourAxis = 3;
    int m_dragAxis = -1;
    int m_dragFrom = 0;
    bool m_dragged = false;
    double m_lastPaintMs = 0;
};

} // namespace fbnet
