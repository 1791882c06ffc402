#include "devicekit.h"

#include <QApplication>
#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressDialog>
#include <QRegularExpression>

#include "filedialogs.h"
#include "fbnet/lutkit.h"
#include "fbnet/resources.h"

namespace fbnet::studio {

QString createMeasurementKit(QWidget *parent, const QString &space, const QString &prior)
{
    bool ok = false;
    const int count = QInputDialog::getInt(parent, QObject::tr("Create measurement kit"),
                                           QObject::tr("Networks of %1 to time on the device (stratified by %2):")
                                               .arg(space, prior.isEmpty() ? QObject::tr("MACs") : prior),
                                           40, 4, 2000, 1, &ok);
    if (!ok)
        return {};
    const QString dir = getExistingDirectory(parent, QObject::tr("Folder for the kit"), QString());
    if (dir.isEmpty())
        return {};
    try {
        const SearchSpace s = SearchSpace::load(resolveSpacePath(space.toStdString()));
        LatencyTable p;
        if (!prior.isEmpty())
            p = LatencyTable::load(resolveLutPath(prior.toStdString(), s.name));
        KitOptions o;
        o.count = count;
        const auto kit = chooseKit(s, prior.isEmpty() ? nullptr : &p, o);
        QProgressDialog progress(QObject::tr("Writing ONNX models…"), QString(), 0, int(kit.size()), parent);
        progress.setWindowModality(Qt::WindowModal);
        progress.setMinimumDuration(300);
        writeKit(s, kit, dir.toStdString(), prior.toStdString(), [&progress](int done, int) {
            progress.setValue(done);
            QApplication::processEvents();
        });
        QMessageBox::information(parent, QObject::tr("Measurement kit written"),
                                 QObject::tr("%1 networks in %2.\n\nIts README.md says how to time them on the device (ONNX Runtime, "
                                             "TFLite's benchmark_model, …). Fill timings-template.csv, save it as timings.csv and "
                                             "import it here with “Import kit timings…”.")
                                     .arg(kit.size())
                                     .arg(dir));
        return {};
    } catch (const std::exception &e) {
        return QString::fromStdString(e.what());
    }
}

QString importKitTimings(QWidget *parent, const QString &space, const QStringList &priors, QString *error)
{
    const QString csv = getOpenFileName(parent, QObject::tr("Kit timings (timings.csv)"), QObject::tr("CSV (*.csv)"));
    if (csv.isEmpty())
        return {};
    bool ok = false;
    const QString device = QInputDialog::getText(parent, QObject::tr("Import kit timings"), QObject::tr("Device name of the fitted table:"),
                                                 QLineEdit::Normal, QStringLiteral("my-phone"), &ok);
    if (!ok || device.isEmpty())
        return {};
    if (!QRegularExpression(QStringLiteral("^[A-Za-z0-9._-]+$")).match(device).hasMatch()) {
        *error = QObject::tr("A device name is letters, digits, '.', '_' and '-'.");
        return {};
    }
    try {
        const SearchSpace s = SearchSpace::load(resolveSpacePath(space.toStdString()));
        std::vector<LatencyTable> p;
        for (const auto &name : priors)
            if (!name.isEmpty() && name != device)
                p.push_back(LatencyTable::load(resolveLutPath(name.toStdString(), s.name)));
        KitFit fit = fitKitTimings(s, csv.toStdString(), p, device.toStdString());
        fit.table.save(userLutDir() + "/" + device.toStdString() + "-" + s.name + ".json");
        return device;
    } catch (const std::exception &e) {
        *error = QString::fromStdString(e.what());
        return {};
    }
}

} // namespace fbnet::studio
