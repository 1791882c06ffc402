#pragma once

#include <QString>
#include <QTimer>
#include <QWidget>

#include <cstddef>

class QHBoxLayout;
class QLabel;

namespace fbnet::studio {

class JobThread;

/**
 * What a chosen data set holds, shown before a run starts: the class count, the images per split,
 * files that are not images, a strip of sample thumbnails with their class names, or the problem
 * that stops it from loading. Read on a worker thread (a large folder takes a while to list).
 */
class DatasetPreview final : public QWidget
{
    Q_OBJECT

public:
    explicit DatasetPreview(QWidget *parent = nullptr);
    ~DatasetPreview() override;

    /** Shows `spec` read at `inputSize` (after a short pause, so typing a path reads it once). */
    void setSpec(const QString &spec, int inputSize);
    /** Why the data set cannot be used (empty while reading or when it can). */
    QString problem() const { return m_problem; }
    bool isReading() const;
    /** The summary line ("10 classes · 900 training / 100 validation images · …"). */
    QString summaryText() const;
    int thumbnailCount() const;
    /** The last read's training and validation (test) images; 0 while reading or when it failed. */
    std::size_t trainImages() const { return isReading() ? 0 : m_trainImages; }
    std::size_t testImages() const { return isReading() ? 0 : m_testImages; }
    /** Forgets the shown data set (the chooser has no usable spec): no stale summary or thumbnails. */
    void clear();

Q_SIGNALS:
    /** A read ended (problem() and the strip are up to date). */
    void updated();

private:
    void read();

    QLabel *m_summary;
    QHBoxLayout *m_strip;
    JobThread *m_job;
    QTimer m_pause;
    QString m_spec, m_shown;
    int m_inputSize = 32;
    QString m_problem;
    std::size_t m_trainImages = 0, m_testImages = 0;
};

} // namespace fbnet::studio
