#pragma once
// The Search tab's first screen while no search runs and no run is open: what the studio is for,
// and the three ways in (a new search on the embedded default, a short demo, a recent run).

#include <QWidget>

#include <vector>

class QLabel;
class QListWidget;
class QPushButton;

namespace fbnet {
struct RunRow;
struct SearchRequest;
} // namespace fbnet

namespace fbnet::studio {

/**
 * The demo search (--run-demo and the welcome panel's button): 3 epochs of 5 steps on 800 synthetic
 * images, soft masks, batch 8 — every view fills in about half a minute on 2 cores.
 */
SearchRequest demoSearchRequest();

class WelcomePanel final : public QWidget
{
    Q_OBJECT

public:
    explicit WelcomePanel(QWidget *parent = nullptr);
    /** The store's newest runs (at most 6 are listed, newest first); none: the list says so. */
    void setRecentRuns(const std::vector<RunRow> &rows);
    /** The run ids listed, newest first. */
    std::vector<qint64> listedRuns() const;
    QPushButton *newSearchButton() const { return m_newSearch; }
    QPushButton *demoButton() const { return m_demo; }
    QPushButton *devicesButton() const { return m_devices; }

Q_SIGNALS:
    void newSearchRequested();
    void demoRequested();
    void devicesRequested();
    void openRequested(qint64 runId);

private:
    QPushButton *m_newSearch;
    QPushButton *m_demo;
    QPushButton *m_devices;
    QListWidget *m_recent;
    QLabel *m_recentTitle;
};

} // namespace fbnet::studio
