#include "explorermodel.h"
#include "plotexport.h"

#include <algorithm>
#include <set>

#include "fbnet/archexport.h"
#include "fbnet/error.h"
#include "fbnet/latencytable.h"
#include "fbnet/resources.h"
#include "fbnet/searchspace.h"
#include "fbnet/storedsearch.h"

namespace fbnet {

namespace {
constexpr int kFixedAxes = 4;

} // namespace

ExplorerSpaces::ExplorerSpaces() = default;
ExplorerSpaces::~ExplorerSpaces() = default;

const SearchSpace *ExplorerSpaces::get(const std::string &ref, const SpaceParams &params)
{
    const auto key = std::make_tuple(ref, params.numClasses, params.widthMultiplier, params.inputSize);
    auto it = m_spaces.find(key);
    if (it == m_spaces.end()) {
        std::unique_ptr<SearchSpace> s;
        try {
            s = std::make_unique<SearchSpace>(SearchSpace::load(resolveSpacePath(ref), params));
        } catch (const std::exception &) {
        }
        it = m_spaces.emplace(key, std::move(s)).first;
    }
    return it->second.get();
}

std::vector<ExplorerRow> loadExplorerRows(const RunStore &store)
{
    std::vector<ExplorerRow> rows;
    ExplorerSpaces spaces;
    for (const RunInfo &r : store.runs()) {
        std::vector<std::string> problems;  // a damaged row is left out, not fatal to the view
        const auto archs = store.architectures(r.id, &problems);
        if (archs.empty())
            continue;
        std::map<std::int64_t, std::map<QString, double>> scores;  // arch id -> chooser score
        for (const ArchitectureScore &s : store.scoresOfRun(r.id))
            scores[s.architectureId][QString::fromStdString(s.source.empty() ? s.chooser : s.chooser + " (" + s.source + ")")] = s.value;
        std::map<std::int64_t, std::pair<double, int>> best;  // arch id -> best top-1, count
        for (const Evaluation &e : store.evaluationsOfRun(r.id)) {
            auto &b = best[e.architectureId];
            b.first = b.second ? std::max(b.first, e.top1) : e.top1;
            ++b.second;
        }
        SearchInvocation inv;
        try {
            inv = invocationFromJson(r.invocationJson, "run " + r.name);
        } catch (const Error &) {
            inv.space = r.space;
        }
        const bool untrained = thetaEpochsOf(r) == 0;
        SpaceParams params;
        params.numClasses = inv.numClasses;
        params.widthMultiplier = inv.widthMultiplier;
        params.inputSize = inv.inputSize;
        const SearchSpace *space = spaces.get(inv.space, params);
        for (const StoredArchitecture &a : archs) {
            ExplorerRow row;
            row.runId = r.id;
            row.archId = a.id;
            row.run = QString::fromStdString(r.name);
            row.kind = QString::fromStdString(r.kind);
            row.role = QString::fromStdString(a.role);
            row.dataset = QString::fromStdString(r.dataset);
            row.device = QString::fromStdString(r.lutDevice);
            row.space = QString::fromStdString(r.space);
            row.spaceRef = inv.space;
            row.spaceParams = params;
            row.arch = a.architecture;
            row.blocks = QString::fromStdString(a.architecture.blocksString());
            row.macs = double(a.macs);
            row.params = double(a.params);
            row.runMs = a.lutMs > 0 ? a.lutMs : kNaN;
            row.shownMs = row.runMs;
            row.untrained = untrained && (a.role == "argmax" || a.role == "sample");
            if (auto it = scores.find(a.id); it != scores.end())
                row.scores = it->second;
            if (auto it = best.find(a.id); it != best.end()) {
                row.top1 = it->second.first;
                row.evaluations = it->second.second;
            }
            if (space) {
                try {
                    const NetworkPlan plan = resolve(*space, a.architecture);
                    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
                        const auto stage = std::size_t(plan.layers[i].stage);
                        if (row.stageExpansion.size() <= stage)
                            row.stageExpansion.resize(stage + 1, 0.0);
                        row.stageExpansion[stage] += plan.chosen[i].kind == BlockSpec::Kind::Skip ? 0.0 : plan.chosen[i].expansion;
                    }
                    std::vector<int> count(row.stageExpansion.size(), 0);
                    for (const auto &l : plan.layers)
                        ++count[std::size_t(l.stage)];
                    for (std::size_t s = 0; s < count.size(); ++s)
                        row.stageExpansion[s] = count[s] ? row.stageExpansion[s] / count[s] : kNaN;
                } catch (const std::exception &) {
                    row.stageExpansion.clear();  // an architecture its space no longer fits
                }
            }
            rows.push_back(std::move(row));
        }
    }
    return rows;
}

