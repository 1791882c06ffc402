#include "explorerpage.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QThreadPool>
#include <QVBoxLayout>

#include <cmath>
#include <set>

#include "explorermodel.h"
#include "fbnet/error.h"
#include "fbnet/latencytable.h"
#include "fbnet/resources.h"
#include "fbnet/searchspace.h"
#include "parallelcoords.h"
#include "runsession.h"

namespace fbnet::studio {

ExplorerPage::ExplorerPage(RunSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_model(new ExplorerModel(this)), m_filter(new ExplorerFilter(this)),
      m_plot(new ParallelCoordinates(this)), m_table(new QTableView(this)), m_text(new QLineEdit(this)), m_device(new QComboBox(this)),
      m_compare(new QPushButton(tr("Compare selected"), this)), m_clear(new QPushButton(tr("Clear ranges"), this)), m_count(new QLabel(this))
{
    m_filter->setSourceModel(m_model);
    m_filter->setSortRole(ExplorerModel::SortRole);
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ExplorerModel::Top1, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_text->setPlaceholderText(tr("Filter: run, role, data set, device, space or blocks (e.g. ir_k5)"));
    m_text->setClearButtonEnabled(true);
    m_device->addItem(tr("each run's own table"), QString());
    std::set<QString> devices;
    for (const auto &n : lutNames()) {
        const QString name = QString::fromStdString(n);
        for (const auto &s : spaceNames())
            if (name.endsWith(QLatin1Char('-') + QString::fromStdString(s)))
                devices.insert(name.left(name.size() - int(s.size()) - 1));
    }
    for (const QString &d : devices)
        m_device->addItem(d, d);
    m_compare->setEnabled(false);
    m_compare->setToolTip(tr("Draw the selected architectures (up to 6) in the Architecture tab, differing layers outlined"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_text, 2);
    bar->addWidget(new QLabel(tr("Latency on"), this));
    bar->addWidget(m_device);
    bar->addWidget(m_clear);
    bar->addWidget(m_compare);
    bar->addWidget(m_count, 1);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_plot);
    split->addWidget(m_table);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(m_text, &QLineEdit::textChanged, this, [this](const QString &t) {
        m_filter->setText(t);
        refreshHighlight();
    });
    connect(m_plot, &ParallelCoordinates::brushed, this, [this](int axis, double lo, double hi) {
        m_filter->setRange(axis, lo, hi);
        refreshHighlight();
    });
    connect(m_clear, &QPushButton::clicked, this, [this] {
        for (int a = 0; a < m_plot->axisCount(); ++a)
            if (!std::isnan(m_plot->brush(a).first))
                m_plot->setBrush(a, NAN, NAN);
    });
    connect(m_device, &QComboBox::currentIndexChanged, this, &ExplorerPage::reprice);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const int n = int(m_table->selectionModel()->selectedRows().size());
        m_compare->setEnabled(n >= 1 && n <= 6);
    });
    connect(m_compare, &QPushButton::clicked, this, [this] {
        auto rows = selectedDiagramRows();
        if (!rows.empty())
            Q_EMIT compareRequested(rows);
    });
    connect(m_session, &RunSession::storeChanged, this, &ExplorerPage::reload);
    updateCount();
}

ExplorerPage::~ExplorerPage() = default;

void ExplorerPage::reload()
{
    const std::string path = m_session->storePath().toStdString();
    const QString device = m_device->currentData().toString();
    const int generation = ++m_generation;
    m_loading = true;
    updateCount();
    QPointer<ExplorerPage> self(this);
    QThreadPool::globalInstance()->start([self, path, device, generation] {
        auto rows = std::make_shared<std::vector<ExplorerRow>>();
        QString error;
        try {
            const RunStore store(path);
            *rows = loadExplorerRows(store);
            priceExplorerRows(*rows, device);
        } catch (const std::exception &e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, rows, generation, error] {
                if (!self || generation != self->m_generation)
                    return;  // a newer read supersedes this one
                self->m_loading = false;
                if (!error.isEmpty())
                    Q_EMIT self->message(tr("Explorer: %1").arg(error));
                self->applyRows(rows);
            },
            Qt::QueuedConnection);
    });
}

void ExplorerPage::applyRows(std::shared_ptr<std::vector<ExplorerRow>> rows)
{
    m_model->setRows(std::move(*rows));
    m_model->setLatencyHeader(latencyHeader());
    m_filter->clearRanges();
    refreshPlot();
    updateCount();
    m_table->horizontalHeader()->setResizeContentsPrecision(100);  // sample rows: 10,000 stay quick
    m_table->resizeColumnsToContents();
    Q_EMIT loaded(m_model->rowCount());
}

