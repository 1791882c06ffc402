#pragma once

#include <QList>
#include <QWidget>

#include <functional>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace fbnet {
class RunsModel;
}

namespace fbnet::studio {

class RunSession;

/** The Runs tab: the browser over the store (open, resume, rename, delete, compare two). */
class RunsPage final : public QWidget
{
    Q_OBJECT

public:
    RunsPage(RunSession *session, QWidget *parent = nullptr);

    RunsModel *model() const { return m_model; }
    QList<qint64> selectedRuns() const;
    void selectRun(qint64 id);
    /** Re-reads the run list (one query). */
    void refresh();
    /** Which actions are possible while a search or a training runs; `isLive` says which runs a job holds. */
    void setBusy(bool jobRunning, std::function<bool(qint64)> isLive);
    void setShowDialogs(bool on) { m_showDialogs = on; }

Q_SIGNALS:
    void openRequested(qint64 runId);
    void resumeRequested(qint64 runId);
    void compareRequested(qint64 first, qint64 second);
    void runDeleted(qint64 runId);
    void message(const QString &text);
    void error(const QString &title, const QString &text);

private:
    void updateButtons();
    void showDetail();
    void renameSelected();
    void deleteSelected();

    RunSession *m_session;
    RunsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_view;
    QPlainTextEdit *m_detail;
    QLabel *m_storeLabel;
    QPushButton *m_open, *m_resume, *m_rename, *m_delete, *m_compare;
    bool m_jobRunning = false;
    bool m_showDialogs = true;
    std::function<bool(qint64)> m_isLive;
};

} // namespace fbnet::studio
