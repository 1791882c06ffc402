#include "devicesview.h"

#include <QPushButton>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>
#include <map>

#include <qcustomplot.h>

#include "plotexport.h"

#include "fbnet/error.h"
#include "fbnet/latencytable.h"
#include "fbnet/resources.h"

namespace fbnet {

DevicesView::DevicesView(QWidget *parent)
    : QWidget(parent), m_space(new QComboBox(this)), m_a(new QComboBox(this)), m_b(new QComboBox(this)),
      m_plot(new QCustomPlot(this)), m_matrix(new QTableWidget(this)), m_favours(new QLabel(this)),
      m_provenance(new QLabel(this)), m_matrixTitle(new QLabel(this))
{
    for (const auto &s : spaceNames())
        m_space->addItem(QString::fromStdString(s));
    auto *pick = new QHBoxLayout;
    pick->addWidget(new QLabel(tr("Space"), this));
    pick->addWidget(m_space);
    pick->addSpacing(16);
    pick->addWidget(new QLabel(tr("Device A"), this));
    pick->addWidget(m_a, 1);
    pick->addWidget(new QLabel(tr("Device B"), this));
    pick->addWidget(m_b, 1);
    // A real phone's table: a kit of networks to time on it, then its timings fitted on A and B.
    auto *kit = new QPushButton(tr("Create measurement kit…"), this);
    kit->setObjectName(QStringLiteral("createKit"));
    kit->setToolTip(tr("ONNX networks of this space spread over device A's latency range, to time on a real device"));
    auto *import = new QPushButton(tr("Import kit timings…"), this);
    import->setObjectName(QStringLiteral("importKit"));
    import->setToolTip(tr("Fit a table to a kit's timings.csv on devices A and B, install it and compare it here"));
    pick->addWidget(kit);
    pick->addWidget(import);
    connect(kit, &QPushButton::clicked, this, &DevicesView::createKitRequested);
    connect(import, &QPushButton::clicked, this, &DevicesView::importKitRequested);

    m_matrix->setColumnCount(4);
    m_matrix->setHorizontalHeaderLabels({tr("architecture"), tr("A (ms)"), tr("B (ms)"), tr("B / A")});
    m_matrix->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_matrix->verticalHeader()->setVisible(false);
    m_matrix->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (auto *l : {m_favours, m_provenance}) {
        l->setWordWrap(true);
        l->setTextFormat(Qt::RichText);
        l->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    }
    auto *side = new QWidget(this);
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    m_matrixTitle->setWordWrap(true);
    sideLayout->addWidget(m_matrixTitle);
    sideLayout->addWidget(m_matrix, 2);
    sideLayout->addWidget(m_favours, 1);
    sideLayout->addWidget(m_provenance, 1);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_plot);
    split->addWidget(side);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(pick);
    layout->addWidget(split, 1);

    m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, tr("Per-op latency, device A vs device B"), QFont(font().family(), 10, QFont::Bold)));

    connect(m_space, &QComboBox::currentTextChanged, this, &DevicesView::refillDevices);
    connect(m_a, &QComboBox::currentTextChanged, this, &DevicesView::recompute);
    connect(m_b, &QComboBox::currentTextChanged, this, &DevicesView::recompute);
    // The paper's comparison first: the space whose two phone tables are the FBNet paper's pair
    // (Samsung S8 and iPhone X on fbnet-imagenet), when it is installed.
    if (m_space->findText(QStringLiteral("fbnet-imagenet")) >= 0) {
        select(QStringLiteral("fbnet-imagenet"), QStringLiteral("s8"), QStringLiteral("iphonex"));
        return;
    }
    refillDevices();
}

namespace {

/** The devices with an installed table of `space` ("pixel3" for pixel3-fbnet-cifar). */
QStringList devicesOf(const QString &space)
{
    QStringList devices;
    for (const auto &n : lutNames()) {
        const QString name = QString::fromStdString(n);
        if (name.endsWith(QLatin1Char('-') + space))
            devices << name.left(name.size() - space.size() - 1);
    }
    return devices;
}

} // namespace

