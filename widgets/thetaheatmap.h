#pragma once

#include <QColor>
#include <QWidget>

#include <vector>

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPGraph;
class QCPItemText;
class QCPTextElement;
class QMouseEvent;
class QSlider;
class QLabel;

namespace fbnet {

/**
 * Per-layer block probabilities softmax(θ): layers (rows) × candidates (columns), one snapshot
 * per epoch, with a slider to replay how θ evolved.
 *
 * On a fixed 0–1 scale the differences that matter early in a search (0.09 against 0.16 among 9
 * candidates) are invisible, so the colour shows one of three scales (the combo box above it):
 * - relative to uniform, log₂(p·K): 0 (white) is 1/K, red more likely, blue less; the default;
 * - per layer, p / max p of that layer: 1 marks each layer's leader, however flat the layer;
 * - the probability itself on 0–1.
 * Each layer's argmax is marked with a ring, every cell tells its probability on hover, and
 * before any epoch the map says that there is no data rather than showing zeros.
 */
class ThetaHeatmap final : public QWidget
{
    Q_OBJECT

public:
    enum class Scale { RelativeToUniform, PerLayer, Probability };

    explicit ThetaHeatmap(QWidget *parent = nullptr);

    void setCandidates(const QStringList &names, int layers);
    void addEpoch(const std::vector<std::vector<double>> &probabilities);
    void clear();
    /** Writes the plot as PNG or PDF (by the file's extension); false on failure. */
    bool save(const QString &path) const;
    int epochCount() const { return int(m_epochs.size()); }
    /** The probability at (layer, candidate) for the selected epoch; -1 if none. */
    double shownValue(int layer, int candidate) const;
    /** The value the colour encodes at (layer, candidate) under the current scale; NaN if none. */
    double colourValue(int layer, int candidate) const;
    /** The colour painted at (layer, candidate); invalid if none. */
    QColor cellColour(int layer, int candidate) const;
    /** The colour of the argmax rings under the current scale. */
    QColor argmaxRingColour() const;
    /** The candidate marked as layer's argmax in the shown epoch; -1 if none. */
    int markedArgmax(int layer) const;
    /** The hover text of a cell (empty outside the map or without data). */
    QString cellText(int layer, int candidate) const;
    /** The right axis's label of a layer in the shown epoch: its confidence, "2.4×" (argmax p over 1/K; core's layerConfidence); empty before θ. */
    QString confidenceText(int layer) const;
    /** The "no data yet" notice is shown. */
    bool showsNoData() const;

    void setScale(Scale scale);
    Scale scale() const { return m_scale; }
    /** A second title line naming the run (name · device · data set), for the view and exports. */
    void setContext(const QString &context);

protected:
    void changeEvent(QEvent *event) override;

private:
    void showEpoch(int index);
    void repaintCells();
    void hover(QMouseEvent *event);

    QCustomPlot *m_plot;
    QCPColorMap *m_map;
    QCPColorScale *m_colourScale;
    QCPGraph *m_argmax;
    QCPItemText *m_noData;
    QCPTextElement *m_title;
    QComboBox *m_scaleBox;
    QSlider *m_slider;
    QLabel *m_label;
    QStringList m_candidates;
    int m_layers = 0;
    int m_shown = -1;
    Scale m_scale = Scale::RelativeToUniform;
    QString m_context;
    std::vector<std::vector<std::vector<double>>> m_epochs;
};

} // namespace fbnet
