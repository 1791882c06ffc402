#include "newsearchdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QVBoxLayout>

#include "datasetchooser.h"
#include "datasetpreview.h"
#include "fbnet/compute.h"
#include "fbnet/error.h"
#include "fbnet/family.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"
#include "fbnet/search.h"
#include "fbnet/searchspace.h"
#include "fbnet/trainingplan.h"

#include <cmath>

namespace fbnet {

namespace {
QSpinBox *spin(int lo, int hi, int value, QWidget *parent)
{
    auto *s = new QSpinBox(parent);
    s->setRange(lo, hi);
    s->setValue(value);
    return s;
}
/** Two fields side by side in one form row. */
QWidget *pair(QWidget *a, QWidget *b, QWidget *parent)
{
    auto *w = new QWidget(parent);
    auto *h = new QHBoxLayout(w);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(a);
    h->addWidget(b);
    return w;
}
QDoubleSpinBox *dspin(double lo, double hi, double value, int decimals, QWidget *parent)
{
    auto *s = new QDoubleSpinBox(parent);
    s->setRange(lo, hi);
    s->setDecimals(decimals);
    s->setValue(value);
    s->setSingleStep(std::pow(10.0, -decimals + 1) / 10.0 * 10);
    return s;
}
} // namespace

NewSearchDialog::NewSearchDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("New search"));
    m_space = new QComboBox(this);
    m_space->setObjectName(QStringLiteral("space"));
    for (const auto &s : spaceNames())
        m_space->addItem(QString::fromStdString(s));
    m_space->setCurrentText(QStringLiteral("fbnet-cifar"));
    m_dataset = new studio::DatasetChooser(this);
    m_preview = new studio::DatasetPreview(this);
    m_skipBadImages = new QCheckBox(tr("Skip damaged images (image folders): replace each by the next readable one and report it"), this);
    m_lut = new QComboBox(this);
    m_mode = new QComboBox(this);
    m_mode->addItem(tr("soft — weighted sum of all blocks (the paper)"), QStringLiteral("soft"));
    m_mode->addItem(tr("hard — one sampled block per layer, ~8× faster per step"), QStringLiteral("hard"));
    // One source of defaults: the same SearchConfig / SearchInvocation the CLI starts from.
    const SearchConfig defaults;
    const SearchInvocation invocationDefaults;
    m_epochs = spin(1, 1000, defaults.epochs, this);
    m_warmup = spin(0, 999, defaults.warmupEpochs, this);
    m_batch = spin(2, 4096, defaults.batchSize, this);
    m_subset = spin(0, 60000, int(invocationDefaults.subset), this);
    m_subset->setSpecialValueText(tr("all"));
    m_seed = spin(0, 1 << 30, int(defaults.seed), this);
    m_device = new QComboBox(this);
    // The devices that exist: the CPU and each GPU this libtorch sees.
    for (const std::string &device : computeDevices())
        m_device->addItem(device == "cpu" ? tr("CPU") : tr("GPU %1 (%2)").arg(QString::fromStdString(device.substr(5)), QString::fromStdString(device)),
                          QString::fromStdString(device));
    if (m_device->count() == 1) {
        // No GPU: shown but not selectable, with the reason as its tooltip (a CPU-only libtorch, or no GPU).
        m_device->addItem(tr("GPU (CUDA)"), QStringLiteral("cuda"));
        if (auto *model = qobject_cast<QStandardItemModel *>(m_device->model()))
            model->item(1)->setEnabled(false);
        m_device->setItemData(1, QString::fromStdString(deviceUnavailableReason("cuda")), Qt::ToolTipRole);
    }
    m_precision = new QComboBox(this);
    m_precision->setObjectName(QStringLiteral("precision"));
    m_precision->addItem(tr("auto — bf16 on a GPU that computes it, else fp32"), QStringLiteral("auto"));
    m_precision->addItem(tr("fp32"), QStringLiteral("fp32"));
    m_precision->addItem(tr("bf16 (autocast)"), QStringLiteral("bf16"));
    m_precision->addItem(tr("fp16 (autocast, loss scaling; GPU only)"), QStringLiteral("fp16"));
    m_precision->setToolTip(tr("Forward passes in this precision; weights, θ, optimizers and the loss stay fp32"));
    m_threads = spin(0, 256, 0, this);
    m_threads->setSpecialValueText(tr("all cores"));
    m_alpha = dspin(0, 100, defaults.alpha, 3, this);
    m_beta = dspin(0, 10, defaults.beta, 3, this);
    m_tau = dspin(0.01, 100, defaults.tau0, 2, this);
    m_decay = dspin(0.5, 1.0, defaults.tauDecay, 3, this);
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("runName"));
    m_name->setPlaceholderText(tr("empty: named by the store (run-N, N its id)"));
    m_name->setToolTip(tr("The run's name in the Runs tab and for the CLI (fbnet runs show NAME)"));
    m_targets = new QLineEdit(this);
    m_targets->setObjectName(QStringLiteral("targets"));
    m_targets->setToolTip(tr("Family search: one supernet, one θ per target (ms on a latency table, millions on the FLOPs or "
                             "parameters table); each target's architecture lies within ±5% of it"));
    m_splits = new QLabel(this);
    m_splits->setObjectName(QStringLiteral("splits"));
    m_splits->setWordWrap(true);
    m_error = new QLabel(this);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b"));
    m_error->setWordWrap(true);

    auto *form = new QFormLayout;
    form->addRow(tr("Run name"), m_name);
    form->addRow(tr("Search space"), m_space);
    form->addRow(tr("Data set"), m_dataset);
    form->addRow(QString(), m_preview);
    form->addRow(QString(), m_skipBadImages);
    form->addRow(tr("Target device (latency table)"), m_lut);
    form->addRow(tr("Masks"), m_mode);
    form->addRow(tr("Epochs / warm-up"), pair(m_epochs, m_warmup, this));
    form->addRow(tr("Batch size"), m_batch);
    form->addRow(tr("Training images (subset)"), m_subset);
    form->addRow(QString(), m_splits);
    form->addRow(tr("α / β  (CE·α·(log LAT)^β)"), pair(m_alpha, m_beta, this));
    form->addRow(tr("Temperature τ₀ / decay"), pair(m_tau, m_decay, this));
    form->addRow(tr("Latency targets (family)"), m_targets);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(tr("Compute device / threads"), pair(m_device, m_threads, this));
    form->addRow(tr("Precision"), m_precision);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Start search"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_space, &QComboBox::currentTextChanged, this, &NewSearchDialog::refreshLuts);
    for (auto *s : {m_epochs, m_warmup, m_batch, m_subset})
        connect(s, &QSpinBox::valueChanged, this, &NewSearchDialog::revalidate);
    connect(m_dataset, &studio::DatasetChooser::changed, this, &NewSearchDialog::revalidate);
    connect(m_dataset, &studio::DatasetChooser::changed, this, &NewSearchDialog::refreshPreview);
    connect(m_space, &QComboBox::currentTextChanged, this, &NewSearchDialog::refreshPreview);
    connect(m_preview, &studio::DatasetPreview::updated, this, &NewSearchDialog::revalidate);
    connect(m_targets, &QLineEdit::textChanged, this, &NewSearchDialog::revalidate);
    connect(m_name, &QLineEdit::textChanged, this, &NewSearchDialog::revalidate);
    connect(m_lut, &QComboBox::currentIndexChanged, this, &NewSearchDialog::revalidate);
    connect(m_device, &QComboBox::currentIndexChanged, this, &NewSearchDialog::revalidate);
    connect(m_precision, &QComboBox::currentIndexChanged, this, &NewSearchDialog::revalidate);
    refreshLuts();
    refreshPreview();
    revalidate();
}

