#include "datasetpreview.h"

#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QPixmap>
#include <QVBoxLayout>

#include "fbnet/datasetkinds.h"
#include "jobthread.h"

namespace fbnet::studio {

DatasetPreview::DatasetPreview(QWidget *parent)
    : QWidget(parent), m_job(new JobThread(QStringLiteral("fbnet-preview"), this))
{
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_strip = new QHBoxLayout;
    m_strip->setContentsMargins(0, 0, 0, 0);
    m_strip->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_summary);
    layout->addLayout(m_strip);
    m_pause.setSingleShot(true);
    m_pause.setInterval(300);
    connect(&m_pause, &QTimer::timeout, this, &DatasetPreview::read);
}

DatasetPreview::~DatasetPreview() = default;

void DatasetPreview::setSpec(const QString &spec, int inputSize)
{
    if (spec == m_spec && inputSize == m_inputSize && !m_shown.isEmpty())
        return;
    m_spec = spec;
    m_inputSize = inputSize;
    m_pause.start();
}

bool DatasetPreview::isReading() const
{
    return m_pause.isActive() || m_job->isRunning() || m_shown != m_spec;
}

QString DatasetPreview::summaryText() const
{
    return m_summary->text();
}

void DatasetPreview::clear()
{
    m_pause.stop();
    m_spec.clear();
    m_shown.clear();
    m_problem.clear();
    m_trainImages = m_testImages = 0;
    while (m_strip->count() > 1) {
        auto *item = m_strip->takeAt(0);
        delete item->widget();
        delete item;
    }
    m_summary->setText(tr("Choose a data set to see what it holds."));
}

int DatasetPreview::thumbnailCount() const
{
    return m_strip->count() - 1;  // the trailing stretch
}

void DatasetPreview::read()
{
    if (m_job->isRunning()) {
        m_pause.start();  // the running read ends first; this one follows
        return;
    }
    const std::string spec = m_spec.toStdString();
    const int size = m_inputSize;
    m_summary->setText(tr("Reading %1…").arg(m_spec));
    m_job->start([this, spec, size](StopToken &) -> std::function<void()> {
        DatasetSummary summary;
        QString error;
        try {
            summary = summarizeDataset(spec, size);
        } catch (const std::exception &e) {
            error = QString::fromStdString(e.what());
        }
        return [this, summary = std::move(summary), error, spec] {
            const QString shown = QString::fromStdString(spec);
            if (shown != m_spec) {  // chosen again meanwhile
                read();
                return;
            }
            m_shown = shown;
            while (m_strip->count() > 1) {
                auto *item = m_strip->takeAt(0);
                delete item->widget();
                delete item;
            }
            m_problem = error;
            m_trainImages = error.isEmpty() ? summary.trainImages : 0;
            m_testImages = error.isEmpty() ? summary.testImages : 0;
            if (!error.isEmpty()) {
                m_summary->setText(QStringLiteral("<span style='color:#c0392b'>%1</span>").arg(error.toHtmlEscaped()));
                Q_EMIT updated();
                return;
            }
            auto count = [](std::size_t n, const QString &one, const QString &many) -> QString {  // not a QStringBuilder of temporaries
                return QString::number(n) + QLatin1Char(' ') + (n == 1 ? one : many);
            };
            QString text = count(std::size_t(summary.numClasses), tr("class"), tr("classes")) + QStringLiteral(" · ")
                + tr("%1 training / %2 validation images").arg(summary.trainImages).arg(summary.testImages);
            if (summary.ignoredFiles > 0)
                text += QStringLiteral(" · ") + count(summary.ignoredFiles, tr("file ignored"), tr("files ignored")) + tr(" (not JPEG or PNG)");
            if (!summary.unreadableFiles.empty())
                text += QStringLiteral(" · ") + count(summary.unreadableFiles.size(), tr("unreadable file skipped"), tr("unreadable files skipped"));
            m_summary->setText(text);
            int at = 0;
            for (const auto &t : summary.thumbnails) {
                const QImage image(t.rgb.data(), t.size, t.size, 3 * t.size, QImage::Format_RGB888);
                auto *cell = new QLabel(this);
                cell->setPixmap(QPixmap::fromImage(image.scaled(56, 56, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)));
                cell->setToolTip(QString::fromStdString(t.className));
                auto *caption = new QLabel(QString::fromStdString(t.className), this);
                caption->setAlignment(Qt::AlignHCenter);
                caption->setMaximumWidth(64);
                auto *box = new QWidget(this);
                auto *v = new QVBoxLayout(box);
                v->setContentsMargins(0, 0, 0, 0);
                v->setSpacing(1);
                v->addWidget(cell, 0, Qt::AlignHCenter);
                v->addWidget(caption);
                m_strip->insertWidget(at++, box);
            }
            Q_EMIT updated();
        };
    });
}

} // namespace fbnet::studio
