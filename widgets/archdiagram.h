#pragma once

#include <QColor>
#include <QRectF>
#include <QStringList>
#include <QString>
#include <QWidget>

#include <vector>

#include "fbnet/architecture.h"

namespace fbnet {

/** The colour of a block: hue by kernel (3 blue, 5 orange), darker with expansion, grey skip. */
QColor blockColor(const BlockSpec &block);

/**
 * Diagram of one or more architectures, one row each: the stem, a box per searchable layer grouped
 * by stage (width by expansion, colour by kernel, hatched when grouped, thin grey for skip), the
 * head. With two rows, layers where the architectures differ are outlined.
 */
class ArchitectureDiagram final : public QWidget
{
    Q_OBJECT

public:
    explicit ArchitectureDiagram(QWidget *parent = nullptr);

    struct Row
    {
        QString title;
        NetworkPlan plan;
        QString subtitle;  ///< e.g. "292.9M MACs · 22.1 ms on s8"
        std::vector<double> layerMs;  ///< per layer, its block's ms on `latencyDevice` (negative: not in the table); empty: none shown
        QString latencyDevice;
    };
    void setRows(std::vector<Row> rows);
    int rowCount() const { return int(m_rows.size()); }
    /** Layers (0-based) whose blocks differ between the first two rows. */
    std::vector<int> differingLayers() const;
    /** What the widget paints of a row at its size: title to the last label; rows never overlap. */
    QRectF rowBounds(int row) const;
    /** A row's stage headers, "c24 s2": each stage's output channels and its first layer's stride. */
    QStringList stageHeaders(int row) const;
    /** The text under a block ("k5\ne6\ng2", "skip") and its latency ("0.42"; empty without one). */
    QString layerLabel(int row, int layer) const;
    QString layerLatency(int row, int layer) const;
    /** Writes the diagram as PNG, PDF or SVG (by extension). */
    bool save(const QString &path);
    QSize sizeHint() const override { return {900, 160 + 150 * int(m_rows.size())}; }

protected:
    void paintEvent(QPaintEvent *) override;

private:
    struct RowLayout
    {
        QRectF title, stem, head;
        std::vector<QRectF> stageHeaders;
        QStringList stageText;
        std::vector<QRectF> boxes, labels, latencies;  ///< per layer
        double boxMaxH = 0;
        double bottom = 0;  ///< the lowest y painted
    };
    RowLayout layoutRow(int row, const QSize &size) const;
    QFont smallFont() const;
    void paint(class QPainter &p, const QSize &size);
    std::vector<Row> m_rows;
};

} // namespace fbnet
