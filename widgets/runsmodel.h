#pragma once

#include <QAbstractTableModel>

#include <vector>

#include "fbnet/runstore.h"

namespace fbnet {

/** One line of the run browser: the run and its argmax (if any). */
struct RunRow
{
    RunInfo run;
    double argmaxMs = -1;    ///< on the run's table, -1: none yet
    double bestTop1 = -1;    ///< best evaluated top-1 of the run's architectures, -1: none
    int architectures = 0;
    int targets = 0;         ///< a family search: how many targets (its picks, no single argmax)
    bool thetaUntrained = false;  ///< a search stopped during warm-up: its argmax is θ's tie-break
};

/**
 * A search run's setup in one cell: its mask mode and the loss it minimised with its numbers
 * (core's lossFormula), a family's targets: "soft · CE·0.2·(log LAT)^0.6". Empty for other kinds
 * or a configuration this version cannot read.
 */
QString searchSetupText(const RunInfo &run);

/** Rows of the run store for the run browser (read with the GUI thread's own connection). */
std::vector<RunRow> loadRunRows(const RunStore &store);

/** The run browser's table: one row per run, sortable columns. */
class RunsModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Name, Kind, Status, Epochs, Space, Dataset, Device, Setup, ArgmaxMs, BestTop1, Compute, Created, Reason, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setRows(std::vector<RunRow> rows);
    const RunRow &row(int r) const { return m_rows.at(std::size_t(r)); }
    int rowOf(qint64 runId) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<RunRow> m_rows;
    std::vector<QString> m_setup;  ///< searchSetupText per row, read once in setRows
};

} // namespace fbnet
