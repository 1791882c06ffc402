#pragma once
// The studio's file dialogs. Every file dialog goes through here, because a dialog that opens a
// directory holding the run store must not open the store's files: closing any descriptor of an
// SQLite file drops every POSIX lock this process holds on it (SQLite's "How To Corrupt An SQLite
// Database File", section 2.2), and the next fbnet process then deletes the WAL the studio uses.

#include <QString>

class QWidget;
class QAbstractFileIconProvider;

namespace fbnet::studio {

/**
 * Asks for a file to save. Qt's own dialog (never the platform's, which runs its own file
 * inspection in this process) with an icon provider that decides icons and types from names and
 * stat() alone: no file in the listed folder is ever opened. Empty if cancelled.
 */
QString getSaveFileName(QWidget *parent, const QString &caption, const QString &suggestedName, const QString &filter);

/** Asks for an existing file to open, with the same dialog and provider. Empty if cancelled. */
QString getOpenFileName(QWidget *parent, const QString &caption, const QString &filter);

/** Asks for a folder, with the same dialog and provider. Empty if cancelled. */
QString getExistingDirectory(QWidget *parent, const QString &caption, const QString &start);

/** The provider that dialog uses: icons and type names from the file name only (exposed for tests). */
QAbstractFileIconProvider *nameOnlyIconProvider();

} // namespace fbnet::studio
