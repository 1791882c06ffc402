#include "runsession.h"

#include <QEventLoop>
#include <QTimer>

#include "fbnet/error.h"

namespace fbnet::studio {

namespace {

RunArchitectures readArchitectures(const RunStore &store, const RunInfo &run, bool argmaxOnly)
{
    RunArchitectures r;
    r.run = run;
    for (auto &a : store.architectures(run.id)) {
        if (argmaxOnly && a.role != "argmax")
            continue;
        r.evaluations.push_back(store.evaluations(a.id));
        r.architectures.push_back(std::move(a));
    }
    return r;
}

} // namespace

const StoredArchitecture *OpenRun::findArchitecture(std::int64_t id, const RunInfo **owner) const
{
    auto search = [&](const RunArchitectures &r) -> const StoredArchitecture * {
        for (const auto &a : r.architectures)
            if (a.id == id) {
                if (owner)
                    *owner = &r.run;
                return &a;
            }
        return nullptr;
    };
    if (auto *a = search(own))
        return a;
    for (const auto *group : {&baselines, &otherSearches})
        for (const auto &r : *group)
            if (auto *a = search(r))
                return a;
    return nullptr;
}

std::shared_ptr<const OpenRun> loadOpenRun(const std::string &storePath, std::int64_t runId)
{
    const RunStore store(storePath);
    auto o = std::make_shared<OpenRun>();
    o->run = store.run(runId);
    o->context = loadRunContext(o->run, store.path());
    o->epochs = store.epochs(runId);
    o->steps = store.steps(runId);
    o->own = readArchitectures(store, o->run, false);
    for (const auto &other : store.runs()) {
        if (other.id == runId || other.space != o->run.space)
            continue;
        if (other.kind == "random" && other.dataset == o->run.dataset)
            o->baselines.push_back(readArchitectures(store, other, false));
        else if (other.kind == "search")
            o->otherSearches.push_back(readArchitectures(store, other, true));
    }
    return o;
}

RunSession::RunSession(QObject *parent)
    : QObject(parent), m_storePath(QString::fromStdString(RunStore::defaultPath())), m_follow(new QTimer(this))
{
    m_pool.setMaxThreadCount(1);
    m_follow->setInterval(2000);
    connect(m_follow, &QTimer::timeout, this, &RunSession::follow);
    m_follow->start();
}

void RunSession::setFollowInterval(int ms)
{
    m_follow->stop();
    if (ms > 0) {
        m_follow->setInterval(ms);
        m_follow->start();
    }
}

void RunSession::follow()
{
    // Only a run another process is recording: this studio's own search has its live events.
    if (!m_open || m_loading || m_open->run.status != "running" || ownedByThisProcess(m_open->run))
        return;
    const qint64 id = m_runId;
    load(id);
    Q_EMIT followed(id);
}

RunSession::~RunSession()
{
    m_pool.waitForDone();
}

void RunSession::setStorePath(const QString &path)
{
    m_pool.waitForDone();
    m_store.reset();
    m_storePath = path;
    close();
    Q_EMIT storeChanged(path);
}

RunStore *RunSession::store(QString *error)
{
    if (!m_store) {
        try {
            m_store = std::make_unique<RunStore>(m_storePath.toStdString());
        } catch (const std::exception &e) {
            if (error)
                *error = QString::fromStdString(e.what());
            return nullptr;
        }
    }
    return m_store.get();
}

bool RunSession::open(qint64 runId, QString *error)
{
    RunStore *s = store(error);
    if (!s)
        return false;
    try {
        s->run(std::int64_t(runId));  // one row: the run exists
    } catch (const std::exception &e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    m_runId = runId;
    load(runId);
    return true;
}

void RunSession::reload()
{
    if (m_runId)
        load(m_runId);
}

void RunSession::close()
{
    ++m_generation;
    m_runId = 0;
    m_open.reset();
    m_loading = false;
}

bool RunSession::waitUntilOpen(int timeoutMs)
{
    if (!m_loading)
        return m_open != nullptr;
    QEventLoop loop;
    bool ok = false;
    connect(this, &RunSession::opened, &loop, [&] {
        ok = true;
        loop.quit();
    });
    connect(this, &RunSession::openFailed, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return ok;
}

void RunSession::load(qint64 runId)
{
    const int generation = ++m_generation;
    m_loading = true;
    const std::string path = m_storePath.toStdString();
    m_pool.start([this, generation, path, runId] {
        std::shared_ptr<const OpenRun> run;
        QString message;
        try {
            run = loadOpenRun(path, runId);
        } catch (const std::exception &e) {
            message = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            this,
            [this, generation, run, message] {
                if (generation != m_generation)
                    return;  // superseded by a newer open
                m_loading = false;
                if (!run) {
                    Q_EMIT openFailed(message);
                    return;
                }
                m_open = run;
                Q_EMIT opened(run);
            },
            Qt::QueuedConnection);
    });
}

} // namespace fbnet::studio