void DevicesView::refillDevices()
{
    const QString space = m_space->currentText();
    QStringList names;
    QStringList phones;
    for (const QString &device : devicesOf(space))
        (isPhoneTable(device, space) ? phones : names) << device;
    names = phones + names;  // the two phones are the default pair (the paper's comparison)
    for (auto *c : {m_a, m_b}) {
        const QSignalBlocker block(c);
        c->clear();
        c->addItems(names);
    }
    if (names.size() > 1)
        m_b->setCurrentIndex(1);
    recompute();
}

QString DevicesView::space() const
{
    return m_space->currentText();
}

QString DevicesView::deviceA() const
{
    return m_a->currentText();
}

QString DevicesView::deviceB() const
{
    return m_b->currentText();
}

void DevicesView::showInstalled(const QString &device)
{
    const QString a = m_a->currentText();
    refillDevices();
    select(m_space->currentText(), a, device);
}

bool DevicesView::isPhoneTable(const QString &device, const QString &space)
{
    try {
        const LatencyTable t = LatencyTable::load(resolveLutPath(device.toStdString(), space.toStdString()));
        const QString d = QString::fromStdString(t.description + " " + t.device);
        for (const char *word : {"phone", "Pixel", "Galaxy", "Samsung", "iPhone", "Android", "Snapdragon"})
            if (d.contains(QLatin1String(word), Qt::CaseInsensitive))
                return true;
    } catch (const std::exception &) {
    }
    return false;
}

void DevicesView::setStoreArchitectures(std::vector<std::pair<QString, Architecture>> architectures)
{
    m_storeArchitectures = std::move(architectures);
    recompute();
}

QString DevicesView::matrixTitle() const
{
    return m_matrixTitle->text();
}

void DevicesView::select(const QString &space, const QString &deviceA, const QString &deviceB)
{
    m_space->setCurrentText(space);
    const QSignalBlocker block(m_a);
    m_a->setCurrentText(deviceA);
    m_b->setCurrentText(deviceB);
    recompute();
}

void DevicesView::follow(const QString &space, const QString &device)
{
    if (m_space->findText(space) < 0 || (m_space->currentText() == space && m_a->currentText() == device))
        return;
    if (devicesOf(space).isEmpty())
        return;  // no table of that space to show (an analytic cost): the comparison on show stays
    const QString keepB = m_b->currentText();
    m_space->setCurrentText(space);  // lists the space's tables: its default pair
    if (m_a->findText(device) < 0)
        return;
    QString b = keepB;
    if (m_b->findText(b) < 0 || b == device) {
        b.clear();
        for (int i = 0; i < m_b->count() && b.isEmpty(); ++i)
            if (m_b->itemText(i) != device)
                b = m_b->itemText(i);
    }
    select(space, device, b);
}

int DevicesView::matrixRows() const
{
    return m_matrix->rowCount();
}

QString DevicesView::matrixText(int row, int column) const
{
    const auto *item = m_matrix->item(row, column + 1);
    return item ? item->text() : QString();
}

QString DevicesView::matrixHeader(int column) const
{
    const auto *item = m_matrix->horizontalHeaderItem(column + 1);
    return item ? item->text() : QString();
}

bool DevicesView::matrixMarksFaster(int row, int column) const
{
    const auto *item = m_matrix->item(row, column + 1);
    return item && item->font().bold();
}