std::vector<double> explorerLatencies(const std::vector<ExplorerRow> &rows, const QString &device, QStringList *without)
{
    std::vector<double> ms(rows.size(), kNaN);
    if (device.isEmpty()) {
        for (std::size_t i = 0; i < rows.size(); ++i)
            ms[i] = rows[i].runMs;
        return ms;
    }
    ExplorerSpaces spaces;
    std::map<const SearchSpace *, std::unique_ptr<LatencyTable>> tables;  // per loaded space
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const ExplorerRow &r = rows[i];
        const SearchSpace *space = spaces.get(r);
        if (!space)
            continue;
        auto it = tables.find(space);
        if (it == tables.end()) {
            std::unique_ptr<LatencyTable> t;
            try {
                t = std::make_unique<LatencyTable>(LatencyTable::load(resolveLutPath(device.toStdString(), space->name)));
                if (!t->missing(*space).empty())
                    t.reset();
            } catch (const std::exception &) {
            }
            if (!t && without && !without->contains(r.space))
                *without << r.space;
            it = tables.emplace(space, std::move(t)).first;
        }
        if (!it->second)
            continue;
        try {
            ms[i] = it->second->predict(*space, r.arch);
        } catch (const std::exception &) {
        }
    }
    return ms;
}

QStringList priceExplorerRows(std::vector<ExplorerRow> &rows, const QString &device)
{
    QStringList without;
    const std::vector<double> ms = explorerLatencies(rows, device, &without);
    for (std::size_t i = 0; i < rows.size(); ++i)
        rows[i].shownMs = ms[i];
    return without;
}

std::vector<std::pair<QString, Architecture>> bestExplorerArchitectures(const std::vector<ExplorerRow> &rows, std::size_t count)
{
    std::vector<const ExplorerRow *> best;
    for (const auto &r : rows)
        if (!std::isnan(r.top1) || (r.role == QLatin1String("argmax") && !r.untrained))
            best.push_back(&r);
    std::stable_sort(best.begin(), best.end(), [](const ExplorerRow *a, const ExplorerRow *b) {
        return (std::isnan(a->top1) ? -1 : a->top1) > (std::isnan(b->top1) ? -1 : b->top1);
    });
    std::vector<std::pair<QString, Architecture>> out;
    for (const ExplorerRow *r : best) {
        if (out.size() >= count)
            break;
        QString label = QStringLiteral("%1 / %2").arg(r->run, QString::fromStdString(r->arch.name));
        if (!std::isnan(r->top1))
            label += QStringLiteral(" (%1%)").arg(r->top1 * 100, 0, 'f', 1);
        Architecture a = r->arch;
        a.space = r->space.toStdString();
        out.push_back({label, std::move(a)});
    }
    return out;
}

ExplorerAxes explorerAxes(const std::vector<ExplorerRow> &rows)
{
    ExplorerAxes axes;
    std::set<QString> names;
    for (const auto &r : rows) {
        axes.stages = std::max(axes.stages, r.stageExpansion.size());
        for (const auto &[name, value] : r.scores)
            names.insert(name);
    }
    axes.scores.assign(names.begin(), names.end());
    return axes;
}

int explorerAxisCount(const ExplorerAxes &axes)
{
    return kFixedAxes + int(axes.scores.size() + axes.stages);
}

QString explorerAxisName(const ExplorerAxes &axes, int axis)
{
    switch (axis) {
    case 0: return QObject::tr("latency (ms)");
    case 1: return QObject::tr("MACs (M)");
    case 2: return QObject::tr("params (M)");
    case 3: return QObject::tr("top-1 (%)");
    default: {
        const auto i = std::size_t(axis - kFixedAxes);
        return i < axes.scores.size() ? axes.scores[i] : QObject::tr("stage %1 exp.").arg(i - axes.scores.size() + 1);
    }
    }
}

double explorerAxisValue(const ExplorerAxes &axes, const ExplorerRow &row, int axis)
{
    switch (axis) {
    case 0: return row.shownMs;
    case 1: return row.macs / 1e6;
    case 2: return row.params / 1e6;
    case 3: return row.top1 * 100;
    default: {
        const auto i = std::size_t(axis - kFixedAxes);
        if (i < axes.scores.size()) {
            const auto it = row.scores.find(axes.scores[i]);
            return it == row.scores.end() ? kNaN : it->second;
        }
        const auto s = i - axes.scores.size();
        return s < row.stageExpansion.size() ? row.stageExpansion[s] : kNaN;
    }
    }
}

