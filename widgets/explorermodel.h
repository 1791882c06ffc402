#pragma once
// The architecture explorer's data: every stored architecture of every run, with its figures and
// its best evaluation, as a sortable table model and a filter (text and per-axis ranges).

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QString>

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/runstore.h"
#include "fbnet/searchspace.h"

namespace fbnet {

/** One architecture of the store, with what the explorer shows of it. */
struct ExplorerRow
{
    qint64 runId = 0, archId = 0;
    QString run, kind, role, dataset, device, space;
    std::string spaceRef;        ///< how to load the run's space (a name or a file)
    SpaceParams spaceParams;     ///< the run's class count, width multiplier and input size
    Architecture arch;
    QString blocks;
    double macs = 0, params = 0;
    double runMs = std::numeric_limits<double>::quiet_NaN();   ///< on the run's own table
    double shownMs = std::numeric_limits<double>::quiet_NaN(); ///< on the table the explorer shows
    double top1 = std::numeric_limits<double>::quiet_NaN();    ///< best evaluation, 0..1
    int evaluations = 0;
    bool untrained = false;      ///< from a search whose θ never trained
    std::vector<double> stageExpansion;  ///< per stage: mean expansion of its layers (skip: 0)
    /// Stored chooser scores (fbnet rank --by): "naswot", "params", "supernet (RUN)" -> value
    std::map<QString, double> scores;
};

/**
 * Reads every run's architectures and evaluations (one query per run for each), resolving each
 * architecture once for its per-stage choices. Any thread, with a store opened on it.
 */
std::vector<ExplorerRow> loadExplorerRows(const RunStore &store);

/**
 * Each row's latency on its run's own table (empty `device`), or on the named table of the row's
 * space (NaN where that space has no such table); `without` gets the spaces that had none.
 */
std::vector<double> explorerLatencies(const std::vector<ExplorerRow> &rows, const QString &device, QStringList *without = nullptr);
/** Sets each row's shownMs to explorerLatencies; returns the spaces without such a table. */
QStringList priceExplorerRows(std::vector<ExplorerRow> &rows, const QString &device);

/** The rows' spaces (with each run's class count, width multiplier and input size), loaded once each. */
class ExplorerSpaces
{
public:
    ExplorerSpaces();
    ~ExplorerSpaces();
    /** nullptr if the space cannot be loaded. */
    const SearchSpace *get(const std::string &ref, const SpaceParams &params);
    const SearchSpace *get(const ExplorerRow &row) { return get(row.spaceRef, row.spaceParams); }

private:
    std::map<std::tuple<std::string, int, double, int>, std::unique_ptr<SearchSpace>> m_spaces;
};

/**
 * The store's best architectures for the Devices tab: trained ones by best top-1, then argmaxes
 * of trained θ, at most `count`, labelled "run / name (top-1)", each with its run's space.
 */
std::vector<std::pair<QString, Architecture>> bestExplorerArchitectures(const std::vector<ExplorerRow> &rows, std::size_t count);

/** The parallel-coordinates axes: latency, MACs, params, top-1, one per stored chooser score, then one per stage. */
struct ExplorerAxes
{
    std::vector<QString> scores;  ///< every chooser score some row has, sorted
    std::size_t stages = 0;
};
ExplorerAxes explorerAxes(const std::vector<ExplorerRow> &rows);
int explorerAxisCount(const ExplorerAxes &axes);
QString explorerAxisName(const ExplorerAxes &axes, int axis);
double explorerAxisValue(const ExplorerAxes &axes, const ExplorerRow &row, int axis);

class ExplorerModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Run, Role, Dataset, Device, LatencyMs, Macs, Params, Top1, Blocks, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;  ///< numbers for numeric columns (missing sorts first)

    using QAbstractTableModel::QAbstractTableModel;
    void setRows(std::vector<ExplorerRow> rows);
    /** After re-pricing: the latency column changed. */
    void setShownMs(const std::vector<double> &ms);
    const std::vector<ExplorerRow> &rows() const { return m_rows; }
    /** The axes of these rows (their chooser scores and stages). */
    const ExplorerAxes &axes() const { return m_axes; }
    const ExplorerRow &row(int i) const { return m_rows[std::size_t(i)]; }
    void setLatencyHeader(const QString &header);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<ExplorerRow> m_rows;
    ExplorerAxes m_axes;
    QString m_latencyHeader = tr("Latency (ms)");
};

/** Text (run, role, data set, device, blocks) and per-axis [lo, hi] ranges (the brushes). */
class ExplorerFilter final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setText(const QString &text);
    /** NaN bounds clear the axis's range. */
    void setRange(int axis, double lo, double hi);
    void clearRanges();
    bool acceptsSourceRow(int sourceRow) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &parent) const override;

private:
    QString m_text;
    std::vector<std::pair<double, double>> m_ranges;
};

} // namespace fbnet
