#pragma once

#include <QDialog>

#include "searchcontroller.h"

class QComboBox;
class QSpinBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QCheckBox;
class QDialogButtonBox;

namespace fbnet {
namespace studio {
class DatasetChooser;
class DatasetPreview;
}

/** Everything a search needs, with defaults that finish on a 2-core laptop in minutes. */
class NewSearchDialog final : public QDialog
{
    Q_OBJECT

public:
    explicit NewSearchDialog(QWidget *parent = nullptr);
    SearchRequest request() const;
    void setRequest(const SearchRequest &r);
    /** Empty when the values are valid, else the reason (also shown in the dialog). */
    QString validationError() const;
    /**
     * The store whose earlier searches estimate how long this one takes on this machine (core's
     * estimateSearch, shown under the splits); nullptr: no estimate. It must outlive the dialog.
     */
    void setStore(const RunStore *store);
    /** The data set's classes, split sizes and sample thumbnails (read on a worker thread). */
    studio::DatasetPreview *datasetPreview() const { return m_preview; }

private:
    /** The images the search will take (the subset, at most the preview's training images). */
    std::size_t searchImages() const;
    /** Core's split check on those images with this batch; fills the splits line (with warnings); the error or "". */
    QString checkSplits() const;
    void refreshLuts();
    void revalidate();
    void refreshPreview();
    /** The family search the Targets field asks for: "6,9,12" or "front K" (empty: none); fbnet::Error when unclear. */
    void readTargets(SearchRequest &r) const;

    const RunStore *m_store = nullptr;
    QComboBox *m_space, *m_lut, *m_mode, *m_device, *m_precision;
    studio::DatasetChooser *m_dataset;
    studio::DatasetPreview *m_preview;
    QCheckBox *m_skipBadImages;
    QSpinBox *m_epochs, *m_warmup, *m_batch, *m_subset, *m_seed, *m_threads;
    QDoubleSpinBox *m_alpha, *m_beta, *m_tau, *m_decay;
    QLineEdit *m_targets;
    QLineEdit *m_name;  ///< empty: the store names the run
    QLabel *m_error;
    QLabel *m_splits;  ///< what the engine will use: images per split, steps per epoch, warnings
    QDialogButtonBox *m_buttons;
};

} // namespace fbnet
