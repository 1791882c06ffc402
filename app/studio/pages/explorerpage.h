#pragma once

#include <QWidget>

#include <memory>
#include <vector>

#include "archdiagram.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace fbnet {
class ExplorerFilter;
class ExplorerModel;
class ParallelCoordinates;
struct ExplorerRow;
}

namespace fbnet::studio {

class RunSession;

/**
 * The Explorer tab: every architecture of every run in the store (argmax, samples, random draws,
 * imported), in a sortable, filterable table with a parallel-coordinates plot above it (latency on
 * any table, MACs, parameters, top-1, per-stage expansion). Brushing an axis filters the table;
 * "Compare selected" draws the selected architectures in the Architecture tab. The store is read
 * off the GUI thread with a connection of its own.
 */
class ExplorerPage final : public QWidget
{
    Q_OBJECT

public:
    explicit ExplorerPage(RunSession *session, QWidget *parent = nullptr);
    ~ExplorerPage() override;

    /** Reads the store again (asynchronously; `loaded` when done). */
    void reload();
    bool isLoading() const { return m_loading; }
    ExplorerModel *model() const { return m_model; }
    ExplorerFilter *filter() const { return m_filter; }
    ParallelCoordinates *plot() const { return m_plot; }
    QTableView *table() const { return m_table; }
    /** Shows latencies on a table by device name (empty: each run's own); false if not offered. */
    bool showLatencyOn(const QString &device);
    /** Selects table rows (view order) as a user would. */
    void selectRows(const QList<int> &viewRows);
    /** The diagram rows of the selected architectures (what Compare selected shows). */
    std::vector<ArchitectureDiagram::Row> selectedDiagramRows() const;
    QString countText() const;

Q_SIGNALS:
    void loaded(int architectures);
    void compareRequested(const std::vector<fbnet::ArchitectureDiagram::Row> &rows);
    void message(const QString &text);

private:
    void applyRows(std::shared_ptr<std::vector<ExplorerRow>> rows);
    void refreshPlot();
    void refreshHighlight();
    void updateCount();
    void reprice();
    QString latencyHeader() const;

    RunSession *m_session;
    ExplorerModel *m_model;
    ExplorerFilter *m_filter;
    ParallelCoordinates *m_plot;
    QTableView *m_table;
    QLineEdit *m_text;
    QComboBox *m_device;
    QPushButton *m_compare, *m_clear;
    QLabel *m_count;
    bool m_loading = false;
    int m_generation = 0;
};

} // namespace fbnet::studio
