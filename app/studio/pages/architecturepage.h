#pragma once

#include <QWidget>

#include <memory>
#include <vector>

#include "archdiagram.h"

class QComboBox;

namespace fbnet {
class ArchitectureDiagram;
}

namespace fbnet::studio {

struct OpenRun;

/**
 * The Architecture tab: the open run's argmax as a diagram beside a published architecture,
 * another search's argmax, or an architecture picked in the Pareto view. With no run open: the
 * paper's Samsung S8 and iPhone X architectures side by side.
 */
class ArchitecturePage final : public QWidget
{
    Q_OBJECT

public:
    explicit ArchitecturePage(QWidget *parent = nullptr);

    ArchitectureDiagram *diagram() const { return m_diagram; }
    void showRun(std::shared_ptr<const OpenRun> run);
    /** Draws these rows as they are (the Explorer's "Compare selected"); the next run opened replaces them. */
    void showRows(std::vector<ArchitectureDiagram::Row> rows);
    /** Back to the published comparison (no run open). */
    void clearRun();
    /** Compares with a stored architecture of the open run, its baselines or other searches. */
    void compareWithArchitecture(qint64 architectureId);
    /** Selects a comparison by its data ("fbnet-iphonex", "run:ID"); false if it is not offered. */
    bool selectComparison(const QString &data);

Q_SIGNALS:
    void message(const QString &text);

private:
    void refresh();
    void showPublished();
    void fillChoices();

    ArchitectureDiagram *m_diagram;
    QComboBox *m_compareWith;
    std::shared_ptr<const OpenRun> m_run;
    qint64 m_pickedArchitecture = 0;
};

} // namespace fbnet::studio
