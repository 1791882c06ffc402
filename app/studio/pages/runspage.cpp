#include "runspage.h"
#include "plotexport.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "runsession.h"
#include "runsmodel.h"

namespace fbnet::studio {

RunsPage::RunsPage(RunSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_model(new RunsModel(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_view(new QTableView(this)), m_detail(new QPlainTextEdit(this)), m_storeLabel(new QLabel(this))
{
    auto *layout = new QVBoxLayout(this);
    auto *buttons = new QHBoxLayout;
    m_open = new QPushButton(tr("Open"), this);
    m_resume = new QPushButton(tr("Resume"), this);
    m_rename = new QPushButton(tr("Rename…"), this);
    m_delete = new QPushButton(tr("Delete"), this);
    m_compare = new QPushButton(tr("Compare two"), this);
    auto *refreshButton = new QPushButton(tr("Refresh"), this);
    for (auto *b : {m_open, m_resume, m_rename, m_delete, m_compare, refreshButton})
        buttons->addWidget(b);
    buttons->addStretch(1);
    m_storeLabel->setObjectName(QStringLiteral("storeLabel"));
    m_storeLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    buttons->addWidget(m_storeLabel);
    layout->addLayout(buttons);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(Qt::DisplayRole);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(RunsModel::Created, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->verticalHeader()->hide();
    m_view->setAlternatingRowColors(true);
    m_detail->setReadOnly(true);
    m_detail->setPlaceholderText(tr("Select a run."));
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    connect(refreshButton, &QPushButton::clicked, this, &RunsPage::refresh);
    connect(m_open, &QPushButton::clicked, this, [this] {
        if (const auto ids = selectedRuns(); !ids.isEmpty())
            Q_EMIT openRequested(ids.front());
    });
    connect(m_view, &QTableView::doubleClicked, m_open, &QPushButton::click);
    connect(m_resume, &QPushButton::clicked, this, [this] {
        if (const auto ids = selectedRuns(); ids.size() == 1)
            Q_EMIT resumeRequested(ids.front());
    });
    connect(m_rename, &QPushButton::clicked, this, &RunsPage::renameSelected);
    connect(m_delete, &QPushButton::clicked, this, &RunsPage::deleteSelected);
    connect(m_compare, &QPushButton::clicked, this, [this] {
        if (const auto ids = selectedRuns(); ids.size() == 2)
            Q_EMIT compareRequested(ids[0], ids[1]);
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        showDetail();
        updateButtons();
    });
    connect(m_session, &RunSession::storeChanged, this, [this](const QString &path) {
        m_storeLabel->setText(tr("Store: %1").arg(path));
        refresh();
    });
    m_storeLabel->setText(tr("Store: %1").arg(m_session->storePath()));
}

QList<qint64> RunsPage::selectedRuns() const
{
    QList<qint64> ids;
    for (const auto &i : m_view->selectionModel()->selectedRows())
        ids << m_proxy->data(i, Qt::UserRole).toLongLong();
    return ids;
}

void RunsPage::selectRun(qint64 id)
{
    const int row = m_model->rowOf(id);
    if (row >= 0)
        m_view->selectRow(m_proxy->mapFromSource(m_model->index(row, 0)).row());
}

void RunsPage::refresh()
{
    QString problem;
    RunStore *store = m_session->store(&problem);
    if (!store) {
        Q_EMIT message(tr("Runs database unavailable: %1").arg(problem));
        return;
    }
    try {
        m_model->setRows(loadRunRows(*store));
    } catch (const std::exception &e) {
        Q_EMIT message(QString::fromStdString(e.what()));
    }
    m_view->resizeColumnsToContents();
    updateButtons();
}

void RunsPage::setBusy(bool jobRunning, std::function<bool(qint64)> isLive)
{
    m_jobRunning = jobRunning;
    m_isLive = std::move(isLive);
    updateButtons();
}

void RunsPage::updateButtons()
{
    const auto ids = selectedRuns();
    bool resumable = false;
    if (ids.size() == 1) {
        const int row = m_model->rowOf(ids.front());
        resumable = row >= 0 && m_model->row(row).run.kind == "search" && m_model->row(row).run.status != "finished";
    }
    m_open->setEnabled(ids.size() == 1);
    m_resume->setEnabled(resumable && !m_jobRunning);
    m_rename->setEnabled(ids.size() == 1);
    m_delete->setEnabled(!ids.isEmpty());
    m_compare->setEnabled(ids.size() == 2);
}

void RunsPage::showDetail()
{
    const auto ids = selectedRuns();
    m_detail->clear();
    RunStore *store = m_session->store();
    if (ids.size() != 1 || !store)
        return;
    try {
        const RunInfo r = store->run(ids.front());
        QString t = tr("%1 (id %2): %3 %4, %5 of compute\nspace %6 · data %7 · device %8 · seed %9\ncreated %10 · %11\n")
                        .arg(QString::fromStdString(r.name))
                        .arg(r.id)
                        .arg(QString::fromStdString(r.kind), QString::fromStdString(r.status))
                        .arg(clockDuration(r.seconds) + (r.status == "running" ? tr(" (counted at each epoch's end)") : QString()))
                        .arg(QString::fromStdString(r.space), QString::fromStdString(r.dataset), QString::fromStdString(r.lutDevice))
                        .arg(r.seed)
                        .arg(QString::fromStdString(r.createdAt), QString::fromStdString(r.versions));
        if (!r.error.empty())
            t += tr("error: %1\n").arg(QString::fromStdString(r.error));
        for (const auto &a : store->architectures(r.id)) {
            const auto ev = store->evaluations(a.id);
            // "argmax: …", or "sample 'sample3': …": the name only where it says more than the role.
            const QString label = a.architecture.name == a.role || a.architecture.name.empty()
                ? QString::fromStdString(a.role)
                : QStringLiteral("%1 '%2'").arg(QString::fromStdString(a.role), QString::fromStdString(a.architecture.name));
            t += QStringLiteral("\n%1: %2 ms, %3M MACs%4\n  %5")
                     .arg(label)
                     .arg(a.lutMs, 0, 'f', 3)
                     .arg(a.macs / 1e6, 0, 'f', 2)
                     .arg(ev.empty() ? QString() : tr(", top-1 %1%").arg(ev.back().top1 * 100, 0, 'f', 2))
                     .arg(QString::fromStdString(a.architecture.blocksString()));
        }
        m_detail->setPlainText(t);
    } catch (const std::exception &e) {
        m_detail->setPlainText(QString::fromStdString(e.what()));
    }
}

void RunsPage::renameSelected()
{
    const auto ids = selectedRuns();
    RunStore *store = m_session->store();
    if (ids.size() != 1 || !store)
        return;
    try {
        const RunInfo r = store->run(ids.front());
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Rename run"), tr("New name:"), QLineEdit::Normal, QString::fromStdString(r.name), &ok);
        if (ok && !name.isEmpty())
            store->renameRun(r.id, name.toStdString());
    } catch (const std::exception &e) {
        Q_EMIT error(tr("Cannot rename"), QString::fromStdString(e.what()));
    }
    refresh();
}

void RunsPage::deleteSelected()
{
    const auto ids = selectedRuns();
    RunStore *store = m_session->store();
    if (ids.isEmpty() || !store)
        return;
    if (m_showDialogs
        && QMessageBox::question(this, tr("Delete runs"), tr("Delete %n run(s) with their records and checkpoints?", nullptr, int(ids.size())))
               != QMessageBox::Yes)
        return;
    try {
        for (qint64 id : ids) {
            if (m_isLive && m_isLive(id))
                continue;  // never pull a run from under the search or the training
            store->deleteRun(id);
            Q_EMIT runDeleted(id);
        }
    } catch (const std::exception &e) {
        Q_EMIT error(tr("Cannot delete"), QString::fromStdString(e.what()));
    }
    refresh();
}

} // namespace fbnet::studio