void NewSearchDialog::readTargets(SearchRequest &r) const
{
    const QString text = m_targets->text().trimmed();
    if (text.isEmpty())
        return;
    if (text.startsWith(QLatin1String("front"), Qt::CaseInsensitive)) {
        bool ok = false;
        const int k = text.mid(5).trimmed().toInt(&ok);
        if (!ok || k < 2 || k > 32)
            throw Error::at("Latency targets", text.toStdString(), "expected front K with K from 2 to 32");
        r.front = k;  // spread below when the table can be read here, else by the search
    } else {
        r.config.targets = parseTargets(text.toStdString(), "Latency targets");
    }
    // The loss (each target's theta on its own target loss) is core's rule: runStoredSearch applies it.
    // A table the dialog can read without measuring: the targets are checked (and front spread) here.
    const std::string lut = m_lut->currentData().toString().toStdString();
    if (lut == "local" || lut.empty())
        return;
    const SearchSpace space = SearchSpace::load(resolveSpacePath(m_space->currentText().toStdString()));
    const LatencyTable table = loadTableFor(lut, space);
    if (r.front > 0) {
        r.config.targets = frontTargets(space, table, r.front);
        r.front = 0;
    }
    checkTargets(space, table, r.config.targets);
}

void NewSearchDialog::refreshLuts()
{
    const QString space = m_space->currentText();
    m_lut->clear();
    bool shapes = false;
    try {
        shapes = SearchSpace::load(resolveSpacePath(space.toStdString())).searchesShapes();
    } catch (const std::exception &) {
    }
    if (shapes) {
        // FBNetV2 spaces search widths and resolutions: no device table covers them, the cost is analytic.
        m_lut->addItem(tr("FLOPs (analytic)"), QStringLiteral("flops"));
        m_lut->addItem(tr("parameters (analytic)"), QStringLiteral("params"));
        m_targets->setPlaceholderText(tr("empty: one architecture · 20,40,60 MFLOPs (or Mparams): one per target · front 5: spread over the table"));
        return;
    }
    m_targets->setPlaceholderText(tr("empty: one architecture · 6,9,12,15 ms: one per target · front 5: spread over the table"));
    m_lut->addItem(tr("FLOPs (analytic)"), QStringLiteral("flops"));
    for (const auto &n : lutNames()) {
        const QString name = QString::fromStdString(n);
        if (name.endsWith(QLatin1Char('-') + space))
            m_lut->addItem(name.left(name.size() - space.size() - 1), name.left(name.size() - space.size() - 1));
    }
    m_lut->addItem(tr("this machine's CPU (measured on first use)"), QStringLiteral("local"));
    // The documented defaults: Pixel 3 for fbnet-cifar, the (modeled) Samsung S8 for fbnet-imagenet.
    for (const QString &preferred : {QStringLiteral("pixel3"), QStringLiteral("s8")})
        if (const int i = m_lut->findData(preferred); i >= 0) {
            m_lut->setCurrentIndex(i);
            break;
        }
}

