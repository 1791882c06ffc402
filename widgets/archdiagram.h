#pragma once

#include <QColor>
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
    };
    void setRows(std::vector<Row> rows);
    int rowCount() const { return int(m_rows.size()); }
    /** Layers (0-based) whose blocks differ between the first two rows. */
    std::vector<int> differingLayers() const;
    /** Writes the diagram as PNG, PDF or SVG (by extension). */
    bool save(const QString &path);
    QSize sizeHint() const override { return {900, 160 + 120 * int(m_rows.size())}; }

protected:
    void paintEvent(QPaintEvent *) override;

private:
    void paint(class QPainter &p, const QSize &size);
    std::vector<Row> m_rows;
};

} // namespace fbnet