QString ExplorerPage::latencyHeader() const
{
    return m_device->currentData().toString().isEmpty() ? tr("Latency (ms, run's table)") : tr("Latency (ms, %1)").arg(m_device->currentText());
}

void ExplorerPage::refreshPlot()
{
    const auto &rows = m_model->rows();
    const ExplorerAxes &layout = m_model->axes();
    const int axes = explorerAxisCount(layout);
    QStringList names;
    for (int a = 0; a < axes; ++a)
        names << explorerAxisName(layout, a);
    names[0] = m_device->currentData().toString().isEmpty() ? tr("latency (ms)") : tr("ms on %1").arg(m_device->currentText());
    std::vector<std::vector<double>> values(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        values[i].resize(std::size_t(axes));
        for (int a = 0; a < axes; ++a)
            values[i][std::size_t(a)] = explorerAxisValue(layout, rows[i], a);
    }
    // Colour by top-1 where architectures were trained, else by latency.
    bool anyTop1 = false;
    for (const auto &r : rows)
        anyTop1 = anyTop1 || !std::isnan(r.top1);
    m_plot->setData(names, std::move(values));
    m_plot->setColourAxis(anyTop1 ? 3 : 0);
    refreshHighlight();
}

void ExplorerPage::refreshHighlight()
{
    // The proxy has just filtered: the rows it holds are the ones to highlight.
    std::vector<bool> on(std::size_t(m_model->rowCount()), false);
    for (int r = 0; r < m_filter->rowCount(); ++r)
        on[std::size_t(m_filter->mapToSource(m_filter->index(r, 0)).row())] = true;
    m_plot->setHighlighted(std::move(on));
    updateCount();
}

void ExplorerPage::updateCount()
{
    if (m_loading)
        m_count->setText(tr("Reading the store…"));
    else if (m_model->rowCount() == 0)
        m_count->setText(tr("No architectures in the store yet"));
    else
        m_count->setText(tr("%1 of %2 architectures").arg(m_filter->rowCount()).arg(m_model->rowCount()));
}

QString ExplorerPage::countText() const
{
    return m_count->text();
}

void ExplorerPage::reprice()
{
    // On the GUI thread: a table lookup per architecture (10,000 in ~150 ms here, bench_explorer).
    QStringList without;
    m_model->setShownMs(explorerLatencies(m_model->rows(), m_device->currentData().toString(), &without));
    m_model->setLatencyHeader(latencyHeader());
    m_filter->setRange(0, NAN, NAN);
    refreshPlot();
    if (!without.isEmpty())
        Q_EMIT message(tr("No %1 table for %2: those architectures show no latency.").arg(m_device->currentText(), without.join(QStringLiteral(", "))));
}

bool ExplorerPage::showLatencyOn(const QString &device)
{
    const int i = m_device->findData(device);
    if (i < 0)
        return false;
    m_device->setCurrentIndex(i);
    return true;
}

void ExplorerPage::selectRows(const QList<int> &viewRows)
{
    m_table->clearSelection();
    for (int r : viewRows)
        m_table->selectionModel()->select(m_filter->index(r, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
}

std::vector<ArchitectureDiagram::Row> ExplorerPage::selectedDiagramRows() const
{
    std::vector<ArchitectureDiagram::Row> out;
    ExplorerSpaces spaces;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows()) {
        if (out.size() >= 6)
            break;
        const ExplorerRow &r = m_model->row(m_filter->mapToSource(index).row());
        try {
            const SearchSpace *space = spaces.get(r);
            if (!space)
                throw Error::at("space", r.spaceRef, "cannot be loaded");
            QString sub = tr("%1M MACs · %2M params").arg(r.macs / 1e6, 0, 'f', 1).arg(r.params / 1e6, 0, 'f', 2);
            if (!std::isnan(r.shownMs))
                sub += tr(" · %1 ms").arg(r.shownMs, 0, 'f', 2);
            if (!std::isnan(r.top1))
                sub += tr(" · top-1 %1%").arg(r.top1 * 100, 0, 'f', 2);
            if (r.untrained)
                sub += tr(" · untrained θ");
            out.push_back({QStringLiteral("%1 / %2 (%3)").arg(r.run, QString::fromStdString(r.arch.name), r.role), resolve(*space, r.arch), sub, {}, {}});  // latency per block: the rows' tables differ
        } catch (const std::exception &e) {
            Q_EMIT const_cast<ExplorerPage *>(this)->message(tr("Cannot draw %1: %2").arg(r.run, QString::fromStdString(e.what())));
        }
    }
    return out;
}

} // namespace fbnet::studio
