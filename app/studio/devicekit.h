#pragma once
// The Devices tab's measurement-kit actions: create a kit to time on a phone, import its timings.
// Their file dialogs are filedialogs.h's: they never open the run store's files.

#include <QString>
#include <QStringList>

class QWidget;

namespace fbnet::studio {

/** Asks for the size and a folder, writes a kit of `space` stratified by `prior` (a table name, may be empty); error text or empty. */
QString createMeasurementKit(QWidget *parent, const QString &space, const QString &prior);

/**
 * Asks for a kit's timings.csv and a device name, fits a table on `priors` (table names), installs
 * it (userLutDir) and returns its name; `error` gets the reason when it fails (name empty on cancel too).
 */
QString importKitTimings(QWidget *parent, const QString &space, const QStringList &priors, QString *error);

} // namespace fbnet::studio
