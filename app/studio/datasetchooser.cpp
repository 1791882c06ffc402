#include "datasetchooser.h"

#include <QComboBox>
#include <QDir>
#include <QHBoxLayout>
#include <QIntValidator>
#include <QLineEdit>
#include <QPushButton>

#include "fbnet/datasetkinds.h"
#include "filedialogs.h"

namespace fbnet::studio {

namespace {

const DatasetKind &kindAt(int index)
{
    return datasetKinds().at(std::size_t(index < 0 ? 0 : index));
}

bool takesFolder(const DatasetKind &k)
{
    return k.argument == DatasetKind::Argument::Folder || k.argument == DatasetKind::Argument::OptionalFolder;
}

} // namespace

DatasetChooser::DatasetChooser(QWidget *parent)
    : QWidget(parent)
{
    m_kind = new QComboBox(this);
    for (const auto &k : datasetKinds()) {
        m_kind->addItem(QString::fromStdString(k.title), QString::fromStdString(k.name));
        m_kind->setItemData(m_kind->count() - 1, QString::fromStdString(k.syntax + ": " + k.description), Qt::ToolTipRole);
    }
    m_argument = new QLineEdit(this);
    m_browse = new QPushButton(tr("Browse…"), this);
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_kind);
    row->addWidget(m_argument, 1);
    row->addWidget(m_browse);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &DatasetChooser::kindChanged);
    connect(m_argument, &QLineEdit::textChanged, this, &DatasetChooser::changed);
    connect(m_browse, &QPushButton::clicked, this, &DatasetChooser::browse);
    kindChanged();
}

int DatasetChooser::kindCount() const
{
    return m_kind->count();
}

void DatasetChooser::kindChanged()
{
    const DatasetKind &k = kindAt(m_kind->currentIndex());
    using A = DatasetKind::Argument;
    m_argument->setVisible(k.argument != A::None);
    m_browse->setVisible(takesFolder(k));
    m_argument->setValidator(k.argument == A::OptionalCount ? new QIntValidator(1, 10000000, m_argument) : nullptr);
    m_argument->clear();
    m_argument->setPlaceholderText(k.argument == A::OptionalCount ? tr("images (default %1)").arg(QString::fromStdString(k.defaultArgument))
                                   : k.argument == A::OptionalFolder ? QString::fromStdString(k.defaultArgument)
                                   : k.argument == A::Folder        ? tr("folder (required)")
                                                                    : QString());
    if (k.argument == A::OptionalCount)
        m_argument->setText(QString::fromStdString(k.defaultArgument));
    m_argument->setToolTip(QString::fromStdString(k.description));
    Q_EMIT changed();
}

void DatasetChooser::browse()
{
    const QString start = m_argument->text().isEmpty() ? m_argument->placeholderText() : m_argument->text();
    const QString dir = getExistingDirectory(this, tr("Folder of the %1 data").arg(m_kind->currentText()),
                                             QDir(start).exists() ? start : QDir::homePath());
    if (!dir.isEmpty())
        m_argument->setText(dir);
}

QString DatasetChooser::spec() const
{
    const DatasetKind &k = kindAt(m_kind->currentIndex());
    return QString::fromStdString(k.spec(m_argument->isVisible() || k.argument != DatasetKind::Argument::None
                                             ? m_argument->text().trimmed().toStdString()
                                             : std::string()));
}

void DatasetChooser::setSpec(const QString &spec)
{
    const QString name = spec.section(QLatin1Char(':'), 0, 0);
    const int i = m_kind->findData(name);
    if (i < 0)
        return;
    m_kind->setCurrentIndex(i);
    kindChanged();
    if (spec.contains(QLatin1Char(':')))
        m_argument->setText(spec.section(QLatin1Char(':'), 1));
}

QString DatasetChooser::problem() const
{
    const DatasetKind &k = kindAt(m_kind->currentIndex());
    if (k.argument == DatasetKind::Argument::Folder && m_argument->text().trimmed().isEmpty())
        return tr("%1 needs its folder: %2.").arg(m_kind->currentText(), QString::fromStdString(k.description));
    if (takesFolder(k) && !m_argument->text().trimmed().isEmpty() && !QDir(m_argument->text().trimmed()).exists())
        return tr("The folder %1 does not exist.").arg(m_argument->text().trimmed());
    return {};
}

} // namespace fbnet::studio
