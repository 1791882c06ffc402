#pragma once

#include <QWidget>

#include <utility>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/latencytable.h"

class QComboBox;
class QCustomPlot;
class QTableWidget;
class QLabel;

namespace fbnet {

/**
 * Compares two devices' latency tables on one space: per-op scatter (log-log, with the diagonal),
 * the blocks each device favours, the latency of the published architectures on both, and the
 * provenance of each table (measured / derived / calibrated / modeled).
 */
class DevicesView final : public QWidget
{
    Q_OBJECT

public:
    explicit DevicesView(QWidget *parent = nullptr);
    /** Selects a space and two devices by table name (e.g. "s8", "iphonex"). */
    void select(const QString &space, const QString &deviceA, const QString &deviceB);
    int pointCount() const { return m_points; }
    /** Matrix cell text (row: architecture, column: 0 = device A, 1 = device B). */
    QString matrixText(int row, int column) const;
    /** A header of the matrix (column -1: the architecture's), e.g. "s8 (ms)". */
    QString matrixHeader(int column) const;
    /** Whether the row's figure in `column` (0: device A, 1: device B) is marked as the faster. */
    bool matrixMarksFaster(int row, int column) const;
    int matrixRows() const;
    QString space() const;
    QString deviceA() const;
    QString deviceB() const;
    /**
     * A run was opened: shows its space with its table as device A, when this space lists that table
     * (an analytic cost or a table file of its own: the space's default pair). B stays where it still
     * fits, else the first other table. Nothing changes when the view already shows that space and A,
     * or when the space has no table installed.
     */
    void follow(const QString &space, const QString &device);
    /** Lists the tables again (one was just installed) and shows `device` as B against the current A. */
    void showInstalled(const QString &device);
    /**
     * The store's best architectures (name, architecture), shown on a space that has no published
     * ones, said so in the table's title. Best first; those of other spaces are skipped.
     */
    void setStoreArchitectures(std::vector<std::pair<QString, Architecture>> architectures);
    /** The table's title (what it lists and why). */
    QString matrixTitle() const;
    /** Phones are listed first (a table whose description names a phone): the default pair. */
    static bool isPhoneTable(const QString &device, const QString &space);

signals:
    /** The buttons: the window runs the dialogs (its file dialogs never open the run store's files). */
    void createKitRequested();
    void importKitRequested();

protected:
    void changeEvent(QEvent *event) override;

private:
    void refillDevices();
    void recompute();
    /** The published architectures of the space on both tables, or the store's best where it has none. */
    void fillMatrix(const SearchSpace &space, const LatencyTable &a, const LatencyTable &b);

    QComboBox *m_space, *m_a, *m_b;
    QCustomPlot *m_plot;
    QTableWidget *m_matrix;
    QLabel *m_favours, *m_provenance, *m_matrixTitle;
    std::vector<std::pair<QString, Architecture>> m_storeArchitectures;
    int m_points = 0;
};

} // namespace fbnet
