#include "architecturepage.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include "archdiagram.h"
#include "fbnet/resources.h"
#include "runsession.h"

namespace fbnet::studio {

ArchitecturePage::ArchitecturePage(QWidget *parent)
    : QWidget(parent), m_diagram(new ArchitectureDiagram(this)), m_compareWith(new QComboBox(this))
{
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Compare with:"), this));
    bar->addWidget(m_compareWith);
    m_compareWith->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_compareWith->setMinimumContentsLength(18);
    bar->addStretch(1);
    layout->addLayout(bar);
    layout->addWidget(m_diagram, 1);
    connect(m_compareWith, &QComboBox::currentIndexChanged, this, [this] {
        m_pickedArchitecture = 0;
        refresh();
    });
    clearRun();
}

void ArchitecturePage::clearRun()
{
    m_run.reset();
    m_pickedArchitecture = 0;
    {
        const QSignalBlocker block(m_compareWith);
        m_compareWith->clear();
        for (const auto &name : publishedArchitectureNames()) {
            try {
                if (loadArchitecture(resolveArchitecturePath(name)).space == "fbnet-imagenet" && name != "fbnet-s8")
                    m_compareWith->addItem(QString::fromStdString(name), QString::fromStdString(name));
            } catch (const std::exception &) {
            }
        }
        m_compareWith->setCurrentIndex(std::max(0, m_compareWith->findData(QStringLiteral("fbnet-iphonex"))));
    }
    showPublished();
}

void ArchitecturePage::showRun(std::shared_ptr<const OpenRun> run)
{
    const bool sameRun = m_run && run && m_run->run.id == run->run.id;
    m_run = std::move(run);
    if (!sameRun) {
        m_pickedArchitecture = 0;
        fillChoices();
    }
    refresh();
}

void ArchitecturePage::fillChoices()
{
    const QSignalBlocker block(m_compareWith);
    m_compareWith->clear();
    m_compareWith->addItem(tr("(nothing)"), QString());
    for (const auto &name : publishedArchitectureNames()) {
        try {
            if (loadArchitecture(resolveArchitecturePath(name)).space == m_run->run.space)
                m_compareWith->addItem(QString::fromStdString(name), QString::fromStdString(name));
        } catch (const std::exception &) {
        }
    }
    for (const auto &other : m_run->otherSearches)
        m_compareWith->addItem(tr("argmax of %1").arg(QString::fromStdString(other.run.name)), QStringLiteral("run:%1").arg(other.run.id));
}

void ArchitecturePage::compareWithArchitecture(qint64 architectureId)
{
    m_pickedArchitecture = architectureId;
    refresh();
}

bool ArchitecturePage::selectComparison(const QString &data)
{
    const int i = m_compareWith->findData(data);
    if (i < 0)
        return false;
    m_compareWith->setCurrentIndex(i);
    return true;
}

void ArchitecturePage::showRows(std::vector<ArchitectureDiagram::Row> rows)
{
    m_diagram->setRows(std::move(rows));
}

void ArchitecturePage::showPublished()
{
    // Before a run is open: the paper's two device-specific architectures side by side, each with
    // its latency on both devices' (modeled) tables.
    try {
        const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-imagenet"));
        std::vector<LatencyTable> tables;
        for (const char *d : {"s8", "iphonex"})
            tables.push_back(LatencyTable::load(resolveLutPath(d, space.name)));
        std::vector<ArchitectureDiagram::Row> rows;
        QString second = m_compareWith->currentData().toString();
        if (second.isEmpty())
            second = QStringLiteral("fbnet-iphonex");
        for (const QString &name : {QStringLiteral("fbnet-s8"), second}) {
            const Architecture a = loadArchitecture(resolveArchitecturePath(name.toStdString()));
            const NetworkPlan plan = resolve(space, a);
            const ArchCost cost = computeCost(plan);
            QString sub = tr("%1M MACs · %2M params").arg(cost.macs / 1e6, 0, 'f', 1).arg(cost.params / 1e6, 0, 'f', 2);
            for (const auto &t : tables)
                sub += tr(" · %1 ms on %2").arg(t.predict(plan), 0, 'f', 2).arg(QString::fromStdString(t.device));
            // Under each block: its ms on the first device (S8), so the two rows compare layer by layer.
            rows.push_back({name, plan, sub, tables.front().layerMs(plan), QString::fromStdString(tables.front().device)});
        }
        m_diagram->setRows(std::move(rows));
    } catch (const std::exception &e) {
        Q_EMIT message(tr("Architecture view: %1").arg(QString::fromStdString(e.what())));
    }
}

void ArchitecturePage::refresh()
{
    if (!m_run) {
        showPublished();
        return;
    }
    try {
        const OpenRun &o = *m_run;
        const SearchSpace &space = o.context.space;
        const LatencyTable &lut = o.context.lut;
        std::vector<ArchitectureDiagram::Row> rows;
        auto rowOf = [&](const QString &title, const Architecture &a) {
            const NetworkPlan plan = resolve(space, a);
            const ArchCost cost = computeCost(plan);
            QString sub = tr("%1M MACs · %2M params").arg(cost.macs / 1e6, 0, 'f', 2).arg(cost.params / 1e6, 0, 'f', 2);
            const bool complete = lut.missing(space).empty();
            if (complete)
                sub += tr(" · %1 ms on %2").arg(lut.predict(plan), 0, 'f', 2).arg(QString::fromStdString(lut.device));
            rows.push_back({title, plan, sub, complete ? lut.layerMs(plan) : std::vector<double>{}, QString::fromStdString(lut.device)});
        };
        for (const auto &a : o.own.architectures)
            if (a.role == "argmax")
                rowOf(tr("%1: argmax").arg(QString::fromStdString(o.run.name)), a.architecture);
        const RunInfo *owner = nullptr;
        const QString what = m_compareWith->currentData().toString();
        if (m_pickedArchitecture) {
            if (const StoredArchitecture *a = o.findArchitecture(m_pickedArchitecture, &owner))
                rowOf(tr("%1: %2").arg(QString::fromStdString(owner->name), QString::fromStdString(a->architecture.name)), a->architecture);
        } else if (what.startsWith(QLatin1String("run:"))) {
            const qint64 other = what.mid(4).toLongLong();
            for (const auto &r : o.otherSearches)
                if (r.run.id == other)
                    for (const auto &a : r.architectures)
                        rowOf(tr("%1: argmax").arg(QString::fromStdString(r.run.name)), a.architecture);
        } else if (!what.isEmpty()) {
            rowOf(what, loadArchitecture(resolveArchitecturePath(what.toStdString())));
        }
        m_diagram->setRows(std::move(rows));
    } catch (const std::exception &e) {
        Q_EMIT message(tr("Architecture view: %1").arg(QString::fromStdString(e.what())));
    }
}

} // namespace fbnet::studio
