#pragma once

#include <QString>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPTextElement;
class QLabel;

namespace fbnet {

/** A point of the Pareto view: an evaluated architecture. */
struct ParetoItem
{
    qint64 id = 0;            ///< stored architecture id (0: not stored, e.g. published)
    QString name;
    QString origin;           ///< search | random | published
    double latencyMs = 0;
    double accuracy = 0;      ///< 0..1
    QString detail;           ///< shown in the tooltip (blocks, run)
    double targetMs = 0;      ///< family search: the latency target it was chosen for (0: none or another table)
    bool familyPick = false;  ///< family search: its target's pick (the most probable within +-5%)
};

/**
 * Latency versus accuracy of evaluated architectures: the search's points, the random baseline's
 * and published ones for reference; the non-dominated front over all of them as a step line;
 * tooltips on hover, click to select. A family search's targets are dotted vertical lines and its
 * picks (one per target) are joined, so the family reads as one curve against its budgets.
 */
class ParetoView final : public QWidget
{
    Q_OBJECT

public:
    explicit ParetoView(QWidget *parent = nullptr);

    void setItems(std::vector<ParetoItem> items, const QString &latencyLabel, const QString &accuracyLabel);
    const std::vector<ParetoItem> &items() const { return m_items; }
    /** Indices into items() of the front, by latency. */
    const std::vector<std::size_t> &front() const { return m_front; }
    /** Index of the item nearest to a pixel position within `radius` px, or -1. */
    int itemAt(const QPointF &pixel, double radius = 10) const;
    /** The item's position in widget pixels (for tests). */
    QPointF pixelOf(std::size_t index) const;
    bool save(const QString &path) const;
    /** The plot widget (for tests: mouse events go there). */
    QWidget *plotWidget() const;
    /**
     * Set before setItems: the accuracy of guessing (1 / classes; 0: unknown), so a view whose
     * points all sit near it says that they cannot be told apart, and the random baseline's
     * legend entry (empty: "random search"), which says how much of its budget it used.
     */
    void setChanceAccuracy(double chance) { m_chance = chance; }
    void setBaselineLabel(const QString &label) { m_baselineLabel = label; }
    /** The title's second line (run · device · data set), in the view and its exports. */
    void setContext(const QString &context);
    /** All points within 5 points of chance (needs a chance accuracy). */
    bool nearChance() const;
    QString summaryText() const;
    QString baselineLegend() const;
    /** How many family targets the items carry (0: no family search). */
    int familyTargets() const;

Q_SIGNALS:
    void selected(qint64 architectureId, const QString &name);

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();
    void addFamily();
    /** The family targets the items carry, each once. */
    std::vector<double> targetList() const;

    QCustomPlot *m_plot;
    QLabel *m_summary;
    QCPTextElement *m_title = nullptr;
    std::vector<ParetoItem> m_items;
    std::vector<std::size_t> m_front;
    double m_chance = 0;
    QString m_baselineLabel;
};

} // namespace fbnet
