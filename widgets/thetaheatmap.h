#pragma once

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPColorMap;
class QSlider;
class QLabel;

namespace fbnet {

/**
 * Per-layer block probabilities softmax(theta): layers (rows) x candidates (columns), one
 * snapshot per epoch, with a slider to replay how theta evolved.
 */
class ThetaHeatmap final : public QWidget
{
    Q_OBJECT

public:
    explicit ThetaHeatmap(QWidget *parent = nullptr);

    void setCandidates(const QStringList &names, int layers);
    void addEpoch(const std::vector<std::vector<double>> &probabilities);
    void clear();
    /** Writes the plot as PNG or PDF (by the file's extension); false on failure. */
    bool save(const QString &path) const;
    int epochCount() const { return int(m_epochs.size()); }
    /** The value shown at (layer, candidate) for the selected epoch; -1 if none. */
    double shownValue(int layer, int candidate) const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void showEpoch(int index);

    QCustomPlot *m_plot;
    QCPColorMap *m_map;
    QSlider *m_slider;
    QLabel *m_label;
    QStringList m_candidates;
    int m_layers = 0;
    int m_shown = -1;
    std::vector<std::vector<std::vector<double>>> m_epochs;
};

} // namespace fbnet