void DevicesView::fillMatrix(const SearchSpace &space, const LatencyTable &a, const LatencyTable &b)
{
    // The cross-device matrix of the published architectures of this space; on a space
    // without any, the store's best architectures, said so.
    std::vector<std::pair<QString, Architecture>> listed;
    for (const auto &name : publishedArchitectureNames()) {
        Architecture arch = loadArchitecture(resolveArchitecturePath(name));
        if (arch.space == space.name)
            listed.push_back({QString::fromStdString(name), std::move(arch)});
    }
    const bool published = !listed.empty();
    if (!published)
        for (const auto &[label, arch] : m_storeArchitectures)
            if (arch.space == space.name && listed.size() < 12)
                listed.push_back({label, arch});
    m_matrixTitle->setText(published ? tr("<b>Published architectures on both devices</b>")
                           : listed.empty()
                               ? tr("<b>No published architectures for %1</b>, and none in the run store yet: search and train, "
                                    "and the store's best appear here.")
                                     .arg(QString::fromStdString(space.name))
                               : tr("<b>The run store's best architectures on both devices</b> (%1 has no published ones; best "
                                    "top-1 first, then argmaxes)")
                                     .arg(QString::fromStdString(space.name)));
    const QString nameA = m_a->currentText(), nameB = m_b->currentText();
    m_matrix->setHorizontalHeaderLabels({tr("architecture"), tr("%1 (ms)").arg(nameA), tr("%1 (ms)").arg(nameB), tr("%1 / %2").arg(nameB, nameA)});
    for (const auto &[label, arch] : listed) {
        double va, vb;
        try {
            va = a.predict(space, arch);
            vb = b.predict(space, arch);
        } catch (const Error &) {
            continue;  // a table without the op (e.g. the double-3x3 block)
        }
        const int row = m_matrix->rowCount();
        m_matrix->insertRow(row);
        m_matrix->setItem(row, 0, new QTableWidgetItem(label));
        m_matrix->setItem(row, 1, new QTableWidgetItem(QString::number(va, 'f', 2)));
        m_matrix->setItem(row, 2, new QTableWidgetItem(QString::number(vb, 'f', 2)));
        // The ratio, and the faster device's figure in bold: which device this architecture favours.
        auto *ratio = new QTableWidgetItem(va > 0 ? QStringLiteral("%1\u00d7").arg(vb / va, 0, 'f', 2) : QStringLiteral("-"));
        ratio->setToolTip(va > 0 ? (vb < va ? tr("%1 is %2\u00d7 faster").arg(nameB).arg(va / vb, 0, 'f', 2)
                                            : tr("%1 is %2\u00d7 faster").arg(nameA).arg(vb / va, 0, 'f', 2))
                                 : QString());
        m_matrix->setItem(row, 3, ratio);
        QFont bold = m_matrix->font();
        bold.setBold(true);
        m_matrix->item(row, va <= vb ? 1 : 2)->setFont(bold);
    }
}

