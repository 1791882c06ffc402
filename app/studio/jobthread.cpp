#include "jobthread.h"

namespace fbnet::studio {

JobThread::JobThread(const QString &name, QObject *parent)
    : QObject(parent), m_context(new QObject)
{
    m_thread.setObjectName(name);
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

JobThread::~JobThread()
{
    if (m_stop) {
        m_stop->resume();
        m_stop->requestStop();
    }
    m_thread.quit();
    m_thread.wait();
}

bool JobThread::start(Job job)
{
    if (m_running)
        return false;
    m_stop = std::make_shared<StopToken>();
    m_paused = false;
    setRunning(true);
    std::lock_guard handOff(m_handOff);
    QMetaObject::invokeMethod(
        m_context,
        [this, job = std::move(job), stop = m_stop] {
            { std::lock_guard received(m_handOff); }
            std::function<void()> done = job(*stop);
            post([this, done = std::move(done)] {
                setRunning(false);
                if (done)
                    done();
            });
        },
        Qt::QueuedConnection);
    return true;
}

void JobThread::post(std::function<void()> f)
{
    std::lock_guard handOff(m_handOff);
    QMetaObject::invokeMethod(
        this,
        [this, f = std::move(f)] {
            { std::lock_guard received(m_handOff); }
            f();
        },
        Qt::QueuedConnection);
}

void JobThread::pause()
{
    if (m_running && m_stop) {
        m_stop->requestPause();
        m_paused = true;
    }
}

void JobThread::resume()
{
    if (m_stop) {
        m_stop->resume();
        m_paused = false;
    }
}

void JobThread::stop()
{
    if (m_stop)
        m_stop->requestStop();
    m_paused = false;
}

void JobThread::setRunning(bool running)
{
    if (m_running == running)
        return;
    m_running = running;
    Q_EMIT runningChanged(running);
}

} // namespace fbnet::studio
