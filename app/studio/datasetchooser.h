#pragma once

#include <QWidget>

class QComboBox;
class QLineEdit;
class QPushButton;

namespace fbnet::studio {

/**
 * Chooses a data set from core's table of kinds (datasetKinds()): a kind, and its folder or
 * count where the kind takes one. Adding a kind to the table adds it here.
 */
class DatasetChooser final : public QWidget
{
    Q_OBJECT

public:
    explicit DatasetChooser(QWidget *parent = nullptr);

    /** "NAME" or "NAME:ARGUMENT", as loadDataset reads it. */
    QString spec() const;
    /** Selects the spec's kind and argument (an unknown kind leaves the choice as it is). */
    void setSpec(const QString &spec);
    /** Empty when the choice can be loaded as far as the form can tell; else what is missing. */
    QString problem() const;
    int kindCount() const;

Q_SIGNALS:
    void changed();

private:
    void kindChanged();
    void browse();

    QComboBox *m_kind;
    QLineEdit *m_argument;
    QPushButton *m_browse;
};

} // namespace fbnet::studio
