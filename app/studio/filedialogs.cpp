#include "filedialogs.h"

#include <QAbstractFileIconProvider>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QMimeDatabase>
#include <QStyle>

namespace fbnet::studio {

namespace {

/**
 * Qt's default provider asks QMimeDatabase for each file's type with content sniffing, which
 * opens and closes files such as runs.sqlite-wal; this one never opens a file.
 */
class NameOnlyIconProvider final : public QAbstractFileIconProvider
{
public:
    QIcon icon(IconType type) const override { return QAbstractFileIconProvider::icon(type); }
    QIcon icon(const QFileInfo &info) const override
    {
        const QStyle *style = QApplication::style();
        if (info.isDir())
            return style->standardIcon(QStyle::SP_DirIcon);
        return style->standardIcon(QStyle::SP_FileIcon);
    }
    QString type(const QFileInfo &info) const override
    {
        if (info.isDir())
            return QApplication::translate("fbnet::studio", "Folder");
        const QMimeType mime = m_mimes.mimeTypeForFile(info.fileName(), QMimeDatabase::MatchExtension);
        return mime.isDefault() ? QApplication::translate("fbnet::studio", "File") : mime.comment();
    }

private:
    QMimeDatabase m_mimes;
};

} // namespace

QAbstractFileIconProvider *nameOnlyIconProvider()
{
    static NameOnlyIconProvider provider;
    return &provider;
}

QString getSaveFileName(QWidget *parent, const QString &caption, const QString &suggestedName, const QString &filter)
{
    QFileDialog dialog(parent, caption, QString(), filter);
    dialog.setOption(QFileDialog::DontUseNativeDialog);
    dialog.setIconProvider(nameOnlyIconProvider());
    dialog.setAcceptMode(QFileDialog::AcceptSave);
    dialog.setFileMode(QFileDialog::AnyFile);
    dialog.selectFile(suggestedName);
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return {};
    return dialog.selectedFiles().constFirst();
}

QString getOpenFileName(QWidget *parent, const QString &caption, const QString &filter)
{
    QFileDialog dialog(parent, caption, QString(), filter);
    dialog.setOption(QFileDialog::DontUseNativeDialog);
    dialog.setIconProvider(nameOnlyIconProvider());
    dialog.setAcceptMode(QFileDialog::AcceptOpen);
    dialog.setFileMode(QFileDialog::ExistingFile);
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return {};
    return dialog.selectedFiles().constFirst();
}

QString getExistingDirectory(QWidget *parent, const QString &caption, const QString &start)
{
    QFileDialog dialog(parent, caption, start);
    dialog.setOption(QFileDialog::DontUseNativeDialog);
    dialog.setOption(QFileDialog::ShowDirsOnly);
    dialog.setIconProvider(nameOnlyIconProvider());
    dialog.setFileMode(QFileDialog::Directory);
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return {};
    return dialog.selectedFiles().constFirst();
}

} // namespace fbnet::studio
