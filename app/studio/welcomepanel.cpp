#include "welcomepanel.h"

#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

#include "runsmodel.h"
#include "searchcontroller.h"

namespace fbnet::studio {

SearchRequest demoSearchRequest()
{
    SearchRequest r;
    r.invocation.dataset = "synthetic:800";
    r.invocation.subset = 0;
    r.config.epochs = 3;  // a demo of every view in about half a minute on 2 cores (soft mode: every block each step)
    r.config.warmupEpochs = 1;
    r.config.batchSize = 8;
    r.config.maxStepsPerEpoch = 5;
    r.config.mode = MaskMode::Soft;
    r.config.lrTheta = 0.1;
    r.config.compute.threads = 0;
    return r;
}

namespace {
QPushButton *bigButton(const QString &text, const QString &detail, QWidget *parent)
{
    auto *b = new QPushButton(text + QStringLiteral("\n") + detail, parent);
    b->setMinimumHeight(56);
    b->setStyleSheet(QStringLiteral("QPushButton { text-align: left; padding: 6px 12px; }"));
    return b;
}
} // namespace

WelcomePanel::WelcomePanel(QWidget *parent)
    : QWidget(parent),
      m_newSearch(bigButton(tr("New search…"),
                            tr("Opens on the embedded default: Fashion-MNIST, the fbnet-cifar space, the Pixel 3 table, "
                               "6 epochs (about 6½ min on 2 cores)"),
                            this)),
      m_demo(bigButton(tr("Run the demo search"),
                       tr("800 synthetic images, 3 short epochs: every view fills in about half a minute on 2 cores"), this)),
      m_devices(bigButton(tr("Compare the Samsung S8 and the iPhone X"),
                          tr("The FBNet paper's two phones on its ImageNet space: the Devices tab"), this)),
      m_recent(new QListWidget(this)), m_recentTitle(new QLabel(tr("Recent runs"), this))
{
    setObjectName(QStringLiteral("welcomePanel"));
    auto *title = new QLabel(tr("Welcome to FBNet Studio"), this);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    title->setFont(big);
    auto *intro = new QLabel(tr("Search a ConvNet for a device: a supernet of candidate blocks per layer is trained while "
                                "θ, the probability of each block, learns to trade accuracy against the device's latency "
                                "table (FBNet, Wu et al. 2019). The studio shows θ per layer, the curves, the latency "
                                "against accuracy of the architectures it finds, and exports the one you choose."),
                             this);
    intro->setWordWrap(true);
    m_recent->setObjectName(QStringLiteral("welcomeRecentRuns"));
    m_recent->setMaximumHeight(150);
    QFont bold = m_recentTitle->font();
    bold.setBold(true);
    m_recentTitle->setFont(bold);

    auto *column = new QVBoxLayout;
    column->addWidget(title);
    column->addWidget(intro);
    column->addSpacing(8);
    column->addWidget(m_newSearch);
    column->addWidget(m_demo);
    column->addWidget(m_devices);
    column->addSpacing(8);
    column->addWidget(m_recentTitle);
    column->addWidget(m_recent);
    column->addStretch(1);
    auto *outer = new QHBoxLayout(this);
    outer->addStretch(1);
    outer->addLayout(column, 4);
    outer->addStretch(1);

    connect(m_newSearch, &QPushButton::clicked, this, &WelcomePanel::newSearchRequested);
    connect(m_demo, &QPushButton::clicked, this, &WelcomePanel::demoRequested);
    connect(m_devices, &QPushButton::clicked, this, &WelcomePanel::devicesRequested);
    connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        const qint64 id = item->data(Qt::UserRole).toLongLong();
        if (id > 0)
            Q_EMIT openRequested(id);
    });
    setRecentRuns({});
}

void WelcomePanel::setRecentRuns(const std::vector<RunRow> &rows)
{
    m_recent->clear();
    std::vector<const RunRow *> newest;
    for (const auto &r : rows)
        newest.push_back(&r);
    std::sort(newest.begin(), newest.end(), [](const RunRow *a, const RunRow *b) {
        return a->run.createdAt != b->run.createdAt ? a->run.createdAt > b->run.createdAt : a->run.id > b->run.id;
    });
    if (newest.size() > 6)
        newest.resize(6);
    for (const RunRow *r : newest) {
        QString text = QString::fromStdString(r->run.name) + QStringLiteral(" · ") + QString::fromStdString(r->run.status);
        if (!r->run.dataset.empty())
            text += QStringLiteral(" · ") + QString::fromStdString(r->run.dataset);
        if (!r->run.lutDevice.empty())
            text += QStringLiteral(" · ") + QString::fromStdString(r->run.lutDevice);
        auto *item = new QListWidgetItem(text, m_recent);
        item->setData(Qt::UserRole, qint64(r->run.id));
        item->setToolTip(tr("Double-click (or Enter) opens the run in every tab"));
    }
    if (newest.empty()) {
        auto *item = new QListWidgetItem(tr("No run in this store yet: the runs you start are kept here."), m_recent);
        item->setFlags(Qt::NoItemFlags);
    }
}

std::vector<qint64> WelcomePanel::listedRuns() const
{
    std::vector<qint64> ids;
    for (int i = 0; i < m_recent->count(); ++i)
        if (const qint64 id = m_recent->item(i)->data(Qt::UserRole).toLongLong(); id > 0)
            ids.push_back(id);
    return ids;
}

} // namespace fbnet::studio