void DevicesView::recompute()
{
    m_plot->clearPlottables();
    m_matrix->setRowCount(0);
    m_points = 0;
    if (m_a->currentText().isEmpty() || m_b->currentText().isEmpty()) {
        // A space without installed tables (FBNetV2's are costed in FLOPs or parameters): say so,
        // instead of leaving the previous space's figures on show.
        m_matrixTitle->setText(tr("<b>Space %1 has no latency table installed:</b> nothing to compare.").arg(m_space->currentText().toHtmlEscaped()));
        m_favours->clear();
        m_provenance->clear();
        m_plot->xAxis->setLabel(QString());
        m_plot->yAxis->setLabel(QString());
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    try {
        const SearchSpace space = SearchSpace::load(resolveSpacePath(m_space->currentText().toStdString()));
        const LatencyTable a = LatencyTable::load(resolveLutPath(m_a->currentText().toStdString(), space.name));
        const LatencyTable b = LatencyTable::load(resolveLutPath(m_b->currentText().toStdString(), space.name));
        const auto la = a.layerTable(space), lb = b.layerTable(space);
        const auto layers = space.layers();
        // One graph per kernel class, so the colours say which ops a device favours.
        struct Series { QString name; QColor colour; QVector<double> x, y; };
        std::map<QString, Series> series{{QStringLiteral("k3"), {tr("3×3 blocks"), QColor(31, 119, 180), {}, {}}},
                                         {QStringLiteral("k5"), {tr("5×5 blocks"), QColor(255, 127, 14), {}, {}}},
                                         {QStringLiteral("skip"), {tr("skip (projection)"), QColor(127, 127, 127), {}, {}}}};
        std::map<std::string, std::pair<double, int>> perBlock;
        double lo = 1e9, hi = 0;
        std::map<std::string, bool> seen;
        for (std::size_t l = 0; l < layers.size(); ++l)
            for (std::size_t k = 0; k < layers[l].candidates.size(); ++k) {
                const auto &name = layers[l].candidates[k];
                if (la[l][k] <= 0 || lb[l][k] <= 0)
                    continue;
                perBlock[name].first += std::log(la[l][k] / lb[l][k]);
                perBlock[name].second += 1;
                const std::string sig = opSignature(layers[l], space.block(name));
                if (seen[sig])
                    continue;
                seen[sig] = true;
                const QString key = name.rfind("k5", 0) == 0 ? QStringLiteral("k5") : name == "skip" ? QStringLiteral("skip") : QStringLiteral("k3");
                series[key].x << la[l][k];
                series[key].y << lb[l][k];
                lo = std::min({lo, la[l][k], lb[l][k]});
                hi = std::max({hi, la[l][k], lb[l][k]});
                ++m_points;
            }
        for (auto &[key, s] : series) {
            if (s.x.isEmpty())
                continue;
            auto *g = m_plot->addGraph();
            g->setName(s.name);
            g->setLineStyle(QCPGraph::lsNone);
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, s.colour, 6));
            g->setData(s.x, s.y, false);
        }
        auto *diag = m_plot->addGraph();
        diag->setName(tr("equal latency"));
        diag->setPen(QPen(Qt::gray, 1, Qt::DashLine));
        diag->setData(QVector<double>{lo * 0.8, hi * 1.25}, QVector<double>{lo * 0.8, hi * 1.25});
        m_plot->xAxis->setRange(lo * 0.8, hi * 1.25);
        m_plot->yAxis->setRange(lo * 0.8, hi * 1.25);
        m_plot->xAxis->setLabel(tr("%1 (ms)").arg(m_a->currentText()));
        m_plot->yAxis->setLabel(tr("%1 (ms)").arg(m_b->currentText()));
        m_plot->replot(QCustomPlot::rpQueuedReplot);

        // Which blocks each device favours: geometric-mean ratio against the typical ratio.
        double mean = 0;
        for (const auto &[n, acc] : perBlock)
            mean += acc.first / acc.second;
        mean /= double(perBlock.size());
        QStringList favA, favB;
        for (const auto &[n, acc] : perBlock) {
            const double rel = std::exp(acc.first / acc.second - mean);
            const QString item = QStringLiteral("%1 (%2%)").arg(QString::fromStdString(n)).arg((rel - 1) * 100, 0, 'f', 0);
            (rel < 0.9 ? favA : rel > 1.1 ? favB : favA).append(rel < 0.9 || rel > 1.1 ? item : QString());
        }
        favA.removeAll(QString());
        favB.removeAll(QString());
        m_favours->setText(tr("<b>Relatively faster on %1:</b> %2<br><b>Relatively faster on %3:</b> %4<br>"
                              "<small>(per-block latency ratio A/B against the typical ratio of this pair)</small>")
                               .arg(m_a->currentText(), favA.isEmpty() ? tr("none by more than 10%") : favA.join(QStringLiteral(", ")),
                                    m_b->currentText(), favB.isEmpty() ? tr("none by more than 10%") : favB.join(QStringLiteral(", "))));
        auto prov = [](const LatencyTable &t) {
            QString s = QStringLiteral("<b>%1</b> — <i>%2</i>: %3").arg(QString::fromStdString(t.device), QString::fromStdString(t.provenanceKind),
                                                                   QString::fromStdString(t.description).toHtmlEscaped());
            for (const char *key : {"calibration", "validation"})
                if (t.provenance.count(key))
                    s += QStringLiteral("<br><small>%1</small>").arg(QString::fromStdString(t.provenance.at(key)).toHtmlEscaped());
            return s;
        };
        m_provenance->setText(prov(a) + QStringLiteral("<br>") + prov(b));

        fillMatrix(space, a, b);
    } catch (const Error &e) {
        m_provenance->setText(tr("<span style='color:#c0392b'>%1</span>").arg(QString::fromStdString(e.what()).toHtmlEscaped()));
    }
}

void DevicesView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPlotPalette(m_plot, palette());
        m_plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

} // namespace fbnet
