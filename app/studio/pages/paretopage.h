#pragma once

#include <QWidget>

#include <memory>

#include "evaluatecontroller.h"

class QComboBox;
class QPushButton;

namespace fbnet {
class ParetoView;
}

namespace fbnet::studio {

struct OpenRun;
struct DialogPlan;
class RunSession;

/**
 * The Pareto tab: the open run's evaluated architectures and the random baselines of its space
 * and data set, on the latency table chosen above the plot; buttons to train the run's
 * architectures and to run a random baseline with the run's compute as budget.
 */
class ParetoPage final : public QWidget
{
    Q_OBJECT

public:
    /** `session`: the store the training dialogs plan with (the work, how long); nullptr: no plan. */
    explicit ParetoPage(RunSession *session = nullptr, QWidget *parent = nullptr);

    ParetoView *view() const { return m_view; }
    void showRun(std::shared_ptr<const OpenRun> run);
    /** Jobs running: the buttons wait. */
    void setBusy(bool busy);
    /** The baseline's legend entry: "same budget" only when ≥ 90% of it was spent, else how much was. */
    static QString baselineLabel(const OpenRun &o);

Q_SIGNALS:
    void trainRequested(const fbnet::EvaluateRequest &request);
    void baselineRequested(const fbnet::BaselineRequest &request);
    void architectureSelected(qint64 architectureId, const QString &name);
    void message(const QString &text);

private:
    void refresh();
    void askTraining();
    void askBaseline();
    /** The plan the Train (or Random baseline) dialog shows, from the session's store. */
    DialogPlan dialogPlan(bool baseline) const;

    RunSession *m_session;
    ParetoView *m_view;
    QComboBox *m_device;
    QPushButton *m_train, *m_baseline;
    std::shared_ptr<const OpenRun> m_run;
    bool m_busy = false;
};

} // namespace fbnet::studio