void NewSearchDialog::refreshPreview()
{
    if (!m_dataset->problem().isEmpty()) {
        m_preview->clear();  // not the previous data set's summary under a new choice
        return;
    }
    int size = 32;
    try {
        size = SearchSpace::load(resolveSpacePath(m_space->currentText().toStdString())).inputSize;
    } catch (const std::exception &) {
    }
    m_preview->setSpec(m_dataset->spec(), size);
}

QString NewSearchDialog::validationError() const
{
    if (const QString name = m_name->text().trimmed(); !name.isEmpty())
        if (const std::string problem = runNameProblem(name.toStdString()); !problem.empty())
            return tr("Run name: %1.").arg(QString::fromStdString(problem));
    if (m_warmup->value() >= m_epochs->value())
        return tr("Warm-up epochs must be fewer than epochs: θ has to train for at least one epoch.");
    if (const QString e = checkSplits(); !e.isEmpty())
        return e;
    if (m_lut->count() == 0)
        return tr("No latency table or cost model covers this space.");
    if (m_precision->currentData().toString() == QLatin1String("fp16") && m_device->currentData().toString() == QLatin1String("cpu"))
        return tr("fp16 needs a GPU (autocast on a CPU computes bf16 only): choose bf16 or fp32, or the GPU.");
    if (const QString p = m_dataset->problem(); !p.isEmpty())
        return p;
    if (const QString p = m_preview->problem(); !p.isEmpty() && !m_preview->isReading())
        return p;
    try {
        SearchRequest r;
        readTargets(r);
        if (!r.config.targets.empty() && m_mode->currentData().toString() != QLatin1String("hard")
            && m_batch->value() < 2 * int(r.config.targets.size()))
            return tr("A family search in soft mode splits each batch among its targets: the batch needs at least 2 samples per target.");
    } catch (const std::exception &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

std::size_t NewSearchDialog::searchImages() const
{
    // What the engine will take: the subset, at most the training split (0 while the preview reads).
    const std::size_t train = m_preview->trainImages(), subset = std::size_t(m_subset->value());
    if (train == 0)
        return subset;
    return subset == 0 ? train : std::min(subset, train);
}

QString NewSearchDialog::checkSplits() const
{
    m_splits->clear();
    const std::size_t images = searchImages();
    if (images == 0)
        return {};
    const bool known = m_preview->trainImages() > 0;  // while the preview reads, the subset is checked but no numbers claimed
    SearchConfig c;  // the engine's split rule and check (core's checkSearchSplits), with this dialog's batch
    c.batchSize = m_batch->value();
    try {
        checkSearchSplits(m_dataset->spec().toStdString(), images, c);
    } catch (const std::exception &e) {
        return QString::fromStdString(e.what());
    }
    if (!known)
        return {};
    const SearchSplits s = searchSplits(images, c);
    QString text = tr("The search will use %1 training images: %2 train the weights and %3 train θ (%4 and %5 steps per epoch at batch %6).")
                       .arg(images)
                       .arg(s.weights)
                       .arg(s.theta)
                       .arg(s.weights / std::size_t(c.batchSize))
                       .arg(s.theta / std::size_t(c.batchSize))
                       .arg(c.batchSize);
    QStringList warnings;
    if (s.theta < 200)
        warnings << tr("only %1 images train θ: its accuracy moves in steps of %2 points and θ follows noise; use more images").arg(s.theta).arg(100.0 / double(s.theta), 0, 'g', 2);
    if (const std::size_t test = m_preview->testImages(); test > 0 && test < 100)
        warnings << tr("only %1 validation images: every accuracy measured on them is a multiple of %2%").arg(test).arg(100.0 / double(test), 0, 'g', 3);
    if (m_store) {  // how long, measured here: the store's earlier searches of this space
        const SearchRequest r = request();
        const SearchEstimate e = estimateSearch(*m_store, r.invocation.space, images, r.config);
        text += QStringLiteral("<br>")
                + (e.basis > 0 ? tr("About %1 on this machine (from %2 earlier %3 of this space in this store).")
                                     .arg(QString::fromStdString(formatDuration(e.seconds)))
                                     .arg(e.basis)
                                     .arg(e.basis == 1 ? tr("search") : tr("searches"))
                               : tr("No search of this space in this mode here yet to say how long it takes on this machine."));
    }
    if (!warnings.isEmpty())
        text += QStringLiteral("<br><span style='color:#b9770e'>") + tr("Warning: ") + warnings.join(QStringLiteral("; ")).toHtmlEscaped() + QStringLiteral(".</span>");
    m_splits->setText(text);
    return {};
}

void NewSearchDialog::revalidate()
{
    const QString e = validationError();
    m_error->setText(e);
    m_error->setVisible(!e.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(e.isEmpty());
}

void NewSearchDialog::setStore(const RunStore *store)
{
    m_store = store;
    revalidate();
}

SearchRequest NewSearchDialog::request() const
{
    SearchRequest r;
    r.name = m_name->text().trimmed().toStdString();
    r.invocation.space = m_space->currentText().toStdString();
    r.invocation.dataset = m_dataset->spec().toStdString();
    r.invocation.lut = m_lut->currentData().toString().toStdString();
    r.invocation.subset = std::size_t(m_subset->value());
    r.invocation.image.skipBadImages = m_skipBadImages->isChecked();
    r.config.mode = m_mode->currentData().toString() == QLatin1String("hard") ? MaskMode::Hard : MaskMode::Soft;
    r.config.epochs = m_epochs->value();
    r.config.warmupEpochs = m_warmup->value();
    r.config.batchSize = m_batch->value();
    r.config.alpha = m_alpha->value();
    r.config.beta = m_beta->value();
    r.config.tau0 = m_tau->value();
    r.config.tauDecay = m_decay->value();
    r.config.seed = std::uint64_t(m_seed->value());
    r.config.compute.threads = m_threads->value();
    r.config.compute.device = m_device->currentData().toString().toStdString();
    r.config.compute.precision = m_precision->currentData().toString().toStdString();
    try {
        readTargets(r);
    } catch (const std::exception &) {  // validationError() keeps OK disabled while the field is unclear
    }
    return r;
}

void NewSearchDialog::setRequest(const SearchRequest &r)
{
    m_space->setCurrentText(QString::fromStdString(r.invocation.space));
    m_dataset->setSpec(QString::fromStdString(r.invocation.dataset));
    m_epochs->setValue(r.config.epochs);
    m_warmup->setValue(r.config.warmupEpochs);
    m_batch->setValue(r.config.batchSize);
    m_subset->setValue(int(r.invocation.subset));
    m_skipBadImages->setChecked(r.invocation.image.skipBadImages);
    // A stored "cuda" is the first GPU's entry; a device this machine lacks leaves the choice as it is.
    const std::string device = r.config.compute.device == "cuda" && m_device->findData(QStringLiteral("cuda:0")) >= 0 ? "cuda:0" : r.config.compute.device;
    if (const int i = m_device->findData(QString::fromStdString(device)); i >= 0)
        m_device->setCurrentIndex(i);
    if (const int i = m_precision->findData(QString::fromStdString(r.config.compute.precision)); i >= 0)
        m_precision->setCurrentIndex(i);
    QStringList targets;
    for (double t : r.config.targets)
        targets << QString::number(t);
    m_targets->setText(r.front > 0 ? QStringLiteral("front %1").arg(r.front) : targets.join(QLatin1Char(',')));
}

} // namespace fbnet
