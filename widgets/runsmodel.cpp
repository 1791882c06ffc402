#include "runsmodel.h"

#include <QStringList>

#include "fbnet/searchconfig.h"

#include <QColor>
#include <QGuiApplication>
#include <QPalette>

#include "fbnet/archexport.h"
#include "plotexport.h"

namespace fbnet {

std::vector<RunRow> loadRunRows(const RunStore &store)
{
    std::vector<RunRow> rows;
    const auto summaries = store.runSummaries();
    for (const auto &r : store.runs()) {
        RunRow row;
        row.run = r;
        row.thetaUntrained = thetaEpochsOf(r) == 0;
        if (const auto it = summaries.find(r.id); it != summaries.end()) {
            row.argmaxMs = it->second.argmaxMs;
            row.targets = it->second.targets;
            row.bestTop1 = it->second.bestTop1;
            row.architectures = it->second.architectures;
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

QString searchSetupText(const RunInfo &run)
{
    if (run.kind != "search" || run.configJson.empty())
        return {};
    try {
        const SearchConfig c = searchConfigFromJson(run.configJson, run.name);
        const std::string cost = run.lutDevice == "flops" ? "FLOPs" : run.lutDevice == "params" ? "params" : "LAT";
        QString text = QString::fromStdString(toString(c.mode) + " \u00b7 " + lossFormula(c, cost));
        if (!c.targets.empty()) {
            QStringList targets;
            for (double t : c.targets)
                targets << QString::number(t, 'g', 4);
            text += QStringLiteral(" \u00b7 T = ") + targets.join(QStringLiteral(", "));
        }
        return text;
    } catch (const std::exception &) {
        return {};
    }
}

void RunsModel::setRows(std::vector<RunRow> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    m_setup.clear();
    for (const auto &r : m_rows)
        m_setup.push_back(searchSetupText(r.run));
    endResetModel();
}

int RunsModel::rowOf(qint64 runId) const
{
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].run.id == runId)
            return int(i);
    return -1;
}

int RunsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RunsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()) || index.column() >= ColumnCount)
        return {};
    const RunRow &row = m_rows[std::size_t(index.row())];
    const RunInfo &r = row.run;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Name: return QString::fromStdString(r.name);
        case Kind: return QString::fromStdString(r.kind);
        case Status: return QString::fromStdString(r.status);
        case Epochs: return r.kind == "search" ? QStringLiteral("%1/%2").arg(r.epochsCompleted).arg(r.epochsPlanned) : QString();
        case Space: return QString::fromStdString(r.space);
        case Dataset: return QString::fromStdString(r.dataset);
        case Device: return QString::fromStdString(r.lutDevice);
        case Setup: return m_setup[std::size_t(index.row())];
        case ArgmaxMs:
            if (row.argmaxMs < 0)
                return QString();
            // θ's tie-break, not a result: the number would read like one.
            if (row.thetaUntrained)
                return tr("untrained θ");
            return row.targets > 0 ? tr("%1 targets").arg(row.targets) : QString::number(row.argmaxMs, 'f', 3);
        case BestTop1: return row.bestTop1 >= 0 ? QString::number(row.bestTop1 * 100, 'f', 2) : QString();
        case Compute: return r.seconds > 0 ? clockDuration(r.seconds) : QString();
        case Created: return QString::fromStdString(r.createdAt).replace(QLatin1Char('T'), QLatin1Char(' '));
        case Reason: {
            // Why a run ended as it did, on one line: a failure's message, a stop's resumability.
            if (r.status == "failed")
                return QString::fromStdString(r.error).section(QLatin1Char('\n'), 0, 0);
            if (r.status == "stopped" || r.status == "interrupted")
                return r.checkpointPath.empty() ? tr("no checkpoint: cannot resume") : tr("resumable (Resume)");
            return QString();
        }
        }
    } else if (role == Qt::ToolTipRole) {
        QString tip = QStringLiteral("%1 (id %2)\n%3").arg(QString::fromStdString(r.name)).arg(r.id).arg(QString::fromStdString(r.versions));
        if (!r.error.empty())
            tip += QStringLiteral("\n") + QString::fromStdString(r.error);
        if (row.thetaUntrained && row.argmaxMs >= 0)
            tip += QStringLiteral("\n") + QString::fromStdString(untrainedThetaWarning())
                + tr(" (its latency would be %1 ms)").arg(row.argmaxMs, 0, 'f', 3);
        return tip;
    } else if (role == Qt::TextAlignmentRole) {
        if (index.column() == ArgmaxMs || index.column() == BestTop1 || index.column() == Epochs || index.column() == Compute)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::ForegroundRole && (index.column() == Status || (index.column() == Reason && r.status == "failed"))) {
        if (r.status == "failed")
            return QColor(200, 40, 40);
        if (r.status == "running" || r.status == "stopped" || r.status == "interrupted")
            return QColor(200, 120, 0);
    } else if (role == Qt::UserRole) {
        return qint64(r.id);
    }
    return {};
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name: return tr("Run");
    case Kind: return tr("Kind");
    case Status: return tr("Status");
    case Epochs: return tr("Epochs");
    case Space: return tr("Space");
    case Dataset: return tr("Data set");
    case Device: return tr("Device");
    case Setup: return tr("Search setup");
    case ArgmaxMs: return tr("Argmax ms");
    case BestTop1: return tr("Best top-1 %");
    case Compute: return tr("Compute");
    case Created: return tr("Created (UTC)");
    case Reason: return tr("Why it ended so");
    }
    return {};
}

} // namespace fbnet