void ExplorerModel::setRows(std::vector<ExplorerRow> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    m_axes = explorerAxes(m_rows);
    endResetModel();
}

void ExplorerModel::setShownMs(const std::vector<double> &ms)
{
    for (std::size_t i = 0; i < m_rows.size() && i < ms.size(); ++i)
        m_rows[i].shownMs = ms[i];
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, LatencyMs), index(int(m_rows.size()) - 1, LatencyMs));
}

void ExplorerModel::setLatencyHeader(const QString &header)
{
    m_latencyHeader = header;
    Q_EMIT headerDataChanged(Qt::Horizontal, LatencyMs, LatencyMs);
}

int ExplorerModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ExplorerModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ExplorerModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const ExplorerRow &r = m_rows[std::size_t(index.row())];
    const auto number = [](double v, int decimals) { return std::isnan(v) ? QStringLiteral("—") : QString::number(v, 'f', decimals); };
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Run: return r.run;
        case Role: return r.untrained ? r.role + tr(" (untrained θ)") : r.role;
        case Dataset: return r.dataset;
        case Device: return r.device;
        case LatencyMs: return number(r.shownMs, 3);
        case Macs: return number(r.macs / 1e6, 1);
        case Params: return number(r.params / 1e6, 2);
        case Top1: return number(r.top1 * 100, 2);
        case Blocks: return r.blocks;
        }
    } else if (role == SortRole) {
        const auto key = [](double v) { return std::isnan(v) ? -1e300 : v; };
        switch (index.column()) {
        case LatencyMs: return key(r.shownMs);
        case Macs: return r.macs;
        case Params: return r.params;
        case Top1: return key(r.top1);
        default: return data(index, Qt::DisplayRole);
        }
    } else if (role == Qt::TextAlignmentRole) {
        if (index.column() >= LatencyMs && index.column() <= Top1)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::ToolTipRole) {
        QString tip = tr("%1 · architecture %2 of run '%3' (%4)\n%5").arg(QString::fromStdString(r.arch.name)).arg(r.archId).arg(r.run, r.kind, r.blocks);
        if (r.evaluations > 0)
            tip += tr("\nbest of %1 evaluation(s)").arg(r.evaluations);
        if (r.untrained)
            tip += QStringLiteral("\n") + QString::fromStdString(untrainedThetaWarning());
        return tip;
    } else if (role == Qt::UserRole) {
        return r.archId;
    }
    return {};
}

QVariant ExplorerModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Run: return tr("Run");
    case Role: return tr("Role");
    case Dataset: return tr("Data set");
    case Device: return tr("Run's device");
    case LatencyMs: return m_latencyHeader;
    case Macs: return tr("MACs (M)");
    case Params: return tr("Params (M)");
    case Top1: return tr("Top-1 %");
    case Blocks: return tr("Blocks");
    }
    return {};
}

void ExplorerFilter::setText(const QString &text)
{
    m_text = text.trimmed();
    invalidateFilter();
}

void ExplorerFilter::setRange(int axis, double lo, double hi)
{
    if (axis < 0)
        return;
    if (m_ranges.size() <= std::size_t(axis))
        m_ranges.resize(std::size_t(axis) + 1, {kNaN, kNaN});
    m_ranges[std::size_t(axis)] = {std::min(lo, hi), std::max(lo, hi)};
    invalidateFilter();
}

void ExplorerFilter::clearRanges()
{
    m_ranges.clear();
    invalidateFilter();
}

bool ExplorerFilter::acceptsSourceRow(int sourceRow) const
{
    const auto *model = qobject_cast<const ExplorerModel *>(sourceModel());
    if (!model || sourceRow < 0 || sourceRow >= model->rowCount())
        return false;
    const ExplorerRow &r = model->row(sourceRow);
    for (std::size_t a = 0; a < m_ranges.size(); ++a) {
        const auto [lo, hi] = m_ranges[a];
        if (std::isnan(lo) || std::isnan(hi))
            continue;
        const double v = explorerAxisValue(model->axes(), r, int(a));
        if (std::isnan(v) || v < lo || v > hi)
            return false;
    }
    if (m_text.isEmpty())
        return true;
    for (const QString *field : {&r.run, &r.role, &r.dataset, &r.device, &r.blocks, &r.space})
        if (field->contains(m_text, Qt::CaseInsensitive))
            return true;
    return false;
}

bool ExplorerFilter::filterAcceptsRow(int sourceRow, const QModelIndex &) const
{
    return acceptsSourceRow(sourceRow);
}

} // namespace fbnet
